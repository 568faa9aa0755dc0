"""The indicators in the web app: the dashboard, its CSV and XLSX exports, the monthly report,
and the signals pages.

Figures come from the fixed network of ``test_indicators`` (figures computed by hand there),
read on 15 March 2026 at noon (UTC) over the first quarter of 2026 by month.
"""

import csv
import datetime as dt
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators import measures
from indicators.models import Signal
from tests import factories
from tests.conftest import api
from tests.indicators import test_measures as test_indicators
from tests.indicators.test_measures import NOTES, NOW, Q1, add_protected_journalist

Q1_QUERY = {"from": "2026-01-01", "to": "2026-03-31"}
CONTACT_NAMES = ("Journalist One", "Journalist Two", "Academic One", "Protected Source")
OFFICER_NAMES = ("owner", "outsider")
STATIC = Path(settings.BASE_DIR) / "trackii" / "static" / "trackii"


network = test_indicators.network  # the fixture of the fixed data set


pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


class _Tables(HTMLParser):
    """The text of every table's rows, by the table's id."""

    def __init__(self):
        super().__init__()
        self.tables, self.current, self.cell = {}, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.current = self.tables.setdefault(dict(attrs).get("id"), [])
        elif self.current is not None and tag == "tr":
            self.current.append([])
        elif self.current is not None and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.current = None
        elif self.current is not None and tag in ("td", "th"):
            self.current[-1].append(" ".join(self.cell.split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def tables(response) -> dict:
    reader = _Tables()
    reader.feed(response.content.decode())
    return reader.tables


def get(client, user, url_name, query=None, **kwargs):
    client.force_login(user)
    return client.get(reverse(url_name, kwargs=kwargs or None), query or {})


def api_results(user, query) -> list[dict]:
    response = api(user).get("/api/v1/indicators/", query)
    assert response.status_code == 200
    return response.json()["results"]


# Figures as (indicator, by, key, figure, period_start) -> value, from the API and the files


def api_figures(results: list[dict]) -> dict:
    figures = {}
    for result in results:
        parts = [("", "", result), *((p["by"], p["key"], p) for p in result["breakdown"])]
        for by, key, part in parts:
            for point in part["series"]:
                figures[(result["name"], by, key, "period", point["start"])] = point["value"]
            for figure in ("total", "previous", "change"):
                figures[(result["name"], by, key, figure, "")] = part[figure]
    return figures


def csv_figures(content: bytes) -> dict:
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    return {
        (row["indicator"], row["by"], row["key"], row["figure"], row["period_start"]): (
            _number(row["value"])
        )
        for row in rows
    }


def _number(text: str):
    if text == "":
        return None
    return float(text) if "." in text or "e" in text else int(text)


def xlsx_figures(content: bytes) -> dict:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    figures = {}
    for sheet in workbook.worksheets[1:]:
        rows = list(sheet.iter_rows(values_only=True))
        name = rows[1][1]
        header_at = next(i for i, row in enumerate(rows) if row[0] == "period_start")
        header = rows[header_at]
        keys = [("", "")] + [tuple(title.split(": ", 1)) for title in header[2:]]
        for row in rows[header_at + 1 :]:
            label = row[0]
            if isinstance(label, dt.datetime):
                figure, start = "period", label.date().isoformat()
            else:
                figure, start = label, ""
            for (by, key), value in zip(keys, row[1:], strict=True):
                figures[(name, by, key, figure, start)] = value
    return figures


def xlsx_text(content: bytes) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


EXPORTS = [
    ("dashboard_export_csv", {}),
    ("dashboard_export_xlsx", {}),
    *(
        (f"indicator_export_{fmt}", {"name": name})
        for name in measures.REGISTRY
        for fmt in ("csv", "xlsx")
    ),
]


# Who may read


def test_the_dashboard_asks_anonymous_users_to_sign_in(client):
    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/indicators/"


@pytest.mark.parametrize("persona", ["lead", "analyst", "admin_user"])
def test_the_dashboard_renders_for_leads_analysts_and_superusers(
    client, persona, request, network, frozen
):
    response = get(client, request.getfixturevalue(persona), "dashboard", Q1_QUERY)

    assert response.status_code == 200
    assert len(re.findall(r"<svg\b", response.content.decode())) == len(measures.REGISTRY) == 17
    assert 'href="/indicators/"' in response.content.decode()  # the "Indicators" nav link


@pytest.mark.parametrize("persona", ["owner", "planner"])
def test_the_indicator_pages_and_files_are_forbidden_to_officers_and_planners(
    client, persona, request, network
):
    user = request.getfixturevalue(persona)
    pages = [("dashboard", {}), ("indicator_report", {}), *EXPORTS[:2], EXPORTS[2]]

    for name, kwargs in pages:
        response = get(client, user, name, Q1_QUERY, **kwargs)

        assert response.status_code == 403, name
        assert "Exchanges with journalists" not in response.content.decode()
    assert 'href="/indicators/"' not in client.get(reverse("today")).content.decode()


def test_an_unknown_indicator_export_is_404(client, lead):
    response = get(client, lead, "indicator_export_csv", name="horoscope")

    assert response.status_code == 404


# Figures


def test_the_dashboard_figures_are_the_hand_computed_ones(client, lead, network, frozen):
    response = get(client, lead, "dashboard", Q1_QUERY)

    found = tables(response)
    assert found["table-journalist_exchanges"] == [
        ["Period", "Value"],
        ["Jan 2026", "1"],
        ["Feb 2026", "1"],
        ["Mar 2026 (partial: 1–15 Mar)", "1"],
        ["Whole range", "3"],
        ["Range before", "1"],
        ["Change", "+2 (better)"],
    ]
    assert found["table-coverage_tone"][1:] == [
        ["Jan 2026", "0.00"],
        ["Feb 2026", "+1.00"],
        ["Mar 2026 (partial: 1–15 Mar)", "+2.00"],
        ["Whole range", "+0.80"],
        ["Range before", "-2.00"],
        ["Change", "+2.80 (better)"],
    ]
    assert found["table-acceptance_rate"][1:] == [
        ["Jan 2026", "100.0%"],
        ["Feb 2026", "66.7%"],
        ["Mar 2026 (partial: 1–15 Mar)", "66.7%"],
        ["Whole range", "77.8%"],
        ["Range before", "50.0%"],
        ["Change", "+27.8 pp (better)"],
    ]
    assert found["table-digital_reach"][-3:] == [
        ["Whole range", "4,000"],
        ["Range before", "400"],
        ["Change", "+3,600 (better)"],
    ]
    assert found["breakdown-digital_reach"] == [
        ["By", "Group", "Whole range", "Range before", "Change"],
        ["Platform", "telegram", "3,500", "400", "+3,100 (better)"],
        ["Platform", "youtube", "500", "0", "+500 (better)"],
    ]
    assert ["Officer", "owner", "50.0%", "50.0%", "0.0 pp (same)"] in found[
        "breakdown-channels_within_cadence"
    ]
    body = response.content.decode()
    assert '<span class="figure" id="total-single_channel_organizations">1</span>' in body


def test_every_dashboard_figure_is_the_indicator_functions(client, lead, network, frozen):
    response = get(client, lead, "dashboard", Q1_QUERY)

    panels = [panel for area in response.context["areas"] for panel in area["panels"]]
    assert sorted(panel["name"] for panel in panels) == sorted(measures.REGISTRY)
    found = tables(response)
    for result in measures.compute_all(lead, **Q1):
        values = [row[1] for row in found[f"table-{result.name}"][1:]]
        expected = [*(point.value for point in result.series), result.total, result.previous]
        assert [_parse_shown(value, result.unit) for value in values[:-1]] == expected, result.name


def _parse_shown(text: str, unit: str):
    if text == "–":
        return None
    if unit == measures.SHARE:
        return pytest.approx(float(text.rstrip("%")) / 100, abs=0.0005)
    if unit == measures.MEAN:
        return float(text)
    return int(text.replace(",", ""))


def test_the_filters_change_the_figures(client, lead, network, frozen):
    russian = tables(get(client, lead, "dashboard", {**Q1_QUERY, "country": "RU"}))
    narrative = tables(get(client, lead, "dashboard", {**Q1_QUERY, "layer": "narrative"}))
    academics = tables(get(client, lead, "dashboard", {**Q1_QUERY, "category": "academic"}))
    quarter = tables(get(client, lead, "dashboard", {**Q1_QUERY, "period": "quarter"}))
    custom = tables(get(client, lead, "dashboard", {"from": "2026-01-15", "to": "2026-02-14"}))

    assert [row[1] for row in russian["table-journalist_exchanges"][1:]] == [
        "0", "1", "1", "2", "1", "+1 (better)"
    ]  # fmt: skip
    assert [row[1] for row in narrative["table-events_held"][1:]] == [
        "1", "0", "0", "1", "1", "0 (same)"
    ]  # fmt: skip
    assert [row[1] for row in academics["table-journalist_exchanges"][1:4]] == ["0", "0", "0"]
    assert quarter["table-coverage_tone"][1:] == [
        ["Q1 2026 (partial: 1 Jan–15 Mar)", "+0.80"],
        ["Whole range", "+0.80"],
        ["Range before", "-2.00"],
        ["Change", "+2.80 (better)"],
    ]
    assert custom["table-journalist_exchanges"][1:] == [
        ["Jan 2026 (partial: 15–31 Jan)", "0"],
        ["Feb 2026 (partial: 1–14 Feb)", "1"],
        ["Whole range", "1"],
        ["Range before", "1"],
        ["Change", "0 (same)"],
    ]


def test_the_default_window_is_the_last_twelve_months(client, lead, network, frozen):
    response = get(client, lead, "dashboard")

    rows = tables(response)["table-events_held"]
    assert rows[1][0] == "Apr 2025"
    assert rows[12][0] == "Mar 2026 (partial: 1–15 Mar)"
    assert "From 1 Apr 2025 to 15 Mar 2026, per month." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"period": "week"}, "period"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "from"),
        ({"from": "2010-01-01", "to": "2026-01-01"}, "from"),
        ({"from": "0001-01-01"}, "from"),
        ({"from": "2026-01-01", "to": "9999-12-31"}, "to"),
        ({"layer": "economic"}, "layer"),
        ({"category": "spy"}, "category"),
        ({"country": "XX"}, "country"),
    ],
)
def test_invalid_filters_are_form_errors_not_server_errors(client, lead, network, query, field):
    page = get(client, lead, "dashboard", query)
    report = get(client, lead, "indicator_report", query)
    export = get(client, lead, "dashboard_export_csv", query)
    one = get(client, lead, "indicator_export_xlsx", query, name="events_held")

    assert page.status_code == 200
    assert list(page.context["form"].errors) == [field]
    assert page.context["areas"] == []
    assert 'class="errorlist"' in page.content.decode()
    assert "<svg" not in page.content.decode()
    assert report.status_code == 200
    if field != "period":  # the report is by month: it has no period to choose
        assert list(report.context["form"].errors) == [field]
    assert export.status_code == one.status_code == 400
    assert field in export.content.decode()


