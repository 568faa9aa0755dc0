"""Event pages: the list and month calendar, the event form, the event page with its guest
list, inviting, check-in, the personal feed page, programmes; and the pages that need no
Track II account (the public RSVP page, the calendar feed) with the per-event calendar file.

Guests are shown through Invitation.objects.visible_to and participants through
Contact.objects.visible_to, so a contact the reader may not see appears nowhere, not even
in a count.
"""

import calendar as month_calendar
import datetime as dt
import functools
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from contacts.access import is_staff_member, may_manage_events
from contacts.bounded import show_more, shown_limit
from contacts.errors import DomainError
from contacts.languages import guest_language, guest_name, officer_language, supported
from contacts.models import Contact, Organization
from contacts.views import offered_protected, record_web_views
from events import batches, calendar, forms, guest_list, mail, services
from events.checkin_forms import GuestSearchForm, WalkInForm
from events.models import CalendarFeed, Event, Invitation, Programme
from events.programme_views import may_manage_programmes

ICS_TYPE = "text/calendar; charset=utf-8"


def origin_only_referrer(view):
    """For URLs whose token is their only credential: the page's own requests (its styles,
    its form, a link followed) carry only the site's origin as a Referer, never the URL.
    Not ``no-referrer``: browsers then send ``Origin: null`` with the form, which fails
    Django's CSRF check."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "strict-origin"
        return response

    return wrapped


@origin_only_referrer
@require_http_methods(["GET", "POST"])
def rsvp(request, token):
    """The guest's own page: the event, their name and the three answers; nothing else. In
    the guest's language (their contact's), or the one they pick (``?lang=``)."""
    now = timezone.now()
    try:
        invitation = services.invitation_for_token(token, now=now)
    except services.RsvpLinkInvalid:
        return render(request, "events/rsvp_invalid.html", status=404)
    language = supported(request.GET.get("lang")) or guest_language(invitation.contact)
    with translation.override(language):
        response = _rsvp_page(request, invitation, now=now)
    response["Content-Language"] = language
    return response


# What a guest reads of their own answer so far.
GUEST_STATUSES = {
    Invitation.Status.INVITED: pgettext_lazy("a guest's answer so far", "No answer yet"),
    Invitation.Status.ACCEPTED: pgettext_lazy("a guest's answer so far", "Accepted"),
    Invitation.Status.DECLINED: pgettext_lazy("a guest's answer so far", "Declined"),
    # The button's word ("Maybe"), not the planner's ("Tentative").
    Invitation.Status.TENTATIVE: pgettext_lazy("a guest's answer so far", "Maybe"),
    Invitation.Status.WAITLISTED: pgettext_lazy("a guest's answer so far", "Waitlisted"),
    Invitation.Status.ATTENDED: pgettext_lazy("a guest's answer so far", "Attended"),
    Invitation.Status.NO_SHOW: pgettext_lazy("a guest's answer so far", "No show"),
}
GUEST_ANSWERS = [
    (Invitation.Status.ACCEPTED, gettext_lazy("I will attend")),
    (Invitation.Status.TENTATIVE, gettext_lazy("Maybe")),
    (Invitation.Status.DECLINED, gettext_lazy("I cannot attend")),
]


def _rsvp_page(request, invitation, *, now):
    if request.method == "POST":
        try:
            services.respond(invitation=invitation, status=request.POST.get("status", ""), now=now)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Thank you, your answer is recorded."))
        # The same page, in the same language (?lang= kept).
        return redirect(request.get_full_path())
    invitation.refresh_from_db(fields=["status"])
    return render(
        request,
        "events/rsvp.html",
        {
            "event": invitation.event,
            "when": mail.event_start_and_end(invitation.event),
            "zone": mail.zone_label(invitation.event),
            "guest_name": guest_name(invitation.contact),
            "status": GUEST_STATUSES[invitation.status],
            "answers": GUEST_ANSWERS,
        },
    )


@login_required
def event_ics(request, pk):
    event = get_object_or_404(Event, pk=pk)
    body = calendar.calendar_for([event], name=event.title, now=timezone.now())
    response = HttpResponse(body, content_type=ICS_TYPE)
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


@origin_only_referrer
def feed(request, token):
    """A user's private feed; the secret token is the only credential."""
    subscription = CalendarFeed.objects.select_related("user").filter(token=token).first()
    # Inactive, or without a role (taken away since, say): staff no longer, no feed.
    if subscription is None or not is_staff_member(subscription.user):
        raise Http404("No such feed.")
    now = timezone.now()
    events = (
        Event.objects.planned_or_attended_by(subscription.user)
        .filter(ends_at__gte=calendar.feed_window_start(now))
        .order_by("starts_at", "pk")
    )
    # The calendar's name in its owner's language (a calendar client sends none of its own).
    with translation.override(officer_language(subscription.user)):
        name = _("Track II events")
    body = calendar.calendar_for(events, name=name, now=now)
    return HttpResponse(body, content_type=ICS_TYPE)


