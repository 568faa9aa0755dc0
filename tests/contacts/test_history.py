"""Change history: who changed what, restoring a version, and who may read it."""

import json

import pytest
from django.db import connection
from django.urls import reverse

from contacts.models import Contact, Sensitivity
from tests import factories


def _make_staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def _history_url(obj, version=None):
    opts = obj._meta
    if version is None:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[obj.pk, version.history_id],
    )


def _contact_form(contact, **changes):
    """The contact change form as submitted unchanged, with empty inlines."""
    data = {
        "full_name": contact.full_name,
        "native_name": contact.native_name,
        "category": contact.category,
        "organization": contact.organization_id or "",
        "email": contact.email,
        "phone": contact.phone,
        "country": contact.country.code,
        "languages": json.dumps(contact.languages),
        "layer": contact.layer,
        "sensitivity": contact.sensitivity,
        "owner": contact.owner_id,
        "tags": [tag.pk for tag in contact.tags.all()],
        "notes": contact.notes,
        "erased_at_0": "",
        "erased_at_1": "",
    }
    for prefix in ("affiliations", "grants"):
        data |= {
            f"{prefix}-TOTAL_FORMS": 0,
            f"{prefix}-INITIAL_FORMS": 0,
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
    return data | changes


# Every tracked model records who changed what.


CHANGES = [
    (factories.ContactFactory, "full_name", "Renamed Contact"),
    (factories.OrganizationFactory, "name", "Renamed Institute"),
    (factories.AffiliationFactory, "role", "Director"),
    (factories.ChannelFactory, "cadence_days", 14),
    (factories.ExchangeFactory, "summary", "Dinner at the residence."),
    (factories.ClimateFactory, "level", "crisis"),
    (factories.EventFactory, "title", "Renamed forum"),
    (factories.InvitationFactory, "status", "accepted"),
    (factories.ProgrammeFactory, "title", "Renamed programme"),
]


@pytest.mark.parametrize(
    ("factory", "field", "value"),
    CHANGES,
    ids=[factory._meta.model._meta.label_lower for factory, _, _ in CHANGES],
)
def test_a_change_is_recorded_with_who_and_what(owner, factory, field, value):
    row = factory()
    before = getattr(row, field)
    setattr(row, field, value)
    row._history_user = owner

    row.save()

    created, changed = row.history.order_by("history_id")
    assert (created.history_type, created.history_user) == ("+", None)
    assert (changed.history_type, changed.history_user) == ("~", owner)
    delta = changed.diff_against(created)
    assert delta.changed_fields == [field]
    assert [(change.old, change.new) for change in delta.changes] == [(before, value)]


def test_a_change_in_code_without_a_user_records_none(owner):
    contact = factories.ContactFactory(owner=owner, full_name="Dana Before")

    contact.full_name = "Dana After"
    contact.save()

    assert contact.history.latest().history_user is None


def test_a_change_through_the_admin_records_the_signed_in_user(client, owner):
    contact = factories.ContactFactory(
        owner=owner, full_name="Dana Before", sensitivity=Sensitivity.PROTECTED
    )
    client.force_login(_make_staff(owner))

    response = client.post(
        reverse("admin:contacts_contact_change", args=[contact.pk]),
        _contact_form(contact, full_name="Dana After"),
    )

    assert response.status_code == 302
    latest, earlier = contact.history.order_by("-history_id")
    assert (latest.history_type, latest.history_user) == ("~", owner)
    assert latest.diff_against(earlier).changed_fields == ["full_name"]
    assert latest.full_name == "Dana After"


def test_a_deletion_is_recorded_with_who(admin_user, owner):
    contact = factories.ContactFactory(owner=owner, full_name="Dana Deleted")
    contact_id = contact.pk
    contact._history_user = admin_user

    contact.delete()

    record = Contact.history.filter(id=contact_id).latest()
    assert (record.history_type, record.history_user, record.full_name) == (
        "-",
        admin_user,
        "Dana Deleted",
    )


# Restoring an earlier version.


def test_an_earlier_version_can_be_restored_in_code(owner):
    contact = factories.ContactFactory(owner=owner, full_name="Dana Before", notes="First note")
    contact.full_name = "Dana After"
    contact.notes = "Second note"
    contact.save()

    contact.history.earliest().instance.save()

    contact.refresh_from_db()
    assert (contact.full_name, contact.notes) == ("Dana Before", "First note")
    assert contact.history.count() == 3


def test_owner_reads_the_history_page_with_the_change(client, owner):
    contact = factories.ContactFactory(owner=owner, full_name="Dana Before")
    contact.full_name = "Dana After"
    contact._history_user = owner
    contact.save()
    client.force_login(_make_staff(owner))

    response = client.get(_history_url(contact))

    assert response.status_code == 200
    assert [
        (record.history_type, record.history_user) for record in response.context["page_obj"]
    ] == [("~", owner), ("+", None)]
    content = response.content.decode()
    assert "<strong>Full name:</strong>" in content
    assert "Dana Before" in content
    assert "Dana After" in content


def test_owner_restores_an_earlier_version_through_the_admin(client, owner):
    contact = factories.ContactFactory(owner=owner, full_name="Dana Before", notes="First note")
    contact.full_name = "Dana After"
    contact.notes = "Second note"
    contact.save()
    earliest = contact.history.earliest()
    client.force_login(_make_staff(owner))

    page = client.get(_history_url(contact, earliest))
    response = client.post(_history_url(contact, earliest), _contact_form(earliest.instance))

    assert page.status_code == 200
    form = page.context["adminform"].form
    assert (form.initial["full_name"], form.initial["notes"]) == ("Dana Before", "First note")
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.full_name, contact.notes) == ("Dana Before", "First note")
    restored = contact.history.latest()
    assert (restored.history_type, restored.history_user) == ("~", owner)


