"""The event workflows of events.services: invite, answer (capacity and waiting list),
withdraw and check in, on PostgreSQL. Time is passed in (``now``); every datetime is fixed.
"""

import datetime as dt
import threading

import pytest
from django.db import connection

from contacts import services as contact_services
from contacts.errors import DomainError
from contacts.models import Channel, Contact, Exchange, Layer, Reminder, Sensitivity
from events import services
from events.models import Event, Invitation
from tests import factories

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STARTS_AT = dt.datetime(2026, 3, 16, 16, 0, tzinfo=UTC)
ENDS_AT = STARTS_AT + dt.timedelta(hours=2)
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

ACCEPTED = Invitation.Status.ACCEPTED
DECLINED = Invitation.Status.DECLINED
TENTATIVE = Invitation.Status.TENTATIVE
WAITLISTED = Invitation.Status.WAITLISTED
INVITED = Invitation.Status.INVITED


def _event(**fields):
    fields.setdefault("starts_at", STARTS_AT)
    fields.setdefault("ends_at", fields["starts_at"] + 2 * HOUR)
    return factories.EventFactory(**fields)


def _invitations(event, count):
    return [factories.InvitationFactory(event=event) for _ in range(count)]


def _answer(invitation, status, now=NOW):
    return services.respond(invitation=invitation, status=status, now=now)


def _state(invitation):
    """What an answer may change, read back from the database."""
    invitation.refresh_from_db()
    return (
        invitation.status,
        invitation.responded_at,
        invitation.waitlisted_at,
        invitation.revoked_at,
        invitation.updated_at,
    )


def _statuses(invitations):
    return [Invitation.objects.get(pk=invitation.pk).status for invitation in invitations]


# Inviting, one at a time and in bulk


def test_invite_one_contact_stores_role_and_inviter(planner):
    event = _event()
    contact = factories.ContactFactory(full_name="Dana Speaker")

    result = services.invite(
        event=event,
        contact_ids=[contact.pk],
        role=Invitation.Role.SPEAKER,
        by=planner,
        now=NOW,
    )

    invitation = Invitation.objects.get(event=event)
    assert invitation.contact == contact
    assert invitation.role == Invitation.Role.SPEAKER
    assert invitation.invited_by == planner
    assert invitation.status == INVITED
    assert invitation.created_at == NOW
    assert [invited.contact for invited in result.invited] == [contact]
    assert result.skipped == []


def test_inviting_in_bulk_skips_and_reports_those_already_invited(planner):
    event = _event()
    first, second, third = (
        factories.ContactFactory(full_name=name) for name in ("Ada Aharoni", "Boaz Ben", "Chen")
    )
    factories.InvitationFactory(event=event, contact=first, role=Invitation.Role.PRESS)

    result = services.invite(
        event=event,
        contact_ids=[first.pk, second.pk, third.pk, second.pk],
        role=Invitation.Role.GUEST,
        by=planner,
        now=NOW,
    )

    assert [invited.contact for invited in result.invited] == [second, third]
    assert result.skipped == [("Ada Aharoni", "already invited")]
    assert Invitation.objects.filter(event=event).count() == 3
    assert Invitation.objects.get(event=event, contact=first).role == Invitation.Role.PRESS
    assert Invitation.objects.get(event=event, contact=second).role == Invitation.Role.GUEST


def test_a_contact_the_planner_may_not_see_is_reported_exactly_like_an_unknown_id(
    planner, outsider
):
    event = _event()
    visible = factories.ContactFactory(full_name="Visible Vered")
    hidden = factories.ContactFactory(
        full_name="Hidden Hanna", owner=outsider, sensitivity=Sensitivity.PROTECTED
    )
    unknown_id = Contact.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000

    result = services.invite(
        event=event,
        contact_ids=[visible.pk, hidden.pk, unknown_id],
        role=Invitation.Role.GUEST,
        by=planner,
        now=NOW,
    )

    assert [invited.contact for invited in result.invited] == [visible]
    assert result.skipped == [
        (f"contact #{hidden.pk}", "not found"),
        (f"contact #{unknown_id}", "not found"),
    ]
    assert Invitation.objects.filter(contact=hidden).exists() is False
    assert Invitation.objects.filter(event=event).count() == 1


