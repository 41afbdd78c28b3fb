"""The rows of /progress (provinces; the units of one province, or of the whole scope), their
filters, sorting and paging, and the same rows as an export table. Plain Python over the grouped
figures: at most ~3,400 rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from casework.certificates.queries import safe_cell
from casework.learning.path import LEVEL_LABELS, LEVELS, field_order
from casework.listing import ordered, paginate
from casework.paging import Page
from casework.progress.figures import ACTIVE_DAYS, Figures, UnitFigures
from casework.reports.exports import Table
from casework.units.places import Place, matches, sort_name

PER_PAGE = 50


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Row:
    """A unit, or a province (its department and communes in scope, added up)."""

    unit: Place
    units: int = 0
    inactive_units: int = 0  # units with no trainee active in the window
    trainees: int = 0
    active: int = 0
    runs: int = 0
    passed: int = 0
    signed: int = 0
    sign_offs: int = 0
    #: (field, level 1–4) → trainees at exactly that level of the field's learning path
    path_levels: dict[tuple[str, int], int] = field(default_factory=dict)
    coached: bool = False  # a unit whose page the reader may open

    def add(self, f: UnitFigures) -> None:
        self.units += 1
        self.inactive_units += 1 if f.active == 0 else 0
        self.trainees += f.trainees
        self.active += f.active
        self.runs += f.runs
        self.passed += f.passed
        self.signed += f.signed
        self.sign_offs += f.sign_offs
        for level, n in f.path_levels.items():
            self.path_levels[level] = self.path_levels.get(level, 0) + n

    @property
    def no_activity(self) -> bool:
        return self.active == 0

    @property
    def active_share(self) -> float | None:
        return _share(self.active, self.trainees)

    @property
    def signed_share(self) -> float | None:
        return _share(self.signed, self.trainees)

    @property
    def inactive_share(self) -> float | None:
        return _share(self.inactive_units, self.units)

    def at_least(self, field_name: str, rank: int) -> int:
        """Trainees at level `rank` or above on `field_name`'s learning path."""
        return sum(n for (f, r), n in self.path_levels.items() if f == field_name and r >= rank)

    def at_least_share(self, field_name: str, rank: int) -> float | None:
        return _share(self.at_least(field_name, rank), self.trainees)


def unit_rows(figures: Figures, department_id: int | None = None) -> list[Row]:
    """One row per unit in scope (of one province, or all)."""
    rows = []
    for f in figures.units.values():
        if department_id is None or f.unit.department_id == department_id:
            row = Row(unit=f.unit, coached=f.unit.id in figures.coached)
            row.add(f)
            rows.append(row)
    return rows


def province_rows(figures: Figures) -> list[Row]:
    """One row per province with a unit in scope: the department's row, summing those units."""
    rows: dict[int, Row] = {}
    for f in figures.units.values():
        dept = figures.departments.get(f.unit.department_id or -1)
        if dept is None:
            continue  # a unit outside any province (under the ministry itself): not listed
        rows.setdefault(dept.id, Row(unit=dept)).add(f)
    return list(rows.values())


def total(rows: Iterable[Row], unit: Place) -> Row:
    """The rows added up (the table's last line)."""
    out = Row(unit=unit)
    for r in rows:
        out.units += r.units
        out.inactive_units += r.inactive_units
        for attr in ("trainees", "active", "runs", "passed", "signed", "sign_offs"):
            setattr(out, attr, getattr(out, attr) + getattr(r, attr))
        for level, n in r.path_levels.items():
            out.path_levels[level] = out.path_levels.get(level, 0) + n
    return out


# ---- filters, sorting, paging ------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    q: str = ""  # part of the name or code, accents optional
    inactive: bool = False  # "đơn vị chưa có hoạt động": nobody active in the window
    sort: str = "name"
    desc: bool = False
    page: int = 1
    units: bool = False  # the page lists every unit in scope instead of the provinces
    field: str = ""  # the learning path's field whose levels the page shows (default: the first)


