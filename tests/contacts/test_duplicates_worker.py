"""The nightly duplicate finder on a real Celery worker (Redis broker, the test database):
the task beat sends fills the review queue, and a second run changes nothing."""

import pytest
import redis
from django.conf import settings

from contacts.models import DuplicatePair, Sensitivity
from contacts.tasks import find_duplicates
from tests import factories
from tests.workers import running_worker, worker_environment

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker_url():
    """The Redis broker, emptied before and after so no other test's message reaches it."""
    url = settings.CELERY_BROKER_URL
    assert url.startswith("redis://"), f"The worker tests need a Redis broker, got {url}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def test_the_worker_fills_the_queue_and_a_second_run_changes_nothing(broker_url):
    owner = factories.UserFactory(username="owner", roles=["officer"])
    irina = factories.ContactFactory(full_name="Irina Petrova", owner=owner, email="i@x.org")
    irina_cyrillic = factories.ContactFactory(
        full_name="Ирина Петрова",
        owner=owner,
        email="I@X.org",
        sensitivity=Sensitivity.PROTECTED,
    )
    david = factories.ContactFactory(full_name="David Levi", owner=owner, birth_year=1971)
    david_hebrew = factories.ContactFactory(
        full_name="david_hebrew לוי", owner=owner, birth_year=1971
    )
    factories.ContactFactory(full_name="Somebody Else", owner=owner)

    with running_worker(environment=worker_environment(broker_url=broker_url)) as worker:
        first = find_duplicates.delay()
        first_line = worker.wait_for_task(find_duplicates.name, first.id, timeout=60)
        found = set(DuplicatePair.objects.values_list("contact_a", "contact_b", "score", "status"))
        second = find_duplicates.delay()
        second_line = worker.wait_for_task(find_duplicates.name, second.id, timeout=60)

    assert "'contacts': 5" in first_line
    assert "'found': 2" in first_line
    assert "'found': 2" in second_line
    assert "'dropped': 0" in second_line
    assert found == {
        (irina.pk, irina_cyrillic.pk, 100, "open"),
        (david.pk, david_hebrew.pk, 70, "open"),
    }
    assert (
        set(DuplicatePair.objects.values_list("contact_a", "contact_b", "score", "status")) == found
    )
