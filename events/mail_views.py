"""Pages that reach guests: the event's invitation e-mail text, sending invitations and
chasers from the guest list, and bulk invitations previewed against the seats left,
confirmed, and withdrawn as a batch. Planners and admins only."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from contacts.errors import DomainError
from contacts.views import record_web_views
from events import batches, forms, mail, mail_forms, mail_templates
from events.models import Event, Invitation, InvitationBatch
from events.views import planner_required


def _guest_list(event) -> str:
    return f"{reverse('events:detail', args=[event.pk])}#guests"


def _standing_guests(request, event):
    return Invitation.objects.visible_to(request.user).filter(event=event, revoked_at__isnull=True)


# The invitation text


@planner_required
@require_http_methods(["GET", "POST"])
def event_mail(request, pk):
    """Edit the event's invitation e-mail and see it as a guest will."""
    event = get_object_or_404(Event, pk=pk)
    form = mail_forms.InvitationTextForm(
        request.POST if request.method == "POST" else None, instance=event
    )
    if form.is_bound and form.is_valid():
        event.save(update_fields=["invitation_subject", "invitation_text", "updated_at"])
        messages.success(request, _("Saved the invitation e-mail."))
        return redirect("events:mail", pk=event.pk)
    sample = {
        "name": _("(the guest's name)"),
        "event": event.title,
        "when": mail.event_when(event),
        "venue": event.venue or event.online_url or _("to be announced"),
        "rsvp_link": _("(the guest's own RSVP link)"),
    }
    stored = Event.objects.get(pk=event.pk)  # the text saved, not the one refused
    context = {
        "event": event,
        "form": form,
        # The default text in the planner's language; each guest gets it in theirs.
        "preview_subject": mail_templates.fill(mail_templates.subject_for(stored), sample),
        "preview_text": mail_templates.fill(mail_templates.text_for(stored), sample),
    }
    return render(request, "events/event_mail.html", context)


# Sending from the guest list


@planner_required
@require_POST
def send_invitations(request, pk):
    """Queue the invitation e-mail to the guests chosen, or to all not yet sent."""
    event = get_object_or_404(Event, pk=pk)
    form = mail_forms.GuestChoiceForm(request.POST, guests=_standing_guests(request, event))
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or _("Choose guests."))
        return redirect(_guest_list(event))
    try:
        result = mail.queue_invitations(
            event=event, by=request.user, now=timezone.now(), invitation_ids=form.invitation_ids()
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        _report(request, result, what="invitation")
    return redirect(_guest_list(event))


@planner_required
@require_POST
def send_chasers(request, pk):
    """Queue a chaser to every guest who has not answered."""
    event = get_object_or_404(Event, pk=pk)
    try:
        result = mail.queue_chasers(event=event, by=request.user, now=timezone.now())
    except DomainError as error:
        messages.error(request, error.message)
    else:
        _report(request, result, what="chaser")
    return redirect(_guest_list(event))


def _report(request, result: mail.QueueResult, *, what: str) -> None:
    if what == "chaser":
        text = ngettext(
            "Sending %(count)s chaser by e-mail.",
            "Sending %(count)s chasers by e-mail.",
            result.queued,
        )
    else:
        text = ngettext(
            "Sending %(count)s invitation by e-mail.",
            "Sending %(count)s invitations by e-mail.",
            result.queued,
        )
    text %= {"count": result.queued}
    if result.already:
        text += " " + _("%(count)s sent or under way already.") % {"count": result.already}
    messages.success(request, text)
    if result.by_hand:
        names = ", ".join(invitation.contact.full_name for invitation in result.by_hand)
        messages.warning(
            request,
            _("No e-mail address, send their link by hand (see the guest list): %(names)s.")
            % {"names": names},
        )


# Bulk invitations


@planner_required
@require_POST
def invite_bulk(request, pk):
    """Everyone who matches: first a preview (the list, the count against the seats left,
    a warning), then, once confirmed, one batch of invitations."""
    event = get_object_or_404(Event, pk=pk)
    bulk = forms.InviteBulkForm(request.POST, user=request.user, prefix="bulk")
    if not bulk.is_valid():
        one = forms.InviteOneForm(user=request.user, prefix="one")
        context = {"event": event, "one": one, "bulk": bulk, "result": None}
        return render(request, "events/event_invite.html", context)
    if request.POST.get("step") != "confirm":
        preview = batches.preview_bulk_invite(event=event, by=request.user, **bulk.criteria())
        record_web_views(request, preview.contacts)
        criteria = batches.described(_describe(bulk), request.user)
        context = {"event": event, "bulk": bulk, "preview": preview, "criteria": criteria}
        return render(request, "events/event_invite_preview.html", context)
    batch, result = batches.invite_batch(
        event=event,
        contact_ids=_ids(request.POST.getlist("contact")),
        role=bulk.cleaned_data["role"],
        criteria=bulk.criteria(),
        description=_describe(bulk),
        by=request.user,
        now=timezone.now(),
    )
    messages.success(
        request,
        _("Invited %(invited)s (%(criteria)s); skipped %(skipped)s.")
        % {
            "invited": len(result.invited),
            "criteria": batches.shown_criteria(batch, request.user),
            "skipped": len(result.skipped),
        },
    )
    return redirect(_guest_list(event))


def _ids(values: list[str]) -> list[int]:
    # Out-of-range numbers match no row: PostgreSQL integers stop at 2**31 - 1.
    return [
        int(value) for value in values if value.isascii() and value.isdigit() and len(value) < 10
    ]


def _describe(bulk) -> str:
    """The criteria as a batch stores them: "Category: journalist · Tag: alumni"."""
    organization = bulk.cleaned_data.get("organization")
    return batches.written(bulk.criteria(), organization.name if organization else "")


@planner_required
@require_POST
def batch_withdraw(request, pk):
    """Withdraw every invitation of a batch that the planner may see."""
    batch = get_object_or_404(InvitationBatch, pk=pk)
    withdrawn = batches.withdraw_batch(batch=batch, by=request.user, now=timezone.now())
    text = ngettext(
        "Withdrew %(count)s invitation of “%(criteria)s”; its link no longer works.",
        "Withdrew %(count)s invitations of “%(criteria)s”; their links no longer work.",
        withdrawn,
    )
    criteria = batches.shown_criteria(batch, request.user)
    messages.success(request, text % {"count": withdrawn, "criteria": criteria})
    return redirect(_guest_list(batch.event))
