"""The admin's unit pages: the list of units under the admin (filtered, paged, in tree order)
and adding a unit. Like everything in `admin.service`, limited to the admin's subtree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from casework import inputs
from casework.accounts import service as accounts
from casework.accounts.models import CHILD_KINDS, Unit, UnitKind, User
from casework.admin.service import CODE_RE, KIND_LABELS, Scope
from casework.errors import ValidationFailed
from casework.paging import Page
from casework.units import search

PER_PAGE = 50
#: units that may have units under them (a commune has none): the parent picker offers these
PARENT_KINDS = tuple(str(k) for k, kinds in CHILD_KINDS.items() if kinds)


@dataclass(frozen=True)
class UnitFilter:
    q: str = ""
    under: Unit | None = None  # this unit and those below it (None: the whole scope)
    kind: str = ""


@dataclass(frozen=True)
class UnitRow:
    id: int
    code: str
    name: str
    kind: str
    province: str | None
    depth: int  # below the list's top (the filter's unit, or the admin's)
    absent: bool
    users: int = 0


def list_units(
    session: Session,
    scope: Scope,
    filters: UnitFilter,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[UnitRow]:
    """Units of the subtree (or of `filters.under`'s) in tree order — each parent, then its
    children by code — whose code, name or province hold every word of `filters.q` (accents
    optional), one page of them with how many users each has."""
    top = filters.under or scope.root
    where: list[Any] = [col(Unit.path).startswith(top.path)]
    columns = [col(c) for c in (Unit.id, Unit.code, Unit.name, Unit.kind, Unit.province, Unit.path)]
    absent = col(Unit.absent_since).is_not(None)
    rows = session.execute(sa_select(*columns, absent).where(*where)).all()
    code_of = {r[0]: r[1] for r in rows}

    def tree_key(path: str) -> list[str]:
        return [code_of.get(int(i), "") for i in path.strip("/").split("/") if i]

    words = search.quick_fold(filters.q).split()
    chosen = [
        r for r in rows
        if (not filters.kind or r[3] == filters.kind)
        and (not words or all(w in search.haystack(r[1], r[2], r[4]) for w in words))
    ]  # fmt: skip
    chosen.sort(key=lambda r: tree_key(r[5]))
    base = top.path.count("/")
    shown = Page.of(chosen, page, per_page)  # only this page's rows become UnitRows
    ids = [r[0] for r in shown.items]
    counts = dict(
        session.execute(
            sa_select(col(User.unit_id), func.count())
            .where(col(User.unit_id).in_(ids))
            .group_by(col(User.unit_id))
        ).all()
    )
    items = [
        UnitRow(uid, code, name, kind, province, path.count("/") - base, bool(gone),
                counts.get(uid, 0))
        for uid, code, name, kind, province, path, gone in shown.items
    ]  # fmt: skip
    return Page[UnitRow](items, shown.total, shown.page, shown.per_page)


UNIT_NAME = inputs.Rule("Tên đơn vị", "name", required="Cần nhập tên đơn vị.")
PROVINCE = inputs.Rule("Tên tỉnh", "province")


def create_unit(session: Session, scope: Scope, values: dict[str, str]) -> Unit:
    fields: dict[str, str] = {}
    parent, problem = search.pick(
        session, scope.root, values.get("parent_id"), kinds=PARENT_KINDS, required=True
    )
    if problem:
        fields["parent_id"] = problem
    code = values.get("code", "").strip()
    if not CODE_RE.match(code):
        fields["code"] = "Mã đơn vị gồm chữ không dấu, số, dấu chấm, gạch ngang (tối đa 64)."
    elif session.exec(select(Unit.id).where(Unit.code == code)).first() is not None:
        fields["code"] = f"Mã {code} đã được dùng cho đơn vị khác."
    name = inputs.read(values, "name", UNIT_NAME, fields)
    kind = values.get("kind", "")
    if parent is not None:
        allowed = CHILD_KINDS.get(parent.kind, ())
        if not allowed:
            fields["parent_id"] = "UBND cấp xã không có đơn vị cấp dưới."
        elif kind not in allowed:
            names = ", ".join(KIND_LABELS[UnitKind(k)] for k in allowed)
            fields["kind"] = f"Dưới đơn vị này chỉ tạo được: {names}."
    province = inputs.read(values, "province", PROVINCE, fields)
    if fields or parent is None:
        raise ValidationFailed("Chưa tạo được đơn vị: xem các ô báo lỗi.", fields=fields)
    return accounts.create_unit(
        session, code=code, name=name, kind=kind, parent=parent, province=province or None
    )
