"""The demo network: complete, believable, reproducible and seeded only once.

Seeding takes a few seconds, so the module seeds once (through the command) inside a
transaction that is rolled back at the end; each test runs in a savepoint within it.
Only the reproducibility test seeds again, twice.
"""

import contextlib
import datetime as dt
import io
import re
from collections import Counter, defaultdict

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Avg, Count, Q, Sum

from contacts.models import (
    Affiliation,
    Channel,
    Climate,
    Contact,
    Exchange,
    Grant,
    Layer,
    OfficerProfile,
    Organization,
    Sensitivity,
    Tag,
    Team,
)
from demo.network import count_rows, seed_demo_network
from events.models import Event, Invitation, Programme
from indicators.measures import add_months, coverage_tone, digital_reach, friction_incidents
from indicators.models import Signal

NOW = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 1)
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
HEBREW = re.compile(r"[\u0590-\u05FF]")
LATIN_NAME = re.compile(r"[A-Za-z\u00C0-\u024F' -]+")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The command's output after seeding the module's database at NOW."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = io.StringIO()
        with time_machine.travel(NOW, tick=False):
            call_command("seed_demo", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


def values(model, field):
    return set(model.objects.values_list(field, flat=True).distinct())


def effective_cadence(channel, level):
    factor = settings.CLIMATE_FACTORS[level] if channel.kind == Channel.Kind.INFORMAL else 1.0
    return dt.timedelta(days=channel.cadence_days * factor)


def test_command_prints_counts_per_model(seeded, db):
    assert seeded.splitlines()[0] == "Seeded the demo network:"
    assert "  contacts            300" in seeded.splitlines()
    assert "  organizations        62" in seeded.splitlines()


def test_second_run_changes_nothing(seeded, db):
    before = count_rows()
    output = io.StringIO()

    call_command("seed_demo", stdout=output)
    summary = seed_demo_network(now=NOW)

    assert output.getvalue().splitlines()[0] == (
        "The demo network is already seeded; nothing changed."
    )
    assert summary.created is False
    assert summary.counts == before
    assert count_rows() == before


def test_every_choice_is_present(seeded, db):
    assert values(Contact, "category") == set(Contact.Category.values)
    assert values(Contact, "layer") == set(Layer.values)
    assert values(Contact, "sensitivity") == set(Sensitivity.values)
    assert values(Organization, "kind") == set(Organization.Kind.values)
    assert values(Channel, "kind") == set(Channel.Kind.values)
    assert values(Channel, "priority") == set(Channel.Priority.values)
    assert values(Channel, "status") == set(Channel.Status.values)
    assert values(Channel, "cadence_days") == {14, 30, 45, 60, 90, 180}
    assert values(Exchange, "kind") == set(Exchange.Kind.values)
    assert values(Climate, "level") == set(Climate.Level.values)
    assert values(Event, "kind") == set(Event.Kind.values)
    assert values(Event, "status") == set(Event.Status.values)
    assert values(Invitation, "status") == set(Invitation.Status.values)
    assert values(Invitation, "role") == set(Invitation.Role.values)
    assert values(Programme, "kind") == set(Programme.Kind.values)
    assert values(Programme, "status") == set(Programme.Status.values)


def test_network_has_about_300_contacts_and_60_organizations(seeded, db):
    assert 280 <= Contact.objects.count() <= 320
    assert 55 <= Organization.objects.count() <= 65
    assert values(Organization, "country") == {"IL", "RU", "UA", "DE", "US"}
    assert Organization.objects.filter(country="IL").count() > 40
    assert 2000 <= Exchange.objects.count() <= 6000
    assert Tag.objects.filter(name__in=["media-forum-2025", "alumni", "women-in-tech"]).count() == 3


def test_names_read_in_latin_with_native_cyrillic_and_hebrew(seeded, db):
    full_names = list(Contact.objects.values_list("full_name", flat=True))
    native_names = list(Contact.objects.values_list("native_name", flat=True))

    assert all(LATIN_NAME.fullmatch(name) for name in full_names)
    assert sum(bool(CYRILLIC.search(name)) for name in native_names) > 50
    assert sum(bool(HEBREW.search(name)) for name in native_names) > 50
    assert Organization.objects.filter(native_name__regex=r"[\u0590-\u05FF]").exists()
    assert Organization.objects.filter(native_name__regex=r"[\u0400-\u04FF]").exists()


def test_contacts_have_languages_emails_tags_and_current_affiliations(seeded, db):
    assert Contact.objects.filter(languages=[]).exists() is False
    assert Contact.objects.exclude(email="").count() > 200
    assert Contact.objects.filter(email__endswith=".example").count() == (
        Contact.objects.exclude(email="").count()
    )
    assert Contact.objects.filter(tags__isnull=False).distinct().count() > 50
    assert Affiliation.objects.filter(ends_on__isnull=False).count() > 50
    for contact in Contact.objects.filter(organization__isnull=False):
        assert contact.affiliations.filter(
            organization=contact.organization, ends_on__isnull=True
        ).exists()


def test_sensitivity_is_mostly_standard_and_protected_leans_to_exposed_people(seeded, db):
    total = Contact.objects.count()
    restricted = Contact.objects.filter(sensitivity=Sensitivity.RESTRICTED).count()
    protected = Contact.objects.filter(sensitivity=Sensitivity.PROTECTED)
    exposed = protected.filter(category__in=["journalist", "civil_society"]).count()

    assert 0.10 <= restricted / total <= 0.20
    assert 0.03 <= protected.count() / total <= 0.08
    assert exposed > protected.count() / 2
    assert Grant.objects.exists()
    assert Grant.objects.filter(contact__sensitivity=Sensitivity.STANDARD).exists() is False


def test_staff_has_roles_teams_and_profiles_but_no_superuser(seeded, db):
    users = get_user_model().objects.all()

    assert users.count() == 8
    assert users.filter(is_superuser=True).exists() is False
    assert all(user.has_usable_password() is False for user in users)
    assert OfficerProfile.objects.filter(digest_hour=8).count() >= 6
    roles = {
        role: users.filter(groups__name=role).count()
        for role in ["officer", "planner", "lead", "analyst", "admin"]
    }
    assert roles == {"officer": 5, "planner": 2, "lead": 1, "analyst": 1, "admin": 0}
    assert set(Team.objects.values_list("name", flat=True)) == {
        "press",
        "culture",
        "science",
        "community",
    }
    assert all(team.members.count() >= 2 for team in Team.objects.all())


def test_the_staff_speak_a_mix_of_languages_and_guests_are_written_to_in_theirs(seeded, db):
    staff = dict(OfficerProfile.objects.values_list("language").annotate(n=Count("pk")))
    guests = dict(Contact.objects.values_list("language").annotate(n=Count("pk")))
    hebrew = Contact.objects.filter(language="he").first()

    assert {"en", "ru", "he"} <= set(staff)
    assert staff.get("", 0) >= 1  # someone follows their browser
    assert guests["ru"] > 20
    assert guests["he"] > 50
    assert guests[""] > 20  # the rest: the first of their languages (contacts.languages)
    assert HEBREW.search(hebrew.native_name)
    assert Invitation.objects.filter(contact__language__in=["ru", "he"]).exists()


def test_officers_see_every_contact_of_their_channels_and_exchanges(seeded, db):
    exchange_contacts = defaultdict(set)
    for exchange_id, contact_id in Exchange.contacts.through.objects.values_list(
        "exchange_id", "contact_id"
    ):
        exchange_contacts[exchange_id].add(contact_id)
    for officer in get_user_model().objects.filter(channels__isnull=False).distinct():
        visible = set(Contact.objects.visible_to(officer).values_list("pk", flat=True))
        held = set(officer.channels.values_list("contact_id", flat=True))
        logged = officer.exchanges.values_list("pk", flat=True)

        assert held <= visible
        assert all(exchange_contacts[pk] <= visible for pk in logged)


def test_channels_were_last_touched_by_their_latest_exchange_or_attendance(seeded, db):
    latest = {}
    exchanges = Exchange.objects.prefetch_related("contacts", "officers")
    for exchange in exchanges:
        for contact in exchange.contacts.all():
            for officer in exchange.officers.all():
                key = (contact.pk, officer.pk)
                latest[key] = max(latest.get(key, exchange.occurred_at), exchange.occurred_at)
    for invitation in Invitation.objects.filter(status="attended").prefetch_related(
        "event__planners"
    ):
        for planner in invitation.event.planners.all():
            key = (invitation.contact_id, planner.pk)
            moment = invitation.checked_in_at
            latest[key] = max(latest.get(key, moment), moment)

    for channel in Channel.objects.all():
        assert channel.last_touch_at == latest.get((channel.contact_id, channel.officer_id))
        assert channel.created_at < NOW - dt.timedelta(days=1)
        assert channel.last_touch_at is None or channel.last_touch_at >= channel.created_at


def test_channels_count_from_their_latest_touch_or_creation(seeded, db):
    for channel in Channel.objects.with_due(NOW):
        assert channel.counted_from_at == (channel.last_touch_at or channel.created_at)


def test_a_tenth_to_a_fifth_of_active_channels_are_overdue(seeded, db):
    level = Climate.objects.level_at(NOW)
    active = list(Channel.objects.filter(status=Channel.Status.ACTIVE))
    overdue = [
        channel
        for channel in active
        if (channel.last_touch_at or channel.created_at) + effective_cadence(channel, level) <= NOW
    ]

    assert 0.10 <= len(overdue) / len(active) <= 0.20


def test_exchanges_cover_two_years_with_small_groups_and_follow_ups(seeded, db):
    exchanges = Exchange.objects.all()

    assert exchanges.filter(occurred_at__gte=NOW).exists() is False
    assert exchanges.filter(occurred_at__lt=NOW - dt.timedelta(days=760)).exists() is False
    assert exchanges.filter(occurred_at__lt=NOW - dt.timedelta(days=700)).exists()
    contacts = Counter(Exchange.contacts.through.objects.values_list("exchange_id", flat=True))
    officers = Counter(Exchange.officers.through.objects.values_list("exchange_id", flat=True))
    assert len(contacts) == len(officers) == exchanges.count()
    assert set(contacts.values()) == {1, 2, 3}
    assert set(officers.values()) == {1, 2}
    assert exchanges.filter(follow_up_on__lt=TODAY).exists()
    assert exchanges.filter(follow_up_on__gt=TODAY).exists()
    assert exchanges.filter(summary="").exists() is False
    assert exchanges.filter(topics=[]).exists() is False


def test_exchanges_with_journalists_are_flagged_despite_the_bulk_writes(seeded, db):
    named = Exchange.objects.filter(contacts__category=Contact.Category.JOURNALIST)

    assert Exchange.objects.filter(names_journalist=True).count() == named.distinct().count() > 0
    assert Exchange.objects.refresh_names_journalist() == 0


def test_climate_spikes_to_a_short_crisis_and_calms_down(seeded, db):
    history = list(Climate.objects.order_by("started_at"))
    crisis = next(i for i, record in enumerate(history) if record.level == "crisis")
    crisis_lasted = history[crisis + 1].started_at - history[crisis].started_at

    assert [record.level for record in history] == [
        "normal",
        "elevated",
        "high",
        "crisis",
        "high",
        "elevated",
        "normal",
    ]
    assert history[0].started_at < NOW - dt.timedelta(days=730)
    assert dt.timedelta(days=14) <= crisis_lasted <= dt.timedelta(days=35)
    assert all(record.note for record in history)
    assert Climate.objects.level_at(NOW) == "normal"


def test_events_are_past_or_upcoming_as_their_status_says(seeded, db):
    past = Event.objects.filter(ends_at__lt=NOW)
    upcoming = Event.objects.filter(starts_at__gt=NOW)

    assert Event.objects.filter(status="held").count() == past.filter(status="held").count()
    assert upcoming.filter(status="held").exists() is False
    assert past.filter(status__in=["planned", "confirmed"]).exists() is False
    assert past.filter(status="cancelled").exists()
    assert upcoming.filter(status="cancelled").exists()
    assert Event.objects.exclude(timezone="Asia/Jerusalem").count() < 10
    assert Event.objects.filter(venue="", online_url="").exists() is False
    assert Event.objects.filter(planners__isnull=True).exists() is False


def test_invitations_respect_time_and_capacity(seeded, db):
    came = Invitation.objects.filter(status__in=["attended", "no_show"])

    assert came.filter(event__ends_at__gt=NOW).exists() is False
    assert came.exclude(event__status="held").exists() is False
    assert Invitation.objects.filter(status="attended", checked_in_at__isnull=True).exists() is (
        False
    )
    for event in Event.objects.filter(capacity__isnull=False):
        seated = event.invitations.seated().count()
        assert seated <= event.capacity
        if event.invitations.filter(status="waitlisted").exists():
            assert seated == event.capacity


def test_programmes_have_partners_participants_officers_and_consistent_dates(seeded, db):
    for programme in Programme.objects.all():
        assert programme.partners.exists()
        assert programme.participants.count() >= 2
        assert programme.officers.exists()
        if programme.status == "completed":
            assert programme.ends_on < TODAY
            assert programme.outcome
        if programme.status == "planned":
            assert programme.starts_on > TODAY
        if programme.status == "active":
            assert programme.starts_on <= TODAY


def _crisis_months() -> tuple[dt.date, dt.date]:
    """[first, stop): the months the demo's crisis level overlaps."""
    crisis = Climate.objects.get(level=Climate.Level.CRISIS)
    calmer = Climate.objects.filter(started_at__gt=crisis.started_at).earliest("started_at")
    return crisis.started_at.date().replace(day=1), add_months(
        calmer.started_at.date().replace(day=1), 1
    )


def _coverage_between(first: dt.date, stop: dt.date):
    return Signal.objects.filter(
        kind=Signal.Kind.COVERAGE, occurred_on__gte=first, occurred_on__lt=stop
    )


def test_every_signal_kind_theme_severity_and_outcome_is_present(seeded, db):
    def of(kind, field):
        return set(Signal.objects.filter(kind=kind).values_list(field, flat=True).distinct())

    assert values(Signal, "kind") == set(Signal.Kind.values)
    assert of("coverage", "theme") == set(Signal.Theme.values)
    assert of("coverage", "tone") == {-2, -1, 0, 1, 2}
    assert of("coverage", "organization__kind") == {Organization.Kind.MEDIA_OUTLET}
    assert of("friction_incident", "severity") == set(Signal.Severity.values)
    assert of("coordination", "outcome") == set(Signal.Outcome.values)
    assert Signal.objects.filter(occurred_on__gt=TODAY).exists() is False
    assert Signal.objects.filter(occurred_on__lt=TODAY - dt.timedelta(days=760)).exists() is False
    assert Signal.objects.filter(kind="digital_reach", audience__isnull=True).exists() is False


def test_coverage_tone_dips_in_the_crisis_months_and_recovers_in_the_six_after(seeded, db):
    first, stop = _crisis_months()

    during = _coverage_between(first, stop).aggregate(tone=Avg("tone"))["tone"]
    after = _coverage_between(stop, add_months(stop, 6)).aggregate(tone=Avg("tone"))["tone"]
    lately = _coverage_between(add_months(TODAY.replace(day=1), -6), TODAY)

    assert during < -1 < after
    assert during < after < lately.aggregate(tone=Avg("tone"))["tone"]


def test_coverage_moves_from_security_to_civil_cultural_and_innovation(seeded, db):
    beyond = Q(theme__in=["civil", "cultural", "innovation"])
    first, stop = _crisis_months()
    lately = add_months(TODAY.replace(day=1), -6)

    crisis = _coverage_between(first, stop).aggregate(
        security=Count("pk", filter=Q(theme="security")), beyond=Count("pk", filter=beyond)
    )
    recent = _coverage_between(lately, TODAY).aggregate(
        security=Count("pk", filter=Q(theme="security")), beyond=Count("pk", filter=beyond)
    )

    assert crisis["security"] > 5 * crisis["beyond"]
    assert recent["beyond"] > 3 * recent["security"]


def _share(queryset, condition: Q) -> float:
    counts = queryset.aggregate(part=Count("pk", filter=condition), whole=Count("pk"))
    return counts["part"] / counts["whole"]


def test_incidents_and_failed_coordination_cluster_in_the_spike_and_reach_grows(seeded, db):
    spike = Climate.objects.exclude(level=Climate.Level.NORMAL).order_by("started_at")
    calm_again = Climate.objects.filter(started_at__gt=spike.last().started_at).get()
    in_spike = Q(
        occurred_on__gte=spike.first().started_at.date(),
        occurred_on__lt=calm_again.started_at.date(),
    )
    incidents = Signal.objects.filter(kind="friction_incident")
    meetings = Signal.objects.filter(kind="coordination")
    not_held = ~Q(outcome="held")
    reach = Signal.objects.filter(kind="digital_reach")
    first_year = reach.filter(occurred_on__lt=TODAY - dt.timedelta(days=365))

    assert incidents.filter(in_spike).count() > 3 * incidents.exclude(in_spike).count()
    assert _share(meetings.filter(in_spike), not_held) > 2 * _share(
        meetings.exclude(in_spike), not_held
    )
    assert (
        reach.exclude(pk__in=first_year).aggregate(views=Sum("audience"))["views"]
        > 2 * (first_year.aggregate(views=Sum("audience"))["views"])
    )


def test_indicators_show_a_lead_two_years_of_signals(seeded, db):
    lead = get_user_model().objects.get(groups__name="lead")
    this_month = TODAY.replace(day=1)
    window = {
        "start": add_months(this_month, -24),
        "end": this_month - dt.timedelta(days=1),
        "period": "month",
        "now": NOW,
    }

    tone = coverage_tone(lead, **window)
    reach = digital_reach(lead, **window)
    incidents = friction_incidents(lead, **window)

    assert len(tone.series) == len(reach.series) == len(incidents.series) == 24
    assert all(point.value is not None for point in tone.series)
    assert {part.key for part in tone.breakdown} == set(Signal.Theme.values)
    assert all(point.value > 0 for point in reach.series)
    assert len(reach.breakdown) >= 3
    assert incidents.total > 0
    assert max(point.value for point in incidents.series) >= 5


def _fingerprint():
    contacts = sorted(
        Contact.objects.values_list(
            "full_name", "native_name", "email", "category", "sensitivity", "owner__username"
        )
    )
    exchanges = list(Exchange.objects.order_by("occurred_at", "summary").values_list(
        "occurred_at", "kind", "summary"
    ))  # fmt: skip
    channels = sorted(
        Channel.objects.values_list(
            "contact__email", "contact__full_name", "officer__username", "status", "last_touch_at"
        )
    )
    signals = list(Signal.objects.order_by("occurred_on", "kind", "title", "pk").values_list(
        "kind", "occurred_on", "organization__name", "tone", "theme", "audience", "outcome"
    ))  # fmt: skip
    return contacts, exchanges, channels, signals


@contextlib.contextmanager
def _emptied():
    """The demo network's tables emptied in a savepoint, restored when the block ends (the
    module's network for the tests after this one). TRUNCATE, rolled back: deleting the
    network through the ORM, every receiver and history row included, took longer than
    seeding it twice."""
    demo = (Exchange, Invitation, Event, Programme, Channel, Grant, Affiliation, Contact, Signal)
    models = (*demo, Organization, Tag, Climate, OfficerProfile, Team, get_user_model())
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # The seed's deferred foreign-key checks run now: TRUNCATE refuses a table
            # with checks pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {tables} CASCADE")
        yield
        transaction.set_rollback(True)


def test_same_seed_gives_the_same_network_and_another_seed_other_people(seeded, db):
    seeded_names = sorted(Contact.objects.values_list("full_name", flat=True))
    first = _fingerprint()

    with _emptied():
        assert not Contact.objects.exists()
        again = seed_demo_network(now=NOW, seed=2026)
        second = _fingerprint()
    with _emptied():
        other = seed_demo_network(now=NOW, seed=7)
        other_names = sorted(Contact.objects.values_list("full_name", flat=True))

    assert again.created is True
    assert second == first
    assert other.created is True
    assert other_names != seeded_names
    assert sorted(Contact.objects.values_list("full_name", flat=True)) == seeded_names
