"""The web pages of duplicates: the review queue, the merge page and undo, and the warning
of the new-contact form. A contact hidden from the user is never named, counted or hinted."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from contacts import duplicates
from contacts.models import AccessLog, Contact, ContactMerge, DuplicatePair, Sensitivity
from tests import factories
from tests.pages import messages_of, page_text

NOW = "2025-06-02T03:00:00Z"


def _pair(one, other, score=80):
    low, high = sorted([one, other], key=lambda contact: contact.pk)
    return DuplicatePair.objects.create(
        contact_a=low, contact_b=high, score=score, reasons=["name", "email"], found_at=NOW
    )


# The review queue


def test_the_queue_offers_only_pairs_whose_both_contacts_the_user_sees(
    client, owner, outsider, teammate
):
    seen = factories.ContactFactory(full_name="Irina Petrova", owner=owner)
    seen_too = factories.ContactFactory(full_name="Ирина Петрова", owner=owner)
    hidden = factories.ContactFactory(
        full_name="Irina Petrovna", owner=owner, sensitivity=Sensitivity.PROTECTED
    )
    offered = _pair(seen, seen_too)
    _pair(seen, hidden)
    client.force_login(outsider)

    response = client.get(reverse("contacts:duplicate_list"))

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [offered]
    body = page_text(response)
    assert "Irina Petrovna" not in body
    assert f"?other={seen_too.pk}" in body
    client.force_login(owner)
    assert response.context["page"].paginator.count == 1
    assert client.get(reverse("contacts:duplicate_list")).context["page"].paginator.count == 2


def test_not_the_same_person_is_never_offered_again(client, owner):
    one = factories.ContactFactory(full_name="Anna Levi", owner=owner)
    other = factories.ContactFactory(full_name="Anna Levi", owner=owner)
    pair = _pair(one, other)
    client.force_login(owner)

    response = client.post(reverse("contacts:duplicate_dismiss", args=[pair.pk]))

    assert response.url == reverse("contacts:duplicate_list")
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == (DuplicatePair.Status.DISMISSED, owner)
    assert client.get(reverse("contacts:duplicate_list")).context["page"].paginator.count == 0


def test_a_pair_with_a_hidden_contact_cannot_be_dismissed_and_says_nothing(client, owner, outsider):
    hidden = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    pair = _pair(factories.ContactFactory(owner=owner), hidden)
    client.force_login(outsider)

    response = client.post(reverse("contacts:duplicate_dismiss", args=[pair.pk]))

    assert response.status_code == 404
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.OPEN


def test_planners_and_analysts_have_no_queue(client, planner, analyst):
    for user in (planner, analyst):
        client.force_login(user)
        assert client.get(reverse("contacts:duplicate_list")).status_code == 403


def test_the_contacts_list_links_to_the_queue_for_those_who_merge(client, owner, planner):
    client.force_login(owner)
    link = f'href="{reverse("contacts:duplicate_list")}"'
    assert link in page_text(client.get(reverse("contacts:list")))
    client.force_login(planner)
    assert link not in page_text(client.get(reverse("contacts:list")))


# The merge page


@pytest.fixture
def two(owner):
    keep = factories.ContactFactory(full_name="David Levi", owner=owner)
    other = factories.ContactFactory(
        full_name="דוד לוי", owner=owner, email="david@levi.example", birth_year=1971
    )
    factories.ChannelFactory(contact=other, officer=owner)
    return keep, other


def test_the_merge_page_shows_both_records_side_by_side_and_what_moves(client, owner, two):
    keep, other = two
    client.force_login(owner)

    response = client.get(reverse("contacts:merge", args=[keep.pk]), {"other": other.pk})

    assert response.status_code == 200
    body = page_text(response)
    assert "David Levi" in body
    assert "דוד לוי" in body
    assert "david@levi.example" in body
    form = response.context["form"]
    # The kept record's value, unless it is empty.
    assert (form["full_name"].initial, form["email"].initial, form["birth_year"].initial) == (
        "kept",
        "merged",
        "merged",
    )
    assert ("channels", 1) in response.context["preview"].moves
    assert Contact.objects.count() == 2


def test_merging_from_the_page_keeps_the_chosen_values_and_offers_undo(client, owner, two):
    keep, other = two
    client.force_login(owner)
    choices = {name: "kept" for name in response_fields()} | {"full_name": "merged"}

    response = client.post(
        reverse("contacts:merge", args=[keep.pk]), {"other": other.pk, **choices}
    )

    assert response.url == reverse("contacts:detail", args=[keep.pk])
    keep.refresh_from_db()
    assert (keep.full_name, keep.email) == ("דוד לוי", "")
    assert Contact.objects.filter(pk=other.pk).exists() is False
    record = ContactMerge.objects.get()
    page = page_text(client.get(reverse("contacts:detail", args=[keep.pk])))
    assert reverse("contacts:merge_undo", args=[record.pk]) in page

    undone = client.post(reverse("contacts:merge_undo", args=[record.pk]))

    assert undone.url == reverse("contacts:detail", args=[other.pk])
    assert messages_of(undone)[-1] == "The merge was undone."
    assert Contact.objects.get(pk=other.pk).full_name == "דוד לוי"
    keep.refresh_from_db()
    assert keep.full_name == "David Levi"


def response_fields():
    return [
        "full_name",
        "native_name",
        "category",
        "organization",
        "email",
        "phone",
        "birth_year",
        "country",
        "languages",
        "layer",
        "notes",
    ]


def test_a_hidden_contact_is_a_404_on_the_merge_page_and_nothing_changes(client, owner, outsider):
    seen = factories.ContactFactory(owner=outsider)
    hidden = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    client.force_login(outsider)

    for keep, other in ((seen, hidden), (hidden, seen)):
        url = reverse("contacts:merge", args=[keep.pk])
        assert client.get(url, {"other": other.pk}).status_code == 404
        assert client.post(url, {"other": other.pk}).status_code == 404
    assert client.get(reverse("contacts:merge", args=[seen.pk]), {"other": "x"}).status_code == 404
    assert Contact.objects.count() == 2
    assert ContactMerge.objects.exists() is False


def test_someone_who_sees_both_but_does_not_change_contacts_gets_a_403(client, planner, two):
    keep, other = two
    client.force_login(planner)

    url = reverse("contacts:merge", args=[keep.pk])
    assert client.get(url, {"other": other.pk}).status_code == 403
    assert client.post(url, {"other": other.pk, "full_name": "merged"}).status_code == 403
    assert Contact.objects.count() == 2


def test_the_merge_is_access_logged_for_protected_contacts(client, owner):
    keep = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    other = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    client.force_login(owner)

    choices = dict.fromkeys(response_fields(), "kept")
    client.post(reverse("contacts:merge", args=[keep.pk]), {"other": other.pk, **choices})

    assert Contact.objects.filter(pk=other.pk).exists() is False
    assert set(AccessLog.objects.values_list("contact", "user", "surface")) == {
        (keep.pk, owner.pk, "web")
    }
    assert AccessLog.objects.count() == 2  # one each, the merged one's moved to the kept


# The new-contact form's warning


def _new_contact(owner, **overrides):
    data = {
        "full_name": "Irina Petrova",
        "native_name": "",
        "category": "journalist",
        "organization": "",
        "email": "irina@example.org",
        "phone": "",
        "birth_year": "",
        "country": "RU",
        "languages": "",
        "layer": "",
        "sensitivity": "standard",
        "owner": owner.pk,
        "notes": "",
    }
    return {**data, **overrides}


def test_the_new_contact_form_warns_of_a_visible_contact_it_may_be(client, owner):
    existing = factories.ContactFactory(
        full_name="Ирина Петрова", owner=owner, email="IRINA@example.org"
    )
    client.force_login(owner)

    warned = client.post(reverse("contacts:create"), _new_contact(owner))

    assert warned.status_code == 200
    body = page_text(warned)
    assert "This may be someone already here" in body
    assert f'href="{reverse("contacts:detail", args=[existing.pk])}"' in body
    assert Contact.objects.count() == 1

    saved = client.post(reverse("contacts:create"), _new_contact(owner, save_anyway="1"))

    assert saved.status_code == 302
    assert Contact.objects.count() == 2


def test_a_hidden_contact_the_new_one_may_be_changes_nothing_in_the_answer(client, owner, outsider):
    client.force_login(outsider)
    without = client.post(reverse("contacts:create"), _new_contact(outsider))
    first = Contact.objects.get(owner=outsider)
    # Gone again, so that only the hidden contact is like the next one.
    Contact.objects.filter(pk=first.pk).delete()
    factories.ContactFactory(
        full_name="Irina Petrova",
        owner=owner,
        email="irina@example.org",
        sensitivity=Sensitivity.PROTECTED,
    )

    with_hidden = client.post(reverse("contacts:create"), _new_contact(outsider))

    created = [first.pk, Contact.objects.get(owner=outsider).pk]
    for response, pk in ((without, created[0]), (with_hidden, created[1])):
        assert response.status_code == 302
        assert response.url == reverse("contacts:detail", args=[pk])
        assert response.content == b""
    assert _headers(without, created[0]) == _headers(with_hidden, created[1])
    # (The first message is still queued: no page was read in between.)
    assert messages_of(without) == ["Irina Petrova was added."]
    assert messages_of(with_hidden) == ["Irina Petrova was added."] * 2


def _headers(response, pk) -> dict:
    """The response's headers, the new contact's id in its address made alike."""
    headers = dict(response.headers)
    headers["Location"] = re.sub(rf"/{pk}/", "/ID/", headers["Location"])
    return headers


# The admin


def test_the_admin_merges_two_selected_contacts_after_the_same_preview(client, admin_user, two):
    keep, other = two
    client.force_login(admin_user)
    url = reverse("admin:contacts_contact_changelist")
    selected = {"action": "merge_selected", "_selected_action": [keep.pk, other.pk]}

    preview = client.post(url, selected)

    assert preview.status_code == 200
    body = page_text(preview)
    assert "david@levi.example" in body
    assert Contact.objects.count() == 2
    choices = {name: "kept" for name in response_fields()}
    done = client.post(url, {**selected, "keep": keep.pk, "confirmed": "yes", **choices})

    assert done.status_code == 302
    assert Contact.objects.filter(pk=other.pk).exists() is False
    record = ContactMerge.objects.get()
    assert record.kept == keep

    undo_url = reverse("admin:contacts_contactmerge_changelist")
    undone = client.post(undo_url, {"action": "undo_selected", "_selected_action": [record.pk]})

    assert undone.status_code == 302
    assert Contact.objects.filter(pk=other.pk).exists() is True


def test_the_admin_refuses_to_merge_anything_but_two_contacts(client, admin_user, two):
    keep, _ = two
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:contacts_contact_changelist"),
        {"action": "merge_selected", "_selected_action": [keep.pk]},
        follow=True,
    )

    assert "Select exactly two contacts to merge." in page_text(response)
    assert Contact.objects.count() == 2


@pytest.mark.parametrize(
    ("language", "shown"), [("en", "name, e-mail"), ("ru", None), ("he", None)]
)
def test_the_admins_pair_list_and_page_name_the_reasons_in_the_readers_language(
    client, admin_user, two, language, shown
):
    keep, other = two
    pair = DuplicatePair.objects.create(
        contact_a=keep, contact_b=other, score=90, reasons=["name", "email"], found_at=NOW
    )
    with translation.override(language):
        expected = shown or duplicates.reasons_shown(pair.reasons)
    assert expected != "name, email"
    client.force_login(admin_user)

    listed = client.get(
        reverse("admin:contacts_duplicatepair_changelist"), HTTP_ACCEPT_LANGUAGE=language
    )
    page = client.get(
        reverse("admin:contacts_duplicatepair_change", args=[pair.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    )

    for response in (listed, page):
        assert response.status_code == 200
        assert expected in page_text(response)
        assert '"email"' not in response.content.decode()
