"""Events, the invitations to them, and programmes that link institutions over time."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from timezone_field import TimeZoneField

from contacts.models import Contact, Exchange, Layer, Organization, Reminder
from contacts.querysets import ExposesContactQuerySet
from events import mail_templates


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


class Event(models.Model):
    class Kind(models.TextChoices):
        CULTURAL = "cultural", "Cultural"
        ACADEMIC = "academic", "Academic"
        MEDIA = "media", "Media"
        DIALOGUE = "dialogue", "Dialogue"
        COMMEMORATION = "commemoration", "Commemoration"
        TECHNOLOGY = "technology", "Technology"
        COMMUNITY = "community", "Community"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        CONFIRMED = "confirmed", "Confirmed"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    timezone = TimeZoneField(default="UTC", help_text="The zone the event is held in.")
    venue = models.CharField(max_length=200, blank=True)
    online_url = models.URLField(blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: no limit.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    layer = models.CharField(max_length=20, choices=Layer.choices)
    host_organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hosted_events",
    )
    planners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="planned_events", blank=True
    )
    attending_officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="attended_events",
        blank=True,
        help_text="Officers of the mission who attend (besides the planners).",
    )
    # Bumped on every change that a calendar client must notice (iCalendar SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
    invitation_subject = models.CharField(
        max_length=200,
        default=mail_templates.DEFAULT_SUBJECT,
        blank=True,
        validators=[mail_templates.validate_mail_template],
        help_text="Subject of the invitation e-mail; placeholders as in the text. Empty: "
        "the default subject.",
    )
    invitation_text = models.TextField(
        default=mail_templates.DEFAULT_TEXT,
        blank=True,
        validators=[mail_templates.validate_mail_template],
        help_text="Text of the invitation e-mail. Placeholders: {name}, {event}, {when}, "
        "{venue}, {rsvp_link}. Empty: the default text.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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


class Invitation(models.Model):
    class Role(models.TextChoices):
        GUEST = "guest", "Guest"
        SPEAKER = "speaker", "Speaker"
        MODERATOR = "moderator", "Moderator"
        PRESS = "press", "Press"

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        TENTATIVE = "tentative", _("Tentative")
        WAITLISTED = "waitlisted", _("Waitlisted")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No show")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.GUEST)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey(
        "InvitationBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        help_text="The bulk invitation that made it, if any.",
    )
    # Part of the signed RSVP link: a new nonce invalidates every link sent before.
    rsvp_nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    attendance_exchange = models.OneToOneField(
        Exchange,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attendance",
        help_text="The exchange that recorded this attendance as a touch.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

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


class InvitationBatch(models.Model):
    """The invitations made at once by one "invite all who match", withdrawn as a whole."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="batches")
    role = models.CharField(max_length=10, choices=Invitation.Role.choices)
    criteria = models.CharField(max_length=300, help_text="Who matched, in words.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "invitation batches"
        indexes = [models.Index(fields=["event", "created_at"])]

    def __str__(self):
        return f"{self.criteria} ({self.created_at:%Y-%m-%d %H:%M})"


class InvitationMessageQuerySet(ExposesContactQuerySet):
    contact_field = "invitation__contact"

    def unsent(self):
        """Messages not (yet) delivered to the mail server: queued or failed."""
        return self.filter(status__in=InvitationMessage.CLAIMABLE)


class InvitationMessage(models.Model):
    """One e-mail to a guest about their invitation. The row is the claim: unique by its
    natural key (invitation, kind, key), moved to ``sending`` by one conditional UPDATE,
    so a retried or duplicated task never sends it twice; its status and error are shown
    on the guest list."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        CHASER = "chaser", "Chaser"
        ACCEPTANCE = "acceptance", "Acceptance confirmed"
        SEAT = "seat", "Seat from the waiting list"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Bounced"
        SKIPPED = "skipped", "Not sent"

    CLAIMABLE = (Status.QUEUED, Status.FAILED)

    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="mail_messages"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    key = models.CharField(max_length=64, help_text="One message per (invitation, kind, key).")
    to = models.EmailField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)

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


class Programme(models.Model):
    """A longer cooperation that ties institutions together."""

    class Kind(models.TextChoices):
        STUDENT_EXCHANGE = "student_exchange", "Student exchange"
        JOINT_RESEARCH = "joint_research", "Joint research"
        TECHNOLOGY = "technology", "Technology"
        CULTURAL_COPRODUCTION = "cultural_coproduction", "Cultural co-production"
        DELEGATION = "delegation", "Delegation"
        MEDIA_FORUM = "media_forum", "Media forum"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    description = models.TextField(blank=True)
    partners = models.ManyToManyField(Organization, related_name="programmes", blank=True)
    participants = models.ManyToManyField(Contact, related_name="programmes", blank=True)
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="programmes", blank=True
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    outcome = models.TextField(blank=True)
    layer = models.CharField(max_length=20, choices=Layer.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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


class EventReminder(models.Model):
    """Links a Reminder to the event it is about (rsvp_chase, event_prep, event_follow_up).

    It lives here because events depend on contacts, never the reverse; the unique
    constraint makes each event reminder once per (event, kind, recipient)."""

    reminder = models.OneToOneField(
        Reminder, on_delete=models.CASCADE, primary_key=True, related_name="event_link"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=Reminder.Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "kind", "recipient"], name="event_reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.event}"


class CalendarFeed(models.Model):
    """A user's private iCalendar feed: a secret token in the URL, revocable."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Calendar feed of {self.user}"
