"""Events, the invitations to them, and programmes that link institutions over time."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords
from timezone_field import TimeZoneField

from contacts.models import Contact, Layer, Organization
from contacts.querysets import ExposesContactQuerySet


class EventQuerySet(models.QuerySet):
    def upcoming(self, now):
        """Events not yet over and not cancelled, soonest first."""
        return self.filter(ends_at__gt=now).exclude(status="cancelled").order_by("starts_at", "pk")


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
    # Bumped on every change that a calendar client must notice (iCalendar SEQUENCE).
    sequence = models.PositiveIntegerField(default=0)
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


class InvitationQuerySet(ExposesContactQuerySet):
    def seated(self):
        """Invitations that take a seat: accepted or already attended."""
        return self.filter(status__in=["accepted", "attended"])


class Invitation(models.Model):
    class Role(models.TextChoices):
        GUEST = "guest", "Guest"
        SPEAKER = "speaker", "Speaker"
        MODERATOR = "moderator", "Moderator"
        PRESS = "press", "Press"

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        TENTATIVE = "tentative", "Tentative"
        WAITLISTED = "waitlisted", "Waitlisted"
        ATTENDED = "attended", "Attended"
        NO_SHOW = "no_show", "No show"

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
