"""The event page's guest list at any size: its figures counted in SQL (one statement), its
rows a slice at a time (contacts/bounded.py: the first ``GUEST_ROWS``, then "Show more").

At 500 guests the whole list made a 935 KB page (each row carries its RSVP link, its
e-mail state and its forms) and its counts were taken in Python over every row.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q

from events import mail
from events.models import Invitation

GUEST_ROWS = 50  # guests, and waiting or withdrawn ones, shown before "Show more"


@dataclass(frozen=True)
class GuestFigures:
    """Over the invitations a reader may see: ``guests`` (standing, not withdrawn),
    ``by_status`` among them ({status: count}, zeros included), ``withdrawn``, and the
    e-mail figures (``mail.GuestListMail``) when asked for."""

    guests: int
    by_status: dict[str, int]
    withdrawn: int
    mail: mail.GuestListMail | None


def guest_figures(invitations, *, with_mail: bool) -> GuestFigures:
    """The figures over ``invitations`` (an event's, as a reader may see them), in one
    statement; with ``with_mail``, those of the e-mail actions too."""
    standing = Q(revoked_at__isnull=True)
    counts = {
        "guests": Count("pk", filter=standing),
        "withdrawn": Count("pk", filter=~standing),
        **{
            f"status_{value}": Count("pk", filter=standing & Q(status=value))
            for value in Invitation.Status.values
        },
    }
    if with_mail:
        has_address = ~Q(contact__email="")
        counts |= {
            "unsent": Count("pk", filter=standing & needs_invitation_mail()),
            # Not answered an invitation e-mail sent to them (mail.queue_chasers).
            "to_chase": Count(
                "pk",
                filter=standing
                & has_address
                & Q(status=Invitation.Status.INVITED, mail_status=mail.Status.SENT),
            ),
            "by_hand": Count("pk", filter=standing & ~has_address),
        }
    if with_mail:
        invitations = mail.with_latest_invitation_mail(invitations)
    figures = invitations.aggregate(**counts)
    return GuestFigures(
        guests=figures["guests"],
        by_status={value: figures[f"status_{value}"] for value in Invitation.Status.values},
        withdrawn=figures["withdrawn"],
        mail=mail.GuestListMail(
            unsent=figures["unsent"], to_chase=figures["to_chase"], by_hand=figures["by_hand"]
        )
        if with_mail
        else None,
    )


def needs_invitation_mail() -> Q:
    """``events.mail.needs_invitation_mail`` as a condition on invitations annotated by
    ``mail.with_latest_invitation_mail``: the guest has an address, may still be mailed, and
    their newest invitation e-mail is missing, failed, or bounced from another address."""
    bounced_elsewhere = Q(mail_status=mail.Status.BOUNCED) & ~Q(mail_to=F("address"))
    return (
        ~Q(contact__email="")
        & Q(status__in=mail.MAILABLE_STATUSES)
        & (Q(mail_status__isnull=True) | Q(mail_status=mail.Status.FAILED) | bounced_elsewhere)
    )
