"""The strategy's indicators (DESIGN.md, "Indicators"): each against figures computed by hand
on one small fixed network, the filters, the windows, visible_to, and the API.

The window is the first quarter of 2026 by month, read on 15 March 2026 at noon (UTC); the
previous window is the last quarter of 2025. The climate turns elevated on 15 February.
"""

import datetime as dt
import json
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts import services, states
from contacts.models import Channel, Climate, Contact, Layer, Organization, Sensitivity
from events.models import Event, Invitation, Programme
from indicators import measures
from indicators.models import Signal
from tests import factories
from tests.conftest import api

API = "/api/v1"
NOW = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)
Q1 = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 3, 31), "period": "month", "now": NOW}
JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)
NOTES = "PRIVATE-NOTE-MARKER"
RESULT_FIELDS = {
    "name",
    "area",
    "title",
    "unit",
    "period",
    "start",
    "end",
    "filters",
    "series",
    "total",
    "previous",
    "previous_start",
    "previous_end",
    "change",
    "polarity",
    "assessment",
    "breakdown",
}


pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)


def series(result) -> list:
    return [point.value for point in result.series]


def figures(result) -> tuple:
    return series(result), result.total, result.previous, result.change


def part(result, by: str, key: str) -> tuple:
    found = [p for p in result.breakdown if p.by == by and p.key == key]
    assert len(found) == 1, (by, key)
    return [point.value for point in found[0].series], found[0].total, found[0].previous


@pytest.fixture
def network(owner, outsider):
    """The fixed data set every figure below is computed from by hand."""
    outlet = factories.OrganizationFactory(
        name="Haaretz", kind=Organization.Kind.MEDIA_OUTLET, country="IL"
    )
    university = factories.OrganizationFactory(name="U1", country="IL")
    institute = factories.OrganizationFactory(
        name="U2", kind=Organization.Kind.RESEARCH_INSTITUTE, country="DE"
    )
    theatre = factories.OrganizationFactory(
        name="C1", kind=Organization.Kind.CULTURAL_INSTITUTION, country="IL"
    )
    j1 = factories.ContactFactory(
        full_name="Journalist One",
        category=Contact.Category.JOURNALIST,
        layer=Layer.NARRATIVE,
        owner=owner,
        organization=outlet,
        notes=NOTES,
    )
    j2 = factories.ContactFactory(
        full_name="Journalist Two",
        category=Contact.Category.JOURNALIST,
        layer=Layer.NARRATIVE,
        owner=outsider,
        country="RU",
    )
    a1 = factories.ContactFactory(full_name="Academic One", owner=owner, organization=university)
    _signals(outlet)
    _exchanges(owner, outsider, j1, j2, a1)
    _events(j1, j2, a1)
    _programmes(j1, j2, a1, university, institute, theatre)
    _channels(owner, outsider, j1, j2, a1)
    factories.ClimateFactory(level="elevated", started_at=at("2026-02-15", 0))
    return {"outlet": outlet, "university": university, "j1": j1, "j2": j2, "a1": a1}


def _signal(kind, day, **fields):
    return Signal.objects.create(
        kind=kind,
        occurred_on=dt.date.fromisoformat(day),
        title=f"{kind} {day}",
        layer=Signal.default_layer(kind),
        **fields,
    )


def _signals(outlet):
    coverage = Signal.Kind.COVERAGE
    for day, tone, theme, country in [
        ("2025-11-10", -2, "security", "IL"),
        ("2026-01-05", -1, "security", "IL"),
        ("2026-01-20", 1, "civil", "IL"),
        ("2026-02-03", 2, "cultural", "IL"),
        ("2026-02-10", 0, "security", "IL"),
        ("2026-03-01", 2, "innovation", "DE"),
        ("2026-04-02", -2, "security", "IL"),
    ]:
        _signal(
            coverage,
            day,
            organization=outlet,
            tone=tone,
            theme=theme,
            country=country,
            note=NOTES,
        )
    for day, platform, audience in [
        ("2025-12-01", "telegram", 400),
        ("2026-01-15", "telegram", 1000),
        ("2026-01-20", "youtube", 500),
        ("2026-03-05", "telegram", 2500),
    ]:
        _signal(Signal.Kind.DIGITAL_REACH, day, platform=platform, audience=audience)
    for day, severity in [("2025-10-10", "medium"), ("2026-02-14", "high"), ("2026-02-20", "low")]:
        _signal(Signal.Kind.FRICTION_INCIDENT, day, severity=severity, note=NOTES)
    for day, outcome in [
        ("2025-12-10", "failed"),
        ("2026-01-10", "held"),
        ("2026-02-10", "postponed"),
        ("2026-03-10", "held"),
        ("2026-03-12", "failed"),
    ]:
        _signal(Signal.Kind.COORDINATION, day, outcome=outcome)


