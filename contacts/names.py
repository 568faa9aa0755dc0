"""Names across scripts: the folded search key and the consonant skeleton of a name.

The same person is written "Ирина Петрова", "Irina Petrova" and "Petrova, Irina V.", or
"דוד לוי" beside "David Levi". Every contact and organization stores two keys of its names,
kept current on every write path (``Contact.save``, ``Organization.save``, and the querysets'
``update``/``bulk_create``/``bulk_update``: ``contacts/querysets.py``):

- ``search_key``: the names transliterated to Latin (anyascii: Cyrillic, Hebrew, Georgian and
  the rest), accents gone, case-folded, every run of other characters one space. "Ирина
  Петрова" and "Irina Petrova" both give "irina petrova". PostgreSQL's pg_trgm extracts no
  trigrams from Cyrillic or Hebrew in a ``C``-ctype database, so the trigram index is on this
  Latin key (contacts migration 0015).
- ``name_skeleton``: the folded key without its vowels, because Hebrew writes none: "דוד לוי"
  folds to "dvd lvy" and "David Levi" to "david levi"; both skeletons are "dvd lv". A few
  spellings that differ only between transliteration schemes are made one first (kh, ch → h;
  c, q → k; x → ks; w → v; j → y; doubled letters once), so "Михаил", "מיכאל" and "Michael"
  share "mhl", "כהן" and "Cohen" share "hn".

A contact's key holds both its names, the Latin one first: a search for either finds it.
"""

from __future__ import annotations

import re

from anyascii import anyascii

# Anything that is not a Latin letter or a digit, once the name is in Latin script.
_SEPARATORS = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile(r"['`ʼʹ’]")
# Spellings that transliteration schemes disagree on, made one (applied in this order).
_SAME_SOUND = (
    ("kh", "h"),
    ("ch", "h"),
    ("ph", "f"),
    ("ck", "k"),
    ("x", "ks"),
    ("q", "k"),
    ("c", "k"),
    ("w", "v"),
    ("j", "y"),
)
_VOWELS = re.compile(r"[aeiouy]+")
_DOUBLED = re.compile(r"(.)\1+")
# The keys' column width (Contact/Organization ``search_key``, ``name_skeleton``).
KEY_LENGTH = 500


def fold(text: str | None) -> str:
    """``text`` in lower-case Latin letters and digits, words separated by one space."""
    if not text:
        return ""
    latin = _APOSTROPHES.sub("", anyascii(text)).casefold()
    return _SEPARATORS.sub(" ", latin).strip()


def _same_sound(word: str) -> str:
    for spelling, sound in _SAME_SOUND:
        word = word.replace(spelling, sound)
    return word


def skeleton_of_folded(folded: str) -> str:
    """The consonant skeleton of an already folded text (see the module's docstring)."""
    words = []
    for word in folded.split():
        # Again once the vowels are gone: "kohen" has a "kh" only then.
        word = _same_sound(_VOWELS.sub("", _same_sound(word)))
        word = _DOUBLED.sub(r"\1", word)
        if word:
            words.append(word)
    return " ".join(words)


def skeleton(text: str | None) -> str:
    """The consonant skeleton of ``text``: "דוד לוי" and "David Levi" both give "dvd lv"."""
    return skeleton_of_folded(fold(text))


def keys(*names: str | None) -> tuple[str, str]:
    """The ``(search_key, name_skeleton)`` of a record with these names (empty ones left
    out, a name repeated once), each cut to the column's width."""
    folded = []
    for name in names:
        key = fold(name)
        if key and key not in folded:
            folded.append(key)
    search_key = " ".join(folded)
    name_skeleton = " ".join(dict.fromkeys(filter(None, map(skeleton_of_folded, folded))))
    return search_key[:KEY_LENGTH], name_skeleton[:KEY_LENGTH]