# visible_to and analysts


def _everything(client, reader) -> dict:
    """Every figure a reader gets from the pages and files, for the same filters."""
    seen = {
        "dashboard": tables(get(client, reader, "dashboard", Q1_QUERY)),
        "report": tables(get(client, reader, "indicator_report", Q1_QUERY)),
    }
    for name, kwargs in EXPORTS:
        content = get(client, reader, name, Q1_QUERY, **kwargs).content
        seen[(name, *kwargs.values())] = (
            xlsx_figures(content) if name.endswith("xlsx") else csv_figures(content)
        )
    return seen


def test_a_protected_contact_the_reader_may_not_see_changes_no_figure(
    client, network, owner, outsider, lead, analyst, admin_user, frozen
):
    before = {reader.username: _everything(client, reader) for reader in (lead, analyst)}
    admin_before = tables(get(client, admin_user, "dashboard", Q1_QUERY))

    add_protected_journalist(network, owner=owner, outsider=outsider)

    for reader in (lead, analyst):
        assert _everything(client, reader) == before[reader.username], reader.username
    admin_after = tables(get(client, admin_user, "dashboard", Q1_QUERY))
    assert admin_after["table-journalist_exchanges"] != admin_before["table-journalist_exchanges"]


def test_analysts_get_no_notes_no_contact_and_no_officer_names(client, network, analyst, frozen):
    pages = [
        get(client, analyst, "dashboard", Q1_QUERY),
        get(client, analyst, "indicator_report", Q1_QUERY),
        get(client, analyst, "signal_list"),
    ]
    files = [get(client, analyst, name, Q1_QUERY, **kwargs) for name, kwargs in EXPORTS]

    texts = [response.content.decode() for response in pages]
    texts += [
        xlsx_text(response.content) if "xlsx" in response["Content-Disposition"] else
        response.content.decode("utf-8-sig")
        for response in files
    ]  # fmt: skip
    assert all(response.status_code == 200 for response in [*pages, *files])
    for text in texts:
        for secret in (NOTES, *CONTACT_NAMES, *OFFICER_NAMES):
            assert secret not in text


