"""The admin's calendar page: the year's named days with their legal basis, the days still
"chưa xác nhận", and the changes (add, remove, confirm a basis, reject a package day).

Where a day comes from, last layer winning: the unit's own stored row, a national stored row,
an entry of `workflows/calendars/*.toml` (always sourced, or marked as the package's), or the
`holidays` package alone. A day without an instrument is "chưa xác nhận". Who acts on it:

- a day of the package (or of a file, marked unconfirmed) and a national row: an admin of the
  ministry (`Scope.national`), for the whole country;
- a row of the admin's own unit: that admin (local days; rows below the admin's unit are
  changed with `casework calendar … --unit`).

Every change goes through `casework.dossiers.calendars`, which stores the row (with who and
when) and recomputes the due of every open dossier on the changed calendar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from casework import inputs
from casework.admin.service import Scope
from casework.clock import Basis, WorkCalendar
from casework.clock.calendar import fmt_date
from casework.dossiers import calendars
from casework.dossiers.calendars import Kind, RowBasis
from casework.dossiers.clockwork import NATIONAL_SCOPE, CalendarSource
from casework.dossiers.models import CalendarOverride
from casework.errors import NotFound, PermissionDenied, ValidationFailed

#: an instrument names its date, as in the calendar files
INSTRUMENT_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b")


@dataclass(frozen=True)
class DayRow:
    day: date
    working: bool
    name: str
    scope: str | None  # "*" national row, a unit code, or None for the shipped calendar
    origin: str  # unit | national | file | package
    basis: Basis | None  # None: chưa xác nhận
    removable: bool  # a stored row this admin may delete
    can_confirm: bool  # unconfirmed, and this admin may enter its basis
    can_reject: bool  # a package day this admin may turn back into a normal day
    confirmed_by: str = ""  # a stored row's: who entered its basis, and when
    confirmed_at: datetime | None = None

    @property
    def confirmed(self) -> bool:
        return self.basis is not None


def calendar_rows(
    session: Session, scope: Scope, source: CalendarSource, year: int
) -> list[DayRow]:
    """Named days of `year` as the admin's unit sees them, each with where it comes from."""
    cal = source.for_unit(session, scope.root.id)
    overrides = {
        (r.day, r.scope): r
        for r in session.exec(
            select(CalendarOverride).where(
                col(CalendarOverride.scope).in_([NATIONAL_SCOPE, scope.root.code]),
                col(CalendarOverride.day) >= date(year, 1, 1),
                col(CalendarOverride.day) <= date(year, 12, 31),
            )
        ).all()
    }
    rows = []
    for special in cal.special_days(year):
        row = overrides.get((special.date, scope.root.code)) or overrides.get(
            (special.date, NATIONAL_SCOPE)
        )
        if row is not None:
            own = row.scope == scope.root.code
            may = own or scope.national
            basis = _row_basis(row)
            rows.append(
                DayRow(
                    day=special.date, working=special.working, name=special.name,
                    scope=row.scope, origin="unit" if own else "national", basis=basis,
                    removable=may, can_confirm=may and basis is None, can_reject=False,
                    confirmed_by=row.confirmed_by, confirmed_at=row.confirmed_at,
                )
            )  # fmt: skip
            continue
        found = source.base.basis_of(special.date)
        shown = found if found is not None and found.confirmed else None
        rows.append(
            DayRow(
                day=special.date, working=special.working, name=special.name, scope=None,
                origin="file" if source.base.entry_on(special.date) else "package",
                basis=shown, removable=False, can_confirm=shown is None and scope.national,
                can_reject=shown is None and scope.national,
            )
        )  # fmt: skip
    return rows


def _row_basis(row: CalendarOverride) -> Basis | None:
    if not row.instrument:
        return None
    url = row.source if row.source.startswith(("https://", "http://")) else ""
    return Basis(
        instrument=row.instrument, article=row.article, url=url, title="" if url else row.source
    )


