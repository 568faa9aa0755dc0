"""Network health: aggregates of the channels the reader may see."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext

from contacts.access import NETWORK_READERS, require_any_role
from contacts.bounded import show_more, shown_limit
from contacts.models import Channel, Contact, Layer
from contacts.people import display_name
from indicators import cache
from indicators.charts import bar_chart

HEALTH_ROWS = 100  # rows of each per-officer and per-organization table before "Show more"


@login_required
def network_health(request):
    """Aggregates of the channels the reader may see; leads and analysts only."""
    user = request.user
    require_any_role(
        user, NETWORK_READERS, gettext("Network health is for leads, analysts and admins.")
    )
    limit = shown_limit(request, HEALTH_ROWS)
    context = _network_health(user, now=timezone.now(), limit=limit)
    for table in ("by_officer", "single_channel_organizations"):
        context[f"{table}_more"] = show_more(
            request, shown=len(context[table]), total=context[f"{table}_total"], step=HEALTH_ROWS
        )
    return render(request, "indicators/network_health.html", context)


def _network_health(user, *, now, limit: int | None = HEALTH_ROWS) -> dict:
    # Every figure below is an aggregate over ``visible_to(user)``: a contact the reader may
    # not see adds nothing to any count, share or list. No contact name is read, so the page
    # is fit for analysts as it stands. The single-channel organizations are counted over
    # visible contacts only: an organization also reached through a hidden contact's
    # channel is listed all the same, because counting that channel would let the reader
    # infer a contact they may not see from the organization's absence. The figures are
    # kept per reader as the indicators' are (indicators.cache: never served once changed).
    figures = cache.network_health(user, now=now, limit=limit)
    by_status = [
        {"key": status, "label": label, "channels": figures.by_status[status]}
        for status, label in Channel.Status.choices
    ]
    by_layer = _labelled(figures.by_layer, Layer)
    by_category = _labelled(figures.by_category, Contact.Category)
    by_officer = _named(figures.by_officer)
    context = {
        "now": now,
        "by_status": by_status,
        "by_layer": by_layer,
        "by_category": by_category,
        "by_officer": by_officer,
        "by_officer_total": figures.officers,
        "single_channel_organizations": figures.single_channel,
        "single_channel_organizations_total": figures.single_channel_total,
    }
    return {**context, "charts": _charts(context)}


def _charts(context: dict) -> dict:
    """The page's bar charts, from its tables."""
    return {
        "status": bar_chart(
            title=gettext("Channels by status"),
            rows=[
                (row["label"], row["channels"], str(row["channels"]))
                for row in context["by_status"]
            ],
        ),
        "layer": _share_chart(
            gettext("Active channels touched within cadence, by layer"), context["by_layer"]
        ),
        "category": _share_chart(
            gettext("Active channels touched within cadence, by category"),
            context["by_category"],
        ),
        "officer": bar_chart(
            title=gettext("Overdue channels per officer"),
            rows=[
                (row["officer_name"], row["overdue"], str(row["overdue"]))
                for row in context["by_officer"]
            ],
        ),
    }


def _named(rows: list[dict]) -> list[dict]:
    """The rows, each with ``officer_name``: the officer's full name, else username."""
    officers = get_user_model().objects.in_bulk([row["officer_id"] for row in rows])
    return [{**row, "officer_name": display_name(officers.get(row["officer_id"]))} for row in rows]


def _labelled(groups: list[dict], choices) -> list[dict]:
    """The groups (active channels kept within cadence per key), each with its display
    label (a contact without a layer is "Unassigned") and ``share``: the percentage kept."""
    labels = dict(choices.choices)
    return [
        {
            "key": group["key"],
            "label": labels.get(group["key"], group["key"]) or gettext("Unassigned"),
            "channels": group["channels"],
            "kept": group["kept"],
            "share": 100.0 * group["kept"] / group["channels"],
        }
        for group in groups
    ]


def _share_chart(title: str, rows: list[dict]):
    return bar_chart(
        title=title,
        rows=[
            (row["label"], row["share"], f"{row['kept']}/{row['channels']} ({row['share']:.0f}%)")
            for row in rows
        ],
        maximum=100,
    )