def _exchanges(owner, outsider, j1, j2, a1):
    for when, kind, contacts, officer in [
        (at("2026-01-10"), "meeting", [j1], owner),
        (at("2026-02-05"), "call", [j1, j2], owner),
        (at("2026-02-20"), "email", [a1], owner),
        (at("2025-11-01"), "meeting", [j2], outsider),
        (at("2026-03-10"), "meeting", [j2], outsider),
    ]:
        factories.ExchangeFactory(
            occurred_at=when, kind=kind, contacts=contacts, officers=[officer], notes=NOTES
        )


def _events(j1, j2, a1):
    held, guest, speaker = Event.Status.HELD, Invitation.Role.GUEST, Invitation.Role.SPEAKER
    plan = [
        (
            "2026-01-15",
            "media",
            held,
            "narrative",
            [(j1, "attended", speaker), (j2, "attended", guest), (a1, "no_show", guest)],
        ),
        (
            "2026-02-12",
            "cultural",
            held,
            "soft_cultural",
            [(j1, "accepted", guest), (a1, "declined", guest), (j2, "attended", "moderator")],
        ),
        ("2026-02-25", "media", "cancelled", "narrative", [(j1, "accepted", guest)]),
        (
            "2026-03-10",
            "academic",
            held,
            "civil_epistemic",
            [(a1, "attended", speaker), (j2, "invited", guest)],
        ),
        (
            "2025-12-05",
            "media",
            held,
            "narrative",
            [(j1, "attended", guest), (j2, "declined", guest)],
        ),
        ("2026-03-20", "media", "planned", "narrative", [(a1, "accepted", guest)]),
    ]
    for day, kind, status, layer, guests in plan:
        event = factories.EventFactory(kind=kind, status=status, layer=layer, starts_at=at(day, 18))
        for contact, answer, role in guests:
            factories.InvitationFactory(event=event, contact=contact, status=answer, role=role)


def _programmes(j1, j2, a1, university, institute, theatre):
    plan = [
        ("joint_research", "2025-09-01", "2026-01-31", "completed", [university], [a1]),
        ("student_exchange", "2026-02-01", None, "active", [university, institute], [a1, j2]),
        ("cultural_coproduction", "2026-03-01", None, "planned", [theatre], []),
        ("technology", "2025-11-15", "2025-12-31", "completed", [institute], [j1]),
        ("media_forum", "2026-01-10", None, "cancelled", [theatre], [j1]),
    ]
    for kind, starts_on, ends_on, status, partners, participants in plan:
        programme = factories.ProgrammeFactory(
            kind=kind,
            starts_on=dt.date.fromisoformat(starts_on),
            ends_on=dt.date.fromisoformat(ends_on) if ends_on else None,
            status=status,
        )
        programme.partners.set(partners)
        programme.participants.set(participants)


def _channels(owner, outsider, j1, j2, a1):
    for officer, contact, kind, cadence, created, touched, status in [
        (owner, j1, "informal", 30, "2025-10-01", at("2026-02-05"), "active"),
        (owner, a1, "formal", 60, "2025-12-20", at("2026-02-20"), "active"),
        (outsider, j2, "informal", 14, "2025-11-01", at("2026-03-10"), "active"),
        (owner, j2, "informal", 30, "2026-02-10", None, "paused"),
        (outsider, a1, "informal", 30, "2026-01-20", None, "active"),
    ]:
        factories.ChannelFactory(
            officer=officer,
            contact=contact,
            kind=kind,
            cadence_days=cadence,
            created_at=at(created, 0),
            last_touch_at=touched,
            status=status,
        )


