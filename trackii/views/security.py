"""Security: the signed-in user's sessions and API tokens, which they end and revoke; a new
token behind a fresh confirmation with the second factor; a lead's or an admin's "sign out
everywhere" for a member of their teams (trackii.user_sessions, trackii.tokens)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

from contacts.access import Role, has_any_role, require_any_role
from trackii import tokens, user_sessions
from trackii.models import ApiToken
from trackii.security import sensitive_action

TEAM_ROLES = (Role.LEAD, Role.ADMIN)


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=ApiToken._meta.get_field("name").max_length,
        label=pgettext_lazy("API token", "Name"),
        help_text=gettext_lazy("What the token is for, e.g. the integration that uses it."),
    )


def _posted_id(request, field: str) -> int:
    """An id posted in ``field``; 404 when it is missing or not a number."""
    value = request.POST.get(field) or request.GET.get(field) or ""
    if not value.isdigit():
        raise Http404
    return int(value)


@login_required
def security(request):
    """The user's sessions (this one first) and API tokens, with their ends."""
    user = request.user
    now = timezone.now()
    context = {
        "sessions": user_sessions.sessions_of(user, current_key=request.session.session_key),
        "tokens": [
            {"token": token, "expired": token.expires_at <= now} for token in tokens.tokens_of(user)
        ],
        "lifetime_days": settings.API_TOKEN_LIFETIME_DAYS,
        "second_factor_needed": tokens.second_factor_needed(user),
        "may_sign_out_others": has_any_role(user, TEAM_ROLES),
    }
    return render(request, "trackii/security.html", context)


@login_required
@require_POST
def session_end(request):
    if user_sessions.end_session(request, _posted_id(request, "session")):
        messages.success(request, _("The session was ended: it is signed out."))
    else:
        messages.error(request, _("That session has already ended."))
    return redirect("security")


@login_required
def sessions_end_others(request):
    """Confirm, then end every other session of the user."""
    if request.method == "POST":
        ended = user_sessions.end_other_sessions(request)
        messages.success(
            request,
            ngettext("Ended %(count)d other session.", "Ended %(count)d other sessions.", ended)
            % {"count": ended},
        )
        return redirect("security")
    others = [
        row
        for row in user_sessions.sessions_of(request.user, current_key=request.session.session_key)
        if not row.current
    ]
    return render(request, "trackii/security_end_others.html", {"others": others})


@login_required
@sensitive_action
def token_new(request):
    """Create a token, shown once. Behind a confirmation of identity younger than
    ACCOUNT_REAUTHENTICATION_TIMEOUT, with the second factor when the user has one."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = tokens.create_token(
            request.user, name=form.cleaned_data["name"], request=request, via="web"
        )
        return render(request, "trackii/security_token_created.html", {"issued": issued})
    return render(
        request,
        "trackii/security_token_form.html",
        {"form": form, "lifetime_days": settings.API_TOKEN_LIFETIME_DAYS},
    )


@login_required
@require_POST
def token_revoke(request):
    token = ApiToken.objects.filter(pk=_posted_id(request, "token"), user=request.user).first()
    if token is None:
        raise Http404
    tokens.revoke_token(token, actor=request.user, request=request, reason="revoked_by_user")
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("security")


@login_required
def team(request):
    """A lead's (or an admin's) list of the members of their teams, each with their live
    sessions and tokens, and "Sign out everywhere"."""
    require_any_role(request.user, TEAM_ROLES, _("Only leads and admins sign others out."))
    now = timezone.now()
    members = user_sessions.team_members_for(request.user).annotate(
        session_count=Count("usersession", distinct=True),
        token_count=Count("api_tokens", filter=Q(api_tokens__expires_at__gt=now), distinct=True),
    )
    return render(request, "trackii/security_team.html", {"members": members})


@login_required
def sign_out_user(request):
    """Confirm, then end every session of a user and revoke their tokens (a lost phone);
    404 for a user the signed-in one may not sign out (``may_sign_out``)."""
    require_any_role(request.user, TEAM_ROLES, _("Only leads and admins sign others out."))
    target = get_user_model().objects.filter(pk=_posted_id(request, "user")).first()
    if target is None or not user_sessions.may_sign_out(request.user, target):
        raise Http404
    if request.method == "POST":
        result = user_sessions.sign_out_everywhere(target, actor=request.user, request=request)
        messages.success(
            request,
            _(
                "Signed %(name)s out everywhere. Sessions ended: %(sessions)d. "
                "API tokens revoked: %(tokens)d."
            )
            % {"name": target.get_username(), "sessions": result.sessions, "tokens": result.tokens},
        )
        return redirect("security_team")
    return render(request, "trackii/security_sign_out_user.html", {"target": target})
