"""The API's error texts in the reader's language (issue 19): Django REST framework's own
messages are in Track II's catalogue (trackii/drf_messages.py), answered in the language of
Accept-Language; field names, codes and the values a client sent stay as they are."""

import ast
import inspect
import json

import pytest
from django.test import Client
from django.utils import translation
from rest_framework import (
    authentication,
    exceptions,
    fields,
    pagination,
    relations,
    serializers,
    validators,
    versioning,
)

from contacts.models import Contact, OfficerProfile
from tests.conftest import api
from tests.contacts.api_support import API, assert_error
from tests.trackii.test_settings import REPO
from trackii import drf_messages, tokens

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")

REQUIRED = {
    "en": "This field is required.",
    "ru": "Обязательное поле.",
    "he": "יש להזין תוכן בשדה זה.",
}
NOT_AUTHENTICATED = {
    "ru": "Учётные данные не предоставлены.",
    "he": "לא נשלחו פרטי אימות.",
}
NOT_A_CHOICE = {
    "ru": "Значение «nonsense» недопустимо.",
    "he": 'הערך "nonsense" אינו בחירה חוקית.',
}


@pytest.mark.parametrize("language", ["ru", "he"])
def test_a_field_error_is_in_the_accept_language_and_the_field_stays_english(owner, language):
    response = api(owner).post(f"{API}/contacts/", {}, format="json", HTTP_ACCEPT_LANGUAGE=language)

    body = assert_error(response, 400, code="invalid")
    assert body["fields"]["full_name"] == [REQUIRED[language]]
    assert response["Content-Language"] == language
    assert Contact.objects.exists() is False


