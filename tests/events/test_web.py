"""The event and programme pages of the web app: list and month calendar, the event form,
the event page with its guest list, inviting, check-in, the personal feed page and
programmes. A contact the reader may not see appears nowhere, not even in a count.

The views read the clock, so events sit at fixed dates far in the future (or the past);
check-in needs an event under way, so that one is placed around the real now.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, Exchange, OfficerProfile, Sensitivity
from events import services
from events.models import CalendarFeed, Event, Invitation
from tests import factories

UTC = dt.UTC
STARTS_AT = dt.datetime(2099, 6, 1, 16, 0, tzinfo=UTC)  # 19:00 in Jerusalem (UTC+3)
PAST_STARTS_AT = dt.datetime(2020, 6, 1, 16, 0, tzinfo=UTC)


def _event(**fields):
    fields.setdefault("starts_at", STARTS_AT)
    fields.setdefault("ends_at", fields["starts_at"] + dt.timedelta(hours=2))
    return factories.EventFactory(**fields)


def _event_under_way(**fields):
    now = timezone.now()
    return _event(starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1))


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


def _body(response) -> str:
    return response.content.decode()


def _count(body: str, status: str) -> int:
    return int(re.search(rf'<dd id="count-{status}">(\d+)</dd>', body).group(1))


def _day_cell(body: str, day: str) -> str:
    start = body.index(f'id="day-{day}"')
    return body[start : body.index("</td>", start)]


@pytest.fixture
def hidden_contacts(owner):
    """Two contacts the planner (culture team) may not see: the owner's protected and
    restricted (press team) contacts."""
    return (
        factories.ContactFactory(
            full_name="Zofia Protectedova", owner=owner, sensitivity=Sensitivity.PROTECTED
        ),
        factories.ContactFactory(
            full_name="Yuval Restrictedman", owner=owner, sensitivity=Sensitivity.RESTRICTED
        ),
    )


# Every page renders for those allowed


def test_every_event_page_renders_for_a_planner(client, planner):
    event = _event(title="Poetry evening", planners=[planner])
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
    event = _event(title="Poetry evening")
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
    detail = _body(client.get(reverse("events:detail", args=[event.pk])))
    assert reverse("events:edit", args=[event.pk]) not in detail
    assert reverse("events:event_ics", args=[event.pk]) in detail
    assert reverse("events:feed_manage") in detail


def test_the_pages_need_a_login(client, db):
    event = _event()
    for url in (
        reverse("events:list"),
        reverse("events:detail", args=[event.pk]),
        reverse("events:feed_manage"),
        reverse("events:programme_list"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


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
    event = _event(title="Poetry evening")
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
        client.post(reverse("events:invitation_revoke", args=[invitation.pk])),
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
    body = _body(response)
    assert "The event must end after it starts." in body
    assert "Please correct the errors below; nothing was saved." in body
    assert Event.objects.exists() is False


def test_a_capacity_of_zero_is_refused_with_a_message(client, planner):
    client.force_login(planner)

    response = client.post(reverse("events:create"), _form_data(capacity="0"))

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in _body(response)
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
    assert "This time does not exist in Europe/London (the clocks change)." in _body(response)
    assert Event.objects.exists() is False


def test_an_invalid_edit_changes_nothing(client, planner):
    event = _event(title="Poetry evening", planners=[planner])
    client.force_login(planner)

    response = client.post(
        reverse("events:edit", args=[event.pk]),
        _form_data(title="Renamed", ends_at="2099-06-01T19:00", capacity="0"),
    )

    assert response.status_code == 200
    body = _body(response)
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
    event = _event(planners=[planner])
    client.force_login(planner)

    body = _body(client.get(reverse("events:edit", args=[event.pk])))

    assert 'value="2099-06-01T19:00"' in body
    assert 'value="2099-06-01T21:00"' in body


def test_an_edit_moving_the_start_bumps_the_calendar_sequence(client, planner):
    event = _event(title="Poetry evening", planners=[planner])
    client.force_login(planner)

    response = client.post(
        reverse("events:edit", args=[event.pk]),
        _form_data(title="Poetry evening", starts_at="2099-06-01T20:00", planners=[planner.pk]),
    )

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.starts_at == dt.datetime(2099, 6, 1, 17, 0, tzinfo=UTC)
    assert event.sequence == 1


def test_an_edit_of_the_description_only_keeps_the_sequence(client, planner):
    event = _event(title="Poetry evening", kind=Event.Kind.MEDIA, layer="narrative")
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
    event = _event(title="Poetry evening")
    OfficerProfile.objects.create(user=outsider, timezone="Europe/London")
    client.force_login(outsider)

    body = _body(client.get(reverse("events:detail", args=[event.pk])))

    assert "Mon 1 Jun 2099, 19:00–21:00 Asia/Jerusalem (17:00–19:00 your time)" in body


def test_the_guest_list_shows_neither_the_name_nor_a_count_of_a_hidden_guest(
    client, planner, hidden_contacts
):
    protected, restricted = hidden_contacts
    event = _event(title="Poetry evening", capacity=2, planners=[planner])
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

    body = _body(client.get(reverse("events:detail", args=[event.pk])))

    assert "Ada Accepted" in body
    assert "Boris Declined" in body
    assert "Chana Waiting" in body
    assert "Zofia Protectedova" not in body
    assert "Yuval Restrictedman" not in body
    counts = {
        status: _count(body, status)
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
    event = _event(title="Poetry evening")
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

    body = _body(client.get(reverse("events:detail", args=[event.pk])))

    assert "Zofia Protectedova" in body
    assert "Yuval Restrictedman" in body
    assert (_count(body, "total"), _count(body, "accepted"), _count(body, "waitlisted")) == (
        3,
        2,
        1,
    )


def test_planners_get_an_absolute_rsvp_link_per_guest(client, planner):
    event = _event(planners=[planner])
    invitation = factories.InvitationFactory(event=event, contact__full_name="Ada Guest")
    client.force_login(planner)

    body = _body(client.get(reverse("events:detail", args=[event.pk])))

    link = "http://testserver" + reverse("events:rsvp", args=[services.rsvp_token(invitation)])
    assert f'value="{link}"' in body


def test_officers_get_no_rsvp_links(client, outsider):
    event = _event()
    factories.InvitationFactory(event=event, contact__full_name="Ada Guest")
    client.force_login(outsider)

    body = _body(client.get(reverse("events:detail", args=[event.pk])))

    assert "Ada Guest" in body
    assert "/rsvp/" not in body


def test_a_planner_answers_on_behalf_of_a_guest(client, planner):
    event = _event(capacity=1, planners=[planner])
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
    assert "Boris Late: waitlisted." in _body(second)


def test_answering_for_a_past_event_shows_the_reason(client, planner):
    event = _event(starts_at=PAST_STARTS_AT, planners=[planner])
    invitation = factories.InvitationFactory(event=event, contact__full_name="Ada Guest")
    client.force_login(planner)

    response = client.post(
        reverse("events:invitation_respond", args=[invitation.pk]),
        {"status": "accepted"},
        follow=True,
    )

    assert "Ada Guest: This event is over." in _body(response)
    invitation.refresh_from_db()
    assert (invitation.status, invitation.responded_at) == (Invitation.Status.INVITED, None)


def test_a_planner_withdraws_an_invitation_and_its_link_stops_working(client, planner):
    event = _event(planners=[planner])
    invitation = factories.InvitationFactory(event=event, contact__full_name="Ada Guest")
    rsvp_url = reverse("events:rsvp", args=[services.rsvp_token(invitation)])
    client.force_login(planner)

    response = client.post(reverse("events:invitation_revoke", args=[invitation.pk]))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert client.get(rsvp_url).status_code == 404
    body = _body(client.get(reverse("events:detail", args=[event.pk])))
    assert _count(body, "total") == 0
    assert 'id="withdrawn"' in body


def test_a_hidden_invitation_is_404_to_a_planner(client, planner, hidden_contacts):
    event = _event(planners=[planner])
    hidden = factories.InvitationFactory(event=event, contact=hidden_contacts[0])
    client.force_login(planner)

    responses = [
        client.post(reverse("events:invitation_respond", args=[hidden.pk]), {"status": "declined"}),
        client.post(reverse("events:invitation_revoke", args=[hidden.pk])),
        client.post(reverse("events:invitation_checkin", args=[hidden.pk]), {"attended": "1"}),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404]
    hidden.refresh_from_db()
    assert (hidden.status, hidden.revoked_at) == (Invitation.Status.INVITED, None)


# Inviting


def test_inviting_one_contact_shows_the_report_and_creates_the_invitation(client, planner):
    event = _event(planners=[planner])
    guest = factories.ContactFactory(full_name="Ada Guest")
    client.force_login(planner)
    url = reverse("events:invite", args=[event.pk])

    first = client.post(url, {"mode": "one", "one-contact": guest.pk, "one-role": "speaker"})
    again = client.post(url, {"mode": "one", "one-contact": guest.pk, "one-role": "guest"})

    invitation = Invitation.objects.get()
    assert (invitation.event, invitation.contact, invitation.role, invitation.invited_by) == (
        event,
        guest,
        Invitation.Role.SPEAKER,
        planner,
    )
    assert '<h2 id="report-title">Invited 1, skipped 0</h2>' in _body(first)
    assert '<ul class="invited"><li>Ada Guest</li></ul>' in _body(first)
    assert '<h2 id="report-title">Invited 0, skipped 1</h2>' in _body(again)
    assert '<ul class="skipped"><li>Ada Guest: already invited</li></ul>' in _body(again)


def test_a_hidden_contact_is_not_offered_and_cannot_be_invited(client, planner, hidden_contacts):
    event = _event(planners=[planner])
    protected = hidden_contacts[0]
    client.force_login(planner)
    url = reverse("events:invite", args=[event.pk])

    page = client.get(url)
    response = client.post(url, {"mode": "one", "one-contact": protected.pk, "one-role": "guest"})

    assert "Zofia Protectedova" not in _body(page)
    assert response.status_code == 200
    assert "Select a valid choice." in _body(response)
    assert "Zofia Protectedova" not in _body(response)
    assert Invitation.objects.exists() is False


def test_inviting_in_bulk_by_category_reports_invited_and_skipped(client, planner, hidden_contacts):
    event = _event(planners=[planner])
    already = factories.ContactFactory(full_name="Ada Journalist", category="journalist")
    fresh = factories.ContactFactory(full_name="Boris Journalist", category="journalist")
    factories.ContactFactory(full_name="Chana Academic", category="academic")
    Contact.objects.filter(pk=hidden_contacts[0].pk).update(category="journalist")
    factories.InvitationFactory(event=event, contact=already)
    client.force_login(planner)

    response = client.post(
        reverse("events:invite", args=[event.pk]),
        {"mode": "bulk", "bulk-category": "journalist", "bulk-role": "press"},
    )

    body = _body(response)
    assert '<h2 id="report-title">Invited 1, skipped 1</h2>' in body
    assert '<ul class="invited"><li>Boris Journalist</li></ul>' in body
    assert '<ul class="skipped"><li>Ada Journalist: already invited</li></ul>' in body
    assert "Zofia Protectedova" not in body
    assert set(event.invitations.values_list("contact__full_name", "role")) == {
        ("Ada Journalist", Invitation.Role.GUEST),
        ("Boris Journalist", Invitation.Role.PRESS),
    }
    assert fresh.invitations.get().invited_by == planner


def test_inviting_in_bulk_by_tag_and_organization(client, planner):
    event = _event(planners=[planner])
    tag = factories.TagFactory(name="alumni")
    institute = factories.OrganizationFactory(name="Weizmann")
    factories.ContactFactory(full_name="Ada Alumna", tags=[tag], organization=institute)
    factories.ContactFactory(full_name="Boris Elsewhere", tags=[tag])
    client.force_login(planner)

    response = client.post(
        reverse("events:invite", args=[event.pk]),
        {
            "mode": "bulk",
            "bulk-tag": "alumni",
            "bulk-organization": institute.pk,
            "bulk-role": "guest",
        },
    )

    assert '<h2 id="report-title">Invited 1, skipped 0</h2>' in _body(response)
    assert list(event.invitations.values_list("contact__full_name", flat=True)) == ["Ada Alumna"]


def test_inviting_in_bulk_needs_a_criterion(client, planner):
    event = _event(planners=[planner])
    factories.ContactFactory(full_name="Ada Guest")
    client.force_login(planner)

    response = client.post(
        reverse("events:invite", args=[event.pk]), {"mode": "bulk", "bulk-role": "guest"}
    )

    assert response.status_code == 200
    assert "Choose at least one of category, organization, tag or layer." in _body(response)
    assert Invitation.objects.exists() is False


# Check-in


def test_check_in_lists_visible_guests_still_expected(client, planner, hidden_contacts):
    event = _event_under_way(planners=[planner])
    factories.InvitationFactory(
        event=event, contact__full_name="Ada Accepted", status=Invitation.Status.ACCEPTED
    )
    factories.InvitationFactory(
        event=event, contact__full_name="Boris Declined", status=Invitation.Status.DECLINED
    )
    factories.InvitationFactory(
        event=event, contact=hidden_contacts[0], status=Invitation.Status.ACCEPTED
    )
    client.force_login(planner)

    body = _body(client.get(reverse("events:checkin", args=[event.pk])))

    assert "Ada Accepted" in body
    assert "Boris Declined" not in body
    assert "Zofia Protectedova" not in body
    assert body.count('class="checkin-row') == 1


def test_check_in_with_htmx_returns_the_row_and_records_the_attendance(client, planner):
    event = _event_under_way(planners=[planner])
    guest = factories.ContactFactory(full_name="Ada Guest")
    invitation = factories.InvitationFactory(
        event=event, contact=guest, status=Invitation.Status.ACCEPTED
    )
    client.force_login(planner)

    response = client.post(
        reverse("events:invitation_checkin", args=[invitation.pk]),
        {"attended": "1"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    body = _body(response).strip()
    assert body.startswith(f'<li class="checkin-row status-attended" id="checkin-{invitation.pk}">')
    assert "<html" not in body
    assert '<span class="badge status-attended">Attended</span>' in body
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ATTENDED
    exchange = Exchange.objects.get(kind=Exchange.Kind.EVENT)
    assert list(exchange.contacts.all()) == [guest]
    assert list(exchange.officers.all()) == [planner]
    assert invitation.attendance_exchange == exchange


def test_check_in_without_htmx_redirects_back_with_a_message(client, planner):
    event = _event_under_way(planners=[planner])
    invitation = factories.InvitationFactory(
        event=event, contact__full_name="Ada Guest", status=Invitation.Status.TENTATIVE
    )
    client.force_login(planner)

    response = client.post(
        reverse("events:invitation_checkin", args=[invitation.pk]), {"attended": "0"}
    )

    assert response.status_code == 302
    checkin_url = reverse("events:checkin", args=[event.pk])
    assert response["Location"] == f"{checkin_url}#checkin-{invitation.pk}"
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.NO_SHOW
    assert "Ada Guest: no show." in _body(client.get(checkin_url))
    assert Exchange.objects.exists() is False


def test_check_in_before_the_day_shows_the_reason_in_the_row(client, planner):
    event = _event(planners=[planner])
    invitation = factories.InvitationFactory(
        event=event, contact__full_name="Ada Guest", status=Invitation.Status.ACCEPTED
    )
    client.force_login(planner)

    response = client.post(
        reverse("events:invitation_checkin", args=[invitation.pk]),
        {"attended": "1"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert '<p class="checkin-error" role="alert">Check-in opens on the day of the event.</p>' in (
        _body(response)
    )
    invitation.refresh_from_db()
    assert (invitation.status, invitation.checked_in_at) == (Invitation.Status.ACCEPTED, None)
    assert Exchange.objects.exists() is False


def test_check_in_needs_attended_one_or_zero(client, planner):
    event = _event_under_way(planners=[planner])
    invitation = factories.InvitationFactory(event=event, status=Invitation.Status.ACCEPTED)
    client.force_login(planner)

    response = client.post(
        reverse("events:invitation_checkin", args=[invitation.pk]), {"attended": "yes"}
    )

    assert response.status_code == 400
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED


# The list and the month calendar


def test_the_list_has_upcoming_and_past_tabs_and_filters(client, outsider):
    _event(title="Future forum", kind=Event.Kind.MEDIA)
    _event(title="Future concert", kind=Event.Kind.CULTURAL)
    _event(title="Old forum", starts_at=PAST_STARTS_AT, kind=Event.Kind.MEDIA)
    client.force_login(outsider)
    url = reverse("events:list")

    upcoming = _body(client.get(url))
    past = _body(client.get(url, {"when": "past"}))
    media = _body(client.get(url, {"kind": "media"}))
    none = _body(client.get(url, {"when": "past", "kind": "cultural"}))

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
        _event(title=f"Session {day:02d}", starts_at=STARTS_AT + dt.timedelta(days=day))
    client.force_login(outsider)

    first = _body(client.get(reverse("events:list")))
    second = _body(client.get(reverse("events:list"), {"page": 2}))

    assert ("Session 00" in first, "Session 24" in first, "Session 25" in first) == (
        True,
        True,
        False,
    )
    assert ("Session 24" in second, "Session 25" in second) == (False, True)
    assert "Page 2 of 2" in second


def test_the_list_says_when_there_is_nothing(client, outsider):
    client.force_login(outsider)

    assert "No upcoming events." in _body(client.get(reverse("events:list")))


def test_the_month_calendar_shows_an_event_on_its_local_day(client, outsider):
    # 22:30 UTC on 1 June is 01:30 on 2 June in Jerusalem: the day it is held.
    _event(title="Midnight reading", starts_at=dt.datetime(2099, 6, 1, 22, 30, tzinfo=UTC))
    client.force_login(outsider)

    body = _body(client.get(reverse("events:calendar", args=[2099, 6])))

    assert "Midnight reading" in _day_cell(body, "2099-06-02")
    assert "Midnight reading" not in _day_cell(body, "2099-06-01")
    assert "01:30 Asia/Jerusalem (Mon 1 Jun, 22:30 your time)" in _day_cell(body, "2099-06-02")
    assert reverse("events:calendar", args=[2099, 5]) in body
    assert reverse("events:calendar", args=[2099, 7]) in body


def test_the_month_calendar_crosses_the_year(client, outsider):
    client.force_login(outsider)

    body = _body(client.get(reverse("events:calendar", args=[2099, 12])))

    assert reverse("events:calendar", args=[2100, 1]) in body
    assert "No events in December 2099." in body


# The personal feed page


def test_the_feed_page_creates_a_url_and_revoking_it_replaces_it(client, planner):
    _event(title="Poetry evening", planners=[planner])
    client.force_login(planner)
    page_url = reverse("events:feed_manage")

    assert "Create my feed URL" in _body(client.get(page_url))
    assert CalendarFeed.objects.exists() is False

    created = client.post(page_url, {"action": "create"})
    old_token = CalendarFeed.objects.get(user=planner).token
    old_feed = reverse("events:feed", args=[old_token])

    assert created.status_code == 302
    assert f'value="http://testserver{old_feed}"' in _body(client.get(page_url))
    assert client.get(old_feed).status_code == 200

    client.post(page_url, {"action": "create"})
    assert CalendarFeed.objects.get(user=planner).token == old_token

    client.post(page_url, {"action": "replace"})
    new_token = CalendarFeed.objects.get(user=planner).token
    new_feed = reverse("events:feed", args=[new_token])

    assert new_token != old_token
    assert client.get(old_feed).status_code == 404
    assert client.get(new_feed).status_code == 200
    assert f'value="http://testserver{new_feed}"' in _body(client.get(page_url))


# Programmes


def test_a_programme_shows_only_the_participants_the_reader_may_see(
    client, planner, hidden_contacts
):
    programme = factories.ProgrammeFactory(
        title="Joint lab", outcome="Two co-authored papers.", ends_on=dt.date(2026, 6, 30)
    )
    partner = factories.OrganizationFactory(name="Technion")
    programme.partners.add(partner)
    programme.officers.add(planner)
    visible = factories.ContactFactory(full_name="Ada Researcher")
    programme.participants.add(visible, *hidden_contacts)
    client.force_login(planner)

    body = _body(client.get(reverse("events:programme_detail", args=[programme.pk])))

    assert "Ada Researcher" in body
    assert "Zofia Protectedova" not in body
    assert "Yuval Restrictedman" not in body
    participants = body[
        body.index('<ul class="participants">') : body.index(
            "</ul>", body.index('<ul class="participants">')
        )
    ]
    assert participants.count("<li>") == 1
    assert "Technion" in body
    assert "Two co-authored papers." in body
    assert "1 Sep 2025 – 30 Jun 2026" in body


def test_the_programme_list_filters_and_says_when_there_is_nothing(client, outsider):
    factories.ProgrammeFactory(title="Joint lab", kind="joint_research", status="active")
    factories.ProgrammeFactory(title="Student swap", kind="student_exchange", status="planned")
    client.force_login(outsider)
    url = reverse("events:programme_list")

    everything = _body(client.get(url))
    active = _body(client.get(url, {"status": "active"}))
    none = _body(client.get(url, {"kind": "delegation"}))

    assert ("Joint lab" in everything, "Student swap" in everything) == (True, True)
    assert ("Joint lab" in active, "Student swap" in active) == (True, False)
    assert "No programmes match these filters." in none
