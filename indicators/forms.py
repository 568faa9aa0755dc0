"""Forms of the project-level pages: the indicators' filters (the dashboard, its exports and
the monthly report) and the signals list's filter."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from django_countries import countries

from contacts.models import Contact, Layer
from indicators import measures
from indicators.models import Signal
from indicators.serializers import EARLIEST, LATEST, IndicatorFilterSerializer

FILTER_NAMES = ("from", "to", "period", "layer", "category", "country")
REPORT_MONTHS = 3  # without ?from=, the report covers this month and the two before
MAX_REPORT_MONTHS = 24
PERIOD_LABELS = {
    "month": pgettext_lazy("a period of the indicators", "Month"),
    "quarter": pgettext_lazy("a period of the indicators", "Quarter"),
    "year": pgettext_lazy("a period of the indicators", "Year"),
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class CountryChoiceField(forms.ChoiceField):
    """An ISO 3166 code in either case, as the API takes it."""

    def to_python(self, value):
        return super().to_python(value).upper()


ALL = _("All")


def _blank(choices, label=ALL):
    return [("", label), *choices]


def _country_choices():
    """The countries named in the language of the request (a callable: read per form)."""
    return _blank(list(countries))


def _date_field(label: str, help_text: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=DateInput(),
        help_text=help_text,
    )


class IndicatorFilterForm(forms.Form):
    """``?from=`` ``?to=`` ``?period=`` ``?layer=`` ``?category=`` ``?country=``, with the
    same meaning and defaults as the API's (``IndicatorFilterSerializer`` decides the
    window), so that the page, its exports and the API agree. After ``is_valid()``,
    ``filters`` holds the keyword arguments of the indicator functions (but ``now``)."""

    to = _date_field(
        pgettext_lazy("the last day of a range", "To"),
        _("The last day, included (default: today)."),
    )
    period = forms.ChoiceField(
        label=pgettext_lazy("the period of each bar", "Per"),
        choices=[(period, PERIOD_LABELS[period]) for period in measures.PERIODS],
        required=False,
        help_text=_("The size of each bar: month, quarter or year."),
    )
    layer = forms.ChoiceField(label=_("Layer"), choices=_blank(Layer.choices), required=False)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=_blank(Contact.Category.choices),
        required=False,
        help_text=_("Of the contacts counted (not applied to logged signals)."),
    )
    country = CountryChoiceField(label=_("Country"), choices=_country_choices, required=False)

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.filters: dict = {}
        # "from" is a Python keyword, so it cannot be declared as a class attribute.
        self.fields = {
            "from": _date_field(
                pgettext_lazy("the first day of a range", "From"),
                _(
                    "The first day, included. Empty: the last 12 months, 4 quarters or 3 "
                    "years; set both dates for a custom range."
                ),
            ),
            **self.fields,
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        query = IndicatorFilterSerializer(
            data=self.query_data(cleaned), context={"today": self.today}
        )
        if query.is_valid():
            self.filters = dict(query.validated_data)
        else:
            for name, messages in query.errors.items():
                self.add_error(name if name in self.fields else None, list(messages))
        return cleaned

    def query_data(self, cleaned: dict) -> dict:
        """The cleaned values as the API's query parameters (empty ones left out)."""
        data = {}
        for name in FILTER_NAMES:
            value = cleaned.get(name)
            if value:
                data[name] = value.isoformat() if isinstance(value, dt.date) else value
        return data

    def query_string(self) -> str:
        """The valid filters as a query string, for the export links."""
        query = QueryDict(mutable=True)
        query.update(self.query_data(self.cleaned_data))
        return query.urlencode()


class ReportFilterForm(IndicatorFilterForm):
    """The monthly report's filters: whole months from ``from`` to ``to`` (this month and
    the two before by default), at most 24."""

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, today=today, **kwargs)
        del self.fields["period"]
        self.fields["from"].help_text = _("A day in the first month (default: two months ago).")
        self.fields["to"].help_text = _("A day in the last month (default: this month).")

    def query_data(self, cleaned: dict) -> dict:
        end = cleaned.get("to") or self.today
        start = cleaned.get("from") or measures.add_months(
            measures.period_start(end, "month"), -(REPORT_MONTHS - 1)
        )
        if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
            return super().query_data(cleaned)  # the API's rules name the bad date
        last = measures.add_months(measures.period_start(end, "month"), 1)
        return {
            **super().query_data(cleaned),
            "period": "month",
            "from": measures.period_start(start, "month").isoformat(),
            "to": (last - dt.timedelta(days=1)).isoformat(),
        }

    def clean(self):
        # The report's own limit first: the API's (60 periods) would answer a longer range
        # with a choice of period that the report does not offer.
        data = self.query_data(self.cleaned_data) if not self.errors else {}
        if "from" in data and "to" in data:
            start, end = dt.date.fromisoformat(data["from"]), dt.date.fromisoformat(data["to"])
            months = measures.count_buckets(start, end, "month")
            # Dates out of the API's bounds, or in the wrong order: its rules name them.
            if EARLIEST <= start <= end <= LATEST and months > MAX_REPORT_MONTHS:
                self.add_error("from", _too_many_months())
                return self.cleaned_data
        cleaned = super().clean()
        if self.filters:
            months = measures.count_buckets(self.filters["start"], self.filters["end"], "month")
            if months > MAX_REPORT_MONTHS:
                self.filters = {}
                self.add_error("from", _too_many_months())
        return cleaned


def _too_many_months() -> str:
    return ngettext(
        "At most %(count)d month in one report.",
        "At most %(count)d months in one report.",
        MAX_REPORT_MONTHS,
    ) % {"count": MAX_REPORT_MONTHS}


class SignalFilterForm(forms.Form):
    """The signals list's filter by kind."""

    kind = forms.ChoiceField(label=_("Kind"), choices=_blank(Signal.Kind.choices), required=False)
