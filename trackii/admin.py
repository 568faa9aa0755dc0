"""Admin actions on contacts that reach into events: invite to an event in bulk, and the
data-subject requests (export as JSON, erase). They live here, not in contacts/admin.py,
because events depend on contacts, never the reverse."""

import json

from allauth.account.decorators import secure_admin_login
from allauth.mfa.models import Authenticator
from allauth.socialaccount.admin import SocialAccountAdmin
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from contacts.access import ROLES, Role, has_role, may_erase
from contacts.admin import ContactAdmin, VisibleToAdminMixin
from contacts.duplicate_admin import merge_selected
from contacts.errors import DomainError
from contacts.models import Contact
from events import services as event_services
from events.models import Event, Invitation
from trackii import mfa_policy, privacy, retention, tokens, user_sessions
from trackii.models import ApiToken, SecurityEvent
from trackii.security import require_recent_confirmation

# The admin signs in through the app's sign-in (allauth: password, then the second factor),
# never through a form of its own that would skip the factor.
admin.site.login = secure_admin_login(admin.site.login)


@admin.action(description=_("Export all data held about the selected contact (JSON)"))
def export_selected(modeladmin, request, queryset):
    if queryset.count() != 1:
        modeladmin.message_user(
            request, gettext("Select exactly one contact to export."), messages.ERROR
        )
        return None
    require_recent_confirmation(request)
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


