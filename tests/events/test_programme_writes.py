"""Creating and editing programmes in the web app: planners, leads and admins only, the
links offered to them only, participants hidden from the editor kept, bad input refused."""

import pytest
from django.urls import reverse

from events.models import Programme
from tests import factories
from tests.pages import page_text


def _programme_data(**overrides):
    data = {
        "title": "Desert water research",
        "kind": "joint_research",
        "layer": "civil_epistemic",
        "status": "planned",
        "starts_on": "2026-09-01",
        "ends_on": "2027-06-30",
        "description": "",
        "outcome": "",
    }
    return {**data, **overrides}


def test_a_planner_creates_a_programme_with_partners_participants_and_officers(
    client, planner, outsider
):
    partner = factories.OrganizationFactory(name="Ben-Gurion University")
    participant = factories.ContactFactory(full_name="Ada Researcher")
    client.force_login(planner)

    form_page = client.get(reverse("events:programme_create"))
    response = client.post(
        reverse("events:programme_create"),
        _programme_data(
            partners=[partner.pk], participants=[participant.pk], officers=[outsider.pk]
        ),
    )

    assert form_page.status_code == 200
    programme = Programme.objects.get()
    assert response.url == reverse("events:programme_detail", args=[programme.pk])
    assert programme.title == "Desert water research"
    assert list(programme.partners.all()) == [partner]
    assert list(programme.participants.all()) == [participant]
    assert list(programme.officers.all()) == [outsider]


def test_editing_keeps_the_participants_hidden_from_the_editor(client, planner, hidden_contacts):
    programme = factories.ProgrammeFactory(title="Joint lab")
    visible = factories.ContactFactory(full_name="Ada Researcher")
    programme.participants.add(visible, *hidden_contacts)
    newcomer = factories.ContactFactory(full_name="Ben Newcomer")
    client.force_login(planner)
    url = reverse("events:programme_edit", args=[programme.pk])

    page = page_text(client.get(url))
    client.post(url, _programme_data(title="Joint lab II", participants=[newcomer.pk]))

    assert "Zofia Protectedova" not in page
    programme.refresh_from_db()
    assert programme.title == "Joint lab II"
    assert set(programme.participants.all()) == {newcomer, *hidden_contacts}


def test_the_api_keeps_hidden_participants_through_the_same_service(planner, hidden_contacts):
    from tests.conftest import api

    programme = factories.ProgrammeFactory()
    programme.participants.add(*hidden_contacts)

    response = api(planner).patch(
        f"/api/v1/programmes/{programme.pk}/", {"participants": []}, format="json"
    )

    assert response.status_code == 200
    assert set(programme.participants.all()) == set(hidden_contacts)


@pytest.mark.parametrize(
    "overrides",
    [
        {"ends_on": "2026-01-01"},
        {"starts_on": "not a date"},
        {"kind": "picnic"},
        {"title": ""},
        {"participants": ["999999"]},
    ],
)
def test_bad_input_is_a_form_error_and_changes_nothing(client, lead, overrides):
    programme = factories.ProgrammeFactory(title="Joint lab")
    client.force_login(lead)

    response = client.post(
        reverse("events:programme_edit", args=[programme.pk]), _programme_data(**overrides)
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    programme.refresh_from_db()
    assert programme.title == "Joint lab"


def test_an_empty_post_is_a_form_error(client, lead):
    client.force_login(lead)

    response = client.post(reverse("events:programme_create"), {})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert Programme.objects.exists() is False


@pytest.mark.parametrize("persona", ["outsider", "analyst"])
def test_officers_and_analysts_may_not_write_and_see_no_link(client, request, persona):
    user = request.getfixturevalue(persona)
    programme = factories.ProgrammeFactory(title="Joint lab")
    client.force_login(user)

    listing = page_text(client.get(reverse("events:programme_list")))
    detail = page_text(client.get(reverse("events:programme_detail", args=[programme.pk])))
    create = client.post(reverse("events:programme_create"), _programme_data())
    edit = client.post(
        reverse("events:programme_edit", args=[programme.pk]), _programme_data(title="Hijack")
    )

    assert reverse("events:programme_create") not in listing
    assert reverse("events:programme_edit", args=[programme.pk]) not in detail
    assert (create.status_code, edit.status_code) == (403, 403)
    assert list(Programme.objects.values_list("title", flat=True)) == ["Joint lab"]


@pytest.mark.parametrize("persona", ["planner", "lead", "admin_user"])
def test_programme_managers_see_the_links(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    programme = factories.ProgrammeFactory()

    listing = page_text(client.get(reverse("events:programme_list")))
    detail = page_text(client.get(reverse("events:programme_detail", args=[programme.pk])))

    assert reverse("events:programme_create") in listing
    assert reverse("events:programme_edit", args=[programme.pk]) in detail
