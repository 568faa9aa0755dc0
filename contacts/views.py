"""Web pages of the contacts app (server-rendered, htmx for partial updates).

Every contact, and every object that names one, is read through ``visible_to``: a contact
the user may not see is a 404 on every page, never a 403 that would confirm it exists.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import (
    F,
    Prefetch,
)
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from contacts import channel_views, deletion, duplicates, services
from contacts.access import (
    EDITORS,
    ORGANIZATION_WRITERS,
    has_any_role,
    is_owner,
    may_change_exchange,
    may_log_exchange,
    may_manage_grants,
    may_read_notes,
    require_any_role,
)
from contacts.errors import DomainError
from contacts.forms import (
    ContactForm,
    ContactSearchForm,
    ExchangeForm,
    GrantForm,
    LogExchangeForm,
    OrganizationForm,
    OrganizationSearchForm,
    SnoozeForm,
)
from contacts.models import (
    AccessLog,
    Affiliation,
    Contact,
    Exchange,
    Organization,
    Reminder,
    Sensitivity,
)
from contacts.paging import CappedPaginator, CountedPagePaginator
from contacts.people import display_name
from contacts.widgets import chosen
from trackii.security import confirm_url, recently_confirmed, sensitive_action

User = get_user_model()

PAGE_SIZE = 25
TIMELINE_SIZE = 50


# Scoped getters and small helpers


def get_contact_for_user(request, pk) -> Contact:
    """The contact ``pk`` if the user may see it, else 404."""
    contacts = Contact.objects.visible_to(request.user).select_related("organization", "owner")
    return get_object_or_404(contacts, pk=pk)


def get_reminder_for_user(request, pk, *, for_row: bool = False) -> Reminder:
    """One of the user's own reminders (every contact it names visible), else 404; with
    ``for_row``, with the contacts of its exchange too, which its row names several times
    (read once, and only those the user may see, as Today reads them)."""
    reminders = (
        Reminder.objects.visible_to(request.user)
        .filter(recipient=request.user)
        .select_related("channel__contact", "exchange", "event_link__event")
    )
    if for_row:
        named = Contact.objects.visible_to(request.user).order_by("full_name", "pk")
        reminders = reminders.prefetch_related(Prefetch("exchange__contacts", queryset=named))
    return get_object_or_404(reminders, pk=pk)


def _is_editor(user) -> bool:
    return has_any_role(user, EDITORS)


def _require_editor(user) -> None:
    require_any_role(user, EDITORS, _("Only officers, leads and admins change contacts."))


def record_web_views(request, contacts) -> None:
    """A web page that names contacts (a profile, a list, a picker) is an access-logged
    view of each protected one it shows, once per page however often it names them. Every
    app's pages log through this."""
    AccessLog.objects.record(
        user=request.user, contacts=contacts, surface=AccessLog.Surface.WEB, now=timezone.now()
    )


def offered_protected(bound_field) -> list[Contact]:
    """The protected contacts a contact picker (a form field over contacts) names on its
    page: the chosen ones; its endpoint logs those it offers as the user types."""
    return [
        contact for contact in chosen(bound_field) if contact.sensitivity == Sensitivity.PROTECTED
    ]


