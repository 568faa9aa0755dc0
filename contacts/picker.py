"""The pickers' endpoints: JSON lists of the contacts, officers, staff and organizations
whose names match what the user types, for the type-ahead pickers (``contacts/widgets.py``).

Each answers at most ``PICK_LIMIT`` results, by name (contacts whose names begin with what
was typed first), over the same reads as the pages:
contacts through ``visible_to`` and the contacts list's own search, so a picker never
offers a contact that its user may not see, and each protected contact it offers is an
access-logged view, as on any page that names it.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import JsonResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from contacts.forms import ContactChoiceField
from contacts.models import Contact, Organization, Sensitivity
from contacts.people import display_name, officers
from contacts.views import record_web_views

PICK_LIMIT = 20

_CONTACT_FIELD = ContactChoiceField(queryset=Contact.objects.none())


class PickForm(forms.Form):
    """What the user typed, as long as the lists' own search boxes accept."""

    q = forms.CharField(required=False, max_length=200)
    me = forms.BooleanField(required=False)
    # A contact not to offer: the one a merge page is about.
    exclude = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


def _parse(request) -> dict | None:
    form = PickForm(request.GET)
    return form.cleaned_data if form.is_valid() else None


def _answer(results) -> JsonResponse:
    return JsonResponse({"results": results})


def _refused() -> JsonResponse:
    return JsonResponse(
        {"results": [], "error": gettext("Type at most 200 characters.")}, status=400
    )


@login_required
@require_GET
def pick_contacts(request):
    """Contacts the user may see that match ``q`` (an erased one is no one to pick)."""
    query = _parse(request)
    if query is None:
        return _refused()
    contacts = list(
        Contact.objects.visible_to(request.user)
        .search(query["q"])
        .filter(erased_at__isnull=True)
        .exclude(pk=query["exclude"] or 0)
        .select_related("organization")
        .by_relevance(query["q"])[:PICK_LIMIT]
    )
    record_web_views(request, contacts)
    return _answer(
        [
            {
                "id": contact.pk,
                "label": _CONTACT_FIELD.label_from_instance(contact),
                "detail": _contact_detail(contact),
            }
            for contact in contacts
        ]
    )


def _contact_detail(contact) -> str:
    """The organization and, when it is not standard, the sensitivity."""
    parts = [contact.organization.name] if contact.organization else []
    if contact.sensitivity != Sensitivity.STANDARD:
        parts.append(contact.sensitivity.capitalize())  # the label's first word
    return " · ".join(parts)


@login_required
@require_GET
def pick_officers(request):
    """Officers matching ``q``, the user left out unless ``me`` asks for them."""
    query = _parse(request)
    if query is None:
        return _refused()
    people = officers()
    if not query["me"]:
        people = people.exclude(pk=request.user.pk)
    return _answer(_people(people, query["q"]))


@login_required
@require_GET
def pick_staff(request):
    """Active users matching ``q`` (event planners, for instance)."""
    query = _parse(request)
    if query is None:
        return _refused()
    people = get_user_model().objects.filter(is_active=True)
    return _answer(
        _people(people.order_by("first_name", "last_name", "username", "pk"), query["q"])
    )


def _people(users, term: str) -> list[dict]:
    """``users`` whose names or username contain every word of ``term``, by name."""
    for word in term.split():
        users = users.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
        )
    return [
        {"id": user.pk, "label": display_name(user), "detail": ""} for user in users[:PICK_LIMIT]
    ]


@login_required
@require_GET
def pick_organizations(request):
    """Organizations matching ``q`` as the organizations list searches them."""
    query = _parse(request)
    if query is None:
        return _refused()
    organizations = Organization.objects.search(query["q"]).order_by("name", "pk")[:PICK_LIMIT]
    return _answer(
        [
            {
                "id": organization.pk,
                "label": organization.name,
                "detail": ", ".join(
                    part for part in (organization.city, organization.country.name) if part
                ),
            }
            for organization in organizations
        ]
    )