def unconfirmed_years(
    session: Session, scope: Scope, source: CalendarSource, years: list[int]
) -> dict[int, int]:
    """How many days are still "chưa xác nhận" in each of `years` (those with any)."""
    out = {}
    for y in years:
        n = sum(1 for r in calendar_rows(session, scope, source, y) if not r.confirmed)
        if n:
            out[y] = n
    return out


# ---- reading the forms ------------------------------------------------------------------------


def _scope_code(scope: Scope, value: str, fields: dict[str, str]) -> str | None:
    if value == "national":
        if not scope.national:
            fields["scope"] = "Chỉ quản trị viên của Bộ được sửa lịch chung cả nước."
        return None
    return scope.root.code


def parse_day(value: str, fields: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        fields["day"] = "Chọn ngày (dd/mm/yyyy)."
        return None


DAY_NAME = inputs.Rule(
    "Tên ngày", "day_name",
    required="Ghi tên hoặc lý do của ngày (ví dụ: Nghỉ bù Tết Dương lịch).",
)  # fmt: skip
INSTRUMENT = inputs.Rule("Căn cứ", "day_name")
ARTICLE = inputs.Rule("Điều, khoản", "day_article")
SOURCE = inputs.Rule("Địa chỉ hoặc tên văn bản", "day_source")
REASON = inputs.Rule(
    "Lý do", "day_name",
    required="Ghi lý do hoặc văn bản cho thấy ngày này không phải ngày nghỉ.",
)  # fmt: skip


def _basis(values: dict[str, str], fields: dict[str, str], *, required: bool) -> RowBasis:
    """The basis fields of a form: required to confirm, optional when adding a day. Every text
    goes through the input layer first (lengths, control characters, bidi overrides)."""
    instrument = inputs.read(values, "instrument", INSTRUMENT, fields)
    article = inputs.read(values, "article", ARTICLE, fields)
    source = inputs.read(values, "source", SOURCE, fields)
    if "instrument" not in fields:
        if instrument and not INSTRUMENT_DATE.search(instrument):
            fields["instrument"] = (
                "Ghi số và ngày của văn bản, ví dụ: Công văn 10065/VPCP-KGVX ngày 02/10/2026."
            )
        elif required and not instrument:
            fields["instrument"] = "Ghi số và ngày của văn bản (quyết định, công văn, nghị quyết…)."
    if "source" not in fields and (required or instrument) and not source:
        fields["source"] = "Ghi địa chỉ công khai (https://…) hoặc tên của văn bản."
    return RowBasis(instrument=instrument, article=article, source=source)


# ---- changes ----------------------------------------------------------------------------------


def set_day(
    session: Session,
    scope: Scope,
    source: CalendarSource,
    values: dict[str, str],
    *,
    now: datetime | None = None,
) -> list[calendars.Moved]:
    fields: dict[str, str] = {}
    day = parse_day(values.get("day", ""), fields)
    kind = values.get("kind", "")
    if kind not in calendars.KIND_LABELS:
        fields["kind"] = "Chọn ngày nghỉ hoặc ngày làm việc bù."
    name = inputs.read(values, "name", DAY_NAME, fields)
    basis = _basis(values, fields, required=False)
    unit_code = _scope_code(scope, values.get("scope", "unit"), fields)
    if fields or day is None:
        raise ValidationFailed("Chưa lưu được ngày: xem các ô báo lỗi.", fields=fields)
    return calendars.set_day(
        session,
        day=day,
        kind=kind,  # type: ignore[arg-type]
        name=name,
        unit_code=unit_code,
        by=scope.admin.username,
        calendars=source,
        now=now,
        basis=basis,
    )


def remove_day(
    session: Session,
    scope: Scope,
    source: CalendarSource,
    values: dict[str, str],
    *,
    now: datetime | None = None,
) -> list[calendars.Moved]:
    fields: dict[str, str] = {}
    day = parse_day(values.get("day", ""), fields)
    unit_code = _scope_code(scope, values.get("scope", "unit"), fields)
    if fields or day is None:
        raise ValidationFailed("Chưa bỏ được ngày.", fields=fields)
    return calendars.remove_day(
        session,
        day=day,
        unit_code=unit_code,
        by=scope.admin.username,
        calendars=source,
        now=now,
    )


def package_day(source: CalendarSource, day: date) -> tuple[Kind, str] | None:
    """The kind and name of `day` if the shipped calendar has it without a confirmed basis
    (the package's alone, or a file entry marked unconfirmed), else None."""
    base: WorkCalendar = source.base
    entry = base.entry_on(day)
    if entry is not None:
        if entry.basis is None or entry.basis.confirmed:
            return None
        return entry.kind, entry.name
    status = base.package_status(day)
    if status is None:
        return None
    working, name = status
    return ("workday" if working else "day_off"), name


def confirm_day(
    session: Session,
    scope: Scope,
    source: CalendarSource,
    values: dict[str, str],
    *,
    now: datetime | None = None,
) -> list[calendars.Moved]:
    """Enter the basis of an unconfirmed day: a package day or a national row (the ministry), a
    row of the admin's own unit (that admin)."""
    national = values.get("scope", "unit") == "national"
    if national:
        _ministry_only(scope)
    fields: dict[str, str] = {}
    day = parse_day(values.get("day", ""), fields)
    basis = _basis(values, fields, required=True)
    unit_code = None if national else scope.root.code
    if fields or day is None:
        raise ValidationFailed("Chưa xác nhận được ngày: xem các ô báo lỗi.", fields=fields)
    kind: Kind | None = None
    name = ""
    if unit_code is None and calendars.stored_row(session, NATIONAL_SCOPE, day) is None:
        found = package_day(source, day)
        if found is None:
            raise NotFound(f"Không có ngày {fmt_date(day)} nào cần xác nhận căn cứ.")
        kind, name = found
    return calendars.confirm_day(
        session,
        day=day,
        basis=basis,
        unit_code=unit_code,
        kind=kind,
        name=name,
        by=scope.admin.username,
        calendars=source,
        now=now,
    )


def reject_day(
    session: Session,
    scope: Scope,
    source: CalendarSource,
    values: dict[str, str],
    *,
    now: datetime | None = None,
) -> list[calendars.Moved]:
    """Remove a day the package gives without a confirmed basis (the ministry): a national row
    makes it an ordinary day again, with the reason the admin gives as its basis."""
    _ministry_only(scope)
    fields: dict[str, str] = {}
    day = parse_day(values.get("day", ""), fields)
    reason = inputs.read(values, "reason", REASON, fields)
    if fields or day is None:
        raise ValidationFailed("Chưa bỏ được ngày: xem các ô báo lỗi.", fields=fields)
    stored = calendars.stored_row(session, NATIONAL_SCOPE, day)
    found = package_day(source, day) if stored is None else None
    if found is None:
        raise NotFound(f"Không có ngày {fmt_date(day)} nào chưa xác nhận để bỏ.")
    kind, name = found
    back: Kind = "day_off" if kind == "workday" else "workday"
    label = "Ngày làm việc" if back == "workday" else "Ngày nghỉ cuối tuần"
    return calendars.set_day(
        session,
        day=day,
        kind=back,
        name=f"{label} (bỏ «{name}» của gói ngày lễ)",
        by=scope.admin.username,
        calendars=source,
        now=now,
        basis=RowBasis(instrument=reason),
    )


def _ministry_only(scope: Scope) -> None:
    """The national calendar's unconfirmed days are the ministry's to confirm or remove: a
    province's admin is shown them, without the forms; a forged form is a 403."""
    if not scope.national:
        raise PermissionDenied(
            "Chỉ quản trị viên của Bộ được xác nhận hoặc bỏ ngày của lịch chung cả nước."
        )
