"""Channels kept with contacts, their recorded month-start states, and exchanges."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from contacts.fields import EncryptedTextField
from contacts.models.network import Contact
from contacts.querysets import (
    ChannelQuerySet,
    ExchangeQuerySet,
)


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
