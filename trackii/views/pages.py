"""Project-level pages: the health check, Today and network health (they read both apps)."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from contacts.models import Channel, Reminder
from contacts.views import record_web_views
from events.models import Event

UPCOMING_EVENTS = 10


def healthz(request):
    """Answer 200 when the database answers, for load balancers and the run script."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def today(request):
    """The signed-in user's overdue channels, open reminders, follow-ups and events."""
    user, now = request.user, timezone.now()
    reminders = list(
        Reminder.objects.visible_to(user)
        .filter(recipient=user, status=Reminder.Status.OPEN)
        .select_related("channel__contact", "exchange", "event_link__event")
        .order_by("due_at", "pk")
    )
    overdue_channels = list(
        Channel.objects.visible_to(user)
        .for_officer(user)
        .overdue(now)
        .select_related("contact")
        .order_by("next_due_at", "pk")
    )
    # A channel's row names its contact; a follow-up shows its exchange's summary only.
    named = [channel.contact for channel in overdue_channels]
    named += [reminder.channel.contact for reminder in reminders if reminder.channel]
    record_web_views(request, named)
    follow_up = Reminder.Kind.FOLLOW_UP
    context = {
        "now": now,
        "overdue_channels": overdue_channels,
        # Follow-ups have their own section, so that no reminder is listed twice.
        "reminders": [reminder for reminder in reminders if reminder.kind != follow_up],
        "follow_ups": [reminder for reminder in reminders if reminder.kind == follow_up],
        "events": Event.objects.upcoming(now).planned_or_attended_by(user)[:UPCOMING_EVENTS],
    }
    return render(request, "trackii/today.html", context)
