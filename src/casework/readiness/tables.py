"""The rows of the map's two tables (provinces; one province's communes), their filters,
sorting and paging, and the same rows as an export table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from casework.accounts.models import Unit, UnitKind
from casework.listing import ordered, paginate
from casework.paging import Page
from casework.readiness.queries import UnitFigures
from casework.readiness.rules import FIELD_LABELS, FIELDS, Level, province_level
from casework.reports.exports import Table
from casework.units.places import Place, matches, sort_name

PER_PAGE = 50


@dataclass
class Row:
    """One line of a table: a commune, or a province (its department and communes together)."""

    unit: Place
    officers: int = 0
    certified: dict[str, int] = field(default_factory=dict)
    with_certified: dict[str, int] = field(default_factory=dict)  # communes with ≥ 1 (province)
    signed_off: dict[str, int] = field(default_factory=dict)
    practice: int = 0
    inspections: int = 0
    dossiers: int = 0
    timed: int = 0
    on_time: int = 0
    open_questions: int = 0
    levels: dict[str, Level] = field(default_factory=dict)
    communes: int = 0  # a province's
    ready: dict[str, int] = field(default_factory=dict)  # communes at ready or above (province)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.timed if self.timed else None

    def share_ready(self, key: str) -> float | None:
        return self.ready.get(key, 0) / self.communes if self.communes else None


def commune_row(f: UnitFigures) -> Row:
    return Row(
        unit=f.unit,
        officers=f.officers,
        certified=dict(f.certified),
        signed_off=dict(f.signed_off),
        practice=sum(f.practice.values()),
        inspections=f.inspections,
        dossiers=f.dossiers,
        timed=f.timed,
        on_time=f.on_time,
        open_questions=f.open_questions,
        levels=dict(f.levels),
    )


def province_rows(figures: dict[int, UnitFigures]) -> list[Row]:
    """One row per department: its own figures plus its communes'; levels are the medians."""
    rows: dict[int, Row] = {}
    levels: dict[int, dict[str, list[Level]]] = {}
    for f in figures.values():
        if f.unit.kind == UnitKind.department and f.unit.id is not None:
            rows[f.unit.id] = Row(unit=f.unit)
            levels[f.unit.id] = {key: [] for key in FIELDS}
    for f in figures.values():
        owner = f.unit.department_id
        row = rows.get(owner or -1)
        if row is None:
            continue
        row.officers += f.officers
        row.practice += sum(f.practice.values())
        row.inspections += f.inspections
        row.dossiers += f.dossiers
        row.timed += f.timed
        row.on_time += f.on_time
        row.open_questions += f.open_questions
        for key in FIELDS:
            row.certified[key] = row.certified.get(key, 0) + f.certified.get(key, 0)
            row.signed_off[key] = row.signed_off.get(key, 0) + f.signed_off.get(key, 0)
        if f.unit.kind == UnitKind.commune:
            row.communes += 1
            for key in FIELDS:
                levels[owner or -1][key].append(f.levels[key])
                if f.certified.get(key):
                    row.with_certified[key] = row.with_certified.get(key, 0) + 1
                if f.levels[key] >= Level.ready:
                    row.ready[key] = row.ready.get(key, 0) + 1
    for unit_id, row in rows.items():
        row.levels = {key: province_level(levels[unit_id][key]) for key in FIELDS}
    return list(rows.values())


# ---- filters, sorting, paging ------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    field: str = "dl"  # which field the level filter, the map and "nobody certified" look at
    level: str = ""  # a Level name, or all
    uncertified: bool = False  # nobody certified in the field
    q: str = ""  # part of the name or code, accents optional
    sort: str = "name"
    desc: bool = False
    page: int = 1
    communes: bool = False  # the national page lists every commune instead of the provinces


SORTS: dict[str, Callable[[Row], Any]] = {
    "name": lambda r: sort_name(r.unit),
    "code": lambda r: r.unit.official_code or 0,
    "communes": lambda r: r.communes,
    "officers": lambda r: r.officers,
    "cert_dl": lambda r: r.certified.get("dl", 0),
    "cert_cl": lambda r: r.certified.get("cl", 0),
    "signed": lambda r: sum(r.signed_off.values()),
    "practice": lambda r: r.practice,
    "inspections": lambda r: r.inspections,
    "dossiers": lambda r: r.dossiers,
    "on_time": lambda r: r.on_time_rate,
    "questions": lambda r: r.open_questions,
    "level_dl": lambda r: r.levels.get("dl", Level.not_ready),
    "level_cl": lambda r: r.levels.get("cl", Level.not_ready),
}


