"""Today's list: what the signed-in user has to act on, one item per thing, most overdue
first.

An overdue channel and its pending ``channel_due`` reminder are one item (the reminder
carries snooze and dismiss). A snoozed reminder leaves the list, with its channel, until
its snooze ends. Every row is read through ``visible_to``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, Value, When, Window
from django.utils.translation import gettext as _

from contacts.access import EDITORS, NETWORK_READERS, has_any_role, may_log_exchange
from contacts.models import Channel, Contact, Reminder

SECONDS_PER_DAY = 86400
AGENDA_LIMIT = 25  # items shown before "Show more"


@dataclass
class Item:
    """One thing to act on: an overdue channel (``next_due_at`` annotated) with or without
    its reminder, or a reminder alone."""

    due_at: dt.datetime
    channel: Channel | None = None
    reminder: Reminder | None = None
    may_log: bool = False  # whether it offers "Log exchange" with the contacts it names

    @property
    def sort_key(self) -> tuple:
        # A stable order for items due at the same moment: channels, then reminders, by id.
        return (self.due_at, self.channel is None, (self.channel or self.reminder).pk)


@dataclass
class Agenda:
    items: list[Item] = field(default_factory=list)
    total: int = 0  # items in all; ``items`` holds the first ``limit`` of them
    snoozed: int = 0
    contacts: list[Contact] = field(default_factory=list)  # every contact the list names
    holds_channels: bool = False  # whether the user keeps any channel (``holds_channels``)


def agenda_for(user, *, now: dt.datetime, limit: int | None = AGENDA_LIMIT) -> Agenda:
    """The first ``limit`` (all, for None) of the user's overdue channels and pending
    reminders merged into one list, with how many there are in all counted by SQL.

    Two statements read the list: the page of overdue channels, then every reminder the
    page needs (those the page's channels carry, the first ``limit`` of the others) with
    the counts, so that the reminders' visibility is compiled and tested once."""
    pending = Reminder.objects.visible_to(user).filter(recipient=user).pending()
    asleep = Q(status=Reminder.Status.SNOOZED, snoozed_until__gt=now)
    # The user's own channels, each tested on its own (few=True): a join with the contacts
    # would have the planner read every channel of the mission to sort a page of them.
    overdue = Channel.objects.visible_to(user, few=True).for_officer(user).overdue(now)
    # A snoozed reminder takes its overdue channel off the list with it; a reminder for an
    # overdue channel is shown within that channel's item, not as one of its own.
    channels = overdue.exclude(
        Exists(pending.filter(asleep, kind=Reminder.Kind.CHANNEL_DUE, channel=OuterRef("pk")))
    )
    # Each page is sorted from all its rows, so their number comes with it (a window count)
    # rather than from a COUNT that would find them all again.
    page = (
        channels.select_related("contact")
        .annotate(rows_in_all=Window(Count("*")))
        .order_by("next_due_at", "pk")[:limit]
    )
    # An editor usually keeps channels: their page is read first, and rows on it say they
    # hold some. Anyone else (a planner) usually keeps none, which is looked up first.
    if has_any_role(user, EDITORS):
        page = list(page)
        holds = bool(page) or holds_channels(user)
    else:
        holds = holds_channels(user)
        page = list(page) if holds else []
    agenda = Agenda(holds_channels=holds)
    # One read of the reminders: those the page's channels carry (rank 0), the others to
    # act on (rank 1, the first ``limit``), the snoozed ones (rank 2, counted, not shown).
    alone = ~asleep & ~Q(kind=Reminder.Kind.CHANNEL_DUE, channel__in=overdue.values("pk"))
    shown, ranks, carried_in_all = alone | asleep, [When(asleep, then=2)], Value(0)
    if page:
        carried = ~asleep & Q(
            kind=Reminder.Kind.CHANNEL_DUE, channel__in=[channel.pk for channel in page]
        )
        shown, ranks = shown | carried, [When(carried, then=0), *ranks]
        carried_in_all = Window(Count("pk", filter=carried))
    reminders = (
        pending.filter(shown)
        .annotate(
            rank=Case(*ranks, default=1),
            rows_in_all=Window(Count("*")),
            carried_in_all=carried_in_all,
            asleep_in_all=Window(Count("pk", filter=asleep)),
        )
        .order_by("rank", "due_at", "pk")
    )
    if limit is not None:
        # A channel carries at most one pending channel_due reminder (a constraint).
        reminders = reminders[: len(page) + limit]
    reminders = _with_related(user, reminders)
    attached = {reminder.channel_id: reminder for reminder in reminders if reminder.rank == 0}
    for channel in page:
        channel.effective_cadence_days = _effective_cadence_days(channel)
        reminder = attached.get(channel.pk)
        agenda.items.append(Item(channel.next_due_at, channel=channel, reminder=reminder))
    for reminder in [reminder for reminder in reminders if reminder.rank == 1][:limit]:
        agenda.items.append(Item(reminder.due_at, reminder=reminder))
    if page:
        agenda.total = page[0].rows_in_all
    if reminders:
        first = reminders[0]
        agenda.snoozed = first.asleep_in_all
        agenda.total += first.rows_in_all - first.carried_in_all - first.asleep_in_all
    agenda.items.sort(key=lambda item: item.sort_key)
    agenda.items = agenda.items[:limit]
    agenda.contacts = [contact for item in agenda.items for contact in named_by(item)]
    _offer_logging(user, agenda)
    return agenda


def _with_related(user, reminders) -> list[Reminder]:
    # An exchange the user may read names only contacts they may see; the prefetch says so
    # again, so that a follow-up can never name anyone else.
    named = Contact.objects.visible_to(user).order_by("full_name", "pk")
    return list(
        reminders.select_related(
            "channel__contact", "exchange", "event_link__event"
        ).prefetch_related(Prefetch("exchange__contacts", queryset=named))
    )


def _effective_cadence_days(channel: Channel) -> float:
    """The cadence in force, as the keep-in-touch rule computed it (``with_due``)."""
    seconds = (channel.next_due_at - channel.counted_from_at).total_seconds()
    return round(seconds / SECONDS_PER_DAY, 2)


def named_by(item: Item) -> list[Contact]:
    """The contacts an item names (none for an event's reminder)."""
    if item.channel is not None:
        return [item.channel.contact]
    reminder = item.reminder
    if reminder.channel_id:
        return [reminder.channel.contact]
    if reminder.exchange_id:
        return list(reminder.exchange.contacts.all())
    return []


def holds_channels(user) -> bool:
    """Whether the user keeps any channel (with a contact they may see)."""
    return Channel.objects.visible_to(user, few=True).for_officer(user).exists()


def _offer_logging(user, agenda: Agenda) -> None:
    """Set each item's ``may_log``: one check for the whole list when the user may log
    with everyone it names (the usual case), else one per item."""
    if not agenda.contacts:
        return
    everyone = may_log_exchange(user, agenda.contacts)
    for item in agenda.items:
        named = named_by(item)
        item.may_log = bool(named) and (everyone or may_log_exchange(user, named))


def orientation_for(user) -> list[tuple[str, str, str]]:
    """For a user who keeps no channel: where to go instead, as their roles allow, as
    (url name, label, what it is for)."""
    links = []
    if has_any_role(user, NETWORK_READERS):
        links += [
            ("network_health", _("Network health"), _("channels kept within cadence, by layer")),
            ("dashboard", _("Indicators"), _("the strategy's indicators over time")),
        ]
    links += [
        ("signal_list", _("Signals"), _("media coverage, digital reach, incidents")),
        ("contacts:list", _("Contacts"), _("the people in the network you may see")),
        ("events:list", _("Events"), _("forums, briefings and evenings")),
    ]
    return links
