"""An account without a role reaches nothing (trackii.role_policy): every page but sign-out,
the second factor's enrolment, the password and the language answers 403 with the page
that says why, the API 403 ``no_role`` by session and by token, and no token is issued to
it. The rows behind the pages (an event and its internal description, a programme, an
organization, a signal) are real, so a page that still answered would show them."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from contacts.access import forget_roles
from events.services import rsvp_token
from tests import factories
from trackii import tokens
from trackii.models import ApiToken

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_throttle_counts")]

PASSWORD = "correct horse battery staple"
TOKEN_URL = "/api/v1/auth/token/"
SECRET = "Internal: the minister's aide attends unofficially"


@pytest.fixture
def rows(owner):
    organization = factories.OrganizationFactory(name="Institute of Quiet Diplomacy")
    event = factories.EventFactory(title="Closed round table", description=SECRET)
    programme = factories.ProgrammeFactory(title="Exchange of young editors")
    signal = factories.SignalFactory(title="Quiet consultation")
    return {
        "organization": organization,
        "event": event,
        "programme": programme,
        "signal": signal,
    }


@pytest.fixture
def newcomer(db):
    """An account an admin made, or single sign-on provisioned, before any role."""
    return factories.UserFactory(username="newcomer")


def _pages(rows) -> list[str]:
    return [
        reverse("today"),
        reverse("account"),
        reverse("security"),
        reverse("contacts:list"),
        reverse("contacts:organization_list"),
        reverse("contacts:organization_detail", args=[rows["organization"].pk]),
        reverse("events:list"),
        reverse("events:detail", args=[rows["event"].pk]),
        reverse("events:programme_list"),
        reverse("events:programme_detail", args=[rows["programme"].pk]),
        reverse("signal_list"),
        reverse("network_health"),
        reverse("dashboard"),
        reverse("admin:index"),
        reverse("admin:events_event_changelist"),
    ]


def _parameterless_pages() -> list[str]:
    """Every page of the URL map that takes no argument (the API and the guests' pages,
    which take a token, are tested apart)."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and not pattern.pattern.converters:
                route = prefix + str(pattern.pattern)
                if "(" not in route and "<" not in route and "^" not in route:
                    found.append("/" + route.lstrip("/"))

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def test_every_page_answers_403_with_the_reason_and_shows_no_row(client, newcomer, rows):
    client.force_login(newcomer)
    for url in _pages(rows):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "trackii/no_role.html" in [t.name for t in response.templates], url
        text = response.content.decode()
        assert 'id="no-role"' in text, url
        for hidden in (
            SECRET,
            "Closed round table",
            "Institute of Quiet",
            "young editors",
            "Quiet consultation",
        ):
            assert hidden not in text, (url, hidden)
        # Neither the menu nor the climate banner: only sign-out and the language.
        assert f'href="{reverse("contacts:list")}"' not in text, url
        assert 'class="climate' not in text, url
        assert reverse("account_logout") in text, url


def test_every_page_of_the_url_map_is_held_but_the_open_ones(client, newcomer):
    client.force_login(newcomer)
    opened, held = [], 0
    for url in _parameterless_pages():
        if url.startswith(("/api/", "/static/", "/media/", "/health", "/metrics")):
            continue
        response = client.get(url)
        if response.status_code == 403:
            assert "trackii/no_role.html" in [t.name for t in response.templates], url
            held += 1
        else:
            opened.append((url, response.status_code))
    names = {
        "/accounts/logout/",
        "/accounts/login/",
        "/accounts/reauthenticate/",
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate/",
        "/accounts/2fa/webauthn/add/",
        "/accounts/2fa/webauthn/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/2fa/recovery-codes/download/",
        "/accounts/2fa/reauthenticate/",
        "/accounts/2fa/totp/deactivate/",
        "/password/",
        "/password/done/",
        "/i18n/setlang/",
        "/session/keep-alive/",
        "/login/",
    }
    # What answered: the open pages, and allauth's pages for signed-out visitors, which
    # send a signed-in one on (to Today, held in turn).
    for url, status in opened:
        # 405: a POST-only page; 404: allauth's recovery codes, of a user without any.
        assert status in (200, 302, 404, 405), (url, status)
        assert url in names or (url.startswith("/accounts/") and status == 302), (url, status)
    assert held >= 20


