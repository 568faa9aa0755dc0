"""Today tells one story: one list of what to act on (an overdue channel and its reminder
are one item), follow-ups and events that link where the work is, the cadence in force
under a raised climate, a dismissal confirmed before it restarts a count, and a way
around for those who keep no channel.

The view reads the clock, so channels are touched relative to ``timezone.now()`` (a 30-day
cadence touched 5 days ago is kept, 40 days ago is overdue by 10 days) and events sit at
fixed dates far in the future.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Channel, OfficerProfile, Reminder, Sensitivity
from events.models import Event, EventReminder
from tests import factories
from tests.pages import page_text

UTC = dt.UTC
STARTS_AT = dt.datetime(2099, 6, 1, 16, 0, tzinfo=UTC)


def _days_ago(days):
    return timezone.now() - dt.timedelta(days=days)


def _channel(officer, contact, touched_days_ago, **fields):
    return factories.ChannelFactory(
        officer=officer, contact=contact, last_touch_at=_days_ago(touched_days_ago), **fields
    )


def _item_ids(body) -> list[str]:
    """The ids of the list's items, in the order shown."""
    listed = re.search(r'<ul class="today-list" id="today-items">(.*?)\n  </ul>', body, re.S)
    return re.findall(r'<li id="([a-z]+-\d+)"', listed.group(1)) if listed else []


def _item(body, item_id) -> str:
    return re.search(rf'<li id="{item_id}".*?</li>', body, re.S).group(0)


def _log_url(*contact_ids) -> str:
    contacts = "".join(f"contact={pk}&amp;" for pk in contact_ids)
    return f"{reverse('contacts:exchange_new')}?{contacts}next=/"


# One list


def test_today_asks_anonymous_users_to_sign_in(client):
    response = client.get(reverse("today"))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_an_overdue_channel_and_its_reminder_are_one_item_most_overdue_first(
    client, owner, teammate, outsider
):
    ten_days = _channel(
        owner, factories.ContactFactory(full_name="Tamar Tendays"), touched_days_ago=40
    )
    twenty_days = _channel(
        owner, factories.ContactFactory(full_name="Boris Twentydays"), touched_days_ago=50
    )
    reminder = factories.ReminderFactory(channel=twenty_days, due_at=_days_ago(20))
    _channel(owner, factories.ContactFactory(full_name="Kept Keptova"), touched_days_ago=5)
    _channel(
        owner,
        factories.ContactFactory(full_name="Paused Pausova"),
        touched_days_ago=60,
        status=Channel.Status.PAUSED,
    )
    _channel(teammate, factories.ContactFactory(full_name="Colleague Contact"), touched_days_ago=60)
    hidden = factories.ContactFactory(
        full_name="Hidden Protectedova", owner=outsider, sensitivity=Sensitivity.PROTECTED
    )
    _channel(owner, hidden, touched_days_ago=60)
    client.force_login(owner)

    response = client.get(reverse("today"))

    assert response.status_code == 200
    body = page_text(response)
    assert _item_ids(body) == [f"reminder-{reminder.pk}", f"channel-{ten_days.pk}"]
    assert body.count(">Boris Twentydays</a>") == 1
    merged = _item(body, f"reminder-{reminder.pk}")
    # timesince() joins number and unit with a no-break space.
    assert "overdue 2\xa0weeks, 6\xa0days" in merged
    assert f'href="{reverse("contacts:detail", args=[twenty_days.contact_id])}"' in merged
    assert f'href="{_log_url(twenty_days.contact_id)}"' in merged
    assert reverse("contacts:reminder_snooze", args=[reminder.pk]) in merged
    assert reverse("contacts:reminder_dismiss", args=[reminder.pk]) in merged
    alone = _item(body, f"channel-{ten_days.pk}")  # the sweep has not made its reminder yet
    assert "overdue 1\xa0week, 3\xa0days" in alone
    assert f'href="{_log_url(ten_days.contact_id)}"' in alone
    assert "Snooze" not in alone
    for absent in ("Kept Keptova", "Paused Pausova", "Colleague Contact", "Hidden Protectedova"):
        assert absent not in body
    assert "Nothing to act on" not in body


def test_a_snoozed_reminder_takes_its_channel_off_the_list_until_it_ends(client, owner):
    channel = _channel(owner, factories.ContactFactory(full_name="Sami Snoozed"), 40)
    factories.ReminderFactory(
        channel=channel,
        status=Reminder.Status.SNOOZED,
        snoozed_until=timezone.now() + dt.timedelta(days=1),
    )
    client.force_login(owner)

    body = page_text(client.get(reverse("today")))

    assert "Sami Snoozed" not in body
    assert _item_ids(body) == []
    assert "1 snoozed item comes back when its snooze ends." in body


