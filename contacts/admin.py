"""The Django admin for contacts, channels, exchanges, climate and reminders.

Every admin here is scoped by ``visible_to(user)`` through ``VisibleToAdminMixin``: the
changelist, search, change page, autocomplete and the choices offered in forms.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.forms.models import _get_foreign_key
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst, smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter
from simple_history.admin import SimpleHistoryAdmin

from contacts import deletion, services
from contacts.access import (
    is_owner,
    may_change_exchange,
    may_manage_channel,
    may_manage_grants,
)
from contacts.admin_lookups import GuardedLookupsMixin
from contacts.errors import DomainError
from contacts.imports import admin as imports_admin  # noqa: F401 (registers the imports' admin)
from contacts.models import (
    AccessLog,
    Affiliation,
    Channel,
    Climate,
    Contact,
    ErasureRecord,
    Exchange,
    Grant,
    OfficerProfile,
    Organization,
    RecordedMonth,
    Reminder,
    Tag,
    Team,
)

# Django 6 assumes https for a scheme-less URL typed into a form; so do we, already.
HTTPS_URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


def _is_scoped(model) -> bool:
    return hasattr(model._default_manager, "visible_to")


def _visible(model, user):
    return model._default_manager.visible_to(user)


class VisibleToAdminMixin(GuardedLookupsMixin):
    """Admin (or inline) whose rows and choices go through ``visible_to(request.user)``.

    ``visible_through`` names a foreign key for models without their own ``visible_to``
    (a grant is visible when its contact is).
    """

    visible_through: str | None = None
    # Whether showing a protected contact here is written to the access log.
    records_views = True

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if _is_scoped(self.model):
            queryset = queryset.visible_to(request.user)
        elif self.visible_through and not request.user.is_superuser:
            target = self.model._meta.get_field(self.visible_through).related_model
            visible = _visible(target, request.user).values("pk")
            queryset = queryset.filter(**{f"{self.visible_through}__in": visible})
        # Autocomplete and change pages print __str__, which follows these relations.
        select_related = getattr(self, "list_select_related", ())
        if isinstance(select_related, list | tuple) and select_related:
            queryset = queryset.select_related(*select_related)
        return queryset

    def history_view(self, request, object_id, extra_context=None):
        # simple-history falls back to the history of rows outside get_queryset(); a row
        # the user may not see has no history for them either.
        self._record_views(request, self._get_visible_or_404(request, object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history reads the version without get_queryset(): scope it here.
        self._record_views(request, self._get_visible_or_404(request, object_id))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        found = self.get_object(request, unquote(object_id)) if object_id else None
        if found is not None:
            self._record_views(request, found, *self._inline_rows(request, found))
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            columns = set(changelist.list_display)
            self._record_views(request, *changelist.result_list, columns=columns)
        return response

    def _inline_rows(self, request, parent) -> list:
        rows = []
        for inline in self.get_inline_instances(request, parent):
            foreign_key = _get_foreign_key(type(parent), inline.model, fk_name=inline.fk_name)
            rows += inline.get_queryset(request).filter(**{foreign_key.name: parent})
        return rows

    def _record_views(self, request, *rows, columns: set | None = None) -> None:
        """Log the protected contacts these rows show (every response showing a protected
        contact's identity is logged, lists included); ``columns``: a list's columns."""
        if not self.records_views:
            return
        contacts = {}
        for row in rows:
            shown = _contacts_shown(row, request.user, columns)
            contacts.update((contact.pk, contact) for contact in shown)
        if contacts:
            AccessLog.objects.record(
                user=request.user,
                contacts=contacts.values(),
                surface=AccessLog.Surface.ADMIN,
                now=timezone.now(),
            )

    def get_object(self, request, object_id, from_field=None):
        found = super().get_object(request, object_id, from_field)
        if found is not None:
            # Read-only fields (a user with the view permission only) print every row of a
            # many-to-many relation: the prefetched visible ones are what they print.
            prefetch_related_objects([found], *self._visible_many_to_many(request.user))
        return found

    def _visible_many_to_many(self, user) -> list[Prefetch]:
        return [
            Prefetch(field.name, queryset=_visible(field.related_model, user))
            for field in self.model._meta.many_to_many
            if _is_scoped(field.related_model)
        ]

    def _get_visible_or_404(self, request, object_id):
        found = self.get_object(request, unquote(object_id))
        if found is None:
            raise Http404("No such object.")
        return found

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and _is_scoped(db_field.related_model):
            kwargs["queryset"] = self._visible_choices(db_field, request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and _is_scoped(db_field.related_model):
            kwargs["queryset"] = self._visible_choices(db_field, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _visible_choices(self, db_field, request):
        """The visible rows, in the order of the related admin like Django's own choices."""
        choices = _visible(db_field.related_model, request.user)
        ordered = self.get_field_queryset(None, db_field, request)
        return choices if ordered is None else choices.order_by(*ordered.query.order_by)

    def save_related(self, request, form, formsets, change):
        # The form only offers visible choices, so saving it as is would silently unlink
        # the many-to-many rows (a programme's participants) that this user cannot see.
        if change:
            for name, rows in self._hidden_many_to_many(request, form).items():
                form.cleaned_data[name] = [*form.cleaned_data[name], *rows]
        super().save_related(request, form, formsets, change)

    def _hidden_many_to_many(self, request, form) -> dict[str, list]:
        hidden = {}
        for field in form.instance._meta.many_to_many:
            if field.name in form.cleaned_data and _is_scoped(field.related_model):
                linked = field.remote_field.through.objects.filter(
                    **{field.m2m_field_name(): form.instance}
                ).values(field.m2m_reverse_field_name())
                visible = _visible(field.related_model, request.user).values("pk")
                rows = field.related_model._default_manager.filter(pk__in=linked)
                rows = list(rows.exclude(pk__in=visible))
                if rows:
                    hidden[field.name] = rows
        return hidden

    def get_deleted_objects(self, objs, request):
        if request.user.is_superuser:
            return super().get_deleted_objects(objs, request)
        objs = list(objs)
        if not objs:
            return [], {}, set(), []
        # The confirmation page lists, counts and asks permissions for the rows the user
        # may see only, so it reads the same whatever else exists; hidden rows refuse the
        # deletion itself (POST) as "still in use", like any protected row.
        collector = deletion.collect(objs)
        hidden = deletion.hidden_rows(collector, request.user)
        perms_needed = set()

        def describe(row):
            if (type(row), row.pk) in hidden:
                return None
            return self._describe_deleted(row, request, perms_needed)

        to_delete = _without_hidden(collector.nested(describe))
        model_count = {
            model._meta.verbose_name_plural: count
            for model, rows in collector.model_objs.items()
            if (count := sum((model, row.pk) not in hidden for row in rows))
        }
        protected = [text for text in map(describe, collector.protected) if text is not None]
        if hidden and request.method == "POST":
            protected.append(deletion.still_in_use(objs[0]).message)
        return to_delete, model_count, perms_needed, protected

    def _describe_deleted(self, row, request, perms_needed: set) -> str:
        """A row on the delete confirmation page: as Django's own, a link where it has one."""
        opts = row._meta
        if not self.admin_site.is_registered(type(row)):
            return f"{capfirst(opts.verbose_name)}: {row}"
        if not self.admin_site.get_model_admin(type(row)).has_delete_permission(request, row):
            perms_needed.add(opts.verbose_name)
        try:
            url = reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                args=[quote(row.pk)],
            )
        except NoReverseMatch:
            return f"{capfirst(opts.verbose_name)}: {row}"
        return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), url, row)


