"""Contacts shared by the contacts tests: one of each sensitivity, owned by the owner persona,
and a contact at an organization for the REST API tests."""

import pytest

from contacts.models import Sensitivity
from tests import factories


@pytest.fixture
def organization(db):
    return factories.OrganizationFactory(name="Hebrew University", country="IL", city="Jerusalem")


@pytest.fixture
def contact(owner, organization):
    return factories.ContactFactory(
        full_name="Anna Zuid",
        native_name="Анна Зюйд",
        owner=owner,
        organization=organization,
        notes="Prefers Signal.",
    )


@pytest.fixture
def standard(owner):
    return factories.ContactFactory(
        full_name="Anna Standardova", owner=owner, notes="Likes long walks by the river."
    )


@pytest.fixture
def restricted(owner):
    return factories.ContactFactory(
        full_name="Rina Restrictova", owner=owner, sensitivity=Sensitivity.RESTRICTED
    )


@pytest.fixture
def protected(owner):
    return factories.ContactFactory(
        full_name="Pavel Protectedov",
        native_name="Павел Защищённый",
        owner=owner,
        sensitivity=Sensitivity.PROTECTED,
        notes="Meets only at the bookshop.",
    )
