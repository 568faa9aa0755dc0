"""Filters of the indicators app's API."""

import django_filters

from contacts.filters import UpdatedSinceFilterSet
from indicators.models import Signal


class SignalFilter(UpdatedSinceFilterSet):
    occurred_after = django_filters.DateFilter(field_name="occurred_on", lookup_expr="gte")
    occurred_before = django_filters.DateFilter(field_name="occurred_on", lookup_expr="lt")
    organization = django_filters.NumberFilter(field_name="organization_id")

    class Meta:
        model = Signal
        fields = ["kind", "theme", "layer", "severity", "outcome", "country"]
