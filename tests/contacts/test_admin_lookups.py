"""The admin's changelist filters never cross to rows the reader may not see
(``contacts.admin_lookups.GuardedLookupsMixin``): Django allows any filter that crosses one
relation by id, so ``?contacts=<id>`` on the organizations, ``?participants=<id>`` on the
programmes or ``?owned_contacts=<id>`` on the users told a staff user that a hidden contact
exists, its organization, programmes, owner and tags. Such a filter now answers as it does
for an id that names nothing: 400."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from contacts.admin_lookups import names_contacts, reaches_hidden_rows
from contacts.models import Contact, Organization, Tag
from events.models import Event, Programme
from tests.admin_support import admin_url, make_staff, view_only_staff

NOTHING = 99_999_999


@pytest.mark.parametrize(
    ("model", "lookup"),
    [
        (Organization, "contacts"),
        (Organization, "contacts__id__in"),
        (Organization, "contacts__isnull"),
        (Programme, "participants"),
        (get_user_model(), "owned_contacts"),
        (Tag, "contacts"),
        (Event, "invitations"),
        (Event, "invitations__contact"),
    ],
)
def test_a_filter_through_a_hidden_contact_answers_as_one_through_nothing(
    client, admin_network, model, lookup
):
    viewer = view_only_staff(f"view_{model._meta.model_name}")
    client.force_login(viewer)
    hidden = admin_network.hidden
    value = "True" if lookup.endswith("isnull") else None
    url = admin_url(model, "changelist")
    if "invitations" in lookup and not lookup.endswith("contact"):
        ids = (admin_network.hidden_invitation.pk, NOTHING)
    else:
        ids = (hidden.pk, NOTHING)

    answers = [client.get(url, {lookup: value or found}) for found in ids]

    assert [answer.status_code for answer in answers] == [400, 400]
    assert answers[0].content == answers[1].content
    assert hidden.full_name not in answers[0].content.decode()


def test_a_superuser_may_filter_through_any_relation(client, admin_network):
    root = make_staff(get_user_model().objects.create_superuser("root", "root@example.org", "x"))
    client.force_login(root)

    url = admin_url(Programme, "changelist")
    response = client.get(url, {"participants": admin_network.hidden.pk})

    assert response.status_code == 200
    assert [str(row) for row in response.context["cl"].result_list] == ["Joint lab"]


def test_the_admins_own_filters_through_contacts_still_work(client, admin_network, owner):
    make_staff(owner)
    client.force_login(owner)

    channels = client.get(admin_url(admin_network.standard.channels.model, "changelist"), {
        "contact__category__exact": admin_network.standard.category
    })  # fmt: skip
    contacts = client.get(admin_url(Contact, "changelist"), {
        "tags__id__exact": admin_network.standard.tags.get().pk
    })  # fmt: skip

    assert channels.status_code == 200
    assert contacts.status_code == 200
    assert [str(row) for row in contacts.context["cl"].result_list] == ["Sasha Standard"]


@pytest.mark.django_db
def test_no_registered_admin_lets_a_staff_user_filter_through_hidden_rows():
    """Every admin of the site, Track II's and the libraries', refuses every one-relation
    filter that reaches rows a reader may not see, but its own list_filter."""
    staff = make_staff(view_only_staff())
    request = RequestFactory().get("/")
    request.user = staff
    allowed = []
    for model, model_admin in admin.site._registry.items():
        for field in model._meta.get_fields():
            if not field.is_relation or field.related_model is None:
                continue
            lookup = field.name  # a reverse relation's is its query name
            if not reaches_hidden_rows(model, lookup):
                continue
            if (
                model_admin._is_own_filter(lookup)
                if hasattr(model_admin, "_is_own_filter")
                else False
            ):
                continue
            if model_admin.lookup_allowed(lookup, "1", request):
                allowed.append(f"{model._meta.label}: ?{lookup}=")
    assert allowed == [], "\n".join(allowed)
    assert names_contacts(Contact)
    assert not names_contacts(Organization)
