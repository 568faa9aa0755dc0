"""Logging an exchange from the web pages, and editing or deleting it: only its author and
officers may, and the keep-in-touch counts follow.

The views read the clock, so channels are made overdue by creating them 60 days ago (a
30-day cadence), and reminders are snoozed relative to ``timezone.now()``.
"""

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from contacts import services
from contacts.models import Channel, Exchange, OfficerProfile, Reminder
from tests import factories
from tests.contacts.pages import DATETIME_LOCAL, overdue_channel
from tests.pages import messages_of, page_text

# Logging an exchange


def _exchange_data(contacts, **overrides):
    data = {
        "contacts": [contact.pk for contact in contacts],
        # A user without a profile types times in dt.UTC (settings.TIME_ZONE).
        "occurred_at": timezone.now().astimezone(dt.UTC).strftime(DATETIME_LOCAL),
        "kind": "call",
        "summary": "Talked about the summer school.",
        "notes": "",
        "follow_up_on": "",
    }
    return {**data, **overrides}


def test_the_exchange_form_offers_only_visible_contacts_and_prefills_one(
    client, outsider, standard, protected
):
    client.force_login(outsider)

    response = client.get(reverse("contacts:exchange_new"), {"contact": standard.pk})

    form = response.context["form"]
    assert list(form.fields["contacts"].queryset) == [standard]
    assert form["contacts"].value() == [str(standard.pk)]
    body = page_text(response)
    assert f'<option value="{standard.pk}" selected>Anna Standardova</option>' in body
    assert "Pavel Protectedov" not in body


def test_the_exchange_time_defaults_to_now_in_the_users_zone(client, owner):
    OfficerProfile.objects.create(user=owner, timezone="Asia/Jerusalem")
    with time_machine.travel(dt.datetime(2025, 3, 3, 9, 0, 42, tzinfo=dt.UTC), tick=False):
        client.force_login(owner)

        response = client.get(reverse("contacts:exchange_new"))

    assert 'name="occurred_at" value="2025-03-03T11:00"' in page_text(response)


def test_logging_an_exchange_resolves_the_reminder_and_returns_to_the_contact(
    client, owner, standard
):
    reminder = factories.ReminderFactory(channel=overdue_channel(owner, standard))
    client.force_login(owner)

    response = client.post(reverse("contacts:exchange_new"), _exchange_data([standard]))

    assert response.status_code == 302
    assert response.url == reverse("contacts:detail", args=[standard.pk])
    exchange = Exchange.objects.get()
    assert list(exchange.contacts.all()) == [standard]
    assert list(exchange.officers.all()) == [owner]
    assert (exchange.kind, exchange.summary, exchange.created_by) == (
        "call",
        "Talked about the summer school.",
        owner,
    )
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.RESOLVED
    assert messages_of(response) == ["Exchange with Anna Standardova logged."]
    assert Channel.objects.with_due(timezone.now()).get().overdue is False


def test_an_exchange_names_the_other_officers_present_and_its_topics(
    client, owner, teammate, standard
):
    mine = factories.ChannelFactory(officer=owner, contact=standard)
    theirs = factories.ChannelFactory(officer=teammate, contact=standard)
    client.force_login(owner)

    response = client.post(
        reverse("contacts:exchange_new"),
        {
            **_exchange_data([standard]),
            "other_officers": [teammate.pk],
            "topics": " water, student exchange ,, water ",
        },
    )

    assert response.status_code == 302
    exchange = Exchange.objects.get()
    assert set(exchange.officers.all()) == {owner, teammate}
    assert exchange.topics == ["water", "student exchange"]
    for channel in (mine, theirs):
        channel.refresh_from_db()
        assert channel.last_touch_at == exchange.occurred_at


def test_too_long_a_topic_is_a_form_error_and_logs_nothing(client, owner, standard):
    client.force_login(owner)

    response = client.post(
        reverse("contacts:exchange_new"), {**_exchange_data([standard]), "topics": "x" * 101}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"topics": ["A topic has at most 100 characters."]}
    assert Exchange.objects.exists() is False


