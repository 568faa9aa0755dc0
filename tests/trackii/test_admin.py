"""The Django admin: every page renders, and every page is scoped by ``visible_to``."""

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from contacts import services, states
from contacts.models import (
    AccessLog,
    Affiliation,
    Channel,
    Climate,
    Contact,
    ErasureRecord,
    Exchange,
    Grant,
    OfficerProfile,
    Organization,
    RecordedMonth,
    Reminder,
    Sensitivity,
)
from events.models import CalendarFeed, EventReminder, Invitation
from tests import factories
from trackii.permissions import sync_role_permissions

OUR_APPS = {"contacts", "events"}
INVALID_CHOICE = "Select a valid choice. That choice is not one of the available choices."


def _url(model_or_obj, view, *args):
    opts = model_or_obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _make_staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def _names(response):
    return sorted(str(row) for row in response.context["cl"].result_list)


@pytest.fixture
def network(owner, teammate, outsider, grantee, planner):
    """A small network: one contact of each sensitivity, one of them hidden from the owner."""
    org = factories.OrganizationFactory(name="Hebrew University", native_name="האוניברסיטה העברית")
    standard = factories.ContactFactory(
        full_name="Sasha Standard",
        native_name="Саша Стандартова",
        owner=outsider,
        organization=org,
        tags=[factories.TagFactory(name="alumni")],
    )
    teammates_restricted = factories.ContactFactory(
        full_name="Rina Restricted", owner=teammate, sensitivity=Sensitivity.RESTRICTED
    )
    outsiders_restricted = factories.ContactFactory(
        full_name="Oren Restricted", owner=outsider, sensitivity=Sensitivity.RESTRICTED
    )
    owners_protected = factories.ContactFactory(
        full_name="Olga Protected", owner=owner, sensitivity=Sensitivity.PROTECTED
    )
    hidden = factories.ContactFactory(
        full_name="Hidden Hanna",
        native_name="Ханна Скрытая",
        owner=outsider,
        sensitivity=Sensitivity.PROTECTED,
        country="IR",
    )
    factories.GrantFactory(contact=hidden, user=grantee)
    factories.AffiliationFactory(contact=standard, organization=org, role="Visible role")
    factories.AffiliationFactory(contact=hidden, organization=org, role="Hidden role")
    visible_channel = factories.ChannelFactory(contact=standard, officer=owner)
    factories.ChannelFactory(contact=hidden, officer=outsider)
    factories.ExchangeFactory(contacts=[standard], officers=[owner], summary="Visible coffee")
    secret_exchange = factories.ExchangeFactory(
        contacts=[standard, hidden], officers=[outsider], summary="Secret dinner"
    )
    factories.ReminderFactory(channel=visible_channel)
    factories.ReminderFactory(
        kind=Reminder.Kind.FOLLOW_UP, channel=None, exchange=secret_exchange, recipient=owner
    )
    factories.ClimateFactory(level=Climate.Level.ELEVATED, note="Tense week")
    factories.SignalFactory(title="Hotline call")
    OfficerProfile.objects.create(user=owner, timezone="Asia/Jerusalem")
    event = factories.EventFactory(title="Spring forum", planners=[planner])
    event.host_organization = org
    event.save(update_fields=["host_organization"])
    visible_invitation = factories.InvitationFactory(event=event, contact=standard)
    hidden_invitation = factories.InvitationFactory(event=event, contact=hidden)
    programme = factories.ProgrammeFactory(title="Joint lab")
    programme.partners.add(org)
    programme.participants.add(standard, hidden)
    programme.officers.add(owner)
    AccessLog.objects.record(
        user=owner, contacts=[owners_protected], surface=AccessLog.Surface.WEB, now=timezone.now()
    )
    ErasureRecord.objects.create(
        contact_number=999, erased_by=owner, erased_at=timezone.now(), reason="Request"
    )
    prep = factories.ReminderFactory(kind=Reminder.Kind.EVENT_PREP, channel=None, recipient=planner)
    EventReminder.objects.create(
        reminder=prep, event=event, kind=Reminder.Kind.EVENT_PREP, recipient=planner
    )
    CalendarFeed.objects.create(user=planner)
    states.record_months([timezone.now().date().replace(day=1)], now=timezone.now())
    return SimpleNamespace(
        org=org,
        standard=standard,
        teammates_restricted=teammates_restricted,
        outsiders_restricted=outsiders_restricted,
        owners_protected=owners_protected,
        hidden=hidden,
        secret_exchange=secret_exchange,
        event=event,
        visible_invitation=visible_invitation,
        hidden_invitation=hidden_invitation,
        programme=programme,
    )


