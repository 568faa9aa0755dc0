"""Civil: programmes started and running, their participants and partner institutions."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_noop

from contacts.models import Contact
from indicators.measures.base import (
    COUNT,
    Window,
    build_result,
    column_slots,
    flow_slots,
    fold,
    indicator,
)
from indicators.measures.polarity import HIGHER_IS_BETTER
from indicators.measures.queries import (
    STARTED,
    column_name,
    contact_filter,
    flow,
    organizations_of,
    overlapping,
    programmes_of,
    spans_of,
)


@indicator(
    "programmes_started",
    area="civil",
    title=gettext_noop("Programmes started"),
    unit=COUNT,
    polarity=HIGHER_IS_BETTER,
)
def programmes_started(user, *, start, end, period, now, layer=None, category=None, country=None):
    """Programmes (active or completed) by the month they started, by kind."""
    window = Window(start, end, period, now)
    programmes = programmes_of(user, layer=layer, category=category, country=country).filter(
        status__in=STARTED
    )
    rows = flow(
        programmes, "starts_on", window, is_moment=False, keys=["kind"], numerator=Count("pk")
    )
    overall, parts = fold(rows, flow_slots, [("kind", "kind")])
    return build_result("programmes_started", window, overall, parts)


@indicator(
    "programmes_active",
    area="civil",
    title=gettext_noop("Programmes running"),
    unit=COUNT,
    polarity=HIGHER_IS_BETTER,
)
def programmes_active(user, *, start, end, period, now, layer=None, category=None, country=None):
    """Programmes (active or completed) that ran during each bucket, by kind."""
    window = Window(start, end, period, now)
    spans = spans_of(window)
    programmes = programmes_of(user, layer=layer, category=category, country=country)
    rows = (
        programmes.order_by()
        .values("kind")
        .annotate(
            **{
                f"n_{column_name(slot)}": Count("pk", filter=overlapping("", lower, upper))
                for slot, lower, upper in spans
            }
        )
    )
    slots = [(slot, column_name(slot)) for slot, _, _ in spans]
    overall, parts = fold(rows, column_slots(slots), [("kind", "kind")])
    return build_result("programmes_active", window, overall, parts)


@indicator(
    "programme_participants",
    area="civil",
    title=gettext_noop("Contacts taking part in programmes"),
    unit=COUNT,
    polarity=HIGHER_IS_BETTER,
)
def programme_participants(
    user, *, start, end, period, now, layer=None, category=None, country=None
):
    """Distinct contacts (that the reader may see) in programmes running during each
    bucket, by category."""
    window = Window(start, end, period, now)
    spans = spans_of(window)
    of_layer = Q(programmes__layer=layer) if layer else Q()
    # Only the contacts in a programme that started (the join the counts read): the
    # others, most of the network, would be grouped for nothing.
    contacts = Contact.objects.visible_to(user).filter(
        contact_filter("", category=category, country=country),
        programmes__status__in=STARTED,
    )
    rows = (
        contacts.order_by()
        .values("category")
        .annotate(
            **{
                f"n_{column_name(slot)}": Count(
                    "pk", distinct=True, filter=of_layer & overlapping("programmes__", lo, up)
                )
                for slot, lo, up in spans
            }
        )
    )
    slots = [(slot, column_name(slot)) for slot, _, _ in spans]
    overall, parts = fold(rows, column_slots(slots), [("category", "category")])
    return build_result("programme_participants", window, overall, parts)


@indicator(
    "partner_institutions",
    area="civil",
    title=gettext_noop("Partner institutions in programmes"),
    unit=COUNT,
    polarity=HIGHER_IS_BETTER,
)
def partner_institutions(user, *, start, end, period, now, layer=None, category=None, country=None):
    """Distinct partner organizations of programmes running during each bucket, by kind of
    organization (universities and research institutes show academic depth)."""
    window = Window(start, end, period, now)
    spans = spans_of(window)
    organizations = organizations_of(country=country)
    of_programmes = Q()
    if layer or category:
        programmes = programmes_of(user, layer=layer, category=category, country=None)
        of_programmes = Q(programmes__in=programmes.values("pk"))
    rows = (
        organizations.filter(programmes__status__in=STARTED)
        .order_by()
        .values("kind")
        .annotate(
            **{
                f"n_{column_name(slot)}": Count(
                    "pk", distinct=True, filter=of_programmes & overlapping("programmes__", lo, up)
                )
                for slot, lo, up in spans
            }
        )
    )
    slots = [(slot, column_name(slot)) for slot, _, _ in spans]
    overall, parts = fold(rows, column_slots(slots), [("kind", "kind")])
    return build_result("partner_institutions", window, overall, parts)
