"""django-filter sets for the REST API lists (DESIGN.md query parameters)."""

import datetime as dt

import django_filters
from django import forms
from django.utils.translation import gettext
from rest_framework.filters import SearchFilter

from contacts.models import (
    Channel,
    Climate,
    Contact,
    Exchange,
    Organization,
    Reminder,
)


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 moment turned into UTC, so that an offset PostgreSQL refuses (beyond
    ±15:59) or a moment past the calendar's end is a 400, not a database error."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(dt.UTC)
        except (OverflowError, ValueError) as error:
            raise forms.ValidationError(gettext("Out of range.")) from error


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class UpdatedSinceFilterSet(django_filters.FilterSet):
    """``?updated_since=`` (ISO 8601) for clients that sync."""

    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")


class OrganizationFilter(UpdatedSinceFilterSet):
    class Meta:
        model = Organization
        fields = ["kind", "country"]


class ContactFilter(UpdatedSinceFilterSet):
    tag = django_filters.CharFilter(method="filter_tag")

    class Meta:
        model = Contact
        fields = ["category", "sensitivity", "layer", "organization", "country", "owner"]

    def filter_tag(self, queryset, name, value):
        """The tag's name in any case, as the contacts list filters (ContactQuerySet.tagged)."""
        return queryset.tagged(value) if value.strip() else queryset


class ContactSearchFilter(SearchFilter):
    """``?search=`` on the contacts: DRF's parameter and its reading of the terms (words,
    or quoted phrases; a contact matches when it matches every term), each term answered by
    the contacts list's own search (``ContactQuerySet.search``: the names in either script
    and folded across scripts, the organization's names) and the e-mail address, as DRF's
    ``search_fields`` had it: trigram-indexed branches on PostgreSQL, never a scan."""

    search_description = (
        "Contacts whose name (in any script), organization name or e-mail address contains "
        "each of these words, in any case."
    )

    def filter_queryset(self, request, queryset, view):
        for term in self.get_search_terms(request):
            queryset = queryset.search(term, emails=True)
        return queryset


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
    occurred_after = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = Exchange
        fields = ["kind"]


class ReminderFilter(django_filters.FilterSet):
    channel = django_filters.NumberFilter(field_name="channel")  # plain id: see ChannelFilter

    class Meta:
        model = Reminder
        fields = ["status", "kind"]


class ClimateFilter(django_filters.FilterSet):
    class Meta:
        model = Climate
        fields = ["level"]