def test_a_hidden_contact_already_invited_is_still_reported_not_found(planner, outsider):
    event = _event()
    hidden = factories.ContactFactory(owner=outsider, sensitivity=Sensitivity.PROTECTED)
    factories.InvitationFactory(event=event, contact=hidden, invited_by=outsider)

    result = services.invite(
        event=event, contact_ids=[hidden.pk], role=Invitation.Role.GUEST, by=planner, now=NOW
    )

    assert result.invited == []
    assert result.skipped == [(f"contact #{hidden.pk}", "not found")]
    assert Invitation.objects.get(event=event).invited_by == outsider


@pytest.fixture
def matching_network(outsider):
    """Four visible contacts that differ in one criterion each, and a hidden one that
    matches every criterion."""
    press = factories.OrganizationFactory(name="Daily Courier")
    alumni = factories.TagFactory(name="alumni")
    match = {
        "category": Contact.Category.JOURNALIST,
        "organization": press,
        "tags": [alumni],
        "layer": Layer.NARRATIVE,
    }
    differs = {
        "category": Contact.Category.ACADEMIC,
        "organization": factories.OrganizationFactory(name="Open University"),
        "tags": [factories.TagFactory(name="board")],
        "layer": Layer.CIVIL_EPISTEMIC,
    }
    contacts = {}
    for criterion in match:
        fields = {**match, criterion: differs[criterion]}
        contacts[criterion] = factories.ContactFactory(full_name=f"Not {criterion}", **fields)
    contacts["all"] = factories.ContactFactory(full_name="Matches all", **match)
    factories.ContactFactory(
        full_name="Hidden match", owner=outsider, sensitivity=Sensitivity.PROTECTED, **match
    )
    return {"organization": press, "tag": alumni, "contacts": contacts}


@pytest.mark.parametrize("criterion", ["category", "organization", "tag", "layer"])
def test_invite_matching_invites_the_visible_contacts_that_match_one_criterion(
    planner, matching_network, criterion
):
    event = _event()
    value = {
        "category": Contact.Category.JOURNALIST,
        "organization": matching_network["organization"].pk,
        "tag": matching_network["tag"].name,
        "layer": Layer.NARRATIVE,
    }[criterion]
    # Every contact matches all but one criterion, so exactly one of them misses this one.
    not_matching = matching_network["contacts"][
        "tags" if criterion == "tag" else criterion
    ].full_name

    result = services.invite_matching(
        event=event, by=planner, role=Invitation.Role.PRESS, now=NOW, **{criterion: value}
    )

    invited = sorted(
        Invitation.objects.filter(event=event).values_list("contact__full_name", flat=True)
    )
    expected = sorted(
        contact.full_name
        for contact in matching_network["contacts"].values()
        if contact.full_name != not_matching
    )
    assert invited == expected
    assert len(result.invited) == 4
    assert result.skipped == []
    assert set(Invitation.objects.filter(event=event).values_list("role", flat=True)) == {
        Invitation.Role.PRESS
    }


def test_invite_matching_combines_criteria_and_reports_those_already_invited(
    planner, matching_network
):
    event = _event()
    everything = matching_network["contacts"]["all"]
    factories.InvitationFactory(event=event, contact=everything)

    result = services.invite_matching(
        event=event,
        by=planner,
        role=Invitation.Role.GUEST,
        now=NOW,
        category=Contact.Category.JOURNALIST,
        organization=matching_network["organization"].pk,
        tag="alumni",
        layer=Layer.NARRATIVE,
    )

    assert result.invited == []
    assert result.skipped == [("Matches all", "already invited")]
    assert Invitation.objects.filter(event=event).count() == 1


# Capacity and the waiting list


