"""django-filter sets for the REST API lists (DESIGN.md query parameters)."""

import django_filters

from contacts.models import Channel, Climate, Contact, Exchange, Organization, Reminder


class UpdatedSinceFilterSet(django_filters.FilterSet):
    """``?updated_since=`` (ISO 8601) for clients that sync."""

    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")


class OrganizationFilter(UpdatedSinceFilterSet):
    class Meta:
        model = Organization
        fields = ["kind", "country"]


class ContactFilter(UpdatedSinceFilterSet):
    tag = django_filters.CharFilter(field_name="tags__name", distinct=True)

    class Meta:
        model = Contact
        fields = ["category", "sensitivity", "layer", "organization", "country", "owner"]


class ChannelFilter(UpdatedSinceFilterSet):
    # Plain numbers, not model choices: a choice filter answers 400 for a missing contact
    # but an empty list for a hidden one, which would confirm that the hidden one exists.
    contact = django_filters.NumberFilter(field_name="contact")
    officer = django_filters.NumberFilter(field_name="officer")
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Channel
        fields = ["kind", "priority", "status"]

    def filter_overdue(self, queryset, name, value):
        # The list annotates next_due_at and overdue under the climate in force now.
        return queryset.filter(overdue=value)


class ExchangeFilter(UpdatedSinceFilterSet):
    contact = django_filters.NumberFilter(field_name="contacts", distinct=True)
    officer = django_filters.NumberFilter(field_name="officers", distinct=True)
    occurred_after = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = Exchange
        fields = ["kind"]


class ReminderFilter(django_filters.FilterSet):
    class Meta:
        model = Reminder
        fields = ["status", "kind", "channel"]


class ClimateFilter(django_filters.FilterSet):
    class Meta:
        model = Climate
        fields = ["level"]
