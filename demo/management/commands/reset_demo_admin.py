"""Create the demo superuser once with a generated password, kept under var/, and print it."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from trackii.embedded import ADMIN_PASSWORD_FILE, read_secret, write_secret


class Command(BaseCommand):
    help = (
        "Create the demo superuser with a generated password the first time (kept in "
        "var/admin-password, mode 0600) and print it on every later call; --reset makes a new one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument(
            "--password-file",
            type=Path,
            default=None,
            help="Where the generated password is kept (default: var/admin-password).",
        )
        parser.add_argument("--reset", action="store_true", help="Generate and set a new password.")

    def handle(self, *args, username, password_file, reset, **options):
        password_file = password_file or Path(settings.VAR_DIR) / ADMIN_PASSWORD_FILE
        user = get_user_model().objects.filter(username=username).first()
        stored = read_secret(password_file) if password_file.exists() else ""
        if user is not None and stored and not reset:
            self.stdout.write(self._kept_message(user, stored, password_file))
            return
        # A new database (the file kept): the superuser gets the password already printed.
        password = stored if user is None and stored and not reset else secrets.token_urlsafe(12)
        write_secret(password_file, password)
        verb = "Reset" if user is not None else "Created"
        self._make_superuser(username, password)
        self.stdout.write(f"{verb} superuser '{username}' with password: {password}")

    def _kept_message(self, user, stored: str, password_file: Path) -> str:
        if user.check_password(stored):
            return f"Superuser '{user.get_username()}', password: {stored}"
        return (
            f"Superuser '{user.get_username()}': its password was changed since it was generated "
            f"(the one in {password_file} no longer works). Forgotten? "
            "`manage.py reset_demo_admin --reset` sets a new one."
        )

    def _make_superuser(self, username: str, password: str) -> None:
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get_or_create(name="admin")[0])
