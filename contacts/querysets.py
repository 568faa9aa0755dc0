"""Reads: one queryset per model, with ``visible_to(user)`` deciding what a user may see.

Every list, detail, search, export, API, digest and count goes through ``visible_to``.
The models are reached through ``self.model`` relations rather than imports, because
``contacts.models`` imports this module.
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, models, transaction
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
from django.db.models.sql import UpdateQuery

from contacts import search
from contacts.access import ROLES, Role, has_role, is_staff_member
from contacts.expressions import PlusHours


def _can_see_anything(user) -> bool:
    return is_staff_member(user)


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
    nothing for an inactive user or one without a role, everything for a superuser."""
    is_superuser = Q(**{f"{user_field}__is_superuser": True})
    memberships = get_user_model().groups.through.objects.filter(
        user=OuterRef(user_field), group__name__in=ROLES
    )
    return Q(**{f"{user_field}__is_active": True}) & (is_superuser | (Exists(memberships) & rule))


def seen_by_all_staff(prefix: str = "") -> Q:
    """The contacts (reached through ``prefix``) that every user who may see anything may
    see: the standard ones, the first branch of every user's rule."""
    return Q(**{f"{prefix}sensitivity": "standard"})


def _sensitivity_rule(prefix: str, *, user, user_in_subquery) -> Q:
    """The rule for a user who is not a superuser: standard; owned by the user; granted to
    them; restricted and owned by one of their teammates. ``user`` is a user or a column,
    ``user_in_subquery`` the same seen from inside a subquery of the rows filtered."""
    grant_model = apps.get_model("contacts", "Grant")
    granted = grant_model.objects.filter(user=user_in_subquery).values("contact_id")
    teammates = get_user_model().objects.filter(teams__members=user_in_subquery).values("pk")
    return (
        seen_by_all_staff(prefix)
        | Q(**{f"{prefix}owner": user})
        | Q(**{f"{prefix}pk__in": granted})
        | Q(**{f"{prefix}sensitivity": "restricted", f"{prefix}owner__in": teammates})
    )