@admin.action(description=_("Erase the selected contacts' personal data"))
def erase_selected(modeladmin, request, queryset):
    if not may_erase(request.user):
        modeladmin.message_user(request, gettext("Only admins erase a contact."), messages.ERROR)
        return None
    require_recent_confirmation(request)
    if request.POST.get("confirmed") != "yes":
        context = {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "contacts": queryset.order_by("full_name", "pk"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "title": gettext("Erase personal data?"),
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
    modeladmin.message_user(
        request,
        ngettext(
            "Erased the personal data of %(count)d contact.",
            "Erased the personal data of %(count)d contacts.",
            erased,
        )
        % {"count": erased},
    )
    return None


@admin.action(description=_("Invite the selected contacts to an event"))
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
            "title": gettext("Invite to an event"),
        }
        return TemplateResponse(request, "admin/contacts/contact/invite.html", context)
    event = Event.objects.filter(pk=event_id).first()
    role = request.POST.get("role", Invitation.Role.GUEST)
    if event is None or role not in Invitation.Role.values:
        modeladmin.message_user(request, gettext("Choose an event and a role."), messages.ERROR)
        return None
    result = event_services.invite(
        event=event,
        contact_ids=list(queryset.values_list("pk", flat=True)),
        role=role,
        by=request.user,
        now=timezone.now(),
    )
    invited = len(result.invited)
    modeladmin.message_user(
        request,
        ngettext("Invited %(count)d to %(event)s.", "Invited %(count)d to %(event)s.", invited)
        % {"count": invited, "event": event.title},
    )
    for what, why in result.skipped:
        modeladmin.message_user(
            request,
            gettext("Skipped %(what)s: %(why)s.") % {"what": what, "why": why},
            messages.WARNING,
        )
    return None


class TrackIIContactAdmin(ContactAdmin):
    actions = [invite_selected, export_selected, erase_selected, merge_selected]


admin.site.unregister(Contact)
admin.site.register(Contact, TrackIIContactAdmin)


@admin.action(
    description=_("Reset the selected users' second factors"), permissions=["reset_factors"]
)
def reset_factors_selected(modeladmin, request, queryset):
    """Delete every second factor of the selected users (a lost phone or key): they sign in
    by password and enrol again. Each reset is in the security trail with who did it."""
    require_recent_confirmation(request)
    reset = 0
    for user in queryset.order_by("pk"):
        if mfa_policy.reset_factors(user=user, actor=request.user, request=request):
            reset += 1
    modeladmin.message_user(
        request,
        ngettext(
            "Reset the second factors of %(count)d user.",
            "Reset the second factors of %(count)d users.",
            reset,
        )
        % {"count": reset},
    )


@admin.action(
    description=_("End all sessions and revoke the API tokens of the selected users"),
    permissions=["sign_out"],
)
def sign_out_selected(modeladmin, request, queryset):
    """A lost phone or laptop: end every session of the selected users and revoke their API
    tokens (trackii.user_sessions.sign_out_everywhere); each recorded with who did it."""
    sessions = revoked = 0
    for user in queryset.order_by("pk"):
        if not user_sessions.may_sign_out(request.user, user):
            modeladmin.message_user(
                request,
                gettext("Skipped %(user)s: end your own sessions from Security.") % {"user": user},
                messages.WARNING,
            )
            continue
        result = user_sessions.sign_out_everywhere(user, actor=request.user, request=request)
        sessions += result.sessions
        revoked += result.tokens
    modeladmin.message_user(
        request,
        gettext("Sessions ended: %(sessions)d. API tokens revoked: %(tokens)d.")
        % {"sessions": sessions, "tokens": revoked},
    )


NO_ROLE = "none"


class RoleFilter(admin.SimpleListFilter):
    """Users by role, and those without one (an account made by an admin or by single
    sign-on's auto-provisioning, which sees nothing until it is given one:
    trackii.role_policy)."""

    title = pgettext_lazy("a user's role in Track II", "role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(NO_ROLE, _("No role yet (sees nothing)")), *Role.choices]

    def queryset(self, request, queryset):
        if self.value() == NO_ROLE:
            return queryset.filter(is_superuser=False).exclude(groups__name__in=ROLES)
        if self.value() in ROLES:
            return queryset.filter(groups__name=self.value())
        return queryset


class TrackIIUserAdmin(VisibleToAdminMixin, UserAdmin):
    """Django's user admin, whose deletions (a user's channels, grants, exchanges) never
    reach rows the deleting user may not see. Admins reset a user's second factors here,
    and find the accounts waiting for a role (the "Role" filter and column)."""

    actions = [reset_factors_selected, sign_out_selected]
    list_display = (*UserAdmin.list_display, "roles")
    list_filter = (RoleFilter, "is_staff", "is_superuser", "is_active")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=pgettext_lazy("a user's roles in Track II", "roles"))
    def roles(self, user):
        names = [Role(group.name).label for group in user.groups.all() if group.name in ROLES]
        if names:
            return ", ".join(str(name) for name in sorted(names, key=str))
        return gettext("superuser") if user.is_superuser else gettext("none yet")

    # Superusers (the admin role) see everything: only they grant that, a staff role or a
    # permission, and only they change or delete a superuser's account (its password
    # included). A staff user given "change user" would otherwise make themselves one.
    privileges = ("is_superuser", "is_staff", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return (*fields, *self.privileges)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def has_reset_factors_permission(self, request):
        return mfa_policy.may_reset_factors(request.user)

    def has_sign_out_permission(self, request):
        return has_role(request.user, Role.ADMIN)


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), TrackIIUserAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens: their names and dates, never a key (only a digest is stored, and it is
    not shown either). Superusers only, whatever permissions a staff user was given: a
    token's owner may see what the reader may not. No add page (a user creates their tokens,
    with the second factor); deleting one revokes it, recorded with who did it."""

    list_display = ("name", "user", "created_at", "expires_at", "last_used_at")
    ordering = ("-created_at", "-pk")
    list_select_related = ("user",)
    search_fields = ("name", "user__username")
    date_hierarchy = "created_at"
    fields = ("name", "user", "created_at", "expires_at", "last_used_at")
    readonly_fields = fields

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def delete_model(self, request, obj):
        tokens.revoke_token(obj, actor=request.user, request=request, reason="revoked_by_admin")

    def delete_queryset(self, request, queryset):
        for token in queryset.select_related("user"):
            self.delete_model(request, token)


# Second factors are never edited here: a user manages their own, an admin resets them all
# (the user action above, recorded); allauth's page would delete one unrecorded.
admin.site.unregister(Authenticator)
# Single sign-on is configured by settings (no SocialApp row) and keeps no provider token.
# Sessions are seen and ended on the Security page and by the user action above: a session's
# row holds its key, which would sign its reader in as its user.
admin.site.unregister(SocialApp)
admin.site.unregister(SocialToken)
admin.site.unregister(UserSession)
admin.site.unregister(SocialAccount)


@admin.register(SocialAccount)
class SsoIdentityAdmin(SocialAccountAdmin):
    """The identities of the single sign-on provider linked to users (trackii.sso links
    them by verified e-mail). Superusers only; deleting one unlinks it (the next single
    sign-on of that identity is matched by e-mail again)."""

    readonly_fields = ("user", "provider", "uid", "last_login", "date_joined", "extra_data")

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The security audit trail, read-only: the application writes it
    (trackii.security_events.record), nobody edits or deletes a row here (the nightly prune
    removes rows past RETENTION_SIGNINS_DAYS). Admins and superusers read it."""

    list_display = ("at", "kind", "user", "actor", "ip")
    list_filter = ("kind",)
    date_hierarchy = "at"
    search_fields = ("user__username", "actor__username")
    list_select_related = ("user", "actor")
    ordering = ("-at", "-pk")
    fields = ("at", "kind", "user", "actor", "ip", "user_agent", "detail")
    readonly_fields = fields

    def has_module_permission(self, request):
        return has_role(request.user, Role.ADMIN)

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, Role.ADMIN)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def retention_view(request):
    """What the next nightly prune deletes, per table: counts and dates, no row. Superusers
    only: the counts span every contact, hidden ones included."""
    if not request.user.is_superuser:
        raise PermissionDenied
    now = timezone.now()
    next_run = retention.next_run_at(now=now)
    context = {
        **admin.site.each_context(request),
        "title": gettext("Retention"),
        "rows": retention.plan(now=next_run or now),
        "next_run": next_run,
        "batch_size": settings.RETENTION_BATCH_SIZE,
    }
    return TemplateResponse(request, "admin/trackii/retention.html", context)


def _with_operations_pages(get_urls):
    def urls():
        page = path("retention/", admin.site.admin_view(retention_view), name="retention")
        return [page, *get_urls()]

    return urls


admin.site.get_urls = _with_operations_pages(admin.site.get_urls)
