"""The Django admin for events, invitations and programmes, scoped like the contacts admin.
Writes that carry rules (creating and editing an event, answers, withdrawal, check-in) go
through events.services."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from contacts.admin import HTTPS_URL_FIELDS, ReadOnlyAdminMixin, VisibleToAdminMixin
from contacts.admin_lookups import GuardedLookupsMixin
from contacts.errors import DomainError
from contacts.models import Reminder
from events import services
from events.models import CalendarFeed, Event, EventReminder, Invitation, Programme


class InvitationInline(VisibleToAdminMixin, admin.TabularInline):
    """An event's guests. A row added here is an invitation made by ``services.invite``
    and a row deleted here is withdrawn (``services.withdraw_invitation``), as on the web
    and the API (see EventAdmin.save_formset)."""

    model = Invitation
    fields = ["contact", "role", "status", "responded_at", "checked_in_at"]
    readonly_fields = ["status", "responded_at", "checked_in_at"]
    autocomplete_fields = ["contact"]
    ordering = ["contact__full_name", "pk"]
    extra = 0


@admin.register(Event)
class EventAdmin(VisibleToAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "title",
        "kind",
        "local_start",
        "status",
        "layer",
        "venue",
        "capacity",
        "calendar_file",
    ]
    list_filter = ["kind", "status", "layer"]
    search_fields = ["title", "venue", "host_organization__name"]
    autocomplete_fields = ["planners", "attending_officers", "host_organization"]
    readonly_fields = ["sequence"]
    formfield_overrides = HTTPS_URL_FIELDS
    date_hierarchy = "starts_at"
    list_select_related = ["host_organization"]
    ordering = ["-starts_at", "pk"]
    inlines = [InvitationInline]

    @admin.display(description=gettext_lazy("starts (event's zone)"), ordering="starts_at")
    def local_start(self, event):
        local = timezone.localtime(event.starts_at, event.timezone)
        return f"{local:%Y-%m-%d %H:%M} {event.timezone}"

    @admin.display(description=gettext_lazy("calendar"))
    def calendar_file(self, event):
        return format_html('<a href="{}">.ics</a>', reverse("events:event_ics", args=[event.pk]))

    def save_model(self, request, obj, form, change):
        # Saved in save_related, with its planners, by the service the other surfaces call.
        obj._history_user = request.user  # as SimpleHistoryAdmin.save_model does

    def save_related(self, request, form, formsets, change):
        relations = {
            "planners": form.cleaned_data["planners"],
            "attending_officers": form.cleaned_data["attending_officers"],
        }
        if change:
            services.update_event(event=form.instance, **relations)
        else:
            services.create_event(event=form.instance, by=request.user, **relations)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Invitation:
            return super().save_formset(request, form, formset, change)
        now = timezone.now()
        rows = formset.save(commit=False)
        for invitation in formset.deleted_objects:
            services.withdraw_invitation(invitation=invitation, now=now)
        for invitation in rows:
            if invitation.pk is not None:
                invitation.save()  # a new role: no rule to apply
                continue
            result = services.invite(
                event=form.instance,
                contact_ids=[invitation.contact_id],
                role=invitation.role,
                by=request.user,
                now=now,
            )
            for what, why in result.skipped:
                messages.warning(
                    request,
                    gettext("Not invited: %(what)s (%(why)s).")
                    % {"what": what, "why": gettext(why)},
                )
        return None


@admin.action(
    description=gettext_lazy("Withdraw the selected invitations (their RSVP links stop working)")
)
def withdraw_selected(modeladmin, request, queryset):
    for invitation in queryset:
        services.withdraw_invitation(invitation=invitation, now=timezone.now())
    count = queryset.count()
    text = ngettext("Withdrew %(count)s invitation.", "Withdrew %(count)s invitations.", count)
    modeladmin.message_user(request, text % {"count": count})


def _check_in_action(attended: bool, description: str):
    @admin.action(description=description)
    def check_in_selected(modeladmin, request, queryset):
        done = 0
        for invitation in queryset:
            try:
                services.check_in(
                    invitation=invitation, attended=attended, by=request.user, now=timezone.now()
                )
                done += 1
            except DomainError as error:
                modeladmin.message_user(request, f"{invitation}: {error.message}", messages.ERROR)
        text = ngettext(
            "Checked in %(count)s invitation.", "Checked in %(count)s invitations.", done
        )
        modeladmin.message_user(request, text % {"count": done})

    check_in_selected.__name__ = "mark_attended" if attended else "mark_no_show"
    return check_in_selected


@admin.register(Invitation)
class InvitationAdmin(VisibleToAdminMixin, SimpleHistoryAdmin):
    list_display = ["contact", "event", "role", "status", "responded_at", "checked_in_at"]
    list_filter = ["status", "role", "event__kind"]
    search_fields = ["contact__full_name", "contact__native_name", "event__title"]
    autocomplete_fields = ["event", "contact", "invited_by"]
    readonly_fields = ["rsvp_link", "attendance_exchange", "revoked_at"]
    list_select_related = ["event", "contact"]
    ordering = ["event__starts_at", "contact__full_name", "pk"]
    actions = [
        withdraw_selected,
        _check_in_action(True, gettext_lazy("Check in: attended")),
        _check_in_action(False, gettext_lazy("Check in: no show")),
    ]

    @admin.display(description=gettext_lazy("RSVP link (no login needed)"))
    def rsvp_link(self, invitation):
        if invitation.pk is None or invitation.revoked_at:
            return "—"
        path = reverse("events:rsvp", args=[services.rsvp_token(invitation)])
        return format_html('<a href="{0}">{0}</a>', path)


@admin.register(Programme)
class ProgrammeAdmin(VisibleToAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "kind", "status", "layer", "starts_on", "ends_on"]
    list_filter = ["kind", "status", "layer"]
    search_fields = ["title", "partners__name", "partners__native_name"]
    autocomplete_fields = ["partners", "participants", "officers"]
    date_hierarchy = "starts_on"
    ordering = ["-starts_on", "pk"]


@admin.register(EventReminder)
class EventReminderAdmin(ReadOnlyAdminMixin, GuardedLookupsMixin, admin.ModelAdmin):
    list_display = ["event", "kind", "recipient"]
    list_filter = ["kind"]
    list_select_related = ["event", "recipient"]
    ordering = ["-event__starts_at", "pk"]

    def get_queryset(self, request):
        visible = Reminder.objects.visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(reminder__in=visible)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Deleting a feed revokes its URL at once."""

    list_display = ["user", "created_at"]
    fields = ["user", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]
    ordering = ["user__username", "pk"]
