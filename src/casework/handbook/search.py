"""The procedure list's filters (pure): the procedures of a level and a field.

The words typed in the search box are not matched here: `handbook.index` searches every passage
of the handbook for them (names, steps, documents, legal bases, sources, published answers).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from casework.procedures import Procedure
from casework.text import fold


@dataclass(frozen=True)
class HandbookFilter:
    level: str | None = None
    field: str | None = None
    q: str | None = None  # searched in the full-text index, see `service.find`


def search(procedures: Iterable[Procedure], f: HandbookFilter) -> list[Procedure]:
    """The procedures of the level and the field of `f` (all when unset), by level and name."""
    found = [
        p
        for p in procedures
        if (not f.level or p.level == f.level) and (not f.field or p.field == f.field)
    ]
    return sorted(found, key=lambda p: (p.level, fold(p.name)))
