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
            (full_name, native_name, category, email, phone, country, languages, layer,
             sensitivity, notes, created_at, updated_at, owner_id)
        SELECT 'Contact ' || n, 'Контакт ' || n, 'academic', '', '', 'IL', '[]',
               'political', 'standard', '', now(), now(), %s
        FROM generate_series(1, %s) AS n
        """,
        [owner.pk, CONTACTS],
    )


@pytest.fixture
def many_organizations(db):
    _insert_and_analyze(
        "contacts_organization",
        """
        INSERT INTO contacts_organization
            (name, native_name, kind, country, city, website, description, created_at,
             updated_at)
        SELECT 'Organization ' || n, 'Организация ' || n, 'university', 'IL',
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

    for index in (
        "contacts_contact_full_name_trgm",
        "contacts_contact_native_name_trgm",
        # The names folded to Latin and their skeleton (migration 0015).
        "contacts_contact_search_key_trgm",
    ):
        assert index in plan, plan
    assert "Seq Scan on contacts_contact" not in plan


def test_a_search_across_scripts_reads_the_skeleton_index(many_contacts, owner):
    plan = _plan(Contact.objects.visible_to(owner).search("David Levi").order_by("full_name"))

    assert "contacts_contact_search_key_trgm" in plan, plan
    assert "contacts_contact_name_skeleton_trgm" in plan, plan
    assert "Seq Scan on contacts_contact" not in plan


def test_the_organizations_search_reads_the_trigram_indexes(many_organizations):
    plan = _plan(Organization.objects.search("Petrov").order_by("name", "pk"))

    for index in (
        "contacts_organization_name_trgm",
        "contacts_organization_native_name_trgm",
        "contacts_organization_city_trgm",
        "contacts_organization_search_key_trgm",
    ):
        assert index in plan, plan
    assert "Seq Scan on contacts_organization" not in plan
