"""The admin of signals, entered one by one or from a CSV file."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from simple_history.admin import SimpleHistoryAdmin

from contacts.access import may_read_notes
from contacts.admin import HTTPS_URL_FIELDS
from indicators import signals_import
from indicators.models import Signal


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
        return exclude if may_read_notes(request.user) else [*exclude, "note"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        upload = path(
            "import/",
            self.admin_site.admin_view(self.import_csv_view),
            name="indicators_signal_import",
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
                message = ngettext(
                    "Imported %(count)d signal.", "Imported %(count)d signals.", report.created
                ) % {"count": report.created}
                self.message_user(request, message)
                return redirect("admin:indicators_signal_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import signals from a CSV file"),
            "form": form,
            "report": report,
            "columns": signals_import.COLUMNS,
            "required_columns": signals_import.REQUIRED_COLUMNS,
        }
        return TemplateResponse(request, "admin/indicators/signal/import_csv.html", context)