class NameKeysQuerySet(models.QuerySet):
    """Keeps the folded search key and the consonant skeleton of each row's names current
    (``contacts/names.py``), and the model's ``OTHER_KEYS`` (a contact's phone and e-mail
    keys), where ``Model.save`` is not called: ``update``, ``bulk_create`` and
    ``bulk_update``. The model names its name fields in ``NAME_FIELDS`` and sets its keys in
    ``set_name_keys()`` (``KeptNameKeys``)."""

    def update(self, **kwargs):
        kept = self.model.keys_of(kwargs)
        if not kept:
            return super().update(**kwargs)
        pks = list(self.values_list("pk", flat=True))
        updated = super().update(**kwargs)
        rows = list(self.model._base_manager.filter(pk__in=pks).only(*self.model.key_sources()))
        for row in rows:
            row.set_name_keys()
        self.model._base_manager.bulk_update(rows, kept, 1000)
        return updated

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.set_name_keys()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = list(objs), list(fields)
        kept = self.model.keys_of(fields)
        if kept:
            for obj in objs:
                obj.set_name_keys()
            fields = list(dict.fromkeys([*fields, *kept]))
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

    def tagged(self, name: str) -> ContactQuerySet:
        """Contacts carrying the tag of this name, in any case (each once): the contacts
        list, its exports and the API's ``?tag=``. A tag only hidden contacts carry finds,
        through ``visible_to``, no one, as one that does not exist."""
        links = self.model.tags.through.objects.filter(tag__name__iexact=name.strip())
        return self.filter(pk__in=links.values("contact_id"))

    def search(self, term: str, *, emails: bool = False) -> ContactQuerySet:
        """Contacts whose name, in either script, or whose organization's name contains
        ``term`` (any case): the contacts list's search box, the contact picker and, with
        ``emails`` (the e-mail address too), the API's ``?search=``."""
        term = term.strip()
        if not term:
            return self
        # Conditions that each read an index of the contacts on PostgreSQL, one OR of them
        # (contacts/search.py).
        organizations = _related_model(self.model, "organization").objects.search_names(term)
        by_organization = Q(search.InRows("organization", organizations.values("pk")))
        keys = search.key_conditions(term)
        columns = search.names_unless_keyed(search.CONTACT_NAMES, keys)
        if emails:
            columns = (*columns, "email")
        also = [*keys, by_organization]
        found = self.filter(search.any_contains(self.model, columns, term, also=also))
        if search.indexable(term):
            # Found through the trigram indexes: sorted apart from any index (order_by).
            found = found.alias(**{SEARCHED: Value(True)})
        return found

    def by_relevance(self, term: str) -> ContactQuerySet:
        """Ordered for a type-ahead: first the contacts one of whose names has a word that
        begins with ``term`` (folded, so in any script), then those whose names hold it,
        then the others a search finds (through their organization's name, or a name of
        the same consonants), each group by name: "Shira" offers the Shiras before the
        staff of "Sharon College". A term of fewer than three letters (which no trigram
        index looks up, so that most contacts match) is by name only: ranking every match
        cost 60 to 125 ms at 100,000 contacts, against 16 for the name's index."""
        folded = search.fold(term.strip())
        if not folded or not search.indexable(term):
            return self.order_by("full_name", "pk")
        begins = Q(search_key__startswith=folded) | Q(search_key__contains=f" {folded}")
        relevance = Case(
            When(begins, then=Value(0)),
            When(search_key__contains=folded, then=Value(1)),
            default=Value(2),
            output_field=models.IntegerField(),
        )
        return self.order_by(relevance.asc(), "full_name", "pk")

    def order_by(self, *field_names) -> ContactQuerySet:
        """As Django's; but on a search (``search``) of a term a trigram index looks up,
        the first sort key is sorted as ``COALESCE(key, key)``: the same order, which no
        index gives. For a page of a search that it thinks broader than it is (words
        combined, each common), the planner would otherwise walk the name's index in
        order, testing contact after contact until the page is full: most of the table
        (0.1 to 0.2 s at 100,000 contacts) when the matches sort late. Sorting the matches
        themselves, which the trigram indexes find, costs a few milliseconds."""
        if field_names and SEARCHED in self.query.annotations:
            field_names = (_apart_from_indexes(field_names[0]), *field_names[1:])
        return super().order_by(*field_names)

    def with_overdue_for(self, officer, now) -> ContactQuerySet:
        """Annotate ``overdue_for_me``: the officer holds an overdue channel with the contact."""
        channel_model = _related_model(self.model, "channels")
        overdue = channel_model.objects.overdue(now).filter(officer=officer, contact=OuterRef("pk"))
        return self.annotate(overdue_for_me=Exists(overdue))

    def with_channel_dates(self, now) -> ContactQuerySet:
        """Annotate ``last_touch_at`` (the latest touch of any of the contact's channels)
        and ``next_due_at`` (the soonest next due moment of its active channels, under the
        climate in force at ``now``); None without such a channel.

        Both are read from the dates stored on the contact (``refresh_channel_dates``), so
        that a list sorted by them walks an index instead of computing them for every
        contact (0.6 to 1.1 s at 100,000 contacts). The dates of contacts stored under
        other cadence factors (``CLIMATE_FACTORS`` changed since) or never (inserted in raw
        SQL) are computed here instead, until the sweep's task stores them again."""
        level = apps.get_model("contacts", "Climate").objects.level_at(now)
        last_touch = F("channels_last_touch_at")
        next_due = F(self.model.CHANNEL_DUE_FIELDS[level])
        if self.model._base_manager.filter(_channel_dates_stale()).exists():
            channel_model = _related_model(self.model, "channels")
            computed = channel_dates(channel_model, {level: "next_due"})
            current = Q(channels_dates_factors=climate_factors_key())
            last_touch = _stored_if(current, last_touch, computed["channels_last_touch_at"])
            next_due = _stored_if(current, next_due, computed["next_due"])
        return self.annotate(last_touch_at=last_touch, next_due_at=next_due)

    def with_stale_channel_dates(self) -> ContactQuerySet:
        """Contacts whose stored channel dates were computed under other cadence factors
        than ``CLIMATE_FACTORS`` now holds, or never."""
        return self.filter(_channel_dates_stale())

    def refresh_channel_dates(self) -> int:
        """Store on these contacts the dates of their channels (``channel_dates``): one
        ``UPDATE``. Every write of a channel calls it (``ChannelQuerySet``'s bulk methods,
        ``contacts/contact_dates.py`` for the rest); code that writes channels in raw SQL
        calls it itself. Returns the rows updated.

        The contacts are locked first (in id order): a transaction writing another channel
        of the same contact waits there, and its ``UPDATE``, a statement begun after this
        one's transaction ended, reads this one's channels as written. Without the lock it
        would read them from before (PostgreSQL re-reads a row updated meanwhile, not the
        subqueries over the channels) and store dates without them."""
        with transaction.atomic(using=self.db):
            pks = list(self.select_for_update().order_by("pk").values_list("pk", flat=True))
            return _store_channel_dates(self.model, pks, using=self.db)

    refresh_channel_dates.alters_data = True


