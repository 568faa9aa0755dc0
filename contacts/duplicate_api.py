"""REST API v1 of duplicates: merging a contact (``contacts/{id}/merge/``: ``GET`` previews,
``POST`` merges), the merges (``merges/``, with ``undo``) and the review queue
(``duplicates/``, with ``dismiss``).

Contacts are read through ``visible_to``: a hidden contact, as the one in the path or as
``other``, is a 404 like one that does not exist; a caller who sees both but does not change
contacts gets a 403. Every write is one call of ``contacts.services``, as on the web pages.
"""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from contacts import duplicates, merging, services
from contacts.access import EDITORS, require_any_role
from contacts.models import AccessLog, Contact, ContactMerge, DuplicatePair
from contacts.rest import ReadOrRoles
from contacts.schema import write_example
from trackii.role_policy import IsStaffMember

SIDES = ("kept", "merged")


class MergeRequestSerializer(serializers.Serializer):
    other = serializers.IntegerField(
        min_value=1, help_text="The contact merged into this one (it is then removed)."
    )
    choices = serializers.DictField(
        child=serializers.ChoiceField(choices=SIDES),
        required=False,
        default=dict,
        help_text=(
            "Per field, which value the merged contact keeps: 'kept' (this contact's) or "
            "'merged' (the other's). Fields: " + ", ".join(merging.CHOSEN_FIELDS) + ". "
            "Unnamed fields keep this contact's value unless it is empty."
        ),
    )

    def validate_choices(self, choices):
        unknown = sorted(set(choices) - set(merging.CHOSEN_FIELDS))
        if unknown:
            raise serializers.ValidationError(
                gettext("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)}
            )
        return choices


class MergePreviewQuerySerializer(serializers.Serializer):
    other = serializers.IntegerField(min_value=1)


class FieldChoiceSerializer(serializers.Serializer):
    name = serializers.CharField()
    kept = serializers.JSONField(help_text="This contact's value.")
    merged = serializers.JSONField(help_text="The other contact's value.")
    chosen = serializers.ChoiceField(choices=SIDES, help_text="The value the merge keeps.")


class MergePreviewSerializer(serializers.Serializer):
    keep = serializers.IntegerField()
    other = serializers.IntegerField()
    fields = FieldChoiceSerializer(many=True)
    sensitivity = serializers.CharField(help_text="After the merge: the stricter of the two.")
    owner = serializers.IntegerField(help_text="After the merge: the stricter one's owner.")
    moves = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="How many rows of each kind move from the other contact (those you see).",
    )


class UndoReportSerializer(serializers.Serializer):
    left = serializers.ListField(
        child=serializers.CharField(),
        help_text=(
            "What the undo left as it was, and why, in the caller's language: rows the caller "
            "may not see are not counted."
        ),
    )


class ContactMergeSerializer(serializers.ModelSerializer):
    undo_report = serializers.SerializerMethodField()

    class Meta:
        model = ContactMerge
        fields = [
            "id",
            "kept",
            "merged_contact_id",
            "merged_by",
            "merged_at",
            "undone_by",
            "undone_at",
            "undo_report",
        ]
        read_only_fields = fields

    @extend_schema_field(UndoReportSerializer)
    def get_undo_report(self, record) -> dict:
        """The report as the caller may see it (``merging.undo_report_lines``)."""
        if not record.undone_at:
            return {}
        return {"left": merging.undo_report_lines(record, self.context["request"].user)}


class DuplicatePairSerializer(serializers.ModelSerializer):
    class Meta:
        model = DuplicatePair
        fields = ["id", "contact_a", "contact_b", "score", "reasons", "status", "found_at"]
        read_only_fields = fields


def _json_value(contact: Contact, name: str):
    value = getattr(contact, name)
    if name == "organization":
        return contact.organization_id
    if name == "country":
        return value.code or ""
    return value


