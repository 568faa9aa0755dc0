"""Possible duplicates: the keys kept on contacts, the score, ``find_for`` (the create form's
and the import's question) and the nightly finder's blocking and queue."""

import dataclasses
import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts import duplicates, matching, services
from contacts.duplicates import Match, Person, find_for, find_pairs
from contacts.models import Contact, DuplicatePair, Sensitivity
from tests import factories

NOW = dt.datetime(2025, 6, 2, 3, 0, tzinfo=dt.UTC)


# Keys kept on every write path


@pytest.mark.django_db
def test_phone_and_email_keys_are_kept_on_save_update_and_bulk_paths(settings, owner):
    settings.PHONE_DEFAULT_REGION = "IL"
    contact = factories.ContactFactory(owner=owner, phone="050-123-4567", email=" Anna@Ex.ORG ")
    assert (contact.phone_key, contact.email_key) == ("+972501234567", "anna@ex.org")

    Contact.objects.filter(pk=contact.pk).update(phone="+7 495 555 01 23", email="")
    contact.refresh_from_db()
    assert (contact.phone_key, contact.email_key) == ("+74955550123", "")

    contact.phone = "not a number"
    Contact.objects.bulk_update([contact], ["phone"])
    contact.refresh_from_db()
    assert contact.phone_key == ""

    contact.email = "B@EX.org"
    contact.save(update_fields=["email"])
    created = Contact.objects.bulk_create(
        [Contact(full_name="Bulk", category="other", owner=owner, phone="02 625 0000")]
    )
    assert Contact.objects.get(pk=contact.pk).email_key == "b@ex.org"
    assert Contact.objects.get(pk=created[0].pk).phone_key == "+97226250000"


