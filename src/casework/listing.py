"""Tables computed in Python (a few thousand rows at most: the readiness map, the progress of
trainees): their sorting, their paging, and the `sort` and `page` query values they read."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from casework.ids import parse_int
from casework.paging import Page

T = TypeVar("T")


def paginate(items: Sequence[T], number: int, per_page: int) -> Page[T]:
    """Page `number` of `items`, moved into range (0 or 999 → the first or the last page)."""
    pages = max(1, -(-len(items) // per_page))
    number = min(max(1, number), pages)
    start = (number - 1) * per_page
    return Page(list(items[start : start + per_page]), len(items), number, per_page)


def ordered(
    items: Iterable[T], key: Callable[[T], Any], *, desc: bool, tie: Callable[[T], Any]
) -> list[T]:
    """Sorted by `key` (descending with `desc`), ties by `tie` in either direction; the items
    whose key is None (a rate with nothing to divide) always last, by `tie`."""
    rows = list(items)
    present = [i for i in rows if key(i) is not None]
    missing = [i for i in rows if key(i) is None]
    present.sort(key=tie)
    present.sort(key=key, reverse=desc)  # a stable sort keeps the ties in `tie` order
    missing.sort(key=tie)
    return present + missing


def sort_param(text: str, keys: Iterable[str], default: str) -> tuple[str, bool]:
    """A `sort` query value, "key" or "-key" (descending), among `keys`; else the default."""
    key = text.removeprefix("-")
    if key not in set(keys):
        return default, False
    return key, text.startswith("-")


def page_param(text: str) -> int:
    """A `page` query value: a whole number, else the first page."""
    page = parse_int(text, 0, 999_999)
    return 1 if page is None else page
