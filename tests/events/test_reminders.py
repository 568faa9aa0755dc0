"""The event reminders (rsvp_chase, event_prep, event_follow_up), each once per (event,
kind, recipient), the sweep_reminders command, and the admin's bulk invitation."""

import datetime as dt
import io

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse

from contacts.models import Channel, Reminder
from events import services
from events.models import Event, EventReminder, Invitation
from tests import factories

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
SWEEPS = 3

RSVP_CHASE = Reminder.Kind.RSVP_CHASE
EVENT_PREP = Reminder.Kind.EVENT_PREP
EVENT_FOLLOW_UP = Reminder.Kind.EVENT_FOLLOW_UP


def _event(starts_at, **fields):
    fields.setdefault("ends_at", starts_at + 2 * HOUR)
    return factories.EventFactory(starts_at=starts_at, **fields)


def _sweep_repeatedly(now=NOW):
    """The results of SWEEPS sweeps at the same moment."""
    return [services.sweep_event_reminders(now=now) for _ in range(SWEEPS)]


def _counts(result):
    return (result.rsvp_chase, result.event_prep, result.event_follow_up)


def _links():
    return sorted(
        EventReminder.objects.values_list("event_id", "kind", "recipient__username"),
    )


def _assert_reminders_linked(event, kind, recipients):
    """Exactly one open reminder of ``kind`` per recipient, linked to ``event`` and visible
    to its recipient."""
    for recipient in recipients:
        link = EventReminder.objects.get(event=event, kind=kind, recipient=recipient)
        reminder = link.reminder
        assert reminder.kind == kind
        assert reminder.recipient == recipient
        assert reminder.status == Reminder.Status.OPEN
        assert reminder.due_at == NOW
        assert reminder.channel_id is None
        assert Reminder.objects.visible_to(recipient).filter(pk=reminder.pk).exists() is True


@pytest.fixture
def second_planner(culture_team):
    return factories.UserFactory(username="second-planner", roles=["planner"], teams=[culture_team])


# rsvp_chase


def test_unanswered_invitations_within_the_chase_window_chase_each_planner_once(
    planner, second_planner
):
    event = _event(NOW + 5 * DAY, planners=[planner, second_planner])
    factories.InvitationFactory(event=event)
    factories.InvitationFactory(event=event, status=Invitation.Status.ACCEPTED)

    results = _sweep_repeatedly()

    assert [_counts(result) for result in results] == [(2, 0, 0), (0, 0, 0), (0, 0, 0)]
    assert Reminder.objects.filter(kind=RSVP_CHASE).count() == 2
    assert _links() == [
        (event.pk, RSVP_CHASE, "planner"),
        (event.pk, RSVP_CHASE, "second-planner"),
    ]
    _assert_reminders_linked(event, RSVP_CHASE, [planner, second_planner])


def test_the_chase_window_includes_its_last_moment(planner):
    event = _event(NOW + 7 * DAY, planners=[planner])
    factories.InvitationFactory(event=event)

    (result, *_) = _sweep_repeatedly()

    assert _counts(result) == (1, 0, 0)
    _assert_reminders_linked(event, RSVP_CHASE, [planner])


@pytest.mark.parametrize(
    "situation", ["all answered", "only a revoked one unanswered", "further away", "cancelled"]
)
def test_no_chase_when_nothing_is_unanswered_in_time(planner, situation):
    starts_at = NOW + 7 * DAY + HOUR if situation == "further away" else NOW + 5 * DAY
    status = Event.Status.CANCELLED if situation == "cancelled" else Event.Status.PLANNED
    event = _event(starts_at, planners=[planner], status=status)
    for answer in (Invitation.Status.ACCEPTED, Invitation.Status.DECLINED):
        factories.InvitationFactory(event=event, status=answer)
    if situation != "all answered":
        revoked = situation == "only a revoked one unanswered"
        factories.InvitationFactory(event=event, revoked_at=NOW - DAY if revoked else None)

    results = _sweep_repeatedly()

    assert [_counts(result) for result in results] == [(0, 0, 0)] * SWEEPS
    assert Reminder.objects.exists() is False
    assert EventReminder.objects.exists() is False


