"""REST API v1 ``imports/``: upload a file (multipart), read the batch and its dry-run
report, confirm, revert; each a call of one ``contacts.imports`` step. A batch is visible
to its importer (and superusers); the rows name an existing contact only when the caller
may see it."""

from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from contacts import imports
from contacts.access import EDITORS
from contacts.models import Contact, ImportBatch, ImportRow, Sensitivity
from contacts.rest import JSONParser, ReadOrRoles
from contacts.schema import write_example

# The errors of at most this many rows are listed in a batch's report (the rows/ list
# has them all).
REPORTED_ERRORS = 1000


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A CSV, XLSX or vCard (.vcf) file.")
    sensitivity = serializers.ChoiceField(
        choices=Sensitivity.choices,
        default=Sensitivity.RESTRICTED,
        help_text="Given to every contact the file creates.",
    )
    # A string, not a choice: the schema names the categories' choice set once (contacts').
    default_category = serializers.CharField(
        allow_blank=True,
        default="",
        help_text="A contact category (as contacts' ``category``), given to new contacts "
        "whose row names none; empty: such a row is invalid.",
    )
    only_valid = serializers.BooleanField(
        default=False, help_text="On confirmation, import the valid rows only."
    )

    def validate_default_category(self, value):
        if value and value not in Contact.Category.values:
            raise serializers.ValidationError(
                gettext('"%(value)s" is not a valid choice.') % {"value": value}
            )
        return value


class ImportConfirmSerializer(serializers.Serializer):
    only_valid = serializers.BooleanField(
        default=False,
        help_text="Import only the valid rows (needed when any row is invalid).",
    )


class ImportBatchSerializer(serializers.ModelSerializer):
    content = serializers.CharField(
        read_only=True, help_text="contacts or organizations; empty until the file is read."
    )
    default_category = serializers.CharField(read_only=True)
    rows = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    report = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "status",
            "file_name",
            "file_format",
            "content",
            "encoding",
            "sensitivity",
            "default_category",
            "only_valid",
            "rows",
            "progress",
            "report",
            "importer",
            "created_at",
            "confirmed_at",
            "imported_at",
            "reverted_at",
        ]
        read_only_fields = fields

    def get_rows(self, batch) -> dict:
        return {
            "total": batch.row_count,
            "new": batch.new_count,
            "update": batch.update_count,
            "duplicate": batch.duplicate_count,
            "invalid": batch.invalid_count,
            "url": reverse("api:import-rows", args=[batch.pk], request=self.context["request"]),
        }

    def get_progress(self, batch) -> dict:
        return {"done": batch.progress_done, "total": batch.progress_total}

    def get_report(self, batch) -> dict:
        """Columns, unknown columns, notes, the file's error, the result and the revert,
        and the errors of the first ``REPORTED_ERRORS`` invalid rows."""
        invalid = batch.rows.filter(action=ImportRow.Action.INVALID).order_by("number", "pk")
        errors = [
            {"row": row.number, **error}
            for row in invalid[:REPORTED_ERRORS]
            for error in row.errors
        ]
        return {**batch.report, "errors": errors}


class ImportRowSerializer(serializers.ModelSerializer):
    contact = serializers.SerializerMethodField()
    cells = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField()
    note = serializers.SerializerMethodField()

    class Meta:
        model = ImportRow
        fields = [
            "number",
            "kind",
            "action",
            "contact",
            "organization",
            "score",
            "cells",
            "errors",
            "result",
            "note",
        ]
        read_only_fields = fields

    def get_contact(self, row) -> int | None:
        """The contact the row updates, resembles or wrote, if the caller may see it."""
        return row.contact_id if row.contact_id in self.context["visible"] else None

    def get_cells(self, row) -> dict:
        return row.cells or row.values.get("organization", {})

    def get_errors(self, row) -> list[dict]:
        return row.errors

    def get_note(self, row) -> str:
        return row.data.get("left") or row.data.get("skipped") or ""


class ImportBatchViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Imports of contacts and organizations: the caller's batches (all to admins)."""

    queryset = ImportBatch.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = ImportBatchSerializer
    permission_classes = [ReadOrRoles]
    write_roles = EDITORS
    filter_backends = []
    # The upload is a file (multipart); the actions take JSON.
    parser_classes = [MultiPartParser, JSONParser]

    def get_queryset(self):
        return ImportBatch.objects.visible_to(self.request.user).order_by("-created_at", "-pk")

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportBatchSerializer},
        examples=[
            write_example(
                "Upload a sheet of contacts",
                {"file": "contacts.xlsx", "sensitivity": "restricted", "default_category": "other"},
                description="file: the file's bytes, as a multipart part.",
                media_type="multipart/form-data",
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        """Upload a file: its preview runs in the background (``status`` previewing, then
        preview_ready or failed)."""
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        batch = imports.start_import(user=request.user, now=timezone.now(), **upload.validated_data)
        return Response(self.get_serializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ImportConfirmSerializer,
        responses={202: ImportBatchSerializer},
        examples=[write_example("Import only the valid rows", {"only_valid": True})],
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def confirm(self, request, pk=None):
        """Import the previewed rows (all, or with ``only_valid`` the valid ones)."""
        batch = self.get_object()
        body = ImportConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        batch = imports.confirm_import(
            batch, user=request.user, now=timezone.now(), **body.validated_data
        )
        return Response(self.get_serializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: ImportBatchSerializer})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def revert(self, request, pk=None):
        """Undo the import, leaving what was changed since (the report lists it)."""
        batch = imports.revert_import(self.get_object(), user=request.user, now=timezone.now())
        return Response(self.get_serializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[OpenApiParameter("action", enum=ImportRow.Action.values)],
        responses={200: ImportRowSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def rows(self, request, pk=None):
        """The batch's rows in file order, each with what it does and its errors."""
        batch = self.get_object()
        kind = (
            ImportRow.Kind.ORGANIZATION
            if batch.content == ImportBatch.Content.ORGANIZATIONS
            else ImportRow.Kind.CONTACT
        )
        rows = batch.rows.filter(kind=kind).order_by("number", "pk")
        if request.query_params.get("action") in ImportRow.Action.values:
            rows = rows.filter(action=request.query_params["action"])
        page = self.paginate_queryset(rows)
        ids = {row.contact_id for row in page if row.contact_id}
        visible = set(
            Contact.objects.visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True)
        )
        serializer = ImportRowSerializer(page, many=True, context={"visible": visible})
        return self.get_paginated_response(serializer.data)
