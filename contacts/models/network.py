"""The network: organizations, tags, contacts, grants on them and affiliations."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from contacts import matching
from contacts.fields import EncryptedTextField
from contacts.models.choices import ChoiceLabels, Layer, Sensitivity
from contacts.names import KEY_LENGTH, keys
from contacts.querysets import (
    AffiliationQuerySet,
    ContactQuerySet,
    GrantQuerySet,
    OrganizationQuerySet,
    TagQuerySet,
)
from trackii.dates import within_range

BIRTH_YEAR_MIN = 1900
# The database's bound; the forms and the API refuse a year after the current one.
BIRTH_YEAR_MAX = 2100


def validate_birth_year_not_future(year: int) -> None:
    if year is not None and year > timezone.now().year:
        raise ValidationError(_("A birth year cannot be in the future."))


class KeptNameKeys:
    """``search_key`` and ``name_skeleton`` set from ``NAME_FIELDS`` on every save, and any
    ``OTHER_KEYS`` from theirs (the querysets' update and bulk methods do the same:
    ``NameKeysQuerySet``)."""

    NAME_FIELDS: tuple[str, ...] = ()
    # Further keys kept the same way: {key field: (its source fields, the function of them)}.
    OTHER_KEYS: dict = {}

    @classmethod
    def key_sources(cls) -> tuple[str, ...]:
        """Every field a kept key is made from."""
        others = (name for sources, _ in cls.OTHER_KEYS.values() for name in sources)
        return tuple(dict.fromkeys([*cls.NAME_FIELDS, *others]))

    @classmethod
    def keys_of(cls, fields) -> list[str]:
        """The kept keys to write again when ``fields`` are written."""
        fields = set(fields)
        kept = ["search_key", "name_skeleton"] if fields & set(cls.NAME_FIELDS) else []
        return kept + [key for key, (sources, _) in cls.OTHER_KEYS.items() if fields & {*sources}]

    def set_name_keys(self) -> None:
        self.search_key, self.name_skeleton = keys(*(getattr(self, f) for f in self.NAME_FIELDS))
        for key, (sources, function) in self.OTHER_KEYS.items():
            setattr(self, key, function(*(getattr(self, f) for f in sources)))

    def save(self, *args, **kwargs):
        self.set_name_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and self.keys_of(update_fields):
            kwargs["update_fields"] = {*update_fields, *self.keys_of(update_fields)}
        super().save(*args, **kwargs)


class Organization(KeptNameKeys, ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("University")
        RESEARCH_INSTITUTE = "research_institute", _("Research institute")
        THINK_TANK = "think_tank", _("Think tank")
        MEDIA_OUTLET = "media_outlet", _("Media outlet")
        CULTURAL_INSTITUTION = "cultural_institution", _("Cultural institution")
        COMMUNITY_ORGANIZATION = "community_organization", _("Community organization")
        NGO = "ngo", _("NGO")
        COMPANY = "company", _("Company")
        RELIGIOUS_INSTITUTION = "religious_institution", _("Religious institution")
        GOVERNMENT_BODY = "government_body", _("Government body")

    name = models.CharField(_("name"), max_length=200)
    native_name = models.CharField(_("native name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    country = CountryField(verbose_name=_("country"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    # Both names folded to Latin and their consonant skeleton (contacts/names.py), kept by
    # save() and the queryset's update/bulk methods; searched through trigram indexes.
    search_key = models.CharField(max_length=KEY_LENGTH, blank=True, editable=False, db_default="")
    name_skeleton = models.CharField(
        max_length=KEY_LENGTH, blank=True, editable=False, db_default=""
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

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

    def is_referenced(self, user=None) -> bool:
        """Whether any contact, affiliation, event, programme or signal names it, whoever
        may see those (deleting it would change them); with ``user``, only what they may
        see: its delete page says so before asking. What they may not see refuses the
        deletion itself, in the same words, and only then (the page would tell of hidden
        contacts to whoever opens it)."""
        contacts, affiliations = self.contacts.all(), self.affiliations.all()
        if user is not None:
            contacts, affiliations = contacts.visible_to(user), affiliations.visible_to(user)
        return any(
            related.exists()
            for related in (
                contacts,
                affiliations,
                self.hosted_events.all(),
                self.programmes.all(),
                self.signals.all(),
            )
        )


class Tag(ChoiceLabels, models.Model):
    """A free label on contacts, used to filter and to invite in bulk."""

    name = models.CharField(_("name"), max_length=50, unique=True)

    objects = models.Manager.from_queryset(TagQuerySet)()

    def __str__(self):
        return self.name


# The soonest next due moment of a contact's active channels under each climate level.
CHANNEL_DUE_FIELDS = {
    "normal": "channels_due_normal_at",
    "elevated": "channels_due_elevated_at",
    "high": "channels_due_high_at",
    "crisis": "channels_due_crisis_at",
}
CHANNEL_DATE_FIELDS = (
    "channels_last_touch_at",
    *CHANNEL_DUE_FIELDS.values(),
    "channels_dates_factors",
)


class Contact(KeptNameKeys, ChoiceLabels, models.Model):
    class Category(models.TextChoices):
        ACADEMIC = "academic", _("Academic")
        JOURNALIST = "journalist", _("Journalist")
        THINK_TANK = "think_tank", _("Think-tank analyst")
        CULTURAL = "cultural", _("Cultural figure")
        CIVIL_SOCIETY = "civil_society", _("Civil-society activist")
        COMMUNITY = "community", _("Community leader")
        TECHNOLOGY = "technology", _("Technology")
        RELIGIOUS = "religious", _("Religious figure")
        OTHER = "other", _("Other")

    full_name = models.CharField(_("full name"), max_length=200)
    native_name = models.CharField(
        _("native name"),
        max_length=200,
        blank=True,
        help_text=_("The name in the contact's own script."),
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("organization"),
        help_text=_("The current primary organization."),
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(BIRTH_YEAR_MIN), validate_birth_year_not_future],
        help_text=_("Helps tell apart people of the same name."),
    )
    country = CountryField(verbose_name=_("country"), blank=True)
    languages = models.JSONField(
        _("languages"),
        default=list,
        blank=True,
        help_text=_("Language codes, e.g. ['ru', 'he', 'en']."),
    )
    # The language the contact is written to in (contacts.languages.guest_language).
    language = models.CharField(
        _("language of invitations"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        db_default="",  # rows written in SQL (bulk tools, tests) too
        help_text=_(
            "The language of the invitations and the answer page this contact receives. "
            "Blank: the first of English, Russian and Hebrew among their languages."
        ),
    )
    # Optional: a contact without one counts as "unassigned" in the indicators.
    layer = models.CharField(_("layer"), max_length=20, choices=Layer.choices, blank=True)
    sensitivity = models.CharField(
        _("sensitivity"), max_length=12, choices=Sensitivity.choices, default=Sensitivity.STANDARD
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_contacts",
        verbose_name=_("owner"),
    )
    tags = models.ManyToManyField(Tag, related_name="contacts", blank=True, verbose_name=_("tags"))
    notes = EncryptedTextField(
        verbose_name=_("notes"), blank=True, help_text=_("Private notes, encrypted at rest.")
    )
    erased_at = models.DateTimeField(
        _("erased at"),
        null=True,
        blank=True,
        help_text=_("When the personal data was erased on request."),
    )
    # Both names folded to Latin and their consonant skeleton (contacts/names.py), kept by
    # save() and the queryset's update/bulk methods; searched through trigram indexes.
    search_key = models.CharField(max_length=KEY_LENGTH, blank=True, editable=False, db_default="")
    name_skeleton = models.CharField(
        max_length=KEY_LENGTH, blank=True, editable=False, db_default=""
    )
    # The phone in E.164 and the e-mail in lower case (contacts/matching.py), kept like the
    # name keys; the duplicate finder blocks and scores on them.
    phone_key = models.CharField(max_length=32, blank=True, editable=False, db_default="")
    email_key = models.CharField(max_length=254, blank=True, editable=False, db_default="")
    # The dates of its channels, stored for the list's sorts (ContactQuerySet
    # .refresh_channel_dates, after every write of a channel: contacts/contact_dates.py):
    # the latest touch of any, and the soonest next due moment of the active ones under
    # each climate level, so that a new level needs no writing; ``channels_dates_factors``
    # names the cadence factors they were computed under (CLIMATE_FACTORS).
    channels_last_touch_at = models.DateTimeField(null=True, editable=False)
    channels_due_normal_at = models.DateTimeField(null=True, editable=False)
    channels_due_elevated_at = models.DateTimeField(null=True, editable=False)
    channels_due_high_at = models.DateTimeField(null=True, editable=False)
    channels_due_crisis_at = models.DateTimeField(null=True, editable=False)
    channels_dates_factors = models.CharField(
        max_length=200, blank=True, editable=False, db_default=""
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = models.Manager.from_queryset(ContactQuerySet)()
    history = HistoricalRecords(
        excluded_fields=[
            "search_key",
            "name_skeleton",
            "phone_key",
            "email_key",
            *CHANNEL_DATE_FIELDS,
        ]
    )

    NAME_FIELDS = ("full_name", "native_name")
    CHANNEL_DUE_FIELDS = CHANNEL_DUE_FIELDS
    OTHER_KEYS = {
        "phone_key": (("phone",), matching.phone_key),
        "email_key": (("email",), matching.email_key),
    }

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True)
                | Q(birth_year__gte=BIRTH_YEAR_MIN, birth_year__lte=BIRTH_YEAR_MAX),
                name="contact_birth_year_sane",
            )
        ]
        indexes = [
            # The duplicate finder's e-mail and phone blocks (contacts.duplicates).
            models.Index(fields=["email_key"], name="contact_email_key"),
            models.Index(fields=["phone_key"], name="contact_phone_key"),
            models.Index(fields=["category"]),
            models.Index(fields=["sensitivity", "owner"]),
            models.Index(fields=["full_name"]),
            models.Index(fields=["updated_at"]),
            # The list sorted by next due under each climate level, then by name (its
            # last key, the id, needed only between namesakes: with it, an index-only scan
            # of one of these would look cheaper to the planner than the trigram index for a
            # name search), and the check for dates computed under other cadence factors
            # (ContactQuerySet.with_channel_dates). The index of the sort by last touch,
            # descending with the contacts never touched last, is migration 0013's alone
            # (SQLite has no NULLS LAST in an index).
            *(
                models.Index(fields=[field, "full_name"], name=f"contact_by_due_{level}")
                for level, field in CHANNEL_DUE_FIELDS.items()
            ),
            models.Index(fields=["channels_dates_factors"], name="contact_dates_factors"),
        ]

    def __str__(self):
        return self.full_name


class Grant(ChoiceLabels, models.Model):
    """One user's explicit access to one restricted or protected contact."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="grants", verbose_name=_("contact")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="contact_grants",
        verbose_name=_("user"),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = models.Manager.from_queryset(GrantQuerySet)()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "user"], name="grant_unique_per_user")
        ]

    def __str__(self):
        return f"{self.user} → {self.contact}"


class Affiliation(ChoiceLabels, models.Model):
    """A contact's role at an organization, dated because positions change."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="affiliations", verbose_name=_("contact")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="affiliations",
        verbose_name=_("organization"),
    )
    role = models.CharField(_("role"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True, validators=[within_range])
    ends_on = models.DateField(_("ends on"), null=True, blank=True, validators=[within_range])

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
