"""Swagger UI at /api/v1/docs/ renders the operations under the strict CSP, console clean."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import _console_errors, _signed_in_context

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_lists_the_operations_without_a_console_error(owner, new_context, live_server):
    page = _signed_in_context(new_context, live_server, owner).new_page()
    errors = _console_errors(page)

    page.goto("/api/v1/docs/")

    # Swagger UI fetches and renders the whole schema first.
    expect(page.locator(".opblock-summary-path").first).to_be_visible(timeout=30_000)
    expect(page.locator('.opblock-summary-path[data-path="/api/v1/contacts/"]')).to_have_count(2)
    page.wait_for_load_state("networkidle")
    assert errors == []
