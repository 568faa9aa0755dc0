"""The contacts admin: every page, search, autocomplete, form choice and delete page is scoped
by ``visible_to``, so a hidden contact is neither shown, counted nor picked; the access log
of what a changelist shows; exchanges changed in the admin count as touches."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from contacts import services
from contacts.models import AccessLog, Affiliation, Channel, Contact, Exchange, Organization
from events.models import Invitation
from tests import factories
from tests.admin_support import (
    INVALID_CHOICE,
    admin_url,
    changelist_names,
    make_staff,
    view_only_staff,
)

# Search reaches native names.


def test_contact_search_matches_native_name(client, admin_user, admin_network):
    client.force_login(admin_user)

    response = client.get(admin_url(Contact, "changelist"), {"q": "Стандартова"})

    assert changelist_names(response) == ["Sasha Standard"]


def test_contact_search_finds_a_name_across_scripts_and_by_organization(
    client, admin_user, admin_network
):
    """The admin searches as the web list and the API do (ContactQuerySet.search): a Latin
    name from its Cyrillic spelling, a contact from its organization's name."""
    university = factories.OrganizationFactory(name="Haifa Institute of Letters")
    factories.ContactFactory(full_name="Irina Petrova", native_name="", organization=university)
    client.force_login(admin_user)

    by_script = client.get(admin_url(Contact, "changelist"), {"q": "Ирина"})
    by_organization = client.get(admin_url(Contact, "changelist"), {"q": '"institute of"'})

    assert changelist_names(by_script) == ["Irina Petrova"]
    assert changelist_names(by_organization) == ["Irina Petrova"]


def test_organization_search_matches_native_name(client, admin_user, admin_network):
    client.force_login(admin_user)

    response = client.get(admin_url(Organization, "changelist"), {"q": "העברית"})

    assert changelist_names(response) == ["Hebrew University"]


# The contact changelist and change page of a staff officer.


def test_officer_sees_standard_teams_restricted_and_own_protected_contacts(
    client, owner, admin_network
):
    client.force_login(make_staff(owner))

    response = client.get(admin_url(Contact, "changelist"))

    assert response.status_code == 200
    assert changelist_names(response) == ["Olga Protected", "Rina Restricted", "Sasha Standard"]
    content = response.content.decode()
    assert "Olga Protected" in content
    assert "Sasha Standard" in content
    assert "Hidden Hanna" not in content
    assert "Oren Restricted" not in content
    # The country filter lists only the countries of visible contacts.
    assert "Israel" in content
    assert "Iran" not in content


def test_grantee_sees_the_protected_contact_granted_to_them(client, grantee, admin_network):
    client.force_login(make_staff(grantee))

    response = client.get(admin_url(Contact, "changelist"))

    # The grantee shares the culture team with the outsider, who owns "Oren Restricted".
    assert changelist_names(response) == ["Hidden Hanna", "Oren Restricted", "Sasha Standard"]


def test_officer_search_does_not_find_a_hidden_contact(client, owner, admin_network):
    client.force_login(make_staff(owner))

    response = client.get(admin_url(Contact, "changelist"), {"q": "Hanna"})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
    assert "Hidden Hanna" not in response.content.decode()


def test_hidden_contact_change_page_redirects_to_index_as_if_missing(client, owner, admin_network):
    client.force_login(make_staff(owner))

    response = client.get(admin_url(Contact, "change", admin_network.hidden.pk))

    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        f"contact with ID “{admin_network.hidden.pk}” doesn’t exist. Perhaps it was deleted?"
    ]
    assert "Hidden Hanna" not in client.get(response.url).content.decode()


def test_own_protected_contact_change_page_renders(client, owner, admin_network):
    client.force_login(make_staff(owner))

    response = client.get(admin_url(Contact, "change", admin_network.owners_protected.pk))

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
    client, owner, admin_network, app_label, model_name, field_name
):
    client.force_login(make_staff(owner))
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