# Every registered model renders for a superuser.


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=lambda model: model._meta.label_lower
)
def test_superuser_renders_changelist_add_and_change_page(client, admin_user, network, model):
    client.force_login(admin_user)
    rows = model._default_manager.order_by("pk")
    if model._meta.app_label in OUR_APPS:
        assert rows.exists() is True
    listed = rows.count()  # before the page, which logs the protected contacts it shows

    changelist = client.get(_url(model, "changelist"))
    add_page = client.get(_url(model, "add"))

    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count == listed
    # Audit rows are written by the application only: no add page, even for superusers.
    assert add_page.status_code == (
        403 if model in (AccessLog, ErasureRecord, Grant, EventReminder, RecordedMonth) else 200
    )
    if rows.exists():
        assert client.get(_url(model, "change", rows.first().pk)).status_code == 200


def test_contact_search_matches_native_name(client, admin_user, network):
    client.force_login(admin_user)

    response = client.get(_url(Contact, "changelist"), {"q": "Стандартова"})

    assert _names(response) == ["Sasha Standard"]


def test_organization_search_matches_native_name(client, admin_user, network):
    client.force_login(admin_user)

    response = client.get(_url(Organization, "changelist"), {"q": "העברית"})

    assert _names(response) == ["Hebrew University"]


# The contact changelist and change page of a staff officer.


def test_officer_sees_standard_teams_restricted_and_own_protected_contacts(client, owner, network):
    client.force_login(_make_staff(owner))

    response = client.get(_url(Contact, "changelist"))

    assert response.status_code == 200
    assert _names(response) == ["Olga Protected", "Rina Restricted", "Sasha Standard"]
    content = response.content.decode()
    assert "Olga Protected" in content
    assert "Sasha Standard" in content
    assert "Hidden Hanna" not in content
    assert "Oren Restricted" not in content
    # The country filter lists only the countries of visible contacts.
    assert "Israel" in content
    assert "Iran" not in content


def test_grantee_sees_the_protected_contact_granted_to_them(client, grantee, network):
    client.force_login(_make_staff(grantee))

    response = client.get(_url(Contact, "changelist"))

    # The grantee shares the culture team with the outsider, who owns "Oren Restricted".
    assert _names(response) == ["Hidden Hanna", "Oren Restricted", "Sasha Standard"]


def test_officer_search_does_not_find_a_hidden_contact(client, owner, network):
    client.force_login(_make_staff(owner))

    response = client.get(_url(Contact, "changelist"), {"q": "Hanna"})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
    assert "Hidden Hanna" not in response.content.decode()


def test_hidden_contact_change_page_redirects_to_index_as_if_missing(client, owner, network):
    client.force_login(_make_staff(owner))

    response = client.get(_url(Contact, "change", network.hidden.pk))

    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        f"contact with ID “{network.hidden.pk}” doesn’t exist. Perhaps it was deleted?"
    ]
    assert "Hidden Hanna" not in client.get(response.url).content.decode()


def test_own_protected_contact_change_page_renders(client, owner, network):
    client.force_login(_make_staff(owner))

    response = client.get(_url(Contact, "change", network.owners_protected.pk))

    assert response.status_code == 200
    assert "Olga Protected" in response.content.decode()


# Autocomplete goes through the target admin's scoped queryset.