def add_protected_journalist(network, *, owner, outsider):
    """A protected journalist of the outsider's, in every kind of row an indicator counts."""
    contact = factories.ContactFactory(
        full_name="Protected Source",
        category=Contact.Category.JOURNALIST,
        layer=Layer.NARRATIVE,
        sensitivity=Sensitivity.PROTECTED,
        owner=outsider,
        organization=network["outlet"],
        notes=NOTES,
    )
    for day, officer in [("2026-01-12", outsider), ("2026-02-13", owner), ("2025-12-02", owner)]:
        factories.ExchangeFactory(
            occurred_at=at(day), contacts=[contact], officers=[officer], notes=NOTES
        )
    factories.ChannelFactory(officer=outsider, contact=contact, created_at=at("2025-12-01", 0))
    factories.ChannelFactory(
        officer=owner, contact=contact, created_at=at("2026-01-02", 0), last_touch_at=NOW
    )
    for event in Event.objects.exclude(status=Event.Status.CANCELLED):
        factories.InvitationFactory(
            event=event, contact=contact, status="attended", role=Invitation.Role.SPEAKER
        )
    for programme in Programme.objects.all():
        programme.participants.add(contact)
    return contact


# Narrative


def test_journalist_exchanges_counts_exchanges_with_a_journalist_by_month(network, lead):
    result = measures.journalist_exchanges(lead, **Q1)

    assert figures(result) == ([1, 1, 1], 3, 1, 2)
    assert part(result, "kind", "meeting") == ([1, 0, 1], 2, 1)
    assert part(result, "kind", "call") == ([0, 1, 0], 1, 0)
    assert result.unit == "count"
    assert result.area == "narrative"


def test_journalist_exchanges_by_country_and_category(network, lead):
    russian = measures.journalist_exchanges(lead, **Q1, country="RU")
    academics = measures.journalist_exchanges(lead, **Q1, category="academic")
    journalists = measures.journalist_exchanges(lead, **Q1, category="journalist")

    assert figures(russian) == ([0, 1, 1], 2, 1, 1)
    assert figures(academics) == ([0, 0, 0], 0, 0, 0)
    assert figures(journalists) == ([1, 1, 1], 3, 1, 2)


def test_media_events_counts_held_media_events_only(network, lead):
    result = measures.media_events(lead, **Q1)

    assert figures(result) == ([1, 0, 0], 1, 1, 0)


def test_coverage_tone_is_the_mean_tone_by_month_and_theme(network, lead):
    result = measures.coverage_tone(lead, **Q1)

    assert figures(result) == ([0.0, 1.0, 2.0], 0.8, -2.0, 2.8)
    assert part(result, "theme", "security") == ([-1.0, 0.0, None], -0.5, -2.0)
    assert part(result, "theme", "civil") == ([1.0, None, None], 1.0, None)
    assert result.filters == ("layer", "country")


def test_coverage_tone_by_country(network, lead):
    result = measures.coverage_tone(lead, **Q1, country="IL")

    assert figures(result) == ([0.0, 1.0, None], 0.5, -2.0, 2.5)


def test_coverage_themes_share_beyond_security_and_each_themes_share(network, lead):
    result = measures.coverage_themes(lead, **Q1)

    assert figures(result) == ([0.5, 0.5, 1.0], 0.6, 0.0, 0.6)
    assert part(result, "theme", "security") == ([0.5, 0.5, 0.0], 0.4, 1.0)
    assert part(result, "theme", "innovation") == ([0.0, 0.0, 1.0], 0.2, 0.0)


# Digital


def test_digital_reach_sums_the_audience_by_month_and_platform(network, lead):
    result = measures.digital_reach(lead, **Q1)

    assert figures(result) == ([1500, 0, 2500], 4000, 400, 3600)
    assert part(result, "platform", "telegram") == ([1000, 0, 2500], 3500, 400)
    assert part(result, "platform", "youtube") == ([500, 0, 0], 500, 0)


# Civil


def test_programmes_started_counts_active_or_completed_by_start(network, lead):
    result = measures.programmes_started(lead, **Q1)

    assert figures(result) == ([0, 1, 0], 1, 1, 0)
    assert part(result, "kind", "technology") == ([0, 0, 0], 0, 1)


def test_programmes_active_counts_programmes_running_in_each_month(network, lead):
    result = measures.programmes_active(lead, **Q1)

    assert figures(result) == ([1, 1, 1], 2, 2, 0)
    assert part(result, "kind", "joint_research") == ([1, 0, 0], 1, 1)
    assert part(result, "kind", "student_exchange") == ([0, 1, 1], 1, 0)
    assert part(result, "kind", "technology") == ([0, 0, 0], 0, 1)


