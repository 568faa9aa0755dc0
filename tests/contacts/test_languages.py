"""Who is written to in which language: an officer's own choice (their pages, their digests
and escalations), a guest's language of invitations (its default from the contact's
languages), and the field on the contact form and in the API."""

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from contacts import languages, notifications
from contacts.models import Contact, OfficerProfile, Reminder
from tests import factories
from tests.conftest import api
from tests.contacts.api_support import assert_error

MORNING = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)  # 08:00 in Jerusalem


# A guest's language


@pytest.mark.parametrize(
    ("language", "spoken", "expected"),
    [
        ("he", ["ru", "en"], "he"),  # chosen: it wins
        ("", ["de", "ru", "he"], "ru"),  # the first interface language, in the contact's order
        ("", ["he", "ru"], "he"),
        ("", ["RU-ru", "en"], "ru"),  # case and region do not matter
        ("", ["iw"], "he"),  # the old code of Hebrew
        ("", ["de", "fr"], "en"),  # none: the site's default
        ("", [], "en"),
    ],
)
def test_a_guest_is_written_to_in_their_language_or_the_first_they_speak(
    language, spoken, expected
):
    contact = Contact(full_name="Guest", language=language, languages=spoken)

    assert languages.guest_language(contact) == expected


@override_settings(LANGUAGE_CODE="he")
def test_a_guest_who_speaks_none_of_the_languages_gets_the_sites_default():
    contact = Contact(full_name="Guest", languages=["de"])

    assert languages.guest_language(contact) == "he"


def test_an_officers_language_is_their_choice_else_the_sites_default(owner, teammate):
    OfficerProfile.objects.create(user=owner, language="ru")
    OfficerProfile.objects.create(user=teammate, language="")

    assert languages.officer_language(owner) == "ru"
    assert languages.officer_language(teammate) == "en"
    assert languages.officer_language(factories.UserFactory(username="nobody")) == "en"


# Pages in the officer's language


def test_a_signed_in_officers_pages_are_in_their_language_whatever_the_browser_says(client, owner):
    OfficerProfile.objects.create(user=owner, language="he")
    client.force_login(owner)

    response = client.get(reverse("today"), HTTP_ACCEPT_LANGUAGE="ru")

    body = response.content.decode()
    assert '<html lang="he" dir="rtl">' in body
    assert response["Content-Language"] == "he"
    assert ">היום</a>" in body  # "Today" in the navigation


def test_without_a_choice_the_browsers_language_holds(client, owner):
    OfficerProfile.objects.create(user=owner, language="")
    client.force_login(owner)

    response = client.get(reverse("today"), HTTP_ACCEPT_LANGUAGE="ru")

    assert '<html lang="ru" dir="ltr">' in response.content.decode()
    assert ">Сегодня</a>" in response.content.decode()


# Digests and escalations in the officer's language


@pytest.fixture
def russian_officer(press_team):
    user = factories.UserFactory(username="olga", roles=["officer"], teams=[press_team])
    user.first_name, user.last_name = "Ольга", "Смирнова"
    user.save(update_fields=["first_name", "last_name"])
    OfficerProfile.objects.create(
        user=user, timezone="Asia/Jerusalem", digest_hour=8, language="ru"
    )
    return user


def _open_reminders(officer, count):
    for number in range(count):
        contact = factories.ContactFactory(owner=officer, full_name=f"Контакт {number:02}")
        channel = factories.ChannelFactory(contact=contact, officer=officer)
        factories.ReminderFactory(channel=channel, due_at=MORNING - dt.timedelta(days=3))


@pytest.mark.parametrize(
    ("count", "subject", "sentence"),
    [
        (1, "Track II: 1 напоминание", "У вас 1 напоминание в Track II"),
        (2, "Track II: 2 напоминания", "У вас 2 напоминания в Track II"),
        (5, "Track II: 5 напоминаний", "У вас 5 напоминаний в Track II"),
        (21, "Track II: 21 напоминание", "У вас 21 напоминание в Track II"),
    ],
)
def test_a_russian_speaking_officers_digest_is_in_russian_with_the_right_plural(
    russian_officer, count, subject, sentence
):
    _open_reminders(russian_officer, count)

    assert notifications.send_due_digests(now=MORNING) == 1

    message = mail.outbox[0]
    assert message.subject == subject
    html = message.alternatives[0][0]
    assert message.body.startswith("Доброе утро, Ольга Смирнова!")
    assert "<p>Доброе утро, <bdi>Ольга Смирнова</bdi>!</p>" in html
    for body in (message.body, html):
        assert sentence in body
        assert "Срок по каналу связи" in body  # the reminders' kind
        assert "27 февраля 2026" in body  # the genitive month, in the officer's zone
        assert "Время указано по часовому поясу Asia/Jerusalem." in body
        assert "open reminder" not in body
    assert '<html lang="ru" dir="ltr">' in html
    # The claim keeps the subject sent.
    assert russian_officer.notifications.get().subject == subject


def test_an_english_speaking_officers_digest_stays_in_english(owner):
    OfficerProfile.objects.create(user=owner, timezone="Asia/Jerusalem", digest_hour=8)
    _open_reminders(owner, 2)

    assert notifications.send_due_digests(now=MORNING) == 1

    assert mail.outbox[0].subject == "Track II: 2 open reminders"
    assert "You have 2 open reminders in Track II, most overdue first:" in mail.outbox[0].body


@override_settings(ESCALATION_DELIVERY="batched", ESCALATION_DAYS=7)
def test_a_hebrew_speaking_leads_escalation_is_in_hebrew_right_to_left(press_team, owner, lead):
    OfficerProfile.objects.create(user=lead, language="he")
    contact = factories.ContactFactory(owner=owner, full_name="Anna Zuid")
    channel = factories.ChannelFactory(
        contact=contact,
        officer=owner,
        priority="key",
        created_at=MORNING - dt.timedelta(days=60),
    )
    factories.ReminderFactory(channel=channel, due_at=MORNING - dt.timedelta(days=20))

    assert notifications.send_escalations(now=MORNING) == 1

    message = mail.outbox[0]
    assert message.subject == "Track II: ערוץ מרכזי באיחור — owner"
    assert "Anna Zuid, באחריות owner — באיחור מאז" in message.body
    assert '<html lang="he" dir="rtl">' in message.alternatives[0][0]
    assert "<bdi>Anna Zuid</bdi>" in message.alternatives[0][0]
    assert Reminder.objects.get().status == Reminder.Status.OPEN


# The field on the contact


def test_the_contact_form_offers_the_language_of_invitations(client, owner):
    client.force_login(owner)
    contact = factories.ContactFactory(owner=owner, full_name="Lev Gurin", languages=["ru"])

    page = client.get(reverse("contacts:edit", args=[contact.pk])).content.decode()

    assert 'name="language"' in page
    assert '<option value="" selected>Automatic</option>' in page
    assert '<option value="he">עברית</option>' in page


@pytest.mark.usefixtures("fresh_throttle_counts")
def test_the_api_reads_and_writes_the_language_of_invitations(owner):
    contact = factories.ContactFactory(owner=owner, full_name="Lev Gurin")
    url = f"/api/v1/contacts/{contact.pk}/"

    response = api(owner).patch(url, {"language": "he"}, format="json")
    refused = api(owner).patch(url, {"language": "fr"}, format="json")

    assert response.status_code == 200
    assert response.json()["language"] == "he"
    assert list(assert_error(refused, 400, code="invalid")["fields"]) == ["language"]
    contact.refresh_from_db()
    assert contact.language == "he"