def test_leads_get_no_notes_and_no_contact_names_either(client, network, lead, frozen):
    response = get(client, lead, "dashboard", Q1_QUERY)
    export = get(client, lead, "dashboard_export_xlsx", Q1_QUERY)

    for text in (response.content.decode(), xlsx_text(export.content)):
        for secret in (NOTES, *CONTACT_NAMES):
            assert secret not in text


# Exports


@pytest.mark.parametrize(
    "query",
    [
        Q1_QUERY,
        {**Q1_QUERY, "country": "il", "period": "quarter"},
        {"from": "2025-06-10", "to": "2026-03-31", "layer": "narrative", "category": "journalist"},
    ],
)
def test_the_csv_export_holds_the_apis_numbers(client, lead, network, frozen, query):
    expected = api_figures(api_results(lead, query))

    response = get(client, lead, "dashboard_export_csv", query)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="trackii-indicators-')
    assert csv_figures(response.content) == expected
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[:3] == ["indicator", "area", "unit"]
    assert header[6:8] == ["period_start", "value"]


@pytest.mark.parametrize("query", [Q1_QUERY, {**Q1_QUERY, "country": "IL", "period": "quarter"}])
def test_the_xlsx_export_opens_with_openpyxl_and_holds_the_apis_numbers(
    client, lead, network, frozen, query
):
    expected = api_figures(api_results(lead, query))

    response = get(client, lead, "dashboard_export_xlsx", query)

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["summary", *measures.REGISTRY]
    assert xlsx_figures(response.content) == expected
    summary = {row[0]: row[3:6] for row in workbook["summary"].iter_rows(values_only=True)}
    assert summary["journalist_exchanges"] == tuple(
        expected[("journalist_exchanges", "", "", figure, "")]
        for figure in ("total", "previous", "change")
    )


