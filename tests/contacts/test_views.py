"""The contacts web pages: lists, the contact page, create/edit/delete, grants, logging an
exchange, reminder actions and organizations.

The views read the clock, so channels are made overdue by creating them 60 days ago (a
30-day cadence), and reminders are snoozed relative to ``timezone.now()``.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from contacts import services
from contacts.models import (
    AccessLog,
    Channel,
    Contact,
    Exchange,
    Grant,
    Layer,
    OfficerProfile,
    Organization,
    Reminder,
    Sensitivity,
)
from events.models import EventReminder, Invitation
from tests import factories

UTC = dt.UTC
HTMX = {"HTTP_HX_REQUEST": "true"}
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _days_ago(days):
    return timezone.now() - dt.timedelta(days=days)


def _body(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _listed(response) -> list[int]:
    return [contact.pk for contact in response.context["page"].object_list]


def _overdue_channel(officer, contact):
    return factories.ChannelFactory(officer=officer, contact=contact, created_at=_days_ago(60))


@pytest.fixture
def standard(owner):
    return factories.ContactFactory(
        full_name="Anna Standardova", owner=owner, notes="Likes long walks by the river."
    )


@pytest.fixture
def restricted(owner):
    return factories.ContactFactory(
        full_name="Rina Restrictova", owner=owner, sensitivity=Sensitivity.RESTRICTED
    )


@pytest.fixture
def protected(owner):
    return factories.ContactFactory(
        full_name="Pavel Protectedov",
        native_name="Павел Защищённый",
        owner=owner,
        sensitivity=Sensitivity.PROTECTED,
        notes="Meets only at the bookshop.",
    )


# Every page renders; sign-in is required; no inline script or style


def _pages(contact, organization):
    return [
        reverse("contacts:list"),
        reverse("contacts:detail", args=[contact.pk]),
        reverse("contacts:create"),
        reverse("contacts:edit", args=[contact.pk]),
        reverse("contacts:delete", args=[contact.pk]),
        reverse("contacts:exchange_new") + f"?contact={contact.pk}",
        reverse("contacts:organization_list"),
        reverse("contacts:organization_detail", args=[organization.pk]),
    ]


def test_every_page_renders_for_the_owner_without_inline_script_or_style(client, owner, protected):
    organization = factories.OrganizationFactory()
    protected.organization = organization
    protected.save()
    client.force_login(owner)

    for url in _pages(protected, organization):
        response = client.get(url)

        assert response.status_code == 200, url
        body = _body(response)
        assert re.search(r"\sstyle=", body) is None, url
        assert re.search(r"\son[a-z]+=", body) is None, url
        assert "hx-on" not in body, url
        scripts = re.findall(r"<script\b[^>]*>", body)
        assert all("src=" in tag for tag in scripts), url


def test_every_page_asks_anonymous_users_to_sign_in(client, standard):
    organization = factories.OrganizationFactory()

    for url in _pages(standard, organization):
        response = client.get(url)

        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login") + "?next="), url


# The contacts list


def test_the_list_shows_only_contacts_the_user_may_see(
    client, owner, teammate, outsider, standard, restricted, protected
):
    expectations = {
        owner: [standard.pk, protected.pk, restricted.pk],
        teammate: [standard.pk, restricted.pk],
        outsider: [standard.pk],
    }
    for user, expected in expectations.items():
        client.force_login(user)

        response = client.get(reverse("contacts:list"), {"sort": "name"})

        assert _listed(response) == expected
    body = _body(response)
    assert "Pavel Protectedov" not in body
    assert "Rina Restrictova" not in body


def test_each_row_shows_name_native_name_category_organization_and_badges(client, owner, protected):
    organization = factories.OrganizationFactory(name="Institute of Oriental Studies")
    protected.organization = organization
    protected.category = Contact.Category.JOURNALIST
    protected.save()
    _overdue_channel(owner, protected)
    client.force_login(owner)

    response = client.get(reverse("contacts:list"))

    row = re.search(r"<tr>\s*<td><a[^>]*>Pavel Protectedov</a>.*?</tr>", _body(response), re.S)
    assert row is not None
    assert "Павел Защищённый" in row.group(0)
    assert "Journalist" in row.group(0)
    assert "Institute of Oriental Studies" in row.group(0)
    assert '<span class="badge protected">Protected</span>' in row.group(0)
    assert '<span class="badge overdue">Overdue</span>' in row.group(0)


def test_search_finds_a_cyrillic_native_name_in_any_case(client, owner):
    akhmatova = factories.ContactFactory(full_name="Anna Akhmatova", native_name="Анна Ахматова")
    factories.ContactFactory(full_name="Boris Other", native_name="Борис Другой")
    client.force_login(owner)

    response = client.get(reverse("contacts:list"), {"q": "АХМАТОВА"})

    assert _listed(response) == [akhmatova.pk]


def test_search_finds_a_hebrew_native_name(client, owner):
    grossman = factories.ContactFactory(full_name="David Grossman", native_name="דוד גרוסמן")
    factories.ContactFactory(full_name="Amos Other", native_name="עמוס עוז")
    client.force_login(owner)

    response = client.get(reverse("contacts:list"), {"q": "גרוסמן"})

    assert _listed(response) == [grossman.pk]
    assert "דוד גרוסמן" in _body(response)


def test_search_finds_contacts_by_organization_name(client, owner):
    school = factories.OrganizationFactory(name="Высшая школа экономики")
    member = factories.ContactFactory(full_name="Ivan Member", organization=school)
    factories.ContactFactory(full_name="Ivan Elsewhere")
    client.force_login(owner)

    response = client.get(reverse("contacts:list"), {"q": "школа"})

    assert _listed(response) == [member.pk]


def test_search_never_finds_a_hidden_contact(client, outsider, protected):
    client.force_login(outsider)

    for term in ("Pavel", "Защищённый"):
        response = client.get(reverse("contacts:list"), {"q": term})

        assert _listed(response) == []
        body = _body(response)
        assert "No contacts match these filters." in body
        assert "Pavel Protectedov" not in body
        assert "Павел Защищённый" not in body


def test_filters_narrow_by_category_organization_layer_and_sensitivity(client, owner):
    organization = factories.OrganizationFactory()
    journalist = factories.ContactFactory(
        category=Contact.Category.JOURNALIST,
        organization=organization,
        layer=Layer.NARRATIVE,
        sensitivity=Sensitivity.RESTRICTED,
        owner=owner,
    )
    factories.ContactFactory(category=Contact.Category.ACADEMIC, organization=organization)
    factories.ContactFactory(category=Contact.Category.JOURNALIST, layer=Layer.NARRATIVE)
    client.force_login(owner)

    for filters in (
        {"category": "journalist", "organization": organization.pk},
        {"layer": "narrative", "sensitivity": "restricted"},
        {"category": "journalist", "sensitivity": "restricted"},
    ):
        response = client.get(reverse("contacts:list"), filters)

        assert _listed(response) == [journalist.pk], filters


def test_overdue_filter_keeps_contacts_with_an_overdue_channel_of_mine(client, owner, teammate):
    mine_overdue = factories.ContactFactory(full_name="A overdue with me")
    _overdue_channel(owner, mine_overdue)
    theirs_overdue = factories.ContactFactory(full_name="B overdue with a teammate")
    _overdue_channel(teammate, theirs_overdue)
    mine_fresh = factories.ContactFactory(full_name="C fresh with me")
    factories.ChannelFactory(officer=owner, contact=mine_fresh)
    client.force_login(owner)

    response = client.get(reverse("contacts:list"), {"overdue": "on"})

    assert _listed(response) == [mine_overdue.pk]
    all_rows = client.get(reverse("contacts:list")).context["page"].object_list
    assert {contact.pk: contact.overdue_for_me for contact in all_rows} == {
        mine_overdue.pk: True,
        theirs_overdue.pk: False,
        mine_fresh.pk: False,
    }


def test_sorting_by_name_category_and_last_update(client, owner):
    zoe = factories.ContactFactory(full_name="Zoe", category=Contact.Category.ACADEMIC)
    adam = factories.ContactFactory(full_name="Adam", category=Contact.Category.JOURNALIST)
    mila = factories.ContactFactory(full_name="Mila", category=Contact.Category.CULTURAL)
    Contact.objects.filter(pk=mila.pk).update(updated_at=_days_ago(1))
    Contact.objects.filter(pk=adam.pk).update(updated_at=_days_ago(3))
    Contact.objects.filter(pk=zoe.pk).update(updated_at=_days_ago(2))
    client.force_login(owner)

    def order(sort):
        return _listed(client.get(reverse("contacts:list"), {"sort": sort}))

    assert order("name") == [adam.pk, mila.pk, zoe.pk]
    assert order("category") == [zoe.pk, mila.pk, adam.pk]
    assert order("updated") == [mila.pk, zoe.pk, adam.pk]


def test_the_list_pages_by_25_without_losing_or_repeating_a_contact(client, owner):
    created = {factories.ContactFactory(full_name="Same Name").pk for _ in range(26)}
    client.force_login(owner)

    first = client.get(reverse("contacts:list"))
    second = client.get(reverse("contacts:list"), {"page": 2})

    assert len(_listed(first)) == 25
    assert len(_listed(second)) == 1
    assert set(_listed(first)) | set(_listed(second)) == created
    assert 'rel="next"' in _body(first)


def test_an_empty_list_says_so(client, owner):
    client.force_login(owner)

    response = client.get(reverse("contacts:list"))

    assert _listed(response) == []
    assert "No contacts yet." in _body(response)


def test_an_htmx_search_answers_only_the_results(client, owner, standard):
    client.force_login(owner)

    response = client.get(reverse("contacts:list"), {"q": "Anna"}, **HTMX)

    assert response.status_code == 200
    assert [template.name for template in response.templates][0] == (
        "contacts/_contact_results.html"
    )
    body = _body(response)
    # hx-history="false": htmx keeps no copy of a page of contacts in localStorage.
    assert body.lstrip().startswith('<section id="contact-results" hx-history="false"')
    assert "<html" not in body
    assert "Anna Standardova" in body
    assert response["Vary"].count("HX-Request") == 1


# The contact page


def test_the_contact_page_shows_profile_channels_timeline_events_and_programmes(
    client, owner, teammate, standard
):
    organization = factories.OrganizationFactory(name="Tel Aviv University")
    factories.AffiliationFactory(contact=standard, organization=organization, role="Lecturer")
    _overdue_channel(owner, standard)
    factories.ExchangeFactory(
        contacts=[standard], officers=[teammate], summary="Tea after the book launch."
    )
    event = factories.EventFactory(title="Spring Poetry Evening")
    factories.InvitationFactory(event=event, contact=standard, status=Invitation.Status.ACCEPTED)
    programme = factories.ProgrammeFactory(title="Joint Archive Digitisation")
    programme.participants.add(standard)
    client.force_login(owner)

    response = client.get(reverse("contacts:detail", args=[standard.pk]))

    assert response.status_code == 200
    body = _body(response)
    assert "Likes long walks by the river." in body
    assert "Lecturer" in body
    assert "Tel Aviv University" in body
    assert [channel.overdue for channel in response.context["channels"]] == [True]
    assert '<span class="badge overdue">Overdue</span>' in body
    assert "Tea after the book launch." in body
    assert "Spring Poetry Evening" in body
    assert "Accepted" in body
    assert "Joint Archive Digitisation" in body
    log = reverse("contacts:exchange_new") + f"?contact={standard.pk}"
    assert f'href="{log}"' in body


def test_dates_are_shown_in_the_users_zone(client, owner, standard):
    OfficerProfile.objects.create(user=owner, timezone="Asia/Jerusalem")
    factories.ExchangeFactory(
        contacts=[standard],
        officers=[owner],
        occurred_at=dt.datetime(2025, 3, 3, 9, 0, tzinfo=UTC),
        summary="Breakfast meeting.",
    )
    client.force_login(owner)

    response = client.get(reverse("contacts:detail", args=[standard.pk]))

    assert "3 Mar 2025, 11:00 IST" in _body(response)


@pytest.mark.parametrize(
    ("persona", "contact_name"),
    [("outsider", "restricted"), ("outsider", "protected"), ("teammate", "protected")],
)
def test_a_contact_the_user_may_not_see_is_404_and_not_logged(
    client, request, persona, contact_name
):
    user = request.getfixturevalue(persona)
    contact = request.getfixturevalue(contact_name)
    client.force_login(user)

    response = client.get(reverse("contacts:detail", args=[contact.pk]))

    assert response.status_code == 404
    assert contact.full_name not in _body(response)
    assert AccessLog.objects.exists() is False


def test_a_teammate_sees_a_restricted_contact(client, teammate, restricted):
    client.force_login(teammate)

    response = client.get(reverse("contacts:detail", args=[restricted.pk]))

    assert response.status_code == 200
    assert "Rina Restrictova" in _body(response)


def test_viewing_a_protected_contact_writes_one_web_access_log_row(
    client, owner, protected, standard
):
    client.force_login(owner)

    client.get(reverse("contacts:detail", args=[standard.pk]))
    assert AccessLog.objects.exists() is False

    client.get(reverse("contacts:detail", args=[protected.pk]))

    entry = AccessLog.objects.get()
    assert (entry.user, entry.contact, entry.surface) == (owner, protected, "web")
    assert timezone.now() - entry.viewed_at < dt.timedelta(minutes=1)


def test_a_superuser_view_of_a_protected_contact_is_logged_too(client, admin_user, protected):
    client.force_login(admin_user)

    response = client.get(reverse("contacts:detail", args=[protected.pk]))

    assert response.status_code == 200
    assert AccessLog.objects.get().user == admin_user


def test_analysts_see_no_private_notes(client, owner, analyst, standard):
    factories.ExchangeFactory(
        contacts=[standard],
        officers=[owner],
        summary="Lunch at the institute.",
        notes="Worried about the new director.",
    )
    client.force_login(analyst)

    response = client.get(reverse("contacts:detail", args=[standard.pk]))

    body = _body(response)
    assert response.status_code == 200
    assert "Lunch at the institute." in body
    assert "Likes long walks by the river." not in body
    assert "Worried about the new director." not in body
    assert "Private notes" not in body
    client.force_login(owner)
    owners_body = _body(client.get(reverse("contacts:detail", args=[standard.pk])))
    assert "Likes long walks by the river." in owners_body
    assert "Worried about the new director." in owners_body


def test_an_exchange_naming_a_hidden_contact_is_not_on_the_timeline(
    client, owner, outsider, standard, protected
):
    factories.ExchangeFactory(
        contacts=[standard, protected], officers=[owner], summary="Dinner with both."
    )
    factories.ExchangeFactory(contacts=[standard], officers=[owner], summary="Call alone.")
    client.force_login(outsider)

    response = client.get(reverse("contacts:detail", args=[standard.pk]))

    body = _body(response)
    assert [exchange.summary for exchange in response.context["exchanges"]] == ["Call alone."]
    assert "Dinner with both." not in body
    assert "Pavel Protectedov" not in body
    client.force_login(owner)
    assert "Dinner with both." in _body(client.get(reverse("contacts:detail", args=[standard.pk])))


# Grants


def test_the_owner_grants_and_revokes_access(client, owner, grantee, protected):
    detail = reverse("contacts:detail", args=[protected.pk])
    client.force_login(owner)
    assert "Access grants" in _body(client.get(detail))

    response = client.post(reverse("contacts:grant_add", args=[protected.pk]), {"user": grantee.pk})

    assert response.status_code == 302
    assert response.url == detail
    grant = Grant.objects.get()
    assert (grant.contact, grant.user, grant.granted_by) == (protected, grantee, owner)
    client.force_login(grantee)
    assert client.get(detail).status_code == 200

    client.force_login(owner)
    response = client.post(reverse("contacts:grant_revoke", args=[protected.pk, grantee.pk]))

    assert response.url == detail
    assert Grant.objects.exists() is False
    assert _messages(response) == ["grantee no longer sees Pavel Protectedov."]
    client.force_login(grantee)
    assert client.get(detail).status_code == 404


def test_a_teammate_who_sees_a_restricted_contact_cannot_grant(
    client, teammate, outsider, restricted
):
    client.force_login(teammate)

    page = client.get(reverse("contacts:detail", args=[restricted.pk]))
    response = client.post(
        reverse("contacts:grant_add", args=[restricted.pk]), {"user": outsider.pk}
    )

    assert "Access grants" not in _body(page)
    assert response.status_code == 302
    assert _messages(response) == ["Only the contact's owner grants or revokes access."]
    assert Grant.objects.exists() is False


def test_granting_on_a_standard_contact_is_refused_with_a_message(
    client, owner, outsider, standard
):
    client.force_login(owner)

    response = client.post(reverse("contacts:grant_add", args=[standard.pk]), {"user": outsider.pk})

    assert _messages(response) == ["A standard contact is visible to all staff; grant nothing."]
    assert Grant.objects.exists() is False


def test_grants_on_a_contact_the_user_may_not_see_are_404(
    client, outsider, grantee, owner, protected
):
    factories.GrantFactory(contact=protected, user=grantee, granted_by=owner)
    client.force_login(outsider)

    added = client.post(reverse("contacts:grant_add", args=[protected.pk]), {"user": outsider.pk})
    revoked = client.post(reverse("contacts:grant_revoke", args=[protected.pk, grantee.pk]))

    assert (added.status_code, revoked.status_code) == (404, 404)
    assert list(Grant.objects.values_list("user__username", flat=True)) == ["grantee"]


# Create and edit


def _contact_data(**overrides):
    data = {
        "full_name": "Lea Newcontact",
        "native_name": "לאה",
        "category": "journalist",
        "organization": "",
        "email": "lea@example.org",
        "phone": "",
        "country": "IL",
        "languages": "he, en",
        "layer": "narrative",
        "sensitivity": "standard",
        "notes": "",
    }
    return {**data, **overrides}


def test_creating_a_contact_defaults_the_owner_to_the_user(client, owner):
    client.force_login(owner)

    form = client.get(reverse("contacts:create")).context["form"]
    response = client.post(reverse("contacts:create"), _contact_data(owner=owner.pk))

    assert form["owner"].value() == owner.pk
    contact = Contact.objects.get()
    assert response.url == reverse("contacts:detail", args=[contact.pk])
    assert (contact.full_name, contact.owner, contact.languages) == (
        "Lea Newcontact",
        owner,
        ["he", "en"],
    )


def test_invalid_contact_input_shows_the_messages_and_saves_nothing(client, owner):
    client.force_login(owner)

    response = client.post(
        reverse("contacts:create"),
        _contact_data(full_name="", email="not-an-address", owner=owner.pk),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "full_name": ["This field is required."],
        "email": ["Enter a valid email address."],
    }
    body = _body(response)
    assert "This field is required." in body
    assert "Enter a valid email address." in body
    assert 'aria-invalid="true"' in body
    assert Contact.objects.exists() is False


def test_analysts_and_planners_may_not_create_contacts(client, analyst, planner):
    for user in (analyst, planner):
        client.force_login(user)

        response = client.post(reverse("contacts:create"), _contact_data(owner=user.pk))

        assert response.status_code == 403
    assert Contact.objects.exists() is False


def test_the_owner_edits_a_contact_and_its_sensitivity(client, owner, standard):
    client.force_login(owner)

    response = client.post(
        reverse("contacts:edit", args=[standard.pk]),
        _contact_data(full_name="Anna Renamed", sensitivity="protected", owner=owner.pk),
    )

    assert response.url == reverse("contacts:detail", args=[standard.pk])
    standard.refresh_from_db()
    assert (standard.full_name, standard.sensitivity) == ("Anna Renamed", "protected")


def test_a_teammate_edits_but_cannot_change_owner_or_sensitivity(
    client, owner, teammate, restricted
):
    client.force_login(teammate)

    form = client.get(reverse("contacts:edit", args=[restricted.pk])).context["form"]
    client.post(
        reverse("contacts:edit", args=[restricted.pk]),
        _contact_data(full_name="Rina Renamed", sensitivity="standard", owner=teammate.pk),
    )

    assert form.fields["owner"].disabled is True
    assert form.fields["sensitivity"].disabled is True
    restricted.refresh_from_db()
    assert (restricted.full_name, restricted.sensitivity, restricted.owner) == (
        "Rina Renamed",
        "restricted",
        owner,
    )


def test_invalid_edit_shows_the_messages_and_changes_nothing(client, owner, standard):
    before = Contact.objects.values().get(pk=standard.pk)
    client.force_login(owner)

    response = client.post(
        reverse("contacts:edit", args=[standard.pk]),
        _contact_data(full_name="", layer="nowhere", owner=owner.pk),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "full_name": ["This field is required."],
        "layer": ["Select a valid choice. nowhere is not one of the available choices."],
    }
    assert "<h1>Edit Anna Standardova</h1>" in _body(response)
    assert Contact.objects.values().get(pk=standard.pk) == before


def test_editing_a_contact_the_user_may_not_see_is_404(client, outsider, protected):
    before = Contact.objects.values().get(pk=protected.pk)
    client.force_login(outsider)

    shown = client.get(reverse("contacts:edit", args=[protected.pk]))
    posted = client.post(
        reverse("contacts:edit", args=[protected.pk]),
        _contact_data(full_name="Taken over", owner=outsider.pk),
    )

    assert (shown.status_code, posted.status_code) == (404, 404)
    assert Contact.objects.values().get(pk=protected.pk) == before


def test_the_edit_page_of_a_protected_contact_is_access_logged(client, owner, protected):
    client.force_login(owner)

    client.get(reverse("contacts:edit", args=[protected.pk]))

    assert AccessLog.objects.get().surface == "web"


def test_handing_a_protected_contact_to_another_owner_returns_to_the_list(
    client, owner, grantee, protected
):
    client.force_login(owner)

    response = client.post(
        reverse("contacts:edit", args=[protected.pk]),
        _contact_data(full_name="Pavel Protectedov", sensitivity="protected", owner=grantee.pk),
    )

    assert response.url == reverse("contacts:list")
    protected.refresh_from_db()
    assert protected.owner == grantee
    assert client.get(reverse("contacts:detail", args=[protected.pk])).status_code == 404


# Delete


def test_delete_asks_first_and_a_get_changes_nothing(client, owner, standard):
    client.force_login(owner)

    response = client.get(reverse("contacts:delete", args=[standard.pk]))

    assert response.status_code == 200
    body = _body(response)
    assert "<h1>Delete Anna Standardova?</h1>" in body
    assert '<form method="post"' in body
    assert Contact.objects.filter(pk=standard.pk).exists() is True


def test_the_owner_deletes_a_contact_with_a_post(client, owner, standard):
    client.force_login(owner)

    response = client.post(reverse("contacts:delete", args=[standard.pk]))

    assert response.url == reverse("contacts:list")
    assert Contact.objects.filter(pk=standard.pk).exists() is False
    assert _messages(response) == ["Anna Standardova was deleted."]


def test_a_user_who_sees_but_does_not_own_a_contact_may_not_delete_it(client, teammate, standard):
    client.force_login(teammate)

    shown = client.get(reverse("contacts:delete", args=[standard.pk]))
    posted = client.post(reverse("contacts:delete", args=[standard.pk]))

    assert (shown.status_code, posted.status_code) == (403, 403)
    assert Contact.objects.filter(pk=standard.pk).exists() is True


def test_deleting_a_contact_the_user_may_not_see_is_404(client, outsider, protected):
    client.force_login(outsider)

    shown = client.get(reverse("contacts:delete", args=[protected.pk]))
    posted = client.post(reverse("contacts:delete", args=[protected.pk]))

    assert (shown.status_code, posted.status_code) == (404, 404)
    assert Contact.objects.filter(pk=protected.pk).exists() is True


# Logging an exchange


def _exchange_data(contacts, **overrides):
    data = {
        "contacts": [contact.pk for contact in contacts],
        # A user without a profile types times in UTC (settings.TIME_ZONE).
        "occurred_at": timezone.now().astimezone(UTC).strftime(DATETIME_LOCAL),
        "kind": "call",
        "summary": "Talked about the summer school.",
        "notes": "",
        "follow_up_on": "",
    }
    return {**data, **overrides}


def test_the_exchange_form_offers_only_visible_contacts_and_prefills_one(
    client, outsider, standard, protected
):
    client.force_login(outsider)

    response = client.get(reverse("contacts:exchange_new"), {"contact": standard.pk})

    form = response.context["form"]
    assert list(form.fields["contacts"].queryset) == [standard]
    assert form["contacts"].value() == [str(standard.pk)]
    body = _body(response)
    assert f'<option value="{standard.pk}" selected>Anna Standardova</option>' in body
    assert "Pavel Protectedov" not in body


def test_the_exchange_time_defaults_to_now_in_the_users_zone(client, owner):
    OfficerProfile.objects.create(user=owner, timezone="Asia/Jerusalem")
    with time_machine.travel(dt.datetime(2025, 3, 3, 9, 0, 42, tzinfo=UTC), tick=False):
        client.force_login(owner)

        response = client.get(reverse("contacts:exchange_new"))

    assert 'name="occurred_at" value="2025-03-03T11:00"' in _body(response)


def test_logging_an_exchange_resolves_the_reminder_and_returns_to_the_contact(
    client, owner, standard
):
    reminder = factories.ReminderFactory(channel=_overdue_channel(owner, standard))
    client.force_login(owner)

    response = client.post(reverse("contacts:exchange_new"), _exchange_data([standard]))

    assert response.status_code == 302
    assert response.url == reverse("contacts:detail", args=[standard.pk])
    exchange = Exchange.objects.get()
    assert list(exchange.contacts.all()) == [standard]
    assert list(exchange.officers.all()) == [owner]
    assert (exchange.kind, exchange.summary, exchange.created_by) == (
        "call",
        "Talked about the summer school.",
        owner,
    )
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.RESOLVED
    assert _messages(response) == ["Exchange with Anna Standardova logged."]
    assert Channel.objects.with_due(timezone.now()).get().overdue is False


def test_an_exchange_names_the_other_officers_present_and_its_topics(
    client, owner, teammate, standard
):
    mine = factories.ChannelFactory(officer=owner, contact=standard)
    theirs = factories.ChannelFactory(officer=teammate, contact=standard)
    client.force_login(owner)

    response = client.post(
        reverse("contacts:exchange_new"),
        {
            **_exchange_data([standard]),
            "other_officers": [teammate.pk],
            "topics": " water, student exchange ,, water ",
        },
    )

    assert response.status_code == 302
    exchange = Exchange.objects.get()
    assert set(exchange.officers.all()) == {owner, teammate}
    assert exchange.topics == ["water", "student exchange"]
    for channel in (mine, theirs):
        channel.refresh_from_db()
        assert channel.last_touch_at == exchange.occurred_at


def test_too_long_a_topic_is_a_form_error_and_logs_nothing(client, owner, standard):
    client.force_login(owner)

    response = client.post(
        reverse("contacts:exchange_new"), {**_exchange_data([standard]), "topics": "x" * 101}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"topics": ["A topic has at most 100 characters."]}
    assert Exchange.objects.exists() is False


def test_logging_an_exchange_returns_to_a_local_next_only(client, owner, standard):
    client.force_login(owner)

    local = client.post(reverse("contacts:exchange_new") + "?next=/", _exchange_data([standard]))
    foreign = client.post(
        reverse("contacts:exchange_new") + "?next=https://evil.example/",
        _exchange_data([standard]),
    )

    assert local.url == "/"
    assert foreign.url == reverse("contacts:detail", args=[standard.pk])


def test_invalid_exchange_input_shows_the_messages_and_logs_nothing(client, owner, standard):
    reminder = factories.ReminderFactory(channel=_overdue_channel(owner, standard))
    client.force_login(owner)

    response = client.post(
        reverse("contacts:exchange_new"), _exchange_data([standard], summary="", kind="fax")
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "kind": ["Select a valid choice. fax is not one of the available choices."],
        "summary": ["This field is required."],
    }
    assert "This field is required." in _body(response)
    assert Exchange.objects.exists() is False
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.OPEN


def test_an_exchange_in_the_future_is_refused_on_the_form(client, owner, standard):
    client.force_login(owner)
    tomorrow = (timezone.now() + dt.timedelta(days=1)).astimezone(UTC)

    response = client.post(
        reverse("contacts:exchange_new"),
        _exchange_data([standard], occurred_at=tomorrow.strftime(DATETIME_LOCAL)),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "occurred_at": ["An exchange cannot be logged in the future."]
    }
    assert Exchange.objects.exists() is False


def test_an_exchange_naming_a_hidden_contact_is_refused(client, outsider, standard, protected):
    client.force_login(outsider)

    response = client.post(reverse("contacts:exchange_new"), _exchange_data([standard, protected]))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "contacts": [f"Select a valid choice. {protected.pk} is not one of the available choices."]
    }
    assert "Pavel Protectedov" not in _body(response)
    assert Exchange.objects.exists() is False


# Reminder actions


def test_an_htmx_snooze_answers_the_updated_row(client, owner, standard):
    reminder = factories.ReminderFactory(channel=_overdue_channel(owner, standard))
    client.force_login(owner)
    before = timezone.now()

    response = client.post(
        reverse("contacts:reminder_snooze", args=[reminder.pk]), {"days": "1"}, **HTMX
    )

    assert response.status_code == 200
    assert [template.name for template in response.templates] == ["contacts/_reminder_row.html"]
    body = _body(response).strip()
    assert body.startswith(f'<li id="reminder-{reminder.pk}"')
    assert "Anna Standardova" in body
    assert "snoozed until" in body
    assert body.count('<input type="hidden" name="next" value="/">') == 2
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SNOOZED
    assert before + dt.timedelta(days=1) <= reminder.snoozed_until
    assert reminder.snoozed_until <= timezone.now() + dt.timedelta(days=1)


def test_snoozing_until_a_time_reads_it_in_the_users_zone(client, owner, standard):
    OfficerProfile.objects.create(user=owner, timezone="Asia/Jerusalem")
    reminder = factories.ReminderFactory(channel=_overdue_channel(owner, standard))
    client.force_login(owner)

    client.post(
        reverse("contacts:reminder_snooze", args=[reminder.pk]),
        {"until": "2099-01-01T10:00"},
        **HTMX,
    )

    reminder.refresh_from_db()
    assert reminder.snoozed_until == dt.datetime(2099, 1, 1, 8, 0, tzinfo=UTC)


def test_snoozing_into_the_past_answers_the_row_with_the_error(client, owner, standard):
    reminder = factories.ReminderFactory(channel=_overdue_channel(owner, standard))
    client.force_login(owner)

    response = client.post(
        reverse("contacts:reminder_snooze", args=[reminder.pk]),
        {"until": "2001-01-01T10:00"},
        **HTMX,
    )

    assert response.status_code == 200
    assert "Snooze until a time in the future." in _body(response)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.snoozed_until) == (Reminder.Status.OPEN, None)


def test_a_snooze_without_htmx_redirects_back_to_next(client, owner, standard):
    reminder = factories.ReminderFactory(channel=_overdue_channel(owner, standard))
    client.force_login(owner)

    response = client.post(
        reverse("contacts:reminder_snooze", args=[reminder.pk]), {"days": "7", "next": "/"}
    )

    assert (response.status_code, response.url) == (302, "/")
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SNOOZED
    assert _messages(response) == ["Reminder snoozed."]


def test_an_htmx_dismiss_answers_an_empty_200_and_restarts_the_count(client, owner, standard):
    channel = _overdue_channel(owner, standard)
    reminder = factories.ReminderFactory(channel=channel)
    client.force_login(owner)

    response = client.post(reverse("contacts:reminder_dismiss", args=[reminder.pk]), **HTMX)

    assert (response.status_code, response.content) == (200, b"")
    reminder.refresh_from_db()
    channel.refresh_from_db()
    assert reminder.status == Reminder.Status.DISMISSED
    assert channel.count_restarted_at == reminder.closed_at


def test_a_dismiss_without_htmx_redirects_and_an_unsafe_next_goes_home(client, owner, standard):
    reminder = factories.ReminderFactory(channel=_overdue_channel(owner, standard))
    client.force_login(owner)

    response = client.post(
        reverse("contacts:reminder_dismiss", args=[reminder.pk]),
        {"next": "//evil.example/"},
    )

    assert (response.status_code, response.url) == (302, "/")
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.DISMISSED


def test_dismissing_a_closed_reminder_answers_the_row_with_the_error(client, owner, standard):
    reminder = factories.ReminderFactory(
        channel=_overdue_channel(owner, standard), status=Reminder.Status.RESOLVED
    )
    client.force_login(owner)

    response = client.post(reverse("contacts:reminder_dismiss", args=[reminder.pk]), **HTMX)

    assert response.status_code == 200
    assert "Only an open or snoozed reminder can be dismissed." in _body(response)
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.RESOLVED


@pytest.mark.parametrize("persona", ["teammate", "lead", "outsider"])
def test_someone_elses_reminder_is_404_and_unchanged(client, request, owner, standard, persona):
    reminder = factories.ReminderFactory(channel=_overdue_channel(owner, standard))
    client.force_login(request.getfixturevalue(persona))

    snoozed = client.post(
        reverse("contacts:reminder_snooze", args=[reminder.pk]), {"days": "1"}, **HTMX
    )
    dismissed = client.post(reverse("contacts:reminder_dismiss", args=[reminder.pk]), **HTMX)

    assert (snoozed.status_code, dismissed.status_code) == (404, 404)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.snoozed_until) == (Reminder.Status.OPEN, None)


def test_a_reminder_about_a_contact_no_longer_visible_is_404(client, owner, teammate, protected):
    # A channel kept with a protected contact the officer may not see (a revoked grant).
    reminder = factories.ReminderFactory(
        channel=factories.ChannelFactory(officer=teammate, contact=protected)
    )
    client.force_login(teammate)

    response = client.post(reverse("contacts:reminder_dismiss", args=[reminder.pk]), **HTMX)

    assert response.status_code == 404
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.OPEN


def test_the_row_names_the_exchange_or_the_event_of_a_reminder(client, owner, standard):
    exchange = factories.ExchangeFactory(
        contacts=[standard], officers=[owner], summary="Promised to send the report."
    )
    follow_up = factories.ReminderFactory(
        kind=Reminder.Kind.FOLLOW_UP, channel=None, exchange=exchange, recipient=owner
    )
    event = factories.EventFactory(title="Media Breakfast")
    rsvp_chase = factories.ReminderFactory(
        kind=Reminder.Kind.RSVP_CHASE, channel=None, recipient=owner
    )
    EventReminder.objects.create(
        reminder=rsvp_chase, event=event, kind=rsvp_chase.kind, recipient=owner
    )
    client.force_login(owner)

    answers = [
        client.post(reverse("contacts:reminder_snooze", args=[reminder.pk]), {"days": "3"}, **HTMX)
        for reminder in (follow_up, rsvp_chase)
    ]

    assert "Follow-up" in _body(answers[0])
    assert "Promised to send the report." in _body(answers[0])
    assert "RSVP chase" in _body(answers[1])
    assert "Media Breakfast" in _body(answers[1])


# Organizations


def test_the_organization_list_searches_and_filters(client, owner):
    university = factories.OrganizationFactory(
        name="Hebrew University", kind=Organization.Kind.UNIVERSITY, country="IL"
    )
    outlet = factories.OrganizationFactory(
        name="Novaya Gazeta Europe", native_name="Новая газета", kind="media_outlet", country="LV"
    )
    client.force_login(owner)

    def found(**query):
        response = client.get(reverse("contacts:organization_list"), query)
        return [organization.pk for organization in response.context["page"].object_list]

    assert found() == [university.pk, outlet.pk]
    assert found(q="газета") == [outlet.pk]
    assert found(kind="university") == [university.pk]
    assert found(country="LV") == [outlet.pk]
    assert found(q="gazeta", kind="university") == []


def test_an_empty_organization_search_says_so(client, owner):
    factories.OrganizationFactory(name="Hebrew University")
    client.force_login(owner)

    response = client.get(reverse("contacts:organization_list"), {"q": "Sorbonne"})

    assert "No organizations match these filters." in _body(response)


def test_the_organization_page_shows_visible_people_events_and_programmes_only(
    client, outsider, owner, standard, protected
):
    organization = factories.OrganizationFactory(name="Institute of Oriental Studies")
    for contact in (standard, protected):
        contact.organization = organization
        contact.save()
        factories.AffiliationFactory(contact=contact, organization=organization)
    factories.EventFactory(title="Poetry Round-table", host_organization=organization)
    programme = factories.ProgrammeFactory(title="Manuscript Exchange")
    programme.partners.add(organization)
    client.force_login(outsider)

    response = client.get(reverse("contacts:organization_detail", args=[organization.pk]))

    assert response.status_code == 200
    assert list(response.context["people"]) == [standard]
    assert [a.contact for a in response.context["affiliations"]] == [standard]
    body = _body(response)
    assert "Anna Standardova" in body
    assert "Pavel Protectedov" not in body
    assert "Павел" not in body
    assert "Poetry Round-table" in body
    assert "Manuscript Exchange" in body
    client.force_login(owner)
    owners_view = client.get(reverse("contacts:organization_detail", args=[organization.pk]))
    assert list(owners_view.context["people"]) == [standard, protected]


# Organizations: added and edited by officers, planners, leads and admins


ORGANIZATION = {
    "name": "Hebrew University",
    "native_name": "האוניברסיטה העברית",
    "kind": "university",
    "country": "IL",
    "city": "Jerusalem",
    "website": "https://www.huji.ac.il",
    "description": "Joint summer school since 2019.",
}


def test_an_officer_adds_an_organization(client, owner):
    client.force_login(owner)

    response = client.post(reverse("contacts:organization_create"), ORGANIZATION)

    organization = Organization.objects.get(name="Hebrew University")
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:organization_detail", args=[organization.pk])
    assert (organization.native_name, organization.kind, organization.city) == (
        "האוניברסיטה העברית",
        "university",
        "Jerusalem",
    )


def test_the_same_name_in_the_same_country_is_refused_and_nothing_is_saved(client, owner):
    factories.OrganizationFactory(name="Hebrew University", country="IL")
    client.force_login(owner)

    response = client.post(
        reverse("contacts:organization_create"), {**ORGANIZATION, "website": "not a link"}
    )

    assert response.status_code == 200
    assert "nothing was saved" in response.content.decode()
    assert set(response.context["form"].errors) == {"__all__", "website"}
    assert Organization.objects.filter(name="Hebrew University").count() == 1


def test_a_planner_edits_an_organization(client, planner):
    organization = factories.OrganizationFactory(name="Old name", country="IL")
    client.force_login(planner)

    page = client.get(reverse("contacts:organization_edit", args=[organization.pk]))
    response = client.post(
        reverse("contacts:organization_edit", args=[organization.pk]),
        {**ORGANIZATION, "name": "New name"},
    )

    assert page.status_code == 200
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.name == "New name"


def test_an_analyst_reads_organizations_but_changes_none(client, analyst):
    organization = factories.OrganizationFactory(name="Kept", country="IL")
    client.force_login(analyst)

    listing = client.get(reverse("contacts:organization_list"))
    detail = client.get(reverse("contacts:organization_detail", args=[organization.pk]))
    create = client.post(reverse("contacts:organization_create"), ORGANIZATION)
    edit = client.post(
        reverse("contacts:organization_edit", args=[organization.pk]),
        {**ORGANIZATION, "name": "Changed"},
    )

    assert (listing.status_code, detail.status_code) == (200, 200)
    assert "New organization" not in listing.content.decode()
    assert reverse("contacts:organization_edit", args=[organization.pk]) not in (
        detail.content.decode()
    )
    assert (create.status_code, edit.status_code) == (403, 403)
    organization.refresh_from_db()
    assert organization.name == "Kept"
    assert not Organization.objects.filter(name="Hebrew University").exists()


# Editing and deleting an exchange: its author and officers


def _logged(owner, contacts, days_ago):
    exchange = factories.ExchangeFactory(
        occurred_at=timezone.now() - dt.timedelta(days=days_ago),
        contacts=contacts,
        officers=[owner],
        created_by=owner,
        summary="First version.",
    )
    services.record_touches(
        contact_ids=[contact.pk for contact in contacts], officer_ids=[owner.pk], now=timezone.now()
    )
    return exchange


def test_an_officer_edits_their_exchange_and_the_touches_follow(client, owner, teammate, standard):
    channel = factories.ChannelFactory(officer=owner, contact=standard)
    theirs = factories.ChannelFactory(officer=teammate, contact=standard)
    exchange = _logged(owner, [standard], days_ago=1)
    client.force_login(owner)
    url = reverse("contacts:exchange_edit", args=[exchange.pk])

    page = client.get(url)
    response = client.post(
        url,
        {
            **_exchange_data(
                [standard],
                occurred_at=(timezone.now() - dt.timedelta(days=3))
                .astimezone(UTC)
                .strftime(DATETIME_LOCAL),
                summary="Second version.",
                topics="water",
            ),
            "officers": [teammate.pk],
        },
    )

    assert page.status_code == 200
    assert page.context["form"].initial["summary"] == "First version."
    assert response.status_code == 302
    assert response.url == reverse("contacts:detail", args=[standard.pk])
    exchange.refresh_from_db()
    assert (exchange.summary, exchange.topics) == ("Second version.", ["water"])
    assert list(exchange.officers.all()) == [teammate]
    channel.refresh_from_db()
    theirs.refresh_from_db()
    assert channel.last_touch_at is None  # the owner is no longer named
    assert theirs.last_touch_at == exchange.occurred_at


def test_a_bad_edit_is_a_form_error_and_changes_nothing(client, owner, standard):
    exchange = _logged(owner, [standard], days_ago=1)
    client.force_login(owner)
    tomorrow = (timezone.now() + dt.timedelta(days=1)).astimezone(UTC).strftime(DATETIME_LOCAL)

    response = client.post(
        reverse("contacts:exchange_edit", args=[exchange.pk]),
        {**_exchange_data([standard], occurred_at=tomorrow), "officers": [owner.pk]},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "occurred_at": ["An exchange cannot be logged in the future."]
    }
    exchange.refresh_from_db()
    assert exchange.summary == "First version."


def test_deleting_an_exchange_asks_first_then_recounts_the_touch(client, owner, standard):
    channel = factories.ChannelFactory(officer=owner, contact=standard)
    earlier = _logged(owner, [standard], days_ago=10)
    latest = _logged(owner, [standard], days_ago=1)
    client.force_login(owner)
    url = reverse("contacts:exchange_delete", args=[latest.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert Exchange.objects.filter(pk=latest.pk).exists()

    response = client.post(url)

    assert response.status_code == 302
    assert not Exchange.objects.filter(pk=latest.pk).exists()
    channel.refresh_from_db()
    assert channel.last_touch_at == earlier.occurred_at


def test_only_the_author_and_officers_change_an_exchange(client, owner, teammate, standard):
    exchange = _logged(owner, [standard], days_ago=1)
    client.force_login(teammate)

    page = client.get(reverse("contacts:detail", args=[standard.pk]))
    edit = client.post(
        reverse("contacts:exchange_edit", args=[exchange.pk]),
        {**_exchange_data([standard]), "officers": [teammate.pk]},
    )
    delete = client.post(reverse("contacts:exchange_delete", args=[exchange.pk]))

    assert reverse("contacts:exchange_edit", args=[exchange.pk]) not in _body(page)
    assert (edit.status_code, delete.status_code) == (403, 403)
    exchange.refresh_from_db()
    assert exchange.summary == "First version."


def test_an_exchange_naming_a_hidden_contact_is_not_found_to_edit(
    client, owner, outsider, standard, protected
):
    exchange = _logged(owner, [standard, protected], days_ago=1)
    exchange.officers.add(outsider)
    client.force_login(outsider)

    edit = client.get(reverse("contacts:exchange_edit", args=[exchange.pk]))
    delete = client.post(reverse("contacts:exchange_delete", args=[exchange.pk]))

    assert (edit.status_code, delete.status_code) == (404, 404)
    assert Exchange.objects.filter(pk=exchange.pk).exists()


def test_an_organization_nothing_names_is_deleted_after_a_confirmation(client, owner):
    organization = factories.OrganizationFactory(name="Duplicate", country="IL")
    client.force_login(owner)
    url = reverse("contacts:organization_delete", args=[organization.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert Organization.objects.filter(pk=organization.pk).exists()

    response = client.post(url)

    assert response.status_code == 302
    assert not Organization.objects.filter(pk=organization.pk).exists()


def test_an_organization_a_hidden_contact_names_is_kept(client, outsider, protected):
    # The outsider may not see the protected contact: deleting its organization would
    # change it, so the web app keeps the organization (and says so without naming it).
    organization = factories.OrganizationFactory(name="Kept", country="IL")
    protected.organization = organization
    protected.save()
    client.force_login(outsider)

    response = client.post(reverse("contacts:organization_delete", args=[organization.pk]))

    assert response.status_code == 409
    assert "is kept" in _body(response)
    assert protected.full_name not in _body(response)
    protected.refresh_from_db()
    assert protected.organization == organization


def test_a_planner_named_on_an_exchange_still_may_not_change_it(client, owner, planner, standard):
    # The same roles as the API's exchanges/: officers, leads and admins write.
    exchange = _logged(owner, [standard], days_ago=1)
    exchange.officers.add(planner)
    client.force_login(planner)

    edit = client.get(reverse("contacts:exchange_edit", args=[exchange.pk]))
    delete = client.post(reverse("contacts:exchange_delete", args=[exchange.pk]))

    assert (edit.status_code, delete.status_code) == (403, 403)
    assert Exchange.objects.filter(pk=exchange.pk).exists()
