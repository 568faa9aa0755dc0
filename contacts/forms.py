"""Forms of the contacts web pages: search and filters, contact edit, grants, logging an
exchange and snoozing a reminder. Choices that name a contact come from ``visible_to``."""

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from contacts.access import is_owner, may_log_exchange, may_open_channel, may_read_notes
from contacts.languages import language_choices
from contacts.models import Channel, Contact, Exchange, Layer, Organization, Sensitivity, Tag
from contacts.people import display_name, officers
from contacts.services import MAX_CADENCE_DAYS
from contacts.widgets import PickerSelect, PickerSelectMultiple
from trackii.dates import within_range

User = get_user_model()

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
DEFAULT_CADENCE_DAYS = Channel._meta.get_field("cadence_days").default
TAGS_OFFERED = 30
# The blank choice of a list's filter.
ANY = pgettext_lazy("a filter's blank choice", "Any")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=DATETIME_LOCAL)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _blank(choices, label=ANY):
    return [("", label), *choices]


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return display_name(user)


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return UserChoiceField.label_from_instance(self, user)


class ContactChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, contact):
        if contact.native_name:
            return f"{contact.full_name} ({contact.native_name})"
        return contact.full_name


def _officers_and(also):
    """The officers the app offers (``people.officers``) and the users ``also`` names (the
    ones a saved row already holds, kept valid), by name."""
    return User.objects.filter(Q(pk__in=officers().values("pk")) | Q(pk__in=also)).order_by(
        "first_name", "last_name", "username", "pk"
    )


# Lists