def test_programmes_active_by_partner_country(network, lead):
    result = measures.programmes_active(lead, **Q1, country="DE")

    assert figures(result) == ([0, 1, 1], 1, 1, 0)


def test_programme_participants_counts_distinct_contacts(network, lead):
    result = measures.programme_participants(lead, **Q1)

    assert figures(result) == ([1, 2, 2], 2, 2, 0)
    assert part(result, "category", "academic") == ([1, 1, 1], 1, 1)
    assert part(result, "category", "journalist") == ([0, 1, 1], 1, 1)


def test_partner_institutions_counts_distinct_partners_by_kind(network, lead):
    result = measures.partner_institutions(lead, **Q1)
    german = measures.partner_institutions(lead, **Q1, country="DE")

    assert figures(result) == ([1, 2, 2], 2, 2, 0)
    assert part(result, "kind", "university") == ([1, 1, 1], 1, 1)
    assert part(result, "kind", "research_institute") == ([0, 1, 1], 1, 1)
    assert figures(german) == ([0, 1, 1], 1, 1, 0)


# Presence


def test_events_held_by_kind_and_layer(network, lead):
    result = measures.events_held(lead, **Q1)
    narrative = measures.events_held(lead, **Q1, layer="narrative")

    assert figures(result) == ([1, 1, 1], 3, 1, 2)
    assert part(result, "kind", "cultural") == ([0, 1, 0], 1, 0)
    assert figures(narrative) == ([1, 0, 0], 1, 1, 0)


def test_acceptance_rate_over_invitations_to_events_not_cancelled(network, lead):
    result = measures.acceptance_rate(lead, **Q1)

    assert figures(result) == ([1.0, 0.6667, 0.6667], 0.7778, 0.5, 0.2778)
    assert part(result, "event_kind", "media") == ([1.0, None, 1.0], 1.0, 0.5)
    assert part(result, "event_kind", "academic") == ([None, None, 0.5], 0.5, None)


def test_acceptance_rate_of_journalists(network, lead):
    result = measures.acceptance_rate(lead, **Q1, category="journalist")

    assert figures(result) == ([1.0, 1.0, 0.0], 0.8, 0.5, 0.3)


def test_attendance_rate_over_expected_guests_at_events_held(network, lead):
    result = measures.attendance_rate(lead, **Q1)

    assert figures(result) == ([0.6667, 0.5, 1.0], 0.6667, 1.0, -0.3333)


def test_speaker_share_over_guests_who_attended(network, lead):
    result = measures.speaker_share(lead, **Q1)

    assert figures(result) == ([0.5, 1.0, 1.0], 0.75, 0.0, 0.75)


# Network health


@pytest.fixture(params=["from exchanges", "from recorded states"])
def month_starts(request, network):
    """Both ways of reading a channel's state at a month start give the same figures."""
    if request.param == "from recorded states":
        states.record_months([dt.date(2025, 12, 1), JAN, FEB, MAR], now=NOW)
    return request.param


def test_channels_within_cadence_reads_each_month_end_under_its_climate(month_starts, lead):
    result = measures.channels_within_cadence(lead, **Q1)

    assert figures(result) == ([0.75, 0.25, 0.5], 0.5, 0.3333, 0.1667)
    assert part(result, "layer", "narrative") == ([0.5, 0.0, 0.5], 0.5, 0.0)
    assert part(result, "layer", "civil_epistemic") == ([1.0, 0.5, 0.5], 0.5, 1.0)
    assert part(result, "category", "journalist") == ([0.5, 0.0, 0.5], 0.5, 0.0)
    assert part(result, "officer", "owner") == ([1.0, 0.5, 0.5], 0.5, 0.5)
    assert part(result, "officer", "outsider") == ([0.5, 0.0, 0.5], 0.5, 0.0)


def test_the_officer_breakdown_names_officers_by_full_name(network, lead, owner):
    owner.first_name, owner.last_name = "Olga", "Sokolova"
    owner.save(update_fields=["first_name", "last_name"])

    result = measures.channels_within_cadence(lead, **Q1)

    officers = {p.key for p in result.breakdown if p.by == "officer"}
    assert "Olga Sokolova" in officers
    assert "owner" not in officers
    assert "outsider" in officers  # an account with no name keeps its username


