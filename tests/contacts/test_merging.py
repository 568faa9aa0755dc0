"""Merging two contacts (``contacts.merging`` through ``services.merge_contacts``): who sees
the result under every pair of sensitivities, what moves when both share events and
officers, what undo restores, and who may merge at all."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from contacts import merging, services
from contacts.errors import DomainError
from contacts.models import (
    AccessLog,
    Channel,
    Contact,
    ContactMerge,
    DuplicatePair,
    Exchange,
    Grant,
    Reminder,
    Sensitivity,
)
from events.models import Invitation
from tests import factories

NOW = dt.datetime(2025, 6, 2, 12, 0, tzinfo=dt.UTC)
WEB = AccessLog.Surface.WEB
STANDARD, RESTRICTED, PROTECTED = (
    Sensitivity.STANDARD,
    Sensitivity.RESTRICTED,
    Sensitivity.PROTECTED,
)


def _merge(user, keep, other, **choices):
    return services.merge_contacts(user, keep, other, choices=choices, surface=WEB, now=NOW)


def _undo(user, record):
    return services.undo_merge(user, record, surface=WEB, now=NOW + dt.timedelta(hours=1))


@pytest.fixture
def people(owner, teammate, outsider, culture_team, admin_user):
    """The kept contact's owner (press team) and teammate, the merged contact's owner
    (culture team) and teammate, a grantee of each (of no team), and someone of a third
    team."""
    return {
        "owner": owner,
        "teammate": teammate,
        "outsider": outsider,
        "culture_mate": factories.UserFactory(
            username="culture_mate", roles=["officer"], teams=[culture_team]
        ),
        "grantee": factories.UserFactory(username="kept_grantee", roles=["officer"]),
        "other_grantee": factories.UserFactory(username="other_grantee", roles=["officer"]),
        "stranger": factories.UserFactory(
            username="stranger", roles=["officer"], teams=[factories.TeamFactory(name="science")]
        ),
        "admin": admin_user,
    }


def _pair(people, keep_sensitivity, other_sensitivity):
    keep = factories.ContactFactory(
        full_name="Irina Petrova", owner=people["owner"], sensitivity=keep_sensitivity
    )
    other = factories.ContactFactory(
        full_name="Ирина Петрова", owner=people["outsider"], sensitivity=other_sensitivity
    )
    factories.GrantFactory(contact=keep, user=people["grantee"])
    factories.GrantFactory(contact=other, user=people["other_grantee"])
    return keep, other


ALL = {"owner", "teammate", "outsider", "culture_mate", "grantee", "other_grantee", "stranger"}


@pytest.mark.parametrize(
    ("keep_sensitivity", "other_sensitivity", "expected_owner", "seen_by"),
    [
        (STANDARD, STANDARD, "owner", ALL),
        # The stricter record's owner owns the result; its team sees a restricted one.
        (
            STANDARD,
            RESTRICTED,
            "outsider",
            {"outsider", "culture_mate", "grantee", "other_grantee"},
        ),
        (STANDARD, PROTECTED, "outsider", {"outsider", "grantee", "other_grantee"}),
        (RESTRICTED, STANDARD, "owner", {"owner", "teammate", "grantee", "other_grantee"}),
        # A tie: the kept one's owner, and the other owner gets a grant.
        (
            RESTRICTED,
            RESTRICTED,
            "owner",
            {"owner", "teammate", "grantee", "other_grantee", "outsider"},
        ),
        (RESTRICTED, PROTECTED, "outsider", {"outsider", "grantee", "other_grantee"}),
        (PROTECTED, STANDARD, "owner", {"owner", "grantee", "other_grantee"}),
        (PROTECTED, RESTRICTED, "owner", {"owner", "grantee", "other_grantee"}),
        (PROTECTED, PROTECTED, "owner", {"owner", "grantee", "other_grantee", "outsider"}),
    ],
)
@pytest.mark.django_db
def test_the_result_has_the_stricter_sensitivity_the_union_of_grants_and_the_right_readers(
    people, keep_sensitivity, other_sensitivity, expected_owner, seen_by
):
    keep, other = _pair(people, keep_sensitivity, other_sensitivity)

    _merge(people["admin"], keep, other)

    keep.refresh_from_db()
    assert keep.sensitivity == merging.stricter(keep_sensitivity, other_sensitivity)
    assert keep.owner == people[expected_owner]
    assert Contact.objects.filter(pk=other.pk).exists() is False
    granted = set(Grant.objects.filter(contact=keep).values_list("user__username", flat=True))
    assert {"kept_grantee", "other_grantee"} <= granted
    seeing = {
        name for name in ALL if Contact.objects.visible_to(people[name]).filter(pk=keep.pk).exists()
    }
    assert seeing == seen_by


@pytest.mark.django_db
def test_undo_brings_back_the_sensitivities_owners_and_grants_of_both(people):
    keep, other = _pair(people, STANDARD, PROTECTED)
    record = _merge(people["admin"], keep, other)

    _undo(people["admin"], record)

    keep.refresh_from_db()
    other = Contact.objects.get(pk=other.pk)
    assert (keep.sensitivity, keep.owner, other.sensitivity, other.owner) == (
        STANDARD,
        people["owner"],
        PROTECTED,
        people["outsider"],
    )
    assert list(Grant.objects.filter(contact=keep).values_list("user__username", flat=True)) == [
        "kept_grantee"
    ]
    assert list(Grant.objects.filter(contact=other).values_list("user__username", flat=True)) == [
        "other_grantee"
    ]
    record.refresh_from_db()
    assert (record.undone_at, record.undone_by, record.undo_report) == (
        NOW + dt.timedelta(hours=1),
        people["admin"],
        {"left": []},
    )


# Contacts that share events and officers


@pytest.fixture
def shared(owner, outsider, admin_user):
    """Two records of one person, both known to two officers and invited to one event."""
    officer, second_officer = owner, outsider
    keep = factories.ContactFactory(
        full_name="David Levi", owner=owner, email="", phone="+972501234567", birth_year=None
    )
    other = factories.ContactFactory(
        full_name="דוד לוי",
        owner=owner,
        email="david@levi.example",
        birth_year=1971,
        notes="Met at the book fair.",
        tags=[factories.TagFactory(name="press"), factories.TagFactory(name="books")],
    )
    keep.tags.add(factories.TagFactory(name="press"))
    event = factories.EventFactory()
    other_event = factories.EventFactory()
    invited = factories.InvitationFactory(event=event, contact=keep)
    accepted = factories.InvitationFactory(
        event=event, contact=other, status=Invitation.Status.ACCEPTED, responded_at=NOW
    )
    elsewhere = factories.InvitationFactory(event=other_event, contact=other)
    kept_channel = factories.ChannelFactory(contact=keep, officer=officer, cadence_days=30)
    merged_channel = factories.ChannelFactory(
        contact=other, officer=officer, cadence_days=14, priority=Channel.Priority.KEY
    )
    second_channel = factories.ChannelFactory(contact=other, officer=second_officer)
    # The officer's channel stays overdue after the merge (14 days, touched 20 days ago).
    earlier, later = NOW - dt.timedelta(days=40), NOW - dt.timedelta(days=20)
    both = factories.ExchangeFactory(
        contacts=[keep, other], officers=[officer], occurred_at=earlier
    )
    only_other = factories.ExchangeFactory(contacts=[other], officers=[officer], occurred_at=later)
    services.record_touches(
        contact_ids=[keep.pk, other.pk], officer_ids=[officer.pk, second_officer.pk], now=NOW
    )
    kept_due = factories.ReminderFactory(channel=kept_channel, due_at=NOW - dt.timedelta(days=2))
    merged_due = factories.ReminderFactory(
        channel=merged_channel, due_at=NOW - dt.timedelta(days=1)
    )
    programme = factories.ProgrammeFactory()
    programme.participants.add(keep, other)
    return {
        "keep": keep,
        "other": other,
        "officer": officer,
        "second_officer": second_officer,
        "event": event,
        "invited": invited,
        "accepted": accepted,
        "elsewhere": elsewhere,
        "kept_channel": kept_channel,
        "merged_channel": merged_channel,
        "second_channel": second_channel,
        "both": both,
        "only_other": only_other,
        "kept_due": kept_due,
        "merged_due": merged_due,
        "programme": programme,
        "later": later,
    }


@pytest.mark.django_db
def test_a_merge_of_contacts_sharing_events_and_officers_duplicates_nothing(shared, admin_user):
    keep, other = shared["keep"], shared["other"]

    _merge(admin_user, keep, other, full_name="kept")

    keep.refresh_from_db()
    # The empty fields of the kept one took the merged one's values.
    assert (keep.full_name, keep.email, keep.birth_year, keep.notes) == (
        "David Levi",
        "david@levi.example",
        1971,
        "Met at the book fair.",
    )
    # One invitation per event: the accepted one is kept.
    assert sorted(Invitation.objects.filter(contact=keep).values_list("pk", "status")) == sorted(
        [(shared["accepted"].pk, "accepted"), (shared["elsewhere"].pk, "invited")]
    )
    assert Invitation.objects.filter(pk=shared["invited"].pk).exists() is False
    # One channel per officer: the shorter cadence, the higher priority, the latest touch.
    channels = Channel.objects.filter(contact=keep).order_by("officer__username")
    assert [(c.officer, c.cadence_days, c.priority, c.last_touch_at) for c in channels] == [
        (shared["second_officer"], 30, "normal", None),
        (shared["officer"], 14, "key", shared["later"]),
    ]
    assert Channel.objects.filter(pk=shared["merged_channel"].pk).exists() is False
    # One pending due reminder for the officer's channel; the other resolved, not lost.
    kept_channel = shared["kept_channel"]
    assert list(
        Reminder.objects.filter(channel=kept_channel).pending().values_list("pk", flat=True)
    ) == [shared["kept_due"].pk]
    assert Reminder.objects.get(pk=shared["merged_due"].pk).status == Reminder.Status.RESOLVED
    # Exchanges and programmes name the kept contact once each; tags are the union.
    assert sorted(keep.exchanges.values_list("pk", flat=True)) == sorted(
        [shared["both"].pk, shared["only_other"].pk]
    )
    assert list(shared["both"].contacts.all()) == [keep]
    assert list(shared["programme"].participants.all()) == [keep]
    assert sorted(keep.tags.values_list("name", flat=True)) == ["books", "press"]


@pytest.mark.django_db
def test_undo_puts_back_what_the_merge_moved_dropped_and_changed(shared, admin_user):
    keep, other = shared["keep"], shared["other"]
    record = _merge(admin_user, keep, other)

    _undo(admin_user, record)

    other = Contact.objects.get(pk=other.pk)
    keep.refresh_from_db()
    assert (other.full_name, other.email, other.birth_year, other.notes) == (
        "דוד לוי",
        "david@levi.example",
        1971,
        "Met at the book fair.",
    )
    assert (keep.email, keep.birth_year, keep.notes) == ("", None, "")
    assert dict(
        Invitation.objects.filter(event=shared["event"]).values_list("contact", "status")
    ) == {
        keep.pk: "invited",
        other.pk: "accepted",
    }
    assert Invitation.objects.get(pk=shared["elsewhere"].pk).contact == other
    assert sorted(
        Channel.objects.filter(contact=other).values_list("pk", "cadence_days")
    ) == sorted([(shared["merged_channel"].pk, 14), (shared["second_channel"].pk, 30)])
    kept_channel = Channel.objects.get(pk=shared["kept_channel"].pk)
    assert (kept_channel.cadence_days, kept_channel.priority) == (30, "normal")
    assert (
        Reminder.objects.get(pk=shared["merged_due"].pk).channel_id == shared["merged_channel"].pk
    )
    assert Reminder.objects.get(pk=shared["merged_due"].pk).status == Reminder.Status.OPEN
    assert sorted(shared["both"].contacts.values_list("pk", flat=True)) == sorted(
        [keep.pk, other.pk]
    )
    assert list(shared["only_other"].contacts.all()) == [other]
    assert sorted(shared["programme"].participants.values_list("pk", flat=True)) == sorted(
        [keep.pk, other.pk]
    )
    assert sorted(other.tags.values_list("name", flat=True)) == ["books", "press"]
    assert list(keep.tags.values_list("name", flat=True)) == ["press"]


@pytest.mark.django_db
def test_undo_leaves_a_field_edited_since_and_says_so(owner, admin_user):
    keep = factories.ContactFactory(full_name="Anna Levi", owner=owner)
    other = factories.ContactFactory(full_name="Anna Levy", owner=owner, email="anna@x.org")
    record = _merge(admin_user, keep, other)
    Contact.objects.filter(pk=keep.pk).update(email="anna@new.example")

    _undo(admin_user, ContactMerge.objects.get(pk=record.pk))

    keep.refresh_from_db()
    assert keep.email == "anna@new.example"
    assert Contact.objects.get(pk=other.pk).email == "anna@x.org"
    record.refresh_from_db()
    assert record.undo_report == {
        "left": ["The kept contact's email was changed since: left as it is."]
    }


@pytest.mark.django_db
def test_a_merge_closes_its_pair_in_the_queue_and_undo_opens_it_again(owner, admin_user):
    keep = factories.ContactFactory(full_name="Anna Levi", owner=owner)
    other = factories.ContactFactory(full_name="Anna Levi", owner=owner)
    pair = DuplicatePair.objects.create(
        contact_a=keep, contact_b=other, score=60, reasons=["name"], found_at=NOW
    )

    record = _merge(admin_user, other, keep)

    pair.refresh_from_db()
    assert (pair.status, pair.contact_a, pair.contact_b, pair.decided_by) == (
        "merged",
        None,
        other,
        admin_user,
    )
    _undo(admin_user, record)
    pair.refresh_from_db()
    assert (pair.status, pair.contact_a, pair.contact_b) == ("open", keep, other)


@pytest.mark.django_db
def test_a_merge_never_widens_who_reads_an_exchange(people):
    keep, other = _pair(people, RESTRICTED, RESTRICTED)
    exchange = factories.ExchangeFactory(contacts=[other], officers=[people["outsider"]])
    readers_before = {
        name for name in ALL if Exchange.objects.visible_to(people[name]).filter(pk=exchange.pk)
    }

    record = _merge(people["admin"], keep, other)

    readers_after = {
        name for name in ALL if Exchange.objects.visible_to(people[name]).filter(pk=exchange.pk)
    }
    assert readers_before == {"outsider", "culture_mate", "other_grantee"}
    # The kept contact's team (owner, teammate) and grantee do not read it; the culture
    # team's officer no longer sees the contact at all.
    assert readers_after == {"outsider", "other_grantee"}
    assert record.snapshot["sealed"] == [exchange.pk]


@pytest.mark.django_db
def test_an_undo_gives_the_kept_contacts_past_exchanges_back_and_widens_none_logged_since(
    people,
):
    """Merged with a protected contact, the kept restricted one is protected; the undo
    makes it restricted again: its team reads its exchanges from before the merge again,
    not one logged on it while it was protected."""
    keep, other = _pair(people, RESTRICTED, PROTECTED)
    before_merge = factories.ExchangeFactory(contacts=[keep], officers=[people["owner"]])
    Exchange.objects.filter(pk=before_merge.pk).update(created_at=NOW - dt.timedelta(days=1))
    record = _merge(people["admin"], keep, other)  # at NOW
    keep.refresh_from_db()
    assert keep.sensitivity == PROTECTED
    while_merged = factories.ExchangeFactory(contacts=[keep], officers=[people["outsider"]])
    readers_while_merged = _names_reading(people, while_merged)

    _undo(people["admin"], record)

    keep.refresh_from_db()
    assert keep.sensitivity == RESTRICTED
    assert {"owner", "teammate"} <= _names_reading(people, before_merge)
    assert _names_reading(people, while_merged) <= readers_while_merged
    assert "teammate" not in _names_reading(people, while_merged)


def _names_reading(people, exchange) -> set[str]:
    return {
        name for name in ALL if Exchange.objects.visible_to(people[name]).filter(pk=exchange.pk)
    }


@pytest.mark.django_db
def test_the_access_log_keeps_the_merged_contacts_views_and_logs_the_merge(people):
    keep, other = _pair(people, PROTECTED, PROTECTED)
    viewed = AccessLog.objects.create(
        user=people["other_grantee"], contact=other, surface=WEB, viewed_at=NOW
    )

    _merge(people["admin"], keep, other)

    assert AccessLog.objects.get(pk=viewed.pk).contact == keep
    assert AccessLog.objects.filter(user=people["admin"], contact=keep).count() == 2


# Who may merge


@pytest.mark.django_db
def test_a_contact_hidden_from_the_user_is_not_found_and_nothing_changes(people):
    keep, other = _pair(people, STANDARD, PROTECTED)

    with pytest.raises(Http404):
        _merge(people["owner"], keep, other)

    assert Contact.objects.filter(pk__in=[keep.pk, other.pk]).count() == 2
    assert ContactMerge.objects.exists() is False


@pytest.mark.django_db
def test_someone_who_sees_both_but_may_not_change_contacts_is_refused(people, planner):
    keep, other = _pair(people, STANDARD, STANDARD)

    with pytest.raises(PermissionDenied):
        _merge(planner, keep, other)

    assert Contact.objects.filter(pk__in=[keep.pk, other.pk]).count() == 2


@pytest.mark.django_db
def test_a_contact_is_not_merged_with_itself_nor_an_erased_one(owner, admin_user):
    contact = factories.ContactFactory(owner=owner)
    erased = factories.ContactFactory(owner=owner, erased_at=NOW)

    with pytest.raises(DomainError, match="itself"):
        _merge(admin_user, contact, contact)
    with pytest.raises(DomainError, match="erased"):
        _merge(admin_user, contact, erased)
    with pytest.raises(DomainError, match="kept"):
        _merge(admin_user, contact, factories.ContactFactory(owner=owner), email="theirs")


def test_every_relation_to_a_contact_has_a_rule():
    """A new model naming a contact must say how it follows a merge (or move as is)."""
    labels = {label for label, _ in merging.contact_relations()}
    assert labels == {
        "contacts.Contact.tags",
        "contacts.Grant.contact",
        "contacts.Affiliation.contact",
        "contacts.AccessLog.contact",
        "contacts.ErasureRecord.contact",
        "contacts.Channel.contact",
        "contacts.Exchange.contacts",
        "contacts.DuplicatePair.contact_a",
        "contacts.DuplicatePair.contact_b",
        "contacts.ContactMerge.kept",
        "contacts.ImportRow.contact",
        "events.Invitation.contact",
        "events.Programme.participants",
    }
    registered = set(merging.RELATIONS)
    assert {
        "contacts.Channel.contact",
        "contacts.Grant.contact",
        "contacts.Exchange.contacts",
        "contacts.Contact.tags",
        "events.Invitation.contact",
    } <= registered


@pytest.mark.django_db
def test_erasing_the_kept_contact_erases_what_its_merges_kept_and_undo_is_refused(
    owner, admin_user
):
    from trackii import privacy

    keep = factories.ContactFactory(full_name="Anna Levi", owner=owner)
    other = factories.ContactFactory(
        full_name="Anna Levy", owner=owner, email="anna@x.org", notes="Her old address."
    )
    record = _merge(admin_user, keep, other)

    privacy.erase_contact(contact_id=keep.pk, user=admin_user, now=NOW)

    record.refresh_from_db()
    assert (record.snapshot, record.kept_notes, record.merged_notes) == ({}, "", "")
    assert set(Contact.history.filter(id=other.pk).values_list("email", flat=True)) == {""}
    with pytest.raises(DomainError, match="erased"):
        _undo(admin_user, record)
