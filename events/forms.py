"""Forms of the event pages: list filters, the event form (times entered in the event's own
zone), inviting one contact or many, and programme filters."""

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from contacts.models import Contact, Layer, Organization, Tag
from contacts.widgets import PickerSelect, PickerSelectMultiple
from events.models import MOST_SEATS, Event, Invitation, Programme
from trackii.dates import within_range

User = get_user_model()
LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


ANY = pgettext_lazy("a filter that is not set", "Any")


def _blank(choices, label=ANY):
    return [("", label), *choices]


class EventFilterForm(forms.Form):
    """The events list: upcoming or past, by status, kind and layer."""

    UPCOMING, PAST = "upcoming", "past"

    when = forms.ChoiceField(
        choices=[
            (UPCOMING, pgettext_lazy("events", "Upcoming")),
            (PAST, pgettext_lazy("events", "Past")),
        ],
        required=False,
        widget=forms.HiddenInput,
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=_blank(Event.Status.choices), required=False
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=_blank(Event.Kind.choices), required=False
    )
    layer = forms.ChoiceField(
        label=gettext_lazy("Layer"), choices=_blank(Layer.choices), required=False
    )

    def filter(self, events, *, now):
        """The events chosen, upcoming (not over) soonest first, past latest first."""
        wanted = self.cleaned_data if self.is_valid() else {}
        criteria = {name: wanted.get(name) for name in ("status", "kind", "layer")}
        events = events.filter(**{name: value for name, value in criteria.items() if value})
        if self.tab == self.PAST:
            return events.filter(ends_at__lte=now).order_by("-starts_at", "-pk")
        return events.filter(ends_at__gt=now).order_by("starts_at", "pk")

    @property
    def tab(self) -> str:
        """Upcoming unless the past was asked for."""
        if self.is_valid() and self.cleaned_data["when"] == self.PAST:
            return self.PAST
        return self.UPCOMING


class ProgrammeFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=_blank(Programme.Kind.choices), required=False
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=_blank(Programme.Status.choices), required=False
    )
    layer = forms.ChoiceField(
        label=gettext_lazy("Layer"), choices=_blank(Layer.choices), required=False
    )

    def filter(self, programmes):
        """The programmes chosen, latest start first."""
        wanted = self.cleaned_data if self.is_valid() else {}
        criteria = {name: wanted.get(name) for name in ("kind", "status", "layer")}
        programmes = programmes.filter(**{name: value for name, value in criteria.items() if value})
        return programmes.order_by("-starts_on", "-pk")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ProgrammeForm(forms.ModelForm):
    """Create or edit a programme. Participants are chosen among the contacts the user
    may see; those hidden from them stay linked (events.services.save_programme)."""

    class Meta:
        model = Programme
        fields = [
            "title",
            "kind",
            "layer",
            "status",
            "starts_on",
            "ends_on",
            "partners",
            "participants",
            "officers",
            "description",
            "outcome",
        ]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "partners": PickerSelectMultiple(
                "contacts:pick_organizations", placeholder=gettext_lazy("Type an organization…")
            ),
            "participants": PickerSelectMultiple(
                "contacts:pick_contacts", placeholder=gettext_lazy("Type a name…")
            ),
            "officers": PickerSelectMultiple(
                "contacts:pick_staff", placeholder=gettext_lazy("Type a name…")
            ),
            "description": forms.Textarea(attrs={"rows": 4}),
            "outcome": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["layer"].required = True
        self.fields["partners"].queryset = Organization.objects.order_by("name", "pk")
        self.fields["participants"].queryset = Contact.objects.visible_to(user).order_by(
            "full_name", "pk"
        )
        officers = User.objects.filter(is_active=True)
        if self.instance.pk is not None:
            officers |= User.objects.filter(programmes=self.instance)
        self.fields["officers"].queryset = officers.distinct().order_by("username", "pk")
        if self.instance.pk is not None:
            # Only the participants the user may see are shown, and so submitted.
            self.initial["participants"] = list(
                self.fields["participants"].queryset.filter(programmes=self.instance)
            )

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end cannot be before the start."))
        return cleaned