def test_channels_within_cadence_now_agrees_with_the_keep_in_touch_rules(month_starts, lead):
    active = Channel.objects.active().with_due(NOW)
    not_overdue = active.filter(overdue=False).count() / active.count()

    result = measures.channels_within_cadence(lead, **Q1)

    assert result.total == round(not_overdue, 4) == 0.5


def test_channels_within_cadence_has_no_value_for_months_to_come(month_starts, lead):
    year = {**Q1, "end": dt.date(2026, 12, 31)}

    result = measures.channels_within_cadence(lead, **year)

    assert series(result) == [0.75, 0.25, 0.5, *[None] * 9]
    assert result.total == 0.5


# From the climate's change on 15 February the informal cadences are scaled by the level's factor
# (elevated 0.75, high 0.5, crisis 0.25). The owner's exchange with j1 on 25 February sits
# 18 days before now: within 30 x 0.75 days, past 30 x 0.5. The outsider's touch of j2 on
# 10 March sits 5 days before now: within 14 x 0.5 days, past 14 x 0.25. On 1 March both
# channels read the same under every level.
@pytest.mark.parametrize(
    ("level", "march", "change", "owner_now", "outsider_now"),
    [
        ("elevated", 0.75, 0.4167, 1.0, 0.5),
        ("high", 0.5, 0.1667, 0.5, 0.5),
        ("crisis", 0.25, -0.0833, 0.5, 0.0),
    ],
)
def test_channels_within_cadence_read_live_scales_informal_cadences_by_the_climate(
    network, owner, lead, level, march, change, owner_now, outsider_now
):
    Climate.objects.update(level=level)
    j1 = network["j1"]
    factories.ExchangeFactory(occurred_at=at("2026-02-25"), contacts=[j1], officers=[owner])
    services.record_touches(contact_ids=[j1.pk], officer_ids=[owner.pk], now=NOW)

    result = measures.channels_within_cadence(lead, **Q1)

    assert figures(result) == ([0.75, 0.5, march], march, 0.3333, change)
    assert part(result, "officer", "owner") == ([1.0, 1.0, owner_now], owner_now, 0.5)
    assert part(result, "officer", "outsider") == ([0.5, 0.0, outsider_now], outsider_now, 0.0)


def test_recorded_month_starts_spare_reading_the_exchanges(network, lead):
    winter = {"start": dt.date(2025, 12, 1), "end": dt.date(2026, 2, 28), "period": "month"}
    live = measures.channels_within_cadence(lead, **winter, now=NOW)
    states.record_months([dt.date(2025, 11, 1), dt.date(2025, 12, 1), JAN, FEB, MAR], now=NOW)

    with CaptureQueriesContext(connection) as queries:
        recorded = measures.channels_within_cadence(lead, **winter, now=NOW)

    assert recorded == live
    assert figures(recorded) == ([0.3333, 0.75, 0.25], 0.25, 0.0, 0.25)
    assert not [q for q in queries.captured_queries if '"contacts_exchange' in q["sql"]]


def test_a_late_exchange_is_recorded_where_it_happened(network, owner, lead):
    states.record_months([dt.date(2025, 12, 1), JAN, FEB, MAR], now=NOW)
    before = measures.channels_within_cadence(lead, **Q1)
    a1 = network["a1"]
    # The owner's informal channel with j1 (30 days, touched 5 February) was overdue on
    # 1 March under the elevated climate; an exchange of 20 February logged late saves it.
    late = factories.ExchangeFactory(
        occurred_at=at("2026-02-20"), contacts=[network["j1"], a1], officers=[owner]
    )
    services.record_touches(contact_ids=[network["j1"].pk, a1.pk], officer_ids=[owner.pk], now=NOW)

    after = measures.channels_within_cadence(lead, **Q1)

    assert series(before) == [0.75, 0.25, 0.5]
    assert series(after) == [0.75, 0.5, 0.5]
    late.delete()
    services.record_touches(contact_ids=[network["j1"].pk, a1.pk], officer_ids=[owner.pk], now=NOW)
    assert measures.channels_within_cadence(lead, **Q1) == before


def test_every_reader_gets_the_missions_months_whatever_their_own_zone(
    network, month_starts, owner, lead
):
    # 31 January at 20:00 UTC is already 1 February in Tokyo: still January for everyone.
    factories.ExchangeFactory(
        occurred_at=dt.datetime(2026, 1, 31, 20, 0, tzinfo=dt.UTC),
        contacts=[network["j1"]],
        officers=[owner],
    )
    in_utc = measures.compute_all(lead, **Q1)

    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        in_tokyo = measures.compute_all(lead, **Q1)

    assert in_tokyo == in_utc
    assert (in_utc[0].name, series(in_utc[0])) == ("journalist_exchanges", [2, 1, 1])


