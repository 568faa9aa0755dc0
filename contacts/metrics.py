"""Prometheus counters of the e-mails sent under a claim: digests and escalations
(contacts.notifications) and guests' e-mails (events.mail).

``claimed``: a claim was taken (a new ``Notification`` row, a stale one taken over, or an
``InvitationMessage`` moved to sending); ``sent``: the mail server accepted the e-mail;
``failed``: sending raised, or the server refused the address, and the claim was released or
the message marked failed. A claim that is neither (a guest's e-mail found pointless once
claimed) is counted as claimed only. Labelled by kind (``digest``, ``escalation``,
``invitation``, ``chaser``, ``acceptance``, ``seat``) and never by recipient. Served by
``/metrics`` (trackii.metrics).
"""

from prometheus_client import Counter

CLAIMED = Counter(
    "trackii_notifications_claimed", "E-mails claimed for sending, by kind.", ["kind"]
)
SENT = Counter("trackii_notifications_sent", "E-mails the mail server accepted, by kind.", ["kind"])
FAILED = Counter("trackii_notifications_failed", "E-mails whose sending failed, by kind.", ["kind"])


def count(counter: Counter, kind: str, number: int = 1) -> None:
    """Add ``number`` e-mails of ``kind`` to ``counter`` (nothing for none)."""
    if number:
        counter.labels(kind=kind).inc(number)