SORTS: dict[str, Callable[[Row], Any]] = {
    "name": lambda r: sort_name(r.unit),
    "units": lambda r: r.units,
    "inactive": lambda r: r.inactive_units,
    "inactive_share": lambda r: r.inactive_share,
    "trainees": lambda r: r.trainees,
    "active": lambda r: r.active,
    "active_share": lambda r: r.active_share,
    "runs": lambda r: r.runs,
    "passed": lambda r: r.passed,
    "signed": lambda r: r.signed,
    "signed_share": lambda r: r.signed_share,
    "sign_offs": lambda r: r.sign_offs,
    # the share of trainees at a learning-path level or above, on the page's field (`apply`)
    **{f"lv{lv.rank}": lambda r: None for lv in LEVELS},
}


def path_fields(rows: Iterable[Row]) -> list[str]:
    """The fields any row has a trainee on (đo lường and chất lượng first)."""
    names = {name for r in rows for name, _ in r.path_levels}
    return sorted(names, key=field_order)


def chosen_field(rows: Sequence[Row], wanted: str) -> str:
    """The field asked for if some row has it, else the first one (or "" with none)."""
    fields = path_fields(rows)
    return wanted if wanted in fields else (fields[0] if fields else "")


def apply(rows: Sequence[Row], filters: Filters) -> list[Row]:
    """Filtered and sorted (a missing share — no trainees — always last)."""
    out = list(rows)
    if filters.inactive:
        out = [r for r in out if r.no_activity]
    if filters.q:
        out = [r for r in out if matches(r.unit, filters.q)]
    get = SORTS.get(filters.sort, SORTS["name"])
    if filters.sort.startswith("lv"):
        name, rank = filters.field or chosen_field(out, ""), int(filters.sort[2:])
        get = lambda r: r.at_least_share(name, rank)  # noqa: E731
    return ordered(out, get, desc=filters.desc, tie=lambda r: sort_name(r.unit))


def page(rows: list[Row], number: int) -> Page[Row]:
    return paginate(rows, number, PER_PAGE)


# ---- export ------------------------------------------------------------------------------------


def _percent(value: float | None) -> float | str:
    return round(value * 100, 1) if value is not None else ""


def _level_headers(rows: Sequence[Row]) -> list[tuple[str, int]]:
    """(field, level) of every field any row has a trainee on, levels 1–4 each."""
    return [(name, lv.rank) for name in path_fields(rows) for lv in LEVELS]


def export_table(rows: Sequence[Row], *, provinces: bool, title: str, notes: list[str]) -> Table:
    """The provinces, or the units; names and codes made safe for a spreadsheet."""
    levels = _level_headers(rows)
    figures = [
        "Học viên", f"Hoạt động {ACTIVE_DAYS} ngày", f"Hoạt động {ACTIVE_DAYS} ngày (%)",
        "Bài làm thử đã xong", "Nhận xét đạt", "Học viên được xác nhận",
        "Học viên được xác nhận (%)", "Số xác nhận",
        *(f"{name} — từ «{LEVEL_LABELS[rank]}»" for name, rank in levels),
    ]  # fmt: skip

    def values(r: Row) -> list[Any]:
        return [
            r.trainees, r.active, _percent(r.active_share), r.runs, r.passed, r.signed,
            _percent(r.signed_share), r.sign_offs, *(r.at_least(n, k) for n, k in levels),
        ]  # fmt: skip

    body: list[Sequence[Any]]
    if provinces:
        headers = ["Mã tỉnh", "Tỉnh, thành phố", "Số đơn vị", "Đơn vị chưa có hoạt động",
                   "Đơn vị chưa có hoạt động (%)", *figures]  # fmt: skip
        body = [
            [r.unit.official_code or "", safe_cell(r.unit.province or r.unit.name), r.units,
             r.inactive_units, _percent(r.inactive_share), *values(r)]
            for r in rows
        ]  # fmt: skip
    else:
        headers = ["Mã đơn vị", "Đơn vị", "Mã chính thức", "Tỉnh, thành phố", *figures]
        body = [
            [safe_cell(r.unit.code), safe_cell(r.unit.name), r.unit.official_code or "",
             safe_cell(r.unit.province or ""), *values(r)]
            for r in rows
        ]  # fmt: skip
    return Table(title=title, headers=headers, rows=body, notes=notes)
