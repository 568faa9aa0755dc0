"""REST API v1 representations of the events app (DESIGN.md, "REST API v1").

As in contacts.serializers, a contact field takes its choices from
``Contact.objects.visible_to(request.user)``, so naming a hidden contact fails exactly like
naming a missing one.
"""

from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contacts.access import may_manage_events
from contacts.fields import TimeZoneSerializerField
from contacts.serializers import ActiveUsers, VisibleContacts
from events import services
from events.models import MOST_SEATS, Event, Invitation, Programme


def _user(context):
    return context["request"].user


def _absolute(context, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class EventSerializer(serializers.ModelSerializer):
    timezone = TimeZoneSerializerField(
        use_pytz=False, required=False, help_text="An IANA zone name, e.g. Asia/Jerusalem."
    )
    capacity = serializers.IntegerField(
        min_value=1,
        max_value=MOST_SEATS,
        allow_null=True,
        required=False,
        help_text="Empty: no limit.",
    )
    planners = ActiveUsers(many=True, required=False, help_text="Defaults to the caller.")
    attending_officers = ActiveUsers(many=True, required=False)
    ics_url = serializers.SerializerMethodField(help_text="The event's iCalendar file.")

    class Meta:
        model = Event
        fields = [
            "id",
            "title",
            "kind",
            "description",
            "starts_at",
            "ends_at",
            "timezone",
            "venue",
            "online_url",
            "capacity",
            "status",
            "layer",
            "host_organization",
            "planners",
            "attending_officers",
            "sequence",
            "ics_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["sequence", "created_at", "updated_at"]
        extra_kwargs = {"description": {"max_length": 20_000}}

    @extend_schema_field(OpenApiTypes.URI)
    def get_ics_url(self, event) -> str:
        return _absolute(self.context, reverse("events:event_ics", args=[event.pk]))

    def validate(self, attrs):
        starts_at = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        ends_at = attrs.get("ends_at", getattr(self.instance, "ends_at", None))
        if starts_at and ends_at and ends_at <= starts_at:
            raise serializers.ValidationError({"ends_at": [gettext("Must be after starts_at.")]})
        return attrs

    def create(self, validated_data):
        relations = _pop_event_relations(validated_data)
        event = Event(**validated_data)
        return services.create_event(event=event, by=_user(self.context), **relations)

    def update(self, instance, validated_data):
        relations = _pop_event_relations(validated_data)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return services.update_event(event=instance, **relations)


def _pop_event_relations(validated_data) -> dict:
    """The many-to-many fields given (an update leaves the others as they are)."""
    return {
        name: validated_data.pop(name)
        for name in ("planners", "attending_officers")
        if name in validated_data
    }


class InvitationSerializer(serializers.ModelSerializer):
    event = serializers.PrimaryKeyRelatedField(queryset=Event.objects.all())
    contact = VisibleContacts()
    rsvp_url = serializers.SerializerMethodField(
        help_text=(
            "The guest's RSVP link (no login needed); null once withdrawn. "
            "Only planners and admins get this field; it is absent for everyone else."
        )
    )

    class Meta:
        model = Invitation
        fields = [
            "id",
            "event",
            "contact",
            "role",
            "status",
            "responded_at",
            "waitlisted_at",
            "checked_in_at",
            "revoked_at",
            "rsvp_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "responded_at",
            "waitlisted_at",
            "checked_in_at",
            "revoked_at",
            "created_at",
            "updated_at",
        ]
        validators = []  # A duplicate is reported by services.invite, on the contact field.

    def get_fields(self):
        fields = super().get_fields()
        if not _sees_rsvp_links(self.context):
            fields.pop("rsvp_url")
        return fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_rsvp_url(self, invitation) -> str | None:
        if invitation.revoked_at:
            return None
        path = reverse("events:rsvp", args=[services.rsvp_token(invitation)])
        return _absolute(self.context, path)

    def validate(self, attrs):
        invitation = self.instance
        if invitation is None:
            return attrs
        moved = {
            name: ["An invitation keeps its event and guest; invite anew instead."]
            for name in ("event", "contact")
            if name in attrs and attrs[name].pk != getattr(invitation, f"{name}_id")
        }
        if moved:
            raise serializers.ValidationError(moved)
        return attrs


def _sees_rsvp_links(context) -> bool:
    """RSVP links are credentials of the guest: only planners and admins get them. The
    schema (a fake view without a user) documents the field."""
    if getattr(context.get("view"), "swagger_fake_view", False):
        return True
    request = context.get("request")
    return request is not None and may_manage_events(request.user)


class RsvpSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(answer, answer.label) for answer in services.ANSWERS]
    )


class CheckInSerializer(serializers.Serializer):
    attended = serializers.BooleanField(default=True, help_text="False records a no-show.")


class ProgrammeSerializer(serializers.ModelSerializer):
    participants = VisibleContacts(
        many=True,
        required=False,
        help_text=(
            "The participants the caller may see. An update leaves the others linked as they were."
        ),
    )
    officers = ActiveUsers(many=True, required=False)

    class Meta:
        model = Programme
        fields = [
            "id",
            "title",
            "kind",
            "description",
            "partners",
            "participants",
            "officers",
            "starts_on",
            "ends_on",
            "status",
            "outcome",
            "layer",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "description": {"max_length": 20_000},
            "outcome": {"max_length": 20_000},
        }

    def validate(self, attrs):
        starts_on = attrs.get("starts_on", getattr(self.instance, "starts_on", None))
        ends_on = attrs.get("ends_on", getattr(self.instance, "ends_on", None))
        if starts_on and ends_on and ends_on < starts_on:
            message = gettext("Must be on or after starts_on.")
            raise serializers.ValidationError({"ends_on": [message]})
        return attrs

    def create(self, validated_data):
        relations = _pop_programme_relations(validated_data)
        programme = Programme(**validated_data)
        return services.save_programme(programme=programme, by=_user(self.context), **relations)

    def update(self, instance, validated_data):
        # The participants hidden from the caller stay linked (services.save_programme).
        relations = _pop_programme_relations(validated_data)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return services.save_programme(programme=instance, by=_user(self.context), **relations)


def _pop_programme_relations(validated_data) -> dict:
    """The many-to-many fields given (an update leaves the others as they are)."""
    names = ("partners", "participants", "officers")
    return {name: validated_data.pop(name) for name in names if name in validated_data}
