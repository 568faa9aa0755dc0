"""Accessibility and polish in the served markup: names on repeated actions, required marks,
character counters, the signal form's kind fields, the phone menu, Swagger UI's CSP."""

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db


def _page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_todays_repeated_actions_name_the_contact_for_screen_readers(client, owner):
    contact = factories.ContactFactory(full_name="Irina Gavrilova", owner=owner)
    channel = factories.ChannelFactory(
        contact=contact, officer=owner, created_at=timezone.now() - dt.timedelta(days=40)
    )
    factories.ReminderFactory(channel=channel)

    page = _page(client, owner, "/")

    # The name isolated (<bdi>): a Latin name inside Hebrew text keeps its own direction.
    assert (
        'Log exchange<span class="visually-hidden"> with <bdi>Irina Gavrilova</bdi></span>' in page
    )
    named = '<span class="visually-hidden">: channel due, Irina Gavrilova</span>'
    assert f"Snooze 1 day{named}</button>" in page
    assert f"Dismiss…{named}</summary>" in page


def test_withdraw_on_the_guest_list_names_the_guest(client, planner):
    event = factories.EventFactory(planners=[planner])
    guest = factories.ContactFactory(full_name="Irina Gavrilova")
    factories.InvitationFactory(event=event, contact=guest)

    page = _page(client, planner, f"/events/{event.pk}/")

    assert 'Withdraw invitation<span class="visually-hidden"> of Irina Gavrilova</span>' in page


def test_required_fields_are_marked_and_the_legend_shown_once(client, owner):
    page = _page(client, owner, "/exchanges/new/")

    assert page.count('class="required-legend"') == 1
    assert '<div class="field required"><label for="id_summary">' in page
    assert '<div class="field"><label for="id_notes">' in page


@pytest.mark.parametrize("url", ["/events/new/", "/programmes/new/", "/password/"])
def test_every_web_form_marks_its_required_fields(client, url):
    admin = factories.UserFactory(roles=["admin"])

    page = _page(client, admin, url)

    assert page.count('class="required-legend"') == 1
    assert '<div class="field required">' in page


def test_long_text_areas_carry_their_limit_and_the_counter_script(client, owner):
    page = _page(client, owner, "/exchanges/new/")

    assert 'maxlength="5000"' in page
    assert 'src="/static/trackii/counter.js"' in page


def test_signal_form_marks_the_fields_of_each_kind(client, owner):
    page = _page(client, owner, "/signals/new/")

    assert 'name="tone"' in page
    assert 'data-signal-kinds="coverage"' in page
    assert 'data-signal-kinds="friction_incident"' in page
    assert 'src="/static/trackii/signal-form.js"' in page


def test_signal_form_still_checks_the_kind_on_the_server(client, owner):
    client.force_login(owner)

    response = client.post(
        "/signals/new/",
        {"kind": "friction_incident", "occurred_on": "2025-03-01", "title": "Visa refusals"},
    )

    assert response.status_code == 200
    assert "A friction incident has a severity." in response.content.decode()


def test_the_navigation_has_a_menu_button_for_phones(client, owner):
    page = _page(client, owner, "/")

    assert (
        '<button type="button" class="menu-toggle secondary" aria-expanded="false" '
        'aria-controls="nav-menu">Menu</button>'
    ) in page
    assert '<div class="nav-menu" id="nav-menu">' in page


def test_only_swagger_ui_may_load_data_images(client, owner):
    client.force_login(owner)

    docs = client.get("/api/v1/docs/")
    today = client.get("/")

    assert "img-src 'self' data:" in docs["Content-Security-Policy"]
    assert "img-src" not in today["Content-Security-Policy"]
    assert "<style>" not in docs.content.decode()


def test_staff_find_the_admin_in_the_menu_and_others_do_not(client, owner, admin_user):
    """A user's finding: nothing in the app led an admin to /admin/."""
    client.force_login(admin_user)
    assert '<a href="/admin/">Administration</a>' in client.get("/").content.decode()
    client.force_login(owner)
    assert 'href="/admin/"' not in client.get("/").content.decode()
