"""REST API v1 viewsets of the contacts app. Every queryset goes through visible_to; every
rule-carrying write goes through contacts.services."""

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from contacts import filters, serializers, services
from contacts.access import Role, has_role
from contacts.models import (
    AccessLog,
    Channel,
    Climate,
    Contact,
    Exchange,
    Organization,
    Reminder,
    Signal,
)
from contacts.rest import (
    ETagMixin,
    ExchangeCursorPagination,
    ReadOrRoles,
    ReminderCursorPagination,
)

EDITORS = (Role.OFFICER, Role.LEAD, Role.ADMIN)


class MeView(APIView):
    """The caller: id, username, roles and teams."""

    @extend_schema(responses=serializers.MeSerializer)
    def get(self, request):
        return Response(serializers.MeSerializer(request.user).data)


class OrganizationViewSet(ETagMixin, viewsets.ModelViewSet):
    queryset = Organization.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = serializers.OrganizationSerializer
    permission_classes = [ReadOrRoles]
    write_roles = (Role.OFFICER, Role.PLANNER, Role.LEAD, Role.ADMIN)
    filterset_class = filters.OrganizationFilter
    search_fields = ["name", "native_name", "city"]
    ordering_fields = ["name", "kind", "country", "updated_at", "created_at"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return Organization.objects.all()


class ContactViewSet(ETagMixin, viewsets.ModelViewSet):
    """Contacts the caller may see. Views of protected contacts are access-logged."""

    queryset = Contact.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = serializers.ContactSerializer
    permission_classes = [ReadOrRoles]
    write_roles = EDITORS
    filterset_class = filters.ContactFilter
    search_fields = ["full_name", "native_name", "email", "organization__name"]
    ordering_fields = ["full_name", "category", "country", "updated_at", "created_at"]
    ordering = ["full_name", "id"]

    def get_queryset(self):
        return (
            Contact.objects.visible_to(self.request.user)
            .select_related("organization", "owner")
            .prefetch_related("tags")
        )

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        page = getattr(self.paginator, "page", None)
        if page is not None:
            _log_views(request, list(page), AccessLog.Surface.API)
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        _log_views(request, [self.get_object()], AccessLog.Surface.API)
        return response

    def perform_destroy(self, instance):
        user = self.request.user
        if not (user.is_superuser or instance.owner_id == user.pk):
            raise PermissionDenied("Only the owner deletes a contact.")
        instance.delete()


def _log_views(request, contacts, surface) -> None:
    AccessLog.objects.record(
        user=request.user, contacts=contacts, surface=surface, now=timezone.now()
    )


class ChannelViewSet(ETagMixin, viewsets.ModelViewSet):
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
        serializer.save()
        self._annotate(serializer)

    def perform_update(self, serializer):
        serializer.save()
        self._annotate(serializer)

    def _annotate(self, serializer):
        # Answer with next_due_at and overdue, which only the annotated queryset has.
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        self._check_holder(instance)
        instance.delete()

    def _check_holder(self, channel):
        user = self.request.user
        if not (user.is_superuser or channel.officer_id == user.pk):
            raise PermissionDenied("Officers manage their own channels.")


class ExchangeViewSet(ETagMixin, viewsets.ModelViewSet):
    """Exchanges all of whose contacts the caller may see."""

    queryset = Exchange.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = serializers.ExchangeSerializer
    permission_classes = [ReadOrRoles]
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

    @transaction.atomic
    def perform_update(self, serializer):
        exchange = serializer.instance
        self._check_participant(exchange)
        contacts_before, officers_before = _pairs(exchange)
        contacts_after, officers_after = _pairs(serializer.save())
        # Recompute both the pairs the exchange touched and those it touches now.
        services.record_touches(
            contact_ids={*contacts_before, *contacts_after},
            officer_ids={*officers_before, *officers_after},
            now=timezone.now(),
        )

    @transaction.atomic
    def perform_destroy(self, instance):
        self._check_participant(instance)
        contact_ids, officer_ids = _pairs(instance)
        instance.delete()
        services.record_touches(
            contact_ids=contact_ids, officer_ids=officer_ids, now=timezone.now()
        )

    def _check_participant(self, exchange):
        user = self.request.user
        involved = (
            exchange.created_by_id == user.pk or exchange.officers.filter(pk=user.pk).exists()
        )
        if not (user.is_superuser or involved):
            raise PermissionDenied("Only the exchange's officers change it.")


def _pairs(exchange) -> tuple[list[int], list[int]]:
    return (
        list(exchange.contacts.values_list("pk", flat=True)),
        list(exchange.officers.values_list("pk", flat=True)),
    )


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
        if reminder.recipient_id != self.request.user.pk and not self.request.user.is_superuser:
            raise PermissionDenied("Only its recipient acts on a reminder.")
        return reminder


class AdminsWriteClimate(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or has_role(request.user, Role.ADMIN)


class ClimateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The dated history of climate levels; only admins record a new level."""

    queryset = Climate.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = serializers.ClimateSerializer
    permission_classes = [permissions.IsAuthenticated, AdminsWriteClimate]
    filterset_class = filters.ClimateFilter
    ordering_fields = ["started_at"]
    ordering = ["-started_at", "-id"]

    def get_queryset(self):
        return Climate.objects.all()

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    @extend_schema(responses={200: serializers.CurrentClimateSerializer})
    @action(detail=False, methods=["get"])
    def current(self, request):
        """The level in force now: ``normal`` with null id and dates when no level was
        ever recorded."""
        record = Climate.objects.current(timezone.now()) or Climate(
            level=Climate.Level.NORMAL, started_at=None
        )
        return Response(serializers.CurrentClimateSerializer(record).data)


class SignalViewSet(ETagMixin, viewsets.ModelViewSet):
    """Signals logged from outside the CRM; everyone signed in reads (analysts without the
    note), officers, leads and admins write."""

    queryset = Signal.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = serializers.SignalSerializer
    permission_classes = [ReadOrRoles]
    write_roles = EDITORS
    filterset_class = filters.SignalFilter
    search_fields = ["title", "platform", "organization__name"]
    ordering_fields = ["occurred_on", "tone", "audience", "updated_at", "created_at"]
    ordering = ["-occurred_on", "-id"]

    def get_queryset(self):
        return Signal.objects.select_related("organization")

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)
