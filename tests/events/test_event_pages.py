"""The event pages of the web app: who may read and manage them, the event form, the event
page with its guest list (answering for a guest, withdrawing an invitation), the list and the
month calendar. A contact the reader may not see appears nowhere, not even in a count.

The views read the clock, so events sit at fixed dates far in the future (or the past).
"""

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from contacts.models import Exchange, OfficerProfile
from events import services
from events.models import Event, Invitation
from tests import factories
from tests.events.pages import PAST_STARTS_AT, STARTS_AT, guest_count, make_event
from tests.pages import page_text


def _form_data(**overrides):
    data = {
        "title": "Narrative forum",
        "kind": Event.Kind.MEDIA,
        "status": Event.Status.PLANNED,
        "layer": "narrative",
        "starts_at": "2099-06-01T19:00",
        "ends_at": "2099-06-01T21:00",
        "timezone": "Asia/Jerusalem",
        "venue": "Residence",
        "online_url": "",
        "capacity": "",
        "host_organization": "",
        "description": "",
    }
    data.update(overrides)
    return data


def _day_cell(body: str, day: str) -> str:
    start = body.index(f'id="day-{day}"')
    return body[start : body.index("</td>", start)]


# Every page renders for those allowed


def test_every_event_page_renders_for_a_planner(client, planner):
    event = make_event(title="Poetry evening", planners=[planner])
    factories.InvitationFactory(event=event, contact__full_name="Ada Guest")
    programme = factories.ProgrammeFactory(title="Joint lab")
    client.force_login(planner)
    pages = [
        reverse("events:list"),
        reverse("events:list") + "?when=past",
        reverse("events:calendar", args=[2099, 6]),
        reverse("events:create"),
        reverse("events:edit", args=[event.pk]),
        reverse("events:detail", args=[event.pk]),
        reverse("events:invite", args=[event.pk]),
        reverse("events:checkin", args=[event.pk]),
        reverse("events:feed_manage"),
        reverse("events:programme_list"),
        reverse("events:programme_detail", args=[programme.pk]),
    ]

    statuses = {url: client.get(url).status_code for url in pages}

    assert statuses == dict.fromkeys(pages, 200)


def test_officers_read_events_and_programmes(client, outsider):
    event = make_event(title="Poetry evening")
    programme = factories.ProgrammeFactory(title="Joint lab")
    client.force_login(outsider)
    pages = [
        reverse("events:list"),
        reverse("events:calendar", args=[2099, 6]),
        reverse("events:detail", args=[event.pk]),
        reverse("events:feed_manage"),
        reverse("events:programme_list"),
        reverse("events:programme_detail", args=[programme.pk]),
    ]

    statuses = {url: client.get(url).status_code for url in pages}

    assert statuses == dict.fromkeys(pages, 200)
    detail = page_text(client.get(reverse("events:detail", args=[event.pk])))
    assert reverse("events:edit", args=[event.pk]) not in detail
    assert reverse("events:event_ics", args=[event.pk]) in detail
    assert reverse("events:feed_manage") in detail


