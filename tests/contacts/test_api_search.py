"""The API's ``?search=`` on the contacts is the contacts list's own search
(``ContactQuerySet.search``), term by term as DRF reads them, with the e-mail address as
DRF's search fields had it; never a contact the caller may not see; and on PostgreSQL the
statement the API runs reads the trigram indexes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import Sensitivity
from tests import factories
from tests.conftest import api
from tests.contacts.api_support import API, ids

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


@pytest.fixture
def people(owner, outsider):
    university = factories.OrganizationFactory(name="Hebrew University")
    irina = factories.ContactFactory(
        full_name="Irina Petrova",
        native_name="Ирина Петрова",
        email="i.petrova@example.org",
        organization=university,
        owner=owner,
    )
    other = factories.ContactFactory(full_name="Irina Sokolova", owner=owner)
    hidden = factories.ContactFactory(
        full_name="Irina Hidden",
        email="i.hidden@example.org",
        sensitivity=Sensitivity.PROTECTED,
        owner=outsider,
    )
    return irina, other, hidden


def _search(user, term) -> tuple[list[int], int]:
    response = api(user).get(f"{API}/contacts/", {"search": term})
    assert response.status_code == 200
    return ids(response), response.json()["count"]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("ирина", "both"),
        ("IRINA", "both"),
        ("irina petrova", "irina"),  # each word
        ("petrova, hebrew", "irina"),  # a name and the organization's
        ('"hebrew univ"', "irina"),  # a quoted phrase
        ("i.petrova@example", "irina"),  # the e-mail address, as before
        ("@EXAMPLE.org", "irina"),
        ("irina nobody", "nobody"),
    ],
)
def test_every_term_matches_a_name_the_organization_or_the_address(owner, people, term, expected):
    irina, other, _ = people
    found = {"both": [irina.pk, other.pk], "irina": [irina.pk], "nobody": []}[expected]

    assert _search(owner, term) == (found, len(found))


def test_the_search_never_finds_a_contact_hidden_from_the_caller(owner, outsider, people):
    irina, other, hidden = people

    assert _search(owner, "irina") == ([irina.pk, other.pk], 2)
    assert _search(owner, "i.hidden") == ([], 0)
    assert _search(outsider, "i.hidden") == ([hidden.pk], 1)


def test_a_page_of_a_search_and_its_count_are_one_statement(owner):
    """The page is sorted from every match anyway: the count comes with it (COUNT(*) OVER
    ()), not from a second pass over the matches; pages and links as before."""
    for number in range(7):
        factories.ContactFactory(full_name=f"Irina Example {number}", owner=owner)
    factories.ContactFactory(full_name="Someone Else", owner=owner)

    with CaptureQueriesContext(connection) as queries:
        response = api(owner).get(f"{API}/contacts/", {"search": "irina", "page_size": 3})
    # Read before the next request, whose start empties the log.
    statements = [q["sql"] for q in queries.captured_queries]
    second = api(owner).get(f"{API}/contacts/", {"search": "irina", "page_size": 3, "page": 3})
    past = api(owner).get(f"{API}/contacts/", {"search": "irina", "page_size": 3, "page": 4})

    body = response.json()
    assert (body["count"], len(body["results"]), body["previous"]) == (7, 3, None)
    assert "page=2" in body["next"]
    assert [sql for sql in statements if "COUNT(*) OVER ()" in sql]
    assert not [sql for sql in statements if sql.startswith("SELECT COUNT(*)")]
    assert (second.json()["count"], len(second.json()["results"])) == (7, 1)
    assert second.json()["next"] is None
    assert past.status_code == 404


def test_a_search_narrowed_by_a_tag_counts_each_contact_once(owner):
    """A search and a tag together (a DISTINCT list, counted apart from the window): each
    contact counted and listed once, whatever its other tags."""
    tags = [factories.TagFactory(name="press"), factories.TagFactory(name="culture")]
    for number in range(3):
        contact = factories.ContactFactory(full_name=f"Irina Tagged {number}", owner=owner)
        contact.tags.set(tags)
    factories.ContactFactory(full_name="Irina Untagged", owner=owner)

    response = api(owner).get(f"{API}/contacts/", {"search": "irina", "tag": "press"})

    assert response.json()["count"] == 3
    assert len(ids(response)) == 3


def test_a_search_with_no_match_is_an_empty_first_page(owner, people):
    response = api(owner).get(f"{API}/contacts/", {"search": "nobody-at-all"})

    assert response.status_code == 200
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_a_list_that_is_not_a_search_keeps_its_separate_count(owner, people):
    with CaptureQueriesContext(connection) as queries:
        response = api(owner).get(f"{API}/contacts/")

    assert response.json()["count"] == 2
    assert [q for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]


CONTACTS = 20_000


@pytest.fixture
def many_contacts(owner):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO contacts_contact
                (full_name, native_name, search_key, name_skeleton, category, email, phone,
                 country, languages, layer, sensitivity, notes, created_at, updated_at,
                 owner_id)
            SELECT 'Contact ' || n, 'Контакт ' || n, 'contact ' || n || ' kontakt ' || n,
                   'kntkt ' || n, 'academic', 'contact' || n || '@example.org', '', 'IL',
                   '[]', 'political', 'standard', '', now(), now(), %s
            FROM generate_series(1, %s) AS n
            """,
            [owner.pk, CONTACTS],
        )
        cursor.execute("ANALYZE contacts_contact")


def test_the_statement_the_api_runs_reads_the_trigram_indexes(owner, many_contacts):
    factories.ContactFactory(full_name="Irina Petrova", native_name="Ирина Петрова", owner=owner)

    with CaptureQueriesContext(connection) as queries:
        response = api(owner).get(f"{API}/contacts/", {"search": "ирина"})

    assert response.json()["count"] == 1
    (page,) = [q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {page}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The names through their key folded to Latin, which holds both (contacts/search.py).
    for index in ("contacts_contact_search_key_trgm", "contacts_contact_email_trgm"):
        assert index in plan, plan
    assert "Seq Scan on contacts_contact" not in plan, plan
