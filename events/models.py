"""Events, the invitations to them, and programmes that link institutions over time."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from contacts.fields import TimeZoneField
from contacts.models import Contact, Exchange, Layer, Organization, Reminder
from contacts.models.choices import ChoiceLabels
from contacts.querysets import ExposesContactQuerySet
from events import mail_templates
from trackii.dates import within_range


def new_nonce() -> str:
    return secrets.token_hex(16)


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class EventQuerySet(models.QuerySet):
    def open_for_answers(self, now):
        """Events whose guests may still answer: not cancelled and not over (the set form
        of ``Event.is_open_for_answers``)."""
        return self.filter(ends_at__gt=now).exclude(status="cancelled")

    def upcoming(self, now):
        """Events open for answers, soonest first."""
        return self.open_for_answers(now).order_by("starts_at", "pk")

    def planned_or_attended_by(self, user):
        """Events the user plans or attends as an officer, annotated ``is_planner``."""
        planned = self.model.planners.through.objects.filter(event=OuterRef("pk"), user=user)
        attended = self.model.attending_officers.through.objects.filter(
            event=OuterRef("pk"), user=user
        )
        return self.annotate(is_planner=Exists(planned)).filter(
            Q(is_planner=True) | Exists(attended)
        )


# The most seats an event may have (the column would take two billion).
MOST_SEATS = 100_000


class Event(ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        CULTURAL = "cultural", _("Cultural")
        ACADEMIC = "academic", pgettext_lazy("event kind", "Academic")
        MEDIA = "media", _("Media")
        DIALOGUE = "dialogue", _("Dialogue")
        COMMEMORATION = "commemoration", _("Commemoration")
        TECHNOLOGY = "technology", _("Technology")
        COMMUNITY = "community", _("Community")

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("event status", "Planned")
        CONFIRMED = "confirmed", pgettext_lazy("event status", "Confirmed")
        HELD = "held", pgettext_lazy("event status", "Held")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(pgettext_lazy("of an event or a programme", "title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"), validators=[within_range])
    ends_at = models.DateTimeField(_("ends at"), validators=[within_range])
    timezone = TimeZoneField(
        _("timezone"), default="UTC", help_text=_("The zone the event is held in.")
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    online_url = models.URLField(_("online url"), blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("Empty: no limit."),
        validators=[MaxValueValidator(MOST_SEATS)],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    layer = models.CharField(_("layer"), max_length=20, choices=Layer.choices)
    host_organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hosted_events",
        verbose_name=_("host organization"),
    )
    planners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="planned_events",
        blank=True,
        verbose_name=_("planners"),
    )
    attending_officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="attended_events",
        blank=True,
        verbose_name=_("attending officers"),
        help_text=_("Officers of the mission who attend (besides the planners)."),
    )
    # Bumped on every change that a calendar client must notice (iCalendar SEQUENCE).
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    invitation_subject = models.CharField(
        _("invitation subject"),
        max_length=200,
        default=mail_templates.DEFAULT_SUBJECT,
        blank=True,
        validators=[mail_templates.validate_mail_template],
        help_text=_(
            "Subject of the invitation e-mail; placeholders as in the text. Empty: "
            "the default subject."
        ),
    )
    invitation_text = models.TextField(
        _("invitation text"),
        default=mail_templates.DEFAULT_TEXT,
        blank=True,
        validators=[mail_templates.validate_mail_template],
        help_text=_(
            "Text of the invitation e-mail. Placeholders: {name}, {event}, {when}, "
            "{venue}, {rsvp_link}. Empty: the default text."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = models.Manager.from_queryset(EventQuerySet)()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
                name="event_capacity_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["starts_at"]),
            models.Index(fields=["status", "starts_at"]),
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self):
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"

    def is_open_for_answers(self, now) -> bool:
        """Guests may still answer: the event is not cancelled and not over."""
        return self.status != self.Status.CANCELLED and now < self.ends_at

    def seats_left(self) -> int | None:
        """Free seats (None: no limit). A fact about the room: every seated guest counts,
        whoever may see them, so only those who plan events are shown it."""
        if self.capacity is None:
            return None
        return max(self.capacity - self.invitations.seated().count(), 0)


# The answers that take a seat (when the invitation is not withdrawn).
SEATED_STATUSES = ("accepted", "attended")


class InvitationQuerySet(ExposesContactQuerySet):
    def seated(self):
        """Invitations that take a seat: accepted or already attended, not withdrawn."""
        return self.filter(status__in=SEATED_STATUSES, revoked_at__isnull=True)


class Invitation(ChoiceLabels, models.Model):
    class Role(models.TextChoices):
        GUEST = "guest", _("Guest")
        SPEAKER = "speaker", _("Speaker")
        MODERATOR = "moderator", _("Moderator")
        PRESS = "press", _("Press")

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        TENTATIVE = "tentative", _("Tentative")
        WAITLISTED = "waitlisted", _("Waitlisted")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No show")

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("event")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("contact")
    )
    role = models.CharField(
        pgettext_lazy("of a guest", "role"),
        max_length=10,
        choices=Role.choices,
        default=Role.GUEST,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.INVITED
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(_("waitlisted at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    batch = models.ForeignKey(
        to="InvitationBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=pgettext_lazy("invitations made at once", "batch"),
        help_text=_("The bulk invitation that made it, if any."),
    )
    # Part of the signed RSVP link: a new nonce invalidates every link sent before.
    rsvp_nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    attendance_exchange = models.OneToOneField(
        Exchange,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attendance",
        verbose_name=_("attendance exchange"),
        help_text=_("The exchange that recorded this attendance as a touch."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = models.Manager.from_queryset(InvitationQuerySet)()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "contact"], name="invitation_unique_per_event"
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status"]),
            models.Index(fields=["updated_at"]),
        ]

    def __str__(self):
        return f"{self.contact} at {self.event}"

    def holds_seat(self) -> bool:
        """This invitation takes a seat (the row form of ``InvitationQuerySet.seated``)."""
        return self.status in SEATED_STATUSES and self.revoked_at is None


class InvitationBatch(ChoiceLabels, models.Model):
    """The invitations made at once by one "invite all who match", withdrawn as a whole."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="batches", verbose_name=_("event")
    )
    role = models.CharField(
        pgettext_lazy("of a guest", "role"), max_length=10, choices=Invitation.Role.choices
    )
    criteria = models.CharField(
        _("criteria"), max_length=300, help_text=_("Who matched, in words.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name_plural = _("invitation batches")
        indexes = [models.Index(fields=["event", "created_at"])]

    def __str__(self):
        return f"{self.criteria} ({self.created_at:%Y-%m-%d %H:%M})"


class InvitationMessageQuerySet(ExposesContactQuerySet):
    contact_field = "invitation__contact"

    def unsent(self):
        """Messages not (yet) delivered to the mail server: queued or failed."""
        return self.filter(status__in=InvitationMessage.CLAIMABLE)


class InvitationMessage(ChoiceLabels, models.Model):
    """One e-mail to a guest about their invitation. The row is the claim: unique by its
    natural key (invitation, kind, key), moved to ``sending`` by one conditional UPDATE,
    so a retried or duplicated task never sends it twice; its status and error are shown
    on the guest list."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        CHASER = "chaser", _("Chaser")
        ACCEPTANCE = "acceptance", _("Acceptance confirmed")
        SEAT = "seat", _("Seat from the waiting list")

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("e-mail status", "Queued")
        SENDING = "sending", pgettext_lazy("e-mail status", "Sending")
        SENT = "sent", pgettext_lazy("e-mail status", "Sent")
        FAILED = "failed", pgettext_lazy("e-mail status", "Failed")
        BOUNCED = "bounced", pgettext_lazy("e-mail status", "Bounced")
        SKIPPED = "skipped", pgettext_lazy("e-mail status", "Not sent")

    CLAIMABLE = (Status.QUEUED, Status.FAILED)

    invitation = models.ForeignKey(
        Invitation,
        on_delete=models.CASCADE,
        related_name="mail_messages",
        verbose_name=_("invitation"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    key = models.CharField(
        _("key"), max_length=64, help_text=_("One message per (invitation, kind, key).")
    )
    to = models.EmailField(_("to"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    error = models.CharField(_("error"), max_length=500, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("queued by"),
    )
    created_at = models.DateTimeField(_("created at"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    bounced_at = models.DateTimeField(_("bounced at"), null=True, blank=True)

    objects = models.Manager.from_queryset(InvitationMessageQuerySet)()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "kind", "key"], name="invitation_message_once_per_key"
            )
        ]
        indexes = [models.Index(fields=["to", "status"])]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.to or 'nobody'} ({self.get_status_display()})"


class Programme(ChoiceLabels, models.Model):
    """A longer cooperation that ties institutions together."""

    class Kind(models.TextChoices):
        STUDENT_EXCHANGE = "student_exchange", _("Student exchange")
        JOINT_RESEARCH = "joint_research", _("Joint research")
        TECHNOLOGY = "technology", _("Technology")
        CULTURAL_COPRODUCTION = "cultural_coproduction", _("Cultural co-production")
        DELEGATION = "delegation", _("Delegation")
        MEDIA_FORUM = "media_forum", _("Media forum")

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("programme status", "Planned")
        ACTIVE = "active", pgettext_lazy("programme status", "Active")
        COMPLETED = "completed", pgettext_lazy("programme status", "Completed")
        CANCELLED = "cancelled", pgettext_lazy("programme status", "Cancelled")

    title = models.CharField(pgettext_lazy("of an event or a programme", "title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    partners = models.ManyToManyField(
        Organization, related_name="programmes", blank=True, verbose_name=_("partners")
    )
    participants = models.ManyToManyField(
        Contact, related_name="programmes", blank=True, verbose_name=_("participants")
    )
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="programmes",
        blank=True,
        verbose_name=_("officers"),
    )
    starts_on = models.DateField(_("starts on"), validators=[within_range])
    ends_on = models.DateField(_("ends on"), null=True, blank=True, validators=[within_range])
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    outcome = models.TextField(_("outcome"), blank=True)
    layer = models.CharField(_("layer"), max_length=20, choices=Layer.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="programme_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["kind", "status"]), models.Index(fields=["updated_at"])]

    def __str__(self):
        return self.title


class EventReminder(ChoiceLabels, models.Model):
    """Links a Reminder to the event it is about (rsvp_chase, event_prep, event_follow_up).

    It lives here because events depend on contacts, never the reverse; the unique
    constraint makes each event reminder once per (event, kind, recipient)."""

    reminder = models.OneToOneField(
        Reminder,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="event_link",
        verbose_name=_("reminder"),
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("event")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Reminder.Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "kind", "recipient"], name="event_reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.event}"


class CalendarFeed(ChoiceLabels, models.Model):
    """A user's private iCalendar feed: a secret token in the URL, revocable."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("user"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    def __str__(self):
        return f"Calendar feed of {self.user}"