@pytest.mark.parametrize(
    ("app_label", "model_name", "field_name"),
    [
        ("contacts", "channel", "contact"),
        ("contacts", "exchange", "contacts"),
        ("contacts", "affiliation", "contact"),
        ("contacts", "grant", "contact"),
        ("events", "invitation", "contact"),
        ("events", "programme", "participants"),
    ],
)
def test_autocomplete_offers_only_visible_contacts(
    client, owner, network, app_label, model_name, field_name
):
    client.force_login(_make_staff(owner))
    query = {"app_label": app_label, "model_name": model_name, "field_name": field_name}

    everything = client.get("/admin/autocomplete/", {**query, "term": ""})
    by_name = client.get("/admin/autocomplete/", {**query, "term": "Hanna"})
    by_native_name = client.get("/admin/autocomplete/", {**query, "term": "Ханна"})

    assert everything.status_code == 200
    assert [result["text"] for result in everything.json()["results"]] == [
        "Olga Protected",
        "Rina Restricted",
        "Sasha Standard",
    ]
    assert by_name.json()["results"] == []
    assert by_native_name.json()["results"] == []


def test_autocomplete_finds_the_protected_contact_for_a_superuser(client, admin_user, network):
    client.force_login(admin_user)
    query = {"app_label": "contacts", "model_name": "channel", "field_name": "contact"}

    response = client.get("/admin/autocomplete/", {**query, "term": "Hanna"})

    assert response.json()["results"] == [{"id": str(network.hidden.pk), "text": "Hidden Hanna"}]


# Objects that name a hidden contact are hidden too.


def test_officer_channel_changelist_hides_channels_to_hidden_contacts(client, owner, network):
    client.force_login(_make_staff(owner))

    response = client.get(_url(Channel, "changelist"))

    assert _names(response) == ["owner ↔ Sasha Standard"]
    assert "Hidden Hanna" not in response.content.decode()


def test_officer_exchange_changelist_hides_exchanges_naming_a_hidden_contact(
    client, owner, network
):
    client.force_login(_make_staff(owner))

    response = client.get(_url(Exchange, "changelist"))

    assert [row.summary for row in response.context["cl"].result_list] == ["Visible coffee"]
    assert "Secret dinner" not in response.content.decode()


def test_officer_exchange_change_page_of_hidden_exchange_redirects(client, owner, network):
    client.force_login(_make_staff(owner))

    response = client.get(_url(Exchange, "change", network.secret_exchange.pk))

    assert response.status_code == 302
    assert response.url == reverse("admin:index")


@pytest.mark.parametrize(
    ("changelist", "expected"),
    [
        ("contacts_affiliation", ["Sasha Standard — Visible role, Hebrew University"]),
        ("contacts_grant", []),
        ("contacts_reminder", ["Channel due for owner (Open)"]),
    ],
)
def test_officer_changelists_hide_rows_naming_a_hidden_contact(
    client, owner, network, changelist, expected
):
    client.force_login(_make_staff(owner))

    response = client.get(reverse(f"admin:{changelist}_changelist"))

    assert response.status_code == 200
    assert _names(response) == expected
    assert "Hidden Hanna" not in response.content.decode()


def test_planner_invitation_changelist_hides_hidden_guests(client, planner, network):
    client.force_login(_make_staff(planner))

    response = client.get(_url(Invitation, "changelist"))

    assert [row.contact.full_name for row in response.context["cl"].result_list] == [
        "Sasha Standard"
    ]
    assert "Hidden Hanna" not in response.content.decode()


# Form choices: a hidden contact can be neither shown nor picked.


def _channel_form(contact, officer):
    return {
        "contact": contact.pk,
        "officer": officer.pk,
        "kind": Channel.Kind.INFORMAL,
        "priority": Channel.Priority.NORMAL,
        "cadence_days": 30,
        "status": Channel.Status.ACTIVE,
        "created_at_0": "2025-06-01",
        "created_at_1": "10:00:00",
    }


def test_officer_cannot_open_a_channel_to_a_hidden_contact(client, owner, network):
    client.force_login(_make_staff(owner))
    channels_before = Channel.objects.count()

    response = client.post(_url(Channel, "add"), _channel_form(network.hidden, owner))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"contact": [INVALID_CHOICE]}
    assert Channel.objects.count() == channels_before


