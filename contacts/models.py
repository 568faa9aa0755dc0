"""People and organizations in the network, the channels kept with them, every exchange,
the diplomatic climate and the reminders that keep channels alive.

Vocabulary and rules: ../shared/DESIGN.md. Reads live on the querysets in
``contacts.querysets``; workflows that touch several models live in ``contacts.services``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords
from timezone_field import TimeZoneField

from contacts.fields import EncryptedTextField
from contacts.querysets import (
    AffiliationQuerySet,
    ChannelQuerySet,
    ClimateQuerySet,
    ContactQuerySet,
    ExchangeQuerySet,
    ExposesContactQuerySet,
    GrantQuerySet,
    ReminderQuerySet,
    TagQuerySet,
)


class Layer(models.TextChoices):
    SECURITY = "security", "Security"
    POLITICAL = "political", "Political"
    NARRATIVE = "narrative", "Narrative"
    SOFT_CULTURAL = "soft_cultural", "Soft / cultural"
    CIVIL_EPISTEMIC = "civil_epistemic", "Civil / epistemic"


class Sensitivity(models.TextChoices):
    STANDARD = "standard", "Standard (all staff)"
    RESTRICTED = "restricted", "Restricted (owner, team, grants)"
    PROTECTED = "protected", "Protected (owner and grants only)"


class Team(models.Model):
    """A section of the mission (press, culture, science, community...)."""

    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)

    def __str__(self):
        return self.name


class OfficerProfile(models.Model):
    """Per-user preferences that the digests need: time zone and the hour to send."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    timezone = TimeZoneField(default="UTC")
    digest_hour = models.PositiveSmallIntegerField(default=8, validators=[MaxValueValidator(23)])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(digest_hour__gte=0, digest_hour__lte=23),
                name="profile_digest_hour_in_day",
            )
        ]

    def __str__(self):
        return f"Profile of {self.user}"


class Organization(models.Model):
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

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


class Contact(models.Model):
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
    layer = models.CharField(max_length=20, choices=Layer.choices)
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager.from_queryset(ContactQuerySet)()
    history = HistoricalRecords()

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


class Channel(models.Model):
    """The relationship between one officer and one contact: the unit kept alive."""

    class Kind(models.TextChoices):
        INFORMAL = "informal", "Informal"
        FORMAL = "formal", "Formal"

    class Priority(models.TextChoices):
        KEY = "key", "Key"
        NORMAL = "normal", "Normal"
        PERIPHERAL = "peripheral", "Peripheral"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="channels")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channels"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.INFORMAL)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    cadence_days = models.PositiveIntegerField(default=30)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    last_touch_at = models.DateTimeField(
        null=True, blank=True, help_text="The latest exchange or attendance with both."
    )
    # Dismissing the channel's reminder without an exchange restarts the count from then.
    count_restarted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager.from_queryset(ChannelQuerySet)()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "officer"], name="channel_unique_pair"),
            models.CheckConstraint(
                condition=Q(cadence_days__gt=0), name="channel_cadence_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "last_touch_at"]),
            models.Index(fields=["officer", "status"]),
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self):
        return f"{self.officer} ↔ {self.contact}"