def _without_hidden(nested: list) -> list:
    """``NestedObjects.nested`` output without the rows described as None (and what hangs
    under them: a list right after an item holds that item's children)."""
    kept, skip_children = [], False
    for item in nested:
        if isinstance(item, list):
            if not skip_children:
                kept.append(_without_hidden(item))
            skip_children = False
        elif item is None:
            skip_children = True
        else:
            kept.append(item)
            skip_children = False
    return kept


def _contacts_shown(row, user, columns: set | None = None) -> list:
    """The contacts a row's page names (only ``columns`` of a list): itself, those its
    foreign keys name (through a channel too) and, on its page, its many-to-many ones."""
    if isinstance(row, Contact):
        return [row]
    shown = []
    for field in row._meta.concrete_fields:
        if columns is not None and field.name not in columns:
            continue
        if field.is_relation and field.related_model in (Contact, Channel):
            target = getattr(row, field.name)
            shown.append(target.contact if isinstance(target, Channel) else target)
    for field in row._meta.many_to_many if columns is None else ():
        if field.related_model is Contact:
            shown += getattr(row, field.name).visible_to(user)
    return [contact for contact in shown if contact is not None]


class VisibleCountryFilter(CountryFilter):
    """Only the countries of rows the user may see (the stock filter reads every row)."""

    def lookup_choices(self, changelist):
        codes = set(
            changelist.root_queryset.order_by().values_list(self.field_path, flat=True).distinct()
        )
        for code, name in self.field.get_choices(include_blank=False):
            if code in codes:
                yield code, name


