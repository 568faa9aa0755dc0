"""The contacts list as a file (vCard, CSV, XLSX) and one contact's vCard (contacts.exports).

Whoever sees the list exports it: the file holds the rows of the list for the same query
string (``ContactSearchForm.listed``), all its pages, erased contacts left out. Exports are
sensitive actions: they ask the user to confirm who they are when their last confirmation
is old (trackii.security.sensitive_action).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from contacts import exports
from contacts.forms import ContactSearchForm
from contacts.models import Contact
from trackii.security import sensitive_action


@never_cache
@login_required
@sensitive_action
def contact_export(request, file_format: str):
    """The contacts list, as filtered, searched and sorted, as one file."""
    now = timezone.now()
    contacts = exports.exportable(ContactSearchForm(request.GET).listed(request.user, now=now))
    try:
        exports.check_size(contacts)
    except exports.TooManyRows as error:
        messages.error(request, str(error))
        query = request.GET.urlencode()
        return redirect(reverse("contacts:list") + (f"?{query}" if query else ""))
    return file_response(contacts, file_format, user=request.user, now=now)


@never_cache
@login_required
@sensitive_action
def contact_vcard(request, pk):
    """One contact's vCard; 404 for a contact the user may not see, or an erased one."""
    contacts = exports.exportable(Contact.objects.visible_to(request.user))
    contact = get_object_or_404(contacts, pk=pk)
    return vcard_response(contact, user=request.user, now=timezone.now())


def file_response(contacts, file_format: str, *, user, now):
    """The answer that sends ``contacts`` (``exportable``, size checked) as a file: CSV and
    vCard streamed, XLSX from its temporary file. The web's and the API's exports send this."""
    name = exports.filename(file_format, now)
    content_type = exports.CONTENT_TYPES[file_format]
    if file_format == "xlsx":
        file = exports.xlsx_file(contacts, user=user, now=now)
        return FileResponse(file, as_attachment=True, filename=name, content_type=content_type)
    lines = exports.csv_lines if file_format == "csv" else exports.vcard_lines
    response = StreamingHttpResponse(lines(contacts, user=user, now=now), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def vcard_response(contact: Contact, *, user, now) -> HttpResponse:
    """The answer that sends one (visible, not erased) contact's vCard."""
    card = exports.contact_vcard(contact, user=user, now=now)
    response = HttpResponse(card, content_type=exports.CONTENT_TYPES["vcf"])
    response["Content-Disposition"] = f'attachment; filename="{exports.contact_filename(contact)}"'
    return response