def test_the_pages_need_a_login(client, db):
    event = make_event()
    for url in (
        reverse("events:list"),
        reverse("events:detail", args=[event.pk]),
        reverse("events:feed_manage"),
        reverse("events:programme_list"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={url}"


def test_the_calendar_without_a_month_redirects_to_the_current_one(client, outsider):
    client.force_login(outsider)
    today = timezone.localdate()

    response = client.get(reverse("events:calendar_now"))

    assert response.status_code == 302
    assert response["Location"] == reverse("events:calendar", args=[today.year, today.month])


def test_a_month_that_does_not_exist_is_404(client, outsider):
    client.force_login(outsider)

    assert client.get(reverse("events:calendar", args=[2099, 13])).status_code == 404


# Officers may not manage events


def test_officers_get_403_on_create_edit_invite_and_checkin(client, outsider):
    event = make_event(title="Poetry evening")
    guest = factories.ContactFactory(full_name="Ada Guest")
    invitation = factories.InvitationFactory(event=event, contact=factories.ContactFactory())
    client.force_login(outsider)

    responses = [
        client.get(reverse("events:create")),
        client.post(reverse("events:create"), _form_data()),
        client.get(reverse("events:edit", args=[event.pk])),
        client.post(reverse("events:edit", args=[event.pk]), _form_data(title="Hijacked")),
        client.get(reverse("events:invite", args=[event.pk])),
        client.post(
            reverse("events:invite", args=[event.pk]),
            {"mode": "one", "one-contact": guest.pk, "one-role": "guest"},
        ),
        client.get(reverse("events:checkin", args=[event.pk])),
        client.post(
            reverse("events:invitation_checkin", args=[invitation.pk]),
            {"attended": "1"},
            headers={"HX-Request": "true"},
        ),
        client.post(
            reverse("events:invitation_respond", args=[invitation.pk]), {"status": "accepted"}
        ),
        client.post(reverse("events:invitation_withdraw", args=[invitation.pk])),
    ]

    assert [response.status_code for response in responses] == [403] * 10
    assert Event.objects.count() == 1
    event.refresh_from_db()
    assert (event.title, event.sequence) == ("Poetry evening", 0)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.revoked_at) == (Invitation.Status.INVITED, None)
    assert Invitation.objects.count() == 1
    assert Exchange.objects.exists() is False


# Creating and editing


def test_a_planner_creates_an_event_in_its_own_zone_and_becomes_its_planner(client, planner):
    client.force_login(planner)

    response = client.post(reverse("events:create"), _form_data(capacity="40"))

    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("events:detail", args=[event.pk])
    assert (event.starts_at, event.ends_at) == (STARTS_AT, STARTS_AT + dt.timedelta(hours=2))
    assert str(event.timezone) == "Asia/Jerusalem"
    assert event.capacity == 40
    assert list(event.planners.all()) == [planner]
    assert event.sequence == 0


def test_an_event_that_ends_before_it_starts_is_refused_with_a_message(client, planner):
    client.force_login(planner)

    response = client.post(
        reverse("events:create"),
        _form_data(starts_at="2099-06-01T19:00", ends_at="2099-06-01T18:00"),
    )

    assert response.status_code == 200
    body = page_text(response)
    assert "The event must end after it starts." in body
    assert "Please correct the 1 problem below; nothing was saved." in body
    assert Event.objects.exists() is False


def test_a_capacity_of_zero_is_refused_with_a_message(client, planner):
    client.force_login(planner)

    response = client.post(reverse("events:create"), _form_data(capacity="0"))

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in page_text(response)
    assert Event.objects.exists() is False


def test_a_time_skipped_by_the_clock_change_is_refused(client, planner):
    client.force_login(planner)

    response = client.post(
        reverse("events:create"),
        _form_data(
            timezone="Europe/London", starts_at="2099-03-29T01:30", ends_at="2099-03-29T04:00"
        ),
    )

    assert response.status_code == 200
    assert "This time does not exist in Europe/London (the clocks change)." in page_text(response)
    assert Event.objects.exists() is False


def test_an_invalid_edit_changes_nothing(client, planner):
    event = make_event(title="Poetry evening", planners=[planner])
    client.force_login(planner)

    response = client.post(
        reverse("events:edit", args=[event.pk]),
        _form_data(title="Renamed", ends_at="2099-06-01T19:00", capacity="0"),
    )

    assert response.status_code == 200
    body = page_text(response)
    assert "The event must end after it starts." in body
    assert "Ensure this value is greater than or equal to 1." in body
    event.refresh_from_db()
    assert (event.title, event.starts_at, event.capacity, event.sequence) == (
        "Poetry evening",
        STARTS_AT,
        None,
        0,
    )


def test_the_edit_form_shows_the_times_in_the_events_zone(client, planner):
    event = make_event(planners=[planner])
    client.force_login(planner)

    body = page_text(client.get(reverse("events:edit", args=[event.pk])))

    assert 'value="2099-06-01T19:00"' in body
    assert 'value="2099-06-01T21:00"' in body


def test_an_edit_moving_the_start_bumps_the_calendar_sequence(client, planner):
    event = make_event(title="Poetry evening", planners=[planner])
    client.force_login(planner)

    response = client.post(
        reverse("events:edit", args=[event.pk]),
        _form_data(title="Poetry evening", starts_at="2099-06-01T20:00", planners=[planner.pk]),
    )

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.starts_at == dt.datetime(2099, 6, 1, 17, 0, tzinfo=dt.UTC)
    assert event.sequence == 1


def test_an_edit_of_the_description_only_keeps_the_sequence(client, planner):
    event = make_event(title="Poetry evening", kind=Event.Kind.MEDIA, layer="narrative")
    event.planners.add(planner)
    client.force_login(planner)

    response = client.post(
        reverse("events:edit", args=[event.pk]),
        _form_data(title="Poetry evening", description="Bring books.", planners=[planner.pk]),
    )

    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.description, event.sequence) == ("Bring books.", 0)


# The event page


def test_the_event_page_shows_the_time_in_the_events_zone_and_the_viewers(client, outsider):
    event = make_event(title="Poetry evening")
    OfficerProfile.objects.create(user=outsider, timezone="Europe/London")
    client.force_login(outsider)

    body = page_text(client.get(reverse("events:detail", args=[event.pk])))

    assert "Mon 1 Jun 2099, 19:00–21:00 UTC+03:00, Jerusalem (17:00–19:00 your time)" in body
    # In the reader's language: the days and the "your time" alike.
    russian = page_text(
        client.get(reverse("events:detail", args=[event.pk]), HTTP_ACCEPT_LANGUAGE="ru")
    )
    assert "UTC+03:00, Jerusalem (по вашему времени 17:00–19:00)" in russian
    assert "your time" not in russian


