"""Web pages of channels: the contact page's channel section, and opening, changing,
pausing, resuming and closing one's own channel. Every write goes through
``contacts.services`` (as the API's channels/ and the admin do); a channel whose contact
the user may not see is a 404, one held by someone else a 403 (and never offered)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contacts import services
from contacts import views as contact_views
from contacts.access import may_log_exchange, may_manage_channel, may_open_channel
from contacts.errors import DomainError
from contacts.forms import DEFAULT_CADENCE_DAYS, ChannelForm
from contacts.models import Channel, Contact
from contacts.people import display_name


def contact_page_channels(contact: Contact, user, now) -> dict:
    """The contact page's channel section: the visible channels with the contact, each
    marked ``may_manage`` for its holder, and whether the user may open one of their own."""
    channels = list(
        Channel.objects.visible_to(user)
        .with_due(now)
        .filter(contact=contact)
        .select_related("officer")
        .order_by("next_due_at", "pk")
    )
    for channel in channels:
        channel.may_manage = may_manage_channel(user, channel)
    holds_one = Channel.objects.filter(contact=contact, officer=user).exists()
    return {
        "channels": channels,
        "may_open_channel": may_open_channel(user) and not holds_one,
        # Channel holders log exchanges with their contacts, whatever their role.
        "may_log_exchange": may_log_exchange(user, [contact]),
    }


def get_channel_to_manage(request, pk) -> Channel:
    """The channel ``pk`` when its contact is visible (else 404) and the user holds it
    (else 403)."""
    channels = Channel.objects.visible_to(request.user).select_related("contact", "officer")
    channel = get_object_or_404(channels, pk=pk)
    if not may_manage_channel(request.user, channel):
        raise PermissionDenied(_("Officers manage their own channels."))
    return channel


def _posted(request):
    """The posted data on a POST (even an empty one, which must be a form error)."""
    return request.POST if request.method == "POST" else None


def _contact_from_query(request) -> Contact:
    raw = request.GET.get("contact", "")
    if not raw.isdigit():
        raise Http404("Name a contact.")
    return contact_views.get_contact_for_user(request, int(raw))


@login_required
def channel_new(request):
    """Open the user's own channel with the contact ``?contact=``."""
    contact = _contact_from_query(request)
    if not may_open_channel(request.user):
        raise PermissionDenied(_("Only officers, leads and admins open channels."))
    held = Channel.objects.filter(contact=contact, officer=request.user).first()
    if held is not None:
        messages.info(
            request, _("You already keep in touch with %(name)s.") % {"name": contact.full_name}
        )
        return redirect("contacts:channel_edit", pk=held.pk)
    form = ChannelForm(_posted(request), initial={"cadence_days": DEFAULT_CADENCE_DAYS})
    if request.method == "POST" and form.is_valid():
        try:
            services.open_channel(
                contact=contact, officer=request.user, now=timezone.now(), **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request, _("You now keep in touch with %(name)s.") % {"name": contact.full_name}
            )
            return redirect("contacts:detail", pk=contact.pk)
    contact_views.record_web_views(request, [contact])
    context = {"form": form, "contact": contact, "channel": None}
    return render(request, "contacts/channel_form.html", context)


@login_required
def channel_edit(request, pk):
    channel = get_channel_to_manage(request, pk)
    form = ChannelForm(_posted(request), instance=channel)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_channel(channel, now=timezone.now(), **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The channel was saved."))
            return redirect("contacts:detail", pk=channel.contact_id)
    contact_views.record_web_views(request, [channel.contact])
    context = {
        "form": form,
        "contact": channel.contact,
        "channel": channel,
        "holder": display_name(channel.officer),
    }
    return render(request, "contacts/channel_form.html", context)


@login_required
@require_POST
def channel_pause(request, pk):
    channel = get_channel_to_manage(request, pk)
    services.pause_channel(channel=channel, now=timezone.now())
    messages.success(
        request, _("The channel with %(name)s is paused.") % {"name": channel.contact.full_name}
    )
    return redirect("contacts:detail", pk=channel.contact_id)


@login_required
@require_POST
def channel_resume(request, pk):
    channel = get_channel_to_manage(request, pk)
    services.resume_channel(channel=channel, now=timezone.now())
    messages.success(
        request,
        _("The channel with %(name)s is active again, from today.")
        % {"name": channel.contact.full_name},
    )
    return redirect("contacts:detail", pk=channel.contact_id)


@login_required
def channel_close(request, pk):
    """Ask first; close on POST."""
    channel = get_channel_to_manage(request, pk)
    if request.method == "POST":
        services.close_channel(channel=channel, now=timezone.now())
        messages.success(
            request, _("The channel with %(name)s is closed.") % {"name": channel.contact.full_name}
        )
        return redirect("contacts:detail", pk=channel.contact_id)
    contact_views.record_web_views(request, [channel.contact])
    return render(request, "contacts/channel_confirm_close.html", {"channel": channel})