@pytest.mark.django_db
def test_birth_year_outside_the_sane_range_is_refused_by_the_database(owner):
    contact = factories.ContactFactory(owner=owner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(birth_year=1850)


# The score


def _record(full_name, native_name="", *, email="", phone="", organization=None, year=None):
    person = Person(full_name, native_name, email=email, phone=phone, birth_year=year)
    return dataclasses.replace(duplicates._person_record(person), organization_id=organization)


@pytest.mark.parametrize(
    ("one", "other", "expected"),
    [
        # The same name in another script, or written surname first: the name rule alone.
        (("Ирина Петрова",), ("Irina Petrova",), (60, ("name",))),
        (("Irina Petrova",), ("Petrova, Irina V.",), (60, ("name",))),
        # Hebrew writes no vowels: the consonant skeleton.
        (("דוד לוי",), ("David Levi",), (50, ("skeleton",))),
        # One shared word is not a name match.
        (("Anna",), ("Anna Smith",), (0, ())),
    ],
)
def test_names_score_across_scripts_and_word_orders(one, other, expected):
    assert matching.score(_record(*one), _record(*other)) == expected


def test_each_rule_adds_its_weight_and_the_score_is_capped(settings):
    one = _record(
        "Irina Petrova", email="i@x.org", phone="+972501234567", organization=7, year=1970
    )
    same = _record(
        "Ирина Петрова", email="I@X.org", phone="050-123-4567", organization=7, year=1970
    )
    assert matching.score(one, same) == (
        100,
        ("name", "email", "phone", "organization", "birth_year"),
    )
    settings.DUPLICATE_WEIGHTS = {
        **settings.DUPLICATE_WEIGHTS,
        "name": 10,
        "skeleton": 5,
        "email": 5,
    }
    alike = _record("Irina Petrova", email="i@x.org", year=1971)
    # One year apart: half the birth year's 20.
    assert matching.score(one, alike) == (25, ("name", "email", "birth_year"))


def test_birth_years_far_apart_take_the_weight_off():
    older = _record("David Cohen", organization=3, year=1950)
    younger = _record("David Cohen", organization=3, year=1985)
    assert matching.score(older, younger) == (55, ("name", "organization"))


# find_for: outside people


@pytest.fixture
def irina(owner, organization):
    return factories.ContactFactory(
        full_name="Irina Petrova",
        native_name="Ирина Петрова",
        owner=owner,
        organization=organization,
        email="irina@hebrew.example",
    )


@pytest.mark.django_db
def test_find_for_names_the_contact_a_person_may_be_across_scripts(owner, irina, organization):
    factories.ContactFactory(full_name="Igor Petrov", owner=owner)
    people = [
        Person("Петрова, Ирина", organization_name="hebrew university"),
        Person("Someone Else", email="IRINA@hebrew.example"),
        Person("Nobody Known"),
    ]

    found = find_for(owner, people)

    assert found == [
        [Match(contact_id=irina.pk, score=75, reasons=("name", "organization"))],
        [],
        [],
    ]


@pytest.mark.django_db
def test_find_for_never_names_a_contact_hidden_from_the_user(owner, outsider):
    hidden = factories.ContactFactory(
        full_name="Pavel Protectedov", owner=owner, sensitivity=Sensitivity.PROTECTED
    )
    person = Person("Pavel Protectedov", email="p@x.org")
    Contact.objects.filter(pk=hidden.pk).update(email="p@x.org")

    assert find_for(outsider, [person]) == [[]]
    assert find_for(owner, [person]) == [[Match(hidden.pk, 100, ("name", "email"))]]
    factories.GrantFactory(contact=hidden, user=outsider)
    assert find_for(outsider, [person]) == [[Match(hidden.pk, 100, ("name", "email"))]]


@pytest.mark.django_db
def test_find_for_leaves_out_excluded_and_erased_contacts_and_keeps_the_best_first(owner):
    best = factories.ContactFactory(full_name="Maria Ivanova", owner=owner, email="m@x.org")
    second = factories.ContactFactory(full_name="Maria Ivanova", owner=owner, birth_year=1980)
    third = factories.ContactFactory(full_name="Maria Ivanova", owner=owner)
    erased = factories.ContactFactory(full_name="Maria Ivanova", owner=owner)
    Contact.objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    person = Person("Ivanova, Maria", email="m@x.org", birth_year=1980)

    assert find_for(owner, [person], limit=2) == [
        [Match(best.pk, 100, ("name", "email")), Match(second.pk, 80, ("name", "birth_year"))]
    ]
    assert find_for(owner, [person], exclude=[best.pk, second.pk]) == [
        [Match(third.pk, 60, ("name",))]
    ]


@pytest.mark.django_db
def test_find_for_asks_a_few_queries_per_batch_whatever_the_number_of_people(
    owner, irina, django_assert_max_num_queries, monkeypatch
):
    people = [Person(f"Person Number{index}", email=f"p{index}@x.org") for index in range(150)]
    people.append(Person("Irina Petrova"))
    # Indexed: one candidate query per chunk of INDEXED_CHUNK people, one for organizations;
    # the visibility rule adds none.
    chunks = -(-len(people) // duplicates.INDEXED_CHUNK)
    with django_assert_max_num_queries(chunks + 2):
        indexed = find_for(owner, people)
    monkeypatch.setattr(duplicates, "INDEXED_PEOPLE", 10)
    with django_assert_max_num_queries(3):
        scanned = find_for(owner, people)

    assert indexed == scanned
    assert indexed[-1] == [Match(irina.pk, 60, ("name",))]
    assert indexed[:-1] == [[]] * 150


# The nightly finder

CONSONANTS = "bdfgklmnprstvz"


def _distinct_name(index: int) -> str:
    """A name whose words share no prefix with another index's ("Bdaro Vemil")."""
    first, second = divmod(index, len(CONSONANTS))
    return (
        f"{CONSONANTS[first].upper()}{CONSONANTS[second]}aro "
        f"{CONSONANTS[second].upper()}e{CONSONANTS[first]}il"
    )


@pytest.mark.django_db
def test_blocking_scores_only_pairs_sharing_a_key_never_all_pairs(owner, settings):
    settings.DUPLICATE_BLOCK_LIMIT = 100
    # 190 people of distinct names, and three pairs written twice in different scripts.
    for index in range(190):
        factories.ContactFactory(full_name=_distinct_name(index), owner=owner)
    pairs = [
        ("Irina Petrova", "Ирина Петрова"),
        ("David Levi", "דוד לוי"),
        ("Mikhail Cohen", "Михаил Коэн"),
    ]
    made = [
        tuple(
            factories.ContactFactory(full_name=name, owner=owner, email=f"{n}@x.org").pk
            for name in pair
        )
        for n, pair in enumerate(pairs)
    ]

    result = find_pairs(now=NOW)

    all_pairs = 196 * 195 // 2
    assert result.contacts == 196
    assert result.compared < all_pairs / 100
    assert result.found == 3
    assert set(DuplicatePair.objects.values_list("contact_a", "contact_b")) == set(made)


@pytest.mark.django_db
def test_a_key_shared_by_too_many_contacts_is_skipped_and_counted(owner, settings):
    settings.DUPLICATE_BLOCK_LIMIT = 5
    for index in range(6):
        factories.ContactFactory(full_name=f"Alexander Zz{index}q", owner=owner)

    result = find_pairs(now=NOW)

    assert result.compared == 0
    assert result.skipped_keys == 2  # "k:alex" and "s:lks"
    assert DuplicatePair.objects.exists() is False


@pytest.mark.django_db
def test_a_pair_with_a_hidden_contact_never_keeps_its_other_contact_from_being_deleted(
    owner, outsider
):
    mine = factories.ContactFactory(full_name="Anna Levi", owner=outsider)
    hidden = factories.ContactFactory(
        full_name="Anna Levi", owner=owner, sensitivity=Sensitivity.PROTECTED
    )
    low, high = sorted([mine, hidden], key=lambda contact: contact.pk)
    pair = DuplicatePair.objects.create(
        contact_a=low, contact_b=high, score=60, reasons=["name"], found_at=NOW
    )

    services.delete_contact(mine, user=outsider)

    assert Contact.objects.filter(pk=mine.pk).exists() is False
    pair.refresh_from_db()
    assert {pair.contact_a_id, pair.contact_b_id} == {None, hidden.pk}
    # The next run drops the open pair that lost a contact.
    assert find_pairs(now=NOW).dropped == 1
    assert DuplicatePair.objects.exists() is False


@pytest.mark.django_db
def test_a_dismissed_pair_stays_dismissed_when_found_again(owner):
    one = factories.ContactFactory(full_name="Anna Levi", owner=owner, email="a@x.org")
    other = factories.ContactFactory(full_name="Anna Levi", owner=owner, email="a@x.org")
    find_pairs(now=NOW)
    pair = DuplicatePair.objects.get()
    duplicates.dismiss_pair(pair=pair, user=owner, now=NOW)

    result = find_pairs(now=NOW + dt.timedelta(days=1))

    assert result.found == 1
    pair.refresh_from_db()
    assert (pair.contact_a, pair.contact_b, pair.status, pair.score) == (
        one,
        other,
        DuplicatePair.Status.DISMISSED,
        100,
    )
    assert DuplicatePair.objects.offered_to(owner).exists() is False