def test_the_api_answers_403_no_role_by_session(client, newcomer, rows):
    client.force_login(newcomer)
    for url in ("/api/v1/events/", "/api/v1/programmes/", "/api/v1/organizations/", "/api/v1/me/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["code"] == "no_role", url
        assert "Institute" not in response.content.decode()


def test_no_token_is_issued_without_a_role(client, newcomer):
    response = client.post(
        TOKEN_URL, {"username": "newcomer", "password": PASSWORD}, "application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "no_role"
    assert not ApiToken.objects.filter(user=newcomer).exists()


def test_a_token_stops_working_once_its_users_roles_are_taken_away(owner, rows):
    issued = tokens.create_token(owner, name="laptop")
    api = Client(HTTP_AUTHORIZATION=f"Token {issued.key}")
    assert api.get("/api/v1/organizations/").status_code == 200

    owner.groups.clear()
    forget_roles(owner)
    response = api.get("/api/v1/organizations/")

    assert response.status_code == 403
    assert response.json()["code"] == "no_role"
    assert "Institute" not in response.content.decode()


def test_a_session_is_held_from_its_next_request_once_the_roles_are_taken_away(owner, rows):
    client = Client()
    client.force_login(owner)
    assert client.get(reverse("events:list")).status_code == 200

    owner.groups.clear()

    assert client.get(reverse("events:list")).status_code == 403


def test_given_a_role_the_account_opens_the_pages(client, newcomer, rows):
    client.force_login(newcomer)
    assert client.get(reverse("events:list")).status_code == 403

    newcomer.groups.add(Group.objects.get(name="analyst"))

    assert client.get(reverse("events:list")).status_code == 200
    assert client.get("/api/v1/events/").status_code == 200


def test_a_superuser_without_a_role_is_not_held(client, rows):
    root = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    assert client.get(reverse("events:detail", args=[rows["event"].pk])).status_code == 200
    assert client.get("/api/v1/events/").status_code == 200


def test_sign_out_and_the_language_still_work(client, newcomer):
    client.force_login(newcomer)
    response = client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 403
    assert 'lang="ru"' in page.content.decode()

    assert client.post(reverse("account_logout")).status_code == 302
    assert client.get("/").status_code == 302  # signed out: sent to sign in


def test_messages_queued_while_holding_a_role_are_neither_shown_nor_kept(owner, rows):
    """An attacker's finding: "Exchange with <contact> logged." showed on the page that
    holds a user whose roles were just taken away (queued by the page that logged it)."""
    client = Client()
    client.force_login(owner)
    saved = "Your settings were saved."
    # A page that queues a message for the next (here the account's settings, saved).
    response = client.post(
        reverse("account"), {"language": "", "timezone": "UTC", "digest_hour": 8}
    )
    assert response.status_code == 302
    owner.groups.clear()

    held = client.get(reverse("today"))
    owner.groups.add(Group.objects.get(name="officer"))
    back = client.get(reverse("today"))

    assert held.status_code == 403
    assert saved not in held.content.decode()
    assert back.status_code == 200
    assert saved not in back.content.decode()
    # Shown as ever to a user who keeps their role.
    client.post(reverse("account"), {"language": "", "timezone": "UTC", "digest_hour": 8})
    assert saved in client.get(reverse("today")).content.decode()


def test_the_open_pages_offer_no_menu_of_pages_it_may_not_open(client, newcomer, owner):
    client.force_login(newcomer)
    page = client.get(reverse("password_change")).content.decode()
    assert f'href="{reverse("contacts:list")}"' not in page
    assert f'href="{reverse("account")}"' not in page  # a page it may not open either
    assert reverse("account_logout") in page

    client.force_login(owner)
    assert (
        f'href="{reverse("contacts:list")}"'
        in client.get(reverse("password_change")).content.decode()
    )


def test_its_second_factors_stay_its_own_to_confirm_and_change(client, newcomer):
    """Adding, confirming, removing a factor: the pages of allauth's mfa app answer it
    (what each does without a factor aside), never the policy's 403."""
    client.force_login(newcomer)
    for name in ("mfa_index", "mfa_reauthenticate", "mfa_deactivate_totp", "mfa_list_webauthn"):
        response = client.get(reverse(name))
        assert response.status_code != 403, name
        assert "trackii/no_role.html" not in [t.name for t in response.templates], name


def test_a_guests_link_answers_a_signed_in_account_without_a_role(client, newcomer):
    invitation = factories.InvitationFactory()
    client.force_login(newcomer)

    response = client.get(reverse("events:rsvp", args=[rsvp_token(invitation)]))

    assert response.status_code == 200
    assert invitation.event.title in response.content.decode()


def test_a_token_left_to_a_user_without_a_role_can_still_be_revoked(owner):
    issued = tokens.create_token(owner, name="laptop")
    owner.groups.clear()
    api = Client(HTTP_AUTHORIZATION=f"Token {issued.key}")

    assert api.get("/api/v1/me/").status_code == 403
    assert api.post("/api/v1/auth/token/revoke/").status_code == 204
    assert not ApiToken.objects.filter(pk=issued.token.pk).exists()


def _api_urls(rows) -> list[str]:
    """Every URL of the API: those without argument, and each route of the router (its
    lists, details and actions) with a real row's id (a made-up one for most: a 404 would
    tell as much as the data)."""
    from indicators.measures import REGISTRY
    from trackii.api import router

    values = [str(rows["organization"].pk), next(iter(REGISTRY))]

    def value(group):  # an id, or an indicator's name, as the route's group takes it
        return next(v for v in values if re.fullmatch(group.group(1), v))

    found = [url for url in _parameterless_pages() if url.startswith("/api/")]
    for pattern in router.urls:
        route = str(pattern.pattern.regex.pattern)
        if "format" in route:
            continue
        route = re.sub(r"\(\?P<\w+>([^)]*)\)", value, route)
        found.append("/api/v1/" + route.strip("^$"))
    return sorted(set(found))


def test_every_api_url_refuses_a_token_whose_user_lost_the_roles(owner, rows):
    """Whatever view answers, with whatever permission classes: each holds
    IsStaffMember (or a permission built on it), but revoking the token itself."""
    issued = tokens.create_token(owner, name="laptop")
    owner.groups.clear()
    api = Client(HTTP_AUTHORIZATION=f"Token {issued.key}")
    answered = []
    for url in _api_urls(rows):
        if url in ("/api/v1/auth/token/", "/api/v1/auth/token/revoke/"):
            continue
        for method in (api.get, api.options, api.post):
            response = method(url)
            json = response["Content-Type"].startswith("application/json")
            code = response.json().get("code") if json else "(the docs' page)"
            if response.status_code != 403 or (code != "no_role" and json):
                answered.append((method.__name__, url, response.status_code, code))
    assert answered == []
    assert len(_api_urls(rows)) > 20


def test_a_draft_kept_while_it_held_a_role_is_not_offered_on_the_page_that_holds_it(owner):
    """A reviewer's finding: an officer's session ended while writing an exchange; their
    roles were taken away; signed in again, the page that holds them showed the draft."""
    from tests.trackii.test_drafts import NOTES, PASSWORD, end_sessions, exchange_input, signed_in

    contact = factories.ContactFactory(full_name="Dalia Mansour", owner=owner)
    client = signed_in(owner)
    end_sessions()
    client.post("/exchanges/new/", exchange_input(contact))
    owner.groups.clear()
    client.post("/accounts/login/", {"login": owner.username, "password": PASSWORD})

    page = client.get("/exchanges/new/")

    assert page.status_code == 403
    assert NOTES not in page.content.decode()
    assert "restored-draft" not in page.content.decode()


def test_a_fragments_request_reloads_the_page_that_holds_it(client, newcomer):
    client.force_login(newcomer)

    response = client.get(reverse("contacts:list"), HTTP_HX_REQUEST="true")

    assert response["HX-Refresh"] == "true"
    assert response.content == b""


def test_an_inactive_user_is_refused_by_the_apis_permission_however_authenticated(owner):
    from rest_framework.test import APIClient

    owner.is_active = False
    owner.save()
    api = APIClient()
    api.force_authenticate(owner)

    response = api.get("/api/v1/contacts/")

    assert response.status_code == 403
    assert response.json()["code"] == "no_role"


def test_the_token_service_itself_issues_none_to_an_account_without_a_role(newcomer):
    """The rule is the service's (the API's endpoint and the Security page both call it),
    not only the endpoint's."""
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        tokens.create_token(newcomer, name="laptop")
    assert not ApiToken.objects.filter(user=newcomer).exists()
