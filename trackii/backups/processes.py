"""The programs a backup pipes through: gpg (encrypting with an empty home of its own,
decrypting with the operator's), pg_dump and pg_restore. Their errors are read from a
temporary file, never a pipe nobody drains."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from django.conf import settings

from trackii.backups.errors import BackupError

CHUNK = 1024 * 1024


class Decryption:
    """gpg decrypting one backup file to a pipe (``stdout``)."""

    def __init__(
        self, path: Path, *, errors: IO[bytes], gnupg_home: str | None, passphrase_file: str | None
    ):
        self.path = path
        command = [binary("gpg")]
        if gnupg_home:
            command += ["--homedir", str(gnupg_home)]
        command += ["--batch", "--no-tty", "--quiet"]
        if passphrase_file:
            command += ["--pinentry-mode", "loopback", "--passphrase-file", str(passphrase_file)]
        command += ["--decrypt", str(path)]
        self._errors = errors
        self.process = subprocess.Popen(  # noqa: S603 (a fixed command; values are arguments)
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._errors
        )
        self.stdout = self.process.stdout

    def finish(self) -> None:
        """Wait for gpg; raise if it could not decrypt or found the file damaged."""
        self.stdout.read()
        if self.process.wait() != 0:
            raise BackupError(
                f"gpg could not decrypt {self.path.name} (a wrong key, or a damaged file): "
                f"{tail(self._errors)}. Nothing was restored."
            )

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.stdout.close()


@contextmanager
def decrypting(
    path: Path, *, gnupg_home: str | None, passphrase_file: str | None
) -> Iterator[Decryption]:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    gnupg_home = gnupg_home or settings.BACKUP_GNUPG_HOME or None
    with tempfile.TemporaryFile() as errors:
        decryption = Decryption(
            path, errors=errors, gnupg_home=gnupg_home, passphrase_file=passphrase_file
        )
        try:
            yield decryption
        finally:
            decryption.close()


@contextmanager
def encrypting(public_key: Path, output: Path, *, compress: bool) -> Iterator[IO[bytes]]:
    """A pipe into gpg, which encrypts what it reads to ``public_key`` into ``output``.
    gpg runs with an empty home of its own: the operator's keyrings are never read."""
    with (
        tempfile.TemporaryDirectory(prefix="trackii-gpg-") as home,
        tempfile.TemporaryFile() as errors,
    ):
        command = [binary("gpg"), "--homedir", home, "--batch", "--no-tty", "--quiet"]
        command += ["--trust-model", "always", "--recipient-file", str(public_key)]
        if not compress:
            command += ["--compress-algo", "none"]
        command += ["--yes", "--output", str(output), "--encrypt"]
        process = subprocess.Popen(  # noqa: S603 (a fixed command; values are arguments)
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors
        )
        try:
            yield process.stdin
            process.stdin.close()
        except BrokenPipeError as error:
            process.wait()
            raise BackupError(f"gpg stopped encrypting the backup: {tail(errors)}") from error
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            with suppress(BrokenPipeError):
                process.stdin.close()
        if process.wait() != 0:
            raise BackupError(f"gpg could not encrypt the backup: {tail(errors)}")


def copy_from(command: list[str], *, environment: dict[str, str], sink: IO[bytes]) -> None:
    """Run ``command`` and copy its output into ``sink``; raise if it fails."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 (a fixed command; values are arguments)
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=environment,
        )
        try:
            shutil.copyfileobj(process.stdout, sink, CHUNK)
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            process.stdout.close()
        if process.wait() != 0:
            raise BackupError(f"{Path(command[0]).name} failed: {tail(errors)}")


def binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (or not on PATH).")
    return found


def tail(errors: IO[bytes], limit: int = 500) -> str:
    errors.seek(0)
    text = errors.read().decode(errors="replace").strip()
    return text[-limit:] or "no message"
