"""Helpers for the contacts web page tests. The views read the clock, so a channel is made
overdue by creating it 60 days ago (a 30-day cadence)."""

import datetime as dt

from django.utils import timezone

from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def days_ago(days):
    return timezone.now() - dt.timedelta(days=days)


def listed_ids(response) -> list[int]:
    """The ids of the contacts on the list page shown."""
    return [contact.pk for contact in response.context["page"].object_list]


def overdue_channel(officer, contact):
    return factories.ChannelFactory(officer=officer, contact=contact, created_at=days_ago(60))
