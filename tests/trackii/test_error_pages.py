"""The error pages render for any request, also one refused before authentication ran (no
``request.user``: a middleware's refusal, or runserver's static files handler, which calls
the 404 page without the middleware): a 404 or 403, never a 500 from the page itself."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.views import defaults

pytestmark = pytest.mark.django_db


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