@pytest.mark.parametrize("language", ["ru", "he"])
def test_a_value_sent_is_quoted_as_sent_in_the_translated_message(owner, language):
    response = api(owner).post(
        f"{API}/contacts/",
        {"full_name": "Ada Lovelace", "category": "nonsense"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    body = assert_error(response, 400, code="invalid")
    assert body["fields"]["category"] == [NOT_A_CHOICE[language]]
    assert Contact.objects.exists() is False


@pytest.mark.parametrize("language", ["ru", "he"])
def test_an_anonymous_request_is_refused_in_the_accept_language(db, language):
    response = api().get(f"{API}/contacts/", HTTP_ACCEPT_LANGUAGE=language)

    body = assert_error(response, 401, code="not_authenticated", fields={})
    assert body["detail"] == NOT_AUTHENTICATED[language]


def test_a_token_client_gets_the_accept_language_not_its_profile_language(owner):
    # A token is checked by the API view, after the middleware that applies a signed-in
    # user's own language: to that middleware the request is anonymous.
    OfficerProfile.objects.create(user=owner, language="ru")
    key = tokens.create_token(owner, name="Sync").key

    def post(**headers):
        return Client().post(
            f"{API}/contacts/",
            json.dumps({}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {key}",
            **headers,
        )

    assert post(HTTP_ACCEPT_LANGUAGE="he").json()["fields"]["full_name"] == [REQUIRED["he"]]
    assert post().json()["fields"]["full_name"] == [REQUIRED["en"]]


def test_a_signed_in_browser_gets_its_profile_language_over_accept_language(client, owner):
    OfficerProfile.objects.create(user=owner, language="ru")
    client.force_login(owner)

    response = client.post(
        f"{API}/contacts/",
        json.dumps({}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="he",
    )

    assert response.json()["fields"]["full_name"] == [REQUIRED["ru"]]


# Every message DRF can send is in the catalogue


DRF_MODULES = (
    authentication,
    exceptions,
    fields,
    pagination,
    relations,
    serializers,
    validators,
    versioning,
)
# DRF's marked texts that are no error: the schema's descriptions (English, as the API's
# documentation) and the browsable API's choice lists.
NOT_ERRORS = {
    "A page number within the paginated result set.",
    "Number of results to return per page.",
    "The initial index from which to return the results.",
    "The pagination cursor value.",
    "More than {count} items...",
}


def _marked_in(module) -> set[str]:
    """The literal texts ``module`` passes to gettext (DRF names it ``_``)."""
    found = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("_", "gettext", "gettext_lazy")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(node.args[0].value)
    return found


def test_every_error_message_of_drf_is_marked_for_the_catalogue():
    sent = set().union(*(_marked_in(module) for module in DRF_MODULES)) - NOT_ERRORS

    assert sent == set(drf_messages.MESSAGES)


def test_the_marked_messages_are_the_ones_drf_looks_up():
    with translation.override(None):
        looked_up = {
            str(fields.CharField.default_error_messages["blank"]),
            str(exceptions.NotAuthenticated.default_detail),
            str(exceptions.Throttled.extra_detail_plural),
            str(pagination.CursorPagination.invalid_cursor_message),
        }

    assert looked_up <= set(drf_messages.MESSAGES)


# Track II's own error texts: in the reader's language too, none raised unmarked


def _in(language: str, text: str) -> str:
    """``text`` from the catalogue in ``language``, checked to be translated there."""
    with translation.override(language):
        translated = translation.gettext(text)
    assert translated != text, f"{text!r} has no {language} translation"
    return translated


@pytest.mark.parametrize("language", ["ru", "he"])
def test_the_error_shapes_own_texts_are_in_the_accept_language(owner, language):
    client = api(owner)

    invalid = client.post(f"{API}/contacts/", {}, format="json", HTTP_ACCEPT_LANGUAGE=language)
    malformed = client.post(
        f"{API}/contacts/",
        "{not json",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    too_big_a_page = client.get(f"{API}/contacts/?page_size=999", HTTP_ACCEPT_LANGUAGE=language)
    bad_token = Client().get(
        f"{API}/contacts/",
        HTTP_AUTHORIZATION="Token 0123456789abcdef",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert assert_error(invalid, 400, code="invalid")["detail"] == _in(
        language, "The request has invalid fields."
    )
    # DRF's own account of the error (the decoder's, English) inside ours.
    reading = _in(language, "The request body cannot be read (%(error)s).")
    detail = assert_error(malformed, 400, code="parse_error", fields={})["detail"]
    assert detail.startswith(reading.split("%(error)s")[0])
    assert "JSON parse error" in detail
    assert assert_error(too_big_a_page, 400, code="invalid")["fields"] == {
        "page_size": [_in(language, "Between 1 and %(most)s.") % {"most": 200}]
    }
    assert assert_error(bad_token, 401)["detail"] == _in(language, "Invalid token.")
    assert Contact.objects.exists() is False


# The exceptions whose text reaches a reader (the API's body, the 403 page), by name.
RAISED_TO_READERS = {
    "AuthenticationFailed",
    "Conflict",
    "DomainError",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "ParseError",
    "PermissionDenied",
    "PreconditionFailed",
    "Throttled",
    "ValidationError",
}


def _holds_text(node) -> bool:
    """A literal text, or a list, tuple or dict holding one directly."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value.strip())
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.List | ast.Tuple):
        return any(_holds_text(element) for element in node.elts)
    if isinstance(node, ast.Dict):
        return any(_holds_text(value) for value in node.values)
    return False


def test_no_error_a_reader_sees_is_raised_with_a_text_left_out_of_the_catalogue():
    """A text given to such an exception, or as an API exception's ``default_detail``, goes
    through gettext (a literal would stay English in every language)."""
    unmarked = []
    for root in ("contacts", "events", "indicators", "trackii"):
        for path in sorted((REPO / root).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if _unmarked(node):
                    unmarked.append(f"{path.relative_to(REPO)}:{node.lineno}")

    assert unmarked == []


def _unmarked(node) -> bool:
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in RAISED_TO_READERS and any(_holds_text(arg) for arg in node.args)
    if isinstance(node, ast.Assign):
        named = any(getattr(target, "id", "") == "default_detail" for target in node.targets)
        return named and _holds_text(node.value)
    return False
