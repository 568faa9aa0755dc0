"""REST API v1 of the events app: events, invitations (rsvp, check_in, withdraw) and
programmes. Status codes and fields of every path, the role matrix, the visibility of
guests, concurrency (If-Match) and the number of queries of each list."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from contacts import access
from contacts.models import Exchange, Layer, Sensitivity
from events import services
from events.models import Event, Invitation, Programme
from tests import factories
from tests.conftest import api

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

EVENT_FIELDS = {
    "id",
    "title",
    "kind",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "venue",
    "online_url",
    "capacity",
    "status",
    "layer",
    "host_organization",
    "planners",
    "attending_officers",
    "sequence",
    "ics_url",
    "created_at",
    "updated_at",
}
INVITATION_FIELDS = {
    "id",
    "event",
    "contact",
    "role",
    "status",
    "responded_at",
    "waitlisted_at",
    "checked_in_at",
    "revoked_at",
    "created_at",
    "updated_at",
}
PROGRAMME_FIELDS = {
    "id",
    "title",
    "kind",
    "description",
    "partners",
    "participants",
    "officers",
    "starts_on",
    "ends_on",
    "status",
    "outcome",
    "layer",
    "created_at",
    "updated_at",
}


def _list(basename):
    return reverse(f"api:{basename}-list")


def _detail(basename, pk):
    return reverse(f"api:{basename}-detail", args=[pk])


def _rsvp(invitation):
    return reverse("api:invitation-rsvp", args=[invitation.pk])


def _check_in(invitation):
    return reverse("api:invitation-check-in", args=[invitation.pk])


def _ids(response):
    return [row["id"] for row in response.data["results"]]


def _aware(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None
    return parsed


def _event_payload(**fields):
    starts_at = timezone.now() + 7 * DAY
    payload = {
        "title": "Media round-table",
        "kind": "media",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + 2 * HOUR).isoformat(),
        "timezone": "Asia/Jerusalem",
        "venue": "Residence",
        "layer": "narrative",
    }
    return {**payload, **fields}


def _programme_payload(**fields):
    payload = {
        "title": "Joint research on water",
        "kind": "joint_research",
        "starts_on": "2026-09-01",
        "layer": "civil_epistemic",
    }
    return {**payload, **fields}


@pytest.fixture
def hidden_contact(owner):
    """Protected and the owner's: the planner, lead, analyst and outsider may not see it."""
    return factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)


@pytest.fixture
def event(planner):
    return factories.EventFactory(planners=[planner], capacity=1)


@pytest.fixture
def running_event(planner):
    now = timezone.now()
    return factories.EventFactory(planners=[planner], starts_at=now - HOUR, ends_at=now + HOUR)


# Anonymous callers and reads