def _safe_next(request) -> str | None:
    """The ``next`` URL from the form or query string, only when it is local."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _is_partial(request) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return _("The input is not valid.")


# Contacts


@login_required
@vary_on_headers("HX-Request")
def contact_list(request):
    form = ContactSearchForm(request.GET)
    contacts = form.listed(request.user, now=timezone.now())
    paginator = CappedPaginator(contacts, PAGE_SIZE)
    if form.cleaned_data.get("q"):
        # A search's page is sorted from all its matches (a few thousand for a common
        # name): their organizations and owners are read for the page's rows only, and
        # their count comes with the page.
        contacts = contacts.select_related(None).prefetch_related("organization", "owner")
        paginator = CountedPagePaginator(contacts, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    record_web_views(request, page.object_list)
    template = "contacts/_contact_results.html" if _is_partial(request) else None
    return render(
        request,
        template or "contacts/contact_list.html",
        {
            "form": form,
            "page": page,
            "filtered": form.has_filters(),
            "may_edit": _is_editor(request.user),
            # The export menu offers files only up to this many contacts (contacts.exports).
            "export_max_rows": settings.EXPORT_MAX_ROWS,
        },
    )


@login_required
def contact_detail(request, pk):
    contact = get_contact_for_user(request, pk)
    page = _contact_page(
        contact, request.user, timezone.now(), timeline_page=request.GET.get("page")
    )
    # The timeline names the other (visible) contacts of each exchange too.
    named = (person for exchange in page["exchanges"] for person in exchange.named_contacts)
    record_web_views(request, [contact, *named])
    context = {"contact": contact, **page}
    # A protected contact's notes (its own and its exchanges') only after the user recently
    # confirmed who they are (trackii.security): a left-open session does not show them.
    protected = contact.sensitivity == Sensitivity.PROTECTED
    if page["may_read_notes"] and protected and not recently_confirmed(request):
        context["may_read_notes"] = False
        context["notes_hidden"] = True
        context["confirm_notes_url"] = confirm_url(request, request.get_full_path())
    return render(request, "contacts/contact_detail.html", context)


def _contact_page(contact, user, now, *, timeline_page=None) -> dict:
    """What the contact page shows besides the profile, each read through visible_to; the
    exchanges a page of ``TIMELINE_SIZE`` at a time, latest first."""
    # The timeline names each exchange's contacts and officers: their names only (a
    # contact's whole row holds its notes, decrypted as it is read; the sensitivity tells
    # which views are logged).
    visible_contacts = (
        Contact.objects.visible_to(user)
        .only("pk", "full_name", "sensitivity")
        .order_by("full_name", "pk")
    )
    officers = User.objects.only("pk", "username", "first_name", "last_name")
    manages_grants = may_manage_grants(user, contact)
    timeline = Paginator(
        Exchange.objects.naming(contact)
        .visible_to(user, few=True)
        .with_may_change(user)
        .prefetch_related(
            # As lists (to_attr): a manager and a queryset per exchange cost more than the rows.
            Prefetch("contacts", queryset=visible_contacts, to_attr="named_contacts"),
            Prefetch("officers", queryset=officers, to_attr="named_officers"),
        ),
        TIMELINE_SIZE,
    ).get_page(timeline_page)
    return {
        "may_read_notes": may_read_notes(user),
        "affiliations": Affiliation.objects.visible_to(user)
        .filter(contact=contact)
        .select_related("organization")
        .order_by(F("ends_on").desc(nulls_first=True), F("starts_on").desc(nulls_last=True), "pk"),
        **channel_views.contact_page_channels(contact, user, now),
        "exchanges": list(timeline.object_list),
        "timeline": timeline,
        "invitations": contact.invitations.select_related("event").order_by(
            "-event__starts_at", "-pk"
        ),
        "programmes": contact.programmes.order_by("-starts_on", "pk"),
        "manages_grants": manages_grants,
        "grants": contact.grants.select_related("user", "granted_by").order_by(
            "user__username", "pk"
        )
        if manages_grants
        else [],
        "grant_form": GrantForm(contact=contact) if manages_grants else None,
        "may_edit": _is_editor(user),
        "may_delete": is_owner(user, contact),
        # Merges into it that can be undone (contacts.merging), newest first.
        "merges": contact.merges.filter(undone_at__isnull=True)
        .select_related("merged_by")
        .order_by("-merged_at", "-pk"),
    }


@login_required
def contact_create(request):
    _require_editor(request.user)
    form = ContactForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        maybe = [] if request.POST.get("save_anyway") else _possible_duplicates(request, form)
        if maybe:
            context = {"form": form, "contact": None, "possible_duplicates": maybe}
            return render(request, "contacts/contact_form.html", context)
        with transaction.atomic():
            contact = form.save()
            _keep_in_touch(request, [contact], form.cleaned_data.get("keep_in_touch_days"))
        messages.success(
            request, pgettext("a contact", "%(name)s was added.") % {"name": contact.full_name}
        )
        return _to_contact_if_visible(request, contact)
    return render(request, "contacts/contact_form.html", {"form": form, "contact": None})


def _possible_duplicates(request, form) -> list[tuple[Contact, duplicates.Match]]:
    """The contacts, visible to the user, that the new contact may be (a hidden one is
    never named, so the page is the same as when there is none)."""
    data = form.cleaned_data
    person = duplicates.Person(
        full_name=data["full_name"],
        native_name=data.get("native_name", ""),
        email=data.get("email", ""),
        phone=data.get("phone", ""),
        organization_name=data["organization"].name if data.get("organization") else "",
        birth_year=data.get("birth_year"),
    )
    (matches,) = duplicates.find_for(request.user, [person])
    found = Contact.objects.visible_to(request.user).in_bulk([m.contact_id for m in matches])
    shown = [(found[m.contact_id], m) for m in matches if m.contact_id in found]
    record_web_views(request, [contact for contact, _ in shown])
    return shown


@login_required
def contact_edit(request, pk):
    contact = get_contact_for_user(request, pk)
    _require_editor(request.user)
    # A bound ModelForm writes the input onto its instance even when it is invalid; the
    # page title keeps the saved name.
    name = contact.full_name
    form = ContactForm(request.POST or None, instance=contact, user=request.user)
    if request.method == "POST" and form.is_valid():
        contact = form.save()
        messages.success(
            request, pgettext("a contact", "%(name)s was saved.") % {"name": contact.full_name}
        )
        return _to_contact_if_visible(request, contact)
    record_web_views(request, [contact])
    return render(
        request, "contacts/contact_form.html", {"form": form, "contact": contact, "name": name}
    )


def _keep_in_touch(request, contacts, cadence_days) -> None:
    """Open the user's channel, every ``cadence_days``, with those of the contacts they see
    and hold none with (none without a cadence)."""
    visible = Contact.objects.visible_to(request.user).filter(pk__in=[c.pk for c in contacts])
    if cadence_days:
        services.keep_in_touch(
            contacts=visible, officer=request.user, cadence_days=cadence_days, now=timezone.now()
        )


def _to_contact_if_visible(request, contact):
    # Handing a contact to another owner can take it out of the user's sight.
    if Contact.objects.visible_to(request.user).filter(pk=contact.pk).exists():
        return redirect("contacts:detail", pk=contact.pk)
    return redirect("contacts:list")


@login_required
def contact_delete(request, pk):
    contact = get_contact_for_user(request, pk)
    if not is_owner(request.user, contact):
        raise PermissionDenied(_("Only the contact's owner deletes it."))
    in_use = None
    if request.method == "POST":
        name = contact.full_name
        try:
            services.delete_contact(contact, user=request.user)
        except deletion.StillInUse as error:
            in_use = error.message
        else:
            messages.success(
                request, pgettext("a contact", "%(name)s was deleted.") % {"name": name}
            )
            return redirect("contacts:list")
    record_web_views(request, [contact])
    context = {"contact": contact, "in_use": in_use}
    return render(
        request, "contacts/contact_confirm_delete.html", context, status=409 if in_use else 200
    )


@login_required
@require_POST
@sensitive_action
def grant_add(request, pk):
    contact = get_contact_for_user(request, pk)
    form = GrantForm(request.POST, contact=contact)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("contacts:detail", pk=contact.pk)
    user = form.cleaned_data["user"]
    try:
        services.grant_access(contact=contact, user=user, granted_by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(user)s may now see %(contact)s.")
            % {"user": display_name(user), "contact": contact.full_name},
        )
    return redirect("contacts:detail", pk=contact.pk)


@login_required
@require_POST
def grant_revoke(request, pk, user_pk):
    contact = get_contact_for_user(request, pk)
    user = get_object_or_404(User, pk=user_pk)
    try:
        services.revoke_access(contact=contact, user=user, revoked_by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(user)s no longer sees %(contact)s.")
            % {"user": display_name(user), "contact": contact.full_name},
        )
    return redirect("contacts:detail", pk=contact.pk)


# Exchanges


@login_required
def exchange_new(request):
    if not may_log_exchange(request.user):
        raise PermissionDenied(_("Only officers, leads, admins and channel holders log exchanges."))
    now = timezone.now()
    initial = {"contacts": request.GET.getlist("contact")}
    form = LogExchangeForm(request.POST or None, user=request.user, now=now, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                _log_and_keep_in_touch(request, data, now=now)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            names = ", ".join(contact.full_name for contact in data["contacts"])
            messages.success(request, _("Exchange with %(names)s logged.") % {"names": names})
            first = data["contacts"].first()
            return redirect(_safe_next(request) or reverse("contacts:detail", args=[first.pk]))
    record_web_views(request, offered_protected(form["contacts"]))
    return render(
        request, "contacts/exchange_form.html", {"form": form, "next": _safe_next(request)}
    )


def _log_and_keep_in_touch(request, data, *, now) -> None:
    """Log the exchange; then, when asked, open the user's channels with the contacts they
    hold none with (they count from this exchange)."""
    services.log_exchange(
        occurred_at=data["occurred_at"],
        kind=data["kind"],
        contacts=data["contacts"],
        officers=[request.user, *data["other_officers"]],
        summary=data["summary"],
        topics=data["topics"],
        notes=data.get("notes", ""),
        follow_up_on=data["follow_up_on"],
        created_by=request.user,
        now=now,
    )
    if data.get("keep_in_touch"):
        _keep_in_touch(request, data["contacts"], data["keep_in_touch_days"])


def _get_exchange_to_change(request, pk) -> Exchange:
    exchange = get_object_or_404(Exchange.objects.visible_to(request.user), pk=pk)
    _require_editor(request.user)  # as the API's exchanges/: officers, leads and admins
    if not may_change_exchange(request.user, exchange):
        raise PermissionDenied(_("Only the exchange's author and officers change it."))
    return exchange


def _back_from_exchange(request, exchange) -> str:
    first = exchange.contacts.order_by("full_name", "pk").first()
    fallback = reverse("contacts:detail", args=[first.pk]) if first else reverse("today")
    return _safe_next(request) or fallback


@login_required
def exchange_edit(request, pk):
    exchange = _get_exchange_to_change(request, pk)
    now = timezone.now()
    form = ExchangeForm(request.POST or None, user=request.user, now=now, exchange=exchange)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            name: data[name]
            for name in ("occurred_at", "kind", "summary", "topics", "follow_up_on", "notes")
            if name in form.fields
        }
        try:
            services.update_exchange(
                exchange, now=now, contacts=data["contacts"], officers=data["officers"], **fields
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The exchange was saved."))
            return redirect(_back_from_exchange(request, exchange))
    record_web_views(request, offered_protected(form["contacts"]))
    context = {"form": form, "exchange": exchange, "next": _safe_next(request)}
    return render(request, "contacts/exchange_form.html", context)


@login_required
def exchange_delete(request, pk):
    exchange = _get_exchange_to_change(request, pk)
    back = _back_from_exchange(request, exchange)
    if request.method == "POST":
        services.delete_exchange(exchange, now=timezone.now())
        messages.success(request, _("The exchange was deleted."))
        return redirect(back)
    context = {"exchange": exchange, "back": back, "next": _safe_next(request)}
    return render(request, "contacts/exchange_confirm_delete.html", context)


# Reminders


@login_required
@require_POST
def reminder_snooze(request, pk):
    # Read with what its row shows, for the htmx answer.
    reminder = get_reminder_for_user(request, pk, for_row=_is_partial(request))
    form = SnoozeForm(request.POST)
    now = timezone.now()
    error = None if form.is_valid() else _first_error(form)
    if error is None:
        try:
            services.snooze_reminder(reminder=reminder, until=form.until_from(now), now=now)
        except DomainError as failure:
            error = failure.message
            reminder = None  # changed meanwhile: shown as it is now
    return _reminder_answer(request, pk, reminder, error=error, done=_("Reminder snoozed."))


@login_required
@require_POST
def reminder_dismiss(request, pk):
    reminder = get_reminder_for_user(request, pk)
    try:
        services.dismiss_reminder(reminder=reminder, now=timezone.now())
    except DomainError as failure:
        return _reminder_answer(request, pk, None, error=failure.message, done="")
    if _is_partial(request):
        # An empty 200 lets hx-swap="outerHTML" remove the row.
        return HttpResponse("")
    messages.success(request, _("Reminder dismissed."))
    return redirect(_safe_next(request) or "/")


def _reminder_answer(request, pk, reminder, *, error, done):
    """The updated row for htmx (``reminder`` as the action left it, or read again when
    None), or a message and a redirect back."""
    if _is_partial(request):
        if reminder is None:
            reminder = get_reminder_for_user(request, pk, for_row=True)
        if reminder.channel:
            record_web_views(request, [reminder.channel.contact])  # the row names it
        elif reminder.exchange:
            record_web_views(request, list(reminder.exchange.contacts.all()))  # and these
        context = {
            "reminder": reminder,
            "reminder_error": error,
            "next": _safe_next(request) or "/",
        }
        return render(request, "contacts/_reminder_row.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(_safe_next(request) or "/")


# Organizations


@login_required
@vary_on_headers("HX-Request")
def organization_list(request):
    form = OrganizationSearchForm(request.GET)
    organizations = form.search(Organization.objects.all())
    page = Paginator(organizations, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "contacts/_organization_results.html" if _is_partial(request) else None
    return render(
        request,
        template or "contacts/organization_list.html",
        {
            "form": form,
            "page": page,
            "filtered": form.has_filters(),
            "may_add": _writes_organizations(request.user),
        },
    )


def _writes_organizations(user) -> bool:
    return has_any_role(user, ORGANIZATION_WRITERS)


def _require_organization_writer(user) -> None:
    why = _("Officers, planners, leads and admins change organizations.")
    require_any_role(user, ORGANIZATION_WRITERS, why)


@login_required
def organization_create(request):
    _require_organization_writer(request.user)
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = form.save()
        messages.success(
            request,
            pgettext("an organization", "%(name)s was added.") % {"name": organization.name},
        )
        return redirect("contacts:organization_detail", pk=organization.pk)
    context = {"form": form, "organization": None}
    return render(request, "contacts/organization_form.html", context)


@login_required
def organization_edit(request, pk):
    organization = get_object_or_404(Organization, pk=pk)
    _require_organization_writer(request.user)
    name = organization.name  # the title keeps the saved name while the form has errors
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        organization = form.save()
        messages.success(
            request,
            pgettext("an organization", "%(name)s was saved.") % {"name": organization.name},
        )
        return redirect("contacts:organization_detail", pk=organization.pk)
    context = {"form": form, "organization": organization, "name": name}
    return render(request, "contacts/organization_form.html", context)


@login_required
def organization_delete(request, pk):
    organization = get_object_or_404(Organization, pk=pk)
    _require_organization_writer(request.user)
    in_use = None
    try:
        if request.method == "POST":
            name = organization.name
            services.delete_organization(organization, user=request.user)
            messages.success(
                request, pgettext("an organization", "%(name)s was deleted.") % {"name": name}
            )
            return redirect("contacts:organization_list")
        if organization.is_referenced(user=request.user):
            in_use = deletion.still_in_use(organization).message
    except deletion.StillInUse as error:
        in_use = error.message
    context = {"organization": organization, "in_use": in_use}
    status = 409 if in_use and request.method == "POST" else 200
    return render(request, "contacts/organization_confirm_delete.html", context, status=status)


@login_required
def organization_detail(request, pk):
    organization = get_object_or_404(Organization, pk=pk)
    user = request.user
    people = list(
        Contact.objects.visible_to(user)
        .filter(organization=organization)
        .order_by("full_name", "pk")
    )
    affiliations = list(
        Affiliation.objects.visible_to(user)
        .filter(organization=organization)
        .select_related("contact")
        .order_by(F("ends_on").desc(nulls_first=True), "contact__full_name", "pk")
    )
    record_web_views(request, [*people, *(affiliation.contact for affiliation in affiliations)])
    context = {
        "organization": organization,
        "people": people,
        "affiliations": affiliations,
        "events": organization.hosted_events.order_by("-starts_at", "-pk"),
        "programmes": organization.programmes.order_by("-starts_on", "pk"),
        "may_edit": _writes_organizations(user),
    }
    return render(request, "contacts/organization_detail.html", context)
