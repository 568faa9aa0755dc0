"""The indicators' pages: the dashboard, its CSV and XLSX exports and the printable
monthly report (leads, analysts and admins)."""

import datetime as dt
from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import number_format
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from contacts.access import NETWORK_READERS, require_any_role
from contacts.models import Contact, Exchange, Layer, Organization
from events.models import Event, Programme
from indicators import cache as figure_cache
from indicators import exports, measures
from indicators.charts import column_chart
from indicators.forms import IndicatorFilterForm, ReportFilterForm
from indicators.models import Signal
from trackii.security import sensitive_action

AREAS = {
    "narrative": _("Narrative"),
    "digital": _("Digital"),
    "civil": _("Civil cooperation"),
    "presence": _("Presence"),
    "network_health": _("Network health"),
    "security": _("Security"),
}
DIMENSIONS = {
    "kind": _("Kind"),
    "event_kind": _("Kind of event"),
    "theme": _("Theme"),
    "platform": _("Platform"),
    "severity": _("Severity"),
    "outcome": _("Outcome"),
    "layer": _("Layer"),
    "category": _("Category"),
    "officer": _("Officer"),
}
KEY_LABELS = {
    "theme": dict(Signal.Theme.choices),
    "severity": dict(Signal.Severity.choices),
    "outcome": dict(Signal.Outcome.choices),
    "layer": dict(Layer.choices),
    "category": dict(Contact.Category.choices),
    "event_kind": dict(Event.Kind.choices),
}
# "kind" is the kind of what the indicator counts.
KIND_LABELS = {
    "journalist_exchanges": dict(Exchange.Kind.choices),
    "events_held": dict(Event.Kind.choices),
    "programmes_started": dict(Programme.Kind.choices),
    "programmes_active": dict(Programme.Kind.choices),
    "partner_institutions": dict(Organization.Kind.choices),
    "single_channel_organizations": dict(Organization.Kind.choices),
}
SCALES = {measures.SHARE: (0, 1), measures.MEAN: (-2, 2)}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_indicator_reader(user) -> None:
    require_any_role(user, NETWORK_READERS, gettext("The indicators are for leads and analysts."))


def _filter_form(form_class, request, now):
    return form_class(request.GET, today=measures.mission_today(now))


@login_required
def dashboard(request):
    """Every indicator for the filters: a chart, a headline figure with its change against
    the window before, and the table of each; aggregates only."""
    _require_indicator_reader(request.user)
    now = timezone.now()
    form = _filter_form(IndicatorFilterForm, request, now)
    results, window = [], None
    if form.is_valid():
        filters = form.filters
        results = figure_cache.compute_all(request.user, **filters, now=now)
        window = measures.Window(filters["start"], filters["end"], filters["period"], now)
    context = {"form": form, "areas": _areas(results, window), "query": ""}
    if results:
        context.update(
            query=form.query_string(),
            window=window,
            previous=window.previous(),
            partial=_partial_notes(window),
        )
    return render(request, "indicators/dashboard.html", context)


@never_cache
@login_required
@sensitive_action
def dashboard_export(request, file_format: str):
    """Every indicator for the filters as one CSV or XLSX file."""
    _require_indicator_reader(request.user)
    now = timezone.now()
    form = _filter_form(IndicatorFilterForm, request, now)
    if not form.is_valid():
        return _bad_filters(form)
    results = figure_cache.compute_all(request.user, **form.filters, now=now)
    return _export(results, form.filters, "indicators", file_format, reader=request.user)


@never_cache
@login_required
@sensitive_action
def indicator_export(request, name: str, file_format: str):
    """One indicator for the filters as a CSV or XLSX file."""
    _require_indicator_reader(request.user)
    if name not in measures.REGISTRY:
        raise Http404("No indicator of this name.")
    now = timezone.now()
    form = _filter_form(IndicatorFilterForm, request, now)
    if not form.is_valid():
        return _bad_filters(form)
    result = figure_cache.compute(name, request.user, **form.filters, now=now)
    return _export([result], form.filters, name, file_format, reader=request.user)


