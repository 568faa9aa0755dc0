"""Officers are offered by name, and only holders of the officer role: the ``admin``
account is not offered as a contact owner or an officer present unless it is one."""

import datetime as dt

from contacts.forms import ContactForm, ExchangeForm
from tests import factories

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_the_contact_form_offers_officers_by_name_as_owners(owner, teammate, lead, admin_user):
    owner.first_name, owner.last_name = "Dana", "Levi"
    owner.save()

    form = ContactForm(user=admin_user)

    # By name: a user without one ("teammate") first.
    assert list(form.fields["owner"].queryset) == [teammate, owner]
    assert form.fields["owner"].label_from_instance(owner) == "Dana Levi"
    assert form.initial.get("owner") is None
    assert ContactForm(user=owner).initial["owner"] == owner.pk


def test_an_owner_who_is_no_officer_stays_a_valid_choice(owner, admin_user):
    contact = factories.ContactFactory(owner=admin_user)

    form = ContactForm(user=owner, instance=contact)

    assert list(form.fields["owner"].queryset) == [admin_user, owner]


def test_the_exchange_form_offers_officers_only(owner, teammate, lead, admin_user):
    form = ExchangeForm(user=owner, now=NOW)

    assert list(form.fields["other_officers"].queryset) == [teammate]


def test_editing_an_exchange_keeps_its_officers_whoever_they_are(owner, teammate, admin_user):
    exchange = factories.ExchangeFactory(officers=[owner, admin_user])

    form = ExchangeForm(user=owner, now=NOW, exchange=exchange)

    assert list(form.fields["officers"].queryset) == [admin_user, owner, teammate]