def test_the_guest_list_shows_neither_the_name_nor_a_count_of_a_hidden_guest(
    client, planner, hidden_contacts
):
    protected, restricted = hidden_contacts
    event = make_event(title="Poetry evening", capacity=2, planners=[planner])
    factories.InvitationFactory(
        event=event, contact__full_name="Ada Accepted", status=Invitation.Status.ACCEPTED
    )
    factories.InvitationFactory(
        event=event, contact__full_name="Boris Declined", status=Invitation.Status.DECLINED
    )
    factories.InvitationFactory(
        event=event,
        contact__full_name="Chana Waiting",
        status=Invitation.Status.WAITLISTED,
        waitlisted_at=STARTS_AT - dt.timedelta(days=2),
    )
    factories.InvitationFactory(event=event, contact=protected, status=Invitation.Status.ACCEPTED)
    factories.InvitationFactory(
        event=event,
        contact=restricted,
        status=Invitation.Status.WAITLISTED,
        waitlisted_at=STARTS_AT - dt.timedelta(days=3),
    )
    client.force_login(planner)

    body = page_text(client.get(reverse("events:detail", args=[event.pk])))

    assert "Ada Accepted" in body
    assert "Boris Declined" in body
    assert "Chana Waiting" in body
    assert "Zofia Protectedova" not in body
    assert "Yuval Restrictedman" not in body
    counts = {
        status: guest_count(body, status)
        for status in ("total", "invited", "accepted", "declined", "waitlisted", "attended")
    }
    assert counts == {
        "total": 3,
        "invited": 0,
        "accepted": 1,
        "declined": 1,
        "waitlisted": 1,
        "attended": 0,
    }
    waitlist = body[body.index('<ol class="waitlist">') : body.index("</ol>")]
    assert waitlist.count("<li>") == 1


def test_an_admin_sees_every_guest_in_the_list_and_the_counts(client, admin_user, hidden_contacts):
    protected, restricted = hidden_contacts
    event = make_event(title="Poetry evening")
    factories.InvitationFactory(
        event=event, contact__full_name="Ada Accepted", status=Invitation.Status.ACCEPTED
    )
    factories.InvitationFactory(event=event, contact=protected, status=Invitation.Status.ACCEPTED)
    factories.InvitationFactory(
        event=event,
        contact=restricted,
        status=Invitation.Status.WAITLISTED,
        waitlisted_at=STARTS_AT - dt.timedelta(days=3),
    )
    client.force_login(admin_user)

    body = page_text(client.get(reverse("events:detail", args=[event.pk])))

    assert "Zofia Protectedova" in body
    assert "Yuval Restrictedman" in body
    assert (
        guest_count(body, "total"),
        guest_count(body, "accepted"),
        guest_count(body, "waitlisted"),
    ) == (
        3,
        2,
        1,
    )


def test_planners_get_an_absolute_rsvp_link_per_guest(client, planner):
    event = make_event(planners=[planner])
    invitation = factories.InvitationFactory(event=event, contact__full_name="Ada Guest")
    client.force_login(planner)

    body = page_text(client.get(reverse("events:detail", args=[event.pk])))

    # The token is signed with the time: read it back rather than sign one again.
    token = re.search(r'value="http://testserver/rsvp/([^"/]+)/"', body).group(1)
    assert services.invitation_for_token(token, now=timezone.now()) == invitation


def test_officers_get_no_rsvp_links(client, outsider):
    event = make_event()
    factories.InvitationFactory(event=event, contact__full_name="Ada Guest")
    client.force_login(outsider)

    body = page_text(client.get(reverse("events:detail", args=[event.pk])))

    assert "Ada Guest" in body
    assert "/rsvp/" not in body


def test_a_planner_answers_on_behalf_of_a_guest(client, planner):
    event = make_event(capacity=1, planners=[planner])
    seated = factories.InvitationFactory(event=event, contact__full_name="Ada Guest")
    late = factories.InvitationFactory(event=event, contact__full_name="Boris Late")
    client.force_login(planner)

    first = client.post(
        reverse("events:invitation_respond", args=[seated.pk]), {"status": "accepted"}
    )
    second = client.post(
        reverse("events:invitation_respond", args=[late.pk]), {"status": "accepted"}, follow=True
    )

    assert first.status_code == 302
    assert first["Location"] == f"{reverse('events:detail', args=[event.pk])}#guest-{seated.pk}"
    seated.refresh_from_db()
    late.refresh_from_db()
    assert (seated.status, late.status) == (
        Invitation.Status.ACCEPTED,
        Invitation.Status.WAITLISTED,
    )
    assert "Boris Late: waitlisted." in page_text(second)