def test_single_channel_organizations(network, lead):
    result = measures.single_channel_organizations(lead, **Q1)

    assert figures(result) == ([1, 1, 1], 1, 2, -1)
    assert part(result, "kind", "media_outlet") == ([1, 1, 1], 1, 1)
    assert part(result, "kind", "university") == ([0, 0, 0], 0, 1)


# Security


def test_friction_incidents_by_month_and_severity(network, lead):
    result = measures.friction_incidents(lead, **Q1)
    narrative = measures.friction_incidents(lead, **Q1, layer="narrative")

    assert figures(result) == ([0, 2, 0], 2, 1, 1)
    assert part(result, "severity", "high") == ([0, 1, 0], 1, 0)
    assert figures(narrative) == ([0, 0, 0], 0, 0, 0)


def test_coordination_outcomes_share_held(network, lead):
    result = measures.coordination_outcomes(lead, **Q1)

    assert figures(result) == ([1.0, 0.0, 0.5], 0.5, 0.0, 0.5)
    assert part(result, "outcome", "failed") == ([0.0, 0.0, 0.5], 0.25, 1.0)


# Periods and windows


def test_a_quarter_is_one_bucket(network, lead):
    quarter = {**Q1, "period": "quarter"}

    result = measures.coverage_tone(lead, **quarter)

    assert [(point.start, point.value) for point in result.series] == [(JAN, 0.8)]
    assert (result.total, result.previous) == (0.8, -2.0)


def test_years_compare_with_as_many_years_before(network, lead):
    two_years = {**Q1, "start": dt.date(2025, 1, 1), "end": dt.date(2026, 12, 31)}

    result = measures.friction_incidents(lead, **{**two_years, "period": "year"})

    assert [(p.start, p.value) for p in result.series] == [
        (dt.date(2025, 1, 1), 1),
        (dt.date(2026, 1, 1), 2),
    ]
    assert (result.total, result.previous) == (3, 0)


def test_a_custom_range_compares_with_as_many_days_before(network, lead):
    # 15 January to 14 February (31 days) against 15 December to 14 January.
    custom = {**Q1, "start": dt.date(2026, 1, 15), "end": dt.date(2026, 2, 14)}

    result = measures.journalist_exchanges(lead, **custom)

    assert [(p.start, p.value) for p in result.series] == [(JAN, 0), (FEB, 1)]
    assert (result.total, result.previous, result.change) == (1, 1, 0)


def test_previous_window_of_whole_months_and_of_days():
    now = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)  # both windows are over
    quarter = measures.Window(dt.date(2026, 4, 1), dt.date(2026, 6, 30), "month", now)
    days = measures.Window(dt.date(2026, 3, 10), dt.date(2026, 3, 19), "month", now)

    assert quarter.previous().start == dt.date(2026, 1, 1)
    assert quarter.previous().end == dt.date(2026, 3, 31)
    assert days.previous().start == dt.date(2026, 2, 28)
    assert days.previous().end == dt.date(2026, 3, 9)


def test_the_whole_dashboard_reads_the_invitations_once_for_the_three_rates(network, lead):
    rates = ["acceptance_rate", "attendance_rate", "speaker_share"]
    alone = {name: measures.compute(name, lead, **Q1) for name in rates}

    with CaptureQueriesContext(connection) as queries:
        results = {result.name: result for result in measures.compute_all(lead, **Q1)}

    invitations = [q for q in queries.captured_queries if 'FROM "events_invitation"' in q["sql"]]
    assert len(invitations) == 1
    assert {name: results[name] for name in rates} == alone
    # Nothing is kept past compute_all: the next figure reads the invitations again.
    with CaptureQueriesContext(connection) as queries:
        measures.compute("attendance_rate", lead, **Q1)
    assert [q for q in queries.captured_queries if 'FROM "events_invitation"' in q["sql"]]


