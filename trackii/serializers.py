"""REST API v1 representations of the indicators (DESIGN.md, "REST API v1", indicators/):
the query filters, and one indicator's series, total and change."""

import datetime as dt

from django_countries.serializer_fields import CountryField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contacts.models import Contact, Layer
from trackii import indicators

# Without ?from=, the window covers this many periods up to ?to= (the current one included).
DEFAULT_BUCKETS = {"month": 12, "quarter": 4, "year": 3}
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


class IndicatorFilterSerializer(serializers.Serializer):
    """``?from=`` ``?to=`` ``?period=`` ``?layer=`` ``?category=`` ``?country=``."""

    to = serializers.DateField(required=False, help_text="The last day, included (default today).")
    period = serializers.ChoiceField(
        choices=indicators.PERIODS, default="month", help_text="The size of each bucket."
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
        start = attrs.get("from") or indicators.add_months(
            indicators.period_start(end, period),
            -indicators.PERIOD_MONTHS[period] * (DEFAULT_BUCKETS[period] - 1),
        )
        for name, day in (("from", start), ("to", end)):
            if not EARLIEST <= day <= LATEST:
                raise serializers.ValidationError({name: [f"Between {EARLIEST} and {LATEST}."]})
        if start > end:
            raise serializers.ValidationError({"from": ["On or before to."]})
        if indicators.count_buckets(start, end, period) > indicators.MAX_BUCKETS:
            raise serializers.ValidationError(
                {
                    "from": [
                        f"At most {indicators.MAX_BUCKETS} periods: a longer period or a "
                        "shorter range."
                    ]
                }
            )
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


class PointSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="The first day of the period.")
    value = NumberField(allow_null=True)


class PartSerializer(serializers.Serializer):
    by = serializers.CharField(help_text="The dimension: kind, theme, platform, layer...")
    key = serializers.CharField(help_text="Its value (empty when not recorded).")
    series = PointSerializer(many=True)
    total = NumberField(allow_null=True)
    previous = NumberField(allow_null=True)
    change = NumberField(allow_null=True)


class IndicatorSerializer(serializers.Serializer):
    name = serializers.CharField()
    area = serializers.CharField(
        help_text="narrative, digital, civil, presence, network_health or security."
    )
    title = serializers.CharField()
    unit = serializers.ChoiceField(
        choices=[indicators.COUNT, indicators.SUM, indicators.SHARE, indicators.MEAN],
        help_text="count and sum are integers; share is 0 to 1; mean is the mean tone.",
    )
    period = serializers.ChoiceField(choices=indicators.PERIODS)
    start = serializers.DateField()
    end = serializers.DateField()
    filters = serializers.ListField(
        child=serializers.CharField(), help_text="The filters this indicator applies."
    )
    series = PointSerializer(many=True)
    total = NumberField(allow_null=True, help_text="The figure for the whole window.")
    previous = NumberField(allow_null=True, help_text="The figure for the window before.")
    change = NumberField(allow_null=True, help_text="total - previous.")
    breakdown = PartSerializer(many=True)


class IndicatorListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = IndicatorSerializer(many=True)
