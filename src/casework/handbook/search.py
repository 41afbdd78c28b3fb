"""Filtering and searching the procedure library (pure; the library is small and in memory)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from casework.procedures import Procedure
from casework.text import fold


@dataclass(frozen=True)
class HandbookFilter:
    level: str | None = None
    field: str | None = None
    q: str | None = None


def _haystack(p: Procedure) -> str:
    return fold(" ".join([p.code, p.name, p.field, *p.legal_basis]))


def search(procedures: Iterable[Procedure], f: HandbookFilter) -> list[Procedure]:
    """Procedures matching the level, the field and every word of `q` (accents and case ignored)."""
    words = fold(f.q or "").split()
    found = []
    for p in procedures:
        if f.level and p.level != f.level:
            continue
        if f.field and p.field != f.field:
            continue
        hay = _haystack(p)
        if all(w in hay for w in words):
            found.append(p)
    return sorted(found, key=lambda p: (p.level, fold(p.name)))
