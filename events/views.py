"""Event pages that need no Track II account (the public RSVP page, the calendar feed)
and the per-event calendar file."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from contacts.errors import DomainError
from events import calendar, services
from events.models import CalendarFeed, Event, Invitation

ICS_TYPE = "text/calendar; charset=utf-8"


@require_http_methods(["GET", "POST"])
def rsvp(request, token):
    """The guest's own page: the event, their name and the three answers; nothing else."""
    now = timezone.now()
    try:
        invitation = services.invitation_for_token(token, now=now)
    except services.RsvpLinkInvalid:
        return render(request, "events/rsvp_invalid.html", status=404)
    if request.method == "POST":
        try:
            services.respond(invitation=invitation, status=request.POST.get("status", ""), now=now)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Thank you, your answer is recorded.")
        return redirect("events:rsvp", token=token)
    invitation.refresh_from_db(fields=["status"])
    return render(
        request,
        "events/rsvp.html",
        {
            "event": invitation.event,
            "guest_name": invitation.contact.full_name,
            "status": invitation.get_status_display(),
            "answers": [
                (Invitation.Status.ACCEPTED, "I will attend"),
                (Invitation.Status.TENTATIVE, "Maybe"),
                (Invitation.Status.DECLINED, "I cannot attend"),
            ],
        },
    )


@login_required
def event_ics(request, pk):
    event = get_object_or_404(Event, pk=pk)
    body = calendar.calendar_for([event], name=event.title, now=timezone.now())
    response = HttpResponse(body, content_type=ICS_TYPE)
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


def feed(request, token):
    """A user's private feed; the secret token is the only credential."""
    subscription = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if subscription is None or not subscription.user.is_active:
        raise Http404("No such feed.")
    now = timezone.now()
    events = calendar.events_of(subscription.user).filter(
        ends_at__gte=calendar.feed_window_start(now)
    )
    body = calendar.calendar_for(events, name="Track II events", now=now)
    return HttpResponse(body, content_type=ICS_TYPE)


@login_required
def event_list(request):
    return render(request, "events/event_list.html", {})


@login_required
def programme_list(request):
    return render(request, "events/programme_list.html", {})
