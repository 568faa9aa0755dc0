"""The Today page and the network health page.

The views read the clock, so channels are touched relative to ``timezone.now()`` (a 30-day
cadence touched 5 days ago is kept, 40 days ago is overdue by 10 days) and events sit at
fixed dates far in the future.
"""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Channel, Contact, Layer, OfficerProfile, Reminder, Sensitivity
from events.models import Event
from tests import factories

UTC = dt.UTC
STARTS_AT = dt.datetime(2099, 6, 1, 16, 0, tzinfo=UTC)


def _days_ago(days):
    return timezone.now() - dt.timedelta(days=days)


def _channel(officer, contact, *, touched_days_ago, **fields):
    return factories.ChannelFactory(
        officer=officer, contact=contact, last_touch_at=_days_ago(touched_days_ago), **fields
    )


class _TableReader(HTMLParser):
    """The text of each row's cells of one table, found by its id."""

    def __init__(self, table_id):
        super().__init__()
        self.table_id, self.inside, self.rows, self.cell = table_id, False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th"):
            self.rows[-1].append(" ".join(self.cell.split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def _table(response, table_id):
    reader = _TableReader(table_id)
    reader.feed(response.content.decode())
    return reader.rows


def _svgs(body):
    return re.findall(r"<svg\b.*?</svg>", body, flags=re.DOTALL)


# Today


def test_today_asks_anonymous_users_to_sign_in(client):
    response = client.get(reverse("today"))

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_today_lists_exactly_my_overdue_channels_most_overdue_first(
    client, owner, teammate, outsider
):
    ten_days = _channel(
        owner, factories.ContactFactory(full_name="Tamar Tendays"), touched_days_ago=40
    )
    twenty_days = _channel(
        owner, factories.ContactFactory(full_name="Boris Twentydays"), touched_days_ago=50
    )
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
    assert [channel.pk for channel in response.context["overdue_channels"]] == [
        twenty_days.pk,
        ten_days.pk,
    ]
    body = response.content.decode()
    assert body.index("Boris Twentydays") < body.index("Tamar Tendays")
    # timesince() joins number and unit with a no-break space.
    assert "overdue 2\xa0weeks, 6\xa0days" in body
    assert "overdue 1\xa0week, 3\xa0days" in body
    for absent in ("Kept Keptova", "Paused Pausova", "Colleague Contact", "Hidden Protectedova"):
        assert absent not in body
    for channel in (twenty_days, ten_days):
        detail = reverse("contacts:detail", args=[channel.contact_id])
        log = f"{reverse('contacts:exchange_new')}?contact={channel.contact_id}&amp;next=/"
        assert f'href="{detail}"' in body
        assert f'href="{log}"' in body
    assert "Nothing overdue" not in body


def test_today_renders_my_open_reminders_with_snooze_and_dismiss(client, owner, teammate):
    older = factories.ReminderFactory(
        channel=_channel(owner, factories.ContactFactory(), touched_days_ago=60),
        due_at=_days_ago(30),
    )
    newer = factories.ReminderFactory(
        channel=_channel(owner, factories.ContactFactory(), touched_days_ago=40),
        due_at=_days_ago(10),
    )
    snoozed = factories.ReminderFactory(
        channel=_channel(owner, factories.ContactFactory(), touched_days_ago=40),
        status=Reminder.Status.SNOOZED,
        snoozed_until=timezone.now() + dt.timedelta(days=1),
    )
    colleagues = factories.ReminderFactory(
        channel=_channel(teammate, factories.ContactFactory(), touched_days_ago=40)
    )
    client.force_login(owner)

    response = client.get(reverse("today"))

    assert [reminder.pk for reminder in response.context["reminders"]] == [older.pk, newer.pk]
    body = response.content.decode()
    assert body.index(f'id="reminder-{older.pk}"') < body.index(f'id="reminder-{newer.pk}"')
    for reminder in (older, newer):
        assert reverse("contacts:reminder_snooze", args=[reminder.pk]) in body
        assert reverse("contacts:reminder_dismiss", args=[reminder.pk]) in body
    for absent in (snoozed, colleagues):
        assert f'id="reminder-{absent.pk}"' not in body
    assert "No open reminders." not in body


def test_today_lists_open_follow_ups_in_their_own_section(client, owner):
    contact = factories.ContactFactory()
    exchange = factories.ExchangeFactory(contacts=[contact], officers=[owner])
    follow_up = factories.ReminderFactory(
        kind=Reminder.Kind.FOLLOW_UP, channel=None, exchange=exchange, recipient=owner
    )
    client.force_login(owner)

    response = client.get(reverse("today"))

    assert [reminder.pk for reminder in response.context["follow_ups"]] == [follow_up.pk]
    assert list(response.context["reminders"]) == []
    body = response.content.decode()
    assert body.count(f'id="reminder-{follow_up.pk}"') == 1
    assert "No follow-ups due." not in body
    assert "No open reminders." in body


def test_today_shows_an_empty_state_for_each_section(client, owner):
    client.force_login(owner)

    response = client.get(reverse("today"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing overdue — well kept." in body
    assert "No open reminders." in body
    assert "No follow-ups due." in body
    assert "No upcoming events of yours." in body


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
    both = factories.EventFactory(
        title="Science Round-table",
        starts_at=STARTS_AT + dt.timedelta(days=2),
        ends_at=STARTS_AT + dt.timedelta(days=2, hours=2),
        planners=[owner],
    )
    both.attending_officers.add(owner)
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

    assert [event.pk for event in response.context["events"]] == [
        attended.pk,
        planned.pk,
        both.pk,
    ]
    body = response.content.decode()
    # 16:00 UTC on 1 June 2099 is 19:00 in Jerusalem and 18:00 in Berlin (summer time).
    assert "Mon 1 Jun 2099, 19:00–21:00</time> Asia/Jerusalem" in body
    assert "your time Mon 1 Jun 2099, 18:00 Europe/Berlin" in body
    assert "Tue 2 Jun 2099, 19:00–21:00</time> Asia/Jerusalem" in body
    for absent in (past, cancelled, others):
        assert absent.title not in body
    assert "No upcoming events of yours." not in body


# Network health


@pytest.fixture
def network(owner, teammate, outsider):
    """A small fixed network of standard contacts; the figures are in the tests below."""
    alpha = factories.OrganizationFactory(name="Alpha University")
    beta = factories.OrganizationFactory(name="Beta Daily")
    gamma = factories.OrganizationFactory(name="Gamma Institute")

    def contact(name, category, layer, organization):
        return factories.ContactFactory(
            full_name=name, category=category, layer=layer, organization=organization
        )

    academic_1 = contact("Ada Academic", "academic", Layer.SECURITY, alpha)
    academic_2 = contact("Abe Academic", "academic", Layer.SECURITY, alpha)
    journalist_1 = contact("Jo Journalist", "journalist", Layer.NARRATIVE, beta)
    journalist_2 = contact("Jay Journalist", "journalist", Layer.NARRATIVE, gamma)
    cultural = contact("Cy Cultural", "cultural", Layer.NARRATIVE, None)
    analyst_contact = contact("Tia Thinktank", "think_tank", Layer.POLITICAL, gamma)
    _channel(owner, academic_1, touched_days_ago=5)
    _channel(owner, academic_2, touched_days_ago=40)
    _channel(teammate, journalist_1, touched_days_ago=40)
    _channel(teammate, journalist_2, touched_days_ago=5)
    _channel(outsider, cultural, touched_days_ago=5)
    _channel(owner, cultural, touched_days_ago=5)
    _channel(outsider, analyst_contact, touched_days_ago=40, status=Channel.Status.PAUSED)
    _channel(owner, journalist_1, touched_days_ago=5, status=Channel.Status.CLOSED)
    return Contact.objects.all()


EXPECTED_BY_STATUS = [
    {"key": "active", "label": "Active", "channels": 6},
    {"key": "paused", "label": "Paused", "channels": 1},
    {"key": "closed", "label": "Closed", "channels": 1},
]
EXPECTED_BY_LAYER = [
    {"key": "narrative", "label": "Narrative", "channels": 4, "kept": 3, "share": 75.0},
    {"key": "security", "label": "Security", "channels": 2, "kept": 1, "share": 50.0},
]
EXPECTED_BY_CATEGORY = [
    {"key": "academic", "label": "Academic", "channels": 2, "kept": 1, "share": 50.0},
    {"key": "cultural", "label": "Cultural figure", "channels": 2, "kept": 2, "share": 100.0},
    {"key": "journalist", "label": "Journalist", "channels": 2, "kept": 1, "share": 50.0},
]
EXPECTED_BY_OFFICER = [("owner", 3, 1), ("teammate", 2, 1), ("outsider", 1, 0)]
EXPECTED_SINGLE_CHANNEL = [("Beta Daily", 1), ("Gamma Institute", 1)]


def _figures(context):
    return {
        "by_status": context["by_status"],
        "by_layer": context["by_layer"],
        "by_category": context["by_category"],
        "by_officer": [
            (row["officer__username"], row["channels"], row["overdue"])
            for row in context["by_officer"]
        ],
        "single_channel": [
            (row["contact__organization__name"], row["channels"])
            for row in context["single_channel_organizations"]
        ],
    }


EXPECTED_FIGURES = {
    "by_status": EXPECTED_BY_STATUS,
    "by_layer": EXPECTED_BY_LAYER,
    "by_category": EXPECTED_BY_CATEGORY,
    "by_officer": EXPECTED_BY_OFFICER,
    "single_channel": EXPECTED_SINGLE_CHANNEL,
}


def test_network_health_asks_anonymous_users_to_sign_in(client):
    response = client.get(reverse("network_health"))

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/health/"


@pytest.mark.parametrize("persona", ["lead", "analyst", "admin_user"])
def test_network_health_is_open_to_leads_analysts_and_superusers(client, persona, request):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("network_health"))

    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["owner", "planner"])
def test_network_health_is_forbidden_to_officers_and_planners(client, persona, request):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("network_health"))

    assert response.status_code == 403
    assert "Alpha" not in response.content.decode()


def test_network_health_figures_are_exact_on_a_fixed_network(client, lead, network):
    client.force_login(lead)

    response = client.get(reverse("network_health"))

    assert _figures(response.context) == EXPECTED_FIGURES
    assert _table(response, "table-status") == [
        ["Status", "Channels"],
        ["Active", "6"],
        ["Paused", "1"],
        ["Closed", "1"],
    ]
    assert _table(response, "table-layer") == [
        ["Layer", "Active channels", "Kept within cadence", "Share"],
        ["Narrative", "4", "3", "75%"],
        ["Security", "2", "1", "50%"],
    ]
    assert _table(response, "table-category") == [
        ["Category", "Active channels", "Kept within cadence", "Share"],
        ["Academic", "2", "1", "50%"],
        ["Cultural figure", "2", "2", "100%"],
        ["Journalist", "2", "1", "50%"],
    ]
    assert _table(response, "table-officer") == [
        ["Officer", "Active channels", "Overdue"],
        ["owner", "3", "1"],
        ["teammate", "2", "1"],
        ["outsider", "1", "0"],
    ]
    assert _table(response, "table-single-channel") == [
        ["Organization", "Active channels"],
        ["Beta Daily", "1"],
        ["Gamma Institute", "1"],
    ]


def test_a_protected_contact_the_lead_may_not_see_changes_no_figure(
    client, lead, owner, teammate, outsider, network
):
    client.force_login(lead)
    before = client.get(reverse("network_health"))
    hidden = factories.ContactFactory(
        full_name="Hidden Protectedova",
        category="journalist",
        layer=Layer.NARRATIVE,
        organization=network.get(full_name="Jo Journalist").organization,
        owner=outsider,
        sensitivity=Sensitivity.PROTECTED,
    )
    _channel(outsider, hidden, touched_days_ago=40)
    _channel(owner, hidden, touched_days_ago=40)
    _channel(teammate, hidden, touched_days_ago=5, status=Channel.Status.PAUSED)

    after = client.get(reverse("network_health"))

    assert _figures(before.context) == EXPECTED_FIGURES
    assert _figures(after.context) == EXPECTED_FIGURES
    for table_id in ("table-status", "table-layer", "table-category", "table-officer"):
        assert _table(after, table_id) == _table(before, table_id)
    assert _table(after, "table-single-channel") == _table(before, "table-single-channel")
    assert "Hidden Protectedova" not in after.content.decode()


def test_a_superuser_counts_the_protected_contact(client, admin_user, outsider, network):
    hidden = factories.ContactFactory(
        category="journalist",
        layer=Layer.NARRATIVE,
        organization=network.get(full_name="Jo Journalist").organization,
        owner=outsider,
        sensitivity=Sensitivity.PROTECTED,
    )
    _channel(outsider, hidden, touched_days_ago=40)
    client.force_login(admin_user)

    response = client.get(reverse("network_health"))

    figures = _figures(response.context)
    assert figures["by_layer"][0] == {
        "key": "narrative",
        "label": "Narrative",
        "channels": 5,
        "kept": 3,
        "share": 60.0,
    }
    assert figures["single_channel"] == [("Gamma Institute", 1)]


def test_analysts_see_the_figures_but_no_contact_name(client, analyst, network):
    client.force_login(analyst)

    response = client.get(reverse("network_health"))

    assert _figures(response.context) == EXPECTED_FIGURES
    body = response.content.decode()
    for contact in network:
        assert contact.full_name not in body


def test_network_health_charts_are_accessible_svg_without_script_or_style(client, lead, network):
    client.force_login(lead)

    response = client.get(reverse("network_health"))

    body = response.content.decode()
    svgs = _svgs(body)
    assert len(svgs) == 4
    for svg in svgs:
        assert 'role="img"' in svg
        assert re.search(r'aria-label="[^"]+"', svg)
        assert re.search(r"<title>[^<]+</title>", svg)
        assert "<script" not in svg
    assert 'aria-label="Channels by status: Active: 6; Paused: 1; Closed: 1"' in svgs[0]
    assert "<title>Channels by status</title>" in svgs[0]
    assert ">3/4 (75%)</text>" in svgs[1]
    assert "style=" not in body
    assert "hx-on" not in body
    assert "onclick" not in body
