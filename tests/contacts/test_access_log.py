"""The access log: every admin view of a protected contact, and every web page that lists
one (contacts, search, organization, guest lists, check-in, programmes, Today, a contact's
exchange timeline, the contact pickers), is recorded once per response; the log itself is
read-only and scoped like the contacts it names."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from contacts.models import AccessLog, Contact, Sensitivity
from tests import factories

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def _make_staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def _page(name, contact):
    """The change page, the history page, or the page of the contact's first version."""
    if name == "version":
        version = contact.history.earliest()
        return reverse("admin:contacts_contact_simple_history", args=[contact.pk, version.pk])
    return reverse(f"admin:contacts_contact_{name}", args=[contact.pk])


def _log():
    return list(AccessLog.objects.order_by("pk").values_list("user", "contact", "surface"))


@pytest.fixture
def protected(owner):
    return factories.ContactFactory(
        full_name="Olga Protected", owner=owner, sensitivity=Sensitivity.PROTECTED
    )


# Views of a protected contact are recorded, one row per page.


@pytest.mark.parametrize("page", ["change", "history", "version"])
@pytest.mark.parametrize("persona", ["admin_user", "owner"])
def test_viewing_a_protected_contact_writes_one_log_row(client, request, protected, page, persona):
    user = _make_staff(request.getfixturevalue(persona))
    client.force_login(user)

    with time_machine.travel(NOW, tick=False):
        response = client.get(_page(page, protected))

    assert response.status_code == 200
    assert "Olga Protected" in response.content.decode()
    entry = AccessLog.objects.get()
    assert (entry.user, entry.contact, entry.surface, entry.viewed_at) == (
        user,
        protected,
        AccessLog.Surface.ADMIN,
        NOW,
    )


def test_each_view_writes_its_own_row(client, owner, protected):
    client.force_login(_make_staff(owner))

    client.get(_page("change", protected))
    client.get(_page("history", protected))
    client.get(_page("version", protected))
    client.get(_page("change", protected))

    assert _log() == [(owner.pk, protected.pk, "admin")] * 4


def test_a_grantee_view_is_recorded_under_the_grantee(client, owner, grantee, protected):
    factories.GrantFactory(contact=protected, user=grantee, granted_by=owner)
    client.force_login(_make_staff(grantee))

    response = client.get(_page("change", protected))

    assert response.status_code == 200
    assert _log() == [(grantee.pk, protected.pk, "admin")]


@pytest.mark.parametrize("sensitivity", [Sensitivity.STANDARD, Sensitivity.RESTRICTED])
@pytest.mark.parametrize("page", ["change", "history", "version"])
def test_viewing_a_standard_or_restricted_contact_writes_nothing(
    client, admin_user, owner, sensitivity, page
):
    contact = factories.ContactFactory(full_name="Rina", owner=owner, sensitivity=sensitivity)
    client.force_login(admin_user)

    response = client.get(_page(page, contact))

    assert response.status_code == 200
    assert AccessLog.objects.exists() is False


@pytest.mark.parametrize("persona", ["teammate", "outsider"])
def test_a_user_who_cannot_see_the_contact_gets_no_page_and_no_log_row(
    client, request, protected, persona
):
    client.force_login(_make_staff(request.getfixturevalue(persona)))

    change = client.get(_page("change", protected))
    history = client.get(_page("history", protected))
    version = client.get(_page("version", protected))

    assert (change.status_code, change.url) == (302, reverse("admin:index"))
    assert (history.status_code, version.status_code) == (404, 404)
    assert "Olga Protected" not in history.content.decode()
    assert "Olga Protected" not in version.content.decode()
    assert AccessLog.objects.exists() is False


# The log is written by the application only.


@pytest.fixture
def entry(owner, protected):
    [row] = AccessLog.objects.record(
        user=owner, contacts=[protected], surface=AccessLog.Surface.WEB, now=NOW
    )
    return row


def _unchanged(entry, owner, protected):
    assert AccessLog.objects.count() == 1
    entry.refresh_from_db()
    assert (entry.user, entry.contact, entry.surface, entry.viewed_at) == (
        owner,
        protected,
        AccessLog.Surface.WEB,
        NOW,
    )


def test_superuser_cannot_add_an_access_log_row(client, admin_user, owner, protected, entry):
    client.force_login(admin_user)
    url = reverse("admin:contacts_accesslog_add")

    page = client.get(url)
    post = client.post(
        url,
        {
            "user": admin_user.pk,
            "contact": protected.pk,
            "surface": "admin",
            "viewed_at_0": "2026-03-01",
            "viewed_at_1": "10:00:00",
        },
    )

    assert (page.status_code, post.status_code) == (403, 403)
    _unchanged(entry, owner, protected)