def test_logging_an_exchange_returns_to_a_local_next_only(client, owner, standard):
    client.force_login(owner)

    local = client.post(reverse("contacts:exchange_new") + "?next=/", _exchange_data([standard]))
    foreign = client.post(
        reverse("contacts:exchange_new") + "?next=https://evil.example/",
        _exchange_data([standard]),
    )

    assert local.url == "/"
    assert foreign.url == reverse("contacts:detail", args=[standard.pk])


def test_invalid_exchange_input_shows_the_messages_and_logs_nothing(client, owner, standard):
    reminder = factories.ReminderFactory(channel=overdue_channel(owner, standard))
    client.force_login(owner)

    response = client.post(
        reverse("contacts:exchange_new"), _exchange_data([standard], summary="", kind="fax")
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "kind": ["Select a valid choice. fax is not one of the available choices."],
        "summary": ["This field is required."],
    }
    assert "This field is required." in page_text(response)
    assert Exchange.objects.exists() is False
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.OPEN


def test_an_exchange_in_the_future_is_refused_on_the_form(client, owner, standard):
    client.force_login(owner)
    tomorrow = (timezone.now() + dt.timedelta(days=1)).astimezone(dt.UTC)

    response = client.post(
        reverse("contacts:exchange_new"),
        _exchange_data([standard], occurred_at=tomorrow.strftime(DATETIME_LOCAL)),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "occurred_at": ["An exchange cannot be logged in the future."]
    }
    assert Exchange.objects.exists() is False


def test_an_exchange_naming_a_hidden_contact_is_refused(client, outsider, standard, protected):
    client.force_login(outsider)

    response = client.post(reverse("contacts:exchange_new"), _exchange_data([standard, protected]))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "contacts": [f"Select a valid choice. {protected.pk} is not one of the available choices."]
    }
    assert "Pavel Protectedov" not in page_text(response)
    assert Exchange.objects.exists() is False


# Editing and deleting an exchange: its author and officers


def _logged(owner, contacts, days_ago):
    exchange = factories.ExchangeFactory(
        occurred_at=timezone.now() - dt.timedelta(days=days_ago),
        contacts=contacts,
        officers=[owner],
        created_by=owner,
        summary="First version.",
    )
    services.record_touches(
        contact_ids=[contact.pk for contact in contacts], officer_ids=[owner.pk], now=timezone.now()
    )
    return exchange


def test_an_officer_edits_their_exchange_and_the_touches_follow(client, owner, teammate, standard):
    channel = factories.ChannelFactory(officer=owner, contact=standard)
    theirs = factories.ChannelFactory(officer=teammate, contact=standard)
    exchange = _logged(owner, [standard], days_ago=1)
    client.force_login(owner)
    url = reverse("contacts:exchange_edit", args=[exchange.pk])

    page = client.get(url)
    response = client.post(
        url,
        {
            **_exchange_data(
                [standard],
                occurred_at=(timezone.now() - dt.timedelta(days=3))
                .astimezone(dt.UTC)
                .strftime(DATETIME_LOCAL),
                summary="Second version.",
                topics="water",
            ),
            "officers": [teammate.pk],
        },
    )

    assert page.status_code == 200
    assert page.context["form"].initial["summary"] == "First version."
    assert response.status_code == 302
    assert response.url == reverse("contacts:detail", args=[standard.pk])
    exchange.refresh_from_db()
    assert (exchange.summary, exchange.topics) == ("Second version.", ["water"])
    assert list(exchange.officers.all()) == [teammate]
    channel.refresh_from_db()
    theirs.refresh_from_db()
    assert channel.last_touch_at is None  # the owner is no longer named
    assert theirs.last_touch_at == exchange.occurred_at


def test_a_bad_edit_is_a_form_error_and_changes_nothing(client, owner, standard):
    exchange = _logged(owner, [standard], days_ago=1)
    client.force_login(owner)
    tomorrow = (timezone.now() + dt.timedelta(days=1)).astimezone(dt.UTC).strftime(DATETIME_LOCAL)

    response = client.post(
        reverse("contacts:exchange_edit", args=[exchange.pk]),
        {**_exchange_data([standard], occurred_at=tomorrow), "officers": [owner.pk]},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "occurred_at": ["An exchange cannot be logged in the future."]
    }
    exchange.refresh_from_db()
    assert exchange.summary == "First version."


