"""Web pages of duplicates: the review queue ("Possible duplicates"), the merge page (choose
the other record, preview field by field, merge) and undoing a merge.

Contacts are read through ``visible_to``: a contact the user may not see is a 404 (never a
403 that would confirm it exists); a user who sees both but does not change contacts
(planners, analysts) gets a 403. Every write goes through ``contacts.services``, as the
API's and the admin's do.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contacts import duplicates, merging, services
from contacts.access import EDITORS, require_any_role
from contacts.errors import DomainError
from contacts.forms import MergeForm, MergeWithForm
from contacts.models import AccessLog, Contact, ContactMerge, DuplicatePair
from contacts.people import display_name
from contacts.views import get_contact_for_user, record_web_views

PAGE_SIZE = 25


def _require_merger(user) -> None:
    require_any_role(user, EDITORS, _("Only officers, leads and admins merge contacts."))


# The review queue


@login_required
def duplicate_list(request):
    _require_merger(request.user)
    pairs = (
        DuplicatePair.objects.offered_to(request.user)
        .select_related("contact_a__organization", "contact_b__organization")
        .order_by("-score", "pk")
    )
    page = Paginator(pairs, PAGE_SIZE).get_page(request.GET.get("page"))
    record_web_views(request, [c for pair in page for c in (pair.contact_a, pair.contact_b)])
    return render(request, "contacts/duplicate_list.html", {"page": page})


@login_required
@require_POST
def duplicate_dismiss(request, pk):
    _require_merger(request.user)
    pair = get_object_or_404(DuplicatePair.objects.offered_to(request.user), pk=pk)
    try:
        duplicates.dismiss_pair(pair=pair, user=request.user, now=timezone.now())
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Marked as two people; the pair will not be offered again."))
    return redirect("contacts:duplicate_list")


# Merge


@login_required
def contact_merge(request, pk):
    keep = get_contact_for_user(request, pk)
    raw_other = request.POST.get("other") or request.GET.get("other")
    if not raw_other:
        return _choose_other(request, keep)
    if not str(raw_other).isdigit():
        raise Http404("No such contact.")
    other = get_contact_for_user(request, int(raw_other))
    _require_merger(request.user)
    try:
        preview = merging.preview(request.user, keep, other)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("contacts:detail", pk=keep.pk)
    form = MergeForm(request.POST if request.method == "POST" else None, preview=preview)
    if request.method == "POST" and form.is_valid():
        return _merge(request, keep, other, form.choices())
    record_web_views(request, [keep, other])
    context = preview_context(keep, other, preview, form)
    return render(request, "contacts/contact_merge.html", context)


def preview_context(keep, other, preview, form) -> dict:
    """What a merge's preview shows, on the web and in the admin: each field of both contacts
    with the form's choice, and the owner and sensitivity the merged contact will have."""
    return {
        "keep": keep,
        "other": other,
        "preview": preview,
        "form": form,
        "rows": [
            (
                choice,
                form[choice.name],
                shown_value(keep, choice.name),
                shown_value(other, choice.name),
            )
            for choice in preview.fields
        ],
        "owner": display_name(preview.owner),
        "sensitivity": Contact(sensitivity=preview.sensitivity).get_sensitivity_display(),
    }


def _choose_other(request, keep: Contact):
    _require_merger(request.user)
    form = MergeWithForm(request.GET or None, user=request.user, keep=keep)
    if form.is_bound and form.is_valid():
        query = urlencode({"other": form.cleaned_data["other"].pk})
        return redirect(f"{reverse('contacts:merge', args=[keep.pk])}?{query}")
    record_web_views(request, [keep])
    return render(request, "contacts/contact_merge_choose.html", {"keep": keep, "form": form})


def _merge(request, keep: Contact, other: Contact, choices: dict):
    name, other_name = keep.full_name, other.full_name
    try:
        record = services.merge_contacts(
            request.user,
            keep,
            other,
            choices=choices,
            surface=AccessLog.Surface.WEB,
            now=timezone.now(),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("contacts:detail", pk=keep.pk)
    messages.success(
        request,
        _(
            "%(other)s was merged into %(name)s. Undo it from the contact's page "
            '("Merged into this contact").'
        )
        % {"other": other_name, "name": name},
    )
    if Contact.objects.visible_to(request.user).filter(pk=record.kept_id).exists():
        return redirect("contacts:detail", pk=record.kept_id)
    return redirect("contacts:list")


def shown_value(contact: Contact, name: str) -> str:
    """A field's value as the merge page prints it."""
    value = getattr(contact, name)
    if name in ("category", "layer"):
        return getattr(contact, f"get_{name}_display")()
    if name == "country":
        return value.name if value else ""
    if name == "languages":
        return ", ".join(value or [])
    if value is None:
        return ""
    return str(value)


@login_required
@require_POST
def merge_undo(request, pk):
    record = get_object_or_404(ContactMerge.objects.visible_to(request.user), pk=pk)
    _require_merger(request.user)
    try:
        record = services.undo_merge(
            request.user, record, surface=AccessLog.Surface.WEB, now=timezone.now()
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("contacts:detail", pk=record.kept_id)
    messages.success(request, _("The merge was undone."))
    for line in merging.undo_report_lines(record, request.user):
        messages.warning(request, line)
    return redirect("contacts:detail", pk=record.merged_contact_id)
