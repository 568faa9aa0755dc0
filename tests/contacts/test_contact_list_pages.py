"""The contacts web pages as a whole (every page renders, sign-in is required, no inline
script or style) and the contacts list: visibility, search, filters, sorting and paging.

The views read the clock, so channels are made overdue by creating them 60 days ago (a
30-day cadence), and reminders are snoozed relative to ``timezone.now()``.
"""

import re

from django.urls import reverse

from contacts.models import Contact, Layer, Sensitivity
from tests import factories
from tests.contacts.pages import HTMX, days_ago, listed_ids, overdue_channel
from tests.pages import page_text

# Every page renders; sign-in is required; no inline script or style


def _pages(contact, organization):
    return [
        reverse("contacts:list"),
        reverse("contacts:detail", args=[contact.pk]),
        reverse("contacts:create"),
        reverse("contacts:edit", args=[contact.pk]),
        reverse("contacts:delete", args=[contact.pk]),
        reverse("contacts:exchange_new") + f"?contact={contact.pk}",
        reverse("contacts:organization_list"),
        reverse("contacts:organization_detail", args=[organization.pk]),
    ]


def test_every_page_renders_for_the_owner_without_inline_script_or_style(client, owner, protected):
    organization = factories.OrganizationFactory()
    protected.organization = organization
    protected.save()
    client.force_login(owner)

    for url in _pages(protected, organization):
        response = client.get(url)

        assert response.status_code == 200, url
        body = page_text(response)
        assert re.search(r"\sstyle=", body) is None, url
        assert re.search(r"\son[a-z]+=", body) is None, url
        assert "hx-on" not in body, url
        scripts = re.findall(r"<script\b[^>]*>", body)
        assert all("src=" in tag for tag in scripts), url


def test_every_page_asks_anonymous_users_to_sign_in(client, standard):
    organization = factories.OrganizationFactory()

    for url in _pages(standard, organization):
        response = client.get(url)

        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login") + "?next="), url


# The contacts list


def test_the_list_shows_only_contacts_the_user_may_see(
    client, owner, teammate, outsider, standard, restricted, protected
):
    expectations = {
        owner: [standard.pk, protected.pk, restricted.pk],
        teammate: [standard.pk, restricted.pk],
        outsider: [standard.pk],
    }
    for user, expected in expectations.items():
        client.force_login(user)

        response = client.get(reverse("contacts:list"), {"sort": "name"})

        assert listed_ids(response) == expected
    body = page_text(response)
    assert "Pavel Protectedov" not in body
    assert "Rina Restrictova" not in body


def test_each_row_shows_name_native_name_category_organization_and_badges(client, owner, protected):
    organization = factories.OrganizationFactory(name="Institute of Oriental Studies")
    protected.organization = organization
    protected.category = Contact.Category.JOURNALIST
    protected.save()
    overdue_channel(owner, protected)
    client.force_login(owner)

    response = client.get(reverse("contacts:list"))

    row = re.search(
        r"<tr>\s*<td><bdi><a[^>]*>Pavel Protectedov</a></bdi>.*?</tr>", page_text(response), re.S
    )
    assert row is not None
    assert "Павел Защищённый" in row.group(0)
    assert "Journalist" in row.group(0)
    assert "Institute of Oriental Studies" in row.group(0)
    assert '<span class="badge protected">Protected</span>' in row.group(0)
    assert '<span class="badge overdue">Overdue</span>' in row.group(0)


def test_search_finds_a_cyrillic_native_name_in_any_case(client, owner):
    akhmatova = factories.ContactFactory(full_name="Anna Akhmatova", native_name="Анна Ахматова")
    factories.ContactFactory(full_name="Boris Other", native_name="Борис Другой")
    client.force_login(owner)

    response = client.get(reverse("contacts:list"), {"q": "АХМАТОВА"})

    assert listed_ids(response) == [akhmatova.pk]


def test_search_finds_a_hebrew_native_name(client, owner):
    grossman = factories.ContactFactory(full_name="David Grossman", native_name="דוד גרוסמן")
    factories.ContactFactory(full_name="Amos Other", native_name="עמוס עוז")
    client.force_login(owner)

    response = client.get(reverse("contacts:list"), {"q": "גרוסמן"})

    assert listed_ids(response) == [grossman.pk]
    assert "דוד גרוסמן" in page_text(response)


def test_search_finds_contacts_by_organization_name(client, owner):
    school = factories.OrganizationFactory(name="Высшая школа экономики")
    member = factories.ContactFactory(full_name="Ivan Member", organization=school)
    factories.ContactFactory(full_name="Ivan Elsewhere")
    client.force_login(owner)

    response = client.get(reverse("contacts:list"), {"q": "школа"})

    assert listed_ids(response) == [member.pk]


