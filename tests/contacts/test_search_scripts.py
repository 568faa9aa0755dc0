"""The contacts' and organizations' search ignores case in every script: on PostgreSQL
(through the trigram-indexed branches of ``contacts/search.py``) and on SQLite, the embedded
default, whose ``LIKE`` folds ASCII only."""

import os
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

from contacts.models import Contact, Organization, Sensitivity
from tests import factories
from tests.contacts.pages import listed_ids

REPO = Path(__file__).resolve().parents[2]


def test_a_lower_case_cyrillic_search_finds_a_capitalised_name(client, owner):
    irina = factories.ContactFactory(full_name="Irina Petrova", native_name="Ирина Петрова")
    factories.ContactFactory(full_name="Olga Smirnova", native_name="Ольга Смирнова")
    client.force_login(owner)

    for term in ("ирина", "ИРИНА ПЕТ", "петрова", "пЕ"):  # "пЕ": too short for a trigram
        response = client.get(reverse("contacts:list"), {"q": term})

        assert listed_ids(response) == [irina.pk], term


def test_the_pickers_find_cyrillic_and_hebrew_in_any_case(client, owner):
    irina = factories.ContactFactory(full_name="Irina Petrova", native_name="Ирина Петрова")
    school = factories.OrganizationFactory(name="Школа экономики", native_name="בית ספר")
    client.force_login(owner)

    contacts = client.get(reverse("contacts:pick_contacts"), {"q": "ирина"}).json()["results"]
    organizations = client.get(reverse("contacts:pick_organizations"), {"q": "шКОЛА"}).json()

    assert [result["id"] for result in contacts] == [irina.pk]
    assert [result["id"] for result in organizations["results"]] == [school.pk]


def test_search_lists_a_contact_matched_twice_once_and_keeps_visibility(owner, outsider):
    school = factories.OrganizationFactory(name="Irina Institute", city="Haifa")
    # Matches by its name and by its organization's.
    both = factories.ContactFactory(full_name="Irina Both", organization=school, owner=owner)
    factories.ContactFactory(
        full_name="Irina Hidden", owner=owner, sensitivity=Sensitivity.PROTECTED
    )

    assert list(Contact.objects.visible_to(outsider).search("IRINA")) == [both]
    assert list(Organization.objects.search("haifa")) == [school]
    assert list(Organization.objects.search_names("haifa")) == []


SEARCH_ON_SQLITE = """
import django
from django.conf import settings
django.setup()
from django.apps import apps
settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
from django.core.management import call_command
call_command("migrate", verbosity=0, run_syncdb=True)
from django.contrib.auth.models import Group, User
from contacts.models import Contact, Organization
owner = User.objects.create(username="owner")
owner.groups.add(Group.objects.get_or_create(name="officer")[0])
school = Organization.objects.create(name="Школа экономики", kind="university")
for full_name, native_name, organization in [
    ("Irina Petrova", "Ирина Петрова", None),
    ("Noa Levi", "נועה לוי", school),
    ("Olga Smirnova", "Ольга Смирнова", None),
]:
    Contact.objects.create(full_name=full_name, native_name=native_name, category="academic",
                           layer="political", owner=owner, organization=organization)
for term in ("ирина", "ПЕТРОВА", "נועה", "школа", "IRINA", "zz", "пЕ"):
    found = Contact.objects.visible_to(owner).search(term).order_by("full_name")
    print(term, list(found.values_list("full_name", flat=True)))
print("organizations", list(Organization.objects.search("ШКОЛА").values_list("name", flat=True)))
"""


def test_search_folds_cyrillic_and_hebrew_on_sqlite(tmp_path):
    """On the embedded default, in a process of its own (tables made without migrations)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    }
    environment.update(
        DATABASE_URL="sqlite://:memory:",
        DJANGO_SETTINGS_MODULE="trackii.settings",
        TRACKII_VAR_DIR=str(tmp_path),
        PYTHONPATH=str(REPO),
    )

    result = subprocess.run(
        [sys.executable, "-c", SEARCH_ON_SQLITE],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "ирина ['Irina Petrova']",
        "ПЕТРОВА ['Irina Petrova']",
        "נועה ['Noa Levi']",
        "школа ['Noa Levi']",
        "IRINA ['Irina Petrova']",
        "zz []",
        "пЕ ['Irina Petrova']",
        "organizations ['Школа экономики']",
    ]
