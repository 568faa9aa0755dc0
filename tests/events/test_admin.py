"""The events admin: guest lists, event and programme forms and their read-only pages show
and keep only what ``visible_to`` lets the reader see, and keep the hidden rows on save."""

from django.utils import timezone

from contacts.models import AccessLog
from events.models import Invitation
from tests import factories
from tests.admin_support import INVALID_CHOICE, admin_url, make_staff, view_only_staff

# Guest lists and the event form: a hidden guest is neither shown nor lost.


def test_planner_invitation_changelist_hides_hidden_guests(client, planner, admin_network):
    client.force_login(make_staff(planner))

    response = client.get(admin_url(Invitation, "changelist"))

    assert [row.contact.full_name for row in response.context["cl"].result_list] == [
        "Sasha Standard"
    ]
    assert "Hidden Hanna" not in response.content.decode()


def _event_form(event, planner, invitation_forms):
    data = {
        "title": event.title,
        "kind": event.kind,
        "description": "",
        "starts_at_0": "2030-05-01",
        "starts_at_1": "18:00:00",
        "ends_at_0": "2030-05-01",
        "ends_at_1": "20:00:00",
        "timezone": "Asia/Jerusalem",
        "venue": "Residence",
        "online_url": "",
        "capacity": "",
        "status": event.status,
        "layer": event.layer,
        "host_organization": event.host_organization_id,
        "planners": [planner.pk],
        "invitations-TOTAL_FORMS": len(invitation_forms),
        "invitations-INITIAL_FORMS": sum(1 for form in invitation_forms if form.get("id")),
        "invitations-MIN_NUM_FORMS": 0,
        "invitations-MAX_NUM_FORMS": 1000,
    }
    for index, form in enumerate(invitation_forms):
        defaults = {
            "id": "",
            "event": event.pk,
            "role": Invitation.Role.GUEST,
            "status": Invitation.Status.INVITED,
            "responded_at_0": "",
            "responded_at_1": "",
            "checked_in_at_0": "",
            "checked_in_at_1": "",
        }
        for key, value in (defaults | form).items():
            data[f"invitations-{index}-{key}"] = value
    return data


def test_planner_event_page_lists_only_visible_guests(client, planner, admin_network):
    client.force_login(make_staff(planner))

    response = client.get(admin_url(admin_network.event, "change", admin_network.event.pk))

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert [form.instance for form in formset.initial_forms] == [admin_network.visible_invitation]
    content = response.content.decode()
    assert "Sasha Standard" in content
    assert "Hidden Hanna" not in content


def test_planner_saving_an_event_keeps_the_hidden_invitation(client, planner, admin_network):
    client.force_login(make_staff(planner))
    visible = admin_network.visible_invitation
    form = {"id": visible.pk, "contact": admin_network.standard.pk, "role": "speaker"}

    response = client.post(
        admin_url(admin_network.event, "change", admin_network.event.pk),
        _event_form(admin_network.event, planner, [form]),
    )

    assert response.status_code == 302
    visible.refresh_from_db()
    assert visible.role == Invitation.Role.SPEAKER
    admin_network.hidden_invitation.refresh_from_db()
    assert admin_network.hidden_invitation.status == Invitation.Status.INVITED


def test_planner_cannot_invite_a_hidden_contact_inline(client, planner, admin_network):
    client.force_login(make_staff(planner))
    event = factories.EventFactory(title="Autumn forum", host_organization=admin_network.org)

    response = client.post(
        admin_url(event, "change", event.pk),
        _event_form(event, planner, [{"contact": admin_network.hidden.pk}]),
    )

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.errors == [{"contact": [INVALID_CHOICE]}]
    assert Invitation.objects.filter(event=event).exists() is False


# Programmes: a hidden participant is neither named nor dropped.


def _programme_form(admin_network, participants, title="Joint lab"):
    return {
        "title": title,
        "kind": admin_network.programme.kind,
        "description": "",
        "partners": [admin_network.org.pk],
        "participants": [contact.pk for contact in participants],
        "officers": [],
        "starts_on": "2025-09-01",
        "ends_on": "",
        "status": admin_network.programme.status,
        "outcome": "",
        "layer": admin_network.programme.layer,
    }