def test_the_xlsx_export_says_whose_view_it_counts(client, lead, analyst, network, frozen):
    """An analyst's figures are over fewer contacts than a lead's (need-to-know): the
    workbook says whose, as the dashboard and the report do."""
    lead.first_name, lead.last_name = "Thomas", "Keller"
    lead.save()

    for user, name in ((lead, "Thomas Keller"), (analyst, analyst.username)):
        response = get(client, user, "dashboard_export_xlsx", Q1_QUERY)
        summary = openpyxl.load_workbook(io.BytesIO(response.content))["summary"]
        rows = {row[0]: row[1] for row in summary.iter_rows(values_only=True)}
        assert rows["counted_over"] == f"Figures only, counted over what {name} may see."

    url = reverse("indicator_export_xlsx", kwargs={"name": "coverage_tone"})
    response = client.get(url, Q1_QUERY, HTTP_ACCEPT_LANGUAGE="ru")
    summary = openpyxl.load_workbook(io.BytesIO(response.content))["summary"]
    rows = {row[0]: row[1] for row in summary.iter_rows(values_only=True)}
    assert analyst.username in rows["counted_over"]
    assert "Figures only" not in rows["counted_over"]


def test_one_indicators_files_hold_the_apis_numbers(client, lead, network, frozen):
    query = {**Q1_QUERY, "country": "IL"}
    one = api(lead).get("/api/v1/indicators/coverage_tone/", query).json()

    as_csv = get(client, lead, "indicator_export_csv", query, name="coverage_tone")
    as_xlsx = get(client, lead, "indicator_export_xlsx", query, name="coverage_tone")

    assert csv_figures(as_csv.content) == api_figures([one])
    assert xlsx_figures(as_xlsx.content) == api_figures([one])
    assert openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).sheetnames == [
        "summary",
        "coverage_tone",
    ]
    assert as_csv["Content-Disposition"] == (
        'attachment; filename="trackii-coverage-tone-2026-01-01-2026-03-31-month.csv"'
    )
    assert csv_figures(as_csv.content)[("coverage_tone", "", "", "total", "")] == 0.5