def test_each_indicator_is_one_aggregate_query(network, lead):
    for name in measures.REGISTRY:
        with CaptureQueriesContext(connection) as queries:
            measures.compute(name, lead, **Q1)
        sql = [query["sql"] for query in queries.captured_queries]
        # Besides: one read of the climate history and one of the recorded month starts
        # (channels), one of the longest cadence (channels, for the instants read from the
        # exchanges), one of the reader's roles.
        climate = [text for text in sql if 'FROM "contacts_climate"' in text]
        recorded = [text for text in sql if 'FROM "contacts_recordedmonth"' in text]
        longest = [text for text in sql if 'SELECT MAX("contacts_channel"."cadence_days")' in text]
        roles = [text for text in sql if 'FROM "auth_group"' in text]
        assert len(climate) <= 1, name
        assert len(recorded) <= 1, name
        assert len(longest) <= 1, name
        assert len(roles) <= 1, name
        assert len(sql) - len(climate) - len(recorded) - len(longest) - len(roles) == 1, name


# visible_to and analysts

FILTERS = [{}, {"category": "journalist"}, {"country": "IL"}, {"layer": "narrative"}]


def _everything(reader) -> list:
    return [measures.compute_all(reader, **Q1, **filters) for filters in FILTERS]


def test_a_protected_contact_changes_no_figure_for_a_reader_who_may_not_see_it(
    network, month_starts, owner, outsider, lead, analyst, admin_user
):
    before = {reader.username: _everything(reader) for reader in (lead, analyst)}
    admin_before = _everything(admin_user)

    add_protected_journalist(network, owner=owner, outsider=outsider)
    if month_starts == "from recorded states":
        states.record_months([dt.date(2025, 12, 1), JAN, FEB, MAR], now=NOW)

    for reader in (lead, analyst):
        assert _everything(reader) == before[reader.username], reader.username
    changed = {
        result.name
        for results, earlier in zip(_everything(admin_user), admin_before, strict=True)
        for result, old in zip(results, earlier, strict=True)
        if result != old
    }
    assert changed == {
        "journalist_exchanges",
        "programme_participants",
        "acceptance_rate",
        "attendance_rate",
        "speaker_share",
        "channels_within_cadence",
        "single_channel_organizations",
        # With ?category=journalist, a programme counts when a journalist takes part: the
        # admin sees the protected journalist in the joint research programme too.
        "programmes_active",
        "partner_institutions",
    }


def test_analysts_get_no_officer_breakdown_and_leads_do(network, lead, analyst):
    for_lead = measures.channels_within_cadence(lead, **Q1)
    for_analyst = measures.channels_within_cadence(analyst, **Q1)

    assert {p.by for p in for_lead.breakdown} == {"layer", "category", "officer"}
    assert {p.by for p in for_analyst.breakdown} == {"layer", "category"}
    assert for_analyst.series == for_lead.series


def test_analysts_read_no_note_and_no_name_from_any_indicator(network, analyst):
    with time_machine.travel(NOW, tick=False):
        every = api(analyst).get(f"{API}/indicators/", {"from": "2025-01-01", "to": "2026-12-31"})
        ones = [
            api(analyst).get(f"{API}/indicators/{name}/", {"from": "2026-01-01"})
            for name in measures.REGISTRY
        ]

    for response in [every, *ones]:
        assert response.status_code == 200
        text = response.content.decode()
        for secret in (NOTES, "Journalist One", "Academic One", "owner", "outsider"):
            assert secret not in text


# The API


def test_indicators_list_has_every_indicator_in_one_page(network, lead):
    with time_machine.travel(NOW, tick=False):
        response = api(lead).get(f"{API}/indicators/", {"from": "2026-01-01", "to": "2026-03-31"})

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == len(measures.REGISTRY) == 17
    assert body["next"] is None
    assert [result["name"] for result in body["results"]] == list(measures.REGISTRY)
    assert all(set(result) == RESULT_FIELDS for result in body["results"])


