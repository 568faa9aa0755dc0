"""People and organizations in the network, the channels kept with them, every exchange,
the diplomatic climate and the reminders that keep channels alive.

Vocabulary and rules: ../shared/DESIGN.md. Reads live on the querysets in
``contacts.querysets``; workflows that touch several models live in ``contacts.services``.

A package, one module per concern; every name is importable from ``contacts.models``.
"""

from contacts.models.audit import AccessLog, AccessLogManager, ErasureRecord
from contacts.models.channels import Channel, ChannelState, Exchange, RecordedMonth, Touch
from contacts.models.choices import Layer, Sensitivity
from contacts.models.duplicates import ContactMerge, DuplicatePair
from contacts.models.imports import ImportBatch, ImportRow
from contacts.models.network import Affiliation, Contact, Grant, Organization, Tag
from contacts.models.reminders import Climate, Notification, Reminder
from contacts.models.staff import OfficerProfile, Team

__all__ = [
    "AccessLog",
    "AccessLogManager",
    "Affiliation",
    "Channel",
    "ChannelState",
    "Climate",
    "Contact",
    "ContactMerge",
    "DuplicatePair",
    "ErasureRecord",
    "Exchange",
    "Grant",
    "ImportBatch",
    "ImportRow",
    "Layer",
    "Notification",
    "OfficerProfile",
    "Organization",
    "RecordedMonth",
    "Reminder",
    "Sensitivity",
    "Tag",
    "Team",
    "Touch",
]
