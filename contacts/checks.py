"""System checks: refuse to run with stored notes that the configured keys cannot read."""

from django.core.checks import Error, Tags, register
from django.db import DatabaseError

from contacts import crypto
from contacts.services import encrypted_fields, stored_tokens


@register(Tags.database)
def check_encryption_keys(app_configs, databases=None, **kwargs):
    """A stored note that FIELD_ENCRYPTION_KEYS cannot decrypt means a key is missing;
    running the new code anyway would fail on every read of it, so ``migrate`` (every
    deploy's step before the restart) and ``check --database default`` stop there.

    A database check: it reads every stored note (about 10 µs each to decrypt), so the
    other management commands, which run the checks without a database, skip it."""
    if not databases:
        return []
    errors = []
    for model, field in encrypted_fields():
        try:
            unreadable = _first_unreadable(model, field)
        except DatabaseError:
            return []  # No database or no tables yet (before migrate): nothing stored.
        if unreadable is not None:
            errors.append(
                Error(
                    f"{model._meta.label}.{field.name} holds notes that FIELD_ENCRYPTION_KEYS "
                    f"cannot decrypt (the first is row {unreadable}): the key they were "
                    "encrypted with is missing.",
                    hint="Set FIELD_ENCRYPTION_KEYS to the new key followed by the old ones.",
                    id="contacts.E001",
                )
            )
    return errors


def _first_unreadable(model, field):
    """The pk of the first stored note no configured key decrypts, or None. Every note is
    read: a re-encrypted first row says nothing about the rows after it."""
    for pk, token in stored_tokens(model, field).iterator(chunk_size=2000):
        try:
            crypto.decrypt(token)
        except crypto.UndecryptableNote:
            return pk
    return None