def test_a_planner_is_chased_only_for_unanswered_guests_they_may_see(
    planner, second_planner, owner
):
    hidden = factories.ContactFactory(owner=owner, sensitivity="protected")
    factories.GrantFactory(contact=hidden, user=second_planner)
    event = _event(NOW + 5 * DAY, planners=[planner, second_planner])
    factories.InvitationFactory(event=event, contact=hidden)
    factories.InvitationFactory(event=event, status=Invitation.Status.ACCEPTED)

    results = _sweep_repeatedly()

    assert [_counts(result) for result in results] == [(1, 0, 0), (0, 0, 0), (0, 0, 0)]
    assert _links() == [(event.pk, RSVP_CHASE, "second-planner")]
    assert Reminder.objects.filter(recipient=planner).exists() is False


def test_a_restricted_unanswered_guest_chases_only_the_owners_teammates(planner, owner, teammate):
    restricted = factories.ContactFactory(owner=owner, sensitivity="restricted")
    event = _event(NOW + 5 * DAY, planners=[planner, teammate])
    factories.InvitationFactory(event=event, contact=restricted)

    (result, *_) = _sweep_repeatedly()

    assert _counts(result) == (1, 0, 0)
    assert _links() == [(event.pk, RSVP_CHASE, "teammate")]


# event_prep


def test_preparation_does_not_depend_on_the_guests_a_planner_may_see(planner, owner):
    hidden = factories.ContactFactory(owner=owner, sensitivity="protected")
    event = _event(NOW + 20 * HOUR, planners=[planner])
    factories.InvitationFactory(event=event, contact=hidden, status=Invitation.Status.ACCEPTED)

    (result, *_) = _sweep_repeatedly()

    assert _counts(result) == (0, 1, 0)
    assert _links() == [(event.pk, EVENT_PREP, "planner")]


def test_an_event_within_the_next_day_reminds_each_planner_to_prepare_once(planner, second_planner):
    event = _event(NOW + 20 * HOUR, planners=[planner, second_planner])
    factories.InvitationFactory(event=event, status=Invitation.Status.ACCEPTED)
    _event(NOW + DAY + HOUR, planners=[planner])

    results = _sweep_repeatedly()

    assert [_counts(result) for result in results] == [(0, 2, 0), (0, 0, 0), (0, 0, 0)]
    assert Reminder.objects.filter(kind=EVENT_PREP).count() == 2
    assert _links() == [
        (event.pk, EVENT_PREP, "planner"),
        (event.pk, EVENT_PREP, "second-planner"),
    ]
    _assert_reminders_linked(event, EVENT_PREP, [planner, second_planner])


def test_a_cancelled_or_started_event_needs_no_preparation(planner):
    _event(NOW + 20 * HOUR, planners=[planner], status=Event.Status.CANCELLED)
    _event(NOW - HOUR, planners=[planner])

    results = _sweep_repeatedly()

    assert [_counts(result) for result in results] == [(0, 0, 0)] * SWEEPS
    assert Reminder.objects.exists() is False


# event_follow_up


@pytest.fixture
def held_event(planner, owner, teammate, outsider):
    """An event over two days ago: one guest attended, one did not show up."""
    event = _event(NOW - 2 * DAY, planners=[planner])
    attended = factories.InvitationFactory(event=event, status=Invitation.Status.ATTENDED)
    no_show = factories.InvitationFactory(event=event, status=Invitation.Status.NO_SHOW)
    factories.ChannelFactory(contact=attended.contact, officer=owner)
    factories.ChannelFactory(
        contact=attended.contact, officer=teammate, status=Channel.Status.PAUSED
    )
    factories.ChannelFactory(contact=no_show.contact, officer=outsider)
    return event


def test_officers_whose_contacts_attended_get_one_follow_up_once_the_event_is_over(
    held_event, owner, teammate, outsider, planner
):
    results = _sweep_repeatedly()

    assert [_counts(result) for result in results] == [(0, 0, 1), (0, 0, 0), (0, 0, 0)]
    assert Reminder.objects.filter(kind=EVENT_FOLLOW_UP).count() == 1
    assert _links() == [(held_event.pk, EVENT_FOLLOW_UP, "owner")]
    _assert_reminders_linked(held_event, EVENT_FOLLOW_UP, [owner])
    for not_reminded in (teammate, outsider, planner):
        assert Reminder.objects.filter(recipient=not_reminded).exists() is False


@pytest.mark.parametrize(
    "now",
    [NOW - 2 * DAY + HOUR, NOW + 12 * DAY + 2 * HOUR],
    ids=["not over yet", "follow-up window closed"],
)
def test_no_follow_up_before_the_end_or_after_the_window(held_event, now):
    results = _sweep_repeatedly(now)

    assert [_counts(result) for result in results] == [(0, 0, 0)] * SWEEPS
    assert Reminder.objects.exists() is False


