"""Filtering and searching the procedure library (pure; the library is small and in memory)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from casework.procedures import Procedure
from casework.text import fold


@dataclass(frozen=True)
class HandbookFilter:
    level: str | None = None
    field: str | None = None
    q: str | None = None


#: Syllables and numbers: "X-quang" is "x" + "quang", "2.002131" is "2" + "002131".
_TOKEN = re.compile(r"[a-z0-9]+")


def _tokens(p: Procedure) -> list[str]:
    return _TOKEN.findall(fold(" ".join([p.code, p.name, p.field, *p.legal_basis])))


def _matches(tokens: list[str], words: list[str]) -> bool:
    """Every word is a whole syllable of the text; the last may be a prefix (typing)."""
    vocabulary = set(tokens)
    *whole, last = words
    return all(w in vocabulary for w in whole) and any(t.startswith(last) for t in tokens)


def search(procedures: Iterable[Procedure], f: HandbookFilter) -> list[Procedure]:
    """Procedures matching the level, the field and every word of `q` (accents and case ignored)."""
    words = _TOKEN.findall(fold(f.q or ""))
    found = []
    for p in procedures:
        if f.level and p.level != f.level:
            continue
        if f.field and p.field != f.field:
            continue
        if not words or _matches(_tokens(p), words):
            found.append(p)
    return sorted(found, key=lambda p: (p.level, fold(p.name)))
