"""How invitations follow a merge of two contacts (``contacts.merging``): one invitation per
event and contact (a database constraint), so when both were invited to the same event the
more advanced one is kept and the other dropped (its snapshot lets undo bring it back).

"More advanced": not withdrawn, checked in, then by status (attended, accepted, tentative,
waitlisted, no show, declined, invited), then the later answer. A dropped invitation that
held a seat while the kept one holds one too frees it: the earliest waitlisted guest gets
it, as when a guest declines. Registered by ``EventsConfig.ready``; programmes need nothing
of their own (a many-to-many: the union) but their wording.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import ngettext_lazy

from contacts import merging
from events import services
from events.models import Event, Invitation, Programme

STATUS_RANK = {
    Invitation.Status.INVITED: 0,
    Invitation.Status.DECLINED: 1,
    Invitation.Status.NO_SHOW: 2,
    Invitation.Status.WAITLISTED: 3,
    Invitation.Status.TENTATIVE: 4,
    Invitation.Status.ACCEPTED: 5,
    Invitation.Status.ATTENDED: 6,
}
NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def advancement(invitation: Invitation) -> tuple:
    """The order in which two invitations of one person to one event are kept."""
    return (
        invitation.revoked_at is None,
        invitation.checked_in_at is not None,
        STATUS_RANK[invitation.status],
        invitation.responded_at or NEVER,
        -invitation.pk,
    )


def count(contact, user) -> int:
    return Invitation.objects.visible_to(user).filter(contact=contact).count()


def move(keep, other, now) -> dict:
    record = {"moved": [], "dropped": []}
    kept_by_event = {
        invitation.event_id: invitation
        for invitation in Invitation.objects.select_for_update().filter(contact=keep)
    }
    for invitation in Invitation.objects.select_for_update().filter(contact=other).order_by("pk"):
        kept = kept_by_event.get(invitation.event_id)
        if kept is None:
            Invitation.objects.filter(pk=invitation.pk).update(contact=keep)
            record["moved"].append(invitation.pk)
            continue
        winner, loser = sorted((kept, invitation), key=advancement, reverse=True)
        record["dropped"].append(merging.row_values(loser))
        freed = loser.holds_seat() and winner.holds_seat()
        loser.delete()
        if winner.contact_id != keep.pk:
            Invitation.objects.filter(pk=winner.pk).update(contact=keep)
            record["moved"].append(winner.pk)
        if freed:
            event = Event.objects.select_for_update().get(pk=winner.event_id)
            services._promote_from_waitlist(event, now)
    return record


def undo(keep, other, record, now) -> list[str]:
    back = Invitation.objects.filter(pk__in=record["moved"], contact=keep).update(contact=other)
    left = merging.left_as_is(
        len(record["moved"]) - back,
        ngettext_lazy(
            "%(count)d invitation changed since: left as it is.",
            "%(count)d invitations changed since: left as they are.",
            "count",
        ),
    )
    restored = 0
    for values in record["dropped"]:
        values = merging.restorable(Invitation, values)
        if values is None:  # its event was deleted since
            continue
        invitation = Invitation(**values)
        taken = Invitation.objects.filter(
            event_id=invitation.event_id, contact_id=invitation.contact_id
        ).exists()
        if taken:
            continue
        invitation.save(force_insert=True)
        restored += 1
    left += merging.left_as_is(
        len(record["dropped"]) - restored,
        ngettext_lazy(
            "%(count)d invitation could not return: left as it is.",
            "%(count)d invitations could not return: left as they are.",
            "count",
        ),
    )
    return left


def register() -> None:
    merging.register(
        merging.Relation(
            "events.Invitation.contact",
            "invitations",
            count,
            move,
            undo,
            ngettext_lazy("%(count)d invitation", "%(count)d invitations", "count"),
        )
    )
    # A programme's participants: the union (as for any many-to-many), worded here.
    merging.register(
        merging.many_to_many_union(
            "events.Programme.participants",
            Programme._meta.get_field("participants"),
            title="programmes",
            moving=ngettext_lazy("%(count)d programme", "%(count)d programmes", "count"),
            unlinked=ngettext_lazy(
                "%(count)d programme no longer linked to the kept contact: left as it is.",
                "%(count)d programmes no longer linked to the kept contact: left as they are.",
                "count",
            ),
        )
    )