def test_a_platform_named_like_a_formula_is_text_in_the_files(client, lead, frozen):
    Signal.objects.create(
        kind=Signal.Kind.DIGITAL_REACH,
        occurred_on=dt.date(2026, 2, 1),
        title="Post",
        platform="=HYPERLINK(1)",
        audience=10,
        layer="narrative",
    )

    as_csv = get(client, lead, "indicator_export_csv", Q1_QUERY, name="digital_reach")
    as_xlsx = get(client, lead, "indicator_export_xlsx", Q1_QUERY, name="digital_reach")

    assert "'=HYPERLINK(1)" in as_csv.content.decode("utf-8-sig")
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content))["digital_reach"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


# The monthly report


def test_the_report_has_one_section_per_month_and_a_print_stylesheet(client, lead, network, frozen):
    response = get(client, lead, "indicator_report", Q1_QUERY)

    body = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'<section class="report-period" id="(month-[\d-]+)"', body) == [
        "month-2026-01",
        "month-2026-02",
        "month-2026-03",
    ]
    assert re.search(
        r'<link rel="stylesheet" href="[^"]*dashboard-print[^"]*" media="print">', body
    )
    found = tables(response)
    assert len(found["report-2026-01"]) == 1 + len(measures.REGISTRY)
    areas = [row[0] for row in found["report-2026-01"][1:]]
    assert list(dict.fromkeys(areas)) == [
        "Narrative",
        "Digital",
        "Civil cooperation",
        "Presence",
        "Network health",
        "Security",
    ]
    assert ["Narrative", "Exchanges with journalists", "1", "0", "+1", "better"] in found[
        "report-2026-01"
    ]
    assert ["Narrative", "Mean tone of coverage (-2 hostile to +2 favourable)", "+1.00",
            "0.00", "+1.00", "better"] in found["report-2026-02"]  # fmt: skip
    # March is still running: against 1-15 February (one incident), not all of February.
    assert ["Security", "Friction incidents", "0", "1", "-1", "better"] in found["report-2026-03"]
    assert "style=" not in body


def test_the_report_defaults_to_this_month_and_the_two_before_in_whole_months(
    client, lead, network, frozen
):
    default = get(client, lead, "indicator_report")
    mid_month = get(client, lead, "indicator_report", {"from": "2026-02-20", "to": "2026-03-02"})

    assert re.findall(r'id="(month-[\d-]+)"', default.content.decode()) == [
        "month-2026-01",
        "month-2026-02",
        "month-2026-03",
    ]
    assert re.findall(r'id="(month-[\d-]+)"', mid_month.content.decode()) == [
        "month-2026-02",
        "month-2026-03",
    ]
    assert [
        "Digital", "Reach of host-language content (views)", "0", "1,500", "-1,500", "worse"
    ] in tables(mid_month)["report-2026-02"]  # fmt: skip


