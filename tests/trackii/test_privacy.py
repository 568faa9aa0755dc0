"""Data-subject rights: the export holds everything about one contact and nothing of
others; erasure leaves no personal data in any table, history included."""

import datetime as dt
import json

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.urls import reverse

from contacts import services
from contacts.models import AccessLog, Contact, ErasureRecord, Exchange, Sensitivity
from events.models import Invitation
from tests import factories
from trackii import privacy
from trackii.privacy import NotPermitted

NOW = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)
MARKERS = [
    "Zyxwvut",
    "Зюйдвестова",
    "zyxwvut@press.example",
    "+972-555-0199",
    "Source inside the ministry",
    "Adviser to Zyxwvut",
]


@pytest.fixture
def subject(owner, admin_user):
    """A protected journalist with an exchange, an affiliation, an invitation, a programme,
    history and an admin log entry, all carrying personal data."""
    contact = factories.ContactFactory(
        full_name="Mira Zyxwvut",
        native_name="Мира Зюйдвестова",
        email="zyxwvut@press.example",
        phone="+972-555-0199",
        notes="Source inside the ministry",
        category=Contact.Category.JOURNALIST,
        sensitivity=Sensitivity.PROTECTED,
        owner=owner,
        languages=["ru", "he"],
        tags=[factories.TagFactory(name="media-forum")],
    )
    contact.notes = "Source inside the ministry; prefers Signal."
    contact.save()
    factories.AffiliationFactory(contact=contact, role="Adviser to Zyxwvut")
    factories.ChannelFactory(contact=contact, officer=owner)
    factories.GrantFactory(contact=contact, user=admin_user)
    services.log_exchange(
        occurred_at=NOW - dt.timedelta(days=3),
        kind=Exchange.Kind.MEETING,
        contacts=[contact],
        officers=[owner],
        summary="Coffee with Zyxwvut about the ministry leak.",
        notes="Source inside the ministry confirmed the date.",
        now=NOW,
    )
    factories.InvitationFactory(contact=contact, status=Invitation.Status.ACCEPTED)
    factories.ProgrammeFactory(title="Media fellows").participants.add(contact)
    LogEntry.objects.log_actions(
        user_id=admin_user.pk,
        queryset=[contact],
        action_flag=CHANGE,
        change_message="Changed email.",
        single_object=True,
    )
    return contact


@pytest.fixture
def bystander(owner):
    return factories.ContactFactory(
        full_name="Bystander Boris", native_name="Борис", email="boris@press.example", owner=owner
    )


def test_export_contains_every_related_record(subject, owner):
    document = privacy.export_contact(contact_id=subject.pk, user=owner, now=NOW)

    assert document["contact"]["full_name"] == "Mira Zyxwvut"
    assert document["contact"]["notes"] == "Source inside the ministry; prefers Signal."
    assert document["contact"]["tags"] == ["media-forum"]
    assert [a["role"] for a in document["affiliations"]] == ["Adviser to Zyxwvut"]
    assert [c["officer"] for c in document["channels"]] == ["owner"]
    assert [e["summary"] for e in document["exchanges"]] == [
        "Coffee with Zyxwvut about the ministry leak."
    ]
    assert document["exchanges"][0]["notes"] == "Source inside the ministry confirmed the date."
    assert [i["status"] for i in document["invitations"]] == ["accepted"]
    assert [p["title"] for p in document["programmes"]] == ["Media fellows"]
    assert [g["user"] for g in document["grants"]] == ["admin"]
    assert len(document["history"]) == 2
    json.dumps(document)  # JSON-ready as it is


def test_export_names_nothing_of_other_contacts(subject, bystander, owner):
    services.log_exchange(
        occurred_at=NOW - dt.timedelta(days=1),
        kind=Exchange.Kind.CALL,
        contacts=[subject, bystander],
        officers=[owner],
        summary="Joint call.",
        now=NOW,
    )

    document = privacy.export_contact(contact_id=subject.pk, user=owner, now=NOW)
    text = json.dumps(document, ensure_ascii=False)

    exchanges = json.loads(text)["exchanges"]
    assert [e["summary"] for e in exchanges][-1] == "Joint call."
    assert all(set(e) == set(exchanges[0]) and "contacts" not in e for e in exchanges)
    for trace in ("Bystander", "Борис", "boris@press.example"):
        assert trace not in text


def test_export_of_a_protected_contact_is_logged(subject, owner):
    privacy.export_contact(contact_id=subject.pk, user=owner, now=NOW)

    entry = AccessLog.objects.get(surface=AccessLog.Surface.EXPORT)
    assert (entry.user, entry.contact, entry.viewed_at) == (owner, subject, NOW)