def test_an_officer_whose_channels_are_kept_is_told_so(client, owner):
    _channel(owner, factories.ContactFactory(), touched_days_ago=5)
    client.force_login(owner)

    body = page_text(client.get(reverse("today")))

    assert "Nothing to act on — well kept." in body
    assert 'id="orientation"' not in body
    assert "No upcoming events of yours." in body


def test_the_list_reads_a_bounded_number_of_queries(client, owner, django_assert_max_num_queries):
    for _ in range(12):
        channel = _channel(owner, factories.ContactFactory(), touched_days_ago=45)
        factories.ReminderFactory(channel=channel)
        exchange = factories.ExchangeFactory(contacts=[factories.ContactFactory()])
        factories.ReminderFactory(
            kind=Reminder.Kind.FOLLOW_UP, channel=None, exchange=exchange, recipient=owner
        )
    client.force_login(owner)

    with django_assert_max_num_queries(25):
        response = client.get(reverse("today"))

    assert len(_item_ids(page_text(response))) == 24


# Follow-ups and events link where the work is


def test_a_follow_up_links_to_its_contacts_and_offers_to_log_an_exchange(client, owner):
    ada = factories.ContactFactory(full_name="Ada Academic")
    boris = factories.ContactFactory(full_name="Boris Bloggs")
    exchange = factories.ExchangeFactory(
        contacts=[ada, boris], officers=[owner], summary="Promised the water report."
    )
    follow_up = factories.ReminderFactory(
        kind=Reminder.Kind.FOLLOW_UP, channel=None, exchange=exchange, recipient=owner
    )
    client.force_login(owner)

    body = page_text(client.get(reverse("today")))

    item = _item(body, f"reminder-{follow_up.pk}")
    assert "Follow-up" in item
    assert "Promised the water report." in item
    for contact in (ada, boris):
        detail = reverse("contacts:detail", args=[contact.pk])
        assert f'<a href="{detail}">{contact.full_name}</a>' in item
    assert f'href="{_log_url(ada.pk, boris.pk)}">Log exchange' in item
    assert body.count(f'id="reminder-{follow_up.pk}"') == 1


def test_an_event_reminder_and_an_upcoming_event_link_to_the_event(client, planner):
    event = factories.EventFactory(title="Media Breakfast", planners=[planner])
    chase = factories.ReminderFactory(
        kind=Reminder.Kind.RSVP_CHASE, channel=None, recipient=planner
    )
    EventReminder.objects.create(reminder=chase, event=event, kind=chase.kind, recipient=planner)
    client.force_login(planner)

    body = page_text(client.get(reverse("today")))

    detail = reverse("events:detail", args=[event.pk])
    assert f'<a href="{detail}">Media Breakfast</a>' in _item(body, f"reminder-{chase.pk}")
    assert "Log exchange" not in body
    upcoming = re.search(rf'<li class="card" id="event-{event.pk}">.*?</li>', body, re.S).group(0)
    assert f'<a class="event-title" href="{detail}">Media Breakfast</a>' in upcoming


def test_today_lists_my_upcoming_events_in_the_event_zone_and_mine(client, owner, planner):
    OfficerProfile.objects.create(user=owner, timezone="Europe/Berlin")
    planned = factories.EventFactory(
        title="Poetry Evening",
        starts_at=STARTS_AT + dt.timedelta(days=1),
        ends_at=STARTS_AT + dt.timedelta(days=1, hours=2),
        timezone="Asia/Jerusalem",
        planners=[owner],
    )
    attended = factories.EventFactory(
        title="Media Briefing",
        starts_at=STARTS_AT,
        ends_at=STARTS_AT + dt.timedelta(hours=2),
        timezone="Asia/Jerusalem",
    )
    attended.attending_officers.add(owner)
    past = factories.EventFactory(
        title="Past Forum",
        starts_at=dt.datetime(2020, 6, 1, 16, 0, tzinfo=UTC),
        ends_at=dt.datetime(2020, 6, 1, 18, 0, tzinfo=UTC),
        planners=[owner],
    )
    cancelled = factories.EventFactory(
        title="Cancelled Concert", status=Event.Status.CANCELLED, planners=[owner]
    )
    others = factories.EventFactory(title="Someone Else's Dinner", planners=[planner])
    client.force_login(owner)

    response = client.get(reverse("today"))

    assert [event.pk for event in response.context["events"]] == [attended.pk, planned.pk]
    body = page_text(response)
    # 16:00 UTC on 1 June 2099 is 19:00 in Jerusalem and 18:00 in Berlin (summer time).
    assert "Mon 1 Jun 2099, 19:00–21:00</time> UTC+03:00, Jerusalem" in body
    assert "your time Mon 1 Jun 2099, 18:00 Europe/Berlin" in body
    for absent in (past, cancelled, others):
        assert absent.title not in body