@login_required
def indicator_report(request):
    """One printable page per month of the range: each indicator's value that month and its
    change against the month before; the month still running against the same days of
    the month before, a month to come against nothing."""
    _require_indicator_reader(request.user)
    now = timezone.now()
    form = _filter_form(ReportFilterForm, request, now)
    months = []
    if form.is_valid():
        filters = form.filters
        # One month more before the first, so that the first month has a change too.
        earlier = measures.add_months(filters["start"], -1)
        results = figure_cache.compute_all(request.user, **{**filters, "start": earlier}, now=now)
        window = measures.Window(filters["start"], filters["end"], "month", now)
        running = {}
        if window.is_running:
            # The running month on its own: compared with the same days of the month before.
            first = measures.period_start(window.today, "month")
            last = measures.add_months(first, 1) - dt.timedelta(days=1)
            running = {
                result.name: result
                for result in figure_cache.compute_all(
                    request.user, **{**filters, "start": first, "end": last}, now=now
                )
            }
        months = _report_months(results, running, today=window.today)
    context = {"form": form, "months": months, "filters": form.filters}
    return render(request, "indicators/report.html", context)


def _bad_filters(form) -> HttpResponse:
    problems = "; ".join(
        f"{name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
        for name, errors in form.errors.items()
    )
    return HttpResponseBadRequest(
        gettext("Invalid filters: %(problems)s") % {"problems": problems},
        content_type="text/plain; charset=utf-8",
    )


