"""Bulk invitations: preview who matches against the seats left, invite them as one
batch, and withdraw a batch as a whole. Only contacts the planner may see are listed,
invited or withdrawn."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext, gettext_noop

from contacts.models import Contact, Tag
from events import services
from events.models import Event, Invitation, InvitationBatch

# How a batch's criteria are stored: in English, the choices by their codes ("Category:
# journalist · Tag: alumni"); shown in the reader's language (``described``).
CRITERIA_SEPARATOR = " · "
TAG_LABEL = "Tag"
CRITERIA_LABELS = {
    "category": gettext_noop("Category"),
    "organization": gettext_noop("Organization"),
    "tag": gettext_noop(TAG_LABEL),
    "layer": gettext_noop("Layer"),
}
HIDDEN_TAG = gettext_noop("(a tag you cannot see)")


@dataclass(frozen=True)
class BulkPreview:
    """Who a bulk invitation would invite, and how that compares with the seats left."""

    contacts: list[Contact]
    already_invited: int
    seats_left: int | None

    @property
    def exceeds_seats(self) -> bool:
        """More would be invited than there are seats left."""
        return self.seats_left is not None and len(self.contacts) > self.seats_left


def preview_bulk_invite(*, event: Event, by, **criteria) -> BulkPreview:
    """The contacts ``by`` may see that match and are not invited yet; nothing is written."""
    matching = services.matching_contacts(by=by, **criteria).select_related("organization")
    invited = Invitation.objects.filter(event=event).values("contact_id")
    return BulkPreview(
        contacts=list(matching.exclude(pk__in=invited)),
        already_invited=matching.filter(pk__in=invited).count(),
        seats_left=event.seats_left(),
    )


@transaction.atomic
def invite_batch(
    *, event: Event, contact_ids: list[int], role: str, criteria: dict, description: str, by, now
) -> tuple[InvitationBatch, services.InviteResult]:
    """Invite, as one batch, the contacts confirmed from the preview that still match the
    criteria and that ``by`` may see."""
    matching = services.matching_contacts(by=by, **criteria).filter(pk__in=contact_ids)
    batch = InvitationBatch.objects.create(
        event=event, role=role, criteria=description[:300], created_by=by, created_at=now
    )
    result = services.invite(
        event=event,
        contact_ids=list(matching.values_list("pk", flat=True)),
        role=role,
        by=by,
        now=now,
        batch=batch,
    )
    return batch, result


@transaction.atomic
def withdraw_batch(*, batch: InvitationBatch, by, now: dt.datetime) -> int:
    """Withdraw every invitation of the batch that ``by`` may see and that stands
    (``services.withdraw_invitation`` each). Returns how many."""
    standing = (
        Invitation.objects.visible_to(by)
        .filter(batch=batch, revoked_at__isnull=True)
        .order_by("pk")
    )
    withdrawn = 0
    for invitation in standing:
        services.withdraw_invitation(invitation=invitation, now=now)
        withdrawn += 1
    InvitationBatch.objects.filter(pk=batch.pk).update(withdrawn_at=now)
    return withdrawn


def batches_for_event_page(*, event: Event, user) -> list[InvitationBatch]:
    """The event's batches, newest first, each with ``standing`` and ``total``: counts of
    its invitations ``user`` may see (hidden guests are not counted), and ``shown`` (its
    criteria as ``user`` may read them). A batch of someone else's that holds none of the
    guests ``user`` may see is left out: it would tell of hidden guests."""
    visible = Invitation.objects.visible_to(user).filter(event=event).values("pk")
    in_view = Q(invitations__pk__in=visible)
    found = list(
        event.batches.select_related("created_by")
        .annotate(
            total=Count("invitations", filter=in_view),
            standing=Count("invitations", filter=in_view & Q(invitations__revoked_at__isnull=True)),
        )
        .order_by("-created_at", "-pk")
    )
    listed = [b for b in found if b.total or b.created_by_id == user.pk or user.is_superuser]
    for batch in listed:
        batch.shown = shown_criteria(batch, user)
    return listed


def written(criteria: dict, organization_name: str = "") -> str:
    """The criteria as a batch stores them (``CRITERIA_LABELS``' English, choices by code)."""
    values = {**criteria, "organization": organization_name if criteria.get("organization") else ""}
    return CRITERIA_SEPARATOR.join(
        f"{label}: {values[name]}" for name, label in CRITERIA_LABELS.items() if values.get(name)
    )


def shown_criteria(batch: InvitationBatch, user) -> str:
    return described(batch.criteria, user)


def described(criteria: str, user) -> str:
    """Stored criteria in the reader's language, but a tag that ``user`` may not see (one
    that only contacts hidden from them carry) is not named: its name says something about
    them. Criteria stored before they were kept in English (a choice by its label in the
    planner's language) are shown as stored."""
    choices = {
        "category": dict(Contact.Category.choices),
        "layer": dict(Contact._meta.get_field("layer").choices),
    }
    by_label = {label: name for name, label in CRITERIA_LABELS.items()}
    parts = []
    for part in criteria.split(CRITERIA_SEPARATOR):
        label, found, value = part.partition(": ")
        name = by_label.get(label)
        if not found or name is None:
            parts.append(part)
            continue
        if name == "tag" and not Tag.objects.visible_to(user).filter(name=value).exists():
            value = gettext(HIDDEN_TAG)
        elif name in choices:
            value = str(choices[name].get(value, value))
        parts.append(f"{gettext(label)}: {value}")
    return CRITERIA_SEPARATOR.join(parts)
