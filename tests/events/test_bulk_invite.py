"""Inviting everyone who matches: a preview lists them with the count against the seats
left (and a warning) and invites nobody; the confirmation invites them as one batch, which
can be withdrawn as a whole. A contact the planner may not see is never listed, invited or
withdrawn."""

import re

import pytest
from django.urls import reverse

from contacts.models import Contact, Sensitivity
from events import batches
from events.models import Invitation, InvitationBatch
from tests import factories
from tests.events.pages import make_event
from tests.pages import messages_of, page_text

pytestmark = pytest.mark.django_db

JOURNALISTS = {"bulk-category": "journalist", "bulk-role": "press"}


def _journalists(*names):
    return [factories.ContactFactory(full_name=name, category="journalist") for name in names]


def _bulk(client, event, data):
    return client.post(reverse("events:invite_bulk", args=[event.pk]), data)


def _listed(body: str) -> list[int]:
    """The contacts a preview lists (and would invite)."""
    return [int(pk) for pk in re.findall(r'name="contact" value="(\d+)"', body)]


def test_the_preview_lists_who_matches_against_the_seats_left_and_invites_nobody(
    client, planner, hidden_contacts
):
    event = make_event(planners=[planner], capacity=5)
    factories.InvitationFactory(event=event, status=Invitation.Status.ACCEPTED)
    ada, boris, *others = _journalists("Ada", "Boris", "Chana", "Dov", "Eli", "Fay")
    factories.InvitationFactory(event=event, contact=ada)
    Contact.objects.filter(pk=hidden_contacts[0].pk).update(category="journalist")
    client.force_login(planner)

    response = _bulk(client, event, JOURNALISTS)

    body = page_text(response)
    assert '<h2 id="preview-title">5 to invite</h2>' in body
    assert "1 of them is invited already." in body
    assert "Seats left: <strong>4</strong> of 5." in body
    assert 'id="seat-warning">Warning: 5 invitations for 4 seats left.' in body
    assert _listed(body) == [boris.pk, *(contact.pk for contact in others)]
    assert "Zofia" not in body
    assert Invitation.objects.count() == 2
    assert InvitationBatch.objects.exists() is False


def test_no_warning_when_the_seats_suffice(client, planner):
    event = make_event(planners=[planner], capacity=5)
    _journalists("Ada", "Boris")
    client.force_login(planner)

    body = page_text(_bulk(client, event, JOURNALISTS))

    assert '<h2 id="preview-title">2 to invite</h2>' in body
    assert "seat-warning" not in body


def test_confirming_invites_the_list_as_one_batch(client, planner, hidden_contacts):
    event = make_event(planners=[planner])
    ada, boris = _journalists("Ada", "Boris")
    chana = factories.ContactFactory(full_name="Chana Academic")
    client.force_login(planner)
    listed = _listed(page_text(_bulk(client, event, JOURNALISTS)))

    # A forged list: a contact who does not match, and one the planner may not see.
    response = _bulk(
        client,
        event,
        {**JOURNALISTS, "step": "confirm", "contact": [*listed, chana.pk, hidden_contacts[0].pk]},
    )

    assert response.status_code == 302
    batch = InvitationBatch.objects.get()
    assert (batch.event, batch.role, batch.criteria, batch.created_by) == (
        event,
        Invitation.Role.PRESS,
        "Category: journalist",  # stored in English, the choice by its code
        planner,
    )
    assert sorted(batch.invitations.values_list("contact_id", "role", "invited_by")) == [
        (ada.pk, "press", planner.pk),
        (boris.pk, "press", planner.pk),
    ]
    assert Invitation.objects.count() == 2
    assert messages_of(response) == ["Invited 2 (Category: Journalist); skipped 0."]


def test_inviting_in_bulk_by_tag_and_organization(client, planner):
    event = make_event(planners=[planner])
    tag = factories.TagFactory(name="alumni")
    institute = factories.OrganizationFactory(name="Weizmann")
    alumna = factories.ContactFactory(full_name="Ada Alumna", tags=[tag], organization=institute)
    factories.ContactFactory(full_name="Boris Elsewhere", tags=[tag])
    client.force_login(planner)
    criteria = {"bulk-tag": "alumni", "bulk-organization": institute.pk, "bulk-role": "guest"}

    preview = page_text(_bulk(client, event, criteria))
    _bulk(client, event, {**criteria, "step": "confirm", "contact": _listed(preview)})

    assert _listed(preview) == [alumna.pk]
    assert list(event.invitations.values_list("contact__full_name", flat=True)) == ["Ada Alumna"]
    assert InvitationBatch.objects.get().criteria == "Organization: Weizmann · Tag: alumni"


def test_inviting_in_bulk_needs_a_criterion(client, planner):
    event = make_event(planners=[planner])
    factories.ContactFactory(full_name="Ada Guest")
    client.force_login(planner)

    response = _bulk(client, event, {"bulk-role": "guest", "step": "confirm"})

    assert response.status_code == 200
    assert "Choose at least one of category, organization, tag or layer." in page_text(response)
    assert Invitation.objects.exists() is False


def test_the_invite_page_no_longer_invites_in_bulk_without_a_preview(client, planner):
    event = make_event(planners=[planner])
    _journalists("Ada")
    client.force_login(planner)

    page = client.post(reverse("events:invite", args=[event.pk]), {"mode": "bulk", **JOURNALISTS})

    assert f'action="{reverse("events:invite_bulk", args=[event.pk])}"' in page_text(page)
    assert Invitation.objects.exists() is False


