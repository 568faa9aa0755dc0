"""The Django admin for events, invitations and programmes, scoped like the contacts admin."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from contacts.admin import HTTPS_URL_FIELDS, VisibleToAdminMixin
from events.models import Event, Invitation, Programme


class InvitationInline(VisibleToAdminMixin, admin.TabularInline):
    model = Invitation
    fields = ["contact", "role", "status", "responded_at", "checked_in_at"]
    autocomplete_fields = ["contact"]
    ordering = ["contact__full_name", "pk"]
    extra = 0


@admin.register(Event)
class EventAdmin(VisibleToAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "kind", "starts_at", "ends_at", "status", "layer", "venue", "capacity"]
    list_filter = ["kind", "status", "layer"]
    search_fields = ["title", "venue", "host_organization__name"]
    autocomplete_fields = ["planners", "host_organization"]
    # Bumped by the event workflow so that calendar clients notice a change.
    readonly_fields = ["sequence"]
    formfield_overrides = HTTPS_URL_FIELDS
    date_hierarchy = "starts_at"
    list_select_related = ["host_organization"]
    ordering = ["-starts_at", "pk"]
    inlines = [InvitationInline]


@admin.register(Invitation)
class InvitationAdmin(VisibleToAdminMixin, SimpleHistoryAdmin):
    list_display = ["contact", "event", "role", "status", "responded_at", "checked_in_at"]
    list_filter = ["status", "role", "event__kind"]
    search_fields = ["contact__full_name", "contact__native_name", "event__title"]
    autocomplete_fields = ["event", "contact", "invited_by"]
    list_select_related = ["event", "contact"]
    ordering = ["event__starts_at", "contact__full_name", "pk"]


@admin.register(Programme)
class ProgrammeAdmin(VisibleToAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "kind", "status", "layer", "starts_on", "ends_on"]
    list_filter = ["kind", "status", "layer"]
    search_fields = ["title", "partners__name", "partners__native_name"]
    autocomplete_fields = ["partners", "participants", "officers"]
    date_hierarchy = "starts_on"
    ordering = ["-starts_on", "pk"]