@pytest.mark.django_db
@pytest.mark.parametrize("basename", ["event", "invitation", "programme"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_401(basename, method):
    response = getattr(api(), method)(_list(basename), {}, format="json")

    assert response.status_code == 401
    assert response.data["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "persona", ["owner", "outsider", "planner", "lead", "analyst", "admin_user"]
)
@pytest.mark.parametrize("basename", ["event", "invitation", "programme"])
def test_everyone_signed_in_reads(request, persona, basename, event):
    factories.InvitationFactory(event=event)
    factories.ProgrammeFactory()
    user = request.getfixturevalue(persona)

    response = api(user).get(_list(basename))

    assert response.status_code == 200
    assert response.data["count"] == 1


# Events


def test_event_detail_has_every_field_and_an_etag(owner, planner):
    host = factories.OrganizationFactory()
    event = factories.EventFactory(
        planners=[planner], host_organization=host, capacity=40, online_url="https://x.example"
    )
    event.attending_officers.add(owner)

    response = api(owner).get(_detail("event", event.pk))

    assert response.status_code == 200
    assert set(response.data) == EVENT_FIELDS
    assert response.data["timezone"] == "Asia/Jerusalem"
    assert response.data["planners"] == [planner.pk]
    assert response.data["attending_officers"] == [owner.pk]
    assert response.data["host_organization"] == host.pk
    assert response.data["capacity"] == 40
    assert response.data["sequence"] == 0
    assert _aware(response.data["starts_at"]) == event.starts_at
    assert response.data["ics_url"] == f"http://testserver/events/{event.pk}/calendar.ics"
    assert response["ETag"].startswith('"')


def test_planner_creates_an_event_and_plans_it(planner):
    response = api(planner).post(_list("event"), _event_payload(), format="json")

    assert response.status_code == 201
    event = Event.objects.get()
    assert response.data["id"] == event.pk
    assert response.data["planners"] == [planner.pk]
    assert response.data["capacity"] is None
    assert str(event.timezone) == "Asia/Jerusalem"
    assert event.sequence == 0
    assert response["ETag"].startswith('"')


def test_event_without_timezone_is_held_in_utc(planner):
    payload = _event_payload()
    del payload["timezone"]

    response = api(planner).post(_list("event"), payload, format="json")

    assert response.status_code == 201
    assert response.data["timezone"] == "UTC"


def test_event_ending_before_it_starts_is_400_on_ends_at(planner):
    starts_at = timezone.now() + DAY
    payload = _event_payload(
        starts_at=starts_at.isoformat(), ends_at=(starts_at - HOUR).isoformat()
    )

    response = api(planner).post(_list("event"), payload, format="json")

    assert response.status_code == 400
    assert response.data["fields"] == {"ends_at": ["Must be after starts_at."]}
    assert Event.objects.exists() is False


def test_patching_ends_at_before_the_stored_start_is_400(planner, event):
    payload = {"ends_at": (event.starts_at - HOUR).isoformat()}

    response = api(planner).patch(_detail("event", event.pk), payload, format="json")

    assert response.status_code == 400
    assert response.data["fields"] == {"ends_at": ["Must be after starts_at."]}
    event.refresh_from_db()
    assert event.ends_at == event.starts_at + 2 * HOUR


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timezone", "Mars/Olympus_Mons"),
        ("capacity", 0),
        ("kind", "party"),
        ("status", "postponed"),
        ("layer", "economic"),
    ],
)
def test_invalid_event_field_is_400(planner, field, value):
    response = api(planner).post(_list("event"), _event_payload(**{field: value}), format="json")

    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert list(response.data["fields"]) == [field]
    assert Event.objects.exists() is False


def test_a_calendar_change_bumps_the_sequence_and_others_do_not(planner, event):
    client = api(planner)

    moved = client.patch(_detail("event", event.pk), {"venue": "Hotel"}, format="json")
    described = client.patch(_detail("event", event.pk), {"description": "x"}, format="json")
    rezoned = client.patch(_detail("event", event.pk), {"timezone": "UTC"}, format="json")

    assert (moved.status_code, described.status_code, rezoned.status_code) == (200, 200, 200)
    assert (moved.data["sequence"], described.data["sequence"]) == (1, 1)
    assert rezoned.data["sequence"] == 2
    event.refresh_from_db()
    assert event.sequence == 2


def test_sequence_is_read_only(planner, event):
    response = api(planner).patch(_detail("event", event.pk), {"sequence": 9}, format="json")

    assert response.status_code == 200
    event.refresh_from_db()
    assert event.sequence == 0


def test_stale_if_match_is_412_and_nothing_changed(planner, event):
    client = api(planner)
    etag = client.get(_detail("event", event.pk))["ETag"]
    first = client.patch(
        _detail("event", event.pk), {"title": "First"}, format="json", HTTP_IF_MATCH=etag
    )

    second = client.patch(
        _detail("event", event.pk), {"title": "Second"}, format="json", HTTP_IF_MATCH=etag
    )
    deleted = client.delete(_detail("event", event.pk), HTTP_IF_MATCH=etag)

    assert first.status_code == 200
    assert first["ETag"] != etag
    assert (second.status_code, deleted.status_code) == (412, 412)
    assert second.data["code"] == "precondition_failed"
    event.refresh_from_db()
    assert (event.title, event.sequence) == ("First", 1)


