"""The network: organizations, tags, contacts, grants on them and affiliations."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from contacts.fields import EncryptedTextField
from contacts.models.choices import Layer, Sensitivity
from contacts.names import KEY_LENGTH, keys
from contacts.querysets import (
    AffiliationQuerySet,
    ContactQuerySet,
    GrantQuerySet,
    OrganizationQuerySet,
    TagQuerySet,
)


class KeptNameKeys:
    """``search_key`` and ``name_skeleton`` set from ``NAME_FIELDS`` on every save (the
    querysets' update and bulk methods do the same: ``NameKeysQuerySet``)."""

    NAME_FIELDS: tuple[str, ...] = ()

    def set_name_keys(self) -> None:
        self.search_key, self.name_skeleton = keys(*(getattr(self, f) for f in self.NAME_FIELDS))

    def save(self, *args, **kwargs):
        self.set_name_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and any(f in self.NAME_FIELDS for f in update_fields):
            kwargs["update_fields"] = {*update_fields, "search_key", "name_skeleton"}
        super().save(*args, **kwargs)


class Organization(KeptNameKeys, models.Model):
    class Kind(models.TextChoices):
        UNIVERSITY = "university", "University"
        RESEARCH_INSTITUTE = "research_institute", "Research institute"
        THINK_TANK = "think_tank", "Think tank"
        MEDIA_OUTLET = "media_outlet", "Media outlet"
        CULTURAL_INSTITUTION = "cultural_institution", "Cultural institution"
        COMMUNITY_ORGANIZATION = "community_organization", "Community organization"
        NGO = "ngo", "NGO"
        COMPANY = "company", "Company"
        RELIGIOUS_INSTITUTION = "religious_institution", "Religious institution"
        GOVERNMENT_BODY = "government_body", "Government body"

    name = models.CharField(max_length=200)
    native_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    country = CountryField(blank=True)
    city = models.CharField(max_length=100, blank=True)
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)
    # Both names folded to Latin and their consonant skeleton (contacts/names.py), kept by
    # save() and the queryset's update/bulk methods; searched through trigram indexes.
    search_key = models.CharField(max_length=KEY_LENGTH, blank=True, editable=False, db_default="")
    name_skeleton = models.CharField(
        max_length=KEY_LENGTH, blank=True, editable=False, db_default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager.from_queryset(OrganizationQuerySet)()
    history = HistoricalRecords(excluded_fields=["search_key", "name_skeleton"])

    NAME_FIELDS = ("name", "native_name")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="organization_unique_name")
        ]
        indexes = [models.Index(fields=["kind", "country"]), models.Index(fields=["updated_at"])]

    def __str__(self):
        return self.name

    def is_referenced(self) -> bool:
        """Whether any contact, affiliation, event, programme or signal names it (whoever
        may see those): deleting it would change them."""
        return any(
            related.exists()
            for related in (
                self.contacts.all(),
                self.affiliations.all(),
                self.hosted_events.all(),
                self.programmes.all(),
                self.signals.all(),
            )
        )


class Tag(models.Model):
    """A free label on contacts, used to filter and to invite in bulk."""

    name = models.CharField(max_length=50, unique=True)

    objects = models.Manager.from_queryset(TagQuerySet)()

    def __str__(self):
        return self.name


class Contact(KeptNameKeys, models.Model):
    class Category(models.TextChoices):
        ACADEMIC = "academic", "Academic"
        JOURNALIST = "journalist", "Journalist"
        THINK_TANK = "think_tank", "Think-tank analyst"
        CULTURAL = "cultural", "Cultural figure"
        CIVIL_SOCIETY = "civil_society", "Civil-society activist"
        COMMUNITY = "community", "Community leader"
        TECHNOLOGY = "technology", "Technology"
        RELIGIOUS = "religious", "Religious figure"
        OTHER = "other", "Other"

    full_name = models.CharField(max_length=200)
    native_name = models.CharField(
        max_length=200, blank=True, help_text="The name in the contact's own script."
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        help_text="The current primary organization.",
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    country = CountryField(blank=True)
    languages = models.JSONField(
        default=list, blank=True, help_text="Language codes, e.g. ['ru', 'he', 'en']."
    )
    # Optional: a contact without one counts as "unassigned" in the indicators.
    layer = models.CharField(max_length=20, choices=Layer.choices, blank=True)
    sensitivity = models.CharField(
        max_length=12, choices=Sensitivity.choices, default=Sensitivity.STANDARD
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_contacts"
    )
    tags = models.ManyToManyField(Tag, related_name="contacts", blank=True)
    notes = EncryptedTextField(blank=True, help_text="Private notes, encrypted at rest.")
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="When the personal data was erased on request."
    )
    # Both names folded to Latin and their consonant skeleton (contacts/names.py), kept by
    # save() and the queryset's update/bulk methods; searched through trigram indexes.
    search_key = models.CharField(max_length=KEY_LENGTH, blank=True, editable=False, db_default="")
    name_skeleton = models.CharField(
        max_length=KEY_LENGTH, blank=True, editable=False, db_default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager.from_queryset(ContactQuerySet)()
    history = HistoricalRecords(excluded_fields=["search_key", "name_skeleton"])

    NAME_FIELDS = ("full_name", "native_name")

    class Meta:
        indexes = [
            models.Index(fields=["category"]),
            models.Index(fields=["sensitivity", "owner"]),
            models.Index(fields=["full_name"]),
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self):
        return self.full_name


class Grant(models.Model):
    """One user's explicit access to one restricted or protected contact."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = models.Manager.from_queryset(GrantQuerySet)()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "user"], name="grant_unique_per_user")
        ]

    def __str__(self):
        return f"{self.user} → {self.contact}"


class Affiliation(models.Model):
    """A contact's role at an organization, dated because positions change."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="affiliations")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="affiliations"
    )
    role = models.CharField(max_length=200, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    objects = models.Manager.from_queryset(AffiliationQuerySet)()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="affiliation_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.contact} — {self.role or 'member'}, {self.organization}"
