"""Today's list: what the signed-in user has to act on, one item per thing, most overdue
first.

An overdue channel and its pending ``channel_due`` reminder are one item (the reminder
carries snooze and dismiss). A snoozed reminder leaves the list, with its channel, until
its snooze ends. Every row is read through ``visible_to``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Window
from django.utils.translation import gettext as _

from contacts.access import NETWORK_READERS, has_any_role, may_log_exchange
from contacts.models import Channel, Contact, Reminder

SECONDS_PER_DAY = 86400
AGENDA_LIMIT = 50  # items shown before "Show more"


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
    reminders merged into one list, with how many there are in all counted by SQL."""
    pending = Reminder.objects.visible_to(user).filter(recipient=user).pending()
    snoozed = Q(status=Reminder.Status.SNOOZED, snoozed_until__gt=now)
    # The user's own channels, each tested on its own (few=True): a join with the contacts
    # would have the planner read every channel of the mission to sort a page of them.
    overdue = Channel.objects.visible_to(user, few=True).for_officer(user).overdue(now)
    # A snoozed reminder takes its overdue channel off the list with it; a reminder for an
    # overdue channel is shown within that channel's item, not as one of its own.
    channels = overdue.exclude(
        Exists(pending.filter(snoozed, kind=Reminder.Kind.CHANNEL_DUE, channel=OuterRef("pk")))
    )
    reminders = pending.exclude(snoozed).exclude(
        kind=Reminder.Kind.CHANNEL_DUE, channel__in=overdue.values("pk")
    )
    # Each page is sorted from all its rows, so their number comes with it (a window count)
    # rather than from a COUNT that would find them all again.
    counted = Window(Count("*"))
    agenda = Agenda(snoozed=pending.filter(snoozed).count(), holds_channels=holds_channels(user))
    # A user who keeps no channel (a planner) has none overdue: not looked for.
    page = []
    if agenda.holds_channels:
        page = list(
            channels.prefetch_related("contact")
            .annotate(rows_in_all=counted)
            .order_by("next_due_at", "pk")[:limit]
        )
    attached = {
        reminder.channel_id: reminder
        for reminder in _with_related(
            user,
            pending.exclude(snoozed).filter(
                kind=Reminder.Kind.CHANNEL_DUE, channel__in=[channel.pk for channel in page]
            ),
        )
    }
    for channel in page:
        channel.effective_cadence_days = _effective_cadence_days(channel)
        reminder = attached.get(channel.pk)
        agenda.items.append(Item(channel.next_due_at, channel=channel, reminder=reminder))
    alone = _with_related(
        user, reminders.annotate(rows_in_all=counted).order_by("due_at", "pk")[:limit]
    )
    for reminder in alone:
        agenda.items.append(Item(reminder.due_at, reminder=reminder))
    agenda.total = sum(rows[0].rows_in_all for rows in (page, alone) if rows)
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