def test_search_never_finds_a_hidden_contact(client, outsider, protected):
    client.force_login(outsider)

    for term in ("Pavel", "Защищённый"):
        response = client.get(reverse("contacts:list"), {"q": term})

        assert listed_ids(response) == []
        body = page_text(response)
        assert "No contacts match these filters." in body
        assert "Pavel Protectedov" not in body
        assert "Павел Защищённый" not in body


def test_filters_narrow_by_category_organization_layer_and_sensitivity(client, owner):
    organization = factories.OrganizationFactory()
    journalist = factories.ContactFactory(
        category=Contact.Category.JOURNALIST,
        organization=organization,
        layer=Layer.NARRATIVE,
        sensitivity=Sensitivity.RESTRICTED,
        owner=owner,
    )
    factories.ContactFactory(category=Contact.Category.ACADEMIC, organization=organization)
    factories.ContactFactory(category=Contact.Category.JOURNALIST, layer=Layer.NARRATIVE)
    client.force_login(owner)

    for filters in (
        {"category": "journalist", "organization": organization.pk},
        {"layer": "narrative", "sensitivity": "restricted"},
        {"category": "journalist", "sensitivity": "restricted"},
    ):
        response = client.get(reverse("contacts:list"), filters)

        assert listed_ids(response) == [journalist.pk], filters


def test_overdue_filter_keeps_contacts_with_an_overdue_channel_of_mine(client, owner, teammate):
    mine_overdue = factories.ContactFactory(full_name="A overdue with me")
    overdue_channel(owner, mine_overdue)
    theirs_overdue = factories.ContactFactory(full_name="B overdue with a teammate")
    overdue_channel(teammate, theirs_overdue)
    mine_fresh = factories.ContactFactory(full_name="C fresh with me")
    factories.ChannelFactory(officer=owner, contact=mine_fresh)
    client.force_login(owner)

    response = client.get(reverse("contacts:list"), {"overdue": "on"})

    assert listed_ids(response) == [mine_overdue.pk]
    all_rows = client.get(reverse("contacts:list")).context["page"].object_list
    assert {contact.pk: contact.overdue_for_me for contact in all_rows} == {
        mine_overdue.pk: True,
        theirs_overdue.pk: False,
        mine_fresh.pk: False,
    }


def test_sorting_by_name_category_and_last_update(client, owner):
    zoe = factories.ContactFactory(full_name="Zoe", category=Contact.Category.ACADEMIC)
    adam = factories.ContactFactory(full_name="Adam", category=Contact.Category.JOURNALIST)
    mila = factories.ContactFactory(full_name="Mila", category=Contact.Category.CULTURAL)
    Contact.objects.filter(pk=mila.pk).update(updated_at=days_ago(1))
    Contact.objects.filter(pk=adam.pk).update(updated_at=days_ago(3))
    Contact.objects.filter(pk=zoe.pk).update(updated_at=days_ago(2))
    client.force_login(owner)

    def order(sort):
        return listed_ids(client.get(reverse("contacts:list"), {"sort": sort}))

    assert order("name") == [adam.pk, mila.pk, zoe.pk]
    assert order("category") == [zoe.pk, mila.pk, adam.pk]
    assert order("updated") == [mila.pk, zoe.pk, adam.pk]


def test_the_list_pages_by_25_without_losing_or_repeating_a_contact(client, owner):
    created = {factories.ContactFactory(full_name="Same Name").pk for _ in range(26)}
    client.force_login(owner)

    first = client.get(reverse("contacts:list"))
    second = client.get(reverse("contacts:list"), {"page": 2})

    assert len(listed_ids(first)) == 25
    assert len(listed_ids(second)) == 1
    assert set(listed_ids(first)) | set(listed_ids(second)) == created
    assert 'rel="next"' in page_text(first)


def test_an_empty_list_says_so(client, owner):
    client.force_login(owner)

    response = client.get(reverse("contacts:list"))

    assert listed_ids(response) == []
    assert "No contacts yet." in page_text(response)


def test_an_htmx_search_answers_only_the_results(client, owner, standard):
    client.force_login(owner)

    response = client.get(reverse("contacts:list"), {"q": "Anna"}, **HTMX)

    assert response.status_code == 200
    assert next(template.name for template in response.templates) == (
        "contacts/_contact_results.html"
    )
    body = page_text(response)
    # hx-history="false": htmx keeps no copy of a page of contacts in localStorage.
    assert body.lstrip().startswith('<section id="contact-results" hx-history="false"')
    assert "<html" not in body
    assert "Anna Standardova" in body
    assert response["Vary"].count("HX-Request") == 1
