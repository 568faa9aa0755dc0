"""``Exchange.names_journalist``, the stored flag the journalist_exchanges indicator reads:
it follows the exchange's contacts and their categories whichever way they change."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.admin.sites import site
from django.test import RequestFactory

from contacts import services
from contacts.models import Contact, Exchange
from indicators import measures
from tests import factories
from tests.conftest import api

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
Q1 = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 3, 31), "period": "month", "now": NOW}


def flag(exchange) -> bool:
    return Exchange.objects.values_list("names_journalist", flat=True).get(pk=exchange.pk)


@pytest.fixture
def journalist(owner):
    return factories.ContactFactory(category=Contact.Category.JOURNALIST, owner=owner)


@pytest.fixture
def academic(owner):
    return factories.ContactFactory(category=Contact.Category.ACADEMIC, owner=owner)


def test_logging_an_exchange_sets_the_flag_from_its_contacts(owner, journalist, academic):
    with_journalist = services.log_exchange(
        occurred_at=NOW, kind="call", contacts=[academic, journalist], officers=[owner],
        summary="Call.", now=NOW,
    )  # fmt: skip
    without = services.log_exchange(
        occurred_at=NOW, kind="call", contacts=[academic], officers=[owner], summary="Call.",
        now=NOW,
    )  # fmt: skip

    assert flag(with_journalist) is True
    assert flag(without) is False


def test_editing_the_contacts_of_an_exchange_moves_the_flag(owner, journalist, academic):
    exchange = factories.ExchangeFactory(contacts=[journalist], officers=[owner])

    services.update_exchange(exchange, contacts=[academic], now=NOW)
    assert flag(exchange) is False

    services.update_exchange(exchange, contacts=[academic, journalist], now=NOW)
    assert flag(exchange) is True


def test_the_reverse_relation_and_clear_keep_the_flag(owner, journalist, academic):
    exchange = factories.ExchangeFactory(contacts=[academic], officers=[owner])

    journalist.exchanges.add(exchange)
    assert flag(exchange) is True
    journalist.exchanges.remove(exchange)
    assert flag(exchange) is False
    journalist.exchanges.add(exchange)
    journalist.exchanges.clear()
    assert flag(exchange) is False
    exchange.contacts.add(journalist)
    exchange.contacts.clear()
    assert flag(exchange) is False


def test_a_new_category_flags_or_unflags_the_contacts_exchanges(owner, academic):
    exchange = factories.ExchangeFactory(contacts=[academic], officers=[owner])
    other = factories.ExchangeFactory(contacts=[factories.ContactFactory()], officers=[owner])

    academic.category = Contact.Category.JOURNALIST
    academic.save()
    assert flag(exchange) is True
    assert flag(other) is False

    academic.category = Contact.Category.THINK_TANK
    academic.save()
    assert flag(exchange) is False


def test_an_edit_that_keeps_the_category_writes_no_exchange(owner, journalist):
    exchange = factories.ExchangeFactory(contacts=[journalist], officers=[owner])
    updated_at = Exchange.objects.get(pk=exchange.pk).updated_at

    journalist.full_name = "Renamed"
    journalist.save()

    assert Exchange.objects.all().refresh_names_journalist() == 0
    assert Exchange.objects.get(pk=exchange.pk).updated_at == updated_at


def test_deleting_the_journalist_unflags_exchanges_that_name_others(owner, journalist, academic):
    exchange = factories.ExchangeFactory(contacts=[journalist, academic], officers=[owner])

    journalist.delete()

    assert flag(exchange) is False


def test_the_category_changed_through_the_api_moves_the_indicator(owner, lead, academic):
    factories.ExchangeFactory(
        occurred_at=dt.datetime(2026, 2, 3, 10, 0, tzinfo=dt.UTC),
        contacts=[academic],
        officers=[owner],
    )
    assert measures.journalist_exchanges(lead, **Q1).total == 0

    client = api(owner)
    response = client.patch(
        f"/api/v1/contacts/{academic.pk}/", {"category": "journalist"}, format="json"
    )
    assert response.status_code == 200, response.content

    result = measures.journalist_exchanges(lead, **Q1)
    assert (result.total, [point.value for point in result.series]) == (1, [0, 1, 0])


def test_contacts_changed_in_the_admin_move_the_flag(admin_user, owner, journalist, academic):
    exchange = factories.ExchangeFactory(contacts=[academic], officers=[owner])
    model_admin = site._registry[Exchange]
    request = RequestFactory().post("/")
    request.user = admin_user
    form_class = model_admin.get_form(request, exchange)
    form = form_class(
        instance=exchange,
        data={
            "occurred_at_0": "2026-03-01",
            "occurred_at_1": "10:00:00",
            "kind": "meeting",
            "contacts": [academic.pk, journalist.pk],
            "officers": [owner.pk],
            "summary": "Met.",
            "notes": "",
            "topics": "[]",
        },
    )
    assert form.is_valid(), form.errors
    saved = form.save(commit=False)
    model_admin.save_model(request, saved, form, change=True)
    model_admin.save_related(request, form, [], change=True)

    assert flag(exchange) is True


def test_a_refresh_puts_right_rows_written_behind_the_signals_back(owner, journalist, academic):
    flagged = factories.ExchangeFactory(contacts=[journalist], officers=[owner])
    plain = factories.ExchangeFactory(contacts=[academic], officers=[owner])
    # As bulk_create of the through rows (the demo data) leaves them.
    Exchange.objects.update(names_journalist=False)
    Exchange.objects.filter(pk=plain.pk).update(names_journalist=True)

    assert Exchange.objects.refresh_names_journalist() == 2
    assert (flag(flagged), flag(plain)) == (True, False)


def test_the_migration_flags_the_existing_exchanges(owner, journalist, academic):
    flagged = factories.ExchangeFactory(contacts=[journalist], officers=[owner])
    plain = factories.ExchangeFactory(contacts=[academic], officers=[owner])
    Exchange.objects.update(names_journalist=False)
    migration = importlib.import_module("contacts.migrations.0007_exchange_names_journalist")

    migration.note_journalists(django_apps, None)

    assert (flag(flagged), flag(plain)) == (True, False)
