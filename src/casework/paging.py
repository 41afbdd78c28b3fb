"""One page of a list: the items and enough to draw the pager."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))

    @classmethod
    def of(cls, rows: Sequence[T], page: int, per_page: int) -> Page[T]:
        """Page `page` (from 1) of a list already filtered and sorted in memory."""
        start = (max(page, 1) - 1) * per_page
        return cls(list(rows[start : start + per_page]), len(rows), page, per_page)