# Who manages events

PAGE_SIZE = 25
MIN_YEAR, MAX_YEAR = 2, 9998  # the month grid reaches into the weeks around the month
CHECK_IN_STATUSES = (
    Invitation.Status.INVITED,
    Invitation.Status.ACCEPTED,
    Invitation.Status.TENTATIVE,
    Invitation.Status.ATTENDED,
    Invitation.Status.NO_SHOW,
)
ON_BEHALF_ANSWERS = [
    (Invitation.Status.ACCEPTED, pgettext_lazy("answer for a guest", "Accept")),
    (Invitation.Status.TENTATIVE, pgettext_lazy("answer for a guest", "Tentative")),
    (Invitation.Status.DECLINED, pgettext_lazy("answer for a guest", "Decline")),
]


def planner_required(view):
    """Signed in, and a planner or an admin; anyone else gets 403."""

    @functools.wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not may_manage_events(request.user):
            raise PermissionDenied(_("Only planners and admins manage events."))
        return view(request, *args, **kwargs)

    return wrapper


def get_invitation_for_user(request, pk) -> Invitation:
    """An invitation whose guest the user may see, else 404."""
    visible = Invitation.objects.visible_to(request.user).select_related("event", "contact")
    return get_object_or_404(visible, pk=pk)


def _paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# The list and the month calendar


@login_required
def event_list(request):
    form = forms.EventFilterForm(request.GET)
    events = form.filter(Event.objects.select_related("host_organization"), now=timezone.now())
    context = {
        "form": form,
        "page": _paginate(request, events),
        "when": form.tab,
        "can_manage": may_manage_events(request.user),
    }
    return render(request, "events/event_list.html", context)


@login_required
def event_calendar_now(request):
    today = timezone.localdate()
    return redirect("events:calendar", year=today.year, month=today.month)


@login_required
def event_calendar(request, year, month):
    """A month grid; each event sits on the day it starts in its own zone."""
    if not (1 <= month <= 12 and MIN_YEAR <= year <= MAX_YEAR):
        raise Http404("No such month.")
    grid = month_calendar.Calendar(firstweekday=_first_weekday())
    weeks = grid.monthdatescalendar(year, month)
    by_day = _events_by_local_day(weeks[0][0], weeks[-1][-1])
    today = timezone.localdate()
    context = {
        "month": dt.date(year, month, 1),
        "weekdays": [WEEKDAYS_ABBR[day] for day in grid.iterweekdays()],
        "weeks": [
            [
                {
                    "date": day,
                    "in_month": day.month == month,
                    "is_today": day == today,
                    "events": by_day.get(day, []),
                }
                for day in week
            ]
            for week in weeks
        ],
        "has_events": any(day.month == month for day in by_day),
        "previous": _shift_month(year, month, -1),
        "next": _shift_month(year, month, 1),
        "can_manage": may_manage_events(request.user),
    }
    return render(request, "events/event_calendar.html", context)


def _first_weekday() -> int:
    """The week's first day in the active language (Monday in English and Russian, Sunday
    in Hebrew: settings.FORMAT_MODULE_PATH), counted as Python's calendar does (Monday 0;
    Django's FIRST_DAY_OF_WEEK counts from Sunday)."""
    return (get_format("FIRST_DAY_OF_WEEK") - 1) % 7


def _events_by_local_day(first: dt.date, last: dt.date) -> dict:
    # Zones run from UTC-12 to UTC+14: a day either side of the grid catches every event
    # whose local start falls inside it.
    window = (
        dt.datetime.combine(first - dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC),
        dt.datetime.combine(last + dt.timedelta(days=2), dt.time.min, tzinfo=dt.UTC),
    )
    events = Event.objects.filter(starts_at__gte=window[0], starts_at__lt=window[1])
    by_day = defaultdict(list)
    for event in events.order_by("starts_at", "pk"):
        day = timezone.localtime(event.starts_at, event.timezone).date()
        if first <= day <= last:
            by_day[day].append(event)
    return by_day