def test_answering_for_a_past_event_shows_the_reason(client, planner):
    event = make_event(starts_at=PAST_STARTS_AT, planners=[planner])
    invitation = factories.InvitationFactory(event=event, contact__full_name="Ada Guest")
    client.force_login(planner)

    response = client.post(
        reverse("events:invitation_respond", args=[invitation.pk]),
        {"status": "accepted"},
        follow=True,
    )

    assert "Ada Guest: This event is over." in page_text(response)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.responded_at) == (Invitation.Status.INVITED, None)


def test_a_planner_withdraws_an_invitation_and_its_link_stops_working(client, planner):
    event = make_event(planners=[planner])
    invitation = factories.InvitationFactory(event=event, contact__full_name="Ada Guest")
    rsvp_url = reverse("events:rsvp", args=[services.rsvp_token(invitation)])
    client.force_login(planner)

    response = client.post(reverse("events:invitation_withdraw", args=[invitation.pk]))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert client.get(rsvp_url).status_code == 404
    body = page_text(client.get(reverse("events:detail", args=[event.pk])))
    assert guest_count(body, "total") == 0
    assert 'id="withdrawn"' in body


def test_a_hidden_invitation_is_404_to_a_planner(client, planner, hidden_contacts):
    event = make_event(planners=[planner])
    hidden = factories.InvitationFactory(event=event, contact=hidden_contacts[0])
    client.force_login(planner)

    responses = [
        client.post(reverse("events:invitation_respond", args=[hidden.pk]), {"status": "declined"}),
        client.post(reverse("events:invitation_withdraw", args=[hidden.pk])),
        client.post(reverse("events:invitation_checkin", args=[hidden.pk]), {"attended": "1"}),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404]
    hidden.refresh_from_db()
    assert (hidden.status, hidden.revoked_at) == (Invitation.Status.INVITED, None)


# The list and the month calendar


def test_the_list_has_upcoming_and_past_tabs_and_filters(client, outsider):
    make_event(title="Future forum", kind=Event.Kind.MEDIA)
    make_event(title="Future concert", kind=Event.Kind.CULTURAL)
    make_event(title="Old forum", starts_at=PAST_STARTS_AT, kind=Event.Kind.MEDIA)
    client.force_login(outsider)
    url = reverse("events:list")

    upcoming = page_text(client.get(url))
    past = page_text(client.get(url, {"when": "past"}))
    media = page_text(client.get(url, {"kind": "media"}))
    none = page_text(client.get(url, {"when": "past", "kind": "cultural"}))

    assert ("Future forum" in upcoming, "Future concert" in upcoming, "Old forum" in upcoming) == (
        True,
        True,
        False,
    )
    assert ("Future forum" in past, "Old forum" in past) == (False, True)
    assert ("Future forum" in media, "Future concert" in media) == (True, False)
    assert "No past events match these filters." in none


def test_the_list_is_paginated(client, outsider):
    for day in range(26):
        make_event(title=f"Session {day:02d}", starts_at=STARTS_AT + dt.timedelta(days=day))
    client.force_login(outsider)

    first = page_text(client.get(reverse("events:list")))
    second = page_text(client.get(reverse("events:list"), {"page": 2}))

    assert ("Session 00" in first, "Session 24" in first, "Session 25" in first) == (
        True,
        True,
        False,
    )
    assert ("Session 24" in second, "Session 25" in second) == (False, True)
    assert "Page 2 of 2" in second


def test_the_list_says_when_there_is_nothing(client, outsider):
    client.force_login(outsider)

    assert "No upcoming events." in page_text(client.get(reverse("events:list")))


def test_the_month_calendar_shows_an_event_on_its_local_day(client, outsider):
    # 22:30 UTC on 1 June is 01:30 on 2 June in Jerusalem: the day it is held.
    make_event(title="Midnight reading", starts_at=dt.datetime(2099, 6, 1, 22, 30, tzinfo=dt.UTC))
    client.force_login(outsider)

    body = page_text(client.get(reverse("events:calendar", args=[2099, 6])))

    assert "Midnight reading" in _day_cell(body, "2099-06-02")
    assert "Midnight reading" not in _day_cell(body, "2099-06-01")
    late = "01:30 UTC+03:00, Jerusalem (Mon 1 Jun, 22:30 your time)"
    assert late in _day_cell(body, "2099-06-02")
    assert reverse("events:calendar", args=[2099, 5]) in body
    assert reverse("events:calendar", args=[2099, 7]) in body


def test_the_month_calendar_crosses_the_year(client, outsider):
    client.force_login(outsider)

    body = page_text(client.get(reverse("events:calendar", args=[2099, 12])))

    assert reverse("events:calendar", args=[2100, 1]) in body
    assert "No events in December 2099." in body
