"""Data-subject rights: export everything held about one contact, and erase a contact.

Both read through ``visible_to(user)``: a contact the user may not see does not exist for
them. They live in ``trackii`` because a contact's data spans both apps (invitations and
programmes are in ``events``).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.admin.models import LogEntry
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext as _

from contacts import merging
from contacts.access import may_erase, may_export
from contacts.errors import DomainError
from contacts.models import (
    AccessLog,
    Affiliation,
    Contact,
    ErasureRecord,
    Exchange,
    Grant,
)
from events.models import Invitation, Programme

ERASED_TEXT = "[erased]"


class NotPermitted(DomainError):
    """The user may see the contact but not act on this request."""


def export_contact(*, contact_id: int, user, now: dt.datetime) -> dict:
    """Everything held about one contact that ``user`` may see, as a JSON-ready document.
    The export is recorded in the access log (for protected contacts)."""
    contact = (
        Contact.objects.visible_to(user).select_related("organization", "owner").get(pk=contact_id)
    )
    if not may_export(user, contact):
        raise NotPermitted(_("Only leads, admins and the owner export a contact's data."))
    AccessLog.objects.record(
        user=user, contacts=[contact], surface=AccessLog.Surface.EXPORT, now=now
    )
    return {
        "generated_at": now.isoformat(),
        "generated_by": user.get_username(),
        "contact": _contact_document(contact),
        "affiliations": _affiliations(contact, user),
        "channels": _channels(contact, user),
        "exchanges": _exchanges(contact, user),
        "invitations": _invitations(contact, user),
        "programmes": _programmes(contact),
        "grants": [
            {"user": grant.user.get_username(), "granted_at": _iso(grant.created_at)}
            for grant in contact.grants.select_related("user").order_by("created_at", "pk")
        ],
        "history": _history(contact),
        "access_log": [
            {
                "user": entry.user.get_username(),
                "surface": entry.surface,
                "at": _iso(entry.viewed_at),
            }
            for entry in contact.access_log.select_related("user").order_by("viewed_at", "pk")
        ],
    }


def _iso(value):
    return value.isoformat() if value else None


PROFILE_FIELDS = (
    "full_name",
    "native_name",
    "category",
    "email",
    "phone",
    "birth_year",
    "layer",
    "sensitivity",
    "languages",
    "language",
    "notes",
)


def _contact_document(contact: Contact) -> dict:
    return {
        "id": contact.pk,
        **{name: getattr(contact, name) for name in PROFILE_FIELDS},
        "country": contact.country.code or "",
        "organization": contact.organization.name if contact.organization else None,
        "owner": contact.owner.get_username(),
        "tags": sorted(contact.tags.values_list("name", flat=True)),
        "created_at": _iso(contact.created_at),
        "updated_at": _iso(contact.updated_at),
        "erased_at": _iso(contact.erased_at),
    }


def _affiliations(contact, user) -> list[dict]:
    rows = (
        Affiliation.objects.visible_to(user).filter(contact=contact).select_related("organization")
    )
    return [
        {
            "organization": row.organization.name,
            "role": row.role,
            "starts_on": _iso(row.starts_on),
            "ends_on": _iso(row.ends_on),
        }
        for row in rows.order_by("starts_on", "pk")
    ]


def _channels(contact, user) -> list[dict]:
    rows = contact.channels.visible_to(user).select_related("officer")
    return [
        {
            "officer": row.officer.get_username(),
            "kind": row.kind,
            "priority": row.priority,
            "cadence_days": row.cadence_days,
            "status": row.status,
            "last_touch_at": _iso(row.last_touch_at),
            "created_at": _iso(row.created_at),
        }
        for row in rows.order_by("created_at", "pk")
    ]


def _exchanges(contact, user) -> list[dict]:
    # Only the exchanges the exporter may see; other contacts are never named.
    rows = Exchange.objects.visible_to(user).filter(contacts=contact).prefetch_related("officers")
    return [
        {
            "id": row.pk,
            "occurred_at": _iso(row.occurred_at),
            "kind": row.kind,
            "summary": row.summary,
            "notes": row.notes,
            "topics": row.topics,
            "follow_up_on": _iso(row.follow_up_on),
            "officers": sorted(officer.get_username() for officer in row.officers.all()),
        }
        for row in rows.order_by("occurred_at", "pk")
    ]


def _invitations(contact, user) -> list[dict]:
    rows = Invitation.objects.visible_to(user).filter(contact=contact).select_related("event")
    return [
        {
            "event": row.event.title,
            "starts_at": _iso(row.event.starts_at),
            "role": row.role,
            "status": row.status,
            "responded_at": _iso(row.responded_at),
            "checked_in_at": _iso(row.checked_in_at),
        }
        for row in rows.order_by("event__starts_at", "pk")
    ]


def _programmes(contact) -> list[dict]:
    rows = Programme.objects.filter(participants=contact)
    return [
        {
            "title": row.title,
            "kind": row.kind,
            "status": row.status,
            "starts_on": _iso(row.starts_on),
            "ends_on": _iso(row.ends_on),
        }
        for row in rows.order_by("starts_on", "pk")
    ]


def _history(contact) -> list[dict]:
    return [
        {
            "at": _iso(record.history_date),
            "type": record.get_history_type_display(),
            "by": record.history_user.get_username() if record.history_user else None,
            **{name: getattr(record, name) for name in PROFILE_FIELDS},
        }
        for record in contact.history.select_related("history_user").order_by(
            "history_date", "history_id"
        )
    ]


# Erasure


@transaction.atomic
def erase_contact(*, contact_id: int, user, reason: str = "", now: dt.datetime) -> ErasureRecord:
    """Anonymise a contact's personal data everywhere, history and the admin log included,
    keeping the rows (and so aggregate counts) and an audit record of the erasure."""
    contact = Contact.objects.visible_to(user).select_for_update().get(pk=contact_id)
    if not may_erase(user):
        raise NotPermitted(_("Only admins erase a contact."))
    if contact.erased_at:
        raise DomainError(_("This contact was erased already."))
    names = [name for name in (contact.full_name, contact.native_name) if name]
    exchange_ids = list(contact.exchanges.values_list("pk", flat=True))
    counts = {
        "affiliations": contact.affiliations.update(role=""),
        "exchanges": Exchange.objects.filter(pk__in=exchange_ids).update(
            summary=ERASED_TEXT, notes="", topics=[]
        ),
        "grants": Grant.objects.filter(contact=contact).delete()[0],
        "history": _erase_history(contact, exchange_ids),
        "admin_log": _erase_admin_log(names, contact.pk),
        # What merges into it kept of the contacts merged (they cannot be undone now).
        "merges": merging.erase_merges_into(contact),
    }
    contact.tags.clear()
    _anonymise(contact, now)
    contact._history_user = user  # The history row of the erasure names who erased.
    contact.save()
    return ErasureRecord.objects.create(
        contact=contact,
        erased_contact_id=contact.pk,
        erased_by=user,
        erased_at=now,
        reason=reason,
        rows_anonymised=counts,
    )


def _anonymise(contact: Contact, now) -> None:
    contact.full_name = f"Erased contact {contact.pk}"
    contact.native_name = contact.email = contact.phone = contact.notes = ""
    contact.languages = []
    contact.language = ""
    contact.birth_year = None
    contact.erased_at = now


def _erase_history(contact: Contact, exchange_ids: list[int]) -> int:
    anonymous = {
        "full_name": f"Erased contact {contact.pk}",
        "native_name": "",
        "email": "",
        "phone": "",
        "notes": "",
        "languages": [],
        "language": "",
        "birth_year": None,
    }
    return (
        Contact.history.filter(id=contact.pk).update(**anonymous)
        + Affiliation.history.filter(contact_id=contact.pk).update(role="")
        + Exchange.history.filter(id__in=exchange_ids).update(
            summary=ERASED_TEXT, notes="", topics=[]
        )
    )


def _erase_admin_log(names: list[str], contact_id: int) -> int:
    """The admin log keeps each object's name as text (a contact's, or an affiliation's
    or channel's that includes it): replace the name there too."""
    if not names:
        return 0
    mentions = Q()
    for name in names:
        mentions |= Q(object_repr__contains=name)
    entries = LogEntry.objects.filter(mentions)
    total = entries.count()
    for name in names:
        LogEntry.objects.filter(object_repr__contains=name).update(
            object_repr=Replace("object_repr", Value(name), Value(f"Erased contact {contact_id}"))
        )
        LogEntry.objects.filter(change_message__contains=name).update(
            change_message=Replace("change_message", Value(name), Value(ERASED_TEXT))
        )
    return total