# The compiled "UPDATE … SET <the channel dates>" (no WHERE), by database, model and cadence
# factors: building and compiling its five correlated subqueries cost twenty times more than
# running it for one contact, on every save of a channel or contact.
_CHANNEL_DATES_SQL: dict[tuple, tuple[str, tuple]] = {}
_IN_BATCH = 500


def _store_channel_dates(model, pks: list, *, using: str) -> int:
    """``update(**channel_dates(...))`` of the rows ``pks``, from the statement compiled once
    (``channel_dates`` depends on nothing but the model and ``CLIMATE_FACTORS``)."""
    if not pks:
        return 0
    connection = connections[using]
    key = (using, model._meta.label_lower, climate_factors_key())
    compiled = _CHANNEL_DATES_SQL.get(key)
    if compiled is None:
        query = UpdateQuery(model)
        query.add_update_values(
            channel_dates(_related_model(model, "channels"), model.CHANNEL_DUE_FIELDS)
        )
        compiled = _CHANNEL_DATES_SQL[key] = query.get_compiler(using).as_sql()
    statement, params = compiled
    quote = connection.ops.quote_name
    pk_column = f"{quote(model._meta.db_table)}.{quote(model._meta.pk.column)}"
    updated = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{statement} WHERE {pk_column} = ANY(%s)", [*params, pks])
            return cursor.rowcount
        for start in range(0, len(pks), _IN_BATCH):
            batch = pks[start : start + _IN_BATCH]
            placeholders = ", ".join(["%s"] * len(batch))
            cursor.execute(f"{statement} WHERE {pk_column} IN ({placeholders})", [*params, *batch])
            updated += cursor.rowcount
    return updated


# The alias that marks a queryset as a search (ContactQuerySet.search and .order_by).
SEARCHED = "_searched"


def _apart_from_indexes(key):
    """A sort key (a field name, "-" for descending) as an expression no index provides,
    sorting the same, nulls where the column puts them; other keys as they are."""
    if not isinstance(key, str) or key == "?":
        return key
    name = key.removeprefix("-")
    same = Coalesce(F(name), F(name))
    return same.desc() if key.startswith("-") else same.asc()


def _stored_if(current: Q, stored, computed) -> Case:
    return Case(When(current, then=stored), default=computed, output_field=models.DateTimeField())


def climate_factors_key() -> str:
    """The cadence factors of the climate levels (``CLIMATE_FACTORS``) as one text, stored
    beside the dates computed under them."""
    return " ".join(f"{level}={factor!r}" for level, factor in settings.CLIMATE_FACTORS.items())


def channel_dates(channel_model, due_fields: dict[str, str]) -> dict:
    """The channel dates stored on a contact, for ``update()`` (the contact ``OuterRef("pk")``):
    ``channels_last_touch_at``, the latest touch of any of its channels; under each climate
    level (``due_fields``: level to field), the soonest next due moment of its active
    channels (``soonest_due``); and the factors they were computed under."""
    channels = channel_model._base_manager.filter(contact=OuterRef("pk")).order_by()
    last_touch = channels.values("contact").annotate(at=Max("last_touch_at")).values("at")
    return {
        "channels_last_touch_at": Subquery(last_touch),
        **{
            field: soonest_due(channel_model, settings.CLIMATE_FACTORS[level])
            for level, field in due_fields.items()
        },
        "channels_dates_factors": Value(climate_factors_key()),
    }


def soonest_due(channel_model, factor: float) -> Subquery:
    """The soonest next due moment of the active channels of the contact ``OuterRef("pk")``
    under the climate ``factor`` (``ChannelQuerySet.with_due``'s rule), as a subquery."""
    channels = channel_model._base_manager.filter(contact=OuterRef("pk"), status="active")
    next_due = PlusHours(_counted_from(), _cadence_hours(factor))
    return Subquery(channels.order_by().values("contact").annotate(at=Min(next_due)).values("at"))


