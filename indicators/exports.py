"""The indicators as files: CSV in a long format (one row per figure) and XLSX with one sheet
per indicator. The numbers are the indicator results' own, unrounded and unformatted, so a
file holds exactly what ``GET /api/v1/indicators/`` answers for the same filters. Column names,
keys and values stay English, as in the API; only the XLSX's titles follow the language."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from contacts.people import display_name
from indicators.measures import COUNT, MEAN, SHARE, SUM, Result
from trackii.spreadsheets import plain, text

CSV_COLUMNS = (
    "indicator",
    "area",
    "unit",
    "by",
    "key",
    "figure",
    "period_start",
    "value",
    "polarity",
    "partial",
    "assessment",
    "compared_from",
    "compared_to",
)
# figure: "period" (one bucket of the series, period_start is its first day), or the
# figures of the whole window: "total", "previous" (the window before) and "change".
# Added after "value", so that readers of the first columns by position read on:
# polarity (higher_is_better, lower_is_better, neutral) on every row; partial ("true" or
# "false") on a period's row: it counts part of its period only; assessment (better, worse,
# same or empty) on the change row; compared_from and compared_to, the days the previous
# figure counts, on the previous and change rows.
WINDOW_FIGURES = ("total", "previous", "change")
NUMBER_FORMATS = {COUNT: "0", SUM: "#,##0", SHARE: "0.00%", MEAN: "0.00"}
SHEET_NAME_LENGTH = 31  # Excel's limit


def filename(subject: str, filters: dict, extension: str) -> str:
    """``trackii-indicators-2026-01-01-2026-03-31-month.csv``: the subject is "indicators"
    or one indicator's name."""
    return (
        f"trackii-{subject.replace('_', '-')}-{filters['start']:%Y-%m-%d}-"
        f"{filters['end']:%Y-%m-%d}-{filters['period']}.{extension}"
    )


# CSV


def to_csv(results: list[Result]) -> str:
    """Every figure of every result, one row each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for result in results:
        writer.writerows(_csv_rows(result))
    return buffer.getvalue()


def _csv_rows(result: Result):
    parts = [("", "", result), *((part.by, part.key, part) for part in result.breakdown)]
    compared = [_csv_date(result.previous_start), _csv_date(result.previous_end)]
    for by, key, figures in parts:
        head = [result.name, result.area, result.unit, by, text(key)]
        for point in figures.series:
            partial = "true" if point.is_partial else "false"
            yield [
                *head,
                "period",
                point.start.isoformat(),
                _csv_number(point.value),
                figures.polarity,
                partial,
                "",
                "",
                "",
            ]
        for figure in WINDOW_FIGURES:
            assessment = (figures.assessment or "") if figure == "change" else ""
            dates = compared if figure != "total" else ["", ""]
            value = _csv_number(getattr(figures, figure))
            yield [*head, figure, "", value, figures.polarity, "", assessment, *dates]


def _csv_date(day) -> str:
    return "" if day is None else day.isoformat()


def _csv_number(value) -> str:
    return "" if value is None else str(value)


# XLSX


def to_xlsx(results: list[Result], filters: dict, *, reader) -> bytes:
    """A workbook: a summary sheet, then one sheet per indicator with its series, each
    breakdown as a column, and the window's total, previous and change under them. The
    summary says whose view the figures count (``reader``'s, as the dashboard and the
    report do): an analyst's are over fewer contacts than a lead's."""
    workbook = Workbook()
    _summary_sheet(workbook.active, results, filters, reader=reader)
    for result in results:
        _indicator_sheet(workbook.create_sheet(result.name[:SHEET_NAME_LENGTH]), result)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _summary_sheet(sheet, results: list[Result], filters: dict, *, reader) -> None:
    sheet.title = "summary"
    sheet.append([gettext("Track II indicators")])
    sheet["A1"].font = Font(bold=True, size=14)
    for name in ("start", "end", "period", "layer", "category", "country"):
        value = filters.get(name)
        sheet.append([name, value if isinstance(value, dt.date) else str(value or "")])
    counted_over = gettext("Figures only, counted over what %(name)s may see.")
    sheet.append(["counted_over", text(counted_over % {"name": display_name(reader)})])
    sheet.append([])
    header = [
        "indicator",
        "title",
        "unit",
        *WINDOW_FIGURES,
        "assessment",
        "polarity",
        "compared_from",
        "compared_to",
        "partial periods",
    ]
    sheet.append(header)
    _bold_row(sheet, sheet.max_row)
    for result in results:
        sheet.append(
            [
                result.name,
                gettext(result.title),
                result.unit,
                *_window_figures(result),
                result.assessment or "",
                result.polarity,
                result.previous_start,
                result.previous_end,
                ", ".join(day.isoformat() for day in result.partial_periods),
            ]
        )
        _number_format(sheet, sheet.max_row, range(4, 7), result.unit)
        for column in (9, 10):
            sheet.cell(sheet.max_row, column).number_format = "yyyy-mm-dd"
    _widths(sheet, [30, 56, 8, 12, 12, 12, 12, 18, 14, 14, 24])


def _indicator_sheet(sheet, result: Result) -> None:
    sheet.append([gettext(result.title)])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in [
        ("indicator", result.name),
        ("area", result.area),
        ("unit", result.unit),
        ("period", result.period),
        ("start", result.start),
        ("end", result.end),
        ("filters applied", ", ".join(result.filters)),
    ]:
        sheet.append([label, value])
    sheet.append([])
    header = ["period_start", "value", *(f"{p.by}: {plain(p.key)}" for p in result.breakdown)]
    sheet.append(header)
    _bold_row(sheet, sheet.max_row)
    columns = range(2, len(header) + 1)
    for index, point in enumerate(result.series):
        parts = [part.series[index].value for part in result.breakdown]
        sheet.append([point.start, point.value, *parts])
        _number_format(sheet, sheet.max_row, columns, result.unit)
        # The cell stays a date; the format writes the word next to it.
        date_format = 'yyyy-mm-dd" (partial)"' if point.is_partial else "yyyy-mm-dd"
        sheet.cell(sheet.max_row, 1).number_format = date_format
    for figure in WINDOW_FIGURES:
        parts = [getattr(part, figure) for part in result.breakdown]
        sheet.append([figure, getattr(result, figure), *parts])
        _number_format(sheet, sheet.max_row, columns, result.unit)
    figures = [result, *result.breakdown]
    for column, part in enumerate(figures, start=2):
        if part.assessment:
            cell = sheet.cell(sheet.max_row, column)
            cell.number_format = f'{cell.number_format}" ({part.assessment})"'
    sheet.cell(9, 1, "polarity")
    sheet.cell(9, 2, result.polarity)
    _bold_row(sheet, sheet.max_row - 2, sheet.max_row - 1, sheet.max_row, only_first=True)
    for row in (6, 7):
        sheet.cell(row, 2).number_format = "yyyy-mm-dd"
    _widths(sheet, [16, 14, *([18] * len(result.breakdown))])


def _window_figures(result: Result) -> list:
    return [getattr(result, figure) for figure in WINDOW_FIGURES]


def _number_format(sheet, row: int, columns, unit: str) -> None:
    for column in columns:
        sheet.cell(row, column).number_format = NUMBER_FORMATS[unit]


def _bold_row(sheet, *rows: int, only_first: bool = False) -> None:
    for row in rows:
        cells = sheet[row][:1] if only_first else sheet[row]
        for cell in cells:
            cell.font = Font(bold=True)


def _widths(sheet, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
