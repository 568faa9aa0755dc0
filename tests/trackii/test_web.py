"""The network health page (Today is in test_today_page.py).

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

from contacts.models import Channel, Contact, Layer, Sensitivity
from tests import factories

UTC = dt.UTC


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
    assert response["Location"] == "/accounts/login/?next=/health/"


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