class ChannelState(models.Model):
    """Whether a channel was kept within its cadence at the start of each month of one
    year, as recorded by ``contacts.states``: bit ``m`` of ``kept_up`` (0 for January) is
    set when, at midnight starting that month in ``TIME_ZONE``, the channel existed and was
    not overdue. The network-health indicators read these instead of every exchange."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="states")
    year = models.PositiveSmallIntegerField()
    kept_up = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "year"], name="channel_state_unique_year"),
        ]

    def __str__(self):
        return f"{self.channel_id} in {self.year}: {self.kept_up:012b}"


class RecordedMonth(models.Model):
    """A month start whose channel states are recorded for every channel that existed."""

    starts_on = models.DateField(unique=True, help_text="The first day of the month.")
    starts_at = models.DateTimeField(unique=True, help_text="Midnight starting it (TIME_ZONE).")
    recorded_at = models.DateTimeField()

    def __str__(self):
        return f"{self.starts_on:%Y-%m} recorded {self.recorded_at:%Y-%m-%d %H:%M}"


class Exchange(models.Model):
    """One logged touchpoint with one or more contacts."""

    class Kind(models.TextChoices):
        MEETING = "meeting", "Meeting"
        CALL = "call", "Call"
        MESSAGE = "message", "Message"
        EMAIL = "email", "E-mail"
        EVENT = "event", "Event"
        LETTER = "letter", "Letter"

    # The web form and the API both hold a topic list to these.
    MAX_TOPICS = 50
    TOPIC_MAX_LENGTH = 100

    occurred_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    contacts = models.ManyToManyField(Contact, related_name="exchanges")
    officers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="exchanges")
    summary = models.TextField()
    notes = EncryptedTextField(blank=True, help_text="Private notes, encrypted at rest.")
    topics = models.JSONField(default=list, blank=True)
    follow_up_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Derived from the contacts and their categories, kept by contacts.receivers however
    # they change; the journalist_exchanges indicator reads it instead of joining every
    # exchange's contacts. Not in the history (it is no one's edit).
    names_journalist = models.BooleanField(default=False, editable=False)
    # Set when a restricted or protected contact it named is removed or deleted
    # (services.seal_exchanges): from then on only ``readers`` (and superusers) may read it,
    # so that no removal ever widens who reads its summary and notes. Never unset.
    is_sealed = models.BooleanField(default=False, editable=False)
    readers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, editable=False
    )

    objects = models.Manager.from_queryset(ExchangeQuerySet)()
    # Not in the history: a revert must never unseal an exchange.
    history = HistoricalRecords(excluded_fields=["names_journalist", "is_sealed"])

    class Meta:
        indexes = [
            models.Index(fields=["occurred_at"]),
            models.Index(
                fields=["follow_up_on"],
                condition=Q(follow_up_on__isnull=False),
                name="exchange_follow_up_idx",
            ),
            models.Index(fields=["updated_at"]),
            # The journalist_exchanges indicator's rows (about one exchange in seven).
            models.Index(
                fields=["occurred_at"],
                condition=Q(names_journalist=True),
                name="exchange_journalist_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.occurred_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        # Only services.seal_exchanges writes is_sealed (an UPDATE): saving an instance
        # read before the seal, or rebuilt from the history by a revert, must not unseal.
        if self.pk is not None and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.attname
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "is_sealed"
            ]
        super().save(*args, **kwargs)


class Climate(models.Model):
    """One dated level of the official diplomatic climate; the latest started one holds."""

    class Level(models.TextChoices):
        NORMAL = "normal", "Normal"
        ELEVATED = "elevated", "Elevated"
        HIGH = "high", "High"
        CRISIS = "crisis", "Crisis"

    level = models.CharField(max_length=10, choices=Level.choices)
    note = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = models.Manager.from_queryset(ClimateQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "climate level"
        indexes = [models.Index(fields=["started_at"])]

    def __str__(self):
        return f"{self.get_level_display()} from {self.started_at:%Y-%m-%d}"


class Reminder(models.Model):
    """Something an officer or planner must act on."""

    class Kind(models.TextChoices):
        CHANNEL_DUE = "channel_due", "Channel due"
        FOLLOW_UP = "follow_up", "Follow-up"
        RSVP_CHASE = "rsvp_chase", "RSVP chase"
        EVENT_PREP = "event_prep", "Event preparation"
        EVENT_FOLLOW_UP = "event_follow_up", "Event follow-up"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SNOOZED = "snoozed", "Snoozed"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    exchange = models.ForeignKey(
        Exchange, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = models.Manager.from_queryset(ReminderQuerySet)()

    class Meta:
        constraints = [
            # The sweep relies on this: a second open reminder for a channel is refused by
            # the database, so concurrent sweeps cannot both insert one.
            models.UniqueConstraint(
                fields=["channel"],
                condition=Q(kind="channel_due", status__in=["open", "snoozed"]),
                name="reminder_one_open_channel_due",
            ),
            models.UniqueConstraint(
                fields=["exchange", "recipient"],
                condition=Q(kind="follow_up"),
                name="reminder_one_follow_up_per_officer",
            ),
            models.CheckConstraint(
                condition=Q(status="snoozed", snoozed_until__isnull=False) | ~Q(status="snoozed"),
                name="reminder_snoozed_has_until",
            ),
            models.CheckConstraint(
                condition=~Q(kind="channel_due") | Q(channel__isnull=False),
                name="reminder_channel_due_has_channel",
            ),
            models.CheckConstraint(
                condition=~Q(kind="follow_up") | Q(exchange__isnull=False),
                name="reminder_follow_up_has_exchange",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "status", "due_at"]),
            models.Index(
                fields=["snoozed_until"],
                condition=Q(status="snoozed"),
                name="reminder_snoozed_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.recipient} ({self.get_status_display()})"


class Notification(models.Model):
    """One e-mail sent (or being sent), claimed by its natural key so that a retried or
    duplicated task never sends it twice."""

    class Kind(models.TextChoices):
        DIGEST = "digest", "Daily digest"
        ESCALATION = "escalation", "Escalation to a lead"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(max_length=64, help_text="The day of a digest, the reminder escalated.")
    subject = models.CharField(max_length=200)
    reminder_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "key"], name="notification_once_per_key"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient} ({self.key})"


class AccessLogManager(models.Manager):
    def record(self, *, user, contacts, surface: str, now) -> list:
        """Record that ``user`` viewed these contacts on ``surface`` (one response): only
        protected contacts are logged, each once however often the response names it."""
        shown = {
            contact.pk: contact
            for contact in contacts
            if contact.sensitivity == Sensitivity.PROTECTED
        }
        if not shown:
            # bulk_create() would open and commit a transaction for nothing.
            return []
        return self.bulk_create(
            AccessLog(user=user, contact=contact, surface=surface, viewed_at=now)
            for contact in shown.values()
        )


class AccessLog(models.Model):
    """One view of a protected contact: who, when, where. Written, never edited."""

    class Surface(models.TextChoices):
        ADMIN = "admin", "Admin"
        WEB = "web", "Web app"
        API = "api", "API"
        EXPORT = "export", "Export"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contact_views"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="access_log")
    surface = models.CharField(max_length=10, choices=Surface.choices)
    viewed_at = models.DateTimeField()

    objects = AccessLogManager.from_queryset(ExposesContactQuerySet)()

    class Meta:
        verbose_name = "access log entry"
        verbose_name_plural = "access log"
        indexes = [models.Index(fields=["contact", "viewed_at"])]

    def __str__(self):
        return f"{self.user} viewed contact #{self.contact_id} ({self.surface})"


class ErasureRecord(models.Model):
    """The audit trail of an erasure: which contact row, who, when and why; no personal
    data, so that it can be kept after the erasure."""

    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="erasures"
    )
    erased_contact_id = models.PositiveBigIntegerField(help_text="The erased contact's id.")
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    erased_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    rows_anonymised = models.JSONField(default=dict)

    def __str__(self):
        return f"Erasure of contact #{self.erased_contact_id} on {self.erased_at:%Y-%m-%d}"


class Signal(models.Model):
    """An observation from outside the CRM that an indicator needs: a media item about the
    country, a piece of host-language content, a friction incident or a coordination
    meeting. The rules of each kind are in ``clean()``, which forms, the API and the CSV
    import all run."""

    class Kind(models.TextChoices):
        COVERAGE = "coverage", "Media coverage"
        DIGITAL_REACH = "digital_reach", "Digital reach"
        FRICTION_INCIDENT = "friction_incident", "Friction incident"
        COORDINATION = "coordination", "Coordination"

    class Theme(models.TextChoices):
        SECURITY = "security", "Security"
        POLITICAL = "political", "Political"
        CIVIL = "civil", "Civil"
        CULTURAL = "cultural", "Cultural"
        INNOVATION = "innovation", "Innovation"

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    class Outcome(models.TextChoices):
        HELD = "held", "Held"
        POSTPONED = "postponed", "Postponed"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_on = models.DateField()
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signals",
        help_text="For coverage: the media outlet.",
    )
    title = models.CharField(max_length=300, help_text="The headline or a short label.")
    language = models.CharField(max_length=12, blank=True, help_text="A code, e.g. ru, he.")
    tone = models.SmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(-2), MaxValueValidator(2)],
        help_text="For coverage: -2 hostile, 0 neutral, +2 favourable.",
    )
    theme = models.CharField(max_length=12, choices=Theme.choices, blank=True)
    link = models.URLField(max_length=500, blank=True)
    platform = models.CharField(max_length=50, blank=True, help_text="For digital reach.")
    audience = models.PositiveIntegerField(
        null=True, blank=True, help_text="Views or audience estimate."
    )
    severity = models.CharField(
        max_length=8, choices=Severity.choices, blank=True, help_text="For friction incidents."
    )
    outcome = models.CharField(
        max_length=10, choices=Outcome.choices, blank=True, help_text="For coordination."
    )
    layer = models.CharField(
        max_length=20,
        choices=Layer.choices,
        help_text="Empty: security for incidents and coordination, narrative otherwise.",
    )
    country = CountryField(blank=True, help_text="Empty: the organization's country.")
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(tone__isnull=True) | Q(tone__gte=-2, tone__lte=2),
                name="signal_tone_in_scale",
            ),
            models.CheckConstraint(
                condition=~Q(kind="coverage") | Q(tone__isnull=False),
                name="signal_coverage_has_tone",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "occurred_on"]),
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title} ({self.occurred_on:%Y-%m-%d})"

    @staticmethod
    def default_layer(kind: str) -> str:
        """The layer a signal serves when none is given."""
        security = {Signal.Kind.FRICTION_INCIDENT, Signal.Kind.COORDINATION}
        return Layer.SECURITY if kind in security else Layer.NARRATIVE

    def clean(self):
        """Fill the layer and country defaults, and check what each kind needs."""
        if self.kind and not self.layer:
            self.layer = self.default_layer(self.kind)
        organization = self.organization if self.organization_id else None
        if not self.country and organization is not None:
            self.country = organization.country
        errors = {}
        if self.kind == self.Kind.COVERAGE:
            if organization is None:
                errors["organization"] = "A coverage item names its media outlet."
            elif organization.kind != Organization.Kind.MEDIA_OUTLET:
                errors["organization"] = "The outlet must be an organization of kind media_outlet."
            if self.tone is None:
                errors["tone"] = "A coverage item has a tone from -2 to +2."
        elif self.kind == self.Kind.DIGITAL_REACH:
            if not self.platform:
                errors["platform"] = "A digital reach item names its platform."
            if self.audience is None:
                errors["audience"] = "A digital reach item has an audience (views) estimate."
        elif self.kind == self.Kind.FRICTION_INCIDENT and not self.severity:
            errors["severity"] = "A friction incident has a severity."
        elif self.kind == self.Kind.COORDINATION and not self.outcome:
            errors["outcome"] = "A coordination item has an outcome."
        if errors:
            raise ValidationError(errors)
