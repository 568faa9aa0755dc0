"""Today's list: what the signed-in user has to act on, one item per thing, most overdue
first.

An overdue channel and its pending ``channel_due`` reminder are one item (the reminder
carries snooze and dismiss). A snoozed reminder leaves the list, with its channel, until
its snooze ends. Every row is read through ``visible_to``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch

from contacts.access import NETWORK_READERS, has_any_role, may_log_exchange
from contacts.models import Channel, Contact, Reminder

SECONDS_PER_DAY = 86400


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
    snoozed: int = 0
    contacts: list[Contact] = field(default_factory=list)  # every contact the list names


def agenda_for(user, *, now: dt.datetime) -> Agenda:
    """The user's overdue channels and pending reminders merged into one list."""
    reminders = _pending_reminders(user)
    channels = list(
        Channel.objects.visible_to(user)
        .for_officer(user)
        .overdue(now)
        .select_related("contact")
        .order_by("next_due_at", "pk")
    )
    by_channel = {r.channel_id: r for r in reminders if r.kind == Reminder.Kind.CHANNEL_DUE}
    agenda, merged = Agenda(), set()
    for channel in channels:
        channel.effective_cadence_days = _effective_cadence_days(channel)
        reminder = by_channel.get(channel.pk)
        if reminder is not None:
            merged.add(reminder.pk)
        if reminder is not None and _is_snoozed(reminder, now):
            agenda.snoozed += 1
        else:
            agenda.items.append(Item(channel.next_due_at, channel=channel, reminder=reminder))
    for reminder in reminders:
        if reminder.pk in merged:
            continue
        if _is_snoozed(reminder, now):
            agenda.snoozed += 1
        else:
            agenda.items.append(Item(reminder.due_at, reminder=reminder))
    agenda.items.sort(key=lambda item: item.sort_key)
    agenda.contacts = [contact for item in agenda.items for contact in named_by(item)]
    _offer_logging(user, agenda)
    return agenda


def _pending_reminders(user) -> list[Reminder]:
    # An exchange the user may read names only contacts they may see; the prefetch says so
    # again, so that a follow-up can never name anyone else.
    named = Contact.objects.visible_to(user).order_by("full_name", "pk")
    return list(
        Reminder.objects.visible_to(user)
        .filter(recipient=user)
        .pending()
        .select_related("channel__contact", "exchange", "event_link__event")
        .prefetch_related(Prefetch("exchange__contacts", queryset=named))
        .order_by("due_at", "pk")
    )


def _is_snoozed(reminder: Reminder, now: dt.datetime) -> bool:
    return reminder.status == Reminder.Status.SNOOZED and reminder.snoozed_until > now


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
    return Channel.objects.visible_to(user).for_officer(user).exists()


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
            ("network_health", "Network health", "channels kept within cadence, by layer"),
            ("dashboard", "Indicators", "the strategy's indicators over time"),
        ]
    links += [
        ("signal_list", "Signals", "media coverage, digital reach, incidents"),
        ("contacts:list", "Contacts", "the people in the network you may see"),
        ("events:list", "Events", "forums, briefings and evenings"),
    ]
    return links
