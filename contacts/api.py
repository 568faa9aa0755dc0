"""REST API v1 viewsets of the contacts app. Every queryset goes through visible_to; every
rule-carrying write goes through contacts.services."""

from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.filters import SearchFilter
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from contacts import filters, serializers, services
from contacts.access import (
    EDITORS,
    ORGANIZATION_WRITERS,
    Role,
    has_role,
    may_act_on_reminder,
    may_change_exchange,
    may_log_exchange,
    may_manage_channel,
)
from contacts.duplicate_api import MergeActions
from contacts.export_api import ExportActions
from contacts.models import (
    AccessLog,
    Channel,
    Climate,
    Contact,
    Exchange,
    Organization,
    Reminder,
    Sensitivity,
)
from contacts.rest import (
    ExchangeCursorPagination,
    ReadOrRoles,
    ReminderCursorPagination,
)
from contacts.schema import write_example, write_examples
from contacts.viewsets import ModelViewSet
from trackii.role_policy import IsStaffMember

# Request examples (OpenAPI only). Ids name rows of a typical database: organization 7 a
# university, 12 a media outlet; contacts 42 and 57; officers (users) 3 and 5.
ORGANIZATION = {
    "name": "Institute of Oriental Studies",
    "native_name": "Институт востоковедения",
    "kind": "research_institute",
    "country": "RU",
    "city": "Moscow",
    "website": "https://oriental.example.org/",
    "description": "Middle East department; hosts a yearly round table on regional security.",
}
CONTACT = {
    "full_name": "Anna Petrova",
    "native_name": "Анна Петрова",
    "category": "academic",
    "organization": 7,
    "email": "a.petrova@oriental.example.org",
    "phone": "+7 495 555 01 23",
    "country": "RU",
    "languages": ["ru", "en", "he"],
    "layer": "civil_epistemic",
    "sensitivity": "restricted",
    "tags": ["middle-east", "round-table"],
    "notes": "Met at the Primakov readings side event; prefers to talk off the record.",
}
CHANNEL = {
    "contact": 42,
    "kind": "informal",
    "priority": "key",
    "cadence_days": 30,
    "status": "active",
}
EXCHANGE = {
    "occurred_at": "2025-05-14T18:30:00+03:00",
    "kind": "meeting",
    "contacts": [42, 57],
    "officers": [3],
    "summary": "Coffee after the round table: views on the student visa backlog.",
    "notes": "Asked us not to quote her on the ministry's position.",
    "topics": ["student visas", "academic exchange"],
    "follow_up_on": "2025-05-28",
}


class MeView(APIView):
    """The caller: id, username, roles and teams."""

    @extend_schema(responses=serializers.MeSerializer)
    def get(self, request):
        return Response(serializers.MeSerializer(request.user).data)