@admin.register(Team)
class TeamAdmin(VisibleToAdminMixin, admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name", "members__username"]
    filter_horizontal = ["members"]
    ordering = ["name"]


@admin.register(OfficerProfile)
class OfficerProfileAdmin(VisibleToAdminMixin, admin.ModelAdmin):
    list_display = ["user", "language", "timezone", "digest_hour"]
    list_filter = ["language", "digest_hour"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
    ordering = ["user__username", "pk"]


def _quoted(bit: str) -> bool:
    return len(bit) > 1 and bit[0] in "\"'" and bit[-1] == bit[0]


def search_terms(search_term: str) -> list[str]:
    """The admin's search box read as the admin reads it: words, or quoted phrases."""
    return [
        unescape_string_literal(bit) if _quoted(bit) else bit for bit in smart_split(search_term)
    ]


class SharedSearchMixin:
    """The admin's search through the model's own ``search`` (``ContactQuerySet.search``,
    ``OrganizationQuerySet.search``), each word or phrase in turn, so that the admin finds
    what the web list and the API find: names in any script and folded across scripts
    ("Ирина" finds "Irina"), from the trigram indexes. ``search_fields`` only shows the
    box; the queryset searched is the mixin's ``visible_to`` one."""

    search_with: dict = {}

    def get_search_results(self, request, queryset, search_term):
        for term in search_terms(search_term):
            queryset = queryset.search(term, **self.search_with)
        return queryset, False


@admin.register(Organization)
class OrganizationAdmin(SharedSearchMixin, VisibleToAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "native_name", "kind", "country", "city", "updated_at"]
    list_filter = ["kind", ("country", VisibleCountryFilter)]
    search_fields = ["name", "native_name", "city"]  # the box: SharedSearchMixin searches
    formfield_overrides = HTTPS_URL_FIELDS
    ordering = ["name", "pk"]


@admin.register(Tag)
class TagAdmin(VisibleToAdminMixin, admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    ordering = ["name"]


class AffiliationInline(VisibleToAdminMixin, admin.TabularInline):
    model = Affiliation
    fields = ["organization", "role", "starts_on", "ends_on"]
    autocomplete_fields = ["organization"]
    ordering = ["-starts_on", "pk"]
    extra = 0


class GrantInline(VisibleToAdminMixin, admin.TabularInline):
    """Grants on a restricted or protected contact, managed by its owner (or a superuser)
    through services.grant_access / revoke_access (see ContactAdmin.save_formset)."""

    model = Grant
    fk_name = "contact"
    fields = ["user", "granted_by", "created_at"]
    readonly_fields = ["granted_by", "created_at"]
    autocomplete_fields = ["user"]
    ordering = ["user__username", "pk"]
    extra = 0

    def _manages(self, request, contact) -> bool:
        return contact is not None and may_manage_grants(request.user, contact)

    def has_add_permission(self, request, obj=None):
        return self._manages(request, obj)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self._manages(request, obj)


@admin.register(Contact)
class ContactAdmin(SharedSearchMixin, VisibleToAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "full_name",
        "native_name",
        "category",
        "organization",
        "country",
        "layer",
        "sensitivity",
        "owner",
        "updated_at",
    ]
    list_filter = [
        "category",
        "layer",
        "sensitivity",
        "language",
        ("country", VisibleCountryFilter),
        # Only the tags of contacts on the list: a tag only a hidden contact carries is not
        # offered.
        ("tags", admin.RelatedOnlyFieldListFilter),
    ]
    # The box; SharedSearchMixin searches the names in any script, the organization's and
    # the e-mail address, as the API's ?search= does.
    search_fields = ["full_name", "native_name", "email"]
    search_with = {"emails": True}
    autocomplete_fields = ["organization", "owner"]
    filter_horizontal = ["tags"]
    list_select_related = ["organization", "owner"]
    ordering = ["full_name", "pk"]
    inlines = [AffiliationInline, GrantInline]

    def get_readonly_fields(self, request, obj=None):
        # Who owns a contact and how sensitive it is decide who may see it: only the owner
        # (or a superuser) changes them, or a teammate could take a contact over.
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not is_owner(request.user, obj):
            readonly += ["owner", "sensitivity"]
        return readonly

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}

    def has_delete_permission(self, request, obj=None):
        # Its owner (or a superuser) deletes a contact, as on the web and the API.
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or is_owner(request.user, obj))

    def delete_model(self, request, obj):
        services.delete_contact(obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for contact in queryset:
            services.delete_contact(contact, user=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Grant:
            return super().save_formset(request, form, formset, change)
        contact = form.instance
        grants = formset.save(commit=False)
        try:
            for grant in formset.deleted_objects:
                services.revoke_access(contact=contact, user=grant.user, revoked_by=request.user)
            for grant in grants:
                services.grant_access(contact=contact, user=grant.user, granted_by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        return None


class ReadOnlyAdminMixin:
    """Rows written by the application only: nobody adds, edits or deletes them here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, VisibleToAdminMixin, admin.ModelAdmin):
    records_views = False  # reading the log is auditing it, not a view of the contact
    list_display = ["viewed_at", "user", "contact", "surface"]
    list_filter = ["surface"]
    search_fields = ["user__username", "contact__full_name", "contact__native_name"]
    date_hierarchy = "viewed_at"
    list_select_related = ["user", "contact"]
    ordering = ["-viewed_at", "-pk"]


@admin.register(ErasureRecord)
class ErasureRecordAdmin(ReadOnlyAdminMixin, VisibleToAdminMixin, admin.ModelAdmin):
    """Erasures of contacts the user may see (of a deleted contact: superusers only)."""

    visible_through = "contact"
    list_display = ["erased_at", "erased_contact_id", "erased_by", "reason"]
    date_hierarchy = "erased_at"
    list_select_related = ["erased_by"]
    ordering = ["-erased_at", "-pk"]


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdminMixin, VisibleToAdminMixin, admin.ModelAdmin):
    """Grants are listed here and managed on the contact's page, by its owner."""

    visible_through = "contact"
    list_display = ["contact", "user", "granted_by", "created_at"]
    search_fields = ["contact__full_name", "contact__native_name", "user__username"]
    autocomplete_fields = ["contact", "user", "granted_by"]
    list_select_related = ["contact", "user", "granted_by"]
    ordering = ["contact__full_name", "user__username", "pk"]


@admin.register(Affiliation)
class AffiliationAdmin(VisibleToAdminMixin, SimpleHistoryAdmin):
    list_display = ["contact", "organization", "role", "starts_on", "ends_on"]
    list_filter = ["organization__kind"]
    search_fields = [
        "contact__full_name",
        "contact__native_name",
        "organization__name",
        "organization__native_name",
        "role",
    ]
    autocomplete_fields = ["contact", "organization"]
    list_select_related = ["contact", "organization"]
    ordering = ["contact__full_name", "-starts_on", "pk"]


@admin.register(Channel)
class ChannelAdmin(VisibleToAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "contact",
        "officer",
        "kind",
        "priority",
        "cadence_days",
        "status",
        "last_touch_at",
        "next_due_at",
        "overdue",
    ]
    list_filter = ["status", "kind", "priority", "contact__category", "contact__layer"]
    search_fields = ["contact__full_name", "contact__native_name", "officer__username"]
    autocomplete_fields = ["contact", "officer"]
    # Kept by the keep-in-touch engine from exchanges, attendances and dismissals.
    readonly_fields = ["last_touch_at", "count_restarted_at", "next_due_at", "overdue"]
    list_select_related = ["contact", "officer"]
    ordering = ["contact__full_name", "officer__username", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_due(timezone.now())

    # Officers manage their own channels, as on the web and the API.

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may_manage_channel(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or may_manage_channel(request.user, obj))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "officer" and not request.user.is_superuser:
            kwargs["queryset"] = get_user_model().objects.filter(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # One write path with the web and the API: contacts.services.
        obj._history_user = request.user  # as SimpleHistoryAdmin.save_model does
        now = timezone.now()
        if change:
            services.change_channel(obj, now=now, **form.cleaned_data)
        else:
            opened = ("contact", "officer", "kind", "priority", "cadence_days", "status")
            fields = {name: form.cleaned_data[name] for name in opened}
            _adopt(obj, services.open_channel(now=now, **fields))

    @admin.display(description=_("next due"), ordering="next_due_at")
    def next_due_at(self, channel):
        return getattr(channel, "next_due_at", None)

    @admin.display(description=_("overdue"), boolean=True, ordering="overdue")
    def overdue(self, channel):
        return getattr(channel, "overdue", None)


def _adopt(obj, created) -> None:
    """Make the admin's unsaved instance the row a service created: the log entry and the
    redirect that follow read its primary key."""
    obj.pk = created.pk
    obj._state.adding = False
    obj._state.db = created._state.db


class ExchangeAdminForm(forms.ModelForm):
    """An exchange in the future is a form error (the services refuse it too)."""

    def clean_occurred_at(self):
        occurred_at = self.cleaned_data["occurred_at"]
        try:
            services.check_occurred_at(occurred_at, now=timezone.now())
        except DomainError as error:
            raise forms.ValidationError(error.message, code="future") from error
        return occurred_at


@admin.register(Exchange)
class ExchangeAdmin(VisibleToAdminMixin, SimpleHistoryAdmin):
    list_display = ["occurred_at", "kind", "summary", "follow_up_on", "created_by"]
    list_filter = ["kind", "follow_up_on"]
    search_fields = ["summary", "contacts__full_name", "contacts__native_name"]
    autocomplete_fields = ["contacts", "officers", "created_by"]
    date_hierarchy = "occurred_at"
    list_select_related = ["created_by"]
    ordering = ["-occurred_at", "-pk"]

    form = ExchangeAdminForm

    # Its author and officers change or delete an exchange, as on the web and the API.

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may_change_exchange(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or may_change_exchange(request.user, obj))

    # Exchanges are logged, changed and deleted by the services, as on the web and the API:
    # an exchange counts as a touch for its channels.

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user  # as SimpleHistoryAdmin.save_model does
        fields = dict(form.cleaned_data)
        contacts, officers = fields.pop("contacts"), fields.pop("officers")
        if "topics" in fields:
            fields["topics"] = fields["topics"] or []  # an emptied JSON field cleans to None
        now = timezone.now()
        if change:
            hidden = self._hidden_many_to_many(request, form).get("contacts", [])
            contacts = [*contacts, *hidden]
            services.update_exchange(obj, now=now, contacts=contacts, officers=officers, **fields)
        else:
            exchange = services.log_exchange(
                contacts=contacts, officers=officers, now=now, **fields
            )
            _adopt(obj, exchange)

    def save_related(self, request, form, formsets, change):
        # save_model's service set the contacts and officers already.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        services.delete_exchange(obj, now=timezone.now())

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        now = timezone.now()
        for exchange in queryset:
            services.delete_exchange(exchange, now=now)


@admin.register(RecordedMonth)
class RecordedMonthAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The month starts whose channel states the network-health indicators read."""

    list_display = ["starts_on", "starts_at", "recorded_at"]
    date_hierarchy = "starts_on"
    ordering = ["-starts_on"]


@admin.register(Climate)
class ClimateAdmin(VisibleToAdminMixin, SimpleHistoryAdmin):
    list_display = ["level", "started_at", "note", "created_by"]
    list_filter = ["level"]
    search_fields = ["note"]
    autocomplete_fields = ["created_by"]
    date_hierarchy = "started_at"
    list_select_related = ["created_by"]
    ordering = ["-started_at", "-pk"]

    # Levels are recorded, changed and deleted by the services, as through the API: a level
    # dated in the past changes the channels' states after it (contacts.states).

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user  # as SimpleHistoryAdmin.save_model does
        if change:
            services.change_climate_level(obj, **form.cleaned_data)
        else:
            _adopt(obj, services.record_climate_level(**form.cleaned_data))

    def delete_model(self, request, obj):
        services.delete_climate_levels(Climate.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        services.delete_climate_levels(queryset)


@admin.register(Reminder)
class ReminderAdmin(VisibleToAdminMixin, admin.ModelAdmin):
    list_display = ["kind", "recipient", "channel", "due_at", "status", "snoozed_until"]
    list_filter = ["kind", "status"]
    search_fields = ["recipient__username", "channel__contact__full_name"]
    autocomplete_fields = ["recipient", "channel", "exchange"]
    list_select_related = [
        "recipient",
        "channel__contact",
        "channel__officer",
        "exchange",
    ]
    ordering = ["due_at", "pk"]
