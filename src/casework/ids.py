"""Ids and small numbers from the outside world (paths, queries, forms), with bounds.

A database id is a positive integer no larger than 2³¹−1: every id column is an INTEGER, which
PostgreSQL holds in 32 bits (a larger value there is "integer out of range") and SQLite in 64 (a
Python int past 2⁶³−1 raises OverflowError deep in the driver: issue 17, finding 6, a 500 with
anyone's request). So:

- a route's integer path parameter is typed `IdPath`: out of range, negative or not a number is a
  validation error in the path, which `casework.web.handlers` answers as 404 (the same as an id
  that does not exist);
- an optional integer in the query is `IdQuery` or `CountQuery`: out of range is a 422 naming it;
- a query or form value read inside a view goes through `parse_id` / `parse_int`: ASCII digits
  only (`str.isdigit` also takes "²", which `int()` then refuses with a ValueError), within the
  bounds, or None.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path, Query

#: The largest id both databases hold (an INTEGER column: 32 bits on PostgreSQL).
MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")

#: An integer path parameter: `def page(question_id: IdPath)`. Out of range → 404.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
#: A number in a path that may be 0 (a replay step).
SeqPath = Annotated[int, Path(ge=0, le=MAX_ID)]


def parse_int(text: object, lo: int = 0, hi: int = MAX_ID) -> int | None:
    """The integer written in `text` with ASCII digits only, if lo <= it <= hi; else None."""
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if lo <= value <= hi else None


def parse_id(text: object) -> int | None:
    """A database id written in `text` (1 … 2³¹−1, ASCII digits), or None."""
    return parse_int(text, 1, MAX_ID)


#: An optional id in the query (`?unit=`, `?edit=`): out of range is a 422 naming the field.
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
#: An optional count or flag number in the query (`?n=`, `?imported=`): 0 … 2³¹−1.
CountQuery = Annotated[int | None, Query(ge=0, le=MAX_ID)]