def test_an_acceptance_beyond_capacity_is_waitlisted(db):
    event = _event(capacity=2)
    first, second, third = _invitations(event, 3)

    _answer(first, ACCEPTED, NOW)
    _answer(second, ACCEPTED, NOW + MINUTE)
    answered = _answer(third, ACCEPTED, NOW + 2 * MINUTE)

    assert answered.status == WAITLISTED
    third.refresh_from_db()
    assert third.status == WAITLISTED
    assert third.waitlisted_at == NOW + 2 * MINUTE
    assert third.responded_at == NOW + 2 * MINUTE
    assert _statuses([first, second]) == [ACCEPTED, ACCEPTED]
    assert Invitation.objects.filter(waitlisted_at__isnull=False).count() == 1


def test_seated_declines_promote_the_earliest_waitlisted_then_the_lower_pk(db):
    event = _event(capacity=1)
    seated, low, middle, high = _invitations(event, 4)
    _answer(seated, ACCEPTED, NOW)
    # Waiting order: high (earliest), then low and middle at the same moment (pk decides).
    _answer(high, ACCEPTED, NOW + MINUTE)
    _answer(middle, ACCEPTED, NOW + 2 * MINUTE)
    _answer(low, ACCEPTED, NOW + 2 * MINUTE)
    assert _statuses([low, middle, high]) == [WAITLISTED, WAITLISTED, WAITLISTED]

    _answer(seated, DECLINED, NOW + HOUR)
    assert _statuses([seated, low, middle, high]) == [DECLINED, WAITLISTED, WAITLISTED, ACCEPTED]
    high.refresh_from_db()
    assert high.waitlisted_at is None

    _answer(high, DECLINED, NOW + 2 * HOUR)
    assert _statuses([low, middle, high]) == [ACCEPTED, WAITLISTED, DECLINED]

    _answer(low, DECLINED, NOW + 3 * HOUR)
    assert _statuses([low, middle, high]) == [DECLINED, ACCEPTED, DECLINED]
    assert Invitation.objects.filter(event=event, status=WAITLISTED).exists() is False


def test_a_seated_guest_answering_tentative_gives_the_seat_on(db):
    event = _event(capacity=1)
    seated, waiting = _invitations(event, 2)
    _answer(seated, ACCEPTED, NOW)
    _answer(waiting, ACCEPTED, NOW + MINUTE)

    _answer(seated, TENTATIVE, NOW + HOUR)

    assert _statuses([seated, waiting]) == [TENTATIVE, ACCEPTED]


def test_withdrawing_a_seated_guest_promotes_the_earliest_waitlisted(db):
    event = _event(capacity=1)
    seated, later, earlier = _invitations(event, 3)
    _answer(seated, ACCEPTED, NOW)
    _answer(earlier, ACCEPTED, NOW + MINUTE)
    _answer(later, ACCEPTED, NOW + 2 * MINUTE)

    services.withdraw_invitation(invitation=seated, now=NOW + HOUR)

    seated.refresh_from_db()
    assert seated.revoked_at == NOW + HOUR
    assert _statuses([earlier, later]) == [ACCEPTED, WAITLISTED]


def test_withdrawing_a_guest_without_a_seat_promotes_nobody(db):
    event = _event(capacity=1)
    seated, waiting, undecided = _invitations(event, 3)
    _answer(seated, ACCEPTED, NOW)
    _answer(waiting, ACCEPTED, NOW + MINUTE)
    _answer(undecided, TENTATIVE, NOW + MINUTE)

    services.withdraw_invitation(invitation=undecided, now=NOW + HOUR)

    assert _statuses([seated, waiting, undecided]) == [ACCEPTED, WAITLISTED, TENTATIVE]


def test_withdrawing_an_invitation_again_keeps_the_first_withdrawal(db):
    (invitation,) = _invitations(_event(), 1)
    services.withdraw_invitation(invitation=invitation, now=NOW)
    before = _state(invitation)

    again = services.withdraw_invitation(invitation=invitation, now=NOW + HOUR)

    assert again.revoked_at == NOW
    assert _state(invitation) == before


