"""The signals the indicators read: listed for everyone, logged one by one or from a CSV
file by officers, leads and admins (as in the API)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from contacts.access import EDITORS, has_any_role, require_any_role
from indicators.forms import SignalFilterForm
from indicators.models import Signal
from indicators.signals_import import (
    COLUMNS,
    REQUIRED_COLUMNS,
    SignalCsvForm,
    SignalForm,
    import_signals_csv,
)

# Signals: logged by officers, leads and admins (as in the API); read by everyone

SIGNAL_PAGE_SIZE = 25


def _writes_signals(user) -> bool:
    return has_any_role(user, EDITORS)


def _require_signal_writer(user) -> None:
    require_any_role(user, EDITORS, gettext("Officers, leads and admins log signals."))


@login_required
def signal_list(request):
    """Logged signals, newest first, by kind; no notes (analysts read this list too)."""
    form = SignalFilterForm(request.GET)
    signals = Signal.objects.select_related("organization").order_by("-occurred_on", "-pk")
    if form.is_valid() and form.cleaned_data["kind"]:
        signals = signals.filter(kind=form.cleaned_data["kind"])
    page = Paginator(signals, SIGNAL_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "can_write": _writes_signals(request.user)}
    return render(request, "indicators/signal_list.html", context)


@login_required
def signal_create(request):
    """Log one signal with the rules of its kind (the form the admin uses)."""
    _require_signal_writer(request.user)
    form = SignalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        signal = form.save(commit=False)
        signal.created_by = request.user
        signal.save()
        messages.success(request, gettext("Logged: %(signal)s.") % {"signal": signal})
        return redirect("signal_list")
    return render(request, "indicators/signal_form.html", {"form": form})


@login_required
def signal_upload(request):
    """Upload a CSV file of signals: every row is stored, or none and a per-row report."""
    _require_signal_writer(request.user)
    form = SignalCsvForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = import_signals_csv(
            file=form.cleaned_data["file"], user=request.user, now=timezone.now()
        )
        if report.ok:
            message = ngettext(
                "Imported %(count)d signal.", "Imported %(count)d signals.", report.created
            ) % {"count": report.created}
            messages.success(request, message)
            return redirect("signal_list")
    context = {
        "form": form,
        "report": report,
        "columns": COLUMNS,
        "required_columns": REQUIRED_COLUMNS,
    }
    return render(request, "indicators/signal_upload.html", context)
