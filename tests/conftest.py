"""Test setup: real PostgreSQL and Redis, or a loud stop; personas for the access rules.

The suite never falls back to SQLite or an in-memory cache. Run it with the README's
test command (``scripts/test``), which points DATABASE_URL and REDIS_URL at the local
services, or set them yourself.
"""

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from tests import emptying, factories

# The admin tests' data set (the admin_network fixture), shared by the apps' test_admin.py;
# sign-in (tests.mfa_support): the second-factor policy off unless a test is marked
# mfa_policy, and force_login recorded as a sign-in by password; the longest modules
# collected first (tests.scheduling).
pytest_plugins = ["tests.admin_support", "tests.mfa_support", "tests.scheduling"]

# A helper module whose asserts should report like a test's own.
pytest.register_assert_rewrite("tests.contacts.api_support")


def _stop(message: str) -> None:
    pytest.exit(f"\n\nTrack II tests cannot run: {message}\n", returncode=3)


def pytest_sessionstart(session):
    """Fail loudly, not skip, when PostgreSQL or Redis is not there."""
    database = django_settings.DATABASES["default"]
    # django-prometheus's PostgreSQL backend (trackii.settings) is Django's, counted.
    if database["ENGINE"] != "django_prometheus.db.backends.postgresql":
        _stop(
            "DATABASE_URL does not point at PostgreSQL (got "
            f"{database['ENGINE']}). Use scripts/test, or set "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/trackii."
        )
    import psycopg

    try:
        psycopg.connect(
            host=database["HOST"] or None,
            port=database["PORT"] or None,
            user=database["USER"] or None,
            password=database["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except psycopg.OperationalError as error:
        _stop(f"PostgreSQL at {database['HOST']}:{database['PORT']} is unreachable: {error}")
    if not django_settings.REDIS_URL:
        _stop("REDIS_URL is not set. Use scripts/test, or set REDIS_URL=redis://127.0.0.1:6379/15.")
    try:
        redis.Redis.from_url(django_settings.REDIS_URL, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        _stop(f"Redis at {django_settings.REDIS_URL} is unreachable: {error}")
    _compile_catalogues()


def _compile_catalogues() -> None:
    """The .mo files the pages are translated with (built, never committed), fresh from
    the catalogues; any translation read before is forgotten."""
    from django.utils.translation import trans_real

    from trackii import catalogues

    if catalogues.compile_all():
        # As Django does when LOCALE_PATHS changes (django.test.signals).
        trans_real._translations = {}
        trans_real.translation_catalog_exists.cache_clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, then emptied fast after each test that commits
    (tests.emptying)."""
    with django_db_blocker.unblock():
        emptying.switched_on()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts and ends in the default language, whatever a test or request before
    it activated (the active language belongs to the thread, not to the test)."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fresh_throttle_counts():
    """DRF's throttle counters live in the Redis cache, which outlives a test's transaction.

    Not autouse: clearing flushes the whole Redis database, which a worker test's broker
    may share. Modules that call the API use it through ``pytestmark``.
    """
    cache.clear()
    yield
    cache.clear()


def api(user=None, **kwargs) -> APIClient:
    """A REST client, authenticated as ``user`` when one is given (``kwargs`` go to APIClient)."""
    client = APIClient(**kwargs)
    if user is not None:
        client.force_authenticate(user)
    return client


# Personas: the press team is the owner's; the outsider is in another team.


@pytest.fixture
def press_team(db):
    return factories.TeamFactory(name="press")


@pytest.fixture
def culture_team(db):
    return factories.TeamFactory(name="culture")


@pytest.fixture
def owner(press_team):
    return factories.UserFactory(username="owner", roles=["officer"], teams=[press_team])


@pytest.fixture
def teammate(press_team):
    return factories.UserFactory(username="teammate", roles=["officer"], teams=[press_team])


@pytest.fixture
def outsider(culture_team):
    return factories.UserFactory(username="outsider", roles=["officer"], teams=[culture_team])


@pytest.fixture
def grantee(culture_team):
    return factories.UserFactory(username="grantee", roles=["officer"], teams=[culture_team])


@pytest.fixture
def planner(culture_team):
    return factories.UserFactory(username="planner", roles=["planner"], teams=[culture_team])


@pytest.fixture
def lead(press_team):
    return factories.UserFactory(username="lead", roles=["lead"], teams=[press_team])


@pytest.fixture
def analyst(db):
    return factories.UserFactory(username="analyst", roles=["analyst"])


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(
        username="admin", roles=["admin"], is_staff=True, is_superuser=True
    )
