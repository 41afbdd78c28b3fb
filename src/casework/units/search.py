"""Finding a unit by a few letters of its name or code, and reading the unit a form names.

The unit picker (`templates/_unit_picker.html`) sends a unit's code; without JavaScript an officer
types the code. Both land in `pick`, which answers the unit or a Vietnamese message naming what
was typed. Everything is limited to a subtree: the viewer's own unit and the units below it, so a
department's admin finds the communes of their province and the ministry finds every unit.

The search folds accents away ("ba dinh" finds "UBND Phường Ba Đình") in Python over the
subtree's (id, code, name, kind, province): 3,356 short rows for the whole country, read in one
query; their folded forms are remembered, so a search over the whole country takes about 25 ms
(most of it reading the rows), over a province about 1 ms.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from unicodedata import normalize

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from casework.accounts.models import Unit, UnitKind, User
from casework.errors import PermissionDenied
from casework.ids import parse_id

LIMIT = 20
KIND_ORDER: dict[str, int] = {UnitKind.ministry: 0, UnitKind.department: 1, UnitKind.commune: 2}
#: what a unit is, in a message ("HNI.BADINH là xã, phường")
KIND_WORDS: dict[str, str] = {
    UnitKind.ministry: "Bộ",
    UnitKind.department: "Sở",
    UnitKind.commune: "xã, phường",
}
#: name starts that every unit of a kind shares: a query is compared with what follows them
_PREFIXES = ("ubnd ", "so khoa hoc va cong nghe ", "xa ", "phuong ", "dac khu ", "thi tran ")


@lru_cache(maxsize=16_384)
def quick_fold(text: str) -> str:
    """`casework.text.fold` in a few C calls, remembered (names come back on every search): the
    same for Vietnamese names, but apostrophes and what is not a Latin letter (a long dash) left
    out, so "M’Drắk" is "mdrak", typed as "m'drak" or "mdrak"."""
    ascii_ = normalize("NFD", text.replace("đ", "d").replace("Đ", "D")).encode("ascii", "ignore")
    return " ".join(ascii_.decode().replace("'", "").lower().split())


@lru_cache(maxsize=16_384)
def haystack(code: str, name: str, province: str | None) -> str:
    """What a query is looked for in: the code, the name and the province, folded."""
    return f"{code.lower()} {quick_fold(name)} {quick_fold(province or '')}"


@dataclass(frozen=True)
class Hit:
    """A unit as a result of the search (the fields the picker shows)."""

    id: int
    code: str
    name: str
    kind: str
    province: str | None
    absent: bool


@dataclass(frozen=True)
class Found:
    hits: list[Hit]
    total: int  # every match, of which `hits` are the first

    @property
    def more(self) -> int:
        return self.total - len(self.hits)


def viewer_root(session: Session, user: User) -> Unit:
    """The top of what `user` may pick: their own unit."""
    root = session.get(Unit, user.unit_id) if user.is_active else None
    if root is None:
        raise PermissionDenied("Tài khoản chưa thuộc đơn vị nào.")
    return root


def _rank(needle: str, code: str, name: str) -> int:
    """0 the code itself; 1 the whole name (after 'UBND Phường' and the like) or the code's part
    after the dot; 2 the start of the code; 3 the start of the name; 4 the start of a word of
    the name; 5 elsewhere."""
    if code == needle:
        return 0
    short = name
    for prefix in _PREFIXES:
        short = short.removeprefix(prefix)
    local, joined = code.partition(".")[2], needle.replace(" ", "")
    if short == needle or local == joined:
        return 1
    if code.startswith(needle) or local.startswith(joined):
        return 2
    if short.startswith(needle) or name.startswith(needle):
        return 3
    return 4 if f" {needle}" in f" {name}" else 5


def search(
    session: Session,
    root: Unit,
    query: str,
    *,
    kinds: Collection[str] = (),
    limit: int = LIMIT,
) -> Found:
    """The units at or below `root` whose code, name or province hold every word of `query`
    (accents and case ignored), best first: the code, then names that start so; provinces
    before communes; units no longer in the official list last."""
    needle = quick_fold(query)[:100]
    if not needle:
        return Found([], 0)
    words = needle.split()
    where = [col(Unit.path).startswith(root.path)]
    if kinds:
        where.append(col(Unit.kind).in_(list(kinds)))
    absent = col(Unit.absent_since).is_not(None)
    columns = (*(col(c) for c in (Unit.id, Unit.code, Unit.name, Unit.kind, Unit.province)), absent)
    rows = session.execute(sa_select(*columns).where(*where)).all()
    scored = []
    for uid, code, name, kind, province, gone in rows:
        hay = haystack(code, name, province)
        if needle in hay or (len(words) > 1 and all(w in hay for w in words)):
            code_f, name_f = code.lower(), quick_fold(name)
            key = (
                _rank(needle, code_f, name_f),
                bool(gone),
                KIND_ORDER.get(kind, 3),
                name_f,
                code,
            )
            scored.append((key, Hit(uid, code, name, kind, province, bool(gone))))
    scored.sort(key=lambda pair: pair[0])
    return Found([hit for _, hit in scored[:limit]], len(scored))


def lookup(session: Session, root: Unit, value: str | None) -> Unit | None:
    """The unit at or below `root` a form's value names: its code (what the picker sends, or what
    was typed, in any case) or its id (links and forms made before the picker). None if there
    is no such unit there."""
    value = (value or "").strip()
    if not value or len(value) > 64:
        return None
    unit = session.exec(select(Unit).where(Unit.code == value)).first()
    if unit is None and value.upper() != value:
        unit = session.exec(select(Unit).where(Unit.code == value.upper())).first()
    unit_id = parse_id(value)
    if unit is None and unit_id is not None:
        unit = session.get(Unit, unit_id)
    if unit is None or not unit.path.startswith(root.path):
        return None
    return unit


def unknown(value: str) -> str:
    return (
        f"Không có đơn vị nào mã «{value.strip()[:64]}» trong phạm vi của bạn: nhập đúng mã "
        "(ví dụ HNI.BADINH), hoặc gõ tên rồi chọn trong danh sách."
    )


def pick(
    session: Session,
    root: Unit,
    value: str | None,
    *,
    kinds: Collection[str] = (),
    required: bool = False,
) -> tuple[Unit | None, str | None]:
    """The unit a form field names and the problem with it (Vietnamese), one of them None —
    except an empty optional field: (None, None)."""
    if not (value or "").strip():
        return None, "Chọn một đơn vị." if required else None
    unit = lookup(session, root, value)
    if unit is None:
        return None, unknown(str(value))
    if kinds and unit.kind not in kinds:
        wanted = " hoặc ".join(KIND_WORDS.get(k, k) for k in kinds)
        what = KIND_WORDS.get(unit.kind, unit.kind)
        return None, f"{unit.name} ({unit.code}) là {what}: ở đây cần chọn {wanted}."
    return unit, None
