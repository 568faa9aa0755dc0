"""Each indicator says which way is good, and every surface judges a change by it: the
dashboard's colour, arrow and word, the monthly report, the files and the API.

Figures from the fixed network of ``test_measures`` read on 15 March 2026: over March (still
running, so against 1-15 February) friction incidents fall from 1 to 0, and over the first
quarter single-channel organizations fall from 2 to 1; both are good news.
"""

import csv
import io
import re

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from indicators import measures
from indicators.measures import HIGHER_IS_BETTER, LOWER_IS_BETTER, NEUTRAL, assess
from indicators.measures.base import indicator
from tests.conftest import api
from tests.indicators import test_measures
from tests.indicators.test_measures import NOW

network = test_measures.network  # the fixed data set
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
Q1 = {"from": "2026-01-01", "to": "2026-03-31"}

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _change_span(body: str, name: str) -> str:
    """The headline's change of one indicator: its classes and its text."""
    match = re.search(
        rf'<span class="change ([^"]+)" id="change-{name}">(.*?)</span>\s*<span', body
    )
    assert match, name
    return f"{match.group(1)}|{re.sub(r'<[^>]+>', '', match.group(2))}"


def test_every_indicator_declares_a_polarity():
    polarities = {name: definition.polarity for name, definition in measures.REGISTRY.items()}

    assert len(polarities) == 17
    assert set(polarities.values()) <= set(measures.POLARITIES)
    assert polarities["friction_incidents"] == LOWER_IS_BETTER
    assert polarities["single_channel_organizations"] == LOWER_IS_BETTER
    assert polarities["journalist_exchanges"] == HIGHER_IS_BETTER
    assert polarities["speaker_share"] == NEUTRAL


def test_an_indicator_cannot_register_without_a_valid_polarity():
    before = dict(measures.REGISTRY)

    with pytest.raises(TypeError):
        indicator("horoscope", area="security", title="Horoscope", unit=measures.COUNT)
    with pytest.raises(ValueError, match="polarity"):
        indicator("horoscope", area="security", title="H", unit=measures.COUNT, polarity="up")

    assert before == measures.REGISTRY


@pytest.mark.parametrize(
    ("polarity", "change", "expected"),
    [
        (HIGHER_IS_BETTER, 3, "better"),
        (HIGHER_IS_BETTER, -0.25, "worse"),
        (LOWER_IS_BETTER, -2, "better"),
        (LOWER_IS_BETTER, 1, "worse"),
        (LOWER_IS_BETTER, 0, "same"),
        (NEUTRAL, 5, None),
        (HIGHER_IS_BETTER, None, None),
    ],
)
def test_a_change_is_judged_by_the_polarity(polarity, change, expected):
    assert assess(polarity, change) == expected


def test_fewer_friction_incidents_are_better_in_the_results(network, lead):
    march = {**test_measures.Q1, "start": test_measures.MAR}

    incidents = measures.friction_incidents(lead, **march)
    organizations = measures.single_channel_organizations(lead, **test_measures.Q1)
    coordination = measures.coordination_outcomes(lead, **test_measures.Q1)

    assert (incidents.total, incidents.previous, incidents.change) == (0, 1, -1)
    assert incidents.assessment == "better"
    assert (organizations.change, organizations.assessment) == (-1, "better")
    # Each outcome's share of all meetings is context, not a score: only the whole is judged.
    assert coordination.assessment == "better"
    assert {part.assessment for part in coordination.breakdown} == {None}


def test_the_dashboard_paints_a_fall_of_a_lower_is_better_indicator_as_better(
    client, lead, network, frozen
):
    client.force_login(lead)

    march = client.get(reverse("dashboard"), MARCH).content.decode()
    quarter = client.get(reverse("dashboard"), Q1).content.decode()

    assert _change_span(march, "friction_incidents") == "assess-better|Change: ▼ -1 better"
    assert _change_span(quarter, "single_channel_organizations") == (
        "assess-better|Change: ▼ -1 better"
    )
    assert _change_span(quarter, "friction_incidents") == "assess-worse|Change: ▲ +1 worse"
    assert _change_span(quarter, "journalist_exchanges") == "assess-better|Change: ▲ +2 better"
    # A neutral figure gets no colour and no verdict.
    assert _change_span(quarter, "speaker_share").startswith("assess-none|")
    assert "better" not in _change_span(quarter, "speaker_share")
    assert 'id="polarity-friction_incidents">lower is better</span>' in march


def test_the_report_judges_each_change_by_the_polarity(client, lead, network, frozen):
    client.force_login(lead)

    body = client.get(reverse("indicator_report"), Q1).content.decode()

    march = re.search(r'<table class="report-table" id="report-2026-03">.*?</table>', body, re.S)
    row = re.search(r"Friction incidents</th>(.*?)</tr>", march.group(0)).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row) == ["0", "1", "-1", "better"]
    assert 'class="num assess-better">-1</td>' in row
    assert "assess-worse" not in row


def test_the_files_and_the_api_carry_the_same_verdict(client, lead, network, frozen):
    client.force_login(lead)

    as_csv = client.get(reverse("dashboard_export_csv"), MARCH)
    as_xlsx = client.get(reverse("dashboard_export_xlsx"), MARCH)
    body = api(lead).get("/api/v1/indicators/friction_incidents/", MARCH).json()

    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    change = next(
        row
        for row in rows
        if (row["indicator"], row["by"], row["figure"]) == ("friction_incidents", "", "change")
    )
    assert (change["value"], change["polarity"], change["assessment"]) == (
        "-1",
        "lower_is_better",
        "better",
    )
    summary = openpyxl.load_workbook(io.BytesIO(as_xlsx.content))["summary"]
    row = next(r for r in summary.iter_rows(values_only=True) if r[0] == "friction_incidents")
    assert row[3:8] == (0, 1, -1, "better", "lower_is_better")
    assert (body["change"], body["polarity"], body["assessment"]) == (
        -1,
        "lower_is_better",
        "better",
    )