def test_deleting_an_exchange_asks_first_then_recounts_the_touch(client, owner, standard):
    channel = factories.ChannelFactory(officer=owner, contact=standard)
    earlier = _logged(owner, [standard], days_ago=10)
    latest = _logged(owner, [standard], days_ago=1)
    client.force_login(owner)
    url = reverse("contacts:exchange_delete", args=[latest.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert Exchange.objects.filter(pk=latest.pk).exists()

    response = client.post(url)

    assert response.status_code == 302
    assert not Exchange.objects.filter(pk=latest.pk).exists()
    channel.refresh_from_db()
    assert channel.last_touch_at == earlier.occurred_at


def test_only_the_author_and_officers_change_an_exchange(client, owner, teammate, standard):
    exchange = _logged(owner, [standard], days_ago=1)
    client.force_login(teammate)

    page = client.get(reverse("contacts:detail", args=[standard.pk]))
    edit = client.post(
        reverse("contacts:exchange_edit", args=[exchange.pk]),
        {**_exchange_data([standard]), "officers": [teammate.pk]},
    )
    delete = client.post(reverse("contacts:exchange_delete", args=[exchange.pk]))

    assert reverse("contacts:exchange_edit", args=[exchange.pk]) not in page_text(page)
    assert (edit.status_code, delete.status_code) == (403, 403)
    exchange.refresh_from_db()
    assert exchange.summary == "First version."


def test_an_exchange_naming_a_hidden_contact_is_not_found_to_edit(
    client, owner, outsider, standard, protected
):
    exchange = _logged(owner, [standard, protected], days_ago=1)
    exchange.officers.add(outsider)
    client.force_login(outsider)

    edit = client.get(reverse("contacts:exchange_edit", args=[exchange.pk]))
    delete = client.post(reverse("contacts:exchange_delete", args=[exchange.pk]))

    assert (edit.status_code, delete.status_code) == (404, 404)
    assert Exchange.objects.filter(pk=exchange.pk).exists()


def test_a_planner_named_on_an_exchange_still_may_not_change_it(client, owner, planner, standard):
    # The same roles as the API's exchanges/: officers, leads and admins write.
    exchange = _logged(owner, [standard], days_ago=1)
    exchange.officers.add(planner)
    client.force_login(planner)

    edit = client.get(reverse("contacts:exchange_edit", args=[exchange.pk]))
    delete = client.post(reverse("contacts:exchange_delete", args=[exchange.pk]))

    assert (edit.status_code, delete.status_code) == (403, 403)
    assert Exchange.objects.filter(pk=exchange.pk).exists()


def test_logging_the_follow_up_resolves_its_reminder_and_no_other(
    client, owner, teammate, standard
):
    """A user's finding: after "Log exchange" on a follow-up, the follow-up stayed open."""
    other = factories.ContactFactory(owner=owner)
    asked = factories.ExchangeFactory(
        contacts=[standard],
        officers=[owner, teammate],
        occurred_at=timezone.now() - dt.timedelta(days=3),
        follow_up_on=(timezone.now() - dt.timedelta(days=1)).date(),
    )
    mine, theirs = (
        factories.ReminderFactory(
            kind=Reminder.Kind.FOLLOW_UP, channel=None, exchange=asked, recipient=officer
        )
        for officer in (owner, teammate)
    )
    client.force_login(owner)

    client.post(reverse("contacts:exchange_new"), _exchange_data([other]))
    mine.refresh_from_db()
    assert mine.status == Reminder.Status.OPEN  # another contact: not the follow-up

    response = client.post(reverse("contacts:exchange_new"), _exchange_data([standard]))

    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (Reminder.Status.RESOLVED, Reminder.Status.OPEN)
    assert mine.closed_at is not None
