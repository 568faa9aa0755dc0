"""The admin of imports: the batches (read-only, scoped to their importer; admins see all),
their rows (read-only), an upload through the add page, and the actions "import" and
"revert", which call the same ``contacts.imports`` steps as the web app and the API."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from contacts import imports
from contacts.access import may_import
from contacts.admin_lookups import GuardedLookupsMixin
from contacts.imports.forms import ImportUploadForm
from contacts.models import Contact, ImportBatch, ImportRow


@admin.register(ImportBatch)
class ImportBatchAdmin(GuardedLookupsMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "file_name",
        "importer",
        "status",
        "row_count",
        "invalid_count",
        "created_at",
    ]
    list_filter = ["status", "file_format"]
    list_select_related = ["importer"]
    ordering = ["-created_at", "-id"]
    fields = [
        "file_name",
        "importer",
        "status",
        "file_format",
        "content",
        "encoding",
        "sensitivity",
        "default_category",
        "only_valid",
        "row_count",
        "new_count",
        "update_count",
        "duplicate_count",
        "invalid_count",
        "progress_done",
        "progress_total",
        "report",
        "rows_link",
        "created_at",
        "confirmed_at",
        "imported_at",
        "reverted_at",
    ]
    readonly_fields = fields
    actions = ["confirm_all", "confirm_valid", "revert"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        return may_import(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return may_import(request.user)

    @admin.display(description=_("rows"))
    def rows_link(self, batch):
        url = reverse("admin:contacts_importrow_changelist") + f"?batch__id__exact={batch.pk}"
        count = batch.rows.count()
        rows = ngettext("%(count)d row", "%(count)d rows", count) % {"count": count}
        return format_html('<a href="{}">{}</a>', url, rows)

    def add_view(self, request, form_url="", extra_context=None):
        """Upload a file: the preview runs in the background; the batch's page follows it."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                batch = imports.start_import(
                    user=request.user, now=timezone.now(), **form.cleaned_data
                )
            except imports.ImportRefused as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                self.message_user(
                    request,
                    gettext("%(file)s is being read; refresh to see it.")
                    % {"file": batch.file_name},
                )
                return redirect("admin:contacts_importbatch_change", batch.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import a file of contacts or organizations"),
            "form": form,
        }
        return TemplateResponse(request, "admin/contacts/importbatch/upload.html", context)

    @admin.action(description=_("Import the selected previews"), permissions=["import"])
    def confirm_all(self, request, queryset):
        done = _("%(batch)s: queued for import.")
        self._each(request, queryset, imports.confirm_import, done, only_valid=False)

    @admin.action(
        description=_("Import only the valid rows of the selected previews"),
        permissions=["import"],
    )
    def confirm_valid(self, request, queryset):
        done = _("%(batch)s: queued for import.")
        self._each(request, queryset, imports.confirm_import, done, only_valid=True)

    @admin.action(description=_("Revert the selected imports"), permissions=["import"])
    def revert(self, request, queryset):
        self._each(request, queryset, imports.revert_import, _("%(batch)s: queued for revert."))

    def _each(self, request, queryset, step, done, **options) -> None:
        """Run ``step`` on each batch; ``done``: the message of a batch it took (``%(batch)s``)."""
        for batch in queryset.order_by("pk"):
            try:
                step(batch, user=request.user, now=timezone.now(), **options)
            except (imports.ImportRefused, PermissionDenied) as error:
                message = getattr(error, "message", None) or str(error)
                self.message_user(request, f"{batch}: {message}", messages.ERROR)
            else:
                self.message_user(request, done % {"batch": batch})


@admin.register(ImportRow)
class ImportRowAdmin(GuardedLookupsMixin, admin.ModelAdmin):
    """The rows of the batches the user may see, read-only. The contact a row names is
    shown by id, and only when the user may see it."""

    list_display = ["batch", "number", "kind", "action", "score", "result", "name", "problems"]
    list_filter = ["action", "kind", "result"]
    list_select_related = ["batch"]
    ordering = ["batch", "kind", "number"]
    fields = [
        "batch",
        "number",
        "kind",
        "action",
        "score",
        "result",
        "contact_shown",
        "name",
        "problems",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        batches = ImportBatch.objects.visible_to(request.user)
        visible = Contact.objects.visible_to(request.user).filter(pk=OuterRef("contact_id"))
        return (
            super()
            .get_queryset(request)
            .filter(batch__in=batches)
            .annotate(contact_visible=Exists(visible))
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=pgettext_lazy("the person or organization a row names", "name"))
    def name(self, row):
        cells = row.cells or row.values.get("organization", {})
        return cells.get("full_name") or cells.get("name") or ""

    @admin.display(description=_("problems"))
    def problems(self, row):
        return "; ".join(
            f"{error['column']}: {imports.shown_text(error['message'])}"
            if error["column"]
            else imports.shown_text(error["message"])
            for error in row.errors
        )

    @admin.display(description=_("contact"))
    def contact_shown(self, row):
        return f"#{row.contact_id}" if row.contact_visible else "—"
