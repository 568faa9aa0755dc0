"""The embedded default's secrets (``scripts/run``): generated once, kept under ``var/``.

Each secret is a file readable by its owner only (mode 0600). The first start writes it;
every later start reads the same value back, so sessions, signed links and encrypted notes
survive a restart. Nothing here imports Django: ``scripts/run`` calls it before settings load.

    eval "$(python -m trackii.embedded VAR_DIR HOST PORT)"   # export the variables to serve with
"""

import os
import secrets
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

SECRET_KEY_FILE = "secret-key"  # noqa: S105 (a file name)
FIELD_KEY_FILE = "field-encryption-key"
ADMIN_PASSWORD_FILE = "admin-password"  # noqa: S105 (a file name)
PRIVATE = 0o600


def read_or_create_secret(path: Path, generate: Callable[[], str]) -> str:
    """The secret kept in ``path``; the first call writes ``generate()`` there, mode 0600."""
    try:
        # O_EXCL: of two starts racing, one writes and the other reads what it wrote.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    except FileExistsError:
        return read_secret(path)
    with os.fdopen(descriptor, "w") as file:
        file.write(generate() + "\n")
    return read_secret(path)


def read_secret(path: Path) -> str:
    """The secret kept in ``path``, its mode narrowed to 0600 if it was wider."""
    if path.stat().st_mode & 0o077:
        path.chmod(PRIVATE)
    return path.read_text().strip()


def write_secret(path: Path, value: str) -> None:
    """Replace the secret kept in ``path`` with ``value``, mode 0600 from the start."""
    temporary = path.with_name(f".{path.name}.new")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    with os.fdopen(descriptor, "w") as file:
        file.write(value + "\n")
    temporary.replace(path)


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


def new_field_key() -> str:
    return Fernet.generate_key().decode()


def ensure_secrets(var_dir: Path) -> dict[str, str]:
    """The embedded default's ``SECRET_KEY`` and ``FIELD_ENCRYPTION_KEYS``, made on first use."""
    var_dir.mkdir(parents=True, exist_ok=True)
    return {
        "SECRET_KEY": read_or_create_secret(var_dir / SECRET_KEY_FILE, new_secret_key),
        "FIELD_ENCRYPTION_KEYS": read_or_create_secret(var_dir / FIELD_KEY_FILE, new_field_key),
    }


def run_environment(var_dir: Path, host: str, port: int, environ=os.environ) -> dict[str, str]:
    """The variables ``scripts/run`` serves with: production settings (DEBUG off, WhiteNoise,
    the kept secrets) on a plain-HTTP local address, so no HTTPS redirect, HSTS or Secure-only
    cookies, and a one-step sign-in (no role requires a second factor). ``ALLOWED_HOSTS``
    and ``SITE_URL`` already in ``environ`` are kept."""
    local_hosts = (host, "localhost", "127.0.0.1", "[::1]")
    return {
        "TRACKII_VAR_DIR": str(var_dir),
        **ensure_secrets(var_dir),
        "DEBUG": "False",
        "ALLOWED_HOSTS": environ.get("ALLOWED_HOSTS") or ",".join(dict.fromkeys(local_hosts)),
        "SITE_URL": environ.get("SITE_URL") or f"http://{host}:{port}",
        "STATIC_ROOT": str(var_dir / "static"),
        "SECURE_SSL_REDIRECT": "False",
        "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "False",
        "CSRF_COOKIE_SECURE": "False",
        # The demo signs in with a password alone; its sign-in page says so.
        "MFA_REQUIRED_ROLES": "",
    }


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: python -m trackii.embedded VAR_DIR HOST PORT")
    variables = run_environment(Path(sys.argv[1]).resolve(), sys.argv[2], int(sys.argv[3]))
    # Shell-quoted for scripts/run's eval; the secrets never appear on a command line.
    print("\n".join(f"export {name}={shlex.quote(value)}" for name, value in variables.items()))
