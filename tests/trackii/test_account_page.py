"""My account: time zone, digest hour and daily digests, linked from the header by name."""

import pytest
from django.urls import reverse

from contacts.models import OfficerProfile
from tests import factories
from tests.pages import messages_of, page_text

ACCOUNT = "/account/"


@pytest.fixture
def officer(press_team):
    return factories.UserFactory(
        username="u4711", first_name="Dana", last_name="Levi", roles=["officer"], teams=[press_team]
    )


def test_the_header_names_the_user_and_links_to_their_account(client, officer):
    client.force_login(officer)

    html = page_text(client.get(reverse("today")))

    assert reverse("account") == ACCOUNT
    assert f'<a class="who" href="{ACCOUNT}" title="My account"><bdi>Dana Levi</bdi></a>' in html
    assert ">u4711<" not in html


def test_without_a_profile_the_page_shows_the_defaults_and_creates_nothing(
    client, officer, settings
):
    settings.TIME_ZONE = "Asia/Jerusalem"
    client.force_login(officer)

    response = client.get(ACCOUNT)

    assert response.status_code == 200
    form = response.context["form"]
    assert (str(form["timezone"].value()), form["digest_hour"].value()) == ("Asia/Jerusalem", 8)
    assert form["receives_digests"].value() is True
    assert OfficerProfile.objects.exists() is False


def test_saving_sets_zone_hour_and_digests(client, officer):
    client.force_login(officer)

    response = client.post(
        ACCOUNT, {"timezone": "Europe/Moscow", "digest_hour": "7", "receives_digests": ""}
    )

    assert response.status_code == 302
    assert response["Location"] == ACCOUNT
    profile = OfficerProfile.objects.get(user=officer)
    assert (str(profile.timezone), profile.digest_hour, profile.receives_digests) == (
        "Europe/Moscow",
        7,
        False,
    )
    assert messages_of(response) == ["Your settings were saved."]


def test_saving_again_changes_the_one_profile(client, officer):
    OfficerProfile.objects.create(user=officer, timezone="UTC", digest_hour=8)
    client.force_login(officer)

    client.post(
        ACCOUNT, {"timezone": "Asia/Jerusalem", "digest_hour": "9", "receives_digests": "on"}
    )

    profile = OfficerProfile.objects.get()
    assert (profile.user, str(profile.timezone), profile.digest_hour) == (
        officer,
        "Asia/Jerusalem",
        9,
    )
    assert profile.receives_digests is True


@pytest.mark.parametrize(
    "data",
    [
        {"timezone": "Mars/Olympus", "digest_hour": "8"},
        {"timezone": "UTC", "digest_hour": "24"},
        {"timezone": "UTC", "digest_hour": "-1"},
        {"timezone": "UTC", "digest_hour": "eight"},
        {"timezone": "", "digest_hour": ""},
        {"timezone": "UTC\x00", "digest_hour": "8"},
    ],
)
def test_bad_input_is_a_form_error_and_changes_nothing(client, officer, data):
    OfficerProfile.objects.create(user=officer, timezone="Asia/Jerusalem", digest_hour=6)
    client.force_login(officer)

    response = client.post(ACCOUNT, {**data, "receives_digests": ""})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "nothing was saved" in page_text(response)
    profile = OfficerProfile.objects.get()
    assert (str(profile.timezone), profile.digest_hour, profile.receives_digests) == (
        "Asia/Jerusalem",
        6,
        True,
    )


def test_bad_input_without_a_profile_creates_none(client, officer):
    client.force_login(officer)

    client.post(ACCOUNT, {"timezone": "Mars/Olympus", "digest_hour": "8"})

    assert OfficerProfile.objects.exists() is False


def test_the_page_needs_a_sign_in(client, db):
    response = client.get(ACCOUNT)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
