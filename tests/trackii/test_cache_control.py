"""Every authenticated answer is ``Cache-Control: private, no-store`` (DESIGN.md, "Access
rules"): pages, htmx partials, API answers to a token, the admin, files and the token-only
URLs (calendar feeds, RSVP pages). The rule holds for every dynamic answer, so it cannot miss
a token read inside DRF after middleware."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from events import services as event_services
from tests import factories
from trackii.security import PrivateNoStoreMiddleware
from trackii.tokens import create_token

PRIVATE_NO_STORE = "private, no-store"
Q1_QUERY = {"from": "2026-01-01", "to": "2026-03-31"}


pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


def _directives(response) -> set[str]:
    return {directive.strip() for directive in response["Cache-Control"].split(",")}


def test_a_signed_in_page_and_its_htmx_partial_are_private_no_store(client, owner):
    factories.ContactFactory(owner=owner)
    client.force_login(owner)

    page = client.get(reverse("contacts:list"))
    partial = client.get(reverse("contacts:list"), headers={"HX-Request": "true"})
    today = client.get(reverse("today"))

    assert page.status_code == partial.status_code == today.status_code == 200
    assert page["Cache-Control"] == partial["Cache-Control"] == PRIVATE_NO_STORE
    assert today["Cache-Control"] == PRIVATE_NO_STORE


def test_an_api_answer_to_a_token_is_private_no_store(owner):
    client = APIClient(headers={"Authorization": f"Token {create_token(owner).key}"})

    me = client.get("/api/v1/me/")
    contacts = client.get("/api/v1/contacts/")

    assert me.status_code == contacts.status_code == 200
    assert me.json()["username"] == "owner"
    assert me["Cache-Control"] == contacts["Cache-Control"] == PRIVATE_NO_STORE


def test_an_admin_page_is_private_no_store(client, admin_user):
    factories.ContactFactory()
    client.force_login(admin_user)

    response = client.get(reverse("admin:contacts_contact_changelist"))

    assert response.status_code == 200
    assert {"private", "no-store"} <= _directives(response)


def test_calendar_files_and_feeds_are_private_no_store(client, planner):
    event = factories.EventFactory(planners=[planner])
    feed = factories.CalendarFeedFactory(user=planner)

    by_token = client.get(reverse("events:feed", args=[feed.token]))
    client.force_login(planner)
    one = client.get(reverse("events:event_ics", args=[event.pk]))

    assert by_token.status_code == one.status_code == 200
    assert by_token["Cache-Control"] == one["Cache-Control"] == PRIVATE_NO_STORE


def test_a_guests_rsvp_page_is_private_no_store(client, db):
    invitation = factories.InvitationFactory(contact__full_name="Mira Guest")

    response = client.get(reverse("events:rsvp", args=[event_services.rsvp_token(invitation)]))

    assert response.status_code == 200
    assert "Mira Guest" in response.content.decode()
    assert response["Cache-Control"] == PRIVATE_NO_STORE


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_indicator_exports_are_private_no_store(client, lead, file_format):
    client.force_login(lead)

    response = client.get(reverse(f"dashboard_export_{file_format}"), Q1_QUERY)

    assert response.status_code == 200
    assert {"private", "no-store"} <= _directives(response)


def test_the_data_subject_export_is_private_no_store(client, admin_user):
    contact = factories.ContactFactory(owner=admin_user)
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:contacts_contact_changelist"),
        {"action": "export_selected", "_selected_action": [contact.pk]},
    )

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert {"private", "no-store"} <= _directives(response)


def test_refusals_to_anonymous_visitors_are_private_no_store_too(client, db):
    page = client.get(reverse("contacts:list"))
    api = APIClient().get("/api/v1/contacts/")

    assert (page.status_code, api.status_code) == (302, 401)
    assert page["Cache-Control"] == api["Cache-Control"] == PRIVATE_NO_STORE


def test_a_view_that_asks_for_public_caching_is_overruled_but_keeps_stricter_directives():
    def public_view(request):
        response = HttpResponse("figures")
        response["Cache-Control"] = "public, max-age=3600"
        return response

    def never_cached_view(request):
        response = HttpResponse("figures")
        response["Cache-Control"] = "max-age=0, no-cache, no-store, must-revalidate, private"
        return response

    request = RequestFactory().get("/")
    public = PrivateNoStoreMiddleware(public_view)(request)
    never_cached = PrivateNoStoreMiddleware(never_cached_view)(request)

    assert _directives(public) == {"max-age=3600", "private", "no-store"}
    assert _directives(never_cached) == {
        "max-age=0",
        "no-cache",
        "no-store",
        "must-revalidate",
        "private",
    }
