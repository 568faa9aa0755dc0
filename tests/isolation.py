"""Give each pytest-xdist worker its own Redis database, and every test session PostgreSQL
commits that do not wait for the disk, before Django reads its settings.

``scripts/test`` runs the suite on two processes (``-n 2``). pytest-django already gives
each worker its own PostgreSQL database (``test_trackii_gw0``, ``test_trackii_gw1``); Redis
needs the same, since the throttle tests and the Celery worker tests flush theirs. Worker
``gwN`` takes the database ``N + 1`` below the one configured (15 gives 14 and 13). Loaded
with ``-p tests.isolation`` (pyproject's addopts), so it runs before pytest-django sets
Django up; without xdist it leaves Redis as it is.

A test database lives for one run: its commits need not reach the disk before they return
(``synchronous_commit=off``, which changes durability only: a committed row is seen by
every other session at once, workers' included). The tests that commit, hundreds of times
each, ran a tenth faster. Added to DATABASE_URL's ``options`` unless it names its own.
"""

import os
import re

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw"):
    _offset = int(_worker[2:]) + 1
    for _name in ("REDIS_URL", "CELERY_BROKER_URL"):
        _url = os.environ.get(_name, "")
        _match = re.fullmatch(r"(redis://[^/]+)/(\d+)", _url)
        if _match:
            _database = int(_match[2]) - _offset
            if _database < 0:
                raise RuntimeError(f"{_name}={_url} leaves no Redis database for {_worker}")
            os.environ[_name] = f"{_match[1]}/{_database}"

_database_url = os.environ.get("DATABASE_URL", "")
if _database_url.startswith(("postgres://", "postgresql://")) and "options=" not in _database_url:
    _joint = "&" if "?" in _database_url else "?"
    os.environ["DATABASE_URL"] = f"{_database_url}{_joint}options=-c%20synchronous_commit%3Doff"