def test_planner_deletes_an_event(planner, event):
    response = api(planner).delete(_detail("event", event.pk))

    assert response.status_code == 204
    assert Event.objects.exists() is False


def test_event_filters_search_and_order(owner):
    now = timezone.now()
    soon = factories.EventFactory(
        title="Film night", kind="cultural", starts_at=now + DAY, venue="Cinematheque"
    )
    later = factories.EventFactory(
        title="Press briefing",
        kind="media",
        layer=Layer.NARRATIVE,
        status="confirmed",
        starts_at=now + 9 * DAY,
    )
    client = api(owner)

    def ids(query):
        response = client.get(_list("event"), query)
        assert response.status_code == 200
        return _ids(response)

    assert ids({}) == [soon.pk, later.pk]
    assert ids({"ordering": "-starts_at"}) == [later.pk, soon.pk]
    assert ids({"status": "confirmed"}) == [later.pk]
    assert ids({"kind": "cultural"}) == [soon.pk]
    assert ids({"layer": "narrative"}) == [later.pk]
    assert ids({"starts_after": (now + 2 * DAY).isoformat()}) == [later.pk]
    assert ids({"starts_before": (now + 2 * DAY).isoformat()}) == [soon.pk]
    assert ids({"updated_since": (now + DAY).isoformat()}) == []
    assert ids({"search": "cinematheque"}) == [soon.pk]
    assert ids({"search": "briefing"}) == [later.pk]


def test_unknown_enum_in_a_filter_is_400(owner):
    response = api(owner).get(_list("event"), {"status": "postponed"})

    assert response.status_code == 400
    assert list(response.data["fields"]) == ["status"]


# Invitations


def test_invitation_fields_and_rsvp_url_for_planners_only(planner, owner, event):
    invitation = factories.InvitationFactory(event=event)

    as_planner = api(planner).get(_detail("invitation", invitation.pk))
    as_officer = api(owner).get(_detail("invitation", invitation.pk))

    assert as_planner.status_code == as_officer.status_code == 200
    assert set(as_planner.data) == INVITATION_FIELDS | {"rsvp_url"}
    assert set(as_officer.data) == INVITATION_FIELDS
    assert (as_planner.data["event"], as_planner.data["contact"]) == (
        event.pk,
        invitation.contact_id,
    )
    assert (as_planner.data["role"], as_planner.data["status"]) == ("guest", "invited")
    url = as_planner.data["rsvp_url"]
    assert url.startswith("http://testserver/rsvp/")
    match = resolve(url.removeprefix("http://testserver"))
    assert match.view_name == "events:rsvp"
    found = services.invitation_for_token(match.kwargs["token"], now=timezone.now())
    assert found == invitation


def test_planner_invites_through_the_service(planner, event):
    contact = factories.ContactFactory()

    response = api(planner).post(
        _list("invitation"),
        {"event": event.pk, "contact": contact.pk, "role": "speaker"},
        format="json",
    )

    assert response.status_code == 201
    invitation = Invitation.objects.get()
    assert response.data["id"] == invitation.pk
    assert (invitation.contact, invitation.role, invitation.status) == (
        contact,
        "speaker",
        "invited",
    )
    assert invitation.invited_by == planner
    assert response.data["rsvp_url"].startswith("http://testserver/rsvp/")


def test_inviting_twice_is_400_on_contact(planner, event):
    invitation = factories.InvitationFactory(event=event)

    response = api(planner).post(
        _list("invitation"), {"event": event.pk, "contact": invitation.contact_id}, format="json"
    )

    assert response.status_code == 400
    assert response.data["fields"] == {
        "contact": ["This contact is already invited to this event."]
    }
    assert Invitation.objects.count() == 1


