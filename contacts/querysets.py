"""Reads: one queryset per model, with ``visible_to(user)`` deciding what a user may see.

Every list, detail, search, export, API, digest and count goes through ``visible_to``.
The models are reached through ``self.model`` relations rather than imports, because
``contacts.models`` imports this module.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest

from contacts import search
from contacts.access import Role, has_role
from contacts.expressions import PlusHours


def _can_see_anything(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _related_model(model, field_name: str):
    return model._meta.get_field(field_name).related_model


def contact_visible_to(user, prefix: str = "") -> Q:
    """The condition on a contact (reached through ``prefix``) that the user may see it:
    standard to all staff; restricted to the owner, the owner's teammates and grantees;
    protected to the owner and grantees only; everything to superusers, nothing to a user
    who is not signed in and active."""
    if not _can_see_anything(user):
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    return _sensitivity_rule(prefix, user=user, user_in_subquery=user)


def contact_visible_to_user_in(user_field: str, prefix: str = "") -> Q:
    """``contact_visible_to`` for the user that the rows filtered name in ``user_field`` (a
    foreign key to users), so that one statement decides for many users at once."""
    rule = _sensitivity_rule(prefix, user=F(user_field), user_in_subquery=OuterRef(user_field))
    return _for_user_in(user_field, rule)


def _for_user_in(user_field: str, rule: Q) -> Q:
    """``rule`` (what a user who is not a superuser may see) for the user in ``user_field``:
    nothing for an inactive user, everything for a superuser."""
    is_superuser = Q(**{f"{user_field}__is_superuser": True})
    return Q(**{f"{user_field}__is_active": True}) & (is_superuser | rule)


def _sensitivity_rule(prefix: str, *, user, user_in_subquery) -> Q:
    """The rule for a user who is not a superuser: standard; owned by the user; granted to
    them; restricted and owned by one of their teammates. ``user`` is a user or a column,
    ``user_in_subquery`` the same seen from inside a subquery of the rows filtered."""
    grant_model = apps.get_model("contacts", "Grant")
    granted = grant_model.objects.filter(user=user_in_subquery).values("contact_id")
    teammates = get_user_model().objects.filter(teams__members=user_in_subquery).values("pk")
    return (
        Q(**{f"{prefix}sensitivity": "standard"})
        | Q(**{f"{prefix}owner": user})
        | Q(**{f"{prefix}pk__in": granted})
        | Q(**{f"{prefix}sensitivity": "restricted", f"{prefix}owner__in": teammates})
    )


class NameKeysQuerySet(models.QuerySet):
    """Keeps the folded search key and the consonant skeleton of each row's names current
    (``contacts/names.py``) where ``Model.save`` is not called: ``update``, ``bulk_create``
    and ``bulk_update``. The model names its name fields in ``NAME_FIELDS`` and sets its keys
    in ``set_name_keys()``."""

    def _names_in(self, fields) -> bool:
        return any(field in self.model.NAME_FIELDS for field in fields)

    def update(self, **kwargs):
        if not self._names_in(kwargs):
            return super().update(**kwargs)
        pks = list(self.values_list("pk", flat=True))
        updated = super().update(**kwargs)
        rows = list(self.model._base_manager.filter(pk__in=pks).only(*self.model.NAME_FIELDS))
        for row in rows:
            row.set_name_keys()
        self.model._base_manager.bulk_update(rows, ["search_key", "name_skeleton"], 1000)
        return updated

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.set_name_keys()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = list(objs), list(fields)
        if self._names_in(fields):
            for obj in objs:
                obj.set_name_keys()
            fields = list(dict.fromkeys([*fields, "search_key", "name_skeleton"]))
        return super().bulk_update(objs, fields, *args, **kwargs)


class ContactQuerySet(NameKeysQuerySet):
    def visible_to(self, user) -> ContactQuerySet:
        """Contacts the user may see: standard to all staff; restricted to the owner, the
        owner's teammates and grantees; protected to the owner and grantees only."""
        if not _can_see_anything(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(contact_visible_to(user))

    def search(self, term: str) -> ContactQuerySet:
        """Contacts whose name, in either script, or whose organization's name contains
        ``term`` (any case): the contacts list's search box and the contact picker."""
        term = term.strip()
        if not term:
            return self
        # One branch per column and one for the organizations, each answered from a
        # trigram index on PostgreSQL (contacts/search.py); an OR across them reads every row.
        organizations = _related_model(self.model, "organization").objects.search_names(term)
        by_organization = Q(organization__in=organizations.values("pk"))
        also = [*search.key_conditions(term), by_organization]
        return self.filter(search.any_contains(self.model, search.CONTACT_NAMES, term, also=also))

    def with_overdue_for(self, officer, now) -> ContactQuerySet:
        """Annotate ``overdue_for_me``: the officer holds an overdue channel with the contact."""
        channel_model = _related_model(self.model, "channels")
        overdue = channel_model.objects.overdue(now).filter(officer=officer, contact=OuterRef("pk"))
        return self.annotate(overdue_for_me=Exists(overdue))

    def with_channel_dates(self, now) -> ContactQuerySet:
        """Annotate ``last_touch_at`` (the latest touch of any of the contact's channels)
        and ``next_due_at`` (the soonest next due moment of its active channels, under the
        climate in force at ``now``); None without such a channel."""
        channel_model = _related_model(self.model, "channels")
        # A subquery per contact, through the (contact, officer) index: PostgreSQL runs it
        # for the page's rows only unless the list is sorted by it (0.1 s for a page at
        # 100,000 contacts; 0.6 to 1.1 s sorted by it). Grouping the channels by contact
        # in a join was four times slower.
        channels = channel_model.objects.filter(contact=OuterRef("pk")).order_by()
        last_touch = channels.values("contact").annotate(at=Max("last_touch_at")).values("at")
        next_due = channels.active().with_due(now).values("contact").annotate(at=Min("next_due_at"))
        return self.annotate(
            last_touch_at=Subquery(last_touch), next_due_at=Subquery(next_due.values("at"))
        )


class OrganizationQuerySet(NameKeysQuerySet):
    def search(self, term: str) -> OrganizationQuerySet:
        """Organizations whose name, in either script, or city contains ``term`` (any
        case): the organizations list's search box and the organization picker."""
        term = term.strip()
        if not term:
            return self
        return self.filter(
            search.any_contains(
                self.model,
                search.ORGANIZATION_NAMES_AND_PLACE,
                term,
                also=search.key_conditions(term),
            )
        )

    def search_names(self, term: str) -> OrganizationQuerySet:
        """Organizations whose name, in either script, contains ``term`` (any case)."""
        return self.filter(
            search.any_contains(
                self.model, search.ORGANIZATION_NAMES, term, also=search.key_conditions(term)
            )
        )


class ExposesContactQuerySet(models.QuerySet):
    """For models that name exactly one contact: visible when that contact is."""

    contact_field = "contact"

    def visible_to(self, user):
        """Rows whose contact the user may see."""
        if not _can_see_anything(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        # On the joined contact, which the caller often joins anyway for its fields.
        return self.filter(contact_visible_to(user, prefix=f"{self.contact_field}__"))


class AffiliationQuerySet(ExposesContactQuerySet):
    pass


class GrantQuerySet(ExposesContactQuerySet):
    pass


def informal_factor(now) -> float:
    """The cadence factor of informal channels under the climate in force at ``now``."""
    level = apps.get_model("contacts", "Climate").objects.level_at(now)
    return settings.CLIMATE_FACTORS[level]


def _hours_per_cadence_day(factor: float):
    """Hours one cadence day lasts: scaled by the climate for informal channels only."""
    # Cast: a bare float parameter reaches PostgreSQL as numeric, and numeric arithmetic
    # over every channel row costs twice as much as double precision.
    return Case(
        When(kind="informal", then=Cast(Value(24.0 * factor), FloatField())),
        default=Cast(Value(24.0), FloatField()),
        output_field=FloatField(),
    )


def _counted_from():
    """A channel's start of count: its latest touch, else its creation, or a later
    dismissal or resumption (``count_restarted_at``)."""
    touched_or_created = Coalesce(F("last_touch_at"), F("created_at"))
    return Greatest(touched_or_created, Coalesce(F("count_restarted_at"), touched_or_created))


def _cadence_hours(factor: float):
    """A channel's effective cadence in hours under the climate ``factor``."""
    return ExpressionWrapper(
        F("cadence_days") * _hours_per_cadence_day(factor), output_field=FloatField()
    )


def cadence_start(when, factor: float):
    """``when`` minus a channel's effective cadence under the climate ``factor`` in force
    then: a channel counted from a later moment was not overdue at ``when``."""
    hours = ExpressionWrapper(
        F("cadence_days") * _hours_per_cadence_day(factor) * Value(-1.0),
        output_field=FloatField(),
    )
    return PlusHours(Value(when), hours)


def kept_up_at(when, since: str, factor: float, among: models.QuerySet) -> Q:
    """Channels counted from a moment in (``since``, ``when``]: their creation, a restart of
    their count, or a touch (an exchange naming both their officer and their contact).
    ``since`` names an annotation of the channels holding their ``cadence_start`` under
    the climate ``factor`` in force at ``when``; ``among`` is the channels tested (without
    annotations).

    ``last_touch_at`` is the latest touch: when it is not after ``when`` it is also the
    latest touch by then, so the exchanges are read only for channels touched since. Those
    are found among ``among`` by one statement of their own, which the database runs once
    (hashed, for many channels): an ``EXISTS`` here, inside an ``OR`` or an aggregate's
    ``FILTER``, would run once per channel, and a subquery per channel is several times
    slower than one pass for all of them (the figures are in BENCHMARKS.md).
    """
    touch = apps.get_model("contacts", "Exchange").objects.filter(
        contacts=OuterRef("contact_id"),
        officers=OuterRef("officer_id"),
        occurred_at__gt=OuterRef("touch_since"),
        occurred_at__lte=when,
    )
    touched = (
        among.filter(last_touch_at__gt=when)
        .annotate(touch_since=cadence_start(when, factor))
        .filter(Exists(touch))
        .values("pk")
    )
    start = F(since)
    return (
        Q(created_at__gt=start, created_at__lte=when)
        | Q(count_restarted_at__gt=start, count_restarted_at__lte=when)
        | Q(last_touch_at__gt=start, last_touch_at__lte=when)
        | Q(last_touch_at__gt=when, pk__in=touched)
    )


class ChannelQuerySet(ExposesContactQuerySet):
    def for_officer(self, officer) -> ChannelQuerySet:
        """The channels an officer holds."""
        return self.filter(officer=officer)

    def active(self) -> ChannelQuerySet:
        """Channels that must be kept alive (not paused, not closed)."""
        return self.filter(status="active")

    def with_due(self, now) -> ChannelQuerySet:
        """Annotate ``counted_from_at`` (the latest touch, else creation, or a later
        dismissal), ``next_due_at`` (that plus the effective cadence under the climate in
        force at ``now``) and ``overdue`` (active and due at or before ``now``)."""
        factor = informal_factor(now)
        counted_from = _counted_from()
        return self.annotate(
            counted_from_at=counted_from,
            next_due_at=PlusHours(counted_from, _cadence_hours(factor)),
        ).annotate(
            overdue=Case(
                When(status="active", next_due_at__lte=now, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )

    def overdue(self, now) -> ChannelQuerySet:
        """Active channels whose next due moment is at or before ``now``."""
        return self.with_due(now).filter(status="active", next_due_at__lte=now)

    def overdue_counts_by_level(self, now) -> dict[str, int]:
        """How many active channels would be overdue at ``now`` under each climate level:
        ``{level: count}``, one statement; the level in force at ``now`` gives
        ``overdue(now).count()``. No channel, contact or officer is named."""
        counted_from = _counted_from()
        due = {
            f"due_under_{level}": PlusHours(counted_from, _cadence_hours(factor))
            for level, factor in settings.CLIMATE_FACTORS.items()
        }
        counts = (
            self.active()
            .annotate(**due)
            .aggregate(
                **{
                    level: Count("pk", filter=Q(**{f"due_under_{level}__lte": now}))
                    for level in settings.CLIMATE_FACTORS
                }
            )
        )
        return {level: counts[level] for level in settings.CLIMATE_FACTORS}

    def escalated(self, now) -> ChannelQuerySet:
        """Key channels overdue by more than ``ESCALATION_DAYS``, scaled like the cadence."""
        factor = informal_factor(now)
        grace_hours = ExpressionWrapper(
            Value(float(settings.ESCALATION_DAYS)) * _hours_per_cadence_day(factor),
            output_field=FloatField(),
        )
        return (
            self.overdue(now)
            .filter(priority="key")
            .annotate(escalates_at=PlusHours(F("next_due_at"), grace_hours))
            .filter(escalates_at__lt=now)
        )

    def status_counts(self) -> dict[str, int]:
        """How many channels hold each status, zeros included: ``{status: count}``."""
        return self.aggregate(
            **{status: Count("pk", filter=Q(status=status)) for status in _channel_statuses(self)}
        )

    def kept_within_cadence_by(self, field: str, now) -> models.QuerySet:
        """Active channels per ``field`` value: ``channels``, ``kept`` (not overdue), ``share``."""
        return (
            self.active()
            .with_due(now)
            .order_by()
            .values(field)
            .annotate(channels=Count("pk"), kept=Count("pk", filter=Q(next_due_at__gt=now)))
            .annotate(share=_percent("kept", "channels"))
            .order_by(field)
        )

    def overdue_by_officer(self, now) -> models.QuerySet:
        """Per officer: active ``channels`` and those ``overdue`` at ``now``, most overdue first."""
        return (
            self.active()
            .with_due(now)
            .order_by()
            .values("officer_id", "officer__username")
            .annotate(channels=Count("pk"), overdue=Count("pk", filter=Q(next_due_at__lte=now)))
            .order_by("-overdue", "officer__username", "officer_id")
        )

    def single_channel_organizations(self) -> models.QuerySet:
        """Organizations whose contacts here hold exactly one active channel in all."""
        return (
            self.active()
            .filter(contact__organization__isnull=False)
            .order_by()
            .values("contact__organization", "contact__organization__name")
            .annotate(channels=Count("pk"))
            .filter(channels=1)
            .order_by("contact__organization__name", "contact__organization")
        )


def _channel_statuses(queryset) -> list[str]:
    return [value for value, _ in queryset.model._meta.get_field("status").choices]


def _percent(part: str, whole: str):
    """``100 × part / whole`` as a float, computed by the database."""
    return ExpressionWrapper(
        Cast(part, FloatField()) * Value(100.0) / Cast(whole, FloatField()),
        output_field=FloatField(),
    )


class ExchangeQuerySet(models.QuerySet):
    def changeable_by(self, user) -> ExchangeQuerySet:
        """Exchanges a user may edit or delete: those they wrote or took part in (all, for
        a superuser). Combine with ``visible_to``."""
        if user.is_superuser:
            return self.all()
        officers = self.model.officers.through.objects.filter(exchange=OuterRef("pk"), user=user)
        return self.filter(Q(created_by=user) | Q(Exists(officers)))

    def with_may_change(self, user) -> ExchangeQuerySet:
        """Annotate ``may_change``: whether ``changeable_by(user)`` holds for the row."""
        changeable = self.model.objects.changeable_by(user).filter(pk=OuterRef("pk"))
        return self.annotate(may_change=Exists(changeable))

    def refresh_names_journalist(self) -> int:
        """Store on these exchanges whether they name a journalist, writing only the rows
        whose flag changes; returns how many did."""
        contact_model = _related_model(self.model, "contacts")
        named = Exists(
            self.model.contacts.through.objects.filter(
                exchange=OuterRef("pk"), contact__category=contact_model.Category.JOURNALIST
            )
        )
        return self.exclude(names_journalist=named).update(names_journalist=named)

    def visible_to(self, user) -> ExchangeQuerySet:
        """Exchanges all of whose contacts the user may see and, once sealed, only by
        their readers."""
        if not _can_see_anything(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        contact_model = _related_model(self.model, "contacts")
        # Named positively (the contacts the user may not see, a minority), the database
        # can match them as a small set instead of testing every row against the rest.
        hidden = contact_model.objects.exclude(contact_visible_to(user)).values("pk")
        # The exchanges the user reads, as one set (an IN over an uncorrelated subquery,
        # hashed once): a per-exchange EXISTS here keeps PostgreSQL from a parallel plan.
        read = self.model.readers.through.objects.filter(user=user).values("exchange_id")
        return self.filter(_readable_rule("", hidden=Q(contact__in=hidden), reader=Q(pk__in=read)))


def exchange_readable_by(user, prefix: str = "") -> Q:
    """``ExchangeQuerySet.visible_to`` for one user as a condition on the exchange reached
    through ``prefix``, tested through that exchange's own contact links and readers (for
    a few exchanges; ``visible_to`` is the faster for many)."""
    if not _can_see_anything(user):
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    hidden = ~_sensitivity_rule("contact__", user=user, user_in_subquery=user)
    exchange_model = apps.get_model("contacts", "Exchange")
    readers = exchange_model.readers.through.objects.filter(
        exchange=OuterRef(f"{prefix}pk"), user=user
    )
    return _readable_rule(prefix, hidden=hidden, reader=Exists(readers))


def exchange_readable_by_user_in(user_field: str, prefix: str = "") -> Q:
    """``ExchangeQuerySet.visible_to`` for the user that the rows filtered name in
    ``user_field`` (a foreign key to users), the exchange reached through ``prefix``: one
    statement decides for many users at once."""
    # Seen from the exchange's contact links, and from their own subqueries.
    user, user_further_in = OuterRef(user_field), OuterRef(OuterRef(user_field))
    hidden = ~_sensitivity_rule("contact__", user=user, user_in_subquery=user_further_in)
    exchange_model = apps.get_model("contacts", "Exchange")
    readers = exchange_model.readers.through.objects.filter(
        exchange=OuterRef(f"{prefix}pk"), user=user
    )
    rule = _readable_rule(prefix, hidden=hidden, reader=Exists(readers))
    return _for_user_in(user_field, rule)


def _readable_rule(prefix: str, *, hidden: Q, reader: Q | Exists) -> Q:
    """For a user who is not a superuser: no contact on the exchange (reached through
    ``prefix``) is ``hidden`` from them (a condition on its contact links) and, once it is
    sealed, they are among its readers (``reader``, a condition on the exchange)."""
    exchange_model = apps.get_model("contacts", "Exchange")
    links = exchange_model.contacts.through.objects.filter(exchange=OuterRef(f"{prefix}pk"))
    return ~Exists(links.filter(hidden)) & (Q(**{f"{prefix}is_sealed": False}) | reader)


class ClimateQuerySet(models.QuerySet):
    def current(self, now):
        """The climate record in force at ``now`` (the latest started), or None."""
        return self.filter(started_at__lte=now).order_by("-started_at", "-pk").first()

    def level_at(self, now) -> str:
        """The climate level in force at ``now``; no record means ``normal``."""
        record = self.current(now)
        return record.level if record else "normal"


class ReminderQuerySet(models.QuerySet):
    def visible_to(self, user) -> ReminderQuerySet:
        """A user's own reminders, and a lead's those of their teams' officers, as long as
        every contact they name is visible to the user."""
        if not _can_see_anything(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        audience = Q(recipient=user)
        if has_role(user, Role.LEAD):
            # The lead and their teammates read first (a handful of ids), so that the
            # planner finds their reminders through the recipient index and counts them
            # right; as a subquery it guesses hundreds and tests every reminder's exchange.
            readers = get_user_model().objects.filter(Q(pk=user.pk) | Q(teams__members=user))
            audience = Q(recipient__in=set(readers.values_list("pk", flat=True)))
        # Each reminder is tested through its own channel and exchange (a subquery per
        # reminder, by primary key and the exchange's contact links), never against every
        # channel or exchange the user may see: a mission-wide set would be read whole.
        channel_model = _related_model(self.model, "channel")
        exchange_model = _related_model(self.model, "exchange")
        channel = channel_model.objects.filter(pk=OuterRef("channel_id"))
        exchange = exchange_model.objects.filter(pk=OuterRef("exchange_id"))
        return self.filter(audience).filter(
            Q(channel__isnull=True)
            | Exists(channel.filter(contact_visible_to(user, prefix="contact__"))),
            Q(exchange__isnull=True) | Exists(exchange.filter(exchange_readable_by(user))),
        )

    def pending(self) -> ReminderQuerySet:
        """Reminders still waiting for someone: open or snoozed (the sweep, an exchange,
        a snooze and a dismissal act on these only)."""
        return self.filter(status__in=["open", "snoozed"])


class TagQuerySet(models.QuerySet):
    def visible_to(self, user) -> TagQuerySet:
        """Tags carried by a contact the user may see, or by none yet (a new tag says
        nothing about anyone); all, for a superuser."""
        if not _can_see_anything(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        links = self.model.contacts.through.objects.filter(tag=OuterRef("pk"))
        carried_visibly = links.filter(contact_visible_to(user, prefix="contact__"))
        return self.filter(Exists(carried_visibly) | ~Exists(links))

    def named(self, name: str):
        """The tag of this name in any case (the oldest), created when there is none: the
        web form and the API tag alike, so "Press" and "press" stay one tag."""
        existing = self.filter(name__iexact=name).order_by("pk").first()
        return existing or self.get_or_create(name=name)[0]