def _shift_month(year: int, month: int, step: int) -> dt.date | None:
    year, month = divmod(year * 12 + month - 1 + step, 12)
    return dt.date(year, month + 1, 1) if MIN_YEAR <= year <= MAX_YEAR else None


# Creating and editing


@planner_required
@require_http_methods(["GET", "POST"])
def event_create(request):
    form = forms.EventForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        event = services.create_event(
            event=form.instance,
            planners=form.cleaned_data["planners"],
            attending_officers=form.cleaned_data["attending_officers"],
            by=request.user,
        )
        messages.success(request, _("Created “%(title)s”.") % {"title": event.title})
        return redirect("events:detail", pk=event.pk)
    return render(request, "events/event_form.html", {"form": form, "event": None})


@planner_required
@require_http_methods(["GET", "POST"])
def event_edit(request, pk):
    event = get_object_or_404(Event, pk=pk)
    form = forms.EventForm(request.POST if request.method == "POST" else None, instance=event)
    if form.is_bound and form.is_valid():
        event = services.update_event(
            event=form.instance,
            planners=form.cleaned_data["planners"],
            attending_officers=form.cleaned_data["attending_officers"],
        )
        messages.success(request, _("Saved “%(title)s”.") % {"title": event.title})
        return redirect("events:detail", pk=event.pk)
    return render(request, "events/event_form.html", {"form": form, "event": event})


# The event page and what planners do from it


@login_required
def event_detail(request, pk):
    event = get_object_or_404(Event.objects.select_related("host_organization"), pk=pk)
    # One event's guests, each contact tested by its primary key (``few``): see _checkin_guests.
    visible = (
        Invitation.objects.visible_to(request.user, few=True)
        .filter(event=event)
        .select_related("contact")
    )
    can_manage = may_manage_events(request.user)
    open_for_answers = event.is_open_for_answers(timezone.now())
    # The figures over every guest the reader sees; the rows a slice at a time.
    figures = guest_list.guest_figures(visible, with_mail=can_manage)
    limit = shown_limit(request, guest_list.GUEST_ROWS)
    standing = visible.filter(revoked_at__isnull=True)
    guests = list(
        standing.prefetch_related(mail.MESSAGES_PREFETCH).order_by("contact__full_name", "pk")[
            :limit
        ]
    )
    waitlist = list(
        standing.filter(status=Invitation.Status.WAITLISTED).order_by("waitlisted_at", "pk")[:limit]
    )
    withdrawn = list(
        visible.filter(revoked_at__isnull=False).order_by("contact__full_name", "pk")[:limit]
    )
    shown = [*guests, *waitlist, *withdrawn]
    record_web_views(request, [invitation.contact for invitation in shown])
    context = {
        "event": event,
        "planners": event.planners.order_by("username", "pk"),
        "attending_officers": event.attending_officers.order_by("username", "pk"),
        "guests": _guest_rows(request, guests, with_links=can_manage and open_for_answers),
        "guest_count": figures.guests,
        "withdrawn": withdrawn,
        "waitlist": waitlist,
        "counts": [
            (value, label, figures.by_status[value]) for value, label in Invitation.Status.choices
        ],
        "more": {
            "guests": show_more(
                request, shown=len(guests), total=figures.guests, step=guest_list.GUEST_ROWS
            ),
            "waitlist": show_more(
                request,
                shown=len(waitlist),
                total=figures.by_status[Invitation.Status.WAITLISTED],
                step=guest_list.GUEST_ROWS,
            ),
            "withdrawn": show_more(
                request, shown=len(withdrawn), total=figures.withdrawn, step=guest_list.GUEST_ROWS
            ),
        },
        "can_manage": can_manage,
        # Seats are a fact about the room (hidden guests take them too): planners only.
        "seats_left": event.seats_left() if can_manage else None,
        "open_for_answers": open_for_answers,
        "answers": ON_BEHALF_ANSWERS,
        # E-mail to guests and bulk invitations, over the guests the reader sees.
        "mail": figures.mail,
        "batches": batches.batches_for_event_page(event=event, user=request.user)
        if can_manage
        else [],
    }
    return render(request, "events/event_detail.html", context)