def test_one_indicator_answers_its_series_total_and_change(network, lead):
    with time_machine.travel(NOW, tick=False):
        response = api(lead).get(
            f"{API}/indicators/coverage_tone/", {"from": "2026-01-01", "to": "2026-03-31"}
        )

    body = response.json()
    assert response.status_code == 200
    assert set(body) == RESULT_FIELDS
    assert (body["name"], body["period"], body["unit"]) == ("coverage_tone", "month", "mean")
    assert (body["start"], body["end"]) == ("2026-01-01", "2026-03-31")
    assert body["series"] == [
        {"start": "2026-01-01", "value": 0.0, "partial": False},
        {"start": "2026-02-01", "value": 1.0, "partial": False},
        {"start": "2026-03-01", "value": 2.0, "partial": True},  # to 15 March
    ]
    assert (body["total"], body["previous"], body["change"]) == (0.8, -2.0, 2.8)
    # Q1 runs to 15 March: against the same days of Q4, 1 October to 15 December.
    assert (body["previous_start"], body["previous_end"]) == ("2025-10-01", "2025-12-15")
    assert (body["polarity"], body["assessment"]) == ("higher_is_better", "better")
    assert body["filters"] == ["layer", "country"]
    civil = next(p for p in body["breakdown"] if p["key"] == "civil")
    assert civil == {
        "by": "theme",
        "key": "civil",
        "series": [
            {"start": "2026-01-01", "value": 1.0, "partial": False},
            {"start": "2026-02-01", "value": None, "partial": False},
            {"start": "2026-03-01", "value": None, "partial": True},
        ],
        "total": 1.0,
        "previous": None,
        "change": None,
        "polarity": "higher_is_better",
        "assessment": None,
    }


def test_counts_are_integers_in_json(network, lead):
    with time_machine.travel(NOW, tick=False):
        response = api(lead).get(
            f"{API}/indicators/digital_reach/", {"from": "2026-01-01", "to": "2026-03-31"}
        )

    body = json.loads(response.content)
    assert [point["value"] for point in body["series"]] == [1500, 0, 2500]
    assert isinstance(body["total"], int)


def test_indicator_filters_reach_the_queries(network, lead):
    with time_machine.travel(NOW, tick=False):
        response = api(lead).get(
            f"{API}/indicators/journalist_exchanges/",
            {"from": "2026-01-01", "to": "2026-03-31", "country": "RU", "period": "quarter"},
        )

    body = response.json()
    assert body["series"] == [{"start": "2026-01-01", "value": 2, "partial": True}]
    assert (body["total"], body["previous"]) == (2, 1)


def test_the_default_window_is_twelve_months_up_to_today(db, lead):
    with time_machine.travel(NOW, tick=False):
        response = api(lead).get(f"{API}/indicators/events_held/")

    body = response.json()
    assert (body["start"], body["end"]) == ("2025-04-01", "2026-03-15")
    assert len(body["series"]) == 12


def test_unknown_indicator_is_404_in_the_error_shape(db, lead):
    response = api(lead).get(f"{API}/indicators/horoscope/")

    assert response.status_code == 404
    assert set(response.json()) == {"status", "code", "detail", "fields"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"period": "week"}, "period"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "from"),
        ({"from": "2010-01-01", "to": "2026-01-01"}, "from"),
        ({"from": "0001-01-01"}, "from"),
        ({"layer": "economic"}, "layer"),
        ({"category": "spy"}, "category"),
        ({"country": "XX"}, "country"),
    ],
)
def test_bad_filters_are_400_with_field_messages(db, lead, query, field):
    for path in (f"{API}/indicators/", f"{API}/indicators/events_held/"):
        response = api(lead).get(path, query)

        assert response.status_code == 400, (path, query)
        assert response.json()["code"] == "invalid"
        assert list(response.json()["fields"]) == [field]


def test_indicators_are_for_leads_analysts_and_admins(db, owner, planner, analyst, admin_user):
    assert api().get(f"{API}/indicators/").status_code == 401
    assert api(owner).get(f"{API}/indicators/").status_code == 403
    assert api(planner).get(f"{API}/indicators/events_held/").status_code == 403
    assert api(analyst).get(f"{API}/indicators/").status_code == 200
    assert api(admin_user).get(f"{API}/indicators/").status_code == 200


def test_indicators_are_documented_in_the_schema(analyst):
    document = api(analyst).get(f"{API}/schema/?format=json").json()

    paths = document["paths"]
    assert set(paths[f"{API}/indicators/"]) == {"get"}
    assert set(paths[f"{API}/indicators/{{name}}/"]) == {"get"}
    parameters = {p["name"] for p in paths[f"{API}/indicators/"]["get"]["parameters"]}
    assert {"from", "to", "period", "layer", "category", "country"} <= parameters
    one = paths[f"{API}/indicators/{{name}}/"]["get"]
    assert {"200", "400", "404"} <= set(one["responses"])
    name = next(p for p in one["parameters"] if p["name"] == "name")
    assert sorted(name["schema"]["enum"]) == sorted(measures.REGISTRY)
