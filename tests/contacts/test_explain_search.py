"""On PostgreSQL the contacts' and organizations' search reads the trigram indexes of
migrations 0012 and 0015 (the names folded across scripts), at a size where reading every
row would be the planner's other choice: thousands of rows inserted in one statement, then
analysed (no planner setting forced)."""

import pytest
from django.db import connection

from contacts.models import Contact, Organization
from tests import factories

CONTACTS = 5_000
ORGANIZATIONS = 2_000


def _insert_and_analyze(table: str, statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        cursor.execute(f"ANALYZE {table}")


@pytest.fixture
def many_contacts(owner):
    _insert_and_analyze(
        "contacts_contact",
        """
        INSERT INTO contacts_contact
            (full_name, native_name, search_key, name_skeleton, category, email, phone,
             country, languages, layer, sensitivity, notes, created_at, updated_at, owner_id)
        SELECT 'Contact ' || n, 'Контакт ' || n, 'contact ' || n || ' kontakt ' || n,
               'kntkt ' || n, 'academic', '', '', 'IL', '[]', 'political', 'standard', '',
               now(), now(), %s
        FROM generate_series(1, %s) AS n
        """,
        [owner.pk, CONTACTS],
    )
    # The other tables a contacts search reads, analysed as they are now: a table another
    # test filled and emptied (a flush) keeps the statistics auto-analyse took meanwhile,
    # and the plan of the organizations found would follow them.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE contacts_organization, contacts_grant")


@pytest.fixture
def many_organizations(db):
    _insert_and_analyze(
        "contacts_organization",
        """
        INSERT INTO contacts_organization
            (name, native_name, search_key, name_skeleton, kind, country, city, website,
             description, created_at, updated_at)
        SELECT 'Organization ' || n, 'Организация ' || n,
               'organization ' || n || ' organizatsiya ' || n, 'rgnztn ' || n || ' rgnztsy ' || n,
               'university', 'IL',
               'City ' || (n %% 50), '', '', now(), now()
        FROM generate_series(1, %s) AS n
        """,
        [ORGANIZATIONS],
    )


def _plan(queryset) -> str:
    return queryset.explain()


def test_the_contacts_search_reads_the_trigram_indexes(many_contacts, owner):
    factories.ContactFactory(full_name="Irina Petrova", native_name="Ирина Петрова")

    plan = _plan(Contact.objects.visible_to(owner).search("ирина").order_by("full_name", "pk"))

    # The names folded to Latin (migration 0015) hold both names: the names themselves are
    # not searched beside them (contacts/search.py: names_unless_keyed).
    assert "contacts_contact_search_key_trgm" in plan, plan
    assert "Seq Scan on contacts_contact" not in plan


def test_the_branches_of_a_contacts_search_are_one_bitmap_or(many_contacts, owner):
    """The names' keys, the e-mail address and the organizations found are one OR that
    PostgreSQL answers from the indexes together, each matching contact visited once (and
    tested for who may see it there), not a union of branches joined back to the table."""
    plan = _plan(Contact.objects.visible_to(owner).search("Контакт 12", emails=True))

    assert "BitmapOr" in plan, plan
    for index in (
        "contacts_contact_search_key_trgm",
        "contacts_contact_email_trgm",
        # organization_id = ANY(ARRAY(the organizations found)): the foreign key's index.
        "contacts_contact_organization_id",
    ):
        assert index in plan, plan
    assert "Seq Scan on contacts_contact" not in plan
    assert "Append" not in plan, plan


def test_a_page_of_a_search_is_sorted_from_its_matches_not_walked_in_name_order(
    many_contacts, owner
):
    """A search of two common words (each in most names) is estimated broader than it is;
    sorted by the name, the planner would walk the name's index for a page and test every
    contact. The search sorts by a key no index gives (ContactQuerySet.order_by)."""
    found = Contact.objects.visible_to(owner).search("Контакт 4321").order_by("full_name", "pk")

    plan = _plan(found[:50])

    assert "Sort Key: (COALESCE(contacts_contact.full_name" in plan, plan
    assert "contacts_contact_search_key_trgm" in plan, plan
    assert [contact.native_name for contact in found] == ["Контакт 4321"]


def test_a_list_that_is_not_a_search_keeps_its_index_order(many_contacts, owner):
    plan = _plan(Contact.objects.visible_to(owner).order_by("full_name", "pk")[:50])

    assert "COALESCE" not in plan, plan


def test_a_search_across_scripts_reads_the_skeleton_index(many_contacts, owner):
    plan = _plan(Contact.objects.visible_to(owner).search("David Levi").order_by("full_name"))

    assert "contacts_contact_search_key_trgm" in plan, plan
    assert "contacts_contact_name_skeleton_trgm" in plan, plan
    assert "Seq Scan on contacts_contact" not in plan


def test_the_organizations_search_reads_the_trigram_indexes(many_organizations):
    plan = _plan(Organization.objects.search("Petrov").order_by("name", "pk"))

    # The names through their folded key (as the contacts'), the city itself.
    for index in (
        "contacts_organization_city_trgm",
        "contacts_organization_search_key_trgm",
    ):
        assert index in plan, plan
    assert "Seq Scan on contacts_organization" not in plan