def _visible_other(request, pk: int) -> Contact:
    found = Contact.objects.visible_to(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such contact.")
    return found


class MergeActions:
    """The ``merge`` action of the contacts viewset (``contacts/{id}/merge/``)."""

    @extend_schema(
        methods=["GET"],
        summary="Preview a merge",
        description=(
            "What merging `other` into this contact would do: both values of each field "
            "and the one kept by default, the sensitivity and owner after, and how many "
            "rows of each kind move. Changes nothing."
        ),
        parameters=[OpenApiParameter("other", int, required=True, description="The other id.")],
        responses={200: MergePreviewSerializer},
    )
    @extend_schema(
        methods=["POST"],
        summary="Merge a contact into this one",
        description=(
            "Merge `other` into this contact and remove it: the chosen values, the stricter "
            "sensitivity, the union of grants; channels, exchanges, invitations, "
            "affiliations, grants, tags, programmes and reminders move (one channel per "
            "officer, one invitation per event). Undo with `POST merges/{id}/undo/`."
        ),
        request=MergeRequestSerializer,
        responses={
            200: ContactMergeSerializer,
            400: OpenApiResponse(description="Invalid: the same contact, an erased one."),
        },
        examples=[
            write_example(
                "Merge, keeping the other's name",
                {"other": 57, "choices": {"full_name": "merged", "email": "kept"}},
            )
        ],
    )
    @action(detail=True, methods=["get", "post"], permission_classes=[IsStaffMember])
    def merge(self, request, pk=None):
        keep = self.get_object()
        if request.method == "GET":
            query = MergePreviewQuerySerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            other = _visible_other(request, query.validated_data["other"])
            preview = merging.preview(request.user, keep, other)
            AccessLog.objects.record(
                user=request.user,
                contacts=[keep, other],
                surface=AccessLog.Surface.API,
                now=timezone.now(),
            )
            return Response(MergePreviewSerializer(_preview_data(preview)).data)
        payload = MergeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        other = _visible_other(request, payload.validated_data["other"])
        record = services.merge_contacts(
            request.user,
            keep,
            other,
            choices=payload.validated_data["choices"],
            surface=AccessLog.Surface.API,
            now=timezone.now(),
        )
        return Response(ContactMergeSerializer(record, context={"request": request}).data)


def _preview_data(preview) -> dict:
    return {
        "keep": preview.keep.pk,
        "other": preview.other.pk,
        "fields": [
            {
                "name": choice.name,
                "kept": _json_value(preview.keep, choice.name),
                "merged": _json_value(preview.other, choice.name),
                "chosen": choice.chosen,
            }
            for choice in preview.fields
        ],
        "sensitivity": preview.sensitivity,
        "owner": preview.owner.pk,
        "moves": dict(preview.moves),
    }


class ContactMergeViewSet(viewsets.ReadOnlyModelViewSet):
    """Merges into contacts the caller may see, newest first; ``undo`` reverses one."""

    queryset = ContactMerge.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = ContactMergeSerializer
    ordering_fields = ["merged_at"]
    ordering = ["-merged_at", "-id"]

    def get_queryset(self):
        return ContactMerge.objects.visible_to(self.request.user)

    @extend_schema(
        request=None,
        responses={200: ContactMergeSerializer},
        description=(
            "Bring the merged contact back (its id, fields and rows) and restore the kept "
            "one's; what changed since is left and listed in `undo_report`."
        ),
    )
    @action(detail=True, methods=["post"], permission_classes=[IsStaffMember])
    def undo(self, request, pk=None):
        record = services.undo_merge(
            request.user,
            self.get_object(),
            surface=AccessLog.Surface.API,
            now=timezone.now(),
        )
        return Response(self.get_serializer(record).data)


class DuplicatePairViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The review queue: open pairs of possible duplicates both of whose contacts the caller
    sees (officers, leads and admins), best first; ``dismiss`` says they are two people."""

    queryset = DuplicatePair.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = DuplicatePairSerializer
    permission_classes = [ReadOrRoles]
    write_roles = EDITORS
    ordering_fields = ["score"]
    ordering = ["-score", "id"]

    def get_queryset(self):
        require_any_role(
            self.request.user, EDITORS, gettext("Only officers, leads and admins merge.")
        )
        return DuplicatePair.objects.offered_to(self.request.user)

    @extend_schema(request=None, responses={200: DuplicatePairSerializer})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        pair = duplicates.dismiss_pair(
            pair=self.get_object(), user=request.user, now=timezone.now()
        )
        return Response(self.get_serializer(pair).data)