@pytest.mark.parametrize("before", [TENTATIVE, INVITED])
def test_a_guest_without_a_seat_declining_promotes_nobody(db, before):
    event = _event(capacity=1)
    seated, waiting, guest = _invitations(event, 3)
    _answer(seated, ACCEPTED, NOW)
    _answer(waiting, ACCEPTED, NOW + MINUTE)
    if before == TENTATIVE:
        _answer(guest, TENTATIVE, NOW + MINUTE)
    # A seat is free now, so only the rule (no seat was given up) keeps the queue waiting.
    Event.objects.filter(pk=event.pk).update(capacity=2)

    _answer(guest, DECLINED, NOW + HOUR)

    assert _statuses([seated, waiting, guest]) == [ACCEPTED, WAITLISTED, DECLINED]
    waiting.refresh_from_db()
    assert waiting.waitlisted_at == NOW + MINUTE


def test_an_accepted_guest_accepting_again_keeps_the_seat(db):
    event = _event(capacity=1)
    seated, waiting = _invitations(event, 2)
    _answer(seated, ACCEPTED, NOW)
    _answer(waiting, ACCEPTED, NOW + MINUTE)

    answered = _answer(seated, ACCEPTED, NOW + HOUR)

    assert answered.status == ACCEPTED
    assert _statuses([seated, waiting]) == [ACCEPTED, WAITLISTED]
    seated.refresh_from_db()
    assert seated.waitlisted_at is None


def test_a_waitlisted_guest_accepting_again_keeps_their_place_in_the_queue(db):
    event = _event(capacity=1)
    seated, first_waiting, second_waiting = _invitations(event, 3)
    _answer(seated, ACCEPTED, NOW)
    _answer(first_waiting, ACCEPTED, NOW + MINUTE)
    _answer(second_waiting, ACCEPTED, NOW + 2 * MINUTE)

    _answer(first_waiting, ACCEPTED, NOW + 3 * MINUTE)  # the RSVP button, pressed again
    _answer(seated, DECLINED, NOW + HOUR)

    assert _statuses([first_waiting, second_waiting]) == [ACCEPTED, WAITLISTED]


def test_without_capacity_nobody_is_waitlisted(db):
    event = _event(capacity=None)
    invitations = _invitations(event, 5)

    for number, invitation in enumerate(invitations):
        _answer(invitation, ACCEPTED, NOW + number * MINUTE)

    assert _statuses(invitations) == [ACCEPTED] * 5
    assert Invitation.objects.filter(waitlisted_at__isnull=False).exists() is False


@pytest.mark.parametrize(
    ("situation", "message"),
    [
        ("ended", "This event is over."),
        ("cancelled", "This event was cancelled."),
        ("withdrawn", "This invitation was withdrawn."),
    ],
)
def test_answers_are_refused_when_the_invitation_is_closed(db, situation, message):
    event = _event(capacity=1)
    seated, waiting, guest = _invitations(event, 3)
    _answer(seated, ACCEPTED, NOW)
    _answer(waiting, ACCEPTED, NOW + MINUTE)
    now = NOW + HOUR
    if situation == "ended":
        now = ENDS_AT
    elif situation == "cancelled":
        Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    else:
        services.withdraw_invitation(invitation=guest, now=NOW + MINUTE)
    before = {invitation.pk: _state(invitation) for invitation in (seated, waiting, guest)}

    for invitation, answer in ((guest, ACCEPTED), (seated, DECLINED)):
        if situation == "withdrawn" and invitation is seated:
            continue
        with pytest.raises(DomainError) as refused:
            _answer(invitation, answer, now)
        assert refused.value.message == message

    assert {invitation.pk: _state(invitation) for invitation in (seated, waiting, guest)} == before


@pytest.mark.parametrize("status", ["attended", "waitlisted", "no_show", "maybe", ""])
def test_only_the_three_answers_are_accepted(db, status):
    invitation = factories.InvitationFactory(event=_event())
    before = _state(invitation)

    with pytest.raises(DomainError) as refused:
        _answer(invitation, status)

    assert refused.value.field == "status"
    assert _state(invitation) == before


# The race for the last seat (two sessions, PostgreSQL row locks)

RACE_ROUNDS = 5


def _accept_in_own_session(invitation, barrier, errors):
    try:
        barrier.wait(timeout=10)
        services.respond(invitation=invitation, status=ACCEPTED, now=NOW)
    except Exception as error:  # reported to the main thread, which asserts none
        errors.append(error)
    finally:
        connection.close()


