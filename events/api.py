"""REST API v1 viewsets of the events app. Invitations go through visible_to; every
rule-carrying write (create and edit an event, invite, answer, withdraw, check in) goes
through events.services."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from contacts.access import EVENT_MANAGERS, PROGRAMME_MANAGERS
from contacts.models import Contact, Organization
from contacts.rest import ReadOrRoles
from contacts.schema import write_example, write_examples
from contacts.viewsets import ModelViewSet
from events import filters, serializers, services
from events.models import Event, Invitation, Programme

User = get_user_model()

INVITE_ERRORS = {
    "already invited": gettext_noop("This contact is already invited to this event."),
    services.CANCELLED: gettext_noop("This event was cancelled: no one can be invited."),
}


# Request examples (OpenAPI only). Ids name rows of a typical database: organizations 7 and
# 9, contacts 42 and 57, officers (users) 3 and 5, event 12.

EVENT = {
    "title": "Round table: universities and the visa regime",
    "kind": "dialogue",
    "description": "Closed-door, Chatham House rule. Russian and English.",
    "starts_at": "2025-09-18T18:00:00+03:00",
    "ends_at": "2025-09-18T21:00:00+03:00",
    "timezone": "Europe/Moscow",
    "venue": "Institute of Oriental Studies, room 214",
    "capacity": 40,
    "status": "planned",
    "layer": "civil_epistemic",
    "host_organization": 7,
    "planners": [3],
    "attending_officers": [3, 5],
}
INVITATION = {"event": 12, "contact": 42, "role": "speaker"}
PROGRAMME = {
    "title": "Joint summer school in water technology",
    "kind": "joint_research",
    "description": "Two weeks in Rehovot for twelve doctoral students, then a joint paper.",
    "partners": [7, 9],
    "participants": [42, 57],
    "officers": [3],
    "starts_on": "2025-07-01",
    "ends_on": "2025-12-31",
    "status": "planned",
    "outcome": "",
    "layer": "civil_epistemic",
}


def _by_pk(relation: str, queryset) -> Prefetch:
    # Ordered, so that a representation (and its ETag) does not depend on the plan.
    return Prefetch(relation, queryset=queryset.order_by("pk"))


@write_examples(
    create=[
        write_example("Plan an event", EVENT, description="planners default to the caller."),
        write_example(
            "An online event with no seat limit",
            {
                "title": "Webinar: Hebrew-language media in Russia",
                "kind": "media",
                "starts_at": "2025-10-02T16:00:00+03:00",
                "ends_at": "2025-10-02T17:30:00+03:00",
                "online_url": "https://meet.example.org/hebrew-media",
                "capacity": None,
                "layer": "narrative",
            },
        ),
    ],
    update=[
        write_example(
            "Replace an event",
            {**EVENT, "status": "confirmed", "venue": "Institute of Oriental Studies, hall"},
            description="A change of time, place or status reaches calendars (SEQUENCE).",
        )
    ],
    partial_update=[
        write_example(
            "Move by an hour",
            {"starts_at": "2025-09-18T19:00:00+03:00", "ends_at": "2025-09-18T22:00:00+03:00"},
        )
    ],
)
class EventViewSet(ModelViewSet):
    """Events; everyone signed in reads, planners and admins write."""

    queryset = Event.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = serializers.EventSerializer
    permission_classes = [ReadOrRoles]
    write_roles = EVENT_MANAGERS
    filterset_class = filters.EventFilter
    search_fields = ["title", "venue"]
    ordering_fields = ["starts_at", "updated_at"]
    ordering = ["starts_at", "id"]

    def get_queryset(self):
        return Event.objects.prefetch_related(
            _by_pk("planners", User.objects.all()),
            _by_pk("attending_officers", User.objects.all()),
        )

    def perform_create(self, serializer):
        serializer.save()  # services.create_event
        _refetch(self, serializer)

    def perform_update(self, serializer):
        serializer.save()  # services.update_event
        _refetch(self, serializer)


def _refetch(view, serializer) -> None:
    """Answer a write through the view's queryset again: saving a many-to-many field drops
    its prefetch (ordered, and for programmes visible-only)."""
    serializer.instance = view.get_queryset().get(pk=serializer.instance.pk)


@extend_schema_view(
    destroy=extend_schema(
        description=(
            "Withdraw the invitation (services.withdraw_invitation): the row stays with "
            "`revoked_at` set, its RSVP link stops working and its seat goes to the "
            "earliest waitlisted guest."
        ),
        responses={status.HTTP_204_NO_CONTENT: None},
    ),
    create=extend_schema(
        description=(
            "Invite one contact (services.invite). A contact already invited to the event "
            "is a 400 on `contact`."
        ),
        examples=[
            write_example("Invite a speaker", INVITATION),
            write_example(
                "Invite a guest",
                {"event": 12, "contact": 57},
                description="role defaults to guest.",
            ),
        ],
    ),
    update=extend_schema(
        examples=[
            write_example(
                "Change the role",
                {**INVITATION, "role": "moderator"},
                description="An invitation keeps its event and contact.",
            )
        ]
    ),
    partial_update=extend_schema(examples=[write_example("Change the role", {"role": "press"})]),
)
class InvitationViewSet(ModelViewSet):
    """Invitations whose guest the caller may see; planners and admins write. Answers go
    through ``rsvp``, attendance through ``check_in``; DELETE withdraws."""

    queryset = Invitation.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = serializers.InvitationSerializer
    permission_classes = [ReadOrRoles]
    write_roles = EVENT_MANAGERS
    filterset_class = filters.InvitationFilter
    search_fields = ["contact__full_name", "contact__native_name", "event__title"]
    ordering_fields = ["created_at", "updated_at", "responded_at", "status"]
    ordering = ["created_at", "id"]

    def get_queryset(self):
        return Invitation.objects.visible_to(self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        result = services.invite(
            event=data["event"],
            contact_ids=[data["contact"].pk],
            role=data.get("role", Invitation.Role.GUEST),
            by=self.request.user,
            now=timezone.now(),
        )
        if not result.invited:
            _, why = result.skipped[0]
            raise ValidationError({"contact": [gettext(INVITE_ERRORS.get(why, why))]})
        serializer.instance = self.get_queryset().get(event=data["event"], contact=data["contact"])

    def perform_destroy(self, instance):
        services.withdraw_invitation(invitation=instance, now=timezone.now())

    @extend_schema(
        request=serializers.RsvpSerializer,
        responses={
            200: serializers.InvitationSerializer,
            400: OpenApiResponse(description="Invalid, or the invitation is not open"),
        },
        examples=[
            write_example("Accept", {"status": "accepted"}),
            write_example("Decline", {"status": "declined"}),
        ],
        description=(
            "Record the guest's answer (services.respond). An acceptance beyond capacity "
            "answers with status `waitlisted`."
        ),
    )
    @action(detail=True, methods=["post"])
    def rsvp(self, request, pk=None):
        invitation = self.get_object()
        payload = serializers.RsvpSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        invitation = services.respond(
            invitation=invitation, status=payload.validated_data["status"], now=timezone.now()
        )
        return Response(self.get_serializer(invitation).data)

    @extend_schema(
        request=serializers.CheckInSerializer,
        responses={
            200: serializers.InvitationSerializer,
            400: OpenApiResponse(description="Invalid, or check-in is not open"),
        },
        examples=[
            write_example("Attended", {"attended": True}),
            write_example("No-show", {"attended": False}),
        ],
        description=(
            "Mark the guest attended (recording an exchange of kind `event`) or no_show "
            "(services.check_in)."
        ),
    )
    @action(detail=True, methods=["post"])
    def check_in(self, request, pk=None):
        invitation = self.get_object()
        payload = serializers.CheckInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        invitation = services.check_in(
            invitation=invitation,
            attended=payload.validated_data["attended"],
            by=request.user,
            now=timezone.now(),
        )
        return Response(self.get_serializer(invitation).data)


@write_examples(
    create=[write_example("Create a programme", PROGRAMME)],
    update=[
        write_example(
            "Replace a programme",
            {**PROGRAMME, "status": "completed", "outcome": "A joint paper submitted."},
            description="Participants the caller may not see stay linked.",
        )
    ],
    partial_update=[write_example("Start a programme", {"status": "active"})],
)
class ProgrammeViewSet(ModelViewSet):
    """Programmes; their participants are only those the caller may see."""

    queryset = Programme.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = serializers.ProgrammeSerializer
    permission_classes = [ReadOrRoles]
    write_roles = PROGRAMME_MANAGERS
    filterset_class = filters.ProgrammeFilter
    search_fields = ["title"]
    ordering_fields = ["starts_on", "updated_at", "title"]
    ordering = ["starts_on", "id"]

    def get_queryset(self):
        return Programme.objects.prefetch_related(
            _by_pk("partners", Organization.objects.all()),
            _by_pk("participants", Contact.objects.visible_to(self.request.user)),
            _by_pk("officers", User.objects.all()),
        )

    def perform_create(self, serializer):
        serializer.save()
        _refetch(self, serializer)

    @transaction.atomic
    def perform_update(self, serializer):
        serializer.save()
        _refetch(self, serializer)