def test_export_respects_visible_to(subject, teammate, lead):
    with pytest.raises(Contact.DoesNotExist):
        privacy.export_contact(contact_id=subject.pk, user=teammate, now=NOW)
    with pytest.raises(Contact.DoesNotExist):
        privacy.export_contact(contact_id=subject.pk, user=lead, now=NOW)
    assert AccessLog.objects.exists() is False


def test_an_analyst_cannot_export_even_a_standard_contact(analyst, bystander):
    with pytest.raises(NotPermitted):
        privacy.export_contact(contact_id=bystander.pk, user=analyst, now=NOW)


def _text_columns(model):
    return [
        field.column
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
    ]


def _rows_mentioning(marker: str) -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            for column in _text_columns(model):
                quoted = connection.ops.quote_name(column)
                cursor.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE CAST({quoted} AS text) LIKE %s",  # noqa: S608
                    [f"%{marker}%"],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{model._meta.db_table}.{column}")
    return found


def test_erasure_leaves_no_personal_data_in_any_table(subject, admin_user):
    assert _rows_mentioning("Zyxwvut") != []  # the scan sees plaintext where it is stored

    privacy.erase_contact(contact_id=subject.pk, user=admin_user, reason="DSR-7", now=NOW)

    for marker in MARKERS:
        assert _rows_mentioning(marker) == [], marker
    assert {record.notes for record in Contact.history.filter(id=subject.pk)} == {""}
    assert {record.notes for record in Exchange.history.all()} == {""}


def test_erasure_keeps_the_rows_that_counts_rely_on_and_an_audit_record(subject, admin_user):
    exchanges_before = Exchange.objects.filter(contacts=subject).count()

    record = privacy.erase_contact(contact_id=subject.pk, user=admin_user, reason="DSR-7", now=NOW)

    subject.refresh_from_db()
    assert subject.full_name == f"Erased contact {subject.pk}"
    assert subject.erased_at == NOW
    assert subject.category == Contact.Category.JOURNALIST
    assert Exchange.objects.filter(contacts=subject).count() == exchanges_before == 1
    assert Invitation.objects.filter(contact=subject).count() == 1
    assert subject.channels.count() == 1
    assert ErasureRecord.objects.get() == record
    assert (record.erased_contact_id, record.erased_by, record.reason) == (
        subject.pk,
        admin_user,
        "DSR-7",
    )
    assert record.rows_anonymised["exchanges"] == 1
    assert subject.history.latest().history_user == admin_user


def test_only_admins_erase_and_refusal_changes_nothing(subject, owner):
    with pytest.raises(NotPermitted):
        privacy.erase_contact(contact_id=subject.pk, user=owner, now=NOW)

    subject.refresh_from_db()
    assert subject.full_name == "Mira Zyxwvut"
    assert ErasureRecord.objects.exists() is False


def test_erasure_respects_visible_to(owner, outsider, admin_user):
    outsider.is_superuser = False
    outsider.groups.add(*admin_user.groups.all())
    hidden = factories.ContactFactory(owner=owner, sensitivity=Sensitivity.PROTECTED)

    with pytest.raises(Contact.DoesNotExist):
        privacy.erase_contact(contact_id=hidden.pk, user=outsider, now=NOW)

    assert Contact.objects.get(pk=hidden.pk).erased_at is None


def test_admin_export_action_downloads_json(client, admin_user, subject):
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:contacts_contact_changelist"),
        {"action": "export_selected", "_selected_action": [subject.pk]},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(response.content)["contact"]["full_name"] == "Mira Zyxwvut"


def test_admin_erase_action_asks_for_confirmation_first(client, admin_user, subject):
    client.force_login(admin_user)
    url = reverse("admin:contacts_contact_changelist")

    confirmation = client.post(url, {"action": "erase_selected", "_selected_action": [subject.pk]})
    assert confirmation.status_code == 200
    assert b"This cannot be undone" in confirmation.content
    assert Contact.objects.get(pk=subject.pk).erased_at is None

    done = client.post(
        url,
        {
            "action": "erase_selected",
            "_selected_action": [subject.pk],
            "confirmed": "yes",
            "reason": "DSR-8",
        },
    )

    assert done.status_code == 302
    assert Contact.objects.get(pk=subject.pk).erased_at is not None
    assert ErasureRecord.objects.get().reason == "DSR-8"


def test_admin_log_no_longer_names_an_erased_contact(subject, admin_user):
    content_type = ContentType.objects.get_for_model(Contact)
    assert LogEntry.objects.get(content_type=content_type).object_repr == "Mira Zyxwvut"

    privacy.erase_contact(contact_id=subject.pk, user=admin_user, now=NOW)

    entry = LogEntry.objects.get(content_type=content_type)
    assert entry.object_repr == f"Erased contact {subject.pk}"