def apply(rows: Sequence[Row], filters: Filters) -> list[Row]:
    """Filtered and sorted (a missing value — no on-time rate — always last)."""
    key = filters.field if filters.field in FIELDS else "dl"
    out = list(rows)
    if filters.level:
        out = [r for r in out if r.levels.get(key, Level.not_ready).name == filters.level]
    if filters.uncertified:
        out = [r for r in out if not r.certified.get(key)]
    if filters.q:
        out = [r for r in out if matches(r.unit, filters.q)]
    get = SORTS.get(filters.sort, SORTS["name"])
    return ordered(out, get, desc=filters.desc, tie=lambda r: sort_name(r.unit))


def page(rows: list[Row], number: int, per_page: int = PER_PAGE) -> Page[Row]:
    return paginate(rows, number, per_page)


# ---- export ------------------------------------------------------------------------------------


def _rate(value: float | None) -> float | str:
    return round(value * 100, 1) if value is not None else ""


def export_table(
    rows: Sequence[Row], *, province: Unit | None, communes: bool, notes: list[str]
) -> Table:
    """Provinces (the national page), or communes (one province's, or all of them)."""
    if province is None and not communes:
        headers = [
            "Mã tỉnh", "Tỉnh, thành phố", "Số xã, phường", "Cán bộ",
            *(f"Xã có cán bộ có chứng chỉ — {FIELD_LABELS[k]}" for k in FIELDS),
            *(f"Cán bộ có chứng chỉ — {FIELD_LABELS[k]}" for k in FIELDS),
            *(f"Cán bộ được xác nhận — {FIELD_LABELS[k]}" for k in FIELDS),
            "Làm thử (90 ngày)", "Kiểm tra xong (90 ngày)", "Hồ sơ xong (90 ngày)",
            "Đúng hạn (%)", "Câu hỏi chưa trả lời",
            *(f"Xã sẵn sàng trở lên (%) — {FIELD_LABELS[k]}" for k in FIELDS),
            *(f"Mức — {FIELD_LABELS[k]}" for k in FIELDS),
        ]  # fmt: skip
        body: list[Sequence[Any]] = [
            [
                r.unit.official_code or "", r.unit.province or r.unit.name, r.communes, r.officers,
                *(r.with_certified.get(k, 0) for k in FIELDS),
                *(r.certified.get(k, 0) for k in FIELDS),
                *(r.signed_off.get(k, 0) for k in FIELDS),
                r.practice, r.inspections, r.dossiers, _rate(r.on_time_rate), r.open_questions,
                *(_rate(r.share_ready(k)) for k in FIELDS),
                *(r.levels[k].label for k in FIELDS),
            ]
            for r in rows
        ]  # fmt: skip
        title = "Mức sẵn sàng theo tỉnh, thành phố"
    else:
        headers = [
            "Mã xã", "Mã đơn vị", "Xã, phường", "Loại", "Tỉnh, thành phố", "Cán bộ",
            *(f"Cán bộ có chứng chỉ — {FIELD_LABELS[k]}" for k in FIELDS),
            *(f"Cán bộ được xác nhận — {FIELD_LABELS[k]}" for k in FIELDS),
            "Làm thử (90 ngày)", "Kiểm tra xong (90 ngày)", "Hồ sơ xong (90 ngày)",
            "Đúng hạn (%)", "Câu hỏi chưa trả lời",
            *(f"Mức — {FIELD_LABELS[k]}" for k in FIELDS),
        ]  # fmt: skip
        body = [
            [
                r.unit.official_code or "", r.unit.code, r.unit.name, r.unit.division_type or "",
                r.unit.province or "", r.officers,
                *(r.certified.get(k, 0) for k in FIELDS),
                *(r.signed_off.get(k, 0) for k in FIELDS),
                r.practice, r.inspections, r.dossiers, _rate(r.on_time_rate), r.open_questions,
                *(r.levels[k].label for k in FIELDS),
            ]
            for r in rows
        ]  # fmt: skip
        where = province.province or province.name if province is not None else "toàn quốc"
        title = f"Mức sẵn sàng các xã, phường — {where}"
    return Table(title=title, headers=headers, rows=body, notes=notes)
