"""Programme pages that write: create and edit a programme, for planners, leads and admins
(``PROGRAMME_MANAGERS``, as the API's programmes/). Saving goes through
``events.services.save_programme``, so participants hidden from the editor stay linked."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from contacts.access import PROGRAMME_MANAGERS, has_any_role, require_any_role
from contacts.views import offered_protected, record_web_views
from events import services
from events.forms import ProgrammeForm
from events.models import Programme


def may_manage_programmes(user) -> bool:
    """Whether the user creates and edits programmes."""
    return has_any_role(user, PROGRAMME_MANAGERS)


def _require_programme_manager(user) -> None:
    require_any_role(
        user, PROGRAMME_MANAGERS, _("Only planners, leads and admins edit programmes.")
    )


def _posted(request):
    """The posted data on a POST (even an empty one, which must be a form error)."""
    return request.POST if request.method == "POST" else None


@login_required
def programme_create(request):
    _require_programme_manager(request.user)
    form = ProgrammeForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        programme = _save(request, form)
        messages.success(request, _("%(title)s was added.") % {"title": programme.title})
        return redirect("events:programme_detail", pk=programme.pk)
    return _render_form(request, form, programme=None)


@login_required
def programme_edit(request, pk):
    programme = get_object_or_404(Programme, pk=pk)
    _require_programme_manager(request.user)
    title = programme.title  # the heading keeps the saved title while the form has errors
    form = ProgrammeForm(_posted(request), instance=programme, user=request.user)
    if request.method == "POST" and form.is_valid():
        programme = _save(request, form)
        messages.success(request, _("%(title)s was saved.") % {"title": programme.title})
        return redirect("events:programme_detail", pk=programme.pk)
    return _render_form(request, form, programme=programme, title=title)


def _save(request, form) -> Programme:
    data = form.cleaned_data
    return services.save_programme(
        programme=form.instance,
        by=request.user,
        partners=data["partners"],
        participants=data["participants"],
        officers=data["officers"],
    )


def _render_form(request, form, *, programme, title=""):
    record_web_views(request, offered_protected(form["participants"]))
    context = {"form": form, "programme": programme, "title": title}
    return render(request, "events/programme_form.html", context)
