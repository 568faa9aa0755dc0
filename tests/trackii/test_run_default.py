"""scripts/run's default: secrets generated once and kept private under var/, the admin's
password printed on every start but never reset, production settings on plain local HTTP."""

import runpy
import stat
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.trackii.test_settings import REPO
from trackii import embedded

pytestmark = pytest.mark.django_db

# What a developer's shell could carry into the settings evaluated below.
SERVING_VARIABLES = (
    "ALLOWED_HOSTS",
    "SITE_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "STATIC_ROOT",
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _reset_demo_admin(password_file: Path, *args: str) -> str:
    out = StringIO()
    call_command("reset_demo_admin", "--password-file", str(password_file), *args, stdout=out)
    return out.getvalue().strip()


# Secrets: generated once, mode 0600.


def test_secrets_are_generated_once_and_readable_by_their_owner_only(tmp_path):
    first = embedded.ensure_secrets(tmp_path)
    second = embedded.ensure_secrets(tmp_path)

    assert second == first
    assert len(first["SECRET_KEY"]) >= 50
    Fernet(first["FIELD_ENCRYPTION_KEYS"])  # a valid key
    assert _mode(tmp_path / "secret-key") == 0o600
    assert _mode(tmp_path / "field-encryption-key") == 0o600


def test_a_kept_secret_readable_by_others_is_narrowed_to_its_owner(tmp_path):
    path = tmp_path / "secret-key"
    path.write_text("kept-key\n")
    path.chmod(0o644)

    assert embedded.read_or_create_secret(path, lambda: "new-key") == "kept-key"
    assert _mode(path) == 0o600


def test_run_environment_serves_production_settings_on_local_http(tmp_path, monkeypatch):
    for name in SERVING_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    environment = embedded.run_environment(tmp_path, "127.0.0.1", 8765, environ={})
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    served = runpy.run_path(str(REPO / "trackii" / "settings.py"))

    assert served["DEBUG"] is False
    assert served["SECRET_KEY"] == (tmp_path / "secret-key").read_text().strip()
    assert served["SECURE_SSL_REDIRECT"] is False
    assert served["SECURE_HSTS_SECONDS"] == 0
    assert served["SESSION_COOKIE_SECURE"] is False
    assert served["CSRF_COOKIE_SECURE"] is False
    assert served["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]"]
    assert served["STATIC_ROOT"] == tmp_path / "static"
    assert served["MIDDLEWARE"][1] == "whitenoise.middleware.WhiteNoiseMiddleware"
    assert served["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


def test_production_cookies_stay_secure_without_the_local_overrides(tmp_path, monkeypatch):
    for name in SERVING_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in embedded.ensure_secrets(tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DEBUG", "False")
    monkeypatch.setenv("TRACKII_VAR_DIR", str(tmp_path))

    production = runpy.run_path(str(REPO / "trackii" / "settings.py"))

    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SECURE_SSL_REDIRECT"] is True


# The demo admin's password: generated once, printed on every start, never reset.


def test_first_start_creates_the_admin_and_keeps_its_password_private(tmp_path):
    password_file = tmp_path / "admin-password"

    output = _reset_demo_admin(password_file)

    password = password_file.read_text().strip()
    assert output == f"Created superuser 'admin' with password: {password}"
    assert _mode(password_file) == 0o600
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser is True
    assert admin.check_password(password) is True
    assert list(admin.groups.values_list("name", flat=True)) == ["admin"]


def test_a_restart_prints_the_same_password_and_leaves_the_user_alone(tmp_path):
    password_file = tmp_path / "admin-password"
    _reset_demo_admin(password_file)
    password = password_file.read_text().strip()
    hashed = get_user_model().objects.get(username="admin").password

    output = _reset_demo_admin(password_file)

    assert output == f"Superuser 'admin', password: {password}"
    assert get_user_model().objects.get(username="admin").password == hashed


def test_a_changed_password_survives_a_restart_and_the_stored_one_is_said_stale(tmp_path):
    password_file = tmp_path / "admin-password"
    _reset_demo_admin(password_file)
    stored = password_file.read_text().strip()
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("chosen by the admin 42")
    admin.save()

    output = _reset_demo_admin(password_file)

    admin.refresh_from_db()
    assert admin.check_password("chosen by the admin 42") is True
    assert "password was changed since it was generated" in output
    assert stored not in output
    assert password_file.read_text().strip() == stored


def test_reset_sets_and_keeps_a_new_password(tmp_path):
    password_file = tmp_path / "admin-password"
    _reset_demo_admin(password_file)
    old = password_file.read_text().strip()

    output = _reset_demo_admin(password_file, "--reset")

    new = password_file.read_text().strip()
    assert new != old
    assert output == f"Reset superuser 'admin' with password: {new}"
    assert get_user_model().objects.get(username="admin").check_password(new) is True


def test_a_new_database_gives_the_admin_the_password_already_kept(tmp_path):
    password_file = tmp_path / "admin-password"
    embedded.write_secret(password_file, "kept-from-an-earlier-start")

    output = _reset_demo_admin(password_file)

    assert output == "Created superuser 'admin' with password: kept-from-an-earlier-start"
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password("kept-from-an-earlier-start") is True
