"""REST API v1 representations of the indicators app: the indicators' query filters, one
indicator's series, total and change (DESIGN.md, "REST API v1", indicators/), and signals."""

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext, ngettext
from django_countries.serializer_fields import CountryField
from django_countries.serializers import CountryFieldMixin
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contacts.models import Contact, Layer
from contacts.serializers import NotesMixin
from indicators import measures
from indicators.models import Signal
from indicators.signals_import import COLUMNS

# Without ?from=, the window covers this many periods up to ?to= (the current one included).
DEFAULT_BUCKETS = {"month": 12, "quarter": 4, "year": 3}
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


class IndicatorFilterSerializer(serializers.Serializer):
    """``?from=`` ``?to=`` ``?period=`` ``?layer=`` ``?category=`` ``?country=``."""

    to = serializers.DateField(required=False, help_text="The last day, included (default today).")
    period = serializers.ChoiceField(
        choices=measures.PERIODS, default="month", help_text="The size of each bucket."
    )
    layer = serializers.ChoiceField(choices=Layer.choices, required=False)
    category = serializers.ChoiceField(
        choices=Contact.Category.choices,
        required=False,
        help_text="The category of the contacts counted (not applied to signals).",
    )
    country = CountryField(
        required=False, help_text="ISO 3166 code of the contacts, partners or signals counted."
    )

    def get_fields(self):
        fields = super().get_fields()
        # "from" is a Python keyword, so it cannot be declared as a class attribute.
        fields["from"] = serializers.DateField(
            required=False,
            help_text="The first day, included (default: twelve months, four quarters or "
            "three years up to ``to``).",
        )
        return fields

    def validate(self, attrs):
        period = attrs["period"]
        end = attrs.get("to") or self.context["today"]
        start = attrs.get("from") or measures.add_months(
            measures.period_start(end, period),
            -measures.PERIOD_MONTHS[period] * (DEFAULT_BUCKETS[period] - 1),
        )
        for name, day in (("from", start), ("to", end)):
            if not EARLIEST <= day <= LATEST:
                message = gettext("Between %(earliest)s and %(latest)s.")
                bounds = {"earliest": EARLIEST, "latest": LATEST}
                raise serializers.ValidationError({name: [message % bounds]})
        if start > end:
            raise serializers.ValidationError({"from": [gettext("On or before to.")]})
        if measures.count_buckets(start, end, period) > measures.MAX_BUCKETS:
            message = ngettext(
                "At most %(count)d period: a longer period or a shorter range.",
                "At most %(count)d periods: a longer period or a shorter range.",
                measures.MAX_BUCKETS,
            )
            raise serializers.ValidationError({"from": [message % {"count": measures.MAX_BUCKETS}]})
        return {
            "start": start,
            "end": end,
            "period": period,
            "layer": attrs.get("layer") or None,
            "category": attrs.get("category") or None,
            "country": attrs.get("country") or None,
        }


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    """A count stays an integer, a rate or a mean is a float; null when undefined (a rate
    of nothing, a state not yet reached)."""

    def to_representation(self, value):
        return value


POLARITY_HELP = (
    "Which way is good: higher_is_better, lower_is_better or neutral (neither is better)."
)
ASSESSMENT_HELP = (
    "Whether the change is good news by the polarity: better, worse, same, or null (no "
    "change to judge, or a neutral figure)."
)


class PointSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="The first day of the period.")
    value = NumberField(allow_null=True)
    partial = serializers.BooleanField(
        source="is_partial",
        help_text="The value counts part of the period only: the period is still running, "
        "or the window starts or ends inside it.",
    )


class PartSerializer(serializers.Serializer):
    by = serializers.CharField(help_text="The dimension: kind, theme, platform, layer...")
    key = serializers.CharField(help_text="Its value (empty when not recorded).")
    series = PointSerializer(many=True)
    total = NumberField(allow_null=True)
    previous = NumberField(allow_null=True)
    change = NumberField(allow_null=True)
    polarity = serializers.ChoiceField(choices=measures.POLARITIES, help_text=POLARITY_HELP)
    assessment = serializers.CharField(allow_null=True, help_text=ASSESSMENT_HELP)


class IndicatorSerializer(serializers.Serializer):
    name = serializers.CharField()
    area = serializers.CharField(
        help_text="narrative, digital, civil, presence, network_health or security."
    )
    title = serializers.CharField()
    unit = serializers.ChoiceField(
        choices=[measures.COUNT, measures.SUM, measures.SHARE, measures.MEAN],
        help_text="count and sum are integers; share is 0 to 1; mean is the mean tone.",
    )
    period = serializers.ChoiceField(choices=measures.PERIODS)
    start = serializers.DateField()
    end = serializers.DateField()
    filters = serializers.ListField(
        child=serializers.CharField(), help_text="The filters this indicator applies."
    )
    series = PointSerializer(many=True)
    total = NumberField(allow_null=True, help_text="The figure for the whole window.")
    previous = NumberField(
        allow_null=True,
        help_text="The figure for the window before (previous_start to previous_end): as "
        "many months or days; for a window still running, the same days of the window "
        "before, up to today's counterpart.",
    )
    previous_start = serializers.DateField()
    previous_end = serializers.DateField()
    change = NumberField(allow_null=True, help_text="total - previous.")
    polarity = serializers.ChoiceField(choices=measures.POLARITIES, help_text=POLARITY_HELP)
    assessment = serializers.CharField(allow_null=True, help_text=ASSESSMENT_HELP)
    breakdown = PartSerializer(many=True)


class IndicatorListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = IndicatorSerializer(many=True)


class SignalSerializer(NotesMixin, CountryFieldMixin, serializers.ModelSerializer):
    """A signal; the rules of its kind are ``Signal.clean()``, as in the admin and the CSV
    import. Analysts get no note."""

    private_fields = ("note",)

    class Meta:
        model = Signal
        # The CSV import's columns: one list of what a signal records.
        fields = ["id", *COLUMNS, "created_by", "created_at", "updated_at"]
        read_only_fields = ["created_by", "created_at", "updated_at"]
        extra_kwargs = {
            "layer": {
                "required": False,
                "help_text": "Defaults to security for incidents and coordination, "
                "narrative otherwise.",
            },
            "country": {"help_text": "Defaults to the organization's country."},
            "note": {"max_length": 20_000},
        }

    def validate(self, attrs):
        current = {}
        if self.instance is not None:
            current = {
                field.name: getattr(self.instance, field.name)
                for field in Signal._meta.concrete_fields
                if field.name in self.fields and not field.primary_key
            }
        signal = Signal(**{**current, **attrs})
        try:
            signal.clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return {**attrs, "layer": signal.layer, "country": str(signal.country)}