# Committed data (a transactional test) so that both sessions see it.
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_acceptances_of_the_last_seat_seat_exactly_one():
    owner = factories.UserFactory(username="race-owner")
    for _ in range(RACE_ROUNDS):
        event = _event(capacity=1)
        invitations = [
            factories.InvitationFactory(event=event, contact__owner=owner) for _ in range(2)
        ]
        barrier = threading.Barrier(2)
        errors = []
        threads = [
            threading.Thread(target=_accept_in_own_session, args=(invitation, barrier, errors))
            for invitation in invitations
        ]

        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert [thread.is_alive() for thread in threads] == [False, False]
        assert errors == []
        assert sorted(_statuses(invitations)) == [ACCEPTED, WAITLISTED]
        assert event.invitations.seated().count() == 1


# Check-in: attendance is a touch


@pytest.fixture
def attendance(planner, owner, outsider):
    """A guest with overdue channels to the planner, an attending officer and an unrelated
    officer, each with an open channel_due reminder from the sweep."""
    event = _event(planners=[planner])
    event.attending_officers.add(owner)
    guest = factories.ContactFactory(full_name="Guest Gila")
    created_at = NOW - 100 * DAY
    channels = {
        who: factories.ChannelFactory(
            contact=guest, officer=officer, cadence_days=30, created_at=created_at
        )
        for who, officer in (("planner", planner), ("attending", owner), ("other", outsider))
    }
    contact_services.sweep_reminders(now=NOW)
    assert Reminder.objects.filter(status=Reminder.Status.OPEN).count() == 3
    invitation = factories.InvitationFactory(event=event, contact=guest)
    _answer(invitation, ACCEPTED)
    return {"event": event, "guest": guest, "invitation": invitation, "channels": channels}


def _channel_due(channel):
    return Reminder.objects.get(channel=channel, kind=Reminder.Kind.CHANNEL_DUE)


def test_check_in_records_one_event_exchange_that_touches_the_attending_officers_channels(
    attendance, planner, owner
):
    checked_in_at = STARTS_AT + HOUR
    channels = attendance["channels"]

    invitation = services.check_in(
        invitation=attendance["invitation"], attended=True, by=planner, now=checked_in_at
    )

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ATTENDED
    assert invitation.checked_in_at == checked_in_at
    exchange = Exchange.objects.get()
    assert invitation.attendance_exchange == exchange
    assert exchange.kind == Exchange.Kind.EVENT
    assert exchange.occurred_at == checked_in_at
    assert list(exchange.contacts.all()) == [attendance["guest"]]
    assert set(exchange.officers.all()) == {planner, owner}
    for who in ("planner", "attending"):
        channel = Channel.objects.get(pk=channels[who].pk)
        assert channel.last_touch_at == checked_in_at
        reminder = _channel_due(channel)
        assert reminder.status == Reminder.Status.RESOLVED
        assert reminder.closed_at == checked_in_at
    unrelated = Channel.objects.get(pk=channels["other"].pk)
    assert unrelated.last_touch_at is None
    assert _channel_due(unrelated).status == Reminder.Status.OPEN


def test_checking_in_again_does_not_record_a_second_exchange(attendance, planner):
    first = services.check_in(
        invitation=attendance["invitation"], attended=True, by=planner, now=STARTS_AT
    )

    again = services.check_in(
        invitation=attendance["invitation"], attended=True, by=planner, now=STARTS_AT + HOUR
    )

    assert Exchange.objects.count() == 1
    assert again.attendance_exchange_id == first.attendance_exchange_id
    assert again.status == Invitation.Status.ATTENDED