def _guest_rows(request, guests, *, with_links: bool) -> list[dict]:
    """Each guest, with their absolute RSVP link when asked for."""
    return [
        {
            "invitation": invitation,
            "rsvp_url": request.build_absolute_uri(
                reverse("events:rsvp", args=[services.rsvp_token(invitation)])
            )
            if with_links
            else None,
        }
        for invitation in guests
    ]


def _back_to_guest(request, invitation) -> str:
    """The event page at the guest's row: with ``?limit=`` when the row lies past the
    first ``GUEST_ROWS`` that the page shows."""
    url = reverse("events:detail", args=[invitation.event_id])
    name = invitation.contact.full_name
    before = (
        Invitation.objects.visible_to(request.user)
        .filter(event_id=invitation.event_id, revoked_at__isnull=True)
        .filter(Q(contact__full_name__lt=name) | Q(contact__full_name=name, pk__lt=invitation.pk))
        .count()
    )
    step = guest_list.GUEST_ROWS
    if before >= step:
        url += f"?limit={(before // step + 1) * step}"
    return f"{url}#guest-{invitation.pk}"


@planner_required
@require_POST
def invitation_respond(request, pk):
    """Answer for a guest (they told us on the phone)."""
    invitation = get_invitation_for_user(request, pk)
    name = invitation.contact.full_name
    try:
        invitation = services.respond(
            invitation=invitation, status=request.POST.get("status", ""), now=timezone.now()
        )
    except DomainError as error:
        messages.error(request, f"{name}: {error.message}")
    else:
        status = invitation.get_status_display().lower()
        messages.success(request, _("%(name)s: %(status)s.") % {"name": name, "status": status})
    return redirect(_back_to_guest(request, invitation))


@planner_required
@require_POST
def invitation_withdraw(request, pk):
    invitation = get_invitation_for_user(request, pk)
    services.withdraw_invitation(invitation=invitation, now=timezone.now())
    messages.success(
        request,
        _("Withdrew the invitation of %(name)s; their RSVP link no longer works.")
        % {"name": invitation.contact.full_name},
    )
    return redirect("events:detail", pk=invitation.event_id)


# Inviting


@planner_required
@require_http_methods(["GET", "POST"])
def event_invite(request, pk):
    event = get_object_or_404(Event, pk=pk)
    mode = request.POST.get("mode") if request.method == "POST" else None
    one = forms.InviteOneForm(
        request.POST if mode == "one" else None, user=request.user, prefix="one"
    )
    # Everyone who matches goes through a preview first (mail_views.invite_bulk).
    bulk = forms.InviteBulkForm(user=request.user, prefix="bulk")
    now, result = timezone.now(), None
    if mode == "one" and one.is_valid():
        result = services.invite(
            event=event,
            contact_ids=[one.cleaned_data["contact"].pk],
            role=one.cleaned_data["role"],
            by=request.user,
            now=now,
        )
    invited = []
    if result is not None:
        invited = [invitation.contact for invitation in result.invited]
        one = forms.InviteOneForm(user=request.user, prefix="one")
        bulk = forms.InviteBulkForm(user=request.user, prefix="bulk")
    # The report names the guests just invited, and the picker every contact it offers.
    record_web_views(request, [*invited, *offered_protected(one["contact"])])
    context = {"event": event, "one": one, "bulk": bulk, "result": result}
    return render(request, "events/event_invite.html", context)


# Check-in on the day


def _checkin_guests(user, event):
    """The guests the check-in page lists: those the user may see, still expected or
    already checked in. One event's guests are found through its index, each contact then
    tested by its primary key (``few``): joined instead, the planner reads every contact."""
    return Invitation.objects.visible_to(user, few=True).filter(
        event=event, revoked_at__isnull=True, status__in=CHECK_IN_STATUSES
    )


def _checkin_counts(user, event) -> dict:
    """``arrived`` and ``expected``, over the guests the user may see (one query)."""
    return _checkin_guests(user, event).aggregate(
        arrived=Count("pk", filter=Q(status=Invitation.Status.ATTENDED)), expected=Count("pk")
    )


@planner_required
def event_checkin(request, pk):
    event = get_object_or_404(Event, pk=pk)
    return _checkin_page(request, event, walk_in=WalkInForm(user=request.user))


