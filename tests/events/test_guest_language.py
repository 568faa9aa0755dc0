"""A guest reads their answer page and their e-mails in their own language (their contact's
language of invitations, else the first of English, Russian and Hebrew they speak); the month
calendar starts its week on the reader's language's first day."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from events import mail, services
from events.models import Event, Invitation, InvitationMessage
from tests import factories
from tests.events.pages import STARTS_AT, make_event

Kind = InvitationMessage.Kind


def _invitation(
    *, language="", languages=(), email="guest@private.example", native_name="", **event_fields
):
    event = make_event(title="Spring Poetry Evening", **event_fields)
    guest = factories.ContactFactory(
        full_name="Miriam Guestova",
        native_name=native_name,
        email=email,
        language=language,
        languages=list(languages),
    )
    return factories.InvitationFactory(event=event, contact=guest)


def _rsvp_url(invitation) -> str:
    return reverse("events:rsvp", args=[services.rsvp_token(invitation)])


# The answer page


def test_the_answer_page_is_in_the_guests_russian(client, db):
    invitation = _invitation(language="ru")

    response = client.get(_rsvp_url(invitation), HTTP_ACCEPT_LANGUAGE="en")

    body = response.content.decode()
    assert '<html lang="ru" dir="ltr">' in body
    assert response["Content-Language"] == "ru"
    assert "Здравствуйте, Miriam Guestova!" in body
    # In the event's zone, genitive month, the weekday in lower case as in a sentence.
    assert "понедельник, 1 июня 2099, 19:00" in body
    assert "Ваш ответ: <strong>пока нет ответа</strong>" in body
    assert [label for label in re.findall(r'name="status" value="\w+">([^<]+)<', body)] == [
        "Я приду",
        "Возможно",
        "Не смогу прийти",
    ]
    assert "I will attend" not in body


def test_the_answer_page_is_in_hebrew_right_to_left_for_a_hebrew_speaker(client, db):
    # No language chosen: the first of the interface's languages the guest speaks.
    invitation = _invitation(languages=["fr", "he", "en"])

    response = client.get(_rsvp_url(invitation))

    body = response.content.decode()
    assert '<html lang="he" dir="rtl">' in body
    assert "שלום Miriam Guestova," in body
    assert "יום שני, 1 ביוני 2099, 19:00" in body
    assert ">אגיע</button>" in body
    assert "<h1><bdi>Spring Poetry Evening</bdi></h1>" in body


def test_the_guest_may_read_the_page_in_another_language_and_answer_in_it(client, db):
    invitation = _invitation(language="he")
    url = _rsvp_url(invitation) + "?lang=ru"

    response = client.post(url, {"status": Invitation.Status.ACCEPTED})

    assert response.status_code == 302
    assert response["Location"] == url  # the same page, in the language chosen
    page = client.get(url).content.decode()
    assert '<html lang="ru" dir="ltr">' in page
    assert "Спасибо, ваш ответ записан." in page
    assert "Ваш ответ: <strong>я приду</strong>" in page
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED


def test_a_refusal_is_explained_in_the_guests_language(client, db):
    invitation = _invitation(language="he")
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.ATTENDED)
    url = _rsvp_url(invitation)

    client.post(url, {"status": Invitation.Status.DECLINED})

    assert "ההגעה כבר נרשמה." in client.get(url).content.decode()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ATTENDED


def test_an_invalid_link_is_explained_in_the_browsers_language(client, db):
    response = client.get(
        reverse("events:rsvp", args=["not-a-token"]), HTTP_ACCEPT_LANGUAGE="ru,en;q=0.5"
    )

    assert response.status_code == 404
    assert "Эта ссылка на приглашение недействительна" in response.content.decode()


# The e-mails


def _compose(invitation, kind):
    message = InvitationMessage.objects.create(
        invitation=invitation, kind=kind, key="test", to=invitation.contact.email,
        created_at=timezone.now(),
    )  # fmt: skip
    return mail.compose(message, now=timezone.now())


@pytest.mark.parametrize(
    ("language", "native_name", "greeting"),
    [
        ("ru", "Мириам Гестова", "Здравствуйте, Мириам Гестова!"),
        ("he", "מרים גסטובה", "שלום מרים גסטובה,"),
        # A native name in another script than the language's: the name in Latin letters.
        ("he", "Мириам Гестова", "שלום Miriam Guestova,"),
        ("en", "Мириам Гестова", "Dear Miriam Guestova,"),
    ],
)
def test_a_guest_is_named_in_the_script_of_their_language(
    db, client, language, native_name, greeting
):
    invitation = _invitation(language=language, native_name=native_name)

    email = _compose(invitation, Kind.INVITATION)
    page = client.get(_rsvp_url(invitation)).content.decode()

    assert email.body.startswith(greeting)
    assert greeting in page


def test_the_default_invitation_is_written_in_the_guests_language(db):
    invitation = _invitation(language="ru")

    email = _compose(invitation, Kind.INVITATION)

    assert email.subject == "Приглашение: Spring Poetry Evening"
    assert email.body.startswith("Здравствуйте, Miriam Guestova!\n\n")
    assert "Будем рады видеть Вас на мероприятии «Spring Poetry Evening»." in email.body
    assert "Когда: понедельник, 1 июня 2099, 19:00–21:00 (UTC+03:00, Jerusalem)" in email.body
    assert "/rsvp/" in email.body
    html = email.alternatives[0][0]
    assert '<html lang="ru" dir="ltr">' in html
    assert "<p>Здравствуйте" in html  # our own text: the page's direction, no guessing


def test_a_planners_own_invitation_text_is_sent_as_written(db):
    invitation = _invitation(language="he")
    Event.objects.filter(pk=invitation.event_id).update(
        invitation_subject="Join us: {event}", invitation_text="Hello {name}, see {rsvp_link}"
    )
    invitation.refresh_from_db()

    email = _compose(invitation, Kind.INVITATION)

    assert email.subject == "Join us: Spring Poetry Evening"
    assert email.body.startswith("Hello Miriam Guestova, see http")
    # Its direction is its own: an English text inside a Hebrew-language message.
    assert '<p dir="auto">Hello Miriam Guestova' in email.alternatives[0][0]


def test_a_chaser_and_a_confirmation_reach_a_hebrew_speaker_in_hebrew(db):
    invitation = _invitation(language="he")

    chaser = _compose(invitation, Kind.CHASER)
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.ACCEPTED)
    invitation.refresh_from_db()
    confirmation = _compose(invitation, Kind.ACCEPTANCE)

    assert chaser.subject == "תזכורת: Spring Poetry Evening"
    assert "עדיין לא קיבלנו ממך מענה לגבי Spring Poetry Evening." in chaser.body
    assert "מתי: יום שני, 1 ביוני 2099, 19:00–21:00 (UTC+03:00, Jerusalem)" in chaser.body
    assert '<html lang="he" dir="rtl">' in chaser.alternatives[0][0]
    assert confirmation.subject == "אושר: Spring Poetry Evening"
    assert "בברכה" in confirmation.body
    assert confirmation.attachments[0][0] == f"event-{invitation.event_id}.ics"


def test_an_english_speaker_still_gets_the_english_text(db):
    invitation = _invitation(languages=["en", "ru"])

    email = _compose(invitation, Kind.INVITATION)

    assert email.subject == "Invitation: Spring Poetry Evening"
    assert "When: Monday 1 June 2099, 19:00–21:00 (UTC+03:00, Jerusalem)" in email.body


# The month calendar's first day


@pytest.mark.parametrize(
    ("language", "first", "last"),
    [("en", "Mon", "Sun"), ("ru", "Пн", "Вс"), ("he", "ראשון", "שבת")],
)
def test_the_month_calendar_starts_the_week_on_the_languages_first_day(
    client, owner, language, first, last
):
    client.force_login(owner)

    response = client.get(reverse("events:calendar", args=[2099, 6]), HTTP_ACCEPT_LANGUAGE=language)

    body = response.content.decode()
    weekdays = re.findall(r'<th scope="col">([^<]+)</th>', body)
    assert len(weekdays) == 7
    assert (weekdays[0], weekdays[-1]) == (first, last)
    # 1 June 2099 is a Monday: the grid's first cell is that Monday, or the Sunday before.
    first_cell = re.search(r'<td id="day-([\d-]+)"', body).group(1)
    assert first_cell == ("2099-05-31" if language == "he" else "2099-06-01")


def test_the_calendars_month_arrows_point_the_way_the_page_reads(client, owner):
    client.force_login(owner)

    hebrew = client.get(reverse("events:calendar", args=[2099, 6]), HTTP_ACCEPT_LANGUAGE="he")
    english = client.get(reverse("events:calendar", args=[2099, 6]))

    assert re.search(r'rel="prev">→ ', hebrew.content.decode())
    assert re.search(r'rel="prev">← ', english.content.decode())
    assert STARTS_AT.date() == dt.date(2099, 6, 1)
