"""REST API v1 of duplicates: contacts/{id}/merge/ (GET previews, POST merges), merges/
(undo) and duplicates/ (the queue, dismiss); 404 for a hidden contact, 403 for a visible one
the caller may not change."""

import pytest

from contacts import merging
from contacts.models import Contact, ContactMerge, DuplicatePair, Sensitivity
from tests import factories
from tests.conftest import api
from tests.contacts.api_support import API, assert_error

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


@pytest.fixture
def two(owner):
    keep = factories.ContactFactory(full_name="David Levi", owner=owner, country="IL")
    other = factories.ContactFactory(
        full_name="דוד לוי", owner=owner, email="david@levi.example", birth_year=1971
    )
    factories.ChannelFactory(contact=other, officer=owner)
    return keep, other


def test_get_previews_the_merge_and_changes_nothing(owner, two):
    keep, other = two

    response = api(owner).get(f"{API}/contacts/{keep.pk}/merge/", {"other": other.pk})

    assert response.status_code == 200
    body = response.json()
    assert (body["keep"], body["other"], body["sensitivity"], body["owner"]) == (
        keep.pk,
        other.pk,
        "standard",
        owner.pk,
    )
    fields = {field["name"]: field for field in body["fields"]}
    assert fields["email"] == {
        "name": "email",
        "kept": "",
        "merged": "david@levi.example",
        "chosen": "merged",
    }
    assert fields["country"]["kept"] == "IL"
    assert body["moves"]["channels"] == 1
    assert Contact.objects.count() == 2


def test_post_merges_with_the_chosen_values_and_undo_reverses_it(owner, two):
    keep, other = two
    client = api(owner)

    response = client.post(
        f"{API}/contacts/{keep.pk}/merge/",
        {"other": other.pk, "choices": {"full_name": "merged"}},
        format="json",
    )

    assert response.status_code == 200, response.content
    record = ContactMerge.objects.get()
    assert response.json()["id"] == record.pk
    assert response.json()["merged_contact_id"] == other.pk
    keep.refresh_from_db()
    assert (keep.full_name, keep.email, keep.birth_year) == ("דוד לוי", "david@levi.example", 1971)
    assert Contact.objects.filter(pk=other.pk).exists() is False

    undone = client.post(f"{API}/merges/{record.pk}/undo/")

    assert undone.status_code == 200
    assert undone.json()["undo_report"] == {"left": []}
    assert Contact.objects.get(pk=other.pk).full_name == "דוד לוי"
    assert_error(client.post(f"{API}/merges/{record.pk}/undo/"), 400)