# The climate


def test_under_crisis_each_informal_item_shows_the_cadence_in_force(client, owner):
    factories.ClimateFactory(level="crisis", started_at=_days_ago(60))
    informal = _channel(
        owner, factories.ContactFactory(full_name="Ira Informal"), 30, cadence_days=90
    )
    formal = _channel(
        owner,
        factories.ContactFactory(full_name="Fyodor Formal"),
        40,
        kind=Channel.Kind.FORMAL,
        cadence_days=30,
    )
    client.force_login(owner)

    body = page_text(client.get(reverse("today")))

    # Due 40 - 30 = 10 days ago, and 30 - 22.5 = 7.5 days ago.
    assert _item_ids(body) == [f"channel-{formal.pk}", f"channel-{informal.pk}"]
    informal_item = _item(body, f"channel-{informal.pk}")
    assert '<span class="cadence">every 90 days — 22.5 under crisis</span>' in informal_item
    assert '<span class="cadence">every 30 days</span>' in _item(body, f"channel-{formal.pk}")


def test_in_a_normal_climate_the_cadence_is_shown_once(client, owner):
    channel = _channel(owner, factories.ContactFactory(), 40, cadence_days=30)
    client.force_login(owner)

    body = page_text(client.get(reverse("today")))

    assert '<span class="cadence">every 30 days</span>' in _item(body, f"channel-{channel.pk}")


# Dismissing


def test_dismiss_is_a_second_step_that_says_the_count_restarts(client, owner):
    factories.ClimateFactory(level="high", started_at=_days_ago(60))
    channel = _channel(owner, factories.ContactFactory(), 40, cadence_days=30)
    reminder = factories.ReminderFactory(channel=channel)
    client.force_login(owner)

    body = page_text(client.get(reverse("today")))

    dismiss = reverse("contacts:reminder_dismiss", args=[reminder.pk])
    confirmation = re.search(r'<details class="confirm-dismiss">(.*?)</details>', body, re.S)
    assert '<summary class="button secondary">Dismiss…<span class="visually-hidden">: ' in (
        confirmation.group(1)
    )
    assert (
        "Dismiss without an exchange? The channel's count restarts from now: "
        "next due in 15 days." in confirmation.group(1)
    )
    assert f'action="{dismiss}"' in confirmation.group(1)
    assert '<button type="submit" class="danger">Yes, dismiss<span class="visually-hidden">' in (
        confirmation.group(1)
    )
    # The only way to the dismissal is through the confirmation.
    assert body.count(f'action="{dismiss}"') == 1
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.OPEN


# Without channels


def test_an_analyst_without_channels_is_shown_where_to_look(client, analyst):
    client.force_login(analyst)

    body = page_text(client.get(reverse("today")))

    orientation = re.search(r'<div class="orientation" id="orientation">.*?</div>', body, re.S)
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', orientation.group(0))
    assert links == [
        (reverse("network_health"), "Network health"),
        (reverse("dashboard"), "Indicators"),
        (reverse("signal_list"), "Signals"),
        (reverse("contacts:list"), "Contacts"),
        (reverse("events:list"), "Events"),
    ]
    assert "Nothing to act on" not in body
    assert "well kept" not in body


def test_a_planner_without_channels_is_not_offered_the_analysts_pages(client, planner):
    client.force_login(planner)

    body = page_text(client.get(reverse("today")))

    assert 'id="orientation"' in body
    assert reverse("network_health") not in body.split('id="orientation"')[1]
    assert reverse("dashboard") not in body.split('id="orientation"')[1]


@pytest.mark.parametrize("status", [Channel.Status.ACTIVE, Channel.Status.PAUSED])
def test_an_officer_with_channels_is_not_shown_the_way_around(client, owner, status):
    _channel(owner, factories.ContactFactory(), 5, status=status)
    client.force_login(owner)

    body = page_text(client.get(reverse("today")))

    assert 'id="orientation"' not in body