def test_planner_programme_page_does_not_name_hidden_participants(client, planner, admin_network):
    client.force_login(make_staff(planner))

    response = client.get(admin_url(admin_network.programme, "change", admin_network.programme.pk))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Sasha Standard" in content
    assert "Hidden Hanna" not in content


def test_planner_saving_a_programme_keeps_hidden_participants(client, planner, admin_network):
    client.force_login(make_staff(planner))

    response = client.post(
        admin_url(admin_network.programme, "change", admin_network.programme.pk),
        _programme_form(admin_network, [admin_network.standard], title="Joint lab II"),
    )

    assert response.status_code == 302
    admin_network.programme.refresh_from_db()
    assert admin_network.programme.title == "Joint lab II"
    assert set(admin_network.programme.participants.all()) == {
        admin_network.standard,
        admin_network.hidden,
    }


def test_superuser_removes_a_participant_they_deselect(client, admin_user, admin_network):
    client.force_login(admin_user)

    response = client.post(
        admin_url(admin_network.programme, "change", admin_network.programme.pk),
        _programme_form(admin_network, [admin_network.standard]),
    )

    assert response.status_code == 302
    assert list(admin_network.programme.participants.all()) == [admin_network.standard]


# Read-only displays (the view permission only) go through visible_to too.


def test_view_only_programme_page_does_not_name_hidden_participants(client, admin_network):
    client.force_login(view_only_staff("view_programme"))

    response = client.get(admin_url(admin_network.programme, "change", admin_network.programme.pk))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    content = response.content.decode()
    assert "Sasha Standard" in content
    assert "Hidden Hanna" not in content
    assert "Ханна" not in content


def test_view_only_grantee_sees_the_participant_granted_to_them(client, grantee, admin_network):
    # An officer: a view of programmes and no change of them.
    grantee.is_staff = True
    grantee.save(update_fields=["is_staff"])
    client.force_login(grantee)

    response = client.get(admin_url(admin_network.programme, "change", admin_network.programme.pk))

    assert "Hidden Hanna" in response.content.decode()
    # The page shows a protected contact: logged, once.
    assert AccessLog.objects.filter(user=grantee, contact=admin_network.hidden).count() == 1


# Guests added or deleted inline go through the services the web and the API call.


def test_a_guest_added_inline_is_invited_by_the_service(client, planner, admin_network):
    client.force_login(make_staff(planner))
    event = factories.EventFactory(title="Autumn forum", host_organization=admin_network.org)

    response = client.post(
        admin_url(event, "change", event.pk),
        _event_form(event, planner, [{"contact": admin_network.standard.pk, "role": "speaker"}]),
    )

    assert response.status_code == 302
    invitation = Invitation.objects.get(event=event)
    # Only services.invite records who invited.
    assert (invitation.contact, invitation.role, invitation.invited_by) == (
        admin_network.standard,
        Invitation.Role.SPEAKER,
        planner,
    )


def test_an_erased_contact_added_inline_is_not_invited(client, planner, admin_network):
    erased = factories.ContactFactory(full_name="Erased contact 1", erased_at=timezone.now())
    client.force_login(make_staff(planner))
    event = factories.EventFactory(title="Autumn forum", host_organization=admin_network.org)

    response = client.post(
        admin_url(event, "change", event.pk),
        _event_form(event, planner, [{"contact": erased.pk}]),
        follow=True,
    )

    assert response.status_code == 200
    assert Invitation.objects.filter(event=event).exists() is False
    assert any("Not invited" in str(message) for message in response.context["messages"])


def test_a_guest_deleted_inline_is_withdrawn_not_deleted(
    client, admin_user, planner, admin_network
):
    # Planners hold no delete permission on invitations; an admin does.
    client.force_login(admin_user)
    visible = admin_network.visible_invitation
    form = {"id": visible.pk, "contact": admin_network.standard.pk, "DELETE": "on"}

    response = client.post(
        admin_url(admin_network.event, "change", admin_network.event.pk),
        _event_form(admin_network.event, planner, [form]),
    )

    assert response.status_code == 302
    visible.refresh_from_db()
    assert visible.revoked_at is not None