def test_an_undo_counts_for_each_reader_only_the_rows_they_may_see(
    client, owner, outsider, admin_user
):
    """An attacker's finding: the merge's preview counted no exchange, but the undo's report
    said "1 exchange no longer linked to the kept contact" to its undoer and to every
    reader of the merge: an exchange they may not see, which also names a protected
    contact, had been on the merged contact and was edited since."""
    keep = factories.ContactFactory(full_name="Kept Standard", owner=outsider)
    other = factories.ContactFactory(full_name="Merged Standard", owner=outsider)
    hidden = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    exchange = factories.ExchangeFactory(contacts=[other, hidden], officers=[owner])
    attacker = api(outsider)
    preview = attacker.get(f"{API}/contacts/{keep.pk}/merge/", {"other": other.pk})
    assert preview.json()["moves"]["exchanges"] == 0
    merged = attacker.post(f"{API}/contacts/{keep.pk}/merge/", {"other": other.pk}, format="json")
    record = ContactMerge.objects.get(pk=merged.json()["id"])
    exchange.contacts.set([hidden])  # its owner leaves the kept contact out

    undone = attacker.post(f"{API}/merges/{record.pk}/undo/")

    assert undone.status_code == 200, undone.content
    assert undone.json()["undo_report"] == {"left": []}
    assert attacker.get(f"{API}/merges/{record.pk}/").json()["undo_report"] == {"left": []}
    record.refresh_from_db()
    assert record.undo_report == {
        "left": [
            {
                "relation": "contacts.Exchange.contacts",
                "line": "unlinked",
                "model": "contacts.exchange",
                "ids": [exchange.pk],
            }
        ]
    }
    # Who may see the exchange is told.
    told = "1 exchange no longer linked to the kept contact: left as it is."
    assert api(owner).get(f"{API}/merges/{record.pk}/").json()["undo_report"] == {"left": [told]}
    client.force_login(admin_user)
    page = client.get(f"/admin/contacts/contactmerge/{record.pk}/change/").content.decode()
    assert told in page
    assert f'"ids": [{exchange.pk}]' not in page
    # In the reader's language.
    russian = api(owner).get(f"{API}/merges/{record.pk}/", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert russian["undo_report"]["left"][0].startswith("1 ")
    assert russian["undo_report"]["left"][0] != told


def test_a_hidden_contact_is_a_404_in_the_path_or_as_other(owner, outsider):
    seen = factories.ContactFactory(owner=outsider)
    hidden = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    client = api(outsider)

    for keep, other in ((seen, hidden), (hidden, seen)):
        url = f"{API}/contacts/{keep.pk}/merge/"
        assert_error(client.get(url, {"other": other.pk}), 404)
        assert_error(client.post(url, {"other": other.pk}, format="json"), 404)
    assert_error(client.post(f"{API}/contacts/{seen.pk}/merge/", {"other": 0}, format="json"), 400)
    assert Contact.objects.count() == 2
    assert ContactMerge.objects.exists() is False


def test_a_caller_who_sees_both_but_does_not_change_contacts_gets_a_403(planner, analyst, two):
    keep, other = two

    for user in (planner, analyst):
        response = api(user).post(
            f"{API}/contacts/{keep.pk}/merge/", {"other": other.pk}, format="json"
        )
        assert_error(response, 403)
    assert Contact.objects.count() == 2


def test_invalid_choices_are_a_400_naming_the_field(owner, two):
    keep, other = two
    url = f"{API}/contacts/{keep.pk}/merge/"
    client = api(owner)

    assert_error(
        client.post(url, {"other": other.pk, "choices": {"email": "both"}}, format="json"),
        400,
        fields={"choices": {"email": ['"both" is not a valid choice.']}},
    )
    assert_error(
        client.post(url, {"other": other.pk, "choices": {"owner": "merged"}}, format="json"),
        400,
        fields={"choices": ["Unknown fields: owner."]},
    )
    assert_error(
        client.post(url, {"other": keep.pk}, format="json"),
        400,
        fields={"other": ["A contact cannot be merged with itself."]},
    )
    assert Contact.objects.count() == 2


def test_the_queue_lists_only_pairs_both_visible_and_dismiss_removes_one(owner, outsider):
    one = factories.ContactFactory(owner=owner)
    two_ = factories.ContactFactory(owner=owner)
    hidden = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    offered = DuplicatePair.objects.create(
        contact_a=one, contact_b=two_, score=70, reasons=["name"], found_at="2025-06-02T03:00Z"
    )
    DuplicatePair.objects.create(
        contact_a=two_, contact_b=hidden, score=90, reasons=["name"], found_at="2025-06-02T03:00Z"
    )
    client = api(outsider)

    listed = client.get(f"{API}/duplicates/")

    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [offered.pk]
    dismissed = client.post(f"{API}/duplicates/{offered.pk}/dismiss/")
    assert dismissed.json()["status"] == "dismissed"
    assert client.get(f"{API}/duplicates/").json()["results"] == []


def test_a_birth_year_outside_1900_to_this_year_is_a_400_naming_the_field(owner):
    client = api(owner)
    base = {"full_name": "Anna Levi", "category": "academic"}

    for year in (1899, 3000):
        response = client.post(f"{API}/contacts/", {**base, "birth_year": year}, format="json")
        body = assert_error(response, 400)
        assert list(body["fields"]) == ["birth_year"]
    created = client.post(f"{API}/contacts/", {**base, "birth_year": 1971}, format="json")
    assert created.json()["birth_year"] == 1971


def test_an_undone_merge_whose_contact_is_back_hidden_is_shown_to_no_one_who_may_not_see_it(
    owner, grantee, teammate
):
    """The helper's attack: a standard contact merged with the owner's protected one, the
    merge undone; the record names the protected contact's id again."""
    standard = factories.ContactFactory(owner=owner)
    protected = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)
    factories.GrantFactory(contact=protected, user=grantee)
    client = api(owner)
    merged = client.post(
        f"{API}/contacts/{standard.pk}/merge/", {"other": protected.pk}, format="json"
    )
    assert merged.status_code == 200, merged.content
    record = ContactMerge.objects.get()
    assert client.post(f"{API}/merges/{record.pk}/undo/").status_code == 200

    standard.refresh_from_db()
    assert standard.sensitivity == Sensitivity.STANDARD  # seen by every officer again
    assert api(teammate).get(f"{API}/contacts/{standard.pk}/").status_code == 200
    for reader, shown in ((teammate, False), (grantee, True), (owner, True)):
        listed = [row["id"] for row in api(reader).get(f"{API}/merges/").json()["results"]]
        assert (record.pk in listed) is shown, reader
        detail = api(reader).get(f"{API}/merges/{record.pk}/")
        assert detail.status_code == (200 if shown else 404), reader


def test_a_report_line_of_a_relation_no_one_registered_is_worded_by_its_model(owner):
    """Lines of relations made on the fly (``_default_relation``) are noted when the
    relation is made: a process reading a report before that words them by their model."""
    exchange = factories.ExchangeFactory(contacts=[factories.ContactFactory(owner=owner)])
    entry = {"relation": "nobody.Registered.this", "line": "changed", "model": "contacts.exchange"}
    record = ContactMerge(undo_report={"left": [{**entry, "ids": [exchange.pk]}]})

    lines = merging.undo_report_lines(record, owner)

    assert lines == ["1 row of exchanges changed since: left as it is."]
