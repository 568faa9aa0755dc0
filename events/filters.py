"""django-filter sets for the events REST API lists (DESIGN.md query parameters).

Ids of contacts are plain number filters, never model choices: a choice filter checks the
id against every contact, and its 400 for a missing id next to an empty 200 for a hidden
one would confirm that the hidden contact exists.
"""

import django_filters

from contacts.filters import UpdatedSinceFilterSet, UtcIsoDateTimeFilter
from events.models import Event, Invitation, Programme


class EventFilter(UpdatedSinceFilterSet):
    starts_after = UtcIsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = UtcIsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Event
        fields = ["status", "kind", "layer"]


class InvitationFilter(UpdatedSinceFilterSet):
    event = django_filters.NumberFilter(field_name="event_id")
    contact = django_filters.NumberFilter(field_name="contact_id")
    revoked = django_filters.BooleanFilter(
        field_name="revoked_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Invitation
        fields = ["status", "role"]


class ProgrammeFilter(UpdatedSinceFilterSet):
    partner = django_filters.NumberFilter(field_name="partners", distinct=True)

    class Meta:
        model = Programme
        fields = ["kind", "status", "layer"]