def test_a_batch_is_withdrawn_as_a_whole_but_never_what_the_planner_cannot_see(
    client, planner, admin_user, hidden_contacts
):
    event = make_event(planners=[planner])
    ada, boris = _journalists("Ada", "Boris")
    Contact.objects.filter(pk=hidden_contacts[0].pk).update(category="journalist")
    single = factories.InvitationFactory(event=event)
    # The admin sees every contact: their batch holds the hidden one too.
    client.force_login(admin_user)
    listed = _listed(page_text(_bulk(client, event, JOURNALISTS)))
    _bulk(client, event, {**JOURNALISTS, "step": "confirm", "contact": listed})
    batch = InvitationBatch.objects.get()
    assert batch.invitations.count() == 3
    client.force_login(planner)
    detail = page_text(client.get(reverse("events:detail", args=[event.pk])))
    assert 'Category: Journalist <span class="helptext">2 invited' in detail

    response = client.post(reverse("events:batch_withdraw", args=[batch.pk]))

    assert messages_of(response)[0].startswith("Withdrew 2 invitations of")
    revoked = Invitation.objects.filter(revoked_at__isnull=False)
    assert sorted(revoked.values_list("contact_id", flat=True)) == [ada.pk, boris.pk]
    assert Invitation.objects.get(contact=hidden_contacts[0]).revoked_at is None
    single.refresh_from_db()
    assert single.revoked_at is None


def test_only_planners_preview_invite_or_withdraw(client, owner, planner):
    event = make_event(planners=[planner])
    _journalists("Ada")
    batch = InvitationBatch.objects.create(
        event=event, role="guest", criteria="x", created_at=event.starts_at
    )
    invitation = factories.InvitationFactory(event=event, batch=batch)
    client.force_login(owner)

    responses = [
        _bulk(client, event, JOURNALISTS),
        client.post(reverse("events:batch_withdraw", args=[batch.pk])),
    ]

    assert [response.status_code for response in responses] == [403, 403]
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert Invitation.objects.count() == 1


def test_a_batch_never_names_a_tag_or_tells_of_guests_the_planner_cannot_see(
    client, planner, admin_user, hidden_contacts
):
    event = make_event(planners=[planner])
    secret = factories.TagFactory(name="dissidents")
    hidden_contacts[0].tags.add(secret)
    ada = factories.ContactFactory(full_name="Ada", category="journalist")
    client.force_login(admin_user)
    # A batch of the hidden contact alone (by the tag), and one with Ada too.
    listed = _listed(
        page_text(_bulk(client, event, {"bulk-tag": "dissidents", "bulk-role": "guest"}))
    )
    _bulk(
        client,
        event,
        {"bulk-tag": "dissidents", "bulk-role": "guest", "step": "confirm", "contact": listed},
    )
    ada.tags.add(factories.TagFactory(name="alumni"))
    Contact.objects.filter(pk=hidden_contacts[1].pk).update(category="journalist")
    listed = _listed(page_text(_bulk(client, event, JOURNALISTS)))
    _bulk(client, event, {**JOURNALISTS, "step": "confirm", "contact": listed})
    assert InvitationBatch.objects.count() == 2
    admin_page = page_text(client.get(reverse("events:detail", args=[event.pk])))
    assert "Tag: dissidents" in admin_page

    client.force_login(planner)
    detail = page_text(client.get(reverse("events:detail", args=[event.pk])))

    assert "dissidents" not in detail
    assert detail.count('<li id="batch-') == 1  # the one holding a guest the planner sees
    assert 'Category: Journalist <span class="helptext">1 invited' in detail


def test_a_batch_by_a_tag_only_hidden_contacts_carry_does_not_name_it(
    planner, owner, hidden_contacts
):
    event = make_event(planners=[planner])
    hidden_contacts[0].tags.add(factories.TagFactory(name="dissidents"))
    batch = InvitationBatch.objects.create(
        event=event,
        role="guest",
        criteria="Tag: dissidents",
        created_by=owner,
        created_at=event.starts_at,
    )

    assert batches.shown_criteria(batch, owner) == "Tag: dissidents"
    assert batches.shown_criteria(batch, planner) == "Tag: (a tag you cannot see)"


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "Category: Journalist · Tag: (a tag you cannot see)"),
        ("ru", "Категория: Журналист · Метка: (метка, которую вы не видите)"),
        ("he", "קטגוריה: עיתונות · תגית: (תגית שאינה מוצגת לך)"),
    ],
)
def test_a_batchs_criteria_read_in_the_readers_language(planner, language, shown):
    """A user's finding: "Category: Журналист", the field's name left in English and the
    value in the language of whoever invited."""
    from django.utils import translation

    event = factories.EventFactory(planners=[planner])
    batch = InvitationBatch.objects.create(
        event=event,
        role=Invitation.Role.GUEST,
        criteria="Category: journalist · Tag: dissidents",
        created_by=planner,
        created_at=event.starts_at,
    )
    factories.ContactFactory(
        sensitivity=Sensitivity.PROTECTED, tags=[factories.TagFactory(name="dissidents")]
    )

    with translation.override(language):
        assert batches.shown_criteria(batch, planner) == shown
