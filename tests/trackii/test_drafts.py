"""Nothing typed is lost: a POST that meets an ended session is kept, encrypted, for the
user the browser last signed in as, and offered back once after that user signs in again;
the keep-alive endpoint that the page's warning calls."""

import json
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from contacts.models import Contact, Exchange
from tests import factories
from trackii import drafts, tasks
from trackii.models import Draft

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
SUMMARY = "Talked about the spring workshop on water policy."
NOTES = "Source asked not to be named in the ministry report."


@pytest.fixture
def contact(owner):
    return factories.ContactFactory(full_name="Dalia Mansour", owner=owner)


def signed_in(user, **kwargs) -> Client:
    """A browser signed in as ``user`` that has loaded a page (so its cookie names them)."""
    client = Client(**kwargs)
    client.force_login(user)
    assert client.get("/").status_code == 200
    return client


def end_sessions() -> None:
    """Every session ends, as after 30 idle minutes."""
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))


def exchange_input(contact) -> dict:
    return {
        "contacts": [str(contact.pk)],
        "occurred_at": "2026-03-02T10:30",
        "kind": "call",
        "summary": SUMMARY,
        "topics": "water",
        "notes": NOTES,
        "next": "/",
    }


def sign_in(client, user, next_path) -> None:
    response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(next_path).status_code == 200


def test_post_after_the_session_ended_keeps_the_input_encrypted(owner, contact):
    # Given an officer whose session ended while the exchange form was open
    client = signed_in(owner)
    end_sessions()

    # When they submit it
    response = client.post(
        "/exchanges/new/", {**exchange_input(contact), "password": "hunter2"}, follow=False
    )

    # Then they are sent to sign in, nothing is logged, and the input is kept for them
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/exchanges/new/"
    assert Exchange.objects.exists() is False
    draft = Draft.objects.get()
    assert (draft.user, draft.path) == (owner, "/exchanges/new/")
    fields = json.loads(draft.payload)["fields"]
    assert fields["summary"] == [SUMMARY]
    assert fields["contacts"] == [str(contact.pk)]
    assert "password" not in fields
    assert "csrfmiddlewaretoken" not in fields
    # and the database holds a Fernet token, not the text
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM trackii_draft WHERE id = %s", [draft.pk])
        (raw,) = cursor.fetchone()
    assert raw.startswith("gAAAAA")
    assert "water policy" not in raw
    assert "ministry" not in raw


def test_draft_is_restored_into_the_form_after_the_same_user_signs_in(owner, contact):
    # Given an exchange submitted after the session ended
    client = signed_in(owner)
    end_sessions()
    client.post("/exchanges/new/", exchange_input(contact))

    # When the same officer signs in and lands back on the form
    response = client.post(
        "/accounts/login/",
        {"login": owner.username, "password": PASSWORD, "next": "/exchanges/new/"},
    )
    assert response["Location"] == "/exchanges/new/"
    page = client.get("/exchanges/new/").content.decode()

    # Then the form is filled with what they typed, the page says so, nothing is saved yet
    assert "We kept what you typed" in page
    assert SUMMARY in page
    assert NOTES in page
    assert f'<option value="{contact.pk}" selected>Dalia Mansour</option>' in page
    assert Exchange.objects.exists() is False
    # and the draft is gone: it is offered once
    assert Draft.objects.exists() is False
    assert SUMMARY not in client.get("/exchanges/new/").content.decode()


def test_restored_exchange_is_logged_when_submitted_again(owner, contact):
    client = signed_in(owner)
    end_sessions()
    client.post("/exchanges/new/", exchange_input(contact))
    sign_in(client, owner, "/exchanges/new/")

    response = client.post("/exchanges/new/", exchange_input(contact))

    assert response.status_code == 302
    assert Exchange.objects.get().summary == SUMMARY


def test_draft_of_an_exchange_edit_is_restored_to_its_edit_form(owner, contact):
    exchange = factories.ExchangeFactory(contacts=[contact], officers=[owner], created_by=owner)
    path = f"/exchanges/{exchange.pk}/edit/"
    client = signed_in(owner)
    end_sessions()
    client.post(path, {**exchange_input(contact), "officers": [str(owner.pk)]})
    sign_in(client, owner, "/")

    other_page = client.get("/exchanges/new/").content.decode()
    page = client.get(path).content.decode()

    assert SUMMARY not in other_page  # tied to the path it came from
    assert SUMMARY in page
    exchange.refresh_from_db()
    assert exchange.summary != SUMMARY


def test_pages_of_a_session_begun_with_no_draft_look_for_none(owner, contact):
    client = signed_in(owner)

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/exchanges/new/").status_code == 200

    assert not [q for q in queries.captured_queries if "trackii_draft" in q["sql"]]


def test_a_draft_kept_while_another_session_was_signed_in_waits_for_the_next_sign_in(
    owner, contact
):
    # Given an officer signed in on two browsers, one of whose sessions ends with a POST
    laptop = signed_in(owner)
    phone = signed_in(owner)
    Session.objects.filter(session_key=laptop.session.session_key).delete()
    laptop.post("/exchanges/new/", exchange_input(contact))
    assert Draft.objects.count() == 1

    # Then the phone's session, begun before the draft, does not offer it
    assert SUMMARY not in phone.get("/exchanges/new/").content.decode()
    # and signing in again does, once
    sign_in(laptop, owner, "/")
    assert SUMMARY in laptop.get("/exchanges/new/").content.decode()
    assert Draft.objects.exists() is False
    assert SUMMARY not in laptop.get("/exchanges/new/").content.decode()