def _export(results, filters: dict, subject: str, file_format: str, *, reader) -> HttpResponse:
    if file_format == "csv":
        # The byte order mark makes spreadsheets read the file as UTF-8.
        body, content_type = "\ufeff" + exports.to_csv(results), "text/csv; charset=utf-8"
    else:
        body, content_type = exports.to_xlsx(results, filters, reader=reader), XLSX
    name = exports.filename(subject, filters, file_format)
    return HttpResponse(
        body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _areas(results, window) -> list[dict]:
    panels = [_panel(result, window) for result in results]
    return [
        {"key": key, "label": label, "panels": [p for p in panels if p["area"] == key]}
        for key, label in AREAS.items()
        if any(panel["area"] == key for panel in panels)
    ]


def _panel(result, window) -> dict:
    """What the dashboard shows of one result, every number formatted for its unit."""
    unit = result.unit
    minimum, maximum = SCALES.get(unit, (None, None))
    rows = [
        (
            _period_label(point.start, result.period, short=True),
            _point_label(point, bucket, window),
            point.value,
            _figure(unit, point.value),
            point.is_partial,
        )
        for point, bucket in zip(result.series, window.buckets(), strict=True)
    ]
    return {
        "name": result.name,
        "area": result.area,
        "title": gettext(result.title),
        "filters": result.filters,
        "polarity": measures.POLARITY_LABELS[result.polarity],
        "total": _figure(unit, result.total),
        "previous": _figure(unit, result.previous),
        "change": _change_text(unit, result.change),
        "trend": _trend(result.change),
        "assessment": result.assessment or "none",
        "chart": column_chart(
            title=gettext(result.title),
            points=rows,
            axis_text=partial(_axis_text, unit),
            minimum=minimum,
            maximum=maximum,
        ),
        "rows": [(label, text) for _, label, _, text, _ in rows],
        "breakdown": [
            {
                "by": DIMENSIONS.get(part.by, part.by),
                "key": _key_label(result.name, part.by, part.key),
                "total": _figure(unit, part.total),
                "previous": _figure(unit, part.previous),
                "change": _change_text(unit, part.change),
                "assessment": part.assessment or "none",
            }
            for part in result.breakdown
        ],
    }


def _point_label(point, bucket, window) -> str:
    """ "Mar 2026", or "Mar 2026 (partial: 1–15 Mar)" for a period counted in part."""
    label = _period_label(point.start, window.period)
    covered = window.covered(bucket) if point.is_partial else None
    if not covered:
        return label
    return gettext("%(period)s (partial: %(days)s)") % {
        "period": label,
        "days": _days_text(*covered),
    }


def _partial_notes(window) -> list[str]:
    """The dashboard's words on its partial periods and on what the changes compare."""
    notes = []
    for bucket in window.buckets():
        if window.is_partial(bucket) and (covered := window.covered(bucket)):
            label = _period_label(bucket.start, window.period)
            note = gettext("%(period)s counts %(days)s only")
            notes.append(note % {"period": label, "days": _days_text(*covered)})
    return notes


def _days_text(first: dt.date, last: dt.date) -> str:
    """1–15 Mar, 1 Jan–15 Mar, 1 Dec 2025–15 Mar 2026, 15 Mar (in the active language)."""
    day_month = pgettext("date format: day and abbreviated month", "j M")
    if first == last:
        return date_format(last, day_month)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{date_format(last, day_month)}"
    if first.year == last.year:
        return f"{date_format(first, day_month)}–{date_format(last, day_month)}"
    day_month_year = pgettext("date format: day, abbreviated month, year", "j M Y")
    return f"{date_format(first, day_month_year)}–{date_format(last, day_month_year)}"


def _report_months(results, running: dict, *, today: dt.date) -> list[dict]:
    """Per month (the first bucket only serves as the month before), each indicator's
    value, the figure it is compared with and the change, judged by the indicator's
    polarity. The month still running is ``running``'s (the same days of the month
    before); a month to come is compared with nothing."""
    if not results:
        return []
    results = sorted(results, key=lambda result: list(AREAS).index(result.area))
    months = []
    for index, point in enumerate(results[0].series[1:], start=1):
        state = "to_come" if point.start > today else "running" if point.is_partial else "whole"
        rows, compared = [], None
        for result in results:
            value, before = result.series[index].value, result.series[index - 1].value
            if state == "running":
                alone = running[result.name]
                value, before, compared = alone.total, alone.previous, alone
            if state == "to_come":
                before = None
            change = None if value is None or before is None else round(value - before, 4)
            assessment = measures.assess(result.polarity, change)
            rows.append(
                {
                    "name": result.name,
                    "area": AREAS[result.area],
                    "title": gettext(result.title),
                    "value": _figure(result.unit, value),
                    "before": _figure(result.unit, before),
                    "change": _change_text(result.unit, change),
                    "assessment": assessment or "none",
                    "verdict": assessment or "",
                }
            )
        before = gettext("Month before")
        month = {"start": point.start, "rows": rows, "state": state, "before": before}
        if compared is not None:
            month["so_far"] = _days_text(point.start, today)
            month["before"] = _days_text(compared.previous_start, compared.previous_end)
        months.append(month)
    return months


def _figure(unit: str, value) -> str:
    if value is None:
        return "–"
    # In the reader's language's digits grouping and decimal mark (3 100, 16,7 in Russian).
    if unit == measures.SHARE:
        return f"{number_format(round(value * 100, 1), 1)}%"
    if unit == measures.MEAN:
        return ("+" if value > 0 else "") + number_format(round(value, 2), 2)
    return number_format(value, force_grouping=True)


def _axis_text(unit: str, value) -> str:
    """A scale's end, short enough for the chart's margin: 12k, 1.5M."""
    if unit in (measures.COUNT, measures.SUM) and abs(value) >= 10_000:
        for size, suffix in ((1_000_000, "M"), (1_000, "k")):
            if abs(value) >= size:
                return f"{value / size:.3g}{suffix}"
    return _figure(unit, value)


def _change_text(unit: str, change) -> str:
    if change is None:
        return "–"
    if unit == measures.SHARE:
        points = f"{change * 100:+.1f}" if change else "0.0"
        # Translators: "pp" are percentage points, the change of a share (+16.7 pp).
        return gettext("%(points)s pp") % {"points": points}
    if unit == measures.MEAN:
        return f"{change:+.2f}" if change else "0.00"
    return f"{change:+,}" if change else "0"


def _trend(change) -> str:
    if change is None:
        return "none"
    return "up" if change > 0 else "down" if change < 0 else "flat"


def _period_label(start, period: str, *, short: bool = False) -> str:
    """The period as "Mar 2026", "Q1 2026" or "2026"; short for an axis: "Mar 26", "Q1 26"
    (in the active language)."""
    if period == "month":
        if short:
            return date_format(start, pgettext("date format: abbreviated month, short year", "M y"))
        return date_format(start, pgettext("date format: abbreviated month, year", "M Y"))
    if period == "quarter":
        year = start.strftime("%y") if short else str(start.year)
        quarter = (start.month - 1) // 3 + 1
        return gettext("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": year}
    return str(start.year)


def _key_label(name: str, by: str, key: str) -> str:
    if not key:
        # A contact's layer is optional: those without one are "unassigned".
        return gettext("Unassigned") if by == "layer" else gettext("(not recorded)")
    labels = KIND_LABELS.get(name, {}) if by == "kind" else KEY_LABELS.get(by, {})
    return labels.get(key, key)