def test_unknown_role_is_400(planner, event):
    contact = factories.ContactFactory()

    response = api(planner).post(
        _list("invitation"),
        {"event": event.pk, "contact": contact.pk, "role": "chair"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.data["fields"]) == ["role"]
    assert Invitation.objects.exists() is False


def test_a_hidden_guest_is_invisible_to_the_planner(planner, owner, event, hidden_contact):
    hidden = factories.InvitationFactory(event=event, contact=hidden_contact)
    shown = factories.InvitationFactory(event=event)
    client = api(planner)

    detail = client.get(_detail("invitation", hidden.pk))
    listed = client.get(_list("invitation"))
    of_event = client.get(_list("invitation"), {"event": event.pk})
    of_guest = client.get(_list("invitation"), {"contact": hidden_contact.pk})
    rsvp = client.post(_rsvp(hidden), {"status": "accepted"}, format="json")
    withdraw = client.delete(_detail("invitation", hidden.pk))

    assert detail.status_code == rsvp.status_code == withdraw.status_code == 404
    assert (listed.data["count"], _ids(listed)) == (1, [shown.pk])
    assert (of_event.data["count"], _ids(of_event)) == (1, [shown.pk])
    assert (of_guest.status_code, of_guest.data["count"]) == (200, 0)
    hidden.refresh_from_db()
    assert (hidden.status, hidden.revoked_at) == ("invited", None)
    # The owner may see the guest: the 404 is about visibility, not existence.
    assert api(owner).get(_detail("invitation", hidden.pk)).status_code == 200


def test_inviting_a_hidden_contact_is_the_same_400_as_a_missing_one(planner, event, hidden_contact):
    client = api(planner)
    missing_pk = hidden_contact.pk + 1000

    hidden = client.post(
        _list("invitation"), {"event": event.pk, "contact": hidden_contact.pk}, format="json"
    )
    missing = client.post(
        _list("invitation"), {"event": event.pk, "contact": missing_pk}, format="json"
    )

    assert hidden.status_code == missing.status_code == 400
    assert hidden.data["fields"] == {
        "contact": [f'Invalid pk "{hidden_contact.pk}" - object does not exist.']
    }
    assert missing.data["fields"] == {
        "contact": [f'Invalid pk "{missing_pk}" - object does not exist.']
    }
    assert Invitation.objects.exists() is False


def test_planner_changes_the_role_but_not_the_guest(planner, event):
    invitation = factories.InvitationFactory(event=event)
    other = factories.ContactFactory()
    client = api(planner)

    role = client.patch(_detail("invitation", invitation.pk), {"role": "press"}, format="json")
    status = client.patch(
        _detail("invitation", invitation.pk), {"status": "accepted"}, format="json"
    )
    guest = client.patch(_detail("invitation", invitation.pk), {"contact": other.pk}, format="json")

    assert (role.status_code, role.data["role"]) == (200, "press")
    assert (status.status_code, status.data["status"]) == (200, "invited")
    assert guest.status_code == 400
    assert list(guest.data["fields"]) == ["contact"]
    invitation.refresh_from_db()
    assert (invitation.role, invitation.status, invitation.contact_id) == (
        "press",
        "invited",
        invitation.contact_id,
    )


def test_delete_withdraws_and_gives_the_seat_on(planner, event):
    seated, waiting = factories.InvitationFactory.create_batch(2, event=event)
    client = api(planner)
    client.post(_rsvp(seated), {"status": "accepted"}, format="json")
    client.post(_rsvp(waiting), {"status": "accepted"}, format="json")

    response = client.delete(_detail("invitation", seated.pk))

    assert response.status_code == 204
    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert seated.revoked_at is not None
    assert waiting.status == "accepted"
    detail = client.get(_detail("invitation", seated.pk))
    assert detail.status_code == 200
    assert detail.data["rsvp_url"] is None
    assert client.get(_list("invitation"), {"revoked": "true"}).data["count"] == 1


def test_rsvp_beyond_capacity_is_waitlisted(planner, event):
    first, second = factories.InvitationFactory.create_batch(2, event=event)
    client = api(planner)

    seated = client.post(_rsvp(first), {"status": "accepted"}, format="json")
    waitlisted = client.post(_rsvp(second), {"status": "accepted"}, format="json")

    assert (seated.status_code, seated.data["status"]) == (200, "accepted")
    assert (waitlisted.status_code, waitlisted.data["status"]) == (200, "waitlisted")
    assert _aware(waitlisted.data["waitlisted_at"]) is not None
    assert set(waitlisted.data) == INVITATION_FIELDS | {"rsvp_url"}
    assert Invitation.objects.get(pk=second.pk).status == "waitlisted"


def test_rsvp_with_an_unknown_answer_is_400(planner, event):
    invitation = factories.InvitationFactory(event=event)

    response = api(planner).post(_rsvp(invitation), {"status": "maybe"}, format="json")

    assert response.status_code == 400
    assert list(response.data["fields"]) == ["status"]
    assert Invitation.objects.get(pk=invitation.pk).status == "invited"


def test_rsvp_to_a_withdrawn_invitation_is_a_domain_400(planner, event):
    invitation = factories.InvitationFactory(event=event, revoked_at=timezone.now())

    response = api(planner).post(_rsvp(invitation), {"status": "accepted"}, format="json")

    assert response.status_code == 400
    assert response.data["fields"] == {"non_field_errors": ["This invitation was withdrawn."]}
    assert Invitation.objects.get(pk=invitation.pk).status == "invited"


def test_check_in_records_the_attendance_exchange(planner, running_event):
    invitation = factories.InvitationFactory(event=running_event)

    response = api(planner).post(_check_in(invitation), {}, format="json")

    assert response.status_code == 200
    assert response.data["status"] == "attended"
    assert _aware(response.data["checked_in_at"]) is not None
    invitation.refresh_from_db()
    exchange = Exchange.objects.get()
    assert invitation.attendance_exchange == exchange
    assert exchange.kind == Exchange.Kind.EVENT
    assert list(exchange.contacts.all()) == [invitation.contact]
    assert list(exchange.officers.all()) == [planner]


def test_check_in_as_no_show_removes_the_attendance(planner, running_event):
    invitation = factories.InvitationFactory(event=running_event)
    client = api(planner)
    client.post(_check_in(invitation), {"attended": True}, format="json")

    response = client.post(_check_in(invitation), {"attended": False}, format="json")

    assert (response.status_code, response.data["status"]) == (200, "no_show")
    assert response.data["checked_in_at"] is None
    assert Exchange.objects.exists() is False


def test_check_in_before_the_day_is_a_domain_400(planner, event):
    invitation = factories.InvitationFactory(event=event)

    response = api(planner).post(_check_in(invitation), {}, format="json")

    assert response.status_code == 400
    assert response.data["fields"] == {
        "non_field_errors": ["Check-in opens on the day of the event."]
    }
    assert Invitation.objects.get(pk=invitation.pk).status == "invited"


def test_invitation_filters(owner, event):
    other_event = factories.EventFactory()
    speaker = factories.InvitationFactory(event=event, role="speaker", status="accepted")
    guest = factories.InvitationFactory(event=other_event)
    client = api(owner)

    def ids(query):
        response = client.get(_list("invitation"), query)
        assert response.status_code == 200
        return _ids(response)

    assert ids({}) == [speaker.pk, guest.pk]
    assert ids({"event": other_event.pk}) == [guest.pk]
    assert ids({"status": "accepted"}) == [speaker.pk]
    assert ids({"role": "speaker"}) == [speaker.pk]
    assert ids({"contact": guest.contact_id}) == [guest.pk]
    assert ids({"revoked": "false"}) == [speaker.pk, guest.pk]
    assert ids({"updated_since": (timezone.now() + DAY).isoformat()}) == []
    assert client.get(_list("invitation"), {"role": "chair"}).status_code == 400


# Programmes


def test_programme_lists_only_visible_participants(owner, planner, hidden_contact):
    shown = factories.ContactFactory()
    partner = factories.OrganizationFactory()
    programme = factories.ProgrammeFactory()
    programme.participants.add(shown, hidden_contact)
    programme.partners.add(partner)
    programme.officers.add(owner)

    as_planner = api(planner).get(_detail("programme", programme.pk))
    as_owner = api(owner).get(_detail("programme", programme.pk))

    assert as_planner.status_code == 200
    assert set(as_planner.data) == PROGRAMME_FIELDS
    assert as_planner.data["participants"] == [shown.pk]
    assert as_planner.data["partners"] == [partner.pk]
    assert as_planner.data["officers"] == [owner.pk]
    assert as_owner.data["participants"] == sorted([shown.pk, hidden_contact.pk])
    assert as_planner["ETag"] != as_owner["ETag"]


def test_lead_creates_a_programme(lead):
    partner = factories.OrganizationFactory()
    contact = factories.ContactFactory()

    response = api(lead).post(
        _list("programme"),
        _programme_payload(partners=[partner.pk], participants=[contact.pk], officers=[lead.pk]),
        format="json",
    )

    assert response.status_code == 201
    programme = Programme.objects.get()
    assert response.data["id"] == programme.pk
    assert (response.data["partners"], response.data["participants"]) == (
        [partner.pk],
        [contact.pk],
    )
    assert list(programme.participants.all()) == [contact]


def test_an_update_keeps_the_hidden_participants(planner, hidden_contact):
    shown, added = factories.ContactFactory.create_batch(2)
    programme = factories.ProgrammeFactory()
    programme.participants.add(shown, hidden_contact)

    response = api(planner).patch(
        _detail("programme", programme.pk), {"participants": [added.pk]}, format="json"
    )

    assert response.status_code == 200
    assert response.data["participants"] == [added.pk]
    assert set(programme.participants.values_list("pk", flat=True)) == {
        added.pk,
        hidden_contact.pk,
    }


def test_naming_a_hidden_participant_is_400(planner, hidden_contact):
    response = api(planner).post(
        _list("programme"), _programme_payload(participants=[hidden_contact.pk]), format="json"
    )

    assert response.status_code == 400
    assert response.data["fields"] == {
        "participants": [f'Invalid pk "{hidden_contact.pk}" - object does not exist.']
    }
    assert Programme.objects.exists() is False


def test_programme_ending_before_it_starts_is_400_on_ends_on(planner):
    response = api(planner).post(
        _list("programme"), _programme_payload(ends_on="2026-08-31"), format="json"
    )

    assert response.status_code == 400
    assert response.data["fields"] == {"ends_on": ["Must be on or after starts_on."]}
    assert Programme.objects.exists() is False


def test_programme_update_delete_and_stale_if_match(planner):
    programme = factories.ProgrammeFactory()
    client = api(planner)
    etag = client.get(_detail("programme", programme.pk))["ETag"]
    updated = client.put(
        _detail("programme", programme.pk),
        _programme_payload(status="active", outcome="Two papers."),
        format="json",
        HTTP_IF_MATCH=etag,
    )

    stale = client.patch(
        _detail("programme", programme.pk),
        {"status": "cancelled"},
        format="json",
        HTTP_IF_MATCH=etag,
    )

    assert (updated.status_code, updated.data["status"]) == (200, "active")
    assert stale.status_code == 412
    programme.refresh_from_db()
    assert (programme.status, programme.outcome) == ("active", "Two papers.")
    assert client.delete(_detail("programme", programme.pk)).status_code == 204
    assert Programme.objects.exists() is False


def test_programme_filters(owner):
    partner = factories.OrganizationFactory()
    research = factories.ProgrammeFactory(status="active")
    research.partners.add(partner)
    exchange = factories.ProgrammeFactory(
        kind="student_exchange", layer=Layer.SOFT_CULTURAL, starts_on=dt.date(2026, 1, 1)
    )
    client = api(owner)

    def ids(query):
        response = client.get(_list("programme"), query)
        assert response.status_code == 200
        return _ids(response)

    assert ids({}) == [research.pk, exchange.pk]
    assert ids({"kind": "student_exchange"}) == [exchange.pk]
    assert ids({"status": "active"}) == [research.pk]
    assert ids({"layer": "soft_cultural"}) == [exchange.pk]
    assert ids({"partner": partner.pk}) == [research.pk]
    assert ids({"updated_since": (timezone.now() + DAY).isoformat()}) == []
    assert client.get(_list("programme"), {"kind": "party"}).status_code == 400


# The role matrix of writes


def _snapshot():
    return (
        list(Event.objects.order_by("pk").values()),
        list(Invitation.objects.order_by("pk").values()),
        list(Programme.objects.order_by("pk").values()),
        Exchange.objects.count(),
    )


def _writes(event, invitation, programme, contact):
    """Every write path with a valid body: (name, method, url, body)."""
    return [
        ("event create", "post", _list("event"), _event_payload()),
        ("event update", "patch", _detail("event", event.pk), {"venue": "Hotel"}),
        (
            "invitation create",
            "post",
            _list("invitation"),
            {"event": event.pk, "contact": contact.pk},
        ),
        ("invitation update", "patch", _detail("invitation", invitation.pk), {"role": "press"}),
        ("invitation rsvp", "post", _rsvp(invitation), {"status": "accepted"}),
        ("invitation check_in", "post", _check_in(invitation), {"attended": True}),
        ("invitation delete", "delete", _detail("invitation", invitation.pk), None),
        ("programme create", "post", _list("programme"), _programme_payload()),
        ("programme update", "patch", _detail("programme", programme.pk), {"outcome": "x"}),
        ("programme delete", "delete", _detail("programme", programme.pk), None),
        ("event delete", "delete", _detail("event", event.pk), None),
    ]


PROGRAMME_WRITERS = {"planner", "lead", "admin_user"}
EVENT_WRITERS = {"planner", "admin_user"}


@pytest.mark.parametrize(
    "persona", ["owner", "outsider", "planner", "lead", "analyst", "admin_user"]
)
def test_write_permission_matrix(request, persona, running_event):
    user = request.getfixturevalue(persona)
    invitation = factories.InvitationFactory(event=running_event)
    programme = factories.ProgrammeFactory()
    contact = factories.ContactFactory()
    client = api(user)

    for name, method, url, body in _writes(running_event, invitation, programme, contact):
        writers = PROGRAMME_WRITERS if name.startswith("programme") else EVENT_WRITERS
        before = _snapshot()

        response = getattr(client, method)(url, body, format="json")

        if persona in writers:
            assert response.status_code in (200, 201, 204), (name, response.data)
        else:
            assert response.status_code == 403, name
            assert response.data["code"] == "permission_denied"
            assert _snapshot() == before, name


# Queries of a list do not grow with its length


def _queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def _add_events(count, planner, officer, hidden_contact):
    for _ in range(count):
        event = factories.EventFactory(planners=[planner])
        event.attending_officers.add(officer)


def _add_invitations(count, planner, officer, hidden_contact):
    for _ in range(count):
        factories.InvitationFactory(event=factories.EventFactory(planners=[planner]))
        factories.InvitationFactory(contact=hidden_contact)  # never listed for the planner


def _add_programmes(count, planner, officer, hidden_contact):
    for _ in range(count):
        programme = factories.ProgrammeFactory()
        programme.partners.add(factories.OrganizationFactory())
        programme.participants.add(factories.ContactFactory(), hidden_contact)
        programme.officers.add(officer)


ADD_ROWS = {"event": _add_events, "invitation": _add_invitations, "programme": _add_programmes}


@pytest.mark.parametrize("persona", ["planner", "admin_user"])
@pytest.mark.parametrize("basename", ["event", "invitation", "programme"])
def test_list_queries_do_not_grow_with_rows(
    request, persona, basename, planner, owner, hidden_contact
):
    user = request.getfixturevalue(persona)
    client = api(user)
    url = _list(basename)
    # The admin also sees the invitations of the hidden guest.
    rows = 40 if (basename, persona) == ("invitation", "admin_user") else 20

    ADD_ROWS[basename](2, planner, owner, hidden_contact)
    few = _queries_of(client, url)
    ADD_ROWS[basename](18, planner, owner, hidden_contact)
    # force_authenticate hands every request the same user object, roles kept and all.
    access.forget_roles(user)
    many = _queries_of(client, url)

    assert few == many
    assert len(client.get(url).data["results"]) == rows
