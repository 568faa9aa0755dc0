"""The systemd units in deploy/: systemd-analyze verifies them (where it is installed), the
commands they start exist in this checkout's virtualenv and load the app, and the example
environment file names only settings that exist and carries no secret."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from celery.app.utils import find_app

from tests.trackii.test_settings import REPO

DEPLOY = REPO / "deploy"
UNITS = ("trackii-web.service", "trackii-worker.service", "trackii-beat.service")
INSTALLED_CHECKOUT = "/srv/trackii"
INSTALLED_ENVIRONMENT = "/etc/trackii/trackii.env"
# Read by gunicorn itself, not by trackii/settings.py.
GUNICORN_VARIABLES = {"FORWARDED_ALLOW_IPS"}
SECRET_VARIABLES = ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "HEALTH_TOKEN")


def _directives(unit: str) -> dict[str, list[str]]:
    """Each directive's values, continuation lines joined (systemd's format, not INI's)."""
    text = (DEPLOY / unit).read_text().replace("\\\n", " ")
    directives: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        name, _equals, value = line.partition("=")
        directives.setdefault(name.strip(), []).append(value.strip())
    return directives


def _exec_start(unit: str) -> list[str]:
    """The unit's ExecStart as this checkout would run it."""
    (command,) = _directives(unit)["ExecStart"]
    return shlex.split(command.replace(INSTALLED_CHECKOUT, str(REPO)))


def _example_environment() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "trackii.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, equals, value = line.partition("=")
            assert equals, f"Not an assignment: {line!r}"
            values[name] = value
    return values


@pytest.mark.parametrize("unit", UNITS)
def test_each_unit_starts_a_program_of_the_virtualenv_with_the_shared_settings(unit):
    directives = _directives(unit)
    program = Path(_exec_start(unit)[0])

    assert program.parent == REPO / ".venv" / "bin"
    assert program.is_file()
    assert os.access(program, os.X_OK)
    assert directives["WorkingDirectory"] == [INSTALLED_CHECKOUT]
    assert directives["EnvironmentFile"] == [INSTALLED_ENVIRONMENT]
    assert directives["User"] == ["trackii"]


def test_the_web_unit_runs_gunicorn_with_the_repository_config_and_the_app_loads():
    command = _exec_start("trackii-web.service")

    assert command[1:4] == ["-c", "gunicorn.conf.py", "trackii.wsgi"]
    # gunicorn loads its config and imports the WSGI app, then exits without serving.
    checked = subprocess.run(
        [*command, "--check-config"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("unit", "role"), [("trackii-worker.service", "worker"), ("trackii-beat.service", "beat")]
)
def test_the_celery_units_start_the_projects_app(unit, role):
    command = _exec_start(unit)

    assert command[1:4] == ["-A", "trackii", role]
    app = find_app(command[2])
    assert app.main == "trackii"
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_the_example_environment_names_existing_settings_and_no_secret():
    settings_source = (REPO / "trackii" / "settings.py").read_text()
    known = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_0-9]+)"', settings_source))
    known |= set(re.findall(r'_\w+\(\s*"([A-Z_0-9]+)"', settings_source))

    example = _example_environment()

    assert set(example) - known - GUNICORN_VARIABLES == set()
    for name in SECRET_VARIABLES:
        assert example[name] == "", f"{name} must be left empty in the example"
    assert example["DEBUG"] == "False"


def test_systemd_analyze_verifies_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here (Debian: the systemd package)")
    environment_file = tmp_path / "trackii.env"
    shutil.copy(DEPLOY / "trackii.env.example", environment_file)
    for unit in UNITS:
        text = (DEPLOY / unit).read_text()
        text = text.replace(INSTALLED_CHECKOUT, str(REPO))
        text = text.replace(INSTALLED_ENVIRONMENT, str(environment_file))
        (tmp_path / unit).write_text(text)

    verified = subprocess.run(
        [analyze, "verify", "--man=no", *(str(tmp_path / unit) for unit in UNITS)],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "SYSTEMD_LOG_COLOR": "0"},
    )

    # A misspelt directive is only a warning: any line about our units fails the test.
    complaints = [
        line
        for line in (verified.stdout + verified.stderr).splitlines()
        if any(unit in line for unit in UNITS)
    ]
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert complaints == []