def test_superuser_sees_an_access_log_row_read_only_and_cannot_change_it(
    client, admin_user, owner, protected, entry
):
    client.force_login(admin_user)
    url = reverse("admin:contacts_accesslog_change", args=[entry.pk])

    page = client.get(url)
    post = client.post(
        url,
        {
            "user": admin_user.pk,
            "contact": protected.pk,
            "surface": "admin",
            "viewed_at_0": "2026-03-01",
            "viewed_at_1": "10:00:00",
        },
    )

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert post.status_code == 403
    _unchanged(entry, owner, protected)


def test_superuser_cannot_delete_an_access_log_row(client, admin_user, owner, protected, entry):
    client.force_login(admin_user)
    url = reverse("admin:contacts_accesslog_delete", args=[entry.pk])

    page = client.get(url)
    post = client.post(url, {"post": "yes"})
    bulk = client.post(
        reverse("admin:contacts_accesslog_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert (page.status_code, post.status_code) == (403, 403)
    # The changelist offers no actions at all, so a bulk delete is not even read.
    assert bulk.status_code == 200
    assert bulk.context["action_form"] is None
    _unchanged(entry, owner, protected)


# Reading the log: leads, for the contacts they may see; not officers.


def test_lead_reads_the_log_of_contacts_they_may_see_only(client, owner, lead):
    shared = factories.ContactFactory(
        full_name="Sara Shared", owner=owner, sensitivity=Sensitivity.PROTECTED
    )
    secret = factories.ContactFactory(
        full_name="Sami Secret", owner=owner, sensitivity=Sensitivity.PROTECTED
    )
    factories.GrantFactory(contact=shared, user=lead, granted_by=owner)
    AccessLog.objects.record(
        user=owner, contacts=[shared, secret], surface=AccessLog.Surface.WEB, now=NOW
    )
    client.force_login(_make_staff(lead))

    response = client.get(reverse("admin:contacts_accesslog_changelist"))

    assert response.status_code == 200
    assert [(row.user, row.contact) for row in response.context["cl"].result_list] == [
        (owner, shared)
    ]
    content = response.content.decode()
    assert "Sara Shared" in content
    assert "Sami Secret" not in content
    # Reading the log is not itself a view of the contact.
    assert AccessLog.objects.count() == 2


def test_lead_cannot_open_the_log_row_of_a_contact_they_may_not_see(client, owner, lead):
    secret = factories.ContactFactory(
        full_name="Sami Secret", owner=owner, sensitivity=Sensitivity.PROTECTED
    )
    [row] = AccessLog.objects.record(
        user=owner, contacts=[secret], surface=AccessLog.Surface.WEB, now=NOW
    )
    client.force_login(_make_staff(lead))

    response = client.get(reverse("admin:contacts_accesslog_change", args=[row.pk]))

    assert (response.status_code, response.url) == (302, reverse("admin:index"))
    assert "Sami Secret" not in client.get(response.url).content.decode()


def test_officer_without_the_lead_role_gets_403_on_the_log(client, owner, entry):
    client.force_login(_make_staff(owner))

    response = client.get(reverse("admin:contacts_accesslog_changelist"))

    assert response.status_code == 403
    assert AccessLog.objects.count() == 1


# Web pages that list contacts: one row per protected contact shown, per response.

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def institute():
    return factories.OrganizationFactory(name="Hebrew University")


@pytest.fixture
def listed(owner, grantee, protected, institute):
    """The protected contact (granted to the grantee) and a standard one, both at the
    institute, each with an affiliation there too."""
    factories.GrantFactory(contact=protected, user=grantee, granted_by=owner)
    standard = factories.ContactFactory(full_name="Sima Standard", owner=owner)
    for contact in (protected, standard):
        contact.organization = institute
        contact.save(update_fields=["organization"])
        factories.AffiliationFactory(contact=contact, organization=institute)
    return [protected, standard]


def _contact_list_urls(institute):
    return {
        "list": (reverse("contacts:list"), {}),
        "search": (reverse("contacts:list") + "?q=olga", {}),
        "search partial": (reverse("contacts:list") + "?q=olga", HTMX),
        "organization": (reverse("contacts:organization_detail", args=[institute.pk]), {}),
    }


@pytest.mark.parametrize("surface", ["list", "search", "search partial", "organization"])
@pytest.mark.parametrize("persona", ["owner", "grantee", "admin_user"])
def test_a_contact_listing_page_logs_each_protected_contact_it_shows_once(
    client, request, listed, institute, persona, surface
):
    user = request.getfixturevalue(persona)
    protected = listed[0]
    url, headers = _contact_list_urls(institute)[surface]
    client.force_login(user)

    response = client.get(url, **headers)

    assert response.status_code == 200
    assert "Olga Protected" in response.content.decode()
    assert _log() == [(user.pk, protected.pk, "web")]


@pytest.mark.parametrize("surface", ["list", "search", "search partial", "organization"])
@pytest.mark.parametrize("persona", ["teammate", "outsider"])
def test_a_contact_listing_page_that_shows_no_protected_contact_logs_nothing(
    client, request, listed, institute, persona, surface
):
    url, headers = _contact_list_urls(institute)[surface]
    client.force_login(request.getfixturevalue(persona))

    response = client.get(url, **headers)

    assert response.status_code == 200
    assert "Olga Protected" not in response.content.decode()
    assert AccessLog.objects.exists() is False


def test_a_contact_list_logs_only_the_protected_contacts_on_the_page_shown(
    client, owner, protected
):
    later = [
        factories.ContactFactory(
            full_name=f"Zeev Protected {number:02}", owner=owner, sensitivity="protected"
        )
        for number in range(25)
    ]
    client.force_login(owner)

    first = client.get(reverse("contacts:list") + "?sort=name")
    second = client.get(reverse("contacts:list") + "?sort=name&page=2")

    assert (first.status_code, second.status_code) == (200, 200)
    assert _log() == [
        *[(owner.pk, contact.pk, "web") for contact in [protected, *later[:24]]],
        (owner.pk, later[24].pk, "web"),
    ]


# Guest lists, check-in and programme participants.


@pytest.fixture
def guest_event(planner, owner, grantee, protected):
    """An event far ahead with the protected contact (granted to the grantee and the
    planner) and a standard contact invited."""
    factories.GrantFactory(contact=protected, user=grantee, granted_by=owner)
    factories.GrantFactory(contact=protected, user=planner, granted_by=owner)
    event = factories.EventFactory(
        starts_at=dt.datetime(2099, 6, 1, 16, 0, tzinfo=dt.UTC), planners=[planner]
    )
    factories.InvitationFactory(event=event, contact=protected, status="waitlisted")
    factories.InvitationFactory(event=event, contact=factories.ContactFactory(full_name="Sima"))
    return event


@pytest.mark.parametrize("persona", ["grantee", "planner", "owner"])
def test_an_event_guest_list_logs_each_protected_guest_it_shows_once(
    client, request, guest_event, protected, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(reverse("events:detail", args=[guest_event.pk]))

    assert response.status_code == 200
    assert response.content.decode().count("Olga Protected") >= 2  # guest and waiting lists
    assert _log() == [(user.pk, protected.pk, "web")]


@pytest.mark.parametrize("persona", ["teammate", "outsider"])
def test_an_event_guest_list_without_a_visible_protected_guest_logs_nothing(
    client, request, guest_event, persona
):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("events:detail", args=[guest_event.pk]))

    assert response.status_code == 200
    assert "Olga Protected" not in response.content.decode()
    assert AccessLog.objects.exists() is False


def test_the_check_in_page_logs_each_protected_guest_it_shows(
    client, planner, guest_event, protected
):
    protected.invitations.update(status="accepted")
    client.force_login(planner)

    response = client.get(reverse("events:checkin", args=[guest_event.pk]))

    assert response.status_code == 200
    assert "Olga Protected" in response.content.decode()
    assert _log() == [(planner.pk, protected.pk, "web")]


def test_a_check_in_row_returned_to_htmx_logs_its_protected_guest(client, planner, protected):
    factories.GrantFactory(contact=protected, user=planner)
    event = factories.EventFactory(
        starts_at=dt.datetime(2020, 6, 1, 16, 0, tzinfo=dt.UTC), planners=[planner]
    )
    invitation = factories.InvitationFactory(event=event, contact=protected, status="accepted")
    client.force_login(planner)

    response = client.post(
        reverse("events:invitation_checkin", args=[invitation.pk]),
        {"attended": "0"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "Olga Protected" in response.content.decode()
    assert _log() == [(planner.pk, protected.pk, "web")]


def test_an_invitation_report_logs_each_protected_contact_it_names(
    client, planner, owner, protected
):
    factories.GrantFactory(contact=protected, user=planner, granted_by=owner)
    event = factories.EventFactory(
        starts_at=dt.datetime(2099, 6, 1, 16, 0, tzinfo=dt.UTC), planners=[planner]
    )
    client.force_login(planner)

    response = client.post(
        reverse("events:invite", args=[event.pk]),
        {"mode": "one", "one-contact": protected.pk, "one-role": "guest"},
    )

    assert response.status_code == 200
    assert '<ul class="invited"><li>Olga Protected</li></ul>' in response.content.decode()
    assert _log() == [(planner.pk, protected.pk, "web")]


@pytest.mark.parametrize(("persona", "logged"), [("grantee", True), ("outsider", False)])
def test_a_programme_page_logs_each_protected_participant_it_shows(
    client, request, owner, grantee, protected, persona, logged
):
    factories.GrantFactory(contact=protected, user=grantee, granted_by=owner)
    programme = factories.ProgrammeFactory()
    programme.participants.add(protected, factories.ContactFactory(full_name="Sima"))
    user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(reverse("events:programme_detail", args=[programme.pk]))

    assert response.status_code == 200
    assert ("Olga Protected" in response.content.decode()) is logged
    assert _log() == ([(user.pk, protected.pk, "web")] if logged else [])


# Today, the contact page's timeline and the contact pickers.

DAY = dt.timedelta(days=1)


@pytest.fixture
def held_by(request, owner, protected):
    """The persona named by the test, holding an overdue channel with the protected contact
    (granted to them, unless they own it), its open channel_due reminder (one item on
    Today) and a follow-up of an exchange with them: Today names the contact twice."""
    user = request.getfixturevalue(request.param)
    if user != owner:
        factories.GrantFactory(contact=protected, user=user, granted_by=owner)
    channel = factories.ChannelFactory(
        contact=protected, officer=user, cadence_days=30, created_at=NOW - 40 * DAY
    )
    factories.ReminderFactory(channel=channel, due_at=NOW - 10 * DAY)
    exchange = factories.ExchangeFactory(
        contacts=[protected], officers=[user], occurred_at=NOW - 50 * DAY
    )
    factories.ReminderFactory(
        kind="follow_up", channel=None, exchange=exchange, recipient=user, due_at=NOW - DAY
    )
    return user


@pytest.mark.parametrize("held_by", ["owner", "grantee"], indirect=True)
def test_today_logs_each_protected_contact_it_names_once(client, held_by, protected):
    client.force_login(held_by)

    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("today"))

    assert response.status_code == 200
    assert response.content.decode().count(">Olga Protected</a>") == 2  # channel, follow-up
    assert _log() == [(held_by.pk, protected.pk, "web")]


def test_today_logs_nothing_for_a_channel_whose_contact_is_hidden(client, outsider, protected):
    channel = factories.ChannelFactory(
        contact=protected, officer=outsider, cadence_days=30, created_at=NOW - 40 * DAY
    )
    factories.ReminderFactory(channel=channel, due_at=NOW - 10 * DAY)
    client.force_login(outsider)

    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("today"))

    assert response.status_code == 200
    assert "Olga Protected" not in response.content.decode()
    assert AccessLog.objects.exists() is False


@pytest.fixture
def timeline(owner, grantee, protected):
    """A standard contact whose two exchanges both name the protected contact (granted to
    the grantee) and another protected contact of the owner's."""
    factories.GrantFactory(contact=protected, user=grantee, granted_by=owner)
    standard = factories.ContactFactory(full_name="Sima Standard", owner=owner)
    pavel = factories.ContactFactory(
        full_name="Pavel Protected", owner=owner, sensitivity=Sensitivity.PROTECTED
    )
    factories.ExchangeFactory(contacts=[standard, protected], officers=[owner])
    factories.ExchangeFactory(contacts=[standard, protected, pavel], officers=[owner])
    factories.ExchangeFactory(contacts=[standard], officers=[owner])
    return standard, pavel


def test_the_contact_page_logs_each_protected_contact_its_timeline_names_once(
    client, owner, protected, timeline
):
    standard, pavel = timeline
    client.force_login(owner)

    response = client.get(reverse("contacts:detail", args=[standard.pk]))

    assert response.status_code == 200
    assert response.content.decode().count("Olga Protected") == 2
    assert sorted(_log()) == sorted([(owner.pk, protected.pk, "web"), (owner.pk, pavel.pk, "web")])


@pytest.mark.parametrize("persona", ["grantee", "outsider"])
def test_the_contact_page_logs_no_contact_whose_exchanges_it_does_not_show(
    client, request, protected, timeline, persona
):
    standard, _ = timeline
    user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(reverse("contacts:detail", args=[standard.pk]))

    # The grantee reads the exchange naming Olga only; the outsider reads neither.
    assert response.status_code == 200
    shown = "Olga Protected" in response.content.decode()
    assert "Pavel Protected" not in response.content.decode()
    assert shown is (persona == "grantee")
    assert _log() == ([(user.pk, protected.pk, "web")] if shown else [])


def _exchange_form_urls(owner, protected):
    exchange = factories.ExchangeFactory(
        contacts=[factories.ContactFactory(full_name="Sima Standard"), protected],
        officers=[owner],
    )
    return {
        "new": reverse("contacts:exchange_new"),
        "new, contact chosen": reverse("contacts:exchange_new") + f"?contact={protected.pk}",
        "edit": reverse("contacts:exchange_edit", args=[exchange.pk]),
    }


@pytest.mark.parametrize(
    ("form", "shows_protected"), [("new", False), ("new, contact chosen", True), ("edit", True)]
)
def test_the_exchange_form_logs_each_protected_contact_its_picker_shows_chosen(
    client, owner, protected, form, shows_protected
):
    factories.ContactFactory(
        full_name="Pavel Protected", owner=owner, sensitivity=Sensitivity.PROTECTED
    )
    factories.ContactFactory(full_name="Hidden Protected", sensitivity=Sensitivity.PROTECTED)
    url = _exchange_form_urls(owner, protected)[form]
    client.force_login(owner)

    response = client.get(url)

    assert response.status_code == 200
    assert ("Olga Protected" in response.content.decode()) is shows_protected
    assert "Pavel Protected" not in response.content.decode()
    assert _log() == ([(owner.pk, protected.pk, "web")] if shows_protected else [])


def test_the_contact_picker_logs_each_protected_contact_it_offers(client, owner, protected):
    other = factories.ContactFactory(
        full_name="Pavel Protected", owner=owner, sensitivity=Sensitivity.PROTECTED
    )
    factories.ContactFactory(full_name="Hidden Protected", sensitivity=Sensitivity.PROTECTED)
    factories.ContactFactory(full_name="Sima Standard")
    client.force_login(owner)

    response = client.get(reverse("contacts:pick_contacts"), {"q": "protected"})

    assert [result["label"] for result in response.json()["results"]] == [
        "Olga Protected",
        "Pavel Protected",
    ]
    assert _log() == [(owner.pk, protected.pk, "web"), (owner.pk, other.pk, "web")]


def test_the_exchange_form_of_a_user_who_sees_no_protected_contact_logs_nothing(
    client, teammate, protected
):
    client.force_login(teammate)

    response = client.get(reverse("contacts:exchange_new"))

    assert response.status_code == 200
    assert "Olga Protected" not in response.content.decode()
    assert AccessLog.objects.exists() is False


@pytest.mark.parametrize("granted", [True, False])
def test_the_invite_one_picker_logs_each_protected_contact_it_offers(
    client, planner, owner, protected, granted
):
    if granted:
        factories.GrantFactory(contact=protected, user=planner, granted_by=owner)
    event = factories.EventFactory(
        starts_at=dt.datetime(2099, 6, 1, 16, 0, tzinfo=dt.UTC), planners=[planner]
    )
    client.force_login(planner)

    page = client.get(reverse("events:invite", args=[event.pk]))
    logged_by_the_page = _log()
    offered = client.get(reverse("contacts:pick_contacts"), {"q": "olga"})

    assert page.status_code == 200
    assert "Olga Protected" not in page.content.decode()  # the picker asks as one types
    assert logged_by_the_page == []
    assert ("Olga Protected" in offered.content.decode()) is granted
    assert _log() == ([(planner.pk, protected.pk, "web")] if granted else [])


def test_a_reminder_row_returned_to_htmx_logs_the_protected_contact_it_names(
    client, owner, protected
):
    channel = factories.ChannelFactory(contact=protected, officer=owner)
    reminder = factories.ReminderFactory(channel=channel)
    client.force_login(owner)

    response = client.post(
        reverse("contacts:reminder_snooze", args=[reminder.pk]), {"days": "1"}, **HTMX
    )

    assert response.status_code == 200
    assert "Olga Protected" in response.content.decode()
    assert _log() == [(owner.pk, protected.pk, "web")]


# The delete page shows the contact it asks about.


def test_the_delete_page_of_a_protected_contact_writes_one_log_row(client, owner, protected):
    client.force_login(owner)

    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("contacts:delete", args=[protected.pk]))

    assert response.status_code == 200
    assert "Olga Protected" in response.content.decode()
    entry = AccessLog.objects.get()
    assert (entry.user, entry.contact, entry.surface, entry.viewed_at) == (
        owner,
        protected,
        AccessLog.Surface.WEB,
        NOW,
    )
    assert Contact.objects.filter(pk=protected.pk).exists() is True
