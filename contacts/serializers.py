"""REST API v1 representations of the contacts app (DESIGN.md, "REST API v1").

Every related-object field takes its choices from ``visible_to(request.user)``, so a write
naming an object the caller may not see fails exactly like one naming nothing at all.
"""

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext
from django_countries.serializers import CountryFieldMixin
from rest_framework import serializers

from contacts import services
from contacts.access import is_owner, may_read_notes, roles_of
from contacts.errors import DomainError
from contacts.models import (
    Channel,
    Climate,
    Contact,
    Exchange,
    Organization,
    Reminder,
    Tag,
)
from trackii.dates import within_range

User = get_user_model()


def _user(context):
    return context["request"].user


class VisibleContacts(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Contact.objects.visible_to(_user(self.context))


class ActiveUsers(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return User.objects.filter(is_active=True)


class NotesMixin:
    """Drop private notes for analysts (DESIGN.md: analysts never see private notes)."""

    private_fields = ("notes",)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and not may_read_notes(request.user):
            for name in self.private_fields:
                fields.pop(name, None)
        return fields


class TagNames(serializers.ListField):
    """Tags as a list of names; unknown names are created on write."""

    child = serializers.CharField(max_length=50)

    def to_representation(self, data):
        return sorted(tag.name for tag in data.all())


class OrganizationSerializer(CountryFieldMixin, serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "native_name",
            "kind",
            "country",
            "city",
            "website",
            "description",
            "created_at",
            "updated_at",
        ]
        # The unique name per country is checked in validate(), on the name: DRF's own
        # check answers "The fields name, country must make a unique set." on no field.
        validators = []

    def validate(self, attrs):
        attrs = super().validate(attrs)
        name = attrs.get("name", getattr(self.instance, "name", None))
        country = attrs.get("country", getattr(self.instance, "country", ""))
        same = Organization.objects.filter(name=name, country=country)
        if self.instance is not None:
            same = same.exclude(pk=self.instance.pk)
        if name is not None and same.exists():
            raise serializers.ValidationError(
                {"name": [gettext("An organization of this name in this country exists.")]}
            )
        return attrs


class ContactSerializer(CountryFieldMixin, NotesMixin, serializers.ModelSerializer):
    owner = ActiveUsers(required=False, help_text="Defaults to the caller.")
    tags = TagNames(required=False, max_length=50)
    languages = serializers.ListField(
        child=serializers.CharField(max_length=12), required=False, max_length=30
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "full_name",
            "native_name",
            "category",
            "organization",
            "email",
            "phone",
            "birth_year",
            "country",
            "languages",
            "language",
            "layer",
            "sensitivity",
            "tags",
            "notes",
            "owner",
            "created_at",
            "updated_at",
            "erased_at",
        ]
        read_only_fields = ["erased_at"]
        extra_kwargs = {"notes": {"max_length": 20_000}}

    def validate(self, attrs):
        contact, user = self.instance, _user(self.context)
        changes_access = {"owner", "sensitivity"} & set(attrs)
        may_change = contact is None or is_owner(user, contact)
        if contact is not None and changes_access and not may_change:
            current = {"owner": contact.owner, "sensitivity": contact.sensitivity}
            if any(attrs[name] != current[name] for name in changes_access):
                raise serializers.ValidationError(
                    {name: [gettext("Only the owner changes this.")] for name in changes_access}
                )
        return attrs

    def create(self, validated_data):
        tags = validated_data.pop("tags", [])
        validated_data.setdefault("owner", _user(self.context))
        contact = super().create(validated_data)
        contact.tags.set(_tags(tags, _user(self.context)))
        return contact

    def update(self, instance, validated_data):
        tags = validated_data.pop("tags", None)
        contact = super().update(instance, validated_data)
        if tags is not None:
            contact.tags.set(_tags(tags, _user(self.context)))
        return contact


def _tags(names, user):
    return [Tag.objects.named(name.strip(), user=user) for name in names if name.strip()]


class ChannelSerializer(serializers.ModelSerializer):
    contact = VisibleContacts()
    officer = ActiveUsers(required=False, help_text="Defaults to the caller.")
    cadence_days = serializers.IntegerField(min_value=1, max_value=3650, required=False)
    next_due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Channel
        fields = [
            "id",
            "contact",
            "officer",
            "kind",
            "priority",
            "cadence_days",
            "status",
            "last_touch_at",
            "next_due_at",
            "overdue",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["last_touch_at", "created_at", "updated_at"]
        validators = []  # The (contact, officer) pair is checked in validate().

    def validate(self, attrs):
        user = _user(self.context)
        officer = attrs.get("officer") or (self.instance.officer if self.instance else user)
        if "officer" in attrs and officer != user and not user.is_superuser:
            raise serializers.ValidationError(
                {"officer": [gettext("Officers manage their own channels.")]}
            )
        contact = attrs.get("contact") or self.instance.contact
        taken = Channel.objects.filter(contact=contact, officer=officer)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(
                {"contact": [gettext("This officer already has a channel with this contact.")]}
            )
        attrs["officer"] = officer
        return attrs


class ExchangeSerializer(NotesMixin, serializers.ModelSerializer):
    contacts = VisibleContacts(many=True, allow_empty=False)
    officers = ActiveUsers(many=True, required=False, help_text="Defaults to the caller.")
    topics = serializers.ListField(
        child=serializers.CharField(max_length=Exchange.TOPIC_MAX_LENGTH),
        required=False,
        max_length=Exchange.MAX_TOPICS,
    )

    class Meta:
        model = Exchange
        fields = [
            "id",
            "occurred_at",
            "kind",
            "contacts",
            "officers",
            "summary",
            "notes",
            "topics",
            "follow_up_on",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_by", "created_at", "updated_at"]
        extra_kwargs = {
            "summary": {"max_length": 20_000},
            "notes": {"max_length": 20_000},
            "occurred_at": {"required": False},
        }

    def validate_occurred_at(self, value):
        try:
            services.check_occurred_at(value, now=timezone.now())
        except DomainError as error:
            raise serializers.ValidationError(error.message) from error
        return value

    def validate_officers(self, value):
        if not value:
            raise serializers.ValidationError(gettext("Name at least one officer."))
        return value


class ReminderSerializer(serializers.ModelSerializer):
    event = serializers.SerializerMethodField()

    class Meta:
        model = Reminder
        fields = [
            "id",
            "kind",
            "recipient",
            "channel",
            "exchange",
            "event",
            "due_at",
            "status",
            "snoozed_until",
            "notified_at",
            "closed_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_event(self, reminder) -> int | None:
        link = getattr(reminder, "event_link", None)
        return link.event_id if link else None


class SnoozeSerializer(serializers.Serializer):
    until = serializers.DateTimeField(validators=[within_range])


class ClimateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Climate
        fields = ["id", "level", "note", "started_at", "created_by", "created_at"]
        read_only_fields = ["created_by", "created_at"]
        extra_kwargs = {"note": {"max_length": 5000}, "started_at": {"required": False}}


class CurrentClimateSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(allow_null=True, read_only=True)
    started_at = serializers.DateTimeField(allow_null=True, read_only=True)
    created_at = serializers.DateTimeField(allow_null=True, read_only=True)

    class Meta:
        model = Climate
        fields = ["id", "level", "note", "started_at", "created_by", "created_at"]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    teams = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "roles", "teams"]

    def get_roles(self, user) -> list[str]:
        roles = set(roles_of(user))
        if user.is_superuser:
            roles.add("admin")
        return sorted(roles)

    def get_teams(self, user) -> list[str]:
        return sorted(user.teams.values_list("name", flat=True))