def _refresh_contacts(channel_model, contact_ids) -> None:
    """Store the channel dates of these contacts again (none: no statement)."""
    if contact_ids:
        contact_model = _related_model(channel_model, "contact")
        contact_model._default_manager.filter(pk__in=contact_ids).refresh_channel_dates()


def _channel_dates_stale() -> Q:
    # Ranges rather than a negation, so that the index on the column answers.
    key = climate_factors_key()
    return Q(channels_dates_factors__lt=key) | Q(channels_dates_factors__gt=key)


class OrganizationQuerySet(NameKeysQuerySet):
    def search(self, term: str) -> OrganizationQuerySet:
        """Organizations whose name, in either script, or city contains ``term`` (any
        case): the organizations list's search box and the organization picker."""
        term = term.strip()
        if not term:
            return self
        keys = search.key_conditions(term)
        columns = (*search.names_unless_keyed(search.ORGANIZATION_NAMES, keys), "city")
        return self.filter(search.any_contains(self.model, columns, term, also=keys))

    def search_names(self, term: str) -> OrganizationQuerySet:
        """Organizations whose name, in either script, contains ``term`` (any case)."""
        keys = search.key_conditions(term)
        columns = search.names_unless_keyed(search.ORGANIZATION_NAMES, keys)
        return self.filter(search.any_contains(self.model, columns, term, also=keys))