def test_draft_is_never_shown_to_another_user(owner, teammate, contact):
    # Given the owner's draft, kept in a browser they used
    client = signed_in(owner)
    end_sessions()
    client.post("/exchanges/new/", exchange_input(contact))

    # When a colleague signs in on that browser and opens the same form
    sign_in(client, teammate, "/")
    page = client.get("/exchanges/new/").content.decode()

    # Then they see none of it, and it stays for its owner
    assert SUMMARY not in page
    assert "We kept what you typed" not in page
    assert Draft.objects.get().user == owner


def test_post_with_a_forged_user_cookie_keeps_nothing(owner, contact):
    client = Client()
    client.cookies[drafts.USER_COOKIE] = str(owner.pk)  # unsigned

    response = client.post("/exchanges/new/", exchange_input(contact))

    assert response.status_code == 302
    assert Draft.objects.exists() is False


def test_post_without_a_valid_csrf_token_keeps_nothing(owner, contact):
    client = signed_in(owner, enforce_csrf_checks=True)
    end_sessions()

    response = client.post("/exchanges/new/", exchange_input(contact))

    assert response.status_code == 403
    assert Draft.objects.exists() is False


def test_draft_older_than_an_hour_is_not_restored(owner, contact):
    client = signed_in(owner)
    end_sessions()
    client.post("/exchanges/new/", exchange_input(contact))
    Draft.objects.update(created_at=timezone.now() - drafts.DRAFT_MAX_AGE - timedelta(seconds=1))

    sign_in(client, owner, "/")
    page = client.get("/exchanges/new/").content.decode()

    assert SUMMARY not in page
    assert "We kept what you typed" not in page


def test_purge_deletes_only_drafts_older_than_an_hour(owner, teammate):
    now = timezone.now()
    payload = json.dumps({"fields": {"summary": ["x"]}})
    Draft.objects.create(
        user=owner, path="/old/", payload=payload, created_at=now - timedelta(hours=2)
    )
    Draft.objects.create(user=teammate, path="/young/", payload=payload, created_at=now)

    assert tasks.purge_drafts() == 1

    assert list(Draft.objects.values_list("path", flat=True)) == ["/young/"]


def test_purge_is_on_the_beat_schedule(db):
    assert PeriodicTask.objects.get(task="trackii.purge_drafts").enabled is True


def test_contact_form_draft_is_restored_without_creating_the_contact(owner):
    client = signed_in(owner)
    end_sessions()
    client.post(
        "/contacts/new/",
        {"full_name": "Yusuf Haddad", "category": "journalist", "owner": str(owner.pk)},
    )
    sign_in(client, owner, "/")

    page = client.get("/contacts/new/").content.decode()

    assert "We kept what you typed" in page
    assert 'value="Yusuf Haddad"' in page
    assert Contact.objects.filter(full_name="Yusuf Haddad").exists() is False


def test_other_forms_get_their_draft_to_fill_in_the_browser(planner):
    client = signed_in(planner)
    end_sessions()
    client.post("/events/new/", {"title": "Spring forum on water"})
    sign_in(client, planner, "/")

    response = client.get("/events/new/")

    data = json.loads(
        response.content.decode()
        .split('id="restored-draft" type="application/json">')[1]
        .split("</script>")[0]
    )
    assert data == {"path": "/events/new/", "fields": {"title": ["Spring forum on water"]}}


def test_pages_tell_signed_in_users_when_their_session_ends(owner, settings):
    settings.SESSION_COOKIE_AGE = 1800
    settings.SESSION_EXPIRY_WARNING_SECONDS = 120
    page = signed_in(owner).get("/").content.decode()

    assert '<meta name="session-expires-in" content="1800" data-warn-before="120"' in page
    assert 'role="alertdialog"' in page
    assert "session-expires-in" not in Client().get("/accounts/login/").content.decode()


def test_keep_alive_extends_the_session(owner):
    client = signed_in(owner)
    soon = timezone.now() + timedelta(seconds=30)
    Session.objects.update(expire_date=soon)

    response = client.post("/session/keep-alive/")

    assert response.status_code == 200
    assert response.json()["signed_in"] is True
    assert response.json()["expires_in"] == 1800
    assert Session.objects.get().expire_date > soon + timedelta(minutes=25)


def test_keep_alive_needs_a_csrf_token(owner):
    client = signed_in(owner, enforce_csrf_checks=True)

    response = client.post("/session/keep-alive/")

    assert response.status_code == 403
    assert "CSRF" in response.content.decode()


def test_keep_alive_answers_an_ended_session_with_403(owner):
    client = signed_in(owner)
    end_sessions()

    assert client.post("/session/keep-alive/").json() == {"signed_in": False}
    assert Client().get("/session/keep-alive/").status_code == 403
    assert Client().post("/session/keep-alive/").status_code == 403


def test_keep_alive_is_post_only(owner):
    assert signed_in(owner).get("/session/keep-alive/").status_code == 405