def _checkin_page(request, event, *, walk_in):
    search = GuestSearchForm(request.GET)
    term = search.term()
    guests = _checkin_guests(request.user, event).select_related("contact")
    if term:
        # The contacts list's own search, over the guests' contacts.
        guests = guests.filter(contact__in=Contact.objects.search(term).values("pk"))
    guests = list(guests.order_by("contact__full_name", "pk"))
    record_web_views(request, [invitation.contact for invitation in guests])
    record_web_views(request, offered_protected(walk_in["contact"]))
    context = {
        "event": event,
        "guests": guests,
        "counts": _checkin_counts(request.user, event),
        "search": search,
        "search_term": term,
        "walk_in": walk_in,
    }
    return render(request, "events/event_checkin.html", context)


@planner_required
@require_POST
def invitation_checkin(request, pk):
    """Attended (``attended=1``) or no show (``attended=0``); htmx gets the row back, and
    the page's counter with it."""
    invitation = get_invitation_for_user(request, pk)
    attended = request.POST.get("attended")
    if attended not in ("0", "1"):
        return HttpResponseBadRequest("attended must be 1 or 0.")
    error = None
    try:
        invitation = services.check_in(
            invitation=invitation, attended=attended == "1", by=request.user, now=timezone.now()
        )
    except DomainError as domain_error:
        error = domain_error.message
    if request.htmx:
        record_web_views(request, [invitation.contact])
        context = {
            "invitation": invitation,
            "error": error,
            "counts": _checkin_counts(request.user, invitation.event),
        }
        return render(request, "events/_checkin_row.html", context)
    name = invitation.contact.full_name
    if error:
        messages.error(request, f"{name}: {error}")
    else:
        status = invitation.get_status_display().lower()
        messages.success(request, _("%(name)s: %(status)s.") % {"name": name, "status": status})
    return redirect(f"{reverse('events:checkin', args=[invitation.event_id])}#checkin-{pk}")


@planner_required
@require_POST
def event_walk_in(request, pk):
    """A guest not on the list, invited and checked in at once: a contact the planner may
    see, or someone new."""
    event = get_object_or_404(Event, pk=pk)
    form = WalkInForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            invitation = services.check_in_walk_in(
                event=event,
                by=request.user,
                now=timezone.now(),
                contact=data["contact"],
                full_name=data["full_name"],
                email=data["email"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("%(name)s: invited and checked in.") % {"name": invitation.contact.full_name},
            )
            checkin_url = reverse("events:checkin", args=[event.pk])
            return redirect(f"{checkin_url}#checkin-{invitation.pk}")
    return _checkin_page(request, event, walk_in=form)


# The personal calendar feed


@login_required
@require_http_methods(["GET", "POST"])
def feed_manage(request):
    """The user's private feed URL: create it, or revoke it and get a new one."""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            CalendarFeed.objects.get_or_create(user=request.user)
            messages.success(request, _("Your private feed URL is ready."))
        elif action == "replace":
            services.replace_calendar_feed(user=request.user)
            messages.success(request, _("The old URL no longer works; use this new one."))
        else:
            return HttpResponseBadRequest("Unknown action.")
        return redirect("events:feed_manage")
    feed = CalendarFeed.objects.filter(user=request.user).first()
    feed_url = (
        request.build_absolute_uri(reverse("events:feed", args=[feed.token])) if feed else None
    )
    context = {"feed": feed, "feed_url": feed_url}
    return render(request, "events/feed_manage.html", context)


# Programmes


@login_required
def programme_list(request):
    form = forms.ProgrammeFilterForm(request.GET)
    partners = Prefetch("partners", queryset=Organization.objects.order_by("name", "pk"))
    programmes = form.filter(Programme.objects.prefetch_related(partners))
    context = {
        "form": form,
        "page": _paginate(request, programmes),
        "may_manage": may_manage_programmes(request.user),
    }
    return render(request, "events/programme_list.html", context)


@login_required
def programme_detail(request, pk):
    programme = get_object_or_404(Programme, pk=pk)
    participants = list(
        Contact.objects.visible_to(request.user)
        .filter(programmes=programme)
        .select_related("organization")
        .order_by("full_name", "pk")
    )
    record_web_views(request, participants)
    context = {
        "programme": programme,
        "partners": programme.partners.order_by("name", "pk"),
        "officers": programme.officers.order_by("username", "pk"),
        "participants": participants,
        "may_manage": may_manage_programmes(request.user),
    }
    return render(request, "events/programme_detail.html", context)