class ContactSearchForm(forms.Form):
    """The contacts list's search box, filters and sort order (all optional)."""

    SORTS = {
        "name": ("full_name", "pk"),
        "category": ("category", "full_name", "pk"),
        "updated": ("-updated_at", "-pk"),
        "last_touch": (F("last_touch_at").desc(nulls_last=True), "full_name", "pk"),
        "next_due": (F("next_due_at").asc(nulls_last=True), "full_name", "pk"),
        "owner": ("owner__first_name", "owner__last_name", "owner__username", "full_name", "pk"),
    }

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name in any script")}),
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=_blank(Contact.Category.choices), required=False
    )
    # A type-ahead picker: a select of every organization weighed 620 KB at 10,000 of them.
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=Organization.objects.order_by("name", "pk"),
        required=False,
        empty_label=ANY,
        widget=PickerSelect("contacts:pick_organizations", placeholder=_("Any organization")),
    )
    layer = forms.ChoiceField(label=_("Layer"), choices=_blank(Layer.choices), required=False)
    sensitivity = forms.ChoiceField(
        label=_("Sensitivity"), choices=_blank(Sensitivity.choices), required=False
    )
    # By name, in any case (ContactQuerySet.tagged, as the API's ?tag=).
    tag = forms.CharField(label=_("Tag"), required=False, max_length=50)
    overdue = forms.BooleanField(label=_("Overdue with me"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        choices=[
            ("name", pgettext_lazy("a person's", "Name")),
            ("category", _("Category")),
            ("updated", _("Recently updated")),
            ("last_touch", _("Last touch")),
            ("next_due", _("Next due")),
            ("owner", _("Owner")),
        ],
        required=False,
    )

    def search(self, contacts, *, user, now):
        """The given contacts narrowed by the valid inputs, with ``overdue_for_me`` (an
        overdue channel of ``user``'s with the contact), ``last_touch_at`` and
        ``next_due_at`` annotated, in the chosen order (a whitelisted sort)."""
        # An invalid input is shown with its error and left out; the others still apply.
        self.is_valid()
        data = self.cleaned_data
        contacts = (
            contacts.select_related("organization", "owner")
            .with_overdue_for(user, now)
            .with_channel_dates(now)
        )
        if data.get("q"):
            contacts = contacts.search(data["q"])
        for name in ("category", "organization", "layer", "sensitivity"):
            if data.get(name):
                contacts = contacts.filter(**{name: data[name]})
        if data.get("tag", "").strip():
            contacts = contacts.tagged(data["tag"])
        if data.get("overdue"):
            contacts = contacts.filter(overdue_for_me=True)
        return contacts.order_by(*self.SORTS.get(data.get("sort") or "name"))

    def listed(self, user, *, now):
        """The contacts list of ``user`` for these inputs: the contacts they may see,
        narrowed and sorted (``search``), without their notes. The list's pages and its
        exports (contacts.exports) read this."""
        contacts = self.search(Contact.objects.visible_to(user), user=user, now=now)
        # The list never shows the notes: they are not read (nor decrypted) for its rows.
        return contacts.defer("notes")

    def has_filters(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields if name != "sort")


class OrganizationSearchForm(forms.Form):
    """The organizations list's search box and filters."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or city")}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=_blank(Organization.Kind.choices), required=False
    )
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        used = set(Organization.objects.exclude(country="").values_list("country", flat=True))
        self.fields["country"].choices = _blank(
            [(code, name) for code, name in countries if code in used]
        )

    def search(self, organizations):
        """The organizations narrowed by the valid inputs, by name."""
        self.is_valid()
        data = self.cleaned_data
        if data.get("q"):
            organizations = organizations.search(data["q"])
        for name in ("kind", "country"):
            if data.get(name):
                organizations = organizations.filter(**{name: data[name]})
        return organizations.order_by("name", "pk")

    def has_filters(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)


class OrganizationForm(forms.ModelForm):
    """Create or edit an organization (one name per country)."""

    website = forms.URLField(
        label=_("Website"), required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = Organization
        fields = ["name", "native_name", "kind", "country", "city", "website", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


# Contacts


class ContactForm(forms.ModelForm):
    """Create or edit a contact. Who owns it and how sensitive it is decide who may see
    it, so only the owner (or a superuser) changes them on an existing contact."""

    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=300,
        help_text=_("Language codes separated by commas, e.g. ru, he, en."),
    )
    owner = UserChoiceField(label=_("Owner"), queryset=User.objects.none())
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas, e.g. water, round-table."),
    )
    keep_in_touch_days = forms.IntegerField(
        label=_("Keep in touch every N days"),
        required=False,
        min_value=1,
        max_value=MAX_CADENCE_DAYS,
        help_text=_("Opens your channel with this contact; leave blank for none."),
    )

    class Meta:
        model = Contact
        fields = [
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
            "owner",
            "notes",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 5}),
            "organization": PickerSelect(
                "contacts:pick_organizations", placeholder=_("Type an organization…")
            ),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["organization"].queryset = Organization.objects.order_by("name", "pk")
        self.fields["language"].choices = language_choices()
        # Officers own contacts; the current owner stays a valid choice whoever it is.
        self.fields["owner"].queryset = _officers_and(
            [self.instance.owner_id] if self.instance.pk is not None else []
        )
        if self.instance.pk is None:
            if officers().filter(pk=user.pk).exists():
                self.initial.setdefault("owner", user.pk)
        else:
            self.initial["languages"] = ", ".join(self.instance.languages or [])
            self.initial["tags"] = ", ".join(
                self.instance.tags.order_by("name", "pk").values_list("name", flat=True)
            )
            if not is_owner(user, self.instance):
                for name in ("owner", "sensitivity"):
                    self.fields[name].disabled = True
                    self.fields[name].help_text = gettext("Only the contact's owner changes this.")
            elif self.instance.sensitivity != Sensitivity.STANDARD:
                # contacts.receivers seals the past exchanges on either change.
                self.fields["owner"].help_text = gettext(
                    "A new owner or sensitivity leaves each past exchange readable only by "
                    "those who read it now; to hand the history over, grant the new owner "
                    "access first."
                )
        if self.instance.pk is None and may_open_channel(user):
            self.initial.setdefault("keep_in_touch_days", DEFAULT_CADENCE_DAYS)
        else:
            del self.fields["keep_in_touch_days"]
        if not may_read_notes(user):
            del self.fields["notes"]
        # Offered as examples: only tags the user may see (none carried by hidden contacts).
        known = list(
            Tag.objects.visible_to(user).order_by("name", "pk").values_list("name", flat=True)
        )
        if known:
            self.fields["tags"].help_text = gettext("%(help)s In use: %(tags)s.") % {
                "help": self.fields["tags"].help_text,
                "tags": ", ".join(known[:TAGS_OFFERED]),
            }

    def clean_tags(self):
        names = [name.strip() for name in self.cleaned_data["tags"].split(",")]
        names = list(dict.fromkeys(name for name in names if name))
        longest = Tag._meta.get_field("name").max_length
        if any(len(name) > longest for name in names):
            raise forms.ValidationError(
                ngettext(
                    "A tag has at most %(limit)d character.",
                    "A tag has at most %(limit)d characters.",
                    longest,
                )
                % {"limit": longest}
            )
        return names

    def _save_m2m(self):
        super()._save_m2m()
        self.instance.tags.set(
            [Tag.objects.named(name, user=self.user) for name in self.cleaned_data["tags"]]
        )

    def clean_languages(self):
        codes = [code.strip() for code in self.cleaned_data["languages"].split(",")]
        codes = [code for code in codes if code]
        if any(len(code) > 12 for code in codes):
            raise forms.ValidationError(gettext("A language code has at most 12 characters."))
        return codes


class GrantForm(forms.Form):
    user = UserChoiceField(queryset=User.objects.none(), label=_("Give access to"))

    def __init__(self, *args, contact, **kwargs):
        super().__init__(*args, **kwargs)
        granted = contact.grants.values("user_id")
        self.fields["user"].queryset = (
            User.objects.filter(is_active=True)
            .exclude(pk=contact.owner_id)
            .exclude(pk__in=granted)
            .order_by("username", "pk")
        )


# Channels


class ChannelForm(forms.ModelForm):
    """Open or change one's channel with a contact: its kind, priority and cadence (the
    status changes by its own buttons: pause, resume, close)."""

    cadence_days = forms.IntegerField(
        label=_("Keep in touch every N days"), min_value=1, max_value=MAX_CADENCE_DAYS
    )

    class Meta:
        model = Channel
        fields = ["kind", "priority", "cadence_days"]


# Exchanges and reminders


class ExchangeForm(forms.Form):
    """Log an exchange: who, when, what kind and a summary; the rest is optional."""

    contacts = ContactChoiceField(
        queryset=Contact.objects.none(),
        label=_("Who"),
        help_text=_("One or more contacts: type part of a name or organization."),
        widget=PickerSelectMultiple("contacts:pick_contacts", placeholder=_("Type a name…")),
    )
    occurred_at = forms.DateTimeField(
        label=_("When"), widget=DateTimeLocalInput(), validators=[within_range]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Exchange.Kind.choices, initial=Exchange.Kind.MEETING
    )
    other_officers = UsersChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Other officers present"),
        help_text=_(
            "You are recorded as present; the exchange counts as a touch for everyone "
            "chosen here too."
        ),
        widget=PickerSelectMultiple("contacts:pick_officers", placeholder=_("Type a name…")),
    )
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    topics = forms.CharField(
        label=_("Topics"),
        required=False,
        max_length=1000,
        help_text=_("Separated by commas, e.g. water, student exchange."),
    )
    notes = forms.CharField(
        label=_("Private notes"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Encrypted at rest; never shown to analysts."),
    )
    follow_up_on = forms.DateField(
        label=_("Follow up on"), required=False, widget=DateInput(), validators=[within_range]
    )

    def __init__(self, *args, user, now, exchange=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = Contact.objects.visible_to(user).order_by(
            "full_name", "pk"
        )
        self.fields["other_officers"].queryset = _officers_and([]).exclude(pk=user.pk)
        if exchange is not None:
            # Editing: whoever edits is not necessarily present, so all officers are named.
            del self.fields["other_officers"]
            self.fields["officers"] = UsersChoiceField(
                queryset=_officers_and(exchange.officers.values("pk")),
                label=gettext("Officers present"),
                widget=PickerSelectMultiple(
                    "contacts:pick_officers",
                    params={"me": "1"},
                    placeholder=gettext("Type a name…"),
                ),
            )
            self.initial.update(
                contacts=list(exchange.contacts.all()),
                officers=list(exchange.officers.all()),
                occurred_at=timezone.localtime(exchange.occurred_at),
                kind=exchange.kind,
                summary=exchange.summary,
                notes=exchange.notes,
                topics=", ".join(exchange.topics or []),
                follow_up_on=exchange.follow_up_on,
            )
        self.initial.setdefault(
            "occurred_at", timezone.localtime(now).replace(second=0, microsecond=0)
        )
        if not may_read_notes(user):
            del self.fields["notes"]

    def clean_topics(self):
        topics = [topic.strip() for topic in self.cleaned_data["topics"].split(",")]
        topics = list(dict.fromkeys(topic for topic in topics if topic))
        if any(len(topic) > Exchange.TOPIC_MAX_LENGTH for topic in topics):
            raise forms.ValidationError(
                ngettext(
                    "A topic has at most %(limit)d character.",
                    "A topic has at most %(limit)d characters.",
                    Exchange.TOPIC_MAX_LENGTH,
                )
                % {"limit": Exchange.TOPIC_MAX_LENGTH}
            )
        if len(topics) > Exchange.MAX_TOPICS:
            raise forms.ValidationError(
                ngettext(
                    "At most %(limit)d topic.", "At most %(limit)d topics.", Exchange.MAX_TOPICS
                )
                % {"limit": Exchange.MAX_TOPICS}
            )
        return topics


class LogExchangeForm(ExchangeForm):
    """Log a new exchange, with whoever the user may log one with, and offer to keep in
    touch with the chosen contacts the user holds no channel with."""

    keep_in_touch = forms.BooleanField(label=_("Keep in touch"), required=False)
    keep_in_touch_days = forms.IntegerField(
        label=_("every N days"),
        required=False,
        min_value=1,
        max_value=MAX_CADENCE_DAYS,
        initial=DEFAULT_CADENCE_DAYS,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.user = user
        unheld = self._chosen().exclude(channels__officer=user)
        chosen_all_held = self._chosen_ids() and not unheld.exists()
        if not may_open_channel(user) or chosen_all_held:
            del self.fields["keep_in_touch"], self.fields["keep_in_touch_days"]
            return
        names = list(unheld.values_list("full_name", flat=True)[:2])
        self.fields["keep_in_touch"].label = (
            gettext("Keep in touch with %(name)s") % {"name": names[0]}
            if len(names) == 1
            else gettext("Keep in touch with those chosen I hold no channel with")
        )
        self.fields["keep_in_touch"].help_text = gettext(
            "Opens your channel, counted from this exchange."
        )

    def _chosen_ids(self) -> list[int]:
        """The contacts chosen so far: posted, else given in the link (``?contact=``)."""
        if self.is_bound:
            raw = self.fields["contacts"].widget.value_from_datadict(
                self.data, self.files, self.add_prefix("contacts")
            )
        else:
            raw = self.initial.get("contacts") or []
        return [int(value) for value in raw or [] if str(value).isdigit()]

    def _chosen(self):
        return self.fields["contacts"].queryset.filter(pk__in=self._chosen_ids())

    def clean_contacts(self):
        contacts = self.cleaned_data["contacts"]
        if not may_log_exchange(self.user, contacts):
            raise forms.ValidationError(
                gettext(
                    "Choose only contacts you hold a channel with: officers, leads and admins "
                    "log exchanges with anyone."
                )
            )
        return contacts

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("keep_in_touch") and not cleaned.get("keep_in_touch_days"):
            self.add_error("keep_in_touch_days", gettext("Say how often to keep in touch."))
        return cleaned


class SnoozeForm(forms.Form):
    """Snooze until a moment, or by a number of days from now."""

    until = forms.DateTimeField(
        label=_("Snooze until"),
        required=False,
        widget=DateTimeLocalInput(),
        validators=[within_range],
    )
    days = forms.TypedChoiceField(
        label=_("Days"),
        choices=[(1, _("1 day")), (3, _("3 days")), (7, _("7 days"))],
        coerce=int,
        required=False,
        empty_value=None,
    )

    def clean(self):
        cleaned = super().clean()
        if not self.errors and cleaned.get("until") is None and cleaned.get("days") is None:
            raise forms.ValidationError(gettext("Choose how long to snooze."))
        return cleaned

    def until_from(self, now) -> dt.datetime:
        """The moment to snooze until: the one given, else ``days`` from ``now``."""
        until = self.cleaned_data.get("until")
        return until if until is not None else now + dt.timedelta(days=self.cleaned_data["days"])


# Duplicates and merge


class MergeWithForm(forms.Form):
    """Which contact to merge into the one at hand (the merge page's first step)."""

    other = forms.ModelChoiceField(
        queryset=Contact.objects.none(),
        label=_("Merge with"),
        help_text=_("The record merged into this one, which then goes."),
        widget=PickerSelect("contacts:pick_contacts", placeholder=_("Type a name…")),
    )

    def __init__(self, *args, user, keep, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = (
            Contact.objects.visible_to(user)
            .filter(erased_at__isnull=True)
            .exclude(pk=keep.pk)
            .order_by("full_name", "pk")
        )
        # Nor does the picker offer it (it would only be refused).
        self.fields["other"].widget.params = {"exclude": keep.pk}


class MergeForm(forms.Form):
    """Which value each field of the merged contact takes: the kept record's or the other's
    (``contacts.merging.CHOSEN_FIELDS``); the initial choice is the preview's default."""

    SIDES = [("kept", _("Kept record")), ("merged", _("Other record"))]

    def __init__(self, *args, preview, **kwargs):
        super().__init__(*args, **kwargs)
        self.preview = preview
        for choice in preview.fields:
            self.fields[choice.name] = forms.ChoiceField(
                label=choice.label,
                choices=self.SIDES,
                initial=choice.chosen,
                widget=forms.RadioSelect,
            )

    def choices(self) -> dict[str, str]:
        return dict(self.cleaned_data)
