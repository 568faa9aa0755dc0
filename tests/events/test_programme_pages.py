"""The programme pages: the list with its filters, and a programme with only the participants
the reader may see."""

import datetime as dt

from django.urls import reverse

from tests import factories
from tests.pages import page_text


def test_a_programme_shows_only_the_participants_the_reader_may_see(
    client, planner, hidden_contacts
):
    programme = factories.ProgrammeFactory(
        title="Joint lab", outcome="Two co-authored papers.", ends_on=dt.date(2026, 6, 30)
    )
    partner = factories.OrganizationFactory(name="Technion")
    programme.partners.add(partner)
    programme.officers.add(planner)
    visible = factories.ContactFactory(full_name="Ada Researcher")
    programme.participants.add(visible, *hidden_contacts)
    client.force_login(planner)

    body = page_text(client.get(reverse("events:programme_detail", args=[programme.pk])))

    assert "Ada Researcher" in body
    assert "Zofia Protectedova" not in body
    assert "Yuval Restrictedman" not in body
    participants = body[
        body.index('<ul class="participants">') : body.index(
            "</ul>", body.index('<ul class="participants">')
        )
    ]
    assert participants.count("<li>") == 1
    assert "Technion" in body
    assert "Two co-authored papers." in body
    assert "1 Sep 2025 – 30 Jun 2026" in body


def test_the_programme_list_filters_and_says_when_there_is_nothing(client, outsider):
    factories.ProgrammeFactory(title="Joint lab", kind="joint_research", status="active")
    factories.ProgrammeFactory(title="Student swap", kind="student_exchange", status="planned")
    client.force_login(outsider)
    url = reverse("events:programme_list")

    everything = page_text(client.get(url))
    active = page_text(client.get(url, {"status": "active"}))
    none = page_text(client.get(url, {"kind": "delegation"}))

    assert ("Joint lab" in everything, "Student swap" in everything) == (True, True)
    assert ("Joint lab" in active, "Student swap" in active) == (True, False)
    assert "No programmes match these filters." in none