def test_switching_to_no_show_deletes_the_attendance_and_recomputes_the_last_touch(
    attendance, planner, owner
):
    channels = attendance["channels"]
    earlier_call = NOW - 3 * DAY
    contact_services.log_exchange(
        occurred_at=earlier_call,
        kind=Exchange.Kind.CALL,
        contacts=[attendance["guest"]],
        officers=[planner],
        summary="Call before the round-table.",
        now=NOW,
    )
    checked_in = services.check_in(
        invitation=attendance["invitation"], attended=True, by=planner, now=STARTS_AT
    )
    attendance_id = checked_in.attendance_exchange_id

    invitation = services.check_in(
        invitation=attendance["invitation"], attended=False, by=planner, now=STARTS_AT + HOUR
    )

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.NO_SHOW
    assert invitation.checked_in_at is None
    assert invitation.attendance_exchange is None
    assert Exchange.objects.filter(pk=attendance_id).exists() is False
    assert Exchange.objects.filter(kind=Exchange.Kind.EVENT).exists() is False
    assert Channel.objects.get(pk=channels["planner"].pk).last_touch_at == earlier_call
    assert Channel.objects.get(pk=channels["attending"].pk).last_touch_at is None


@pytest.mark.parametrize(
    ("situation", "message"),
    [
        ("withdrawn", "This invitation was withdrawn."),
        ("too early", "Check-in opens on the day of the event."),
    ],
)
def test_check_in_is_refused_for_a_withdrawn_invitation_or_before_the_day(
    attendance, planner, situation, message
):
    now = STARTS_AT - 12 * HOUR - MINUTE
    if situation == "withdrawn":
        services.withdraw_invitation(invitation=attendance["invitation"], now=NOW)
        now = STARTS_AT
    before = _state(attendance["invitation"])

    with pytest.raises(DomainError) as refused:
        services.check_in(invitation=attendance["invitation"], attended=True, by=planner, now=now)

    assert refused.value.message == message
    assert _state(attendance["invitation"]) == before
    invitation = Invitation.objects.get(pk=attendance["invitation"].pk)
    assert invitation.checked_in_at is None
    assert invitation.attendance_exchange is None
    assert Exchange.objects.exists() is False
    assert Channel.objects.filter(last_touch_at__isnull=False).exists() is False


def test_check_in_opens_twelve_hours_before_the_start(attendance, planner):
    opens_at = STARTS_AT - 12 * HOUR

    invitation = services.check_in(
        invitation=attendance["invitation"], attended=True, by=planner, now=opens_at
    )

    assert invitation.status == Invitation.Status.ATTENDED
    assert invitation.checked_in_at == opens_at


# Creating and editing an event


def _unsaved_event(**fields) -> Event:
    return Event(
        title="Round-table",
        kind=Event.Kind.ACADEMIC,
        starts_at=STARTS_AT,
        ends_at=ENDS_AT,
        layer=Layer.CIVIL_EPISTEMIC,
        **fields,
    )


def test_create_event_makes_the_creator_its_planner_when_none_is_named(planner):
    event = services.create_event(event=_unsaved_event(), by=planner)

    assert list(Event.objects.get(pk=event.pk).planners.all()) == [planner]
    assert event.attending_officers.exists() is False


def test_create_event_keeps_the_planners_named(planner, owner):
    event = services.create_event(
        event=_unsaved_event(), planners=[owner], attending_officers=[planner], by=planner
    )

    assert list(event.planners.all()) == [owner]
    assert list(event.attending_officers.all()) == [planner]


@pytest.mark.parametrize(
    ("field", "value", "sequence"),
    [
        ("starts_at", STARTS_AT - HOUR, 1),
        ("timezone", "UTC", 1),
        ("status", Event.Status.CANCELLED, 1),
        ("description", "Doors open at six.", 0),
        ("capacity", 40, 0),
    ],
)
def test_update_event_bumps_the_sequence_once_for_a_calendar_change(db, field, value, sequence):
    event = _event(timezone="Asia/Jerusalem")
    setattr(event, field, value)

    services.update_event(event=event)

    event.refresh_from_db()
    stored = getattr(event, field)
    assert (str(stored) if field == "timezone" else stored) == value
    assert event.sequence == sequence


def test_update_event_never_undoes_a_bump_made_meanwhile(db, planner):
    event = _event(planners=[planner])
    read_earlier = Event.objects.get(pk=event.pk)
    services.bump_sequence(event)

    read_earlier.venue = "Tel Aviv Museum of Art"
    services.update_event(event=read_earlier)

    assert Event.objects.get(pk=event.pk).sequence == 2
    assert list(event.planners.all()) == [planner]
