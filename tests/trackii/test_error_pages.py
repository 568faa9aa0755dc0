"""403, 404 and 500 pages: the navigation, the reason, no debug page, a one-line 403 log; the
404 and 403 pages also for a request refused before authentication ran (no ``request.user``:
a middleware's refusal, or runserver's static files handler), never a 500 from the page."""

import logging

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import include, path
from django.views import defaults

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def test_a_missing_page_is_ours_with_the_navigation_and_no_url_list(client, owner):
    client.force_login(owner)

    response = client.get("/no/such/page/")

    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in page
    assert "or it is not one you may see" in page
    assert '<a href="/contacts/">Contacts</a>' in page
    assert "URLconf" not in page
    assert "api/v1/" not in page


def test_a_hidden_contact_answers_the_same_not_found_page(client, owner, outsider):
    hidden = factories.ContactFactory(owner=owner, sensitivity="protected")
    client.force_login(outsider)

    response = client.get(f"/contacts/{hidden.pk}/")

    assert response.status_code == 404
    assert "<h1>Not found</h1>" in response.content.decode()
    assert hidden.full_name not in response.content.decode()


def test_a_forbidden_page_says_why_with_the_navigation(client, owner):
    client.force_login(owner)  # an officer, not a planner

    response = client.get("/events/new/")

    page = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in page
    assert '<p class="reason">Only planners and admins manage events.</p>' in page
    assert '<a href="/events/">Events</a>' in page


def test_a_forbidden_request_logs_one_line_without_a_traceback(client, owner, caplog):
    client.force_login(owner)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/events/new/")

    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /events/new/"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text


@pytest.mark.urls(__name__)
def test_a_server_error_page_carries_the_navigation(caplog):
    client = Client(raise_request_exception=False)

    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/boom/")

    page = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in page
    assert '<a href="/contacts/">Contacts</a>' in page
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is not None  # a fault keeps its traceback


def test_the_server_error_page_renders_without_a_database_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = defaults.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.content.decode()


@pytest.mark.parametrize("signed_in", [None, "anonymous", "officer"])
@pytest.mark.parametrize(
    ("page", "error", "status"),
    [
        (defaults.page_not_found, Http404(), 404),
        (defaults.permission_denied, PermissionDenied(), 403),
    ],
)
def test_an_error_page_renders_whoever_asks(signed_in, page, error, status, owner):
    request = RequestFactory().get("/static/trackii/nothing.css")
    if signed_in == "anonymous":
        request.user = AnonymousUser()
    elif signed_in == "officer":
        request.user = owner
        request.session = SessionStore()  # what the middleware gave before authentication

    response = page(request, error)

    assert response.status_code == status
    # The climate banner only for a signed-in user.
    assert ('class="climate climate-' in response.content.decode()) is (signed_in == "officer")


def _raising_view(request):
    raise RuntimeError("the view failed")


# The URL map of the server-error test (pytest.mark.urls): the app's, plus a failing view.
urlpatterns = [path("boom/", _raising_view), path("", include("trackii.urls"))]
