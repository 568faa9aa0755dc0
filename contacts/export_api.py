"""REST API v1 exports (contacts.exports): ``GET contacts/export/`` the contacts list as a
vCard, CSV or XLSX file, with the list's own filters, search and ordering; ``GET
contacts/{id}/vcard/`` one contact's vCard.

The only answers of the API that are not JSON, its errors excepted: the file's format is
chosen by ``?format=`` (or the ``contacts/export.csv`` suffix) or else by the Accept header,
and an error is the API's one JSON error shape whatever was asked. Like the web's exports
they are sensitive actions: a token was created with the second factor, and a browser
session must have confirmed who it is within ``REAUTHENTICATION_TIMEOUT``.
"""

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.negotiation import BaseContentNegotiation

from contacts import exports
from contacts.export_views import file_response, vcard_response
from contacts.schema import ErrorSerializer
from trackii.security import recently_confirmed

# Media types an Accept header may name, for each format.
ACCEPTED = {
    "text/vcard": "vcf",
    "text/x-vcard": "vcf",
    "text/csv": "csv",
    exports.CONTENT_TYPES["xlsx"]: "xlsx",
}
FORMAT_HELP = (
    "The file's format: vcf (vCard 4.0), csv (UTF-8 with a byte order mark) or xlsx. "
    "Without it, the Accept header decides (text/vcard, text/csv or the XLSX media type)."
)


class TooManyRows(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = gettext_lazy("The list holds more contacts than one export may.")
    default_code = "too_many_rows"


class JsonErrorsNegotiation(BaseContentNegotiation):
    """Every answer DRF renders (an error) is JSON: the file itself is built by the view,
    which reads the format it was asked for (``requested_format``)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def requested_format(request, format_suffix: str | None) -> str:
    """``vcf``, ``csv`` or ``xlsx``: from ``?format=`` or the URL's suffix, else from the
    Accept header (best quality first); else a 400 naming the field ``format``."""
    chosen = request.query_params.get("format") or format_suffix
    if chosen:
        if chosen not in exports.FORMATS:
            raise exceptions.ValidationError({"format": [gettext("Choose vcf, csv or xlsx.")]})
        return chosen
    for media_type in _accepted(request.headers.get("Accept", "")):
        if media_type in ACCEPTED:
            return ACCEPTED[media_type]
    raise exceptions.ValidationError(
        {"format": [gettext("Choose vcf, csv or xlsx (?format=, or an Accept header naming one).")]}
    )


def _accepted(header: str) -> list[str]:
    """The media types of an Accept header, best quality first (ties in their order)."""
    ranked = []
    for position, item in enumerate(header.split(",")):
        media_type, *parameters = (part.strip() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_type and quality > 0:
            ranked.append((-quality, position, media_type.lower()))
    return [media_type for _quality, _position, media_type in sorted(ranked)]


def require_confirmed(request) -> None:
    """A browser session exports only after confirming who it is (as the web's exports
    ask); a token was created with the second factor already."""
    by_session = isinstance(request.successful_authenticator, SessionAuthentication)
    if by_session and not recently_confirmed(request):
        raise exceptions.PermissionDenied(
            gettext(
                "Confirm who you are first (the web app asks when you export there), "
                "or use an API token."
            ),
            code="reauthentication_required",
        )


FILE_RESPONSES = {
    (200, "text/vcard"): OpenApiResponse(OpenApiTypes.STR, description="vCard 4.0"),
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, UTF-8 with a BOM"),
    (200, exports.CONTENT_TYPES["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY),
}


class ExportActions:
    """The contacts viewset's exports; the list's ``get_queryset`` and ``filter_queryset``."""

    @extend_schema(
        operation_id="contacts_export",
        summary="The contacts list as a file",
        description=(
            "Every contact the list answers for the same filters, search and ordering (all "
            "pages; erased contacts left out), as vCard 4.0, CSV or XLSX; never the notes. "
            "At most EXPORT_MAX_ROWS contacts (else 400 too_many_rows). Protected contacts "
            "are recorded in the access log. A session must have confirmed who it is "
            "recently (403 reauthentication_required)."
        ),
        parameters=[
            OpenApiParameter(
                "format", OpenApiTypes.STR, enum=list(exports.FORMATS), description=FORMAT_HELP
            )
        ],
        responses={**FILE_RESPONSES, 400: ErrorSerializer},
        filters=True,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="export",
        content_negotiation_class=JsonErrorsNegotiation,
        pagination_class=None,
    )
    def export(self, request, *args, **kwargs):
        require_confirmed(request)
        file_format = requested_format(request, self.format_kwarg)
        now = timezone.now()
        contacts = self.filter_queryset(self.get_queryset())
        contacts = contacts.with_overdue_for(request.user, now).with_channel_dates(now)
        contacts = exports.exportable(contacts)
        try:
            exports.check_size(contacts)
        except exports.TooManyRows as error:
            raise TooManyRows(str(error)) from None
        return file_response(contacts, file_format, user=request.user, now=now)

    @extend_schema(
        operation_id="contacts_vcard",
        summary="A contact's vCard",
        description=(
            "vCard 4.0 of one contact you may see (404 for an erased one); never the notes. "
            "Recorded in the access log when the contact is protected."
        ),
        responses={(200, "text/vcard"): FILE_RESPONSES[(200, "text/vcard")]},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="vcard",
        content_negotiation_class=JsonErrorsNegotiation,
    )
    def vcard(self, request, *args, **kwargs):
        require_confirmed(request)
        if self.format_kwarg not in (None, "vcf"):
            raise exceptions.NotFound()
        contacts = exports.exportable(self.get_queryset())
        contact = get_object_or_404(contacts, pk=self.kwargs["pk"])
        return vcard_response(contact, user=request.user, now=timezone.now())
