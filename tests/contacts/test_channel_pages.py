"""Channels in the web app: opening one with a new contact, from the contact page or when
logging an exchange; the contact page's channel list; changing, pausing, resuming and
closing one's own channel; who may log an exchange; and tags on the contact form."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts import services
from contacts.models import Channel, Contact, Exchange, Reminder, Tag
from tests import factories
from tests.conftest import api
from tests.contacts.pages import DATETIME_LOCAL, days_ago, overdue_channel
from tests.pages import messages_of, page_text

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


def _contact_data(**overrides):
    data = {
        "full_name": "Lea Newcontact",
        "category": "journalist",
        "layer": "narrative",
        "sensitivity": "standard",
        "languages": "",
        "tags": "",
    }
    return {**data, **overrides}


def _exchange_data(contacts, **overrides):
    data = {
        "contacts": [contact.pk for contact in contacts],
        "occurred_at": timezone.now().astimezone(dt.UTC).strftime(DATETIME_LOCAL),
        "kind": "call",
        "summary": "Talked about the summer school.",
        "follow_up_on": "",
    }
    return {**data, **overrides}


def _open_reminder(channel):
    return factories.ReminderFactory(
        kind=Reminder.Kind.CHANNEL_DUE, channel=channel, recipient=channel.officer
    )


# Creating a contact


def test_creating_a_contact_opens_the_users_channel_at_the_cadence_given(client, owner):
    client.force_login(owner)

    form = client.get(reverse("contacts:create")).context["form"]
    response = client.post(
        reverse("contacts:create"), _contact_data(owner=owner.pk, keep_in_touch_days="45")
    )

    assert form["keep_in_touch_days"].value() == 30
    contact = Contact.objects.get()
    assert response.url == reverse("contacts:detail", args=[contact.pk])
    channel = Channel.objects.get()
    assert (channel.contact, channel.officer, channel.cadence_days) == (contact, owner, 45)
    assert channel.status == Channel.Status.ACTIVE


def test_a_blank_cadence_creates_the_contact_without_a_channel(client, owner):
    client.force_login(owner)

    client.post(reverse("contacts:create"), _contact_data(owner=owner.pk, keep_in_touch_days=""))

    assert Contact.objects.count() == 1
    assert Channel.objects.exists() is False


@pytest.mark.parametrize("days", ["0", "-3", "many", "99999"])
def test_a_bad_cadence_is_a_form_error_and_creates_nothing(client, owner, days):
    client.force_login(owner)

    response = client.post(
        reverse("contacts:create"), _contact_data(owner=owner.pk, keep_in_touch_days=days)
    )

    assert response.status_code == 200
    assert "keep_in_touch_days" in response.context["form"].errors
    assert Contact.objects.exists() is False
    assert Channel.objects.exists() is False


def test_no_channel_is_opened_with_a_contact_handed_out_of_sight(client, owner, outsider):
    client.force_login(owner)

    client.post(
        reverse("contacts:create"),
        _contact_data(owner=outsider.pk, sensitivity="protected", keep_in_touch_days="30"),
    )

    assert Contact.objects.get().owner == outsider
    assert Channel.objects.exists() is False


def test_the_cadence_is_asked_only_when_creating(client, owner, standard):
    client.force_login(owner)

    form = client.get(reverse("contacts:edit", args=[standard.pk])).context["form"]

    assert "keep_in_touch_days" not in form.fields


# Tags on the contact form


def test_tags_are_set_on_create_reusing_an_existing_tag_whatever_its_case(client, owner):
    press = factories.TagFactory(name="press")
    client.force_login(owner)

    client.post(
        reverse("contacts:create"),
        _contact_data(owner=owner.pk, tags="Press, round-table, , round-table"),
    )

    contact = Contact.objects.get()
    assert sorted(contact.tags.values_list("name", flat=True)) == ["press", "round-table"]
    assert contact.tags.get(name="press") == press
    assert Tag.objects.count() == 2


def test_editing_shows_and_replaces_the_tags(client, owner, standard):
    standard.tags.set([factories.TagFactory(name="water"), factories.TagFactory(name="old")])
    client.force_login(owner)
    url = reverse("contacts:edit", args=[standard.pk])

    form = client.get(url).context["form"]
    client.post(url, _contact_data(owner=owner.pk, tags="water, energy"))

    assert form["tags"].value() == "old, water"
    assert sorted(standard.tags.values_list("name", flat=True)) == ["energy", "water"]


def test_a_too_long_tag_is_a_form_error_and_changes_nothing(client, owner, standard):
    standard.tags.set([factories.TagFactory(name="water")])
    client.force_login(owner)

    response = client.post(
        reverse("contacts:edit", args=[standard.pk]),
        _contact_data(full_name="Renamed", owner=owner.pk, tags="x" * 51),
    )

    assert "tags" in response.context["form"].errors
    standard.refresh_from_db()
    assert standard.full_name == "Anna Standardova"
    assert list(standard.tags.values_list("name", flat=True)) == ["water"]


def test_the_tags_offered_never_name_a_tag_carried_only_by_hidden_contacts(
    client, owner, outsider, protected, standard
):
    protected.tags.set([factories.TagFactory(name="bookshop-circle")])
    standard.tags.set([factories.TagFactory(name="water")])
    client.force_login(outsider)

    body = page_text(client.get(reverse("contacts:create")))

    assert "water" in body
    assert "bookshop-circle" not in body


# The contact page's channels


def test_the_contact_page_lists_channels_and_offers_actions_to_their_holder_only(
    client, owner, teammate, standard
):
    owner.first_name, owner.last_name = "Olga", "Owner"
    owner.save()
    mine = overdue_channel(owner, standard)
    theirs = factories.ChannelFactory(
        officer=teammate, contact=standard, cadence_days=90, status=Channel.Status.PAUSED
    )
    client.force_login(owner)

    response = client.get(reverse("contacts:detail", args=[standard.pk]))

    body = page_text(response)
    assert "Olga Owner" in body
    assert "90 days" in body
    assert "Paused" in body
    assert reverse("contacts:channel_edit", args=[mine.pk]) in body
    assert reverse("contacts:channel_pause", args=[mine.pk]) in body
    assert reverse("contacts:channel_close", args=[mine.pk]) in body
    for name in ("channel_edit", "channel_pause", "channel_resume", "channel_close"):
        assert reverse(f"contacts:{name}", args=[theirs.pk]) not in body
    # The owner holds a channel already: no offer to open another.
    assert reverse("contacts:channel_new") not in body


def test_an_officer_without_a_channel_is_offered_to_keep_in_touch(client, teammate, standard):
    client.force_login(teammate)

    body = page_text(client.get(reverse("contacts:detail", args=[standard.pk])))

    assert f"{reverse('contacts:channel_new')}?contact={standard.pk}" in body


def test_a_planner_is_not_offered_to_open_a_channel_and_may_not(client, planner, standard):
    client.force_login(planner)

    body = page_text(client.get(reverse("contacts:detail", args=[standard.pk])))
    response = client.post(
        reverse("contacts:channel_new") + f"?contact={standard.pk}",
        {"kind": "informal", "priority": "normal", "cadence_days": "30"},
    )

    assert reverse("contacts:channel_new") not in body
    assert response.status_code == 403
    assert Channel.objects.exists() is False


# Opening a channel


def test_opening_a_channel_counts_from_the_latest_exchange_already_shared(
    client, teammate, standard
):
    met_at = days_ago(10)
    factories.ExchangeFactory(contacts=[standard], officers=[teammate], occurred_at=met_at)
    client.force_login(teammate)
    url = reverse("contacts:channel_new") + f"?contact={standard.pk}"

    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "formal", "priority": "key", "cadence_days": "14"})

    assert response.url == reverse("contacts:detail", args=[standard.pk])
    channel = Channel.objects.get()
    assert (channel.officer, channel.kind, channel.priority, channel.cadence_days) == (
        teammate,
        "formal",
        "key",
        14,
    )
    assert channel.last_touch_at == met_at


def test_opening_a_second_channel_leads_to_the_one_held(client, owner, standard):
    held = factories.ChannelFactory(officer=owner, contact=standard)
    client.force_login(owner)

    response = client.get(reverse("contacts:channel_new") + f"?contact={standard.pk}")

    assert response.url == reverse("contacts:channel_edit", args=[held.pk])
    assert Channel.objects.count() == 1


def test_a_hidden_or_missing_contact_is_a_404(client, outsider, protected):
    client.force_login(outsider)
    new = reverse("contacts:channel_new")

    assert client.get(new + f"?contact={protected.pk}").status_code == 404
    assert client.get(new + "?contact=nope").status_code == 404
    assert client.get(new).status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "informal", "priority": "normal", "cadence_days": "0"},
        {"kind": "weird", "priority": "normal", "cadence_days": "30"},
        {"kind": "informal", "priority": "normal", "cadence_days": "x"},
        {},
    ],
)
def test_bad_channel_input_is_a_form_error(client, owner, standard, data):
    client.force_login(owner)

    response = client.post(reverse("contacts:channel_new") + f"?contact={standard.pk}", data)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert Channel.objects.exists() is False


# Changing, pausing, resuming, closing


def test_the_holder_changes_the_cadence_and_a_reminder_no_longer_due_resolves(
    client, owner, standard
):
    channel = overdue_channel(owner, standard)
    reminder = _open_reminder(channel)
    client.force_login(owner)
    url = reverse("contacts:channel_edit", args=[channel.pk])

    assert client.get(url).status_code == 200
    client.post(url, {"kind": "informal", "priority": "key", "cadence_days": "90"})

    channel.refresh_from_db()
    assert (channel.priority, channel.cadence_days) == ("key", 90)
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.RESOLVED


def test_someone_elses_channel_is_refused_and_unchanged(client, owner, teammate, standard):
    channel = factories.ChannelFactory(officer=teammate, contact=standard)
    client.force_login(owner)
    data = {"kind": "formal", "priority": "key", "cadence_days": "7"}

    answers = [
        client.get(reverse("contacts:channel_edit", args=[channel.pk])).status_code,
        client.post(reverse("contacts:channel_edit", args=[channel.pk]), data).status_code,
        client.post(reverse("contacts:channel_pause", args=[channel.pk])).status_code,
        client.post(reverse("contacts:channel_close", args=[channel.pk])).status_code,
    ]

    assert answers == [403, 403, 403, 403]
    channel.refresh_from_db()
    assert (channel.kind, channel.cadence_days, channel.status) == ("informal", 30, "active")


def test_a_channel_with_a_hidden_contact_is_a_404(client, owner, outsider, protected):
    channel = factories.ChannelFactory(officer=outsider, contact=protected)
    client.force_login(outsider)

    assert client.get(reverse("contacts:channel_edit", args=[channel.pk])).status_code == 404


def test_pausing_resolves_the_reminder_and_resuming_counts_from_now(client, owner, standard):
    channel = overdue_channel(owner, standard)
    reminder = _open_reminder(channel)
    client.force_login(owner)

    client.post(reverse("contacts:channel_pause", args=[channel.pk]))
    channel.refresh_from_db()
    reminder.refresh_from_db()
    paused = (channel.status, reminder.status)
    before = timezone.now()
    client.post(reverse("contacts:channel_resume", args=[channel.pk]))

    assert paused == (Channel.Status.PAUSED, Reminder.Status.RESOLVED)
    resumed = Channel.objects.with_due(timezone.now()).get(pk=channel.pk)
    assert resumed.status == Channel.Status.ACTIVE
    assert resumed.count_restarted_at >= before
    assert resumed.overdue is False


def test_pause_and_resume_answer_only_post(client, owner, standard):
    channel = factories.ChannelFactory(officer=owner, contact=standard)
    client.force_login(owner)

    assert client.get(reverse("contacts:channel_pause", args=[channel.pk])).status_code == 405
    channel.refresh_from_db()
    assert channel.status == Channel.Status.ACTIVE


def test_closing_asks_first_then_closes(client, owner, standard):
    channel = factories.ChannelFactory(officer=owner, contact=standard)
    client.force_login(owner)
    url = reverse("contacts:channel_close", args=[channel.pk])

    asked = client.get(url)
    channel.refresh_from_db()
    still_active = channel.status
    response = client.post(url)

    assert asked.status_code == 200
    assert "Close the channel with Anna Standardova?" in page_text(asked)
    assert still_active == Channel.Status.ACTIVE
    assert response.url == reverse("contacts:detail", args=[standard.pk])
    channel.refresh_from_db()
    assert channel.status == Channel.Status.CLOSED
    assert messages_of(response) == ["The channel with Anna Standardova is closed."]


# Logging an exchange


def test_the_exchange_form_offers_to_keep_in_touch_when_no_channel_is_held(
    client, owner, teammate, standard
):
    factories.ChannelFactory(officer=owner, contact=standard)
    url = reverse("contacts:exchange_new")

    client.force_login(teammate)
    offered = client.get(url, {"contact": standard.pk}).context["form"]
    client.force_login(owner)
    held = client.get(url, {"contact": standard.pk}).context["form"]

    assert offered.fields["keep_in_touch"].label == "Keep in touch with Anna Standardova"
    assert "keep_in_touch" not in held.fields


def test_keeping_in_touch_while_logging_opens_a_channel_counted_from_the_exchange(
    client, teammate, standard
):
    client.force_login(teammate)

    client.post(
        reverse("contacts:exchange_new"),
        _exchange_data([standard], keep_in_touch="on", keep_in_touch_days="21"),
    )

    exchange = Exchange.objects.get()
    channel = Channel.objects.get()
    assert (channel.officer, channel.contact, channel.cadence_days) == (teammate, standard, 21)
    assert channel.last_touch_at == exchange.occurred_at


def test_logging_without_the_box_ticked_opens_no_channel(client, teammate, standard):
    client.force_login(teammate)

    client.post(reverse("contacts:exchange_new"), _exchange_data([standard]))

    assert Exchange.objects.count() == 1
    assert Channel.objects.exists() is False


def test_a_planner_logs_an_exchange_with_a_contact_they_hold_a_channel_with(
    client, planner, standard
):
    overdue_channel(planner, standard)
    client.force_login(planner)

    page = client.get(reverse("contacts:exchange_new"), {"contact": standard.pk})
    response = client.post(reverse("contacts:exchange_new"), _exchange_data([standard]))

    assert page.status_code == 200
    assert "keep_in_touch" not in page.context["form"].fields
    assert response.status_code == 302
    assert list(Exchange.objects.get().officers.all()) == [planner]
    channel = Channel.objects.with_due(timezone.now()).get()
    assert channel.overdue is False


def test_a_planner_may_not_log_with_a_contact_they_hold_no_channel_with(
    client, planner, standard, owner
):
    other = factories.ContactFactory(owner=owner)
    factories.ChannelFactory(officer=planner, contact=standard)
    client.force_login(planner)

    response = client.post(reverse("contacts:exchange_new"), _exchange_data([standard, other]))

    assert response.status_code == 200
    assert "contacts" in response.context["form"].errors
    assert Exchange.objects.exists() is False


def test_a_planner_holding_no_channel_may_not_log_at_all(client, planner, standard):
    client.force_login(planner)

    assert client.get(reverse("contacts:exchange_new")).status_code == 403
    page = page_text(client.get(reverse("contacts:detail", args=[standard.pk])))
    assert reverse("contacts:exchange_new") not in page


def test_the_api_applies_the_same_rule_to_channel_holders(planner, owner, standard):
    other = factories.ContactFactory(owner=owner)
    factories.ChannelFactory(officer=planner, contact=standard)
    client = api(planner)
    body = {"kind": "call", "summary": "Checked the dates."}

    held = client.post("/api/v1/exchanges/", {**body, "contacts": [standard.pk]}, format="json")
    not_held = client.post(
        "/api/v1/exchanges/", {**body, "contacts": [standard.pk, other.pk]}, format="json"
    )
    analyst_like = api(factories.UserFactory(roles=["analyst"])).post(
        "/api/v1/exchanges/", {**body, "contacts": [standard.pk]}, format="json"
    )

    assert held.status_code == 201, held.json()
    assert not_held.status_code == 403
    assert analyst_like.status_code == 403
    assert Exchange.objects.count() == 1


# The one write path


def test_the_api_opens_channels_through_the_service(owner, standard):
    met_at = days_ago(3)
    factories.ExchangeFactory(contacts=[standard], officers=[owner], occurred_at=met_at)

    response = api(owner).post(
        "/api/v1/channels/", {"contact": standard.pk, "cadence_days": 30}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert Channel.objects.get().last_touch_at == met_at


def test_the_api_pauses_through_the_service(owner, standard):
    channel = overdue_channel(owner, standard)
    reminder = _open_reminder(channel)

    response = api(owner).patch(
        f"/api/v1/channels/{channel.pk}/", {"status": "paused"}, format="json"
    )

    assert response.status_code == 200
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.RESOLVED


def test_open_channel_refuses_a_second_channel_for_the_pair(owner, standard):
    services.open_channel(contact=standard, officer=owner, now=timezone.now())

    with pytest.raises(services.DomainError):
        services.open_channel(contact=standard, officer=owner, now=timezone.now())

    assert Channel.objects.count() == 1
