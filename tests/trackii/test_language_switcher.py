"""The language switcher on every page, and the language on the account page: a signed-in
user's choice is stored on their profile (their pages and e-mails follow it), anyone's is
kept in the language cookie; every page says its language and direction."""

import pytest
from django.conf import settings
from django.urls import reverse

from contacts.models import OfficerProfile
from tests.pages import messages_of, page_text

SWITCH = "/i18n/setlang/"


@pytest.fixture
def officer(owner):
    return owner


def test_every_page_offers_the_switcher_each_language_in_its_own_name(client, officer):
    signed_out = page_text(client.get(reverse("account_login")))
    client.force_login(officer)
    signed_in = page_text(client.get(reverse("contacts:list")))

    for page in (signed_out, signed_in):
        assert f'action="{SWITCH}"' in page
        assert 'value="ru" lang="ru" class="link">Русский</button>' in page
        assert 'value="he" lang="he" class="link">עברית</button>' in page
        # The language in use is marked, and not offered again.
        assert 'value="en" lang="en" class="link" aria-current="true" disabled>English' in page
    assert '<input type="hidden" name="next" value="/contacts/">' in signed_in


def test_switching_stores_the_signed_in_users_choice_and_goes_back(client, officer):
    client.force_login(officer)

    response = client.post(SWITCH, {"language": "he", "next": "/contacts/"})

    assert response.status_code == 302
    assert response["Location"] == "/contacts/"
    assert OfficerProfile.objects.get(user=officer).language == "he"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "he"
    # Another browser (no cookie) of the same user: Hebrew too, right to left.
    other = client.__class__()
    other.force_login(officer)
    assert '<html lang="he" dir="rtl">' in page_text(other.get("/contacts/"))


def test_switching_keeps_the_users_other_settings(client, officer):
    OfficerProfile.objects.create(user=officer, timezone="Asia/Jerusalem", digest_hour=6)
    client.force_login(officer)

    client.post(SWITCH, {"language": "ru", "next": "/"})

    profile = OfficerProfile.objects.get(user=officer)
    assert (str(profile.timezone), profile.digest_hour, profile.language) == (
        "Asia/Jerusalem",
        6,
        "ru",
    )


def test_a_signed_out_visitor_switches_by_cookie_only(client, db):
    response = client.post(SWITCH, {"language": "ru", "next": "/accounts/login/"})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    assert OfficerProfile.objects.exists() is False
    login = page_text(client.get("/accounts/login/"))
    assert '<html lang="ru" dir="ltr">' in login
    assert "Перейти к содержанию" in login  # the skip link


@pytest.mark.parametrize("language", ["fr", "", "he-IL-x"])
def test_an_unknown_language_changes_nothing(client, officer, language):
    client.force_login(officer)

    response = client.post(SWITCH, {"language": language, "next": "/"})

    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert OfficerProfile.objects.filter(user=officer).exists() is False


def test_the_switcher_never_sends_to_another_site(client, officer):
    client.force_login(officer)

    response = client.post(SWITCH, {"language": "ru", "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_the_switcher_only_takes_a_post(client, officer):
    client.force_login(officer)

    assert client.get(SWITCH, {"language": "ru"}).status_code == 405
    assert OfficerProfile.objects.filter(user=officer).exists() is False


# The account page


def test_the_account_page_sets_the_language_and_the_next_page_is_in_it(client, officer):
    client.force_login(officer)

    response = client.post(
        reverse("account"),
        {"language": "ru", "timezone": "Europe/Moscow", "digest_hour": "9"},
    )

    assert response.status_code == 302
    assert OfficerProfile.objects.get(user=officer).language == "ru"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    assert messages_of(response) == ["Настройки сохранены."]
    page = page_text(client.get(reverse("account")))
    assert '<html lang="ru" dir="ltr">' in page
    assert '<option value="ru" selected>Русский</option>' in page


def test_automatic_follows_the_browser_again(client, officer):
    OfficerProfile.objects.create(user=officer, language="he")
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "he"

    response = client.post(
        reverse("account"), {"language": "", "timezone": "UTC", "digest_hour": "8"}
    )

    assert OfficerProfile.objects.get(user=officer).language == ""
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # deleted
    page = page_text(client.get(reverse("account"), HTTP_ACCEPT_LANGUAGE="ru"))
    assert '<html lang="ru" dir="ltr">' in page
    assert '<option value="" selected>' in page


def test_a_language_outside_the_list_is_a_form_error(client, officer):
    client.force_login(officer)

    response = client.post(
        reverse("account"), {"language": "de", "timezone": "UTC", "digest_hour": "8"}
    )

    assert response.status_code == 200
    assert "Select a valid choice. de is not one of the available choices." in page_text(response)
    assert OfficerProfile.objects.filter(user=officer).exists() is False
