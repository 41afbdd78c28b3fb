"""The priority list: which communes get seats first in a class of a field. Pure functions.

The rule (printed on the priority page, `RULE`):

1. communes with nobody holding a valid certificate of the field come first;
2. then more inspections planned or under way (the commune's plan lines not yet opened, plus its
   open inspection dossiers of the field) first;
3. then more establishments known to the commune first — when no commune has any data, this
   step is skipped and the page says so;
4. then the earlier demand first, then the commune's name.

`suggest` fills a capacity from the ranked list: it takes each commune's whole request in rank
order and skips one that no longer fits, so a later, smaller request may use the last seats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from casework.text import fold

RULE = (
    "Xã, phường chưa có ai có chứng chỉ còn hiệu lực của lĩnh vực này đứng trước.",
    "Sau đó: nhiều cuộc kiểm tra đã có trong kế hoạch hoặc đang tiến hành hơn đứng trước.",
    "Sau đó: nhiều cơ sở được kiểm tra hơn đứng trước (nếu chưa xã nào có số liệu cơ sở thì "
    "bỏ qua bước này).",
    "Sau đó: đăng ký nhu cầu sớm hơn đứng trước; cuối cùng theo tên xã, phường.",
)
SUGGEST_RULE = (
    "Gợi ý xếp chỗ: lấy trọn số chỗ từng xã xin theo thứ tự ưu tiên; xã nào xin nhiều hơn số "
    "chỗ còn lại thì bỏ qua và xét xã tiếp theo."
)

_NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Candidate:
    """What the rule looks at for one commune (and its demand, if it registered one)."""

    commune_id: int
    name: str
    certified: int  # officers with a valid certificate of the field
    inspections: int  # planned or open inspections of the field
    establishments: int | None  # None: no data for this commune
    demand_at: datetime | None = None
    seats: int = 0
    demand_id: int | None = None


@dataclass(frozen=True)
class Ranked:
    position: int
    candidate: Candidate
    reason: str  # in Vietnamese: why it stands where it does


def has_establishment_data(candidates: Iterable[Candidate]) -> bool:
    return any(c.establishments is not None for c in candidates)


def _key(c: Candidate, use_establishments: bool) -> tuple[object, ...]:
    est = -(c.establishments or 0) if use_establishments else 0
    return (c.certified > 0, -c.inspections, est, c.demand_at or _NEVER, fold(c.name), c.commune_id)


def _reason(c: Candidate, use_establishments: bool) -> str:
    parts = [
        "chưa ai có chứng chỉ" if c.certified == 0 else f"{c.certified} người có chứng chỉ",
        f"{c.inspections} cuộc kiểm tra kế hoạch/đang làm",
    ]
    if use_establishments:
        parts.append(
            "chưa có số liệu cơ sở"
            if c.establishments is None
            else f"{c.establishments} cơ sở được kiểm tra"
        )
    return "; ".join(parts)


def rank(candidates: Sequence[Candidate]) -> list[Ranked]:
    """The candidates in priority order, numbered from 1, each with its reason."""
    use = has_establishment_data(candidates)
    ordered = sorted(candidates, key=lambda c: _key(c, use))
    return [Ranked(i, c, _reason(c, use)) for i, c in enumerate(ordered, start=1)]


def suggest(ranked: Sequence[Ranked], capacity: int) -> list[Ranked]:
    """Whole requests in rank order while they fit; a request too big for what is left is
    skipped (see `SUGGEST_RULE`). Requests of no seat are never taken."""
    left = capacity
    out = []
    for r in ranked:
        if 0 < r.candidate.seats <= left:
            out.append(r)
            left -= r.candidate.seats
    return out
