"""On PostgreSQL the contacts list sorted by last touch or by next due reads a page from
the indexes of migration 0013 (the dates stored on each contact), at a size where sorting
every contact would be the planner's other choice: thousands of contacts and channels
inserted in one statement, their dates stored, then analysed (no planner setting forced)."""

import pytest
from django.db import connection
from django.utils import timezone

from contacts.forms import ContactSearchForm
from contacts.models import Climate, Contact
from contacts.views import PAGE_SIZE

CONTACTS = 5_000


@pytest.fixture
def many_contacts_with_channels(owner):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO contacts_contact
                (full_name, native_name, category, email, phone, country, languages, layer,
                 sensitivity, notes, created_at, updated_at, owner_id)
            SELECT 'Contact ' || n, '', 'academic', '', '', 'IL', '[]', 'political',
                   CASE WHEN n %% 5 = 0 THEN 'protected' ELSE 'standard' END, '',
                   now(), now(), %s
            FROM generate_series(1, %s) AS n
            """,
            [owner.pk, CONTACTS],
        )
        cursor.execute(
            """
            INSERT INTO contacts_channel
                (contact_id, officer_id, kind, priority, cadence_days, status, last_touch_at,
                 created_at, updated_at)
            SELECT id, %s, 'informal', 'normal', 10 + id %% 50, 'active',
                   now() - (id %% 97) * interval '1 day', now() - interval '200 days', now()
            FROM contacts_contact
            """,
            [owner.pk],
        )
    # Rows written in raw SQL: their dates are stored by the caller.
    Contact.objects.refresh_channel_dates()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE contacts_contact")
        cursor.execute("ANALYZE contacts_channel")


def _plan(user, sort: str, page: int = 1) -> str:
    form = ContactSearchForm({"sort": sort})
    contacts = form.search(Contact.objects.visible_to(user), user=user, now=timezone.now())
    start = (page - 1) * PAGE_SIZE
    return contacts[start : start + PAGE_SIZE].explain()


@pytest.mark.parametrize(
    ("sort", "index"),
    [("last_touch", "contact_by_last_touch"), ("next_due", "contact_by_due_normal")],
)
def test_a_sorted_page_is_read_from_its_index(many_contacts_with_channels, analyst, sort, index):
    plan = _plan(analyst, sort)

    assert index in plan, plan
    assert "Seq Scan on contacts_contact" not in plan, plan
    # The dates are read as stored, not computed from the channels of every contact.
    assert "contacts_channel" not in plan.split("SubPlan")[0], plan


def test_under_a_crisis_the_next_due_page_is_read_from_the_crisis_index(
    many_contacts_with_channels, analyst
):
    Climate.objects.create(level=Climate.Level.CRISIS, started_at=timezone.now())

    plan = _plan(analyst, "next_due", page=3)

    assert "contact_by_due_crisis" in plan, plan
    assert "Seq Scan on contacts_contact" not in plan, plan
