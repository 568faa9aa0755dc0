"""A backup's manifest, at the start of its plaintext: what database, made when and by which
code, with which migrations and how many rows per table; and whether this code may restore
it."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from django.conf import settings
from django.db.migrations.loader import MigrationLoader

from trackii.backups.errors import BackupError

if TYPE_CHECKING:
    from trackii.backups.databases import Database

MAGIC = b"TRACKII-BACKUP\n"
FORMAT_VERSION = 1
MANIFEST_MAX_BYTES = 1_000_000


def make_manifest(vendor: str, *, now, migrations: dict, row_counts: dict) -> dict:
    """The manifest of a backup of a ``vendor`` database made at ``now``."""
    return {
        "format": FORMAT_VERSION,
        "vendor": vendor,
        "created_at": now.astimezone(dt.UTC).isoformat(),
        "code_version": code_version(),
        "migrations": migrations,
        "row_counts": row_counts,
    }


def code_version() -> str:
    """The project's version, from pyproject.toml."""
    with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["project"]["version"]


def pack_header(manifest: dict) -> bytes:
    """The bytes that open a backup's plaintext: the magic line, the format and the
    manifest's length, the manifest."""
    body = json.dumps(manifest, sort_keys=True).encode()
    return MAGIC + f"{FORMAT_VERSION} {len(body)}\n".encode() + body


def read_header(stream: BinaryIO) -> dict | None:
    """The manifest at the start of ``stream``; None when the stream does not start like a
    Track II backup."""
    if stream.read(len(MAGIC)) != MAGIC:
        return None
    line = stream.readline(64).split()
    if len(line) != 2 or not all(part.isdigit() for part in line):
        return None
    version, length = int(line[0]), int(line[1])
    if version != FORMAT_VERSION or length > MANIFEST_MAX_BYTES:
        return None
    try:
        manifest = json.loads(stream.read(length))
    except ValueError:
        return None
    expected = {"vendor", "created_at", "code_version", "migrations", "row_counts"}
    return manifest if isinstance(manifest, dict) and expected <= manifest.keys() else None


def unknown_migrations(manifest: dict) -> list[str]:
    """The backup's latest migrations that this code does not have (its schema is newer)."""
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return sorted(
        f"{app}.{name}" for app, name in manifest["migrations"].items() if (app, name) not in known
    )


def apps_behind(manifest: dict) -> list[str]:
    """The apps whose migrations this code has beyond the backup's (migrate after restoring)."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    behind = set()
    for app, leaf in graph.leaf_nodes():
        if manifest["migrations"].get(app) != leaf:
            behind.add(app)
    return sorted(behind)


def check_restorable(manifest: dict, database: Database) -> None:
    """Raise unless a backup with this manifest may go into ``database``."""
    unknown = unknown_migrations(manifest)
    if unknown:
        raise BackupError(
            f"The backup's schema is newer than this code (version {code_version()}): it has "
            f"migrations this code does not know: {', '.join(unknown)}. Restore it with the "
            f"code that made it (version {manifest['code_version']}) or newer. "
            "Nothing was restored."
        )
    if manifest["vendor"] != database.vendor:
        raise BackupError(
            f"The backup is of a {manifest['vendor']} database; the target is "
            f"{database.vendor}. Nothing was restored."
        )
