"""Encryption at rest of private notes: Fernet tokens under FIELD_ENCRYPTION_KEYS.

The keys are listed newest first; MultiFernet encrypts with the first and decrypts with
any, so keys rotate by prepending a new one and running ``rotate_encryption_keys``.
With DEBUG on and no keys set, a development key is derived from SECRET_KEY so that the
embedded default runs; production refuses to start without keys (settings.py).
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class UndecryptableNote(ImproperlyConfigured):
    """A stored note that none of the configured keys can decrypt: a key is missing."""


def configured_keys() -> tuple[str, ...]:
    """The keys in force, newest first."""
    if settings.FIELD_ENCRYPTION_KEYS:
        return tuple(settings.FIELD_ENCRYPTION_KEYS)
    digest = hashlib.sha256(b"track-ii-development-notes:" + settings.SECRET_KEY.encode())
    return (base64.urlsafe_b64encode(digest.digest()).decode(),)


@lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    try:
        fernets = [Fernet(key.encode()) for key in keys]
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe "
            "base64-encoded bytes)."
        ) from error
    return MultiFernet(fernets), fernets[0]


def encrypt(text: str) -> str:
    """A Fernet token for ``text`` under the newest key."""
    multi, _ = _fernets(configured_keys())
    return multi.encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """The text of a token made under any configured key."""
    multi, _ = _fernets(configured_keys())
    try:
        return multi.decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise UndecryptableNote(
            "A private note cannot be decrypted with FIELD_ENCRYPTION_KEYS: the key it was "
            "encrypted with is missing. Add the old key (after the new one) and restart."
        ) from error


def is_current(token: str) -> bool:
    """Whether a token is already under the newest key (rotation skips it)."""
    _, newest = _fernets(configured_keys())
    try:
        newest.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    """The same text re-encrypted under the newest key."""
    multi, _ = _fernets(configured_keys())
    try:
        return multi.rotate(token.encode()).decode()
    except InvalidToken as error:
        raise UndecryptableNote("A private note cannot be decrypted for rotation.") from error
