"""Channels kept with contacts, their recorded month-start states, and exchanges."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from contacts.fields import EncryptedTextField
from contacts.models.choices import ChoiceLabels
from contacts.models.network import Contact
from contacts.querysets import (
    ChannelQuerySet,
    ExchangeQuerySet,
)
from trackii.dates import within_range


class Channel(ChoiceLabels, models.Model):
    """The relationship between one officer and one contact: the unit kept alive."""

    class Kind(models.TextChoices):
        INFORMAL = "informal", pgettext_lazy("channel kind", "Informal")
        FORMAL = "formal", pgettext_lazy("channel kind", "Formal")

    class Priority(models.TextChoices):
        KEY = "key", pgettext_lazy("channel priority", "Key")
        NORMAL = "normal", pgettext_lazy("channel priority", "Normal")
        PERIPHERAL = "peripheral", pgettext_lazy("channel priority", "Peripheral")

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("channel status", "Active")
        PAUSED = "paused", pgettext_lazy("channel status", "Paused")
        CLOSED = "closed", pgettext_lazy("channel status", "Closed")

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="channels", verbose_name=_("contact")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="channels",
        verbose_name=_("officer"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.INFORMAL)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    cadence_days = models.PositiveIntegerField(_("cadence days"), default=30)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    last_touch_at = models.DateTimeField(
        _("last touch at"),
        null=True,
        blank=True,
        validators=[within_range],
        help_text=_("The latest exchange or attendance with both."),
    )
    # Dismissing the channel's reminder without an exchange restarts the count from then.
    count_restarted_at = models.DateTimeField(_("count restarted at"), null=True, blank=True)
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, validators=[within_range]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

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
            # The first channel created or restarted after a moment (indicators.measures.
            # network.horizon), looked up at each network-health page read again.
            models.Index(fields=["created_at"], name="channel_created_at"),
            models.Index(
                fields=["count_restarted_at"],
                condition=Q(count_restarted_at__isnull=False),
                name="channel_restarted_at",
            ),
        ]

    def __str__(self):
        return f"{self.officer} ↔ {self.contact}"


class ChannelState(ChoiceLabels, models.Model):
    """Whether a channel was kept within its cadence at the start of each month of one
    year, as recorded by ``contacts.states``: bit ``m`` of ``kept_up`` (0 for January) is
    set when, at midnight starting that month in ``TIME_ZONE``, the channel existed and was
    not overdue. The network-health indicators read these instead of every exchange."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="states", verbose_name=_("channel")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kept_up = models.PositiveIntegerField(_("kept up"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "year"], name="channel_state_unique_year"),
        ]

    def __str__(self):
        return f"{self.channel_id} in {self.year}: {self.kept_up:012b}"


class RecordedMonth(ChoiceLabels, models.Model):
    """A month start whose channel states are recorded for every channel that existed."""

    starts_on = models.DateField(
        _("starts on"), unique=True, help_text=_("The first day of the month.")
    )
    starts_at = models.DateTimeField(
        _("starts at"), unique=True, help_text=_("Midnight starting it (TIME_ZONE).")
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    def __str__(self):
        return f"{self.starts_on:%Y-%m} recorded {self.recorded_at:%Y-%m-%d %H:%M}"


class Exchange(ChoiceLabels, models.Model):
    """One logged touchpoint with one or more contacts."""

    class Kind(models.TextChoices):
        MEETING = "meeting", pgettext_lazy("kind of exchange", "Meeting")
        CALL = "call", pgettext_lazy("kind of exchange", "Call")
        MESSAGE = "message", pgettext_lazy("kind of exchange", "Message")
        EMAIL = "email", pgettext_lazy("kind of exchange", "E-mail")
        EVENT = "event", pgettext_lazy("kind of exchange", "Event")
        LETTER = "letter", pgettext_lazy("kind of exchange", "Letter")

    # The web form and the API both hold a topic list to these.
    MAX_TOPICS = 50
    TOPIC_MAX_LENGTH = 100

    occurred_at = models.DateTimeField(
        _("occurred at"), default=timezone.now, validators=[within_range]
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    contacts = models.ManyToManyField(Contact, related_name="exchanges", verbose_name=_("contacts"))
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="exchanges", verbose_name=_("officers")
    )
    summary = models.TextField(_("summary"))
    notes = EncryptedTextField(
        verbose_name=_("notes"), blank=True, help_text=_("Private notes, encrypted at rest.")
    )
    topics = models.JSONField(_("topics"), default=list, blank=True)
    follow_up_on = models.DateField(
        _("follow up on"), null=True, blank=True, validators=[within_range]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
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


class Touch(models.Model):
    """An exchange that touched a channel: one naming both the channel's contact and its
    officer, with the exchange's date. Written only by database triggers (migration
    ``contacts.0021``), whatever writes the exchanges, their contacts and officers, or the
    channels (the web, the API, the admin, a merge, raw SQL), so it always holds exactly
    those pairs. The keep-in-touch rule at a past moment (``querysets.kept_up_at``) reads
    a channel's touches by one probe of its index instead of joining every exchange with
    its contacts and officers."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="touches", verbose_name=_("channel")
    )
    exchange = models.ForeignKey(
        Exchange, on_delete=models.CASCADE, related_name="+", verbose_name=_("exchange")
    )
    occurred_at = models.DateTimeField(_("occurred at"))

    class Meta:
        verbose_name = _("touch")
        verbose_name_plural = _("touches")
        constraints = [
            models.UniqueConstraint(fields=["channel", "exchange"], name="touch_unique"),
        ]
        indexes = [
            models.Index(fields=["channel", "occurred_at"], name="touch_channel_time"),
            models.Index(fields=["occurred_at"], name="touch_time"),
        ]

    def __str__(self):
        return f"{self.channel_id} touched by {self.exchange_id} at {self.occurred_at:%Y-%m-%d}"