def test_autocomplete_finds_the_protected_contact_for_a_superuser(
    client, admin_user, admin_network
):
    client.force_login(admin_user)
    query = {"app_label": "contacts", "model_name": "channel", "field_name": "contact"}

    response = client.get("/admin/autocomplete/", {**query, "term": "Hanna"})

    assert response.json()["results"] == [
        {"id": str(admin_network.hidden.pk), "text": "Hidden Hanna"}
    ]


# Objects that name a hidden contact are hidden too.


def test_officer_channel_changelist_hides_channels_to_hidden_contacts(client, owner, admin_network):
    client.force_login(make_staff(owner))

    response = client.get(admin_url(Channel, "changelist"))

    assert changelist_names(response) == ["owner ↔ Sasha Standard"]
    assert "Hidden Hanna" not in response.content.decode()


def test_officer_exchange_changelist_hides_exchanges_naming_a_hidden_contact(
    client, owner, admin_network
):
    client.force_login(make_staff(owner))

    response = client.get(admin_url(Exchange, "changelist"))

    assert [row.summary for row in response.context["cl"].result_list] == ["Visible coffee"]
    assert "Secret dinner" not in response.content.decode()


def test_officer_exchange_change_page_of_hidden_exchange_redirects(client, owner, admin_network):
    client.force_login(make_staff(owner))

    response = client.get(admin_url(Exchange, "change", admin_network.secret_exchange.pk))

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
    client, owner, admin_network, changelist, expected
):
    client.force_login(make_staff(owner))

    response = client.get(reverse(f"admin:{changelist}_changelist"))

    assert response.status_code == 200
    assert changelist_names(response) == expected
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


def test_officer_cannot_open_a_channel_to_a_hidden_contact(client, owner, admin_network):
    client.force_login(make_staff(owner))
    channels_before = Channel.objects.count()

    response = client.post(admin_url(Channel, "add"), _channel_form(admin_network.hidden, owner))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"contact": [INVALID_CHOICE]}
    assert Channel.objects.count() == channels_before


def test_officer_opens_a_channel_to_a_visible_contact(client, owner, admin_network):
    client.force_login(make_staff(owner))

    response = client.post(
        admin_url(Channel, "add"), _channel_form(admin_network.teammates_restricted, owner)
    )

    assert response.status_code == 302
    assert Channel.objects.filter(
        contact=admin_network.teammates_restricted, officer=owner
    ).exists()


def test_officer_cannot_log_an_exchange_with_a_hidden_contact(client, owner, admin_network):
    client.force_login(make_staff(owner))
    exchanges_before = Exchange.objects.count()

    response = client.post(
        admin_url(Exchange, "add"),
        {
            "occurred_at_0": "2025-06-01",
            "occurred_at_1": "10:00:00",
            "kind": Exchange.Kind.CALL,
            "contacts": [admin_network.standard.pk, admin_network.hidden.pk],
            "officers": [owner.pk],
            "summary": "A call",
            "topics": "[]",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "contacts": [
            f"Select a valid choice. {admin_network.hidden.pk} is not one of the available choices."
        ]
    }
    assert Exchange.objects.count() == exchanges_before


# Deleting: a cascade that reaches a hidden row is neither listed nor carried out.


@pytest.fixture
def deputy(db):
    """A staff member of the admin group who is not a superuser."""
    return make_staff(factories.UserFactory(username="deputy", roles=["admin"]))


def test_delete_page_lists_only_visible_cascaded_rows_and_names_no_hidden_model(
    client, deputy, admin_network
):
    client.force_login(deputy)

    response = client.get(admin_url(admin_network.org, "delete", admin_network.org.pk))

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


def test_delete_cascading_to_a_hidden_row_is_refused_as_still_in_use(client, deputy, admin_network):
    client.force_login(deputy)

    response = client.post(
        admin_url(admin_network.org, "delete", admin_network.org.pk), {"post": "yes"}
    )

    assert response.status_code == 200
    assert response.context["protected"] == ["This organization is still in use, so it is kept."]
    assert "Hidden Hanna" not in response.content.decode()
    assert Organization.objects.filter(pk=admin_network.org.pk).exists() is True
    assert admin_network.hidden.affiliations.count() == 1


def test_delete_page_lists_cascaded_rows_for_a_superuser(client, admin_user, admin_network):
    client.force_login(admin_user)

    response = client.get(admin_url(admin_network.org, "delete", admin_network.org.pk))

    assert response.context["perms_lacking"] == set()
    assert "Hidden Hanna — Hidden role, Hebrew University" in response.content.decode()


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

    response = client.post(admin_url(latest, "delete", latest.pk), {"post": "yes"})

    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.last_touch_at == earlier.occurred_at


# Read-only displays (the view permission only) go through visible_to too.


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
    client, admin_network, model, codename
):
    viewer = view_only_staff(codename)
    client.force_login(viewer)
    rows = list(model._default_manager.visible_to(viewer))
    assert rows

    for row in rows:
        page = client.get(admin_url(row, "change", row.pk))
        assert page.status_code == 200
        assert "Hidden Hanna" not in page.content.decode()


