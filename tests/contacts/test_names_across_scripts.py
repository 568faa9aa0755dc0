"""Names across scripts (issue 17): the folded key and the consonant skeleton
(``contacts/names.py``), kept current on every write path, and the search that reads them."""

import pytest

from contacts.models import Contact, Organization
from contacts.names import fold, keys, skeleton
from tests import factories

# The same name in Cyrillic, Hebrew, Georgian and Latin spellings: each pair must meet.
SAME_PERSON = [
    ("Ирина Петрова", "Irina Petrova"),
    ("ირინა პეტროვა", "Irina Petrova"),
    ("Наталья", "Natalia"),
    ("Наталья", "Natalya"),
    ("Александр", "Alexander"),
    ("Сергей", "Sergei"),
    ("דוד לוי", "David Levi"),
    ("מיכאל", "Michael"),
    ("Михаил", "Michael"),
    ("משה", "Moshe"),
    ("כהן", "Cohen"),
    ("Kohen", "Cohen"),
    ("חיים", "Chaim"),
    ("Хаим", "Chaim"),
    ("שרה", "Sarah"),
    ("Zoë Müller", "Zoe Muller"),
]
# Different people: their skeletons and keys must not be equal.
DIFFERENT_PEOPLE = [
    ("David Levi", "Daniel Levin"),
    ("Ирина Петрова", "Ирина Павлова"),
    ("Moshe Cohen", "Moshe Katz"),
    ("דוד לוי", "דן לוי"),
    ("Sarah Katz", "Sara Kaplan"),
]


@pytest.mark.parametrize(("one", "other"), SAME_PERSON)
def test_spellings_of_one_name_share_a_skeleton(one, other):
    assert skeleton(one) == skeleton(other), (one, other)


@pytest.mark.parametrize(("one", "other"), DIFFERENT_PEOPLE)
def test_different_names_do_not(one, other):
    assert skeleton(one) != skeleton(other)
    assert fold(one) != fold(other)


def test_folding_gives_lower_case_latin_words():
    assert fold("Petrova, Irina V.") == "petrova irina v"
    assert fold("Ирина  Петрова") == "irina petrova"
    assert fold("Zoë O'Brien") == "zoe obrien"
    assert fold("") == ""
    assert fold(None) == ""


def test_a_records_keys_hold_both_names_once():
    assert keys("Irina Petrova", "Ирина Петрова") == ("irina petrova", "rn ptrv")
    assert keys("David Levi", "דוד לוי") == ("david levi dvd lvy", "dvd lv")
    assert keys("Maria", "") == ("maria", "mr")


@pytest.mark.django_db
class TestKeptOnEveryWritePath:
    def test_save_and_save_with_update_fields(self):
        contact = factories.ContactFactory(full_name="Irina Petrova", native_name="")
        assert (contact.search_key, contact.name_skeleton) == ("irina petrova", "rn ptrv")
        contact.native_name = "Ирина Петрова"
        contact.full_name = "Irina Petrova-Smirnova"
        contact.save(update_fields=["full_name", "native_name"])
        contact.refresh_from_db()
        assert contact.search_key == "irina petrova smirnova irina petrova"

    def test_queryset_update(self):
        contact = factories.ContactFactory(full_name="Old Name", native_name="")
        Contact.objects.filter(pk=contact.pk).update(native_name="דוד לוי")
        contact.refresh_from_db()
        assert contact.search_key == "old name dvd lvy"
        # An update filtered on the name it changes still reaches the same rows.
        Contact.objects.filter(full_name="Old Name").update(full_name="David Levi")
        contact.refresh_from_db()
        assert contact.name_skeleton == "dvd lv"

    def test_bulk_create_and_bulk_update(self, owner):
        made = Contact.objects.bulk_create(
            [
                Contact(full_name="Anna", native_name="Анна", category="academic", owner=owner),
                Contact(full_name="Oleg", category="academic", owner=owner),
            ]
        )
        stored = Contact.objects.filter(pk__in=[c.pk for c in made]).order_by("full_name")
        assert [c.search_key for c in stored] == ["anna", "oleg"]
        oleg = stored[1]
        oleg.native_name = "Олег Иванов"
        Contact.objects.bulk_update([oleg], ["native_name"])
        oleg.refresh_from_db()
        assert oleg.search_key == "oleg oleg ivanov"

    def test_organizations_too(self):
        organization = factories.OrganizationFactory(name="Hebrew University", native_name="")
        Organization.objects.filter(pk=organization.pk).update(native_name="האוניברסיטה העברית")
        organization.refresh_from_db()
        assert organization.search_key == "hebrew university hvnyvrsyth hvryt"
        assert organization.name_skeleton == "hbrv nvrst hvnvrsth hvrt"


@pytest.mark.django_db
class TestSearchAcrossScripts:
    @pytest.fixture
    def irina(self):
        return factories.ContactFactory(
            full_name="Irina Petrova", native_name="Ирина Петрова", sensitivity="standard"
        )

    @pytest.fixture
    def david(self):
        return factories.ContactFactory(
            full_name="D. Levi", native_name="דוד לוי", sensitivity="standard"
        )

    @pytest.mark.parametrize(
        "term", ["Ирина", "Irina", "irina petrova", "Petrova", "petrova irina", "ИРИНА", "ирина"]
    )
    def test_every_spelling_finds_irina(self, irina, owner, term):
        factories.ContactFactory(full_name="Someone Else", native_name="Кто-то")
        found = Contact.objects.visible_to(owner).search(term)
        assert list(found) == [irina]

    def test_a_latin_name_finds_its_hebrew_spelling(self, david, owner):
        factories.ContactFactory(full_name="Daniel Levin", native_name="דניאל לוין")
        assert list(Contact.objects.visible_to(owner).search("David Levi")) == [david]

    def test_cyrillic_finds_a_latin_only_contact(self, owner):
        latin = factories.ContactFactory(full_name="Irina Sokolova", native_name="")
        assert list(Contact.objects.visible_to(owner).search("Соколова")) == [latin]

    def test_search_still_reads_through_visible_to(self, owner, outsider):
        hidden = factories.ContactFactory(
            full_name="Irina Hidden", native_name="Ирина", sensitivity="protected", owner=owner
        )
        assert list(Contact.objects.visible_to(owner).search("Irina")) == [hidden]
        assert not Contact.objects.visible_to(outsider).search("Irina").exists()
        assert not Contact.objects.visible_to(outsider).search("Ирина").exists()

    def test_organizations_across_scripts(self, owner):
        organization = factories.OrganizationFactory(
            name="Institute of Oriental Studies", native_name="Институт востоковедения"
        )
        contact = factories.ContactFactory(
            organization=organization, full_name="Anna K", sensitivity="standard"
        )
        factories.OrganizationFactory(name="Other Institute", native_name="Другой институт")
        assert list(Organization.objects.search("vostokovedeniya")) == [organization]
        assert list(Organization.objects.search_names("ВОСТОКОВЕДЕНИЯ")) == [organization]
        assert list(Contact.objects.visible_to(owner).search("vostokoved")) == [contact]