def test_the_print_stylesheet_breaks_pages_between_months_and_hides_navigation():
    css = (STATIC / "dashboard-print.css").read_text()

    assert css.lstrip().startswith("/*")
    assert "@media print" in css
    assert re.search(r"\.report-period \{[^}]*break-after: page", css)
    assert re.search(r"header\.top, nav,[^{]*\{ display: none", css)


@pytest.mark.parametrize("start", ["2024-01-01", "2019-01-01"])
def test_the_report_is_at_most_24_months(client, lead, start):
    """Seven years too: the API's own limit (60 periods, "a longer period") is not the
    report's, which has no choice of period (a user's finding)."""
    response = get(client, lead, "indicator_report", {"from": start, "to": "2026-03-31"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"from": ["At most 24 months in one report."]}
    assert response.context["months"] == []


def test_the_dashboards_link_to_the_report_keeps_its_range(client, lead, network, frozen):
    response = get(client, lead, "dashboard", {"from": "2026-01-01", "to": "2026-03-31"})

    link = re.search(r'href="(/indicators/report/[^"]*)"', response.content.decode()).group(1)
    assert "from=2026-01-01" in link
    assert "to=2026-03-31" in link


# Charts


def test_the_charts_are_accessible_svg_without_script_or_style(client, lead, network, frozen):
    response = get(client, lead, "dashboard", Q1_QUERY)

    body = response.content.decode()
    svgs = re.findall(r"<svg\b.*?</svg>", body, flags=re.DOTALL)
    assert len(svgs) == 17
    for svg in svgs:
        assert 'role="img"' in svg
        assert re.search(r"<title>[^<]+</title>", svg)
    assert (
        'aria-label="Exchanges with journalists: Jan 2026: 1; Feb 2026: 1; '
        'Mar 2026 (partial: 1–15 Mar): 1"'
    ) in body
    assert "style=" not in body
    assert "<style" not in body
    assert "onclick" not in body
    assert "hx-on" not in body
    # Every script is a static file of the project's (htmx, the app's, the picker's...).
    scripts = re.findall(r"<script\b[^>]*>", body)
    assert scripts
    assert all(re.search(r'src="/static/(vendor|trackii)/[^"]+\.js"', tag) for tag in scripts)
    assert "cdn" not in body.lower()


def test_negative_tones_hang_below_the_zero_line(client, lead, network, frozen):
    response = get(client, lead, "dashboard", {"from": "2025-11-01", "to": "2025-11-30"})

    chart = next(
        panel["chart"]
        for area in response.context["areas"]
        for panel in area["panels"]
        if panel["name"] == "coverage_tone"
    )
    (column,) = chart.columns
    assert (chart.top_text, chart.bottom_text) == ("+2.00", "-2.00")
    assert float(column.y) == float(chart.zero_y)
    assert float(column.height) > 0


# Signals


def test_the_signal_list_filters_by_kind(client, analyst, network):
    all_signals = get(client, analyst, "signal_list")
    incidents = get(client, analyst, "signal_list", {"kind": "friction_incident"})

    assert all_signals.status_code == 200
    assert all_signals.context["page"].paginator.count == Signal.objects.count() == 19
    assert [row[:3] for row in tables(incidents)["signal-table"][1:]] == [
        ["2026-02-20", "Friction incident", "friction_incident 2026-02-20"],
        ["2026-02-14", "Friction incident", "friction_incident 2026-02-14"],
        ["2025-10-10", "Friction incident", "friction_incident 2025-10-10"],
    ]
    assert "Log a signal" not in all_signals.content.decode()  # analysts read only


def test_the_signal_list_pages_25_at_a_time_keeping_the_filter(client, owner):
    for day in range(1, 31):
        Signal.objects.create(
            kind=Signal.Kind.COORDINATION,
            occurred_on=dt.date(2026, 1, day),
            title=f"Call {day}",
            outcome="held",
            layer="security",
        )

    first = get(client, owner, "signal_list", {"kind": "coordination"})
    second = get(client, owner, "signal_list", {"kind": "coordination", "page": 2})

    assert len(tables(first)["signal-table"]) == 1 + 25
    assert [row[0] for row in tables(second)["signal-table"][1:]] == [
        "2026-01-05",
        "2026-01-04",
        "2026-01-03",
        "2026-01-02",
        "2026-01-01",
    ]
    assert 'href="?kind=coordination&amp;page=2" rel="next"' in first.content.decode()
    assert "Log a signal" in first.content.decode()


def test_the_signal_list_shows_an_empty_state(client, owner):
    response = get(client, owner, "signal_list", {"kind": "coordination"})

    body = response.content.decode()
    assert 'id="signals-empty"' in body
    assert "No signals of this kind yet." in body
    assert "signal-table" not in body


def test_an_officer_logs_a_signal_from_the_web_form(client, owner):
    outlet = factories.OrganizationFactory(kind="media_outlet", country="IL")

    response = get(client, owner, "signal_create")
    posted = client.post(
        reverse("signal_create"),
        {
            "kind": "coverage",
            "occurred_on": "2026-03-01",
            "organization": outlet.pk,
            "title": "A fair piece",
            "tone": "1",
            "theme": "cultural",
        },
    )

    assert response.status_code == 200
    assert posted.status_code == 302
    assert posted["Location"] == reverse("signal_list")
    signal = Signal.objects.get()
    assert (signal.created_by, signal.layer, signal.country.code) == (owner, "narrative", "IL")


def test_the_form_names_what_a_kind_needs(client, owner):
    client.force_login(owner)

    response = client.post(
        reverse("signal_create"),
        {"kind": "coverage", "occurred_on": "2026-03-01", "title": "No outlet"},
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"organization", "tone"}
    assert Signal.objects.exists() is False


@pytest.mark.parametrize("persona", ["analyst", "planner"])
def test_analysts_and_planners_may_not_write_signals(client, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    upload = SimpleUploadedFile("s.csv", b"kind,occurred_on,title\ncoordination,2026-01-01,x\n")

    pages = [client.get(reverse("signal_create")), client.get(reverse("signal_upload"))]
    posts = [
        client.post(reverse("signal_create"), {"kind": "coordination", "title": "x"}),
        client.post(reverse("signal_upload"), {"file": upload}),
    ]

    assert [response.status_code for response in [*pages, *posts]] == [403, 403, 403, 403]
    assert Signal.objects.exists() is False


def test_a_csv_upload_with_a_bad_row_stores_nothing_and_names_the_row_and_field(client, owner):
    outlet = factories.OrganizationFactory(name="Kommersant", kind="media_outlet", country="RU")
    content = (
        b"kind,occurred_on,organization,title,tone,theme,platform,audience\n"
        b"coverage,2026-01-05,Kommersant,Fine piece,1,civil,,\n"
        b"coverage,2026-01-06,Kommersant,No tone given,,security,,\n"
        b"digital_reach,2026-01-07,,Video,,,youtube,1200\n"
    )
    client.force_login(owner)

    response = client.post(
        reverse("signal_upload"), {"file": SimpleUploadedFile("signals.csv", content)}
    )

    assert response.status_code == 200
    assert Signal.objects.exists() is False
    assert tables(response)["import-report"][1:] == [
        ["3", "tone", "A coverage item has a tone from -2 to +2."]
    ]
    assert "Nothing was stored: 1 problem to fix first." in response.content.decode()
    assert outlet.signals.exists() is False


def test_a_valid_csv_upload_stores_every_row(client, owner):
    factories.OrganizationFactory(name="Kommersant", kind="media_outlet", country="RU")
    content = (
        b"kind,occurred_on,organization,title,tone,platform,audience,outcome\n"
        b"coverage,2026-01-05,Kommersant,Fine piece,1,,,\n"
        b"digital_reach,2026-01-07,,Video,,youtube,1200,\n"
        b"coordination,2026-01-08,,Weekly call,,,,held\n"
    )
    client.force_login(owner)

    response = client.post(
        reverse("signal_upload"), {"file": SimpleUploadedFile("signals.csv", content)}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("signal_list")
    assert Signal.objects.count() == 3
    assert set(Signal.objects.values_list("created_by", flat=True)) == {owner.pk}
