"""Calendars: the per-event .ics file, the private calendar feed (a secret URL, no login)
and the page where a user creates or replaces that URL."""

import datetime as dt

import icalendar
import pytest
from django.urls import reverse

from contacts.models import OfficerProfile
from events.models import CalendarFeed, new_feed_token
from tests import factories
from tests.events.pages import PAST_STARTS_AT, STARTS_AT, make_event
from tests.pages import page_text

ICS_TYPE = "text/calendar; charset=utf-8"

# The per-event calendar file


def test_the_event_ics_needs_a_login(client, db):
    event = make_event()
    url = reverse("events:event_ics", args=[event.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


def test_the_event_ics_is_a_calendar_file(client, owner):
    event = make_event(title="Media briefing")
    client.force_login(owner)

    response = client.get(reverse("events:event_ics", args=[event.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == ICS_TYPE
    assert response["Content-Disposition"] == f'attachment; filename="event-{event.pk}.ics"'
    calendar = icalendar.Calendar.from_ical(response.content)
    assert [str(vevent["uid"]) for vevent in calendar.events] == [f"event-{event.pk}@track-ii"]


# The private calendar feed


@pytest.fixture
def feed(planner):
    """The planner's feed, and the events that it lists and that it does not."""
    planned = make_event(title="Planned", planners=[planner])
    attended = make_event(title="Attended", starts_at=STARTS_AT + dt.timedelta(days=1))
    attended.attending_officers.add(planner)
    make_event(title="Someone else's", planners=[factories.UserFactory()])
    make_event(title="Long over", starts_at=PAST_STARTS_AT, planners=[planner])
    subscription = factories.CalendarFeedFactory(user=planner)
    return {"subscription": subscription, "listed": [planned, attended]}


def _feed_url(token):
    return reverse("events:feed", args=[token])


def test_the_feed_lists_the_users_events_without_a_login(client, feed):
    response = client.get(_feed_url(feed["subscription"].token))

    assert response.status_code == 200
    assert response["Content-Type"] == ICS_TYPE
    calendar = icalendar.Calendar.from_ical(response.content)
    assert [str(vevent["uid"]) for vevent in calendar.events] == [
        f"event-{event.pk}@track-ii" for event in feed["listed"]
    ]


@pytest.mark.parametrize(
    ("language", "name"),
    [("", "Track II events"), ("ru", "События Track II"), ("he", "אירועי Track II")],
)
def test_the_feed_is_named_in_its_owners_language(client, feed, planner, language, name):
    """A calendar client asks in no language of its own: the owner's choice names it."""
    OfficerProfile.objects.update_or_create(user=planner, defaults={"language": language})

    response = client.get(_feed_url(feed["subscription"].token), HTTP_ACCEPT_LANGUAGE="de")

    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == name


def test_a_deleted_feed_answers_404(client, feed):
    url = _feed_url(feed["subscription"].token)
    feed["subscription"].delete()

    assert client.get(url).status_code == 404


@pytest.mark.parametrize("token", ["%00", "a%00b", "x" * 300, "..%2F..", "%F0%9F%8E%93"])
def test_a_feed_url_that_holds_no_token_answers_404(client, db, token):
    """A fuzzer's finding: "/calendar/%00.ics" was a 500 (PostgreSQL refuses a NUL) for
    anyone, signed in or not."""
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_replaced_feed_token_retires_the_old_url(client, feed):
    old_url = _feed_url(feed["subscription"].token)
    new_token = new_feed_token()
    CalendarFeed.objects.filter(pk=feed["subscription"].pk).update(token=new_token)

    assert client.get(old_url).status_code == 404
    assert client.get(_feed_url(new_token)).status_code == 200


def test_the_feed_of_an_inactive_user_answers_404(client, feed, planner):
    planner.is_active = False
    planner.save(update_fields=["is_active"])

    assert client.get(_feed_url(feed["subscription"].token)).status_code == 404


def test_the_feed_of_a_user_whose_roles_were_all_taken_away_answers_404(client, feed, planner):
    url = _feed_url(feed["subscription"].token)
    assert client.get(url).status_code == 200

    planner.groups.clear()

    assert client.get(url).status_code == 404


# The personal feed page


def test_the_feed_page_creates_a_url_and_revoking_it_replaces_it(client, planner):
    make_event(title="Poetry evening", planners=[planner])
    client.force_login(planner)
    page_url = reverse("events:feed_manage")

    assert "Create my feed URL" in page_text(client.get(page_url))
    assert CalendarFeed.objects.exists() is False

    created = client.post(page_url, {"action": "create"})
    old_token = CalendarFeed.objects.get(user=planner).token
    old_feed = reverse("events:feed", args=[old_token])

    assert created.status_code == 302
    assert f'value="http://testserver{old_feed}"' in page_text(client.get(page_url))
    assert client.get(old_feed).status_code == 200

    client.post(page_url, {"action": "create"})
    assert CalendarFeed.objects.get(user=planner).token == old_token

    client.post(page_url, {"action": "replace"})
    new_token = CalendarFeed.objects.get(user=planner).token
    new_feed = reverse("events:feed", args=[new_token])

    assert new_token != old_token
    assert client.get(old_feed).status_code == 404
    assert client.get(new_feed).status_code == 200
    assert f'value="http://testserver{new_feed}"' in page_text(client.get(page_url))
