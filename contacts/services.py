"""Workflows of the keep-in-touch engine: log an exchange, record touches, sweep, and the
reminder lifecycle. Keyword-only, atomic; ``now`` is passed in, never read inside.

The rules are those of DESIGN.md ("Keep-in-touch rules"); reads come from the querysets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    BigIntegerField,
    DateTimeField,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast
from django.utils.translation import gettext

from contacts import crypto, deletion, states
from contacts.access import is_owner, may_manage_grants
from contacts.errors import DomainError, InvalidReminderTransition
from contacts.fields import EncryptedTextField
from contacts.models import (
    Channel,
    Climate,
    Contact,
    Exchange,
    Grant,
    Organization,
    Reminder,
    Sensitivity,
)
from contacts.querysets import contact_visible_to_user_in, exchange_readable_by_user_in

EXCHANGE_CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_CADENCE_DAYS = 3650


@dataclass(frozen=True)
class SweepResult:
    reopened: int
    channel_due: int
    follow_ups: int


# Exchanges and touches


@transaction.atomic
def log_exchange(
    *,
    occurred_at: dt.datetime,
    kind: str,
    contacts: Iterable,
    officers: Iterable,
    summary: str,
    notes: str = "",
    topics: Iterable[str] = (),
    follow_up_on: dt.date | None = None,
    created_by=None,
    now: dt.datetime,
) -> Exchange:
    """Record an exchange, count it as a touch for its channels and resolve the channel
    reminders it makes no longer due."""
    contacts, officers = list(contacts), list(officers)
    _check_exchange(occurred_at=occurred_at, contacts=contacts, officers=officers, now=now)
    exchange = Exchange.objects.create(
        occurred_at=occurred_at,
        kind=kind,
        summary=summary,
        notes=notes,
        topics=list(topics),
        follow_up_on=follow_up_on,
        created_by=created_by,
    )
    exchange.contacts.set(contacts)
    exchange.officers.set(officers)
    record_touches(
        contact_ids=[contact.pk for contact in contacts],
        officer_ids=[officer.pk for officer in officers],
        now=now,
    )
    resolve_follow_ups(exchange, now=now)
    return exchange


def resolve_follow_ups(exchange: Exchange, *, now: dt.datetime) -> int:
    """An open or snoozed follow-up is done once its recipient has logged a later exchange
    with a contact of the exchange that asked for it (the one logged from the reminder's
    own "Log exchange", or any other): resolved. Returns how many."""
    contact_ids, officer_ids = exchange_parties(exchange)
    asking = Exchange.contacts.through.objects.filter(contact_id__in=contact_ids)
    return (
        Reminder.objects.filter(
            kind=Reminder.Kind.FOLLOW_UP,
            status__in=(Reminder.Status.OPEN, Reminder.Status.SNOOZED),
            recipient_id__in=officer_ids,
            exchange_id__in=asking.values("exchange_id"),
            exchange__occurred_at__lt=exchange.occurred_at,
        )
        .exclude(exchange=exchange)
        .update(status=Reminder.Status.RESOLVED, snoozed_until=None, closed_at=now)
    )


@transaction.atomic
def update_exchange(
    exchange: Exchange, *, now: dt.datetime, contacts=None, officers=None, **fields
) -> Exchange:
    """Change an exchange's fields (and its contacts and officers when given), then count
    the touches again for the pairs it named before and those it names now."""
    before = exchange_parties(exchange)
    if "occurred_at" in fields:
        check_occurred_at(fields["occurred_at"], now=now)
    if contacts is not None and not list(contacts):
        raise DomainError(gettext("Name at least one contact."), field="contacts")
    if officers is not None and not list(officers):
        raise DomainError(gettext("Name at least one officer."), field="officers")
    for name, value in fields.items():
        setattr(exchange, name, value)
    exchange.save()
    if contacts is not None:
        exchange.contacts.set(contacts)
    if officers is not None:
        exchange.officers.set(officers)
    touches_changed(before, exchange_parties(exchange), now=now)
    return exchange


@transaction.atomic
def delete_exchange(exchange: Exchange, *, now: dt.datetime) -> None:
    """Delete an exchange, and count the touches of the pairs it named again."""
    before = exchange_parties(exchange)
    exchange.delete()
    touches_changed(before, now=now)


def seal_exchanges(*, exchange_ids: Iterable[int], removed_contact_ids: Iterable[int]) -> int:
    """Before contacts are taken off exchanges (an edit, a deletion, a merge), fix who may
    read those exchanges to who may read them now, when a removed contact is restricted or
    protected: without it an exchange would name fewer contacts, and so be readable by
    more users. Returns how many exchanges were sealed.

    A standard contact is visible to every active user, so removing one widens nothing.
    An exchange sealed already keeps the readers it had that still read it now."""
    exchange_ids = set(exchange_ids)
    if not exchange_ids or not (
        Contact.objects.filter(pk__in=set(removed_contact_ids))
        .exclude(sensitivity=Sensitivity.STANDARD)
        .exists()
    ):
        return 0
    readers: dict[int, set[int]] = {pk: set() for pk in exchange_ids}
    # The rule is visible_to's own, asked once per user (mission staff: a few hundred).
    for user in get_user_model().objects.filter(is_active=True, is_superuser=False):
        readable = Exchange.objects.visible_to(user).filter(pk__in=exchange_ids)
        for exchange_id in readable.values_list("pk", flat=True):
            readers[exchange_id].add(user.pk)
    Exchange.objects.filter(pk__in=exchange_ids).update(is_sealed=True)
    through = Exchange.readers.through
    through.objects.filter(exchange_id__in=exchange_ids).delete()
    through.objects.bulk_create(
        through(exchange_id=exchange_id, user_id=user_id)
        for exchange_id, user_ids in readers.items()
        for user_id in user_ids
    )
    return len(exchange_ids)


# Deletions: never of, nor through, a row the user may not see (contacts.deletion)


@transaction.atomic
def delete_contact(contact: Contact, *, user) -> None:
    """Its owner (or a superuser) deletes a contact, unless that would delete or change a
    row the owner may not see (an exchange shared with a contact hidden from them)."""
    if not is_owner(user, contact):
        raise PermissionDenied(gettext("Only the contact's owner deletes it."))
    deletion.check_deletable([contact], user=user)
    contact.delete()


@transaction.atomic
def delete_organization(organization: Organization, *, user) -> None:
    """Delete an organization that nothing names any more (whoever may see what names it:
    the refusal is the same either way)."""
    if organization.is_referenced():
        raise deletion.still_in_use(organization)
    deletion.check_deletable([organization], user=user)
    organization.delete()


def exchange_parties(exchanges) -> tuple[set[int], set[int]]:
    """The contacts and the officers (their ids) of an exchange or a queryset of them."""
    if isinstance(exchanges, Exchange):
        exchanges = Exchange.objects.filter(pk=exchanges.pk)
    through_contacts = Exchange.contacts.through.objects.filter(exchange__in=exchanges)
    through_officers = Exchange.officers.through.objects.filter(exchange__in=exchanges)
    return (
        set(through_contacts.values_list("contact_id", flat=True)),
        set(through_officers.values_list("user_id", flat=True)),
    )


def touches_changed(*parties: tuple[set[int], set[int]], now: dt.datetime) -> None:
    """Count the touches again between all the contacts and officers of these parties (an
    exchange's before and after an edit)."""
    contacts = set().union(*(contact_ids for contact_ids, _ in parties))
    officers = set().union(*(officer_ids for _, officer_ids in parties))
    if contacts and officers:
        record_touches(contact_ids=contacts, officer_ids=officers, now=now)


def _check_exchange(*, occurred_at, contacts, officers, now) -> None:
    if not contacts:
        raise DomainError(gettext("Name at least one contact."), field="contacts")
    if not officers:
        raise DomainError(gettext("Name at least one officer."), field="officers")
    check_occurred_at(occurred_at, now=now)


def check_occurred_at(occurred_at, *, now) -> None:
    """An exchange is something that happened: refuse a time in the future (5 minutes of
    clock skew allowed). Logging and every later edit share this rule."""
    if occurred_at > now + EXCHANGE_CLOCK_SKEW:
        raise DomainError(
            gettext("An exchange cannot be logged in the future."), field="occurred_at"
        )


@transaction.atomic
def record_touches(*, contact_ids: Iterable[int], officer_ids: Iterable[int], now) -> int:
    """Recompute ``last_touch_at`` of the channels between these contacts and officers from
    their exchanges, and their recorded month-start states, then resolve the pending
    channel reminders no longer overdue.

    Recomputing (rather than taking the newest) keeps edits and deletions of exchanges
    right. Returns the number of reminders resolved.
    """
    channels = Channel.objects.filter(contact_id__in=contact_ids, officer_id__in=officer_ids)
    latest = (
        Exchange.objects.filter(contacts=OuterRef("contact_id"), officers=OuterRef("officer_id"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    channels.update(last_touch_at=Subquery(latest))
    states.rerecord(channels)
    return _resolve_no_longer_due(channels, now=now)


def _resolve_no_longer_due(channels: QuerySet, *, now) -> int:
    """Resolve the pending ``channel_due`` reminders of these channels not overdue now."""
    no_longer_due = channels.with_due(now).filter(overdue=False).values("pk")
    return (
        Reminder.objects.filter(kind=Reminder.Kind.CHANNEL_DUE, channel__in=no_longer_due)
        .pending()
        .update(status=Reminder.Status.RESOLVED, closed_at=now)
    )


# The climate


@transaction.atomic
def record_climate_level(
    *, level: str, started_at: dt.datetime, note: str = "", created_by=None
) -> Climate:
    """Record the climate level in force from ``started_at``. Informal channels' due dates
    follow at once (they are computed); the month-start states recorded from then on are
    forgotten, to be recorded again under this level."""
    climate = Climate.objects.create(
        level=level, note=note, started_at=started_at, created_by=created_by
    )
    states.forget_months_from(started_at)
    return climate


@transaction.atomic
def change_climate_level(climate: Climate, **fields) -> Climate:
    """Change a recorded level; the month-start states are forgotten from the earlier of
    its old and its new start."""
    before = Climate.objects.filter(pk=climate.pk).values_list("started_at", flat=True).get()
    for name, value in fields.items():
        setattr(climate, name, value)
    climate.save()
    states.forget_months_from(min(before, climate.started_at))
    return climate


@transaction.atomic
def delete_climate_levels(climates: QuerySet) -> None:
    """Delete recorded levels; the month-start states are forgotten from the earliest
    start among them."""
    earliest = min(climates.values_list("started_at", flat=True), default=None)
    climates.delete()
    if earliest is not None:
        states.forget_months_from(earliest)


def refresh_stale_contact_dates(*, batch_size: int = 2000) -> int:
    """Store again the channel dates of the contacts whose dates were computed under other
    cadence factors than ``CLIMATE_FACTORS`` holds (changed by a deployment), or never
    (contacts written in raw SQL), a batch of contacts per transaction; none when all are
    current (one indexed query). A new climate level needs none: each level's next due
    moment is stored. Returns how many contacts."""
    refreshed = 0
    while True:
        with transaction.atomic():
            stale = Contact.objects.with_stale_channel_dates().order_by("pk")
            batch = list(stale.values_list("pk", flat=True)[:batch_size])
            if not batch:
                return refreshed
            refreshed += Contact.objects.filter(pk__in=batch).refresh_channel_dates()


# The sweep


def sweep_reminders(*, now: dt.datetime, today: dt.date | None = None) -> SweepResult:
    """Bring snoozed reminders back, and create the due ``channel_due`` and ``follow_up``
    reminders, in set-based SQL. Idempotent, and safe to run twice at once: the database's
    unique constraints refuse a second pending reminder and ``ON CONFLICT DO NOTHING``
    lets the losing sweep carry on."""
    today = today or now.date()
    with transaction.atomic():
        reopened = Reminder.objects.filter(
            status=Reminder.Status.SNOOZED, snoozed_until__lte=now
        ).update(status=Reminder.Status.OPEN, snoozed_until=None, notified_at=None)
    with transaction.atomic():
        channel_due = _insert_reminders(_channel_due_rows(now))
    with transaction.atomic():
        follow_ups = _insert_reminders(_follow_up_rows(now, today))
    return SweepResult(reopened=reopened, channel_due=channel_due, follow_ups=follow_ups)


_REMINDER_COLUMNS = (
    "kind",
    "recipient_id",
    "channel_id",
    "exchange_id",
    "due_at",
    "status",
    "created_at",
)


def _channel_due_rows(now) -> QuerySet:
    # No NOT EXISTS against pending reminders here: the partial unique index
    # reminder_one_open_channel_due refuses a second pending reminder, and ON CONFLICT DO
    # NOTHING skips it with one index probe per channel. An anti-join against the table
    # being inserted into can be planned as a rescan per channel (quadratic) when the
    # table's statistics say it is empty, as after a fresh install.
    # Reminders are computed over what their recipient may see: none for a channel whose
    # contact its officer may not see (a protected contact, its grant revoked).
    seen = contact_visible_to_user_in("officer", prefix="contact__")
    return (
        Channel.objects.overdue(now)
        .filter(seen)
        .annotate(
            r_kind=Value(Reminder.Kind.CHANNEL_DUE),
            r_recipient_id=F("officer_id"),
            r_channel_id=F("pk"),
            r_exchange_id=Cast(Value(None), BigIntegerField()),
            r_due_at=F("next_due_at"),
            r_status=Value(Reminder.Status.OPEN),
            r_created_at=Value(now, output_field=DateTimeField()),
        )
    )


def _follow_up_rows(now, today) -> QuerySet:
    # As for channel_due: the unique index reminder_one_follow_up_per_officer, through
    # ON CONFLICT DO NOTHING, skips the pairs already reminded (no anti-join).
    # Only to officers who may read the exchange (no contact on it hidden from them and,
    # once sealed, among its readers).
    through = Exchange.officers.through
    readable = exchange_readable_by_user_in("user", prefix="exchange__")
    return through.objects.filter(readable, exchange__follow_up_on__lte=today).annotate(
        r_kind=Value(Reminder.Kind.FOLLOW_UP),
        r_recipient_id=F("user_id"),
        r_channel_id=Cast(Value(None), BigIntegerField()),
        r_exchange_id=F("exchange_id"),
        r_due_at=Cast("exchange__follow_up_on", DateTimeField()),
        r_status=Value(Reminder.Status.OPEN),
        r_created_at=Value(now, output_field=DateTimeField()),
    )


def _insert_reminders(rows: QuerySet) -> int:
    """``INSERT INTO reminder ... SELECT`` the candidate rows, skipping any that a unique
    constraint refuses (a concurrent sweep got there first). Returns the rows inserted."""
    aliases = [f"r_{column}" for column in _REMINDER_COLUMNS]
    select_sql, params = rows.values(*aliases).query.sql_with_params()
    table = connection.ops.quote_name(Reminder._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in _REMINDER_COLUMNS)
    picked = ", ".join(connection.ops.quote_name(alias) for alias in aliases)
    # Only quoted identifiers and Django's compiled SQL are interpolated; values travel
    # as parameters. WHERE 1 = 1 lets SQLite parse ON CONFLICT after a SELECT.
    insert = f"INSERT INTO {table} ({columns}) "
    select = f"SELECT {picked} FROM ({select_sql}) AS candidates "  # noqa: S608
    sql = insert + select + "WHERE 1 = 1 ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# The reminder lifecycle


def snooze_reminder(*, reminder: Reminder, until: dt.datetime, now: dt.datetime) -> Reminder:
    """Put an open (or snoozed) reminder aside until a later time."""
    if until <= now:
        raise DomainError(gettext("Snooze until a time in the future."), field="until")
    claimed = (
        Reminder.objects.filter(pk=reminder.pk)
        .pending()
        .update(status=Reminder.Status.SNOOZED, snoozed_until=until)
    )
    if not claimed:
        raise InvalidReminderTransition(gettext("Only an open or snoozed reminder can be snoozed."))
    # As written: the instance keeps the related rows its caller read with it.
    reminder.status, reminder.snoozed_until = Reminder.Status.SNOOZED, until
    return reminder


@transaction.atomic
def dismiss_reminder(*, reminder: Reminder, now: dt.datetime) -> Reminder:
    """Close a reminder without an exchange; a channel's count restarts from now."""
    claimed = (
        Reminder.objects.filter(pk=reminder.pk)
        .pending()
        .update(status=Reminder.Status.DISMISSED, snoozed_until=None, closed_at=now)
    )
    if not claimed:
        raise InvalidReminderTransition(
            gettext("Only an open or snoozed reminder can be dismissed.")
        )
    if reminder.channel_id:
        Channel.objects.filter(pk=reminder.channel_id).update(count_restarted_at=now)
    reminder.status, reminder.snoozed_until = Reminder.Status.DISMISSED, None
    reminder.closed_at = now
    return reminder


# Channels


@transaction.atomic
def open_channel(
    *,
    contact: Contact,
    officer,
    now: dt.datetime,
    kind: str = Channel.Kind.INFORMAL,
    priority: str = Channel.Priority.NORMAL,
    cadence_days: int | None = None,
    status: str = Channel.Status.ACTIVE,
) -> Channel:
    """Open the channel between an officer and a contact (one per pair). It counts from the
    latest exchange they already share, else from now."""
    cadence_days = cadence_days or Channel._meta.get_field("cadence_days").default
    _check_cadence(cadence_days)
    if Channel.objects.filter(contact=contact, officer=officer).exists():
        raise DomainError(
            gettext("This officer already has a channel with this contact."), field="contact"
        )
    try:
        # A savepoint: a concurrent opening of the same pair loses on the unique constraint.
        with transaction.atomic():
            channel = Channel.objects.create(
                contact=contact,
                officer=officer,
                kind=kind,
                priority=priority,
                cadence_days=cadence_days,
                status=status,
                created_at=now,
            )
    except IntegrityError as error:
        raise DomainError(
            gettext("This officer already has a channel with this contact."), field="contact"
        ) from error
    record_touches(contact_ids=[contact.pk], officer_ids=[officer.pk], now=now)
    channel.refresh_from_db()
    return channel


@transaction.atomic
def keep_in_touch(*, contacts: Iterable, officer, cadence_days: int, now: dt.datetime) -> list:
    """Open a channel, every ``cadence_days``, with each of these contacts the officer
    holds none with yet. Returns the channels opened."""
    held = set(officer.channels.values_list("contact_id", flat=True))
    return [
        open_channel(contact=contact, officer=officer, cadence_days=cadence_days, now=now)
        for contact in contacts
        if contact.pk not in held
    ]


@transaction.atomic
def change_channel(channel: Channel, *, now: dt.datetime, **fields) -> Channel:
    """Change a channel's kind, priority, cadence or status (pause, resume, close). A
    resumed channel counts from now; the reminders of a channel no longer overdue (paused,
    closed, a longer cadence) are resolved."""
    if "cadence_days" in fields:
        _check_cadence(fields["cadence_days"])
    status = fields.get("status", channel.status)
    # Read as stored (a form may have written its input onto the instance already).
    stored = Channel.objects.select_for_update().filter(pk=channel.pk)
    before, *pair = stored.values_list("status", "contact_id", "officer_id").get()
    for name, value in fields.items():
        setattr(channel, name, value)
    if status == Channel.Status.ACTIVE and before != Channel.Status.ACTIVE:
        # Resuming is a fresh start: the months it was paused or closed are not overdue.
        channel.count_restarted_at = now
    channel.save()
    if [channel.contact_id, channel.officer_id] != pair:
        # Another pair (the API's PUT): its touches are those of the new pair.
        record_touches(contact_ids=[channel.contact_id], officer_ids=[channel.officer_id], now=now)
        channel.refresh_from_db(fields=["last_touch_at"])
    else:
        _resolve_no_longer_due(Channel.objects.filter(pk=channel.pk), now=now)
    return channel


def pause_channel(*, channel: Channel, now: dt.datetime) -> Channel:
    """Stop a channel's reminders for a while; it is never overdue while paused."""
    return change_channel(channel, now=now, status=Channel.Status.PAUSED)


def resume_channel(*, channel: Channel, now: dt.datetime) -> Channel:
    """Make a paused or closed channel active again, counting from now."""
    return change_channel(channel, now=now, status=Channel.Status.ACTIVE)


def close_channel(*, channel: Channel, now: dt.datetime) -> Channel:
    """End a relationship: the channel is kept, with its history, but never due."""
    return change_channel(channel, now=now, status=Channel.Status.CLOSED)


def _check_cadence(cadence_days) -> None:
    # The upper bound (MAX_CADENCE_DAYS) is the forms' and the serializer's.
    if cadence_days < 1:
        raise DomainError(gettext("Keep in touch at least every day."), field="cadence_days")


# Grants


def grant_access(*, contact: Contact, user, granted_by) -> Grant:
    """Let ``user`` see a restricted or protected contact; only its owner (or a superuser)
    may grant. Granting twice is harmless."""
    _check_may_manage_grants(contact=contact, actor=granted_by)
    if user.pk == contact.owner_id:
        raise DomainError(gettext("The owner sees the contact already."), field="user")
    grant, _ = Grant.objects.get_or_create(
        contact=contact, user=user, defaults={"granted_by": granted_by}
    )
    return grant


def revoke_access(*, contact: Contact, user, revoked_by) -> int:
    """Take a grant back; it takes effect at once wherever ``visible_to`` is used."""
    _check_may_manage_grants(contact=contact, actor=revoked_by)
    deleted, _ = Grant.objects.filter(contact=contact, user=user).delete()
    return deleted


def _check_may_manage_grants(*, contact, actor) -> None:
    if may_manage_grants(actor, contact):
        return
    if contact.sensitivity == Sensitivity.STANDARD:
        raise DomainError(gettext("A standard contact is visible to all staff; grant nothing."))
    raise DomainError(gettext("Only the contact's owner grants or revokes access."))


# Encryption keys


def encrypted_fields() -> list[tuple]:
    """Every (model, field) stored encrypted, historical copies included."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def stored_tokens(model, field) -> QuerySet:
    """(pk, token) of the non-empty encrypted values of one field, as stored."""
    return (
        model._default_manager.exclude(**{field.name: ""})
        .annotate(token=Cast(field.name, TextField()))
        .order_by("pk")
        .values_list("pk", "token")
    )


def rotate_encryption_keys(*, batch_size: int = 500, progress=None) -> int:
    """Re-encrypt every stored note under the newest key, a batch per transaction. A note
    already under the newest key is skipped, so an interrupted run simply runs again.
    Returns how many notes were re-encrypted."""
    rotated = 0
    for model, field in encrypted_fields():
        last_pk = None
        while True:
            tokens = stored_tokens(model, field)
            if last_pk is not None:
                tokens = tokens.filter(pk__gt=last_pk)
            batch = list(tokens[:batch_size])
            if not batch:
                break
            rotated += _rotate_batch(model, field, batch)
            last_pk = batch[-1][0]
            if progress:
                progress(f"{model._meta.label}.{field.name}: up to pk {last_pk}")
    return rotated


@transaction.atomic
def _rotate_batch(model, field, batch) -> int:
    stale = [(pk, token) for pk, token in batch if not crypto.is_current(token)]
    for pk, token in stale:
        # A Value typed as plain text is written as given, not encrypted again.
        model._default_manager.filter(pk=pk).update(
            **{field.name: Value(crypto.rotate(token), output_field=TextField())}
        )
    return len(stale)


# Duplicates


def merge_contacts(
    user, keep: Contact, other: Contact, *, choices: dict, surface: str, now: dt.datetime
):
    """Merge ``other`` into ``keep``, the value of each field as ``choices`` says
    (``contacts.merging``: what moves, who sees the result, what undo restores). Web, API
    and admin all call this. Returns the ``ContactMerge`` record."""
    # Imported here: merging builds on this module's workflows (record_touches).
    from contacts import merging

    return merging.merge(user, keep, other, choices=choices, surface=surface, now=now)


def undo_merge(user, merge, *, surface: str, now: dt.datetime):
    """Undo a merge (``contacts.merging.undo``); what was left is in its ``undo_report``."""
    from contacts import merging

    return merging.undo(user, merge, surface=surface, now=now)
