"""Private notes are encrypted at rest, history included; keys rotate; search never sees them."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection, transaction
from django.urls import reverse

from contacts import crypto, services
from contacts.admin import ContactAdmin, ExchangeAdmin
from contacts.checks import check_encryption_keys
from contacts.models import Contact, Exchange
from tests import factories

NOTE = "Source inside the ministry"
TABLES = [
    "contacts_contact",
    "contacts_historicalcontact",
    "contacts_exchange",
    "contacts_historicalexchange",
]


def _key():
    return Fernet.generate_key().decode()


def _raw_notes(table, pk_column="id", pk=None):
    """The notes column as the database holds it, without the model field."""
    query = f"SELECT notes FROM {table}"  # noqa: S608 (a constant table name)
    params = []
    if pk is not None:
        query += f" WHERE {pk_column} = %s"
        params = [pk]
    with connection.cursor() as cursor:
        cursor.execute(query + f" ORDER BY {pk_column}", params)
        return [row[0] for row in cursor.fetchall()]


def _every_raw_note():
    """Every non-empty stored token of the four encrypted columns."""
    tokens = []
    for table in TABLES:
        pk_column = "history_id" if "historical" in table else "id"
        tokens += [token for token in _raw_notes(table, pk_column) if token]
    return tokens


def _read_with_only(keys, settings):
    settings.FIELD_ENCRYPTION_KEYS = keys
    return [crypto.decrypt(token) for token in _every_raw_note()]


@pytest.fixture
def keys(settings):
    """An old and a new key; notes are written under the old one."""
    old, new = _key(), _key()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    return {"old": old, "new": new}


def _noted_contact_and_exchange(owner, note=NOTE):
    contact = factories.ContactFactory(owner=owner, notes=note)
    exchange = factories.ExchangeFactory(contacts=[contact], officers=[owner], notes=note)
    return contact, exchange


# At rest: the columns hold Fernet tokens, the models read the text back.


@pytest.mark.parametrize(
    ("model", "table"), [(Contact, "contacts_contact"), (Exchange, "contacts_exchange")]
)
def test_notes_column_holds_a_fernet_token_not_the_text(owner, model, table):
    contact, exchange = _noted_contact_and_exchange(owner)
    row = contact if model is Contact else exchange

    [raw] = _raw_notes(table, pk=row.pk)

    assert NOTE not in raw
    assert "ministry" not in raw
    assert raw.startswith("gAAAAA")
    assert crypto.decrypt(raw) == NOTE
    assert model.objects.get(pk=row.pk).notes == NOTE


@pytest.mark.parametrize(
    ("model", "table"),
    [(Contact, "contacts_historicalcontact"), (Exchange, "contacts_historicalexchange")],
)
def test_historical_notes_column_holds_a_fernet_token(owner, model, table):
    contact, exchange = _noted_contact_and_exchange(owner)
    row = contact if model is Contact else exchange
    row.notes = "Moved to the foreign ministry"
    row.save()

    raw = _raw_notes(table, pk_column="history_id", pk=None)

    assert len(raw) == 2
    assert all(token.startswith("gAAAAA") for token in raw)
    assert all("ministry" not in token for token in raw)
    assert [record.notes for record in row.history.order_by("history_id")] == [
        NOTE,
        "Moved to the foreign ministry",
    ]


def test_the_same_note_is_stored_as_different_tokens(owner):
    first = factories.ContactFactory(owner=owner, notes=NOTE)
    second = factories.ContactFactory(owner=owner, notes=NOTE)

    [first_raw] = _raw_notes("contacts_contact", pk=first.pk)
    [second_raw] = _raw_notes("contacts_contact", pk=second.pk)

    # Fernet tokens carry a random IV: equal notes cannot be spotted by equal columns.
    assert first_raw != second_raw


def test_an_empty_note_stays_empty(owner):
    contact, exchange = _noted_contact_and_exchange(owner, note="")

    assert _raw_notes("contacts_contact", pk=contact.pk) == [""]
    assert _raw_notes("contacts_exchange", pk=exchange.pk) == [""]
    assert _raw_notes("contacts_historicalcontact", pk_column="history_id") == [""]
    assert Contact.objects.get(pk=contact.pk).notes == ""
    assert Exchange.objects.get(pk=exchange.pk).notes == ""


def test_encrypted_fields_cover_the_notes_their_history_and_kept_drafts(db):
    labels = sorted(
        f"{model._meta.label}.{field.name}" for model, field in services.encrypted_fields()
    )

    assert labels == [
        "contacts.Contact.notes",
        # What a merge kept to be undone: both contacts' notes (contacts/merging.py).
        "contacts.ContactMerge.kept_notes",
        "contacts.ContactMerge.merged_notes",
        "contacts.Exchange.notes",
        "contacts.HistoricalContact.notes",
        "contacts.HistoricalExchange.notes",
        # An import's uploaded file and its parsed rows (contacts/imports/).
        "contacts.ImportBatch.file_data",
        "contacts.ImportRow.data",
        "trackii.Draft.payload",  # what was typed when a session ended (trackii/drafts.py)
    ]


# Rotation: prepend a new key, run the command, drop the old key.


def test_old_notes_stay_readable_after_a_new_key_is_prepended(owner, keys, settings):
    contact, exchange = _noted_contact_and_exchange(owner)

    settings.FIELD_ENCRYPTION_KEYS = [keys["new"], keys["old"]]

    assert Contact.objects.get(pk=contact.pk).notes == NOTE
    assert Exchange.objects.get(pk=exchange.pk).notes == NOTE
    assert len(_every_raw_note()) == 4
    assert [crypto.is_current(token) for token in _every_raw_note()] == [False] * 4


def test_rotate_command_re_encrypts_every_note_history_included(owner, keys, settings):
    _noted_contact_and_exchange(owner)
    before = _every_raw_note()
    settings.FIELD_ENCRYPTION_KEYS = [keys["new"], keys["old"]]
    out = io.StringIO()

    call_command("rotate_encryption_keys", stdout=out)

    assert out.getvalue() == "Re-encrypted 4 notes under the newest key.\n"
    after = _every_raw_note()
    assert len(after) == 4
    assert set(before).isdisjoint(after)
    assert [crypto.is_current(token) for token in after] == [True] * 4
    assert _read_with_only([keys["new"]], settings) == [NOTE] * 4
    assert Contact.objects.get().notes == NOTE
    assert Contact.history.get().notes == NOTE


def test_rotate_command_run_again_re_encrypts_nothing(owner, keys, settings):
    _noted_contact_and_exchange(owner)
    settings.FIELD_ENCRYPTION_KEYS = [keys["new"], keys["old"]]
    call_command("rotate_encryption_keys", stdout=io.StringIO())
    rotated = _every_raw_note()
    out = io.StringIO()

    call_command("rotate_encryption_keys", stdout=out)

    assert out.getvalue() == "Re-encrypted 0 notes under the newest key.\n"
    assert _every_raw_note() == rotated


def test_rotation_picks_up_a_note_written_under_the_old_key_since(owner, keys, settings):
    _noted_contact_and_exchange(owner)
    settings.FIELD_ENCRYPTION_KEYS = [keys["new"], keys["old"]]
    call_command("rotate_encryption_keys", stdout=io.StringIO())
    # A process still running with the old keys writes one more note.
    settings.FIELD_ENCRYPTION_KEYS = [keys["old"]]
    late = factories.ContactFactory(owner=owner)
    Contact.objects.filter(pk=late.pk).update(notes="Late note")  # no history row
    settings.FIELD_ENCRYPTION_KEYS = [keys["new"], keys["old"]]
    out = io.StringIO()

    call_command("rotate_encryption_keys", stdout=out)

    assert out.getvalue() == "Re-encrypted 1 notes under the newest key.\n"
    assert _read_with_only([keys["new"]], settings) == [NOTE, "Late note", NOTE, NOTE, NOTE]


def test_an_interrupted_rotation_finishes_on_the_next_run(owner, keys, settings):
    for index in range(3):
        factories.ContactFactory(owner=owner, notes=f"Note {index}")
    settings.FIELD_ENCRYPTION_KEYS = [keys["new"], keys["old"]]
    # The first run is cut short after its first batch of one note.
    notes = Contact._meta.get_field("notes")
    first_batch = list(services.stored_tokens(Contact, notes)[:1])
    services._rotate_batch(Contact, notes, first_batch)
    assert [crypto.is_current(token) for token in _raw_notes("contacts_contact")] == [
        True,
        False,
        False,
    ]

    rotated = services.rotate_encryption_keys(batch_size=1)

    # Two contacts left, and the three historical copies.
    assert rotated == 5
    assert _read_with_only([keys["new"]], settings) == [
        "Note 0",
        "Note 1",
        "Note 2",
        "Note 0",
        "Note 1",
        "Note 2",
    ]


def test_rotation_reports_progress_per_batch_at_higher_verbosity(owner, keys, settings):
    contact = factories.ContactFactory(owner=owner, notes=NOTE)
    settings.FIELD_ENCRYPTION_KEYS = [keys["new"], keys["old"]]
    out = io.StringIO()

    call_command("rotate_encryption_keys", "--batch-size=1", verbosity=2, stdout=out)

    history_id = contact.history.get().history_id
    *progress, summary = out.getvalue().splitlines()
    assert sorted(progress) == [
        f"contacts.Contact.notes: up to pk {contact.pk}",
        f"contacts.HistoricalContact.notes: up to pk {history_id}",
    ]
    assert summary == "Re-encrypted 2 notes under the newest key."


# A missing key: reads fail loudly and the system check says so at startup.


def test_reading_a_note_without_its_key_raises_undecryptable_note(owner, keys, settings):
    contact, exchange = _noted_contact_and_exchange(owner)

    settings.FIELD_ENCRYPTION_KEYS = [keys["new"]]

    with pytest.raises(crypto.UndecryptableNote):
        Contact.objects.get(pk=contact.pk)
    with pytest.raises(crypto.UndecryptableNote):
        Exchange.objects.get(pk=exchange.pk)
    with pytest.raises(crypto.UndecryptableNote):
        contact.history.first()


def test_system_check_reports_notes_the_keys_cannot_decrypt(owner, keys, settings):
    _noted_contact_and_exchange(owner)

    settings.FIELD_ENCRYPTION_KEYS = [keys["new"]]
    errors = check_encryption_keys(None, databases=["default"])

    assert sorted((error.id, error.msg.split(" ")[0]) for error in errors) == [
        ("contacts.E001", "contacts.Contact.notes"),
        ("contacts.E001", "contacts.Exchange.notes"),
        ("contacts.E001", "contacts.HistoricalContact.notes"),
        ("contacts.E001", "contacts.HistoricalExchange.notes"),
    ]


def test_system_check_finds_an_unreadable_note_behind_a_readable_first_one(owner, keys, settings):
    # Two contacts from before history was kept, under the old key.
    edited = factories.ContactFactory(owner=owner, notes="Edited later")
    untouched = factories.ContactFactory(owner=owner, notes=NOTE)
    Contact.history.all().delete()
    settings.FIELD_ENCRYPTION_KEYS = [keys["new"], keys["old"]]
    edited.save()  # re-encrypted under the new key, with a first history row under it
    # The old key is dropped without running rotate_encryption_keys.
    settings.FIELD_ENCRYPTION_KEYS = [keys["new"]]
    with pytest.raises(crypto.UndecryptableNote), transaction.atomic():
        Contact.objects.get(pk=untouched.pk)

    errors = check_encryption_keys(None, databases=["default"])

    assert [(error.id, error.msg.split(" ")[0]) for error in errors] == [
        ("contacts.E001", "contacts.Contact.notes")
    ]


def test_system_check_passes_with_the_right_keys(owner, keys, settings):
    _noted_contact_and_exchange(owner)

    settings.FIELD_ENCRYPTION_KEYS = [keys["new"], keys["old"]]

    assert check_encryption_keys(None, databases=["default"]) == []


def test_migrate_and_a_database_check_stop_on_unreadable_notes_other_commands_skip_it(
    owner, keys, settings
):
    """Every deploy runs migrate before the restart: it stops there. The other commands
    (runserver, a shell, the tasks' commands) run the checks without a database and do not
    read every note."""
    _noted_contact_and_exchange(owner)
    settings.FIELD_ENCRYPTION_KEYS = [keys["new"]]

    call_command("check", stdout=io.StringIO())  # no database: skipped
    call_command("sweep_reminders", skip_checks=False, stdout=io.StringIO())
    with pytest.raises(SystemCheckError, match=r"contacts\.E001"):
        call_command("check", databases=["default"], stdout=io.StringIO())
    with pytest.raises(SystemCheckError, match=r"contacts\.E001"):
        call_command("migrate", verbosity=0, skip_checks=False, stdout=io.StringIO())


def test_system_check_passes_with_no_notes_stored(owner, keys, settings):
    _noted_contact_and_exchange(owner, note="")

    settings.FIELD_ENCRYPTION_KEYS = [keys["new"]]

    assert check_encryption_keys(None, databases=["default"]) == []


def test_a_key_that_is_not_a_fernet_key_is_refused(owner, settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]

    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"), transaction.atomic():
        factories.ContactFactory(owner=owner, notes=NOTE)
    assert Contact.objects.exists() is False


# Search never reaches notes.


def test_admin_search_fields_never_name_notes():
    assert [field for field in ContactAdmin.search_fields if "notes" in field] == []
    assert [field for field in ExchangeAdmin.search_fields if "notes" in field] == []


@pytest.mark.parametrize(
    ("changelist", "found_by"),
    [("admin:contacts_contact_changelist", "Nadia"), ("admin:contacts_exchange_changelist", "Tea")],
)
def test_admin_search_for_a_word_only_in_a_note_finds_nothing(
    client, admin_user, owner, changelist, found_by
):
    contact = factories.ContactFactory(full_name="Nadia Noted", owner=owner, notes=NOTE)
    factories.ExchangeFactory(contacts=[contact], officers=[owner], summary="Tea", notes=NOTE)
    client.force_login(admin_user)

    by_note = client.get(reverse(changelist), {"q": "ministry"})
    by_name = client.get(reverse(changelist), {"q": found_by})

    assert by_note.status_code == 200
    assert by_note.context["cl"].result_count == 0
    assert by_name.context["cl"].result_count == 1
