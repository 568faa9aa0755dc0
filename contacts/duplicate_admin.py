"""The admin of duplicates: "Merge the two selected contacts" on the contacts list (the same
preview as the web page, then ``services.merge_contacts``), the merges (read-only, with
"Undo the selected merges") and the review queue (read-only). Registered when
``trackii.admin`` adds the action to the contacts' admin."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from contacts import duplicates, merging, services
from contacts.admin import ReadOnlyAdminMixin, VisibleToAdminMixin
from contacts.admin_lookups import GuardedLookupsMixin
from contacts.duplicate_views import preview_context
from contacts.errors import DomainError
from contacts.forms import MergeForm
from contacts.models import AccessLog, Contact, ContactMerge, DuplicatePair


@admin.action(description=_("Merge the two selected contacts…"))
def merge_selected(modeladmin, request, queryset):
    contacts = list(queryset.order_by("pk")[:3])
    if len(contacts) != 2:
        modeladmin.message_user(
            request, gettext("Select exactly two contacts to merge."), messages.ERROR
        )
        return None
    keep, other = contacts
    if request.POST.get("keep") == str(other.pk):
        keep, other = other, keep
    try:
        preview = merging.preview(request.user, keep, other)
    except (DomainError, PermissionDenied, Http404) as error:
        modeladmin.message_user(request, getattr(error, "message", str(error)), messages.ERROR)
        return None
    confirmed = request.POST.get("confirmed") == "yes"
    form = MergeForm(request.POST if confirmed else None, preview=preview)
    if confirmed and form.is_valid():
        try:
            services.merge_contacts(
                request.user,
                keep,
                other,
                choices=form.choices(),
                surface=AccessLog.Surface.ADMIN,
                now=timezone.now(),
            )
        except DomainError as error:
            modeladmin.message_user(request, error.message, messages.ERROR)
        else:
            modeladmin.message_user(
                request,
                gettext("#%(other)s was merged into #%(kept)s %(name)s.")
                % {"other": other.pk, "kept": keep.pk, "name": keep.full_name},
            )
        return None
    AccessLog.objects.record(
        user=request.user,
        contacts=[keep, other],
        surface=AccessLog.Surface.ADMIN,
        now=timezone.now(),
    )
    context = {
        **modeladmin.admin_site.each_context(request),
        **preview_context(keep, other, preview, form),
        "opts": modeladmin.model._meta,
        "title": gettext("Merge #%(other)s into #%(kept)s?") % {"other": other.pk, "kept": keep.pk},
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/contacts/contact/merge_preview.html", context)


@admin.action(description=_("Undo the selected merges"))
def undo_selected(modeladmin, request, queryset):
    undone = 0
    for record in queryset.order_by("-merged_at", "-pk"):
        try:
            record = services.undo_merge(
                request.user, record, surface=AccessLog.Surface.ADMIN, now=timezone.now()
            )
        except (DomainError, PermissionDenied) as error:
            message = getattr(error, "message", str(error))
            modeladmin.message_user(request, f"#{record.pk}: {message}", messages.WARNING)
            continue
        undone += 1
        for line in merging.undo_report_lines(record, request.user):
            modeladmin.message_user(request, f"#{record.pk}: {line}", messages.WARNING)
    modeladmin.message_user(
        request,
        ngettext("Undid %(count)d merge.", "Undid %(count)d merges.", undone) % {"count": undone},
    )


@admin.register(ContactMerge)
class ContactMergeAdmin(ReadOnlyAdminMixin, VisibleToAdminMixin, admin.ModelAdmin):
    """Merges into contacts the user may see."""

    list_display = ["merged_at", "kept", "merged_contact_id", "merged_by", "undone_at"]
    list_select_related = ["kept", "merged_by"]
    date_hierarchy = "merged_at"
    ordering = ["-merged_at", "-pk"]
    # The undo's report as the reader may see it: the rows it left are counted for each.
    exclude = ["snapshot", "kept_notes", "merged_notes", "undo_report"]
    readonly_fields = ["undo_report_shown"]
    actions = [undo_selected]

    def get_object(self, request, object_id, from_field=None):
        record = super().get_object(request, object_id, from_field)
        if record is not None:
            record.lines_shown = merging.undo_report_lines(record, request.user)
        return record

    @admin.display(description=_("undo report"))
    def undo_report_shown(self, record):
        lines = getattr(record, "lines_shown", [])  # get_object's, for the page's reader
        return format_html_join("\n", "<p>{}</p>", ((line,) for line in lines))


@admin.register(DuplicatePair)
class DuplicatePairAdmin(ReadOnlyAdminMixin, GuardedLookupsMixin, admin.ModelAdmin):
    """The review queue as the nightly finder left it: pairs both of whose contacts the
    user may see."""

    list_display = ["contact_a", "contact_b", "score", "reasons_shown", "status", "found_at"]
    # The pair's page too names the reasons, not their codes.
    fields = [
        "contact_a",
        "contact_b",
        "score",
        "reasons_shown",
        "status",
        "found_at",
        "decided_by",
        "decided_at",
    ]
    readonly_fields = ["reasons_shown"]
    list_filter = ["status"]
    list_select_related = ["contact_a", "contact_b"]
    ordering = ["-score", "pk"]

    def get_queryset(self, request):
        visible = Contact.objects.visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(contact_a__in=visible, contact_b__in=visible)

    @admin.display(description=_("reasons"))
    def reasons_shown(self, pair):
        """The rules the pair met in the reader's language, as the web's review page names
        them (stored as codes)."""
        return duplicates.reasons_shown(pair.reasons)