def test_officer_opens_a_channel_to_a_visible_contact(client, owner, network):
    client.force_login(_make_staff(owner))

    response = client.post(_url(Channel, "add"), _channel_form(network.teammates_restricted, owner))

    assert response.status_code == 302
    assert Channel.objects.filter(contact=network.teammates_restricted, officer=owner).exists()


def test_officer_cannot_log_an_exchange_with_a_hidden_contact(client, owner, network):
    client.force_login(_make_staff(owner))
    exchanges_before = Exchange.objects.count()

    response = client.post(
        _url(Exchange, "add"),
        {
            "occurred_at_0": "2025-06-01",
            "occurred_at_1": "10:00:00",
            "kind": Exchange.Kind.CALL,
            "contacts": [network.standard.pk, network.hidden.pk],
            "officers": [owner.pk],
            "summary": "A call",
            "topics": "[]",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "contacts": [
            f"Select a valid choice. {network.hidden.pk} is not one of the available choices."
        ]
    }
    assert Exchange.objects.count() == exchanges_before


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


def test_planner_event_page_lists_only_visible_guests(client, planner, network):
    client.force_login(_make_staff(planner))

    response = client.get(_url(network.event, "change", network.event.pk))

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert [form.instance for form in formset.initial_forms] == [network.visible_invitation]
    content = response.content.decode()
    assert "Sasha Standard" in content
    assert "Hidden Hanna" not in content


def test_planner_saving_an_event_keeps_the_hidden_invitation(client, planner, network):
    client.force_login(_make_staff(planner))
    visible = network.visible_invitation
    form = {"id": visible.pk, "contact": network.standard.pk, "role": "speaker"}

    response = client.post(
        _url(network.event, "change", network.event.pk),
        _event_form(network.event, planner, [form]),
    )

    assert response.status_code == 302
    visible.refresh_from_db()
    assert visible.role == Invitation.Role.SPEAKER
    network.hidden_invitation.refresh_from_db()
    assert network.hidden_invitation.status == Invitation.Status.INVITED


def test_planner_cannot_invite_a_hidden_contact_inline(client, planner, network):
    client.force_login(_make_staff(planner))
    event = factories.EventFactory(title="Autumn forum", host_organization=network.org)

    response = client.post(
        _url(event, "change", event.pk),
        _event_form(event, planner, [{"contact": network.hidden.pk}]),
    )

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.errors == [{"contact": [INVALID_CHOICE]}]
    assert Invitation.objects.filter(event=event).exists() is False


def _programme_form(network, participants, title="Joint lab"):
    return {
        "title": title,
        "kind": network.programme.kind,
        "description": "",
        "partners": [network.org.pk],
        "participants": [contact.pk for contact in participants],
        "officers": [],
        "starts_on": "2025-09-01",
        "ends_on": "",
        "status": network.programme.status,
        "outcome": "",
        "layer": network.programme.layer,
    }


def test_planner_programme_page_does_not_name_hidden_participants(client, planner, network):
    client.force_login(_make_staff(planner))

    response = client.get(_url(network.programme, "change", network.programme.pk))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Sasha Standard" in content
    assert "Hidden Hanna" not in content


def test_planner_saving_a_programme_keeps_hidden_participants(client, planner, network):
    client.force_login(_make_staff(planner))

    response = client.post(
        _url(network.programme, "change", network.programme.pk),
        _programme_form(network, [network.standard], title="Joint lab II"),
    )

    assert response.status_code == 302
    network.programme.refresh_from_db()
    assert network.programme.title == "Joint lab II"
    assert set(network.programme.participants.all()) == {network.standard, network.hidden}


def test_superuser_removes_a_participant_they_deselect(client, admin_user, network):
    client.force_login(admin_user)

    response = client.post(
        _url(network.programme, "change", network.programme.pk),
        _programme_form(network, [network.standard]),
    )

    assert response.status_code == 302
    assert list(network.programme.participants.all()) == [network.standard]


# Deleting: a cascade that reaches a hidden row is neither listed nor carried out.


@pytest.fixture
def deputy(db):
    """A staff member of the admin group who is not a superuser."""
    return _make_staff(factories.UserFactory(username="deputy", roles=["admin"]))


def test_delete_page_lists_only_visible_cascaded_rows_and_names_no_hidden_model(
    client, deputy, network
):
    client.force_login(deputy)

    response = client.get(_url(network.org, "delete", network.org.pk))

    assert response.status_code == 200
    # The visible affiliation only, counted alone; nothing tells the hidden one is there.
    assert response.context["perms_lacking"] == set()
    assert response.context["protected"] == []
    assert dict(response.context["model_count"]) == {
        "organizations": 1,
        "affiliations": 1,
        "programme-organization relationships": 1,
    }
    assert "Sasha Standard — Visible role" in response.content.decode()
    assert "Hidden Hanna" not in response.content.decode()


def test_delete_cascading_to_a_hidden_row_is_refused_as_still_in_use(client, deputy, network):
    client.force_login(deputy)

    response = client.post(_url(network.org, "delete", network.org.pk), {"post": "yes"})

    assert response.status_code == 200
    assert response.context["protected"] == ["This organization is still in use, so it is kept."]
    assert "Hidden Hanna" not in response.content.decode()
    assert Organization.objects.filter(pk=network.org.pk).exists() is True
    assert network.hidden.affiliations.count() == 1


def test_delete_page_lists_cascaded_rows_for_a_superuser(client, admin_user, network):
    client.force_login(admin_user)

    response = client.get(_url(network.org, "delete", network.org.pk))

    assert response.context["perms_lacking"] == set()
    assert "Hidden Hanna — Hidden role, Hebrew University" in response.content.decode()


# Role permissions, given after migrations.


def _codenames(role):
    permissions = Group.objects.get(name=role).permissions.select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def _every(action, app_labels):
    permissions = Permission.objects.filter(
        content_type__app_label__in=app_labels, codename__startswith=f"{action}_"
    ).select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def test_officer_permissions_after_migrations(db):
    edited = ["contact", "affiliation", "channel", "exchange", "grant", "reminder", "signal"]
    expected = {
        f"contacts.{action}_{model}" for action in ("view", "add", "change") for model in edited
    } | {
        "contacts.view_organization",
        "contacts.view_climate",
        "events.view_event",
        "events.view_programme",
        "auth.view_user",
    }

    assert _codenames("officer") == expected


def test_planner_permissions_after_migrations(db):
    expected = {
        f"{app}.{action}_{model}"
        for action in ("view", "add", "change")
        for app, model in [
            ("events", "event"),
            ("events", "invitation"),
            ("events", "programme"),
            ("contacts", "organization"),
        ]
    } | {"contacts.view_contact", "auth.view_user"}

    assert _codenames("planner") == expected


def test_lead_analyst_and_admin_permissions_after_migrations(db):
    our_apps = ["contacts", "events"]
    everything = set().union(
        *(_every(action, our_apps) for action in ("view", "add", "change", "delete"))
    )

    assert "contacts.view_contact" in _every("view", our_apps)
    assert _codenames("lead") == _every("view", our_apps) | {
        "contacts.add_signal",
        "contacts.change_signal",
    }
    assert _codenames("analyst") == {
        "contacts.view_organization",
        "contacts.view_climate",
        "events.view_event",
        "events.view_programme",
    }
    assert _codenames("admin") == everything | {"auth.view_user"}


def test_role_permissions_let_an_officer_edit_channels_but_not_delete_contacts(owner):
    assert owner.has_perm("contacts.change_channel") is True
    assert owner.has_perm("contacts.view_contact") is True
    assert owner.has_perm("contacts.delete_contact") is False
    assert owner.has_perm("events.change_event") is False


def test_sync_role_permissions_restores_a_removed_permission_and_is_idempotent(db):
    officer = Group.objects.get(name="officer")
    expected = _codenames("officer")
    officer.permissions.remove(Permission.objects.get(codename="view_contact"))

    sync_role_permissions()
    sync_role_permissions()

    assert _codenames("officer") == expected
    assert officer.permissions.count() == len(expected)


# Exchanges changed in the admin count as touches like any other.


def test_deleting_an_exchange_in_the_admin_recomputes_its_channels_touch(client, admin_user, owner):
    contact = factories.ContactFactory(owner=owner)
    channel = factories.ChannelFactory(officer=owner, contact=contact)
    earlier, latest = (
        factories.ExchangeFactory(
            occurred_at=timezone.now() - timezone.timedelta(days=days),
            contacts=[contact],
            officers=[owner],
        )
        for days in (20, 2)
    )
    services.record_touches(contact_ids=[contact.pk], officer_ids=[owner.pk], now=timezone.now())
    client.force_login(admin_user)

    response = client.post(_url(latest, "delete", latest.pk), {"post": "yes"})

    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.last_touch_at == earlier.occurred_at


# Read-only displays (the view permission only) go through visible_to too.


def _viewer(*codenames):
    viewer = _make_staff(factories.UserFactory(username="viewer", roles=["lead"]))
    viewer.groups.clear()
    viewer.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return viewer


def test_view_only_programme_page_does_not_name_hidden_participants(client, network):
    client.force_login(_viewer("view_programme"))

    response = client.get(_url(network.programme, "change", network.programme.pk))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    content = response.content.decode()
    assert "Sasha Standard" in content
    assert "Hidden Hanna" not in content
    assert "Ханна" not in content


def test_view_only_grantee_sees_the_participant_granted_to_them(client, grantee, network):
    grantee.is_staff = True
    grantee.save(update_fields=["is_staff"])
    grantee.groups.clear()
    grantee.user_permissions.set(Permission.objects.filter(codename="view_programme"))
    client.force_login(grantee)

    response = client.get(_url(network.programme, "change", network.programme.pk))

    assert "Hidden Hanna" in response.content.decode()
    # The page shows a protected contact: logged, once.
    assert AccessLog.objects.filter(user=grantee, contact=network.hidden).count() == 1


@pytest.mark.parametrize(
    ("model", "codename"),
    [
        (Contact, "view_contact"),
        (Channel, "view_channel"),
        (Affiliation, "view_affiliation"),
        (Invitation, "view_invitation"),
        (Exchange, "view_exchange"),
    ],
)
def test_view_only_pages_of_visible_rows_never_name_the_hidden_contact(
    client, network, model, codename
):
    viewer = _viewer(codename)
    client.force_login(viewer)
    rows = list(model._default_manager.visible_to(viewer))
    assert rows

    for row in rows:
        page = client.get(_url(row, "change", row.pk))
        assert page.status_code == 200
        assert "Hidden Hanna" not in page.content.decode()


def test_admin_changelist_logs_the_protected_contacts_it_shows(client, owner, network):
    client.force_login(_make_staff(owner))

    client.get(_url(Contact, "changelist"))
    client.get(_url(Channel, "changelist"))

    # Olga Protected is the owner's own protected contact: one row per list that shows it.
    assert (
        AccessLog.objects.filter(
            user=owner, contact=network.owners_protected, surface=AccessLog.Surface.ADMIN
        ).count()
        == 1
    )
    assert (
        AccessLog.objects.filter(user=owner).exclude(contact=network.owners_protected).count() == 0
    )


def test_contact_tag_filter_offers_only_tags_of_visible_contacts(client, owner, network):
    secret_tag = factories.TagFactory(name="only-hidden")
    shared_tag = factories.TagFactory(name="shared-tag")
    network.hidden.tags.add(secret_tag, shared_tag)
    network.standard.tags.add(shared_tag)
    client.force_login(_make_staff(owner))

    response = client.get(_url(Contact, "changelist"))

    content = response.content.decode()
    assert "shared-tag" in content
    assert "only-hidden" not in content


def test_api_tokens_are_shown_to_superusers_only_whatever_the_permissions(client, owner, network):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=owner)
    staff = _viewer("view_tokenproxy", "change_tokenproxy")
    client.force_login(staff)

    changelist = client.get(reverse("admin:authtoken_tokenproxy_changelist"))
    change = client.get(reverse("admin:authtoken_tokenproxy_change", args=[owner.pk]))

    assert (changelist.status_code, change.status_code) == (403, 403)
    assert token.key not in changelist.content.decode() + change.content.decode()
