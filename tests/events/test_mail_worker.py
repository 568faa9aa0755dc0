"""Invitation e-mails through a real Celery worker on the Redis broker: the planner's
"send to all" queues one message per guest, a worker sends each once (a repeated nudge of
the same message sends nothing more), and the guest's e-mail carries their RSVP link."""

import datetime as dt
import email
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from events import mail
from events.models import InvitationMessage
from events.tasks import nudge_stuck_messages
from tests import factories
from tests.events.test_tasks import broker_url  # noqa: F401 (the fixture)
from tests.workers import running_worker, worker_environment

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _sent(folder: Path) -> list[email.message.Message]:
    separator = "\n" + "-" * 79 + "\n"
    return [
        email.message_from_string(chunk)
        for path in sorted(folder.glob("*.log"))
        for chunk in path.read_text().split(separator)
        if chunk.strip()
    ]


def test_a_worker_sends_each_guest_their_invitation_once(broker_url, planner, tmp_path):  # noqa: F811
    event = factories.EventFactory(planners=[planner], title="Media forum")
    mailed = factories.InvitationFactory(
        event=event,
        contact=factories.ContactFactory(full_name="Yael Cohen", email="yael@x.example"),
    )
    by_hand = factories.InvitationFactory(event=event, contact=factories.ContactFactory(email=""))
    folder = tmp_path / "mail"
    environment = worker_environment(broker_url=broker_url, EMAIL_URL=f"filemail:///{folder}")

    with running_worker(environment=environment) as worker:
        result = mail.queue_invitations(event=event, by=planner, now=timezone.now())
        message = InvitationMessage.objects.get()
        worker.wait_for(f"{message.pk}", timeout=30)
        worker.wait_for("succeeded", timeout=30)
        # The same message nudged again (a retry, a second click): claimed already.
        mail._nudge(message.pk)
        worker.wait_for("claimed already", timeout=30)

    assert (result.queued, [invitation.pk for invitation in result.by_hand]) == (1, [by_hand.pk])
    message.refresh_from_db()
    assert (message.invitation_id, message.status) == (mailed.pk, InvitationMessage.Status.SENT)
    sent = _sent(folder)
    assert [m["To"] for m in sent] == ["yael@x.example"]
    body = sent[0].get_payload()[0].get_payload(decode=True).decode()
    assert "Yael Cohen" in body
    assert f"{settings.SITE_URL}/rsvp/" in body  # the guest's own signed link


def test_a_message_the_broker_never_delivered_is_nudged_and_sent_once(
    broker_url,  # noqa: F811 (the fixture imported above)
    planner,
    tmp_path,
):
    event = factories.EventFactory(planners=[planner], title="Media forum")
    now = timezone.now()
    guests = [
        factories.InvitationFactory(
            event=event, contact=factories.ContactFactory(email=f"guest{n}@x.example")
        )
        for n in range(3)
    ]
    # Queued rows whose task never reached the broker (it did not answer): one long ago,
    # one a minute ago (its task may still be on its way), one sent already.
    stuck, fresh, sent = (
        InvitationMessage.objects.create(
            invitation=guest, kind="invitation", key="invitation", status=status, created_at=at
        )
        for guest, status, at in [
            (guests[0], "queued", now - dt.timedelta(minutes=30)),
            (guests[1], "queued", now - dt.timedelta(minutes=1)),
            (guests[2], "sent", now - dt.timedelta(minutes=30)),
        ]
    )
    folder = tmp_path / "mail"
    environment = worker_environment(broker_url=broker_url, EMAIL_URL=f"filemail:///{folder}")

    with running_worker(environment=environment) as worker:
        nudged = nudge_stuck_messages()
        worker.wait_for("succeeded", timeout=30)

    assert nudged == 1
    assert [m["To"] for m in _sent(folder)] == ["guest0@x.example"]
    statuses = dict(InvitationMessage.objects.values_list("pk", "status"))
    assert statuses == {stuck.pk: "sent", fresh.pk: "queued", sent.pk: "sent"}
