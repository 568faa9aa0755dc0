"""Test setup: real PostgreSQL and Redis, or a loud stop; personas for the access rules.

The suite never falls back to SQLite or an in-memory cache. Run it with the README's
test command (``scripts/test``), which points DATABASE_URL and REDIS_URL at the local
services, or set them yourself.
"""

import pytest
import redis
from django.conf import settings as django_settings

from tests import factories


def _stop(message: str) -> None:
    pytest.exit(f"\n\nTrack II tests cannot run: {message}\n", returncode=3)


def pytest_sessionstart(session):
    """Fail loudly, not skip, when PostgreSQL or Redis is not there."""
    database = django_settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
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


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
