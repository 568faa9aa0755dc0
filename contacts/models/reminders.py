"""The diplomatic climate, the reminders that keep channels alive and the e-mails sent."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from contacts.models.channels import Channel, Exchange
from contacts.models.choices import ChoiceLabels
from contacts.querysets import (
    ClimateQuerySet,
    ReminderQuerySet,
)
from trackii.dates import within_range


class Climate(ChoiceLabels, models.Model):
    """One dated level of the official diplomatic climate; the latest started one holds."""

    class Level(models.TextChoices):
        NORMAL = "normal", pgettext_lazy("climate level", "Normal")
        ELEVATED = "elevated", pgettext_lazy("climate level", "Elevated")
        HIGH = "high", pgettext_lazy("climate level", "High")
        CRISIS = "crisis", pgettext_lazy("climate level", "Crisis")

    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    note = models.TextField(_("note"), blank=True)
    started_at = models.DateTimeField(
        _("started at"), default=timezone.now, validators=[within_range]
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

    objects = models.Manager.from_queryset(ClimateQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "climate level"
        indexes = [models.Index(fields=["started_at"])]

    def __str__(self):
        return f"{self.get_level_display()} from {self.started_at:%Y-%m-%d}"


class Reminder(ChoiceLabels, models.Model):
    """Something an officer or planner must act on."""

    class Kind(models.TextChoices):
        CHANNEL_DUE = "channel_due", _("Channel due")
        FOLLOW_UP = "follow_up", _("Follow-up")
        RSVP_CHASE = "rsvp_chase", _("RSVP chase")
        EVENT_PREP = "event_prep", _("Event preparation")
        EVENT_FOLLOW_UP = "event_follow_up", _("Event follow-up")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("reminder status", "Open")
        SNOOZED = "snoozed", pgettext_lazy("reminder status", "Snoozed")
        RESOLVED = "resolved", pgettext_lazy("reminder status", "Resolved")
        DISMISSED = "dismissed", pgettext_lazy("reminder status", "Dismissed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("recipient"),
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("channel"),
    )
    exchange = models.ForeignKey(
        Exchange,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("exchange"),
    )
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    snoozed_until = models.DateTimeField(
        _("snoozed until"), null=True, blank=True, validators=[within_range]
    )
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

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


class Notification(ChoiceLabels, models.Model):
    """One e-mail sent (or being sent), claimed by its natural key so that a retried or
    duplicated task never sends it twice."""

    class Kind(models.TextChoices):
        DIGEST = "digest", _("Daily digest")
        ESCALATION = "escalation", _("Escalation to a lead")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    key = models.CharField(
        _("key"), max_length=64, help_text=_("The day of a digest, the reminder escalated.")
    )
    subject = models.CharField(_("subject"), max_length=200)
    reminder_count = models.PositiveIntegerField(_("reminder count"), default=0)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "key"], name="notification_once_per_key"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient} ({self.key})"