@write_examples(
    create=[write_example("Create an organization", ORGANIZATION)],
    update=[write_example("Replace an organization", {**ORGANIZATION, "city": "Saint Petersburg"})],
    partial_update=[
        write_example("Change the website", {"website": "https://www.oriental.example.org/"})
    ],
)
class OrganizationViewSet(ModelViewSet):
    queryset = Organization.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = serializers.OrganizationSerializer
    permission_classes = [ReadOrRoles]
    write_roles = ORGANIZATION_WRITERS
    filterset_class = filters.OrganizationFilter
    search_fields = ["name", "native_name", "city"]
    ordering_fields = ["name", "kind", "country", "updated_at", "created_at"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return Organization.objects.all()

    def perform_destroy(self, instance):
        services.delete_organization(instance, user=self.request.user)


@write_examples(
    create=[
        write_example("Create a contact", CONTACT, description="owner defaults to the caller."),
        write_example(
            "Create with the required fields only",
            {"full_name": "Yossi Mizrahi", "category": "journalist", "layer": "narrative"},
        ),
    ],
    update=[
        write_example(
            "Replace a contact",
            {**CONTACT, "owner": 3, "tags": ["middle-east"], "sensitivity": "protected"},
            description="Only the owner (or an admin) changes owner and sensitivity.",
        )
    ],
    partial_update=[
        write_example("Move to another organization", {"organization": 12, "tags": ["alumni"]})
    ],
)
class ContactViewSet(ExportActions, MergeActions, ModelViewSet):
    """Contacts the caller may see. Views of protected contacts are access-logged."""

    queryset = Contact.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = serializers.ContactSerializer
    permission_classes = [ReadOrRoles]
    write_roles = EDITORS
    filterset_class = filters.ContactFilter
    # ?search= is the contacts list's own search (trigram-indexed), not DRF's icontains.
    filter_backends = [
        filters.ContactSearchFilter if backend is SearchFilter else backend
        for backend in api_settings.DEFAULT_FILTER_BACKENDS
    ]
    ordering_fields = ["full_name", "category", "country", "updated_at", "created_at"]
    ordering = ["full_name", "id"]

    def get_queryset(self):
        # No select_related("organization", "owner"): the representation names them by id
        # (organization_id, owner_id), and joining them costs a deep page a join per
        # skipped row.
        return Contact.objects.visible_to(self.request.user).prefetch_related("tags")

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        page = getattr(self.paginator, "page", None)
        if page is not None:
            _log_views(request, list(page), AccessLog.Surface.API)
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        # The contact the answer was made from (DRF's ReturnDict keeps its serializer), not
        # a second get_object(), which would filter and query again.
        _log_views(request, [response.data.serializer.instance], AccessLog.Surface.API)
        return response

    def perform_destroy(self, instance):
        services.delete_contact(instance, user=self.request.user)


def _log_views(request, contacts, surface) -> None:
    # Only protected contacts are logged; with none, skip the call, whose bulk_create()
    # would open and commit a transaction for nothing.
    protected = [contact for contact in contacts if contact.sensitivity == Sensitivity.PROTECTED]
    if protected:
        AccessLog.objects.record(
            user=request.user, contacts=protected, surface=surface, now=timezone.now()
        )


@write_examples(
    create=[
        write_example("Open a channel", CHANNEL, description="officer defaults to the caller.")
    ],
    update=[
        write_example(
            "Replace a channel", {**CHANNEL, "officer": 3, "kind": "formal", "cadence_days": 45}
        )
    ],
    partial_update=[write_example("Pause a channel", {"status": "paused"})],
)
class ChannelViewSet(ModelViewSet):
    """Channels the caller may see; an officer manages their own."""

    queryset = Channel.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = serializers.ChannelSerializer
    permission_classes = [ReadOrRoles]
    write_roles = EDITORS
    filterset_class = filters.ChannelFilter
    ordering_fields = ["next_due_at", "cadence_days", "updated_at", "created_at"]
    ordering = ["next_due_at", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request
            return Channel.objects.none()
        return (
            Channel.objects.visible_to(self.request.user)
            .with_due(timezone.now())
            .select_related("contact", "officer")
        )

    def update(self, request, *args, **kwargs):
        # Refuse a non-holder before validating, so they get 403, not a field message.
        self._check_holder(self.get_object())
        return super().update(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.open_channel(now=timezone.now(), **data)
        self._annotate(serializer)

    def perform_update(self, serializer):
        serializer.instance = services.change_channel(
            serializer.instance, now=timezone.now(), **serializer.validated_data
        )
        self._annotate(serializer)

    def _annotate(self, serializer):
        # Answer with next_due_at and overdue, which only the annotated queryset has.
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        self._check_holder(instance)
        instance.delete()

    def _check_holder(self, channel):
        if not may_manage_channel(self.request.user, channel):
            raise PermissionDenied(gettext("Officers manage their own channels."))


class LogsExchanges(ReadOrRoles):
    """As ReadOrRoles, but whoever holds a channel may also log an exchange (with the
    contacts they hold one with: ``perform_create`` checks which)."""

    def has_permission(self, request, view):
        if getattr(view, "action", None) == "create":
            staff = IsStaffMember().has_permission(request, view)
            return staff and may_log_exchange(request.user)
        return super().has_permission(request, view)


@write_examples(
    create=[
        write_example("Log an exchange", EXCHANGE),
        write_example(
            "Log a call now as the caller",
            {"kind": "call", "contacts": [42], "summary": "Confirmed she will speak in June."},
            description="occurred_at defaults to now and officers to the caller.",
        ),
    ],
    update=[
        write_example(
            "Replace an exchange",
            {**EXCHANGE, "officers": [3, 5], "follow_up_on": None},
            description="Only the exchange's officers (or an admin) change it.",
        )
    ],
    partial_update=[
        write_example(
            "Correct the summary",
            {
                "summary": "Coffee after the round table: the student visa backlog and the "
                "autumn school."
            },
        )
    ],
)
class ExchangeViewSet(ModelViewSet):
    """Exchanges all of whose contacts the caller may see."""

    queryset = Exchange.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = serializers.ExchangeSerializer
    permission_classes = [LogsExchanges]
    write_roles = EDITORS
    filterset_class = filters.ExchangeFilter
    pagination_class = ExchangeCursorPagination
    search_fields = ["summary", "contacts__full_name", "contacts__native_name"]
    ordering_fields = []  # Cursor pagination fixes the order: newest first.

    def get_queryset(self):
        return Exchange.objects.visible_to(self.request.user).prefetch_related(
            "contacts", "officers"
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        if not may_log_exchange(self.request.user, data["contacts"]):
            raise PermissionDenied(
                gettext(
                    "Only officers, leads and admins log exchanges with contacts they hold no "
                    "channel with."
                )
            )
        now = timezone.now()
        serializer.instance = services.log_exchange(
            occurred_at=data.get("occurred_at", now),
            kind=data["kind"],
            contacts=data["contacts"],
            officers=data.get("officers") or [self.request.user],
            summary=data["summary"],
            notes=data.get("notes", ""),
            topics=data.get("topics", []),
            follow_up_on=data.get("follow_up_on"),
            created_by=self.request.user,
            now=now,
        )

    def perform_update(self, serializer):
        self._check_participant(serializer.instance)
        fields = dict(serializer.validated_data)
        serializer.instance = services.update_exchange(
            serializer.instance,
            now=timezone.now(),
            contacts=fields.pop("contacts", None),
            officers=fields.pop("officers", None),
            **fields,
        )

    def perform_destroy(self, instance):
        self._check_participant(instance)
        services.delete_exchange(instance, now=timezone.now())

    def _check_participant(self, exchange):
        if not may_change_exchange(self.request.user, exchange):
            raise PermissionDenied(gettext("Only the exchange's officers change it."))


class ReminderViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's reminders (and a lead's, their teams'); snooze and dismiss one's own."""

    queryset = Reminder.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = serializers.ReminderSerializer
    filterset_class = filters.ReminderFilter
    pagination_class = ReminderCursorPagination
    ordering_fields = []

    def get_queryset(self):
        return Reminder.objects.visible_to(self.request.user).select_related("event_link")

    @extend_schema(
        request=serializers.SnoozeSerializer,
        responses={
            200: serializers.ReminderSerializer,
            400: OpenApiResponse(description="Invalid"),
        },
        examples=[
            write_example("Snooze until Monday morning", {"until": "2025-06-09T09:00:00+03:00"})
        ],
    )
    @action(detail=True, methods=["post"])
    def snooze(self, request, pk=None):
        reminder = self._own(self.get_object())
        payload = serializers.SnoozeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        reminder = services.snooze_reminder(
            reminder=reminder, until=payload.validated_data["until"], now=timezone.now()
        )
        return Response(self.get_serializer(reminder).data)

    @extend_schema(request=None, responses={200: serializers.ReminderSerializer})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        reminder = self._own(self.get_object())
        reminder = services.dismiss_reminder(reminder=reminder, now=timezone.now())
        return Response(self.get_serializer(reminder).data)

    def _own(self, reminder):
        if not may_act_on_reminder(self.request.user, reminder):
            raise PermissionDenied(gettext("Only its recipient acts on a reminder."))
        return reminder


class AdminsWriteClimate(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or has_role(request.user, Role.ADMIN)


@extend_schema_view(
    create=extend_schema(
        examples=[
            write_example(
                "Raise the level",
                {
                    "level": "elevated",
                    "note": "Expulsions announced; informal meetings at one remove for now.",
                    "started_at": "2025-04-03T08:00:00+03:00",
                },
            ),
            write_example(
                "Back to normal from now",
                {"level": "normal"},
                description="started_at defaults to now.",
            ),
        ]
    )
)
class ClimateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The dated history of climate levels; only admins record a new level."""

    queryset = Climate.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = serializers.ClimateSerializer
    permission_classes = [IsStaffMember, AdminsWriteClimate]
    filterset_class = filters.ClimateFilter
    ordering_fields = ["started_at"]
    ordering = ["-started_at", "-id"]

    def get_queryset(self):
        return Climate.objects.all()

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.record_climate_level(
            level=data["level"],
            note=data.get("note", ""),
            started_at=data.get("started_at") or timezone.now(),
            created_by=self.request.user,
        )

    @extend_schema(responses={200: serializers.CurrentClimateSerializer})
    @action(detail=False, methods=["get"])
    def current(self, request):
        """The level in force now: ``normal`` with null id and dates when no level was
        ever recorded."""
        record = Climate.objects.current(timezone.now()) or Climate(
            level=Climate.Level.NORMAL, started_at=None
        )
        return Response(serializers.CurrentClimateSerializer(record).data)
