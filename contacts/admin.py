"""The Django admin for contacts, channels, exchanges, climate and reminders.

Every admin here is scoped by ``visible_to(user)`` through ``VisibleToAdminMixin``: the
changelist, search, change page, autocomplete and the choices offered in forms.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects, unquote
from django.core.exceptions import PermissionDenied
from django.db import models, router
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django_countries.filters import CountryFilter
from simple_history.admin import SimpleHistoryAdmin

from contacts import services, signals_import, states
from contacts.errors import DomainError
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
    Signal,
    Tag,
    Team,
)
from contacts.rest import notes_allowed

# Django 6 assumes https for a scheme-less URL typed into a form; so do we, already.
HTTPS_URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


def _is_scoped(model) -> bool:
    return hasattr(model._default_manager, "visible_to")


def _visible(model, user):
    return model._default_manager.visible_to(user)


class VisibleToAdminMixin:
    """Admin (or inline) whose rows and choices go through ``visible_to(request.user)``.

    ``visible_through`` names a foreign key for models without their own ``visible_to``
    (a grant is visible when its contact is).
    """

    visible_through: str | None = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if _is_scoped(self.model):
            queryset = queryset.visible_to(request.user)
        elif self.visible_through:
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
        self._get_visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history reads the version without get_queryset(): scope it here.
        self._get_visible_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

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
        # The form only offers visible choices, so saving it would silently unlink the
        # many-to-many rows (a programme's participants) that this user cannot see.
        hidden = self._hidden_many_to_many(request, form) if change else {}
        super().save_related(request, form, formsets, change)
        for name, rows in hidden.items():
            getattr(form.instance, name).add(*rows)

    def _hidden_many_to_many(self, request, form) -> dict[str, list]:
        hidden = {}
        for field in form.instance._meta.many_to_many:
            if field.name in form.fields and _is_scoped(field.related_model):
                visible = _visible(field.related_model, request.user).values("pk")
                rows = list(getattr(form.instance, field.name).exclude(pk__in=visible))
                if rows:
                    hidden[field.name] = rows
        return hidden

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # The confirmation page lists (and counts) every row a delete cascades to; one the
        # user may not see must neither be shown nor deleted, so the delete is refused.
        hidden = self._hidden_cascade(objs, request.user)
        if hidden:
            return [], {}, set(perms_needed) | hidden, protected
        return deleted, model_count, perms_needed, protected

    def _hidden_cascade(self, objs, user) -> set[str]:
        if user.is_superuser or not objs:
            return set()
        collector = NestedObjects(using=router.db_for_write(self.model))
        collector.collect(objs)
        hidden = set()
        for model, rows in collector.data.items():
            if _is_scoped(model):
                pks = {row.pk for row in rows}
                if _visible(model, user).filter(pk__in=pks).count() != len(pks):
                    hidden.add(str(model._meta.verbose_name))
        return hidden


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
    list_display = ["user", "timezone", "digest_hour"]
    list_filter = ["digest_hour"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
    ordering = ["user__username", "pk"]


@admin.register(Organization)
class OrganizationAdmin(VisibleToAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "native_name", "kind", "country", "city", "updated_at"]
    list_filter = ["kind", ("country", VisibleCountryFilter)]
    search_fields = ["name", "native_name", "city", "website"]
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
        return (
            contact is not None
            and contact.sensitivity != "standard"
            and (request.user.is_superuser or contact.owner_id == request.user.pk)
        )

    def has_add_permission(self, request, obj=None):
        return self._manages(request, obj)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self._manages(request, obj)


@admin.register(Contact)
class ContactAdmin(VisibleToAdminMixin, SimpleHistoryAdmin):
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
    list_filter = ["category", "layer", "sensitivity", ("country", VisibleCountryFilter), "tags"]
    search_fields = [
        "full_name",
        "native_name",
        "email",
        "organization__name",
        "organization__native_name",
    ]
    autocomplete_fields = ["organization", "owner"]
    filter_horizontal = ["tags"]
    list_select_related = ["organization", "owner"]
    ordering = ["full_name", "pk"]
    inlines = [AffiliationInline, GrantInline]

    def get_readonly_fields(self, request, obj=None):
        # Who owns a contact and how sensitive it is decide who may see it: only the owner
        # (or a superuser) changes them, or a teammate could take a contact over.
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not (request.user.is_superuser or obj.owner_id == request.user.pk):
            readonly += ["owner", "sensitivity"]
        return readonly

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._record_view(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._record_view(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._record_view(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _record_view(self, request, object_id) -> None:
        contact = self.get_object(request, unquote(object_id))
        if contact is not None:
            AccessLog.objects.record(
                user=request.user,
                contacts=[contact],
                surface=AccessLog.Surface.ADMIN,
                now=timezone.now(),
            )

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
    list_display = ["viewed_at", "user", "contact", "surface"]
    list_filter = ["surface"]
    search_fields = ["user__username", "contact__full_name", "contact__native_name"]
    date_hierarchy = "viewed_at"
    list_select_related = ["user", "contact"]
    ordering = ["-viewed_at", "-pk"]


@admin.register(ErasureRecord)
class ErasureRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["erased_at", "contact_number", "erased_by", "reason"]
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

    @admin.display(description="next due", ordering="next_due_at")
    def next_due_at(self, channel):
        return getattr(channel, "next_due_at", None)

    @admin.display(description="overdue", boolean=True, ordering="overdue")
    def overdue(self, channel):
        return getattr(channel, "overdue", None)


@admin.register(Exchange)
class ExchangeAdmin(VisibleToAdminMixin, SimpleHistoryAdmin):
    list_display = ["occurred_at", "kind", "summary", "follow_up_on", "created_by"]
    list_filter = ["kind", "follow_up_on"]
    search_fields = ["summary", "contacts__full_name", "contacts__native_name"]
    autocomplete_fields = ["contacts", "officers", "created_by"]
    date_hierarchy = "occurred_at"
    list_select_related = ["created_by"]
    ordering = ["-occurred_at", "-pk"]

    # An exchange counts as a touch: after any change here, its channels' latest touch and
    # recorded month-start states are computed again (before and after, for an edit).

    def save_model(self, request, obj, form, change):
        obj.parties_before = services.exchange_parties(obj) if change else (set(), set())
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        exchange = form.instance
        before = getattr(exchange, "parties_before", (set(), set()))
        services.touches_changed(before, services.exchange_parties(exchange), now=timezone.now())

    def delete_model(self, request, obj):
        services.delete_exchange(obj, now=timezone.now())

    def delete_queryset(self, request, queryset):
        before = services.exchange_parties(queryset)
        super().delete_queryset(request, queryset)
        services.touches_changed(before, now=timezone.now())


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

    # A level dated in the past changes the channels' states after it (contacts.states).

    def save_model(self, request, obj, form, change):
        before = Climate.objects.filter(pk=obj.pk).values_list("started_at", flat=True).first()
        super().save_model(request, obj, form, change)
        states.forget_months_from(min(filter(None, [before, obj.started_at])))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        states.forget_months_from(obj.started_at)

    def delete_queryset(self, request, queryset):
        earliest = min(queryset.values_list("started_at", flat=True), default=None)
        super().delete_queryset(request, queryset)
        if earliest is not None:
            states.forget_months_from(earliest)


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


@admin.register(Signal)
class SignalAdmin(SimpleHistoryAdmin):
    """Signals, entered one by one or from a CSV file (the "Import CSV" button)."""

    form = signals_import.SignalForm
    list_display = ["occurred_on", "kind", "title", "organization", "theme", "tone", "layer"]
    list_filter = ["kind", "theme", "tone", "layer", "severity", "outcome"]
    search_fields = ["title", "platform", "organization__name"]
    autocomplete_fields = ["organization"]
    date_hierarchy = "occurred_on"
    list_select_related = ["organization"]
    ordering = ["-occurred_on", "-pk"]
    formfield_overrides = HTTPS_URL_FIELDS

    def get_exclude(self, request, obj=None):
        # Analysts see aggregates, never notes.
        exclude = list(super().get_exclude(request, obj) or [])
        return exclude if notes_allowed(request.user) else [*exclude, "note"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        upload = path(
            "import/",
            self.admin_site.admin_view(self.import_csv_view),
            name="contacts_signal_import",
        )
        return [upload, *super().get_urls()]

    def import_csv_view(self, request):
        """Upload a CSV file: all rows are stored, or none and a per-row report."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = signals_import.SignalCsvForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            report = signals_import.import_signals_csv(
                file=form.cleaned_data["file"], user=request.user, now=timezone.now()
            )
            if report.ok:
                self.message_user(request, f"Imported {report.created} signal(s).")
                return redirect("admin:contacts_signal_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import signals from a CSV file",
            "form": form,
            "report": report,
            "columns": signals_import.COLUMNS,
            "required_columns": signals_import.REQUIRED_COLUMNS,
        }
        return TemplateResponse(request, "admin/contacts/signal/import_csv.html", context)