# What a changelist shows is logged; its filters offer only what is visible.


def test_admin_changelist_logs_the_protected_contacts_it_shows(client, owner, admin_network):
    client.force_login(make_staff(owner))

    client.get(admin_url(Contact, "changelist"))
    client.get(admin_url(Channel, "changelist"))

    # Olga Protected is the owner's own protected contact: one row per list that shows it.
    assert (
        AccessLog.objects.filter(
            user=owner, contact=admin_network.owners_protected, surface=AccessLog.Surface.ADMIN
        ).count()
        == 1
    )
    assert (
        AccessLog.objects.filter(user=owner).exclude(contact=admin_network.owners_protected).count()
        == 0
    )


def test_contact_tag_filter_offers_only_tags_of_visible_contacts(client, owner, admin_network):
    secret_tag = factories.TagFactory(name="only-hidden")
    shared_tag = factories.TagFactory(name="shared-tag")
    admin_network.hidden.tags.add(secret_tag, shared_tag)
    admin_network.standard.tags.add(shared_tag)
    client.force_login(make_staff(owner))

    response = client.get(admin_url(Contact, "changelist"))

    content = response.content.decode()
    assert "shared-tag" in content
    assert "only-hidden" not in content


# Who changes what: the same rules as the web and the API.


def test_an_officer_cannot_change_or_delete_an_exchange_they_did_not_write_or_join(
    client, owner, teammate
):
    exchange = factories.ExchangeFactory(
        contacts=[factories.ContactFactory()], officers=[teammate], summary="Theirs"
    )
    client.force_login(make_staff(owner))

    page = client.get(admin_url(exchange, "change", exchange.pk))
    post = client.post(admin_url(exchange, "delete", exchange.pk), {"post": "yes"})

    assert page.context["has_change_permission"] is False
    assert post.status_code == 403
    exchange.refresh_from_db()
    assert exchange.summary == "Theirs"


def test_an_officer_changes_the_exchange_they_took_part_in(client, owner):
    exchange = factories.ExchangeFactory(contacts=[factories.ContactFactory()], officers=[owner])
    client.force_login(make_staff(owner))

    page = client.get(admin_url(exchange, "change", exchange.pk))

    assert page.context["has_change_permission"] is True


def test_an_officer_cannot_change_or_delete_another_officer_s_channel(client, owner, teammate):
    channel = factories.ChannelFactory(
        contact=factories.ContactFactory(), officer=teammate, cadence_days=30
    )
    client.force_login(make_staff(owner))

    page = client.get(admin_url(channel, "change", channel.pk))
    post = client.post(admin_url(channel, "delete", channel.pk), {"post": "yes"})

    assert page.context["has_change_permission"] is False
    assert post.status_code == 403
    channel.refresh_from_db()
    assert channel.cadence_days == 30


def test_an_officer_opens_channels_for_themselves_only(client, owner, teammate):
    contact = factories.ContactFactory()
    client.force_login(make_staff(owner))

    response = client.post(
        admin_url(Channel, "add"),
        {
            "contact": contact.pk,
            "officer": teammate.pk,
            "kind": "informal",
            "priority": "normal",
            "cadence_days": 30,
            "status": "active",
        },
    )

    assert response.status_code == 200
    assert "officer" in response.context["adminform"].form.errors
    assert Channel.objects.filter(contact=contact).exists() is False
