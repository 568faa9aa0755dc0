"""The type-ahead pickers: their endpoints offer only what the user may see, searched as the
lists search, at most PICK_LIMIT at a time, each protected contact offered logged; their
widgets render only the chosen options, so the forms post and validate as before."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import AccessLog, Exchange, Sensitivity
from contacts.picker import PICK_LIMIT
from events.models import Invitation
from tests import factories
from tests.events.pages import make_event
from tests.pages import page_text

ENDPOINTS = ["pick_contacts", "pick_officers", "pick_staff", "pick_organizations"]


def _pick(client, endpoint, q="", **params):
    response = client.get(reverse(f"contacts:{endpoint}"), {"q": q, **params})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return response.json()["results"]


def _labels(results):
    return [result["label"] for result in results]


def _log():
    return list(AccessLog.objects.order_by("pk").values_list("user", "contact", "surface"))


# The endpoints


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_picker_endpoint_asks_anonymous_users_to_sign_in(client, protected, endpoint):
    response = client.get(reverse(f"contacts:{endpoint}"), {"q": "Pav"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert AccessLog.objects.exists() is False


@pytest.mark.parametrize(
    ("persona", "sees_restricted", "sees_protected"),
    [
        ("owner", True, True),
        ("teammate", True, False),
        ("outsider", False, False),
        ("grantee", False, True),
        ("admin_user", True, True),
    ],
)
def test_the_contact_picker_offers_only_contacts_the_user_may_see(
    client,
    request,
    owner,
    standard,
    restricted,
    protected,
    persona,
    sees_restricted,
    sees_protected,
):
    user = request.getfixturevalue(persona)
    if persona == "grantee":
        factories.GrantFactory(contact=protected, user=user, granted_by=owner)
    client.force_login(user)

    offered = _labels(_pick(client, "pick_contacts", "ov"))

    expected = ["Anna Standardova"]
    if sees_protected:
        expected.append("Pavel Protectedov (Павел Защищённый)")
    if sees_restricted:
        expected.append("Rina Restrictova")
    assert offered == expected
    assert _log() == ([(user.pk, protected.pk, "web")] if sees_protected else [])


def test_a_hidden_contact_is_not_found_by_its_native_name_or_its_organization(
    client, outsider, owner
):
    organization = factories.OrganizationFactory(name="Hidden Herald")
    factories.ContactFactory(
        full_name="Pavel Protectedov",
        native_name="Павел",
        organization=organization,
        owner=owner,
        sensitivity=Sensitivity.PROTECTED,
    )
    client.force_login(outsider)

    assert _pick(client, "pick_contacts", "Павел") == []
    assert _pick(client, "pick_contacts", "Herald") == []
    assert _pick(client, "pick_contacts", "") == []
    assert AccessLog.objects.exists() is False


@pytest.mark.parametrize("term", ["anna", "ANNA", " Анна ", "hebrew", "Иерусалим", "zz", ""])
def test_the_contact_picker_searches_as_the_contacts_list_does(client, owner, term):
    university = factories.OrganizationFactory(
        name="Hebrew University", native_name="Университет Иерусалим"
    )
    factories.ContactFactory(full_name="Anna Zuid", native_name="Анна Зюйд", owner=owner)
    factories.ContactFactory(full_name="Boris Annanov", owner=owner)
    factories.ContactFactory(full_name="Chana Levi", organization=university, owner=owner)
    factories.ContactFactory(full_name="Dov Katz", owner=owner)
    client.force_login(owner)

    offered = [result["id"] for result in _pick(client, "pick_contacts", term)]
    listed = client.get(reverse("contacts:list"), {"q": term}).context["page"].object_list

    assert offered == [contact.pk for contact in listed]
    assert offered != [] or term == "zz"


def test_the_contact_picker_answers_at_most_its_limit_by_name_with_a_detail(client, owner):
    herald = factories.OrganizationFactory(name="Daily Herald")
    for number in range(PICK_LIMIT + 5):
        factories.ContactFactory(full_name=f"Lev {number:02}", owner=owner, organization=herald)
    factories.ContactFactory(
        full_name="Lev 00 Protected", owner=owner, sensitivity=Sensitivity.PROTECTED
    )
    client.force_login(owner)

    results = _pick(client, "pick_contacts", "lev")

    assert len(results) == PICK_LIMIT
    assert _labels(results)[:3] == ["Lev 00", "Lev 00 Protected", "Lev 01"]
    assert results[0]["detail"] == "Daily Herald"
    assert results[1]["detail"] == "Protected"
    assert _labels(results)[-1] == f"Lev {PICK_LIMIT - 2:02}"


def test_the_contact_picker_offers_names_that_begin_with_the_term_before_other_matches(
    client, owner
):
    """A user's finding: "Shira" filled the list with the staff of "Sharon College" (its
    consonants), alphabetically before any Shira, who never showed."""
    sharon = factories.OrganizationFactory(name="Sharon Academic College")
    for number in range(PICK_LIMIT + 5):
        factories.ContactFactory(full_name=f"Adi {number:02}", owner=owner, organization=sharon)
    factories.ContactFactory(full_name="Yael Hashira", owner=owner)  # holds it
    factories.ContactFactory(full_name="Shira Yosef", owner=owner)
    factories.ContactFactory(full_name="Шира Шалом", owner=owner)  # begins, in Cyrillic
    factories.ContactFactory(full_name="Dana Bashira", owner=owner)  # holds it
    client.force_login(owner)

    labels = _labels(_pick(client, "pick_contacts", "Shira"))

    assert len(labels) == PICK_LIMIT
    assert labels[:4] == ["Shira Yosef", "Шира Шалом", "Dana Bashira", "Yael Hashira"]
    assert labels[4:7] == ["Adi 00", "Adi 01", "Adi 02"]
    # Two letters, which most contacts hold: by name only (the name's index stops early).
    assert _labels(_pick(client, "pick_contacts", "sh"))[:2] == ["Adi 00", "Adi 01"]


def test_the_contact_picker_does_not_offer_an_erased_contact(client, owner, standard):
    factories.ContactFactory(full_name="Anna Erased", owner=owner, erased_at="2026-01-01T00:00Z")
    client.force_login(owner)

    assert _labels(_pick(client, "pick_contacts", "anna")) == ["Anna Standardova"]


def test_the_contact_pickers_queries_do_not_grow_with_the_contacts_it_offers(client, owner):
    herald = factories.OrganizationFactory(name="Daily Herald")
    client.force_login(owner)
    # A session's first request records its activity (trackii.user_sessions, once a
    # minute): measure after it, as every later request of a signed-in user is.
    client.get(reverse("today"))

    def queries_to_offer(count):
        for number in range(count):
            factories.ContactFactory(
                full_name=f"Lev {count} {number}",
                owner=owner,
                organization=herald,
                sensitivity=Sensitivity.PROTECTED,
            )
        with CaptureQueriesContext(connection) as queries:
            assert len(_pick(client, "pick_contacts", f"lev {count} ")) == count
        return len(queries)

    assert queries_to_offer(1) == queries_to_offer(PICK_LIMIT)
    assert AccessLog.objects.count() == 1 + PICK_LIMIT


@pytest.mark.parametrize("q", ["x" * 201, "nul\x00byte"])
def test_a_picker_refuses_what_the_search_boxes_refuse_and_logs_nothing(
    client, owner, protected, q
):
    client.force_login(owner)

    for endpoint in ENDPOINTS:
        response = client.get(reverse(f"contacts:{endpoint}"), {"q": q})

        assert response.status_code == 400
        assert response.json()["results"] == []
    assert AccessLog.objects.exists() is False


def test_the_officer_picker_offers_other_active_officers_by_full_name(
    client, owner, teammate, planner
):
    factories.UserFactory(
        username="mnovak", first_name="Maria", last_name="Novak", roles=["officer"]
    )
    factories.UserFactory(username="mold", first_name="Maria", roles=["officer"], is_active=False)
    factories.UserFactory(username="admin", roles=["admin"], is_superuser=True)
    client.force_login(owner)

    assert _labels(_pick(client, "pick_officers")) == ["teammate", "Maria Novak"]
    assert _labels(_pick(client, "pick_officers", "maria nov")) == ["Maria Novak"]
    assert _labels(_pick(client, "pick_officers", "mnovak")) == ["Maria Novak"]
    assert _labels(_pick(client, "pick_officers", "", me="1")) == [
        "owner",
        "teammate",
        "Maria Novak",
    ]


def test_the_staff_picker_offers_every_active_user(client, owner, planner):
    factories.UserFactory(username="gone", is_active=False)
    client.force_login(planner)

    assert _labels(_pick(client, "pick_staff")) == ["owner", "planner"]
    assert _labels(_pick(client, "pick_staff", "plan")) == ["planner"]


def test_the_organization_picker_searches_as_the_organizations_list_does(client, owner):
    factories.OrganizationFactory(name="Hebrew University", city="Jerusalem", country="IL")
    factories.OrganizationFactory(name="Daily Herald", native_name="Ежедневный вестник", city="")
    factories.OrganizationFactory(name="Tel Aviv Forum", city="Tel Aviv")
    client.force_login(owner)

    for term in ("jerusalem", "вестник", "he", "nothing"):
        offered = [result["id"] for result in _pick(client, "pick_organizations", term)]
        listed = client.get(reverse("contacts:organization_list"), {"q": term})
        assert offered == [organization.pk for organization in listed.context["page"]]
    [university] = _pick(client, "pick_organizations", "jerusalem")
    assert (university["label"], university["detail"]) == ("Hebrew University", "Jerusalem, Israel")


# The widgets on the forms


def test_the_exchange_form_renders_only_the_preselected_contact_and_names_its_endpoint(
    client, owner, standard, protected, restricted
):
    client.force_login(owner)

    response = client.get(reverse("contacts:exchange_new"), {"contact": protected.pk})

    body = page_text(response)
    picker = reverse("contacts:pick_contacts")
    assert f'data-picker="{picker}"' in body
    assert (
        f'<option value="{protected.pk}" selected>Pavel Protectedov (Павел Защищённый)</option>'
        in body
    )
    assert "Anna Standardova" not in body
    assert "Rina Restrictova" not in body
    assert "hold Ctrl" not in body
    assert f'data-picker="{reverse("contacts:pick_officers")}"' in body
    # The page names the chosen protected contact only: that view is logged, no other.
    assert _log() == [(owner.pk, protected.pk, "web")]


def test_the_exchange_form_names_no_contact_before_one_is_chosen(client, owner, protected):
    client.force_login(owner)

    response = client.get(reverse("contacts:exchange_new"))

    assert response.status_code == 200
    assert "Pavel Protectedov" not in page_text(response)
    assert AccessLog.objects.exists() is False


@pytest.mark.parametrize("forged", ["abc", "99999999999999999999", "-1", ""])
def test_a_forged_preselection_renders_nothing_and_answers_no_error(
    client, owner, standard, forged
):
    client.force_login(owner)

    response = client.get(reverse("contacts:exchange_new"), {"contact": [forged, standard.pk]})

    assert response.status_code == 200
    assert f'<option value="{standard.pk}" selected>Anna Standardova</option>' in page_text(
        response
    )


def test_logging_an_exchange_posts_both_chosen_contacts(client, owner, standard, restricted):
    client.force_login(owner)

    response = client.post(
        reverse("contacts:exchange_new"),
        {
            "contacts": [standard.pk, restricted.pk],
            "occurred_at": "2026-03-02T09:30",
            "kind": "call",
            "summary": "Two at once.",
        },
    )

    assert response.status_code == 302
    assert set(Exchange.objects.get().contacts.all()) == {standard, restricted}


def test_a_hidden_contact_posted_through_the_picker_is_a_form_error(
    client, outsider, standard, protected
):
    client.force_login(outsider)

    response = client.post(
        reverse("contacts:exchange_new"),
        {
            "contacts": [standard.pk, protected.pk],
            "occurred_at": "2026-03-02T09:30",
            "kind": "call",
            "summary": "Forged.",
        },
    )

    assert response.status_code == 200
    assert "Select a valid choice." in page_text(response)
    assert "Pavel Protectedov" not in page_text(response)
    assert Exchange.objects.exists() is False
    assert AccessLog.objects.exists() is False


def test_the_exchange_edit_form_keeps_its_contacts_and_officers_chosen(
    client, owner, teammate, standard
):
    exchange = factories.ExchangeFactory(contacts=[standard], officers=[owner, teammate])
    factories.ContactFactory(full_name="Someone Else", owner=owner)
    client.force_login(owner)

    response = client.get(reverse("contacts:exchange_edit", args=[exchange.pk]))

    body = page_text(response)
    assert f'<option value="{standard.pk}" selected>Anna Standardova</option>' in body
    assert "Someone Else" not in body
    assert f'<option value="{owner.pk}" selected>' in body
    assert f'<option value="{teammate.pk}" selected>' in body
    officers = reverse("contacts:pick_officers")
    assert f'data-picker="{officers}?me=1"' in body


def test_the_invite_page_renders_a_contact_picker_and_names_no_contact(client, planner, owner):
    event = make_event(planners=[planner])
    guest = factories.ContactFactory(full_name="Ada Guest")
    client.force_login(planner)
    url = reverse("events:invite", args=[event.pk])

    page = client.get(url)
    response = client.post(url, {"mode": "one", "one-contact": guest.pk, "one-role": "guest"})

    assert f'data-picker="{reverse("contacts:pick_contacts")}"' in page_text(page)
    assert "Ada Guest" not in page_text(page)
    assert response.status_code == 200
    assert Invitation.objects.get().contact == guest


def test_the_contact_form_renders_only_the_chosen_organization(client, owner, contact):
    factories.OrganizationFactory(name="Another Institute")
    client.force_login(owner)

    response = client.get(reverse("contacts:edit", args=[contact.pk]))

    body = page_text(response)
    organizations = reverse("contacts:pick_organizations")
    assert f'data-picker="{organizations}"' in body
    assert f'<option value="{contact.organization_id}" selected>Hebrew University</option>' in body
    assert '<option value="">---------</option>' in body
    assert "Another Institute" not in body


def test_the_merge_pages_picker_does_not_offer_the_contact_itself(client, owner):
    """A user's finding: choosing the contact itself only got "cannot merge with itself"."""
    keep = factories.ContactFactory(full_name="Lea Twice", owner=owner)
    other = factories.ContactFactory(full_name="Lea Twice", owner=owner)
    client.force_login(owner)

    page = page_text(client.get(reverse("contacts:merge", args=[keep.pk])))
    url = re.search(r'data-picker="([^"]+)"', page).group(1).replace("&amp;", "&")
    offered = client.get(f"{url}&q=Lea").json()["results"]

    assert url == f"/pick/contacts/?exclude={keep.pk}"
    assert [row["id"] for row in offered] == [other.pk]
    refused = client.get(reverse("contacts:pick_contacts"), {"q": "Lea", "exclude": "x"})
    assert refused.status_code == 400