def test_no_follow_up_when_the_only_guest_attended_is_hidden_from_the_officer(
    planner, owner, teammate
):
    event = _event(NOW - 2 * DAY, planners=[planner])
    hidden = factories.ContactFactory(owner=owner, sensitivity="protected")
    visible = factories.ContactFactory(owner=owner)
    factories.InvitationFactory(event=event, contact=hidden, status=Invitation.Status.ATTENDED)
    factories.InvitationFactory(event=event, contact=visible, status=Invitation.Status.NO_SHOW)
    factories.ChannelFactory(contact=hidden, officer=teammate)
    factories.ChannelFactory(contact=visible, officer=teammate)
    factories.ChannelFactory(contact=hidden, officer=owner)

    results = _sweep_repeatedly()

    assert [_counts(result) for result in results] == [(0, 0, 1), (0, 0, 0), (0, 0, 0)]
    assert _links() == [(event.pk, EVENT_FOLLOW_UP, "owner")]
    assert Reminder.objects.filter(recipient=teammate).exists() is False


def test_a_grant_lets_the_attendance_of_a_protected_guest_remind_its_grantee(
    planner, owner, grantee
):
    event = _event(NOW - 2 * DAY, planners=[planner])
    hidden = factories.ContactFactory(owner=owner, sensitivity="protected")
    factories.InvitationFactory(event=event, contact=hidden, status=Invitation.Status.ATTENDED)
    factories.ChannelFactory(contact=hidden, officer=grantee)
    factories.GrantFactory(contact=hidden, user=grantee)

    (result, *_) = _sweep_repeatedly()

    assert _counts(result) == (0, 0, 1)
    assert _links() == [(event.pk, EVENT_FOLLOW_UP, "grantee")]


# The command runs the event sweep too


def test_the_sweep_reminders_command_prints_the_event_counts(planner, owner):
    chased = _event(NOW + 3 * DAY, planners=[planner])
    factories.InvitationFactory(event=chased)
    _event(NOW + 10 * HOUR, planners=[planner])
    over = _event(NOW - 3 * DAY, planners=[planner])
    attended = factories.InvitationFactory(event=over, status=Invitation.Status.ATTENDED)
    factories.ChannelFactory(contact=attended.contact, officer=owner, created_at=NOW - DAY)

    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("sweep_reminders", stdout=out)
        call_command("sweep_reminders", stdout=out)

    assert out.getvalue().splitlines() == [
        "Reopened 0 snoozed, created 0 channel_due and 0 follow_up reminders; "
        "1 rsvp_chase, 1 event_prep and 1 event_follow_up.",
        "Reopened 0 snoozed, created 0 channel_due and 0 follow_up reminders; "
        "0 rsvp_chase, 0 event_prep and 0 event_follow_up.",
    ]
    assert EventReminder.objects.count() == 3


# The admin's bulk invitation from the Contact changelist


def test_the_admin_invites_selected_contacts_and_reports_duplicates(client, admin_user):
    event = _event(dt.datetime(2099, 6, 1, 16, 0, tzinfo=UTC), title="Harbour Forum")
    _event(dt.datetime(2020, 6, 1, 16, 0, tzinfo=UTC), title="Forum of 2020")
    already = factories.ContactFactory(full_name="Avi Already")
    fresh = factories.ContactFactory(full_name="Noa New")
    factories.InvitationFactory(event=event, contact=already, role=Invitation.Role.PRESS)
    client.force_login(admin_user)
    url = reverse("admin:contacts_contact_changelist")
    selected = {"action": "invite_selected", "_selected_action": [already.pk, fresh.pk]}

    confirmation = client.post(url, selected)

    assert confirmation.status_code == 200
    assert next(template.name for template in confirmation.templates) == (
        "admin/contacts/contact/invite.html"
    )
    assert list(confirmation.context["events"]) == [event]
    assert list(confirmation.context["contacts"]) == [already, fresh]
    assert "Harbour Forum" in confirmation.content.decode()
    assert Invitation.objects.count() == 1

    response = client.post(url, {**selected, "event": event.pk, "role": "speaker"})

    assert response.status_code == 302
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "Invited 1 to Harbour Forum.",
        "Skipped Avi Already: already invited.",
    ]
    assert Invitation.objects.count() == 2
    invited = Invitation.objects.get(event=event, contact=fresh)
    assert invited.role == Invitation.Role.SPEAKER
    assert invited.invited_by == admin_user
    assert Invitation.objects.get(event=event, contact=already).role == Invitation.Role.PRESS