class WallClockField(forms.DateTimeField):
    """A date and time as read on a clock, without a zone: the form makes it aware in the
    event's own zone, which is another field."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT_FORMAT)
    # Before clean() puts the reading in its zone (out of range there, it would overflow).
    default_validators = [within_range]

    def to_python(self, value):
        # Parsed in UTC, which has no gaps or folds, then stripped back to the clock reading.
        with timezone.override(dt.UTC):
            moment = super().to_python(value)
        return moment.replace(tzinfo=None) if moment else moment

    def prepare_value(self, value):
        return value


def _https_by_default(model_field, **kwargs):
    """A link typed without a scheme is an https one."""
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


class EventForm(forms.ModelForm):
    starts_at = WallClockField(
        label=gettext_lazy("Starts"), help_text=gettext_lazy("In the event's own time zone.")
    )
    ends_at = WallClockField(
        label=gettext_lazy("Ends"), help_text=gettext_lazy("In the event's own time zone.")
    )
    capacity = forms.IntegerField(
        label=gettext_lazy("Capacity"),
        min_value=1,
        max_value=MOST_SEATS,
        required=False,
        help_text=gettext_lazy("Seats; leave empty for no limit."),
    )

    class Meta:
        model = Event
        fields = [
            "title",
            "kind",
            "status",
            "layer",
            "starts_at",
            "ends_at",
            "timezone",
            "venue",
            "online_url",
            "capacity",
            "host_organization",
            "description",
            "planners",
            "attending_officers",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "host_organization": PickerSelect(
                "contacts:pick_organizations", placeholder=gettext_lazy("Type an organization…")
            ),
            "planners": PickerSelectMultiple(
                "contacts:pick_staff", placeholder=gettext_lazy("Type a name…")
            ),
            "attending_officers": PickerSelectMultiple(
                "contacts:pick_staff", placeholder=gettext_lazy("Type a name…")
            ),
        }
        labels = {
            "timezone": gettext_lazy("Time zone"),
            "online_url": gettext_lazy("Online link"),
        }
        help_texts = {
            "description": gettext_lazy(
                "For the staff: shown on the event's page, never sent to guests."
            ),
        }
        formfield_callback = _https_by_default

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host_organization"].queryset = Organization.objects.order_by("name", "pk")
        people = User.objects.filter(is_active=True).order_by("username", "pk")
        self.fields["planners"].queryset = people
        self.fields["attending_officers"].queryset = people
        self.fields["planners"].help_text = _("None chosen: you plan the event you create.")
        if self.instance.pk:
            zone = self.instance.timezone
            for name in ("starts_at", "ends_at"):
                moment = getattr(self.instance, name)
                self.initial[name] = timezone.localtime(moment, zone).replace(tzinfo=None)
        else:
            self.initial.setdefault("timezone", timezone.get_current_timezone_name())

    def clean(self):
        cleaned = super().clean()
        zone = cleaned.get("timezone")
        for name in ("starts_at", "ends_at"):
            clock = cleaned.get(name)
            if clock is None or zone is None:
                continue
            moment = clock.replace(tzinfo=zone)
            if moment.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != clock:
                self.add_error(
                    name,
                    _("This time does not exist in %(zone)s (the clocks change).") % {"zone": zone},
                )
            else:
                cleaned[name] = moment
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if _aware(starts_at) and _aware(ends_at) and ends_at <= starts_at:
            self.add_error("ends_at", _("The event must end after it starts."))
        return cleaned


def _aware(value) -> bool:
    return isinstance(value, dt.datetime) and timezone.is_aware(value)


class InviteOneForm(forms.Form):
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(),
        label=gettext_lazy("Contact"),
        help_text=gettext_lazy("Type part of a name or organization."),
        widget=PickerSelect("contacts:pick_contacts", placeholder=gettext_lazy("Type a name…")),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=Invitation.Role.choices, initial=Invitation.Role.GUEST
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = (
            Contact.objects.visible_to(user)
            .filter(erased_at__isnull=True)
            .select_related("organization")
            .order_by("full_name", "pk")
        )


class InviteBulkForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=_blank(Contact.Category.choices), required=False
    )
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Organization"),
        queryset=Organization.objects.order_by("name", "pk"),
        required=False,
        empty_label=ANY,
        widget=PickerSelect(
            "contacts:pick_organizations", placeholder=gettext_lazy("Any organization")
        ),
    )
    tag = forms.ModelChoiceField(
        label=gettext_lazy("Tag"),
        queryset=Tag.objects.none(),
        to_field_name="name",
        required=False,
        empty_label=ANY,
    )
    layer = forms.ChoiceField(
        label=gettext_lazy("Layer"), choices=_blank(Layer.choices), required=False
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=Invitation.Role.choices, initial=Invitation.Role.GUEST
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the tags of contacts the user may see: a tag carried by hidden contacts
        # alone would reveal that they exist.
        self.fields["tag"].queryset = Tag.objects.visible_to(user).order_by("name", "pk")

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in ("category", "organization", "tag", "layer")):
            raise forms.ValidationError(
                _("Choose at least one of category, organization, tag or layer.")
            )
        return cleaned

    def criteria(self) -> dict:
        """The keyword arguments of services.invite_matching."""
        data = self.cleaned_data
        return {
            "category": data["category"],
            "organization": data["organization"].pk if data["organization"] else None,
            "tag": data["tag"].name if data["tag"] else None,
            "layer": data["layer"],
        }