class ExposesContactQuerySet(models.QuerySet):
    """For models that name exactly one contact: visible when that contact is."""

    contact_field = "contact"

    def visible_to(self, user, *, few: bool = False):
        """Rows whose contact the user may see. With ``few``, each row's contact is tested
        by a subquery of its own (through the contacts' primary key) instead of a join: for
        a few rows of a large table found through their own index (an officer's channels),
        which a join would let the planner read whole to sort them (Today)."""
        if not _can_see_anything(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        if few:
            contact_model = _related_model(self.model, self.contact_field)
            seen = contact_model.objects.visible_to(user).filter(pk=OuterRef(self.contact_field))
            # A scalar subquery, which the planner keeps as a test per row, where it would
            # turn an EXISTS into the very join avoided here.
            return self.alias(_contact_seen=Subquery(seen.values("pk")[:1])).filter(
                _contact_seen__isnull=False
            )
        # On the joined contact, which the caller often joins anyway for its fields.
        return self.filter(contact_visible_to(user, prefix=f"{self.contact_field}__"))

    def visible_apart(self, user) -> tuple:
        """``visible_to(user)`` as two querysets without a row in common: the rows every
        user who may see anything may see (their contact is standard), the same for all
        such users, so that figures over them can be shared between readers; and the
        user's others (their contact restricted or protected, found through the contacts'
        index on their sensitivity). Both empty for a user who may see nothing."""
        if not _can_see_anything(user):
            return self.none(), self.none()
        contact_model = _related_model(self.model, self.contact_field)
        field = contact_model._meta.get_field("sensitivity")
        others = [value for value, _ in field.choices if value != "standard"]
        seen = contact_model.objects.visible_to(user).filter(sensitivity__in=others)
        # The contacts first, as one array (search.InRows), whose rows the index on the
        # contact column finds: as a join, the planner read every row to test its contact.
        return (
            self.seen_by_all_staff(),
            self.filter(search.InRows(self.contact_field, seen.values("pk"))),
        )

    def seen_by_all_staff(self):
        """The rows every user who may see anything may see (``visible_apart``): to read
        figures shared by such users only, never to show rows to a user."""
        return self.filter(seen_by_all_staff(f"{self.contact_field}__"))


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


def kept_up_at(
    when, since: str, factor: float, among: models.QuerySet, longest_cadence: int | None = None
) -> Q:
    """Channels counted from a moment in (``since``, ``when``]: their creation, a restart of
    their count, or a touch (an exchange naming both their officer and their contact: a
    ``Touch`` row, which triggers keep).
    ``since`` names an annotation of the channels holding their ``cadence_start`` under
    the climate ``factor`` in force at ``when``; ``among`` is the channels tested (without
    annotations).

    ``last_touch_at`` is the latest touch: when it is not after ``when`` it is also the
    latest touch by then, so the touches are read only for channels touched since. Those
    are found among ``among`` by one statement of their own, which the database runs once
    (hashed, for many channels): an ``EXISTS`` here, inside an ``OR`` or an aggregate's
    ``FILTER``, would run once per channel, and a subquery per channel is several times
    slower than one pass for all of them (the figures are in BENCHMARKS.md).

    ``longest_cadence`` (the longest ``cadence_days`` among the channels, read before) is
    a hint: for the channels whose cadence is no longer, no touch before ``when`` less that
    cadence (under ``factor``, and a day) can count, so their touches are read from that
    moment only, a range of the ``occurred_at`` index the database can size (a constant,
    not a subquery's result). A channel whose cadence is longer (changed meanwhile) is
    looked up without that bound, so the figures never depend on the hint.
    """
    # A channel's touches (``Touch``, kept by triggers): one probe of their index per
    # channel, or one range of their dates hashed, never the exchanges joined with their
    # contacts and officers.
    touch = apps.get_model("contacts", "Touch").objects.filter(
        channel=OuterRef("pk"),
        occurred_at__gt=OuterRef("touch_since"),
        occurred_at__lte=when,
    )

    def touched(channels, touches):
        return (
            channels.filter(last_touch_at__gt=when)
            .annotate(touch_since=cadence_start(when, factor))
            .filter(Exists(touches))
            .values("pk")
        )

    start = F(since)
    kept = (
        Q(created_at__gt=start, created_at__lte=when)
        | Q(count_restarted_at__gt=start, count_restarted_at__lte=when)
        | Q(last_touch_at__gt=start, last_touch_at__lte=when)
    )
    if longest_cadence is None:
        return kept | Q(last_touch_at__gt=when, pk__in=touched(among, touch))
    hours = longest_cadence * 24.0 * max(factor, 1.0) + 24.0
    bounded = touch.filter(occurred_at__gt=when - dt.timedelta(hours=hours))
    shorter = Q(cadence_days__lte=longest_cadence)
    return (
        kept
        | (Q(last_touch_at__gt=when) & shorter & Q(pk__in=touched(among.filter(shorter), bounded)))
        | (Q(last_touch_at__gt=when) & ~shorter & Q(pk__in=touched(among.exclude(shorter), touch)))
    )


def kept_up_until(when, factor: float):
    """For a channel that existed at ``when``: the moment it stops being kept up (in the
    sense of ``kept_up_at``) if nothing happens after ``when`` and the climate ``factor``
    stays in force: its latest creation, restart or touch by ``when``, plus its effective
    cadence. It is kept up at ``when`` exactly when that moment is after ``when``, and at a
    later moment before the next touch, creation, restart or climate level exactly when
    that moment is after it (the same microseconds: the cadence is added here as
    ``cadence_start`` subtracts it). A touch after ``when`` (a few minutes of clock skew)
    is looked up among its touches, as ``kept_up_at`` does."""
    latest_touch = (
        apps.get_model("contacts", "Touch")
        .objects.filter(channel=OuterRef("pk"), occurred_at__lte=when)
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    touched = Case(
        When(last_touch_at__lte=when, then=F("last_touch_at")),
        When(last_touch_at__gt=when, then=Subquery(latest_touch)),
        default=None,
    )
    restarted = Case(When(count_restarted_at__lte=when, then=F("count_restarted_at")), default=None)
    counted_from = Greatest(
        F("created_at"), Coalesce(touched, F("created_at")), Coalesce(restarted, F("created_at"))
    )
    return PlusHours(counted_from, _cadence_hours(factor))


class ChannelQuerySet(ExposesContactQuerySet):
    """Channels; their bulk writes (``update``, ``bulk_create``, ``bulk_update``) store the
    dates of the contacts they touch again (``ContactQuerySet.refresh_channel_dates``)."""

    # The fields a contact's stored channel dates are computed from.
    DATE_INPUTS = frozenset(
        {"contact", "contact_id", "last_touch_at", "count_restarted_at", "created_at"}
        | {"status", "cadence_days", "kind"}
    )

    def update(self, **kwargs):
        if not self.DATE_INPUTS.intersection(kwargs):
            return super().update(**kwargs)
        rows = self.order_by()
        moved = {"contact", "contact_id"}.intersection(kwargs)
        pks = list(rows.values_list("pk", flat=True)) if moved else None
        contact_ids = set(rows.values_list("contact_id", flat=True))
        updated = super().update(**kwargs)
        if moved:
            moved_to = self.model._base_manager.filter(pk__in=pks)
            contact_ids |= set(moved_to.values_list("contact_id", flat=True))
        _refresh_contacts(self.model, contact_ids)
        return updated

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = super().bulk_create(objs, *args, **kwargs)
        _refresh_contacts(self.model, {obj.contact_id for obj in objs})
        return objs

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if not self.DATE_INPUTS.intersection(fields):
            return super().bulk_update(objs, fields, *args, **kwargs)
        stored = self.model._base_manager.filter(pk__in=[obj.pk for obj in objs])
        contact_ids = set(stored.values_list("contact_id", flat=True))
        updated = super().bulk_update(objs, fields, *args, **kwargs)
        _refresh_contacts(self.model, contact_ids | {obj.contact_id for obj in objs})
        return updated

    def for_officer(self, officer) -> ChannelQuerySet:
        """The channels an officer holds."""
        return self.filter(officer=officer)

    def active(self) -> ChannelQuerySet:
        """Channels that must be kept alive (not paused, not closed)."""
        return self.filter(status="active")

    def with_due(self, now, *, factor: float | None = None) -> ChannelQuerySet:
        """Annotate ``counted_from_at`` (the latest touch, else creation, or a later
        dismissal), ``next_due_at`` (that plus the effective cadence under the climate in
        force at ``now``, or under the informal channels' cadence ``factor`` given) and
        ``overdue`` (active and due at or before ``now``)."""
        if factor is None:
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

    def naming(self, contact) -> ExchangeQuerySet:
        """The exchanges naming ``contact``, latest first: the contact's timeline."""
        # Sorted by an expression that no index serves, so that the database gathers the
        # contact's exchanges through their links and sorts those few. By the date index it
        # would walk the mission's exchanges, latest first, until enough of theirs turned
        # up: a guess that reads most of a million rows for a contact not seen lately.
        latest_first = Coalesce("occurred_at", "occurred_at").desc()
        return self.filter(contacts=contact).order_by(latest_first, "-pk")

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

    def visible_to(self, user, *, few: bool = False) -> ExchangeQuerySet:
        """Exchanges all of whose contacts the user may see and, once sealed, only by
        their readers. ``few``: the caller has narrowed the rows to a few hundred (one
        contact's timeline), which are then tested one by one, each by index."""
        if not _can_see_anything(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        if few:
            return self.filter(_exchange_readable_by_row(user))
        contact_model = _related_model(self.model, "contacts")
        # Named positively (the contacts the user may not see, a minority), the database
        # can match them as a small set instead of testing every row against the rest.
        hidden = contact_model.objects.exclude(contact_visible_to(user)).values("pk")
        # The exchanges the user reads, as one set (an IN over an uncorrelated subquery,
        # hashed once): a per-exchange EXISTS here keeps PostgreSQL from a parallel plan.
        read = self.model.readers.through.objects.filter(user=user).values("exchange_id")
        return self.filter(_readable_rule("", hidden=Q(contact__in=hidden), reader=Q(pk__in=read)))


def _exchange_readable_by_row(user) -> Q:
    """``ExchangeQuerySet.visible_to`` for one user who is not a superuser, tested on each
    exchange through its own contact links, their grants to the user and its readers, each
    by an index probe (correlated EXISTS) rather than against a set read once and hashed.

    For a few rows only. PostgreSQL charges the building of a hashed set to every probe of
    a nested loop: with sets, probing one contact's 500 exchanges looked dearer than walking
    the index of every exchange by date until 50 of theirs turned up (0.3 s at a million
    exchanges, against 3 ms by probes)."""
    grant_model = apps.get_model("contacts", "Grant")
    granted = grant_model.objects.filter(user=user, contact=OuterRef("contact__pk"))
    teammates = get_user_model().objects.filter(pk=OuterRef("contact__owner"), teams__members=user)
    seen = (
        Q(contact__sensitivity="standard")
        | Q(contact__owner=user)
        | Exists(granted)
        | (Q(contact__sensitivity="restricted") & Exists(teammates))
    )
    readers = apps.get_model("contacts", "Exchange").readers.through.objects
    return _readable_rule(
        "", hidden=~seen, reader=Exists(readers.filter(exchange=OuterRef("pk"), user=user))
    )


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

    def named(self, name: str, *, user):
        """The tag of this name in any case that ``user`` may see (the oldest), else the tag
        of exactly this name, created when there is none: the web form, the API and an
        import tag alike, so "Press" and "press" stay one tag. A tag carried only by contacts
        hidden from the user is taken only under the very name typed, so that the name read
        back is never a hidden tag's own spelling, which would tell it exists."""
        existing = self.visible_to(user).filter(name__iexact=name).order_by("pk").first()
        return existing or self.get_or_create(name=name)[0]
