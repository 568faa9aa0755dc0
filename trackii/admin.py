"""Admin actions on contacts that reach into events: invite to an event in bulk, and the
data-subject requests (export as JSON, erase). They live here, not in contacts/admin.py,
because events depend on contacts, never the reverse."""

import json

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from contacts.access import may_erase
from contacts.admin import ContactAdmin, VisibleToAdminMixin
from contacts.errors import DomainError
from contacts.models import Contact
from events import services as event_services
from events.models import Event, Invitation
from trackii import privacy


@admin.action(description="Export all data held about the selected contact (JSON)")
def export_selected(modeladmin, request, queryset):
    if queryset.count() != 1:
        modeladmin.message_user(request, "Select exactly one contact to export.", messages.ERROR)
        return None
    try:
        document = privacy.export_contact(
            contact_id=queryset.get().pk, user=request.user, now=timezone.now()
        )
    except DomainError as error:
        modeladmin.message_user(request, error.message, messages.ERROR)
        return None
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"contact-{document['contact']['id']}-export.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.action(description="Erase the selected contacts' personal data")
def erase_selected(modeladmin, request, queryset):
    if not may_erase(request.user):
        modeladmin.message_user(request, "Only admins erase a contact.", messages.ERROR)
        return None
    if request.POST.get("confirmed") != "yes":
        context = {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "contacts": queryset.order_by("full_name", "pk"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "title": "Erase personal data?",
        }
        return TemplateResponse(request, "admin/contacts/contact/erase_confirmation.html", context)
    reason = request.POST.get("reason", "")[:200]
    erased = 0
    for contact in queryset.order_by("pk"):
        try:
            privacy.erase_contact(
                contact_id=contact.pk, user=request.user, reason=reason, now=timezone.now()
            )
            erased += 1
        except DomainError as error:
            modeladmin.message_user(request, f"#{contact.pk}: {error.message}", messages.WARNING)
    modeladmin.message_user(request, f"Erased the personal data of {erased} contact(s).")
    return None


@admin.action(description="Invite the selected contacts to an event")
def invite_selected(modeladmin, request, queryset):
    event_id = request.POST.get("event")
    if not event_id:
        context = {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "contacts": queryset.order_by("full_name", "pk"),
            "events": Event.objects.upcoming(timezone.now()),
            "roles": Invitation.Role.choices,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "title": "Invite to an event",
        }
        return TemplateResponse(request, "admin/contacts/contact/invite.html", context)
    event = Event.objects.filter(pk=event_id).first()
    role = request.POST.get("role", Invitation.Role.GUEST)
    if event is None or role not in Invitation.Role.values:
        modeladmin.message_user(request, "Choose an event and a role.", messages.ERROR)
        return None
    result = event_services.invite(
        event=event,
        contact_ids=list(queryset.values_list("pk", flat=True)),
        role=role,
        by=request.user,
        now=timezone.now(),
    )
    modeladmin.message_user(request, f"Invited {len(result.invited)} to {event.title}.")
    for what, why in result.skipped:
        modeladmin.message_user(request, f"Skipped {what}: {why}.", messages.WARNING)
    return None


class TrackIIContactAdmin(ContactAdmin):
    actions = [invite_selected, export_selected, erase_selected]


admin.site.unregister(Contact)
admin.site.register(Contact, TrackIIContactAdmin)


class TrackIIUserAdmin(VisibleToAdminMixin, UserAdmin):
    """Django's user admin, whose deletions (a user's channels, grants, exchanges) never
    reach rows the deleting user may not see."""


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), TrackIIUserAdmin)


class TrackIITokenAdmin(TokenAdmin):
    """API tokens are credentials: a token read here signs in as its user, who may see what
    the reader may not. Only superusers (who see everything already) open this page,
    whatever permissions a staff user was given."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


admin.site.unregister(TokenProxy)
admin.site.register(TokenProxy, TrackIITokenAdmin)
