"""Project-level pages: Today and network health (they read both apps)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from contacts.bounded import show_more, shown_limit
from contacts.views import record_web_views
from events.models import Event
from trackii import today as today_list

UPCOMING_EVENTS = 10


@login_required
def today(request):
    """One list of what the signed-in user has to act on, then their upcoming events; for a
    user who keeps no channel, where to go instead."""
    user, now = request.user, timezone.now()
    limit = shown_limit(request, today_list.AGENDA_LIMIT)
    agenda = today_list.agenda_for(user, now=now, limit=limit)
    record_web_views(request, agenda.contacts)
    # Only someone with nothing on the list and no channel to keep is shown the way around.
    busy = agenda.items or agenda.snoozed or agenda.holds_channels
    context = {
        "now": now,
        "items": agenda.items,
        "more": show_more(
            request, shown=len(agenda.items), total=agenda.total, step=today_list.AGENDA_LIMIT
        ),
        "snoozed": agenda.snoozed,
        "orientation": None if busy else today_list.orientation_for(user),
        "events": Event.objects.upcoming(now).planned_or_attended_by(user)[:UPCOMING_EVENTS],
    }
    return render(request, "trackii/today.html", context)