# Nobody reads the history of a row they may not see.


@pytest.fixture
def protected(owner):
    contact = factories.ContactFactory(
        owner=owner,
        full_name="Hidden Hanna",
        sensitivity=Sensitivity.PROTECTED,
        notes="Source inside the ministry",
    )
    contact.full_name = "Hidden Hanna Renamed"
    contact.save()
    return contact


@pytest.mark.parametrize("persona", ["teammate", "outsider"])
def test_officer_gets_404_for_the_history_of_a_protected_contact(
    client, request, protected, persona
):
    officer = _make_staff(request.getfixturevalue(persona))
    client.force_login(officer)
    history_before = list(protected.history.values_list("history_id", flat=True))

    history = client.get(_history_url(protected))
    version = client.get(_history_url(protected, protected.history.earliest()))
    revert = client.post(
        _history_url(protected, protected.history.earliest()), _contact_form(protected)
    )

    for response in (history, version, revert):
        assert response.status_code == 404
        assert "Hidden Hanna" not in response.content.decode()
    assert list(protected.history.values_list("history_id", flat=True)) == history_before
    protected.refresh_from_db()
    assert protected.full_name == "Hidden Hanna Renamed"


def test_a_hidden_version_cannot_be_read_through_a_visible_contact(client, outsider, protected):
    visible = factories.ContactFactory(owner=outsider, full_name="Sasha Standard")
    client.force_login(_make_staff(outsider))

    response = client.get(
        reverse(
            "admin:contacts_contact_simple_history",
            args=[visible.pk, protected.history.earliest().history_id],
        )
    )

    assert response.status_code == 404
    assert "Hidden Hanna" not in response.content.decode()


def test_superuser_reads_the_history_of_a_protected_contact(client, admin_user, protected):
    client.force_login(admin_user)

    history = client.get(_history_url(protected))
    version = client.get(_history_url(protected, protected.history.earliest()))

    assert history.status_code == 200
    assert "Hidden Hanna Renamed" in history.content.decode()
    assert version.status_code == 200
    assert version.context["adminform"].form.initial["full_name"] == "Hidden Hanna"


@pytest.mark.parametrize(
    ("make_row", "persona"),
    [
        (lambda contact: factories.AffiliationFactory(contact=contact), "outsider"),
        (lambda contact: factories.ChannelFactory(contact=contact), "outsider"),
        (lambda contact: factories.ExchangeFactory(contacts=[contact]), "outsider"),
        (lambda contact: factories.InvitationFactory(contact=contact), "planner"),
    ],
    ids=["affiliation", "channel", "exchange", "invitation"],
)
def test_history_of_a_row_naming_a_protected_contact_is_hidden(
    client, request, protected, make_row, persona
):
    user = _make_staff(request.getfixturevalue(persona))
    hidden_row = make_row(protected)
    visible_row = make_row(factories.ContactFactory(full_name="Sasha Standard"))
    client.force_login(user)

    history = client.get(_history_url(hidden_row))
    version = client.get(_history_url(hidden_row, hidden_row.history.earliest()))
    control = client.get(_history_url(visible_row))

    assert history.status_code == 404
    assert version.status_code == 404
    assert "Hidden Hanna" not in history.content.decode()
    assert "Hidden Hanna" not in version.content.decode()
    assert control.status_code == 200


# Encrypted fields stay encrypted in history.


def test_history_rows_hold_notes_encrypted(client, owner):
    contact = factories.ContactFactory(owner=owner, full_name="Dana", notes="First note")
    client.force_login(_make_staff(owner))
    client.post(
        reverse("admin:contacts_contact_change", args=[contact.pk]),
        _contact_form(contact, notes="Source inside the ministry"),
    )

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT notes FROM contacts_historicalcontact WHERE id = %s ORDER BY history_id",
            [contact.pk],
        )
        raw = [row[0] for row in cursor.fetchall()]

    assert len(raw) == 2
    assert all(token.startswith("gAAAAA") for token in raw)
    assert all("note" not in token and "ministry" not in token for token in raw)
    assert [record.notes for record in contact.history.order_by("history_id")] == [
        "First note",
        "Source inside the ministry",
    ]
