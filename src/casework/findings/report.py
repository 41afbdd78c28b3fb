"""The periodic inspection report (issue 15, item 9): commune → department → ministry.

For a month or a quarter, per unit below the reader's (each commune for a department, each
province's department with its communes for the ministry; a commune sees itself): inspections
done (real inspection dossiers closed in the period with a signed conclusion), establishments
checked (distinct names), inspections with a violation, violations handled (transferred to the
competent person or a sanction decision recorded), the fines in đồng, follow-up checks scheduled
and opened, and inspections stopped (cancelled by the leader in the period — counted there and
not as done, even when their record had been signed). Generated from the records; the same table
leaves as CSV or XLSX.

Who: auditors and admins over their subtree (and any unit in it); a unit's handlers and leaders
(and receivers) see their own unit — the report a commune sends to its department.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from casework.accounts.models import ACTING_ROLES, Role, Unit, User
from casework.dossiers.models import Dossier, Mode
from casework.errors import NotFound, PermissionDenied, ValidationFailed
from casework.findings.conclusion import CONCLUSION_KEY, VIOLATION
from casework.findings.models import Handling
from casework.procedures import ProcedureRegistry
from casework.reports.exports import Table

HEADERS = [
    "Đơn vị",
    "Cuộc kiểm tra đã xong",
    "Cơ sở được kiểm tra",
    "Có vi phạm",
    "Đã xử lý vi phạm",
    "Tiền phạt (đồng)",
    "Hẹn kiểm tra lại",
    "Đã mở cuộc kiểm tra lại",
    "Đã dừng kiểm tra",
]


@dataclass(frozen=True)
class Period:
    key: str  # "2026-12" or "2026-Q4"
    first: date
    last: date  # inclusive

    @property
    def label(self) -> str:
        if "Q" in self.key:
            year, quarter = self.key.split("-Q")
            return f"Quý {quarter}/{year}"
        return f"Tháng {self.first:%m/%Y}"


def parse_period(key: str | None, today: date) -> Period:
    """'2026-12' (a month) or '2026-Q4' (a quarter); none: the quarter of `today`."""
    if not key:
        key = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    month = re.fullmatch(r"(\d{4})-(\d{2})", key)
    quarter = re.fullmatch(r"(\d{4})-Q([1-4])", key)
    if month and 1 <= int(month.group(2)) <= 12 and 2000 <= int(month.group(1)) <= 2100:
        year, first_month, months = int(month.group(1)), int(month.group(2)), 1
    elif quarter and 2000 <= int(quarter.group(1)) <= 2100:
        year, first_month, months = int(quarter.group(1)), 3 * int(quarter.group(2)) - 2, 3
    else:
        raise ValidationFailed(
            "Kỳ báo cáo chưa đúng.",
            fields={"period": "Kỳ là tháng (2026-12) hoặc quý (2026-Q4)."},
        )
    first = date(year, first_month, 1)
    end_month = first_month + months
    after = date(year + (end_month > 12), (end_month - 1) % 12 + 1, 1)
    return Period(key, first, date.fromordinal(after.toordinal() - 1))


def report_root(session: Session, user: User, unit_id: int | None) -> Unit:
    """The unit the report is about: a reader's own or one below it; a staff member's own."""
    own = session.get(Unit, user.unit_id)
    if own is None or not user.is_active:
        raise PermissionDenied("Tài khoản chưa thuộc đơn vị nào.")
    if user.has_role(Role.auditor, Role.admin):
        if unit_id is None or unit_id == own.id:
            return own
        unit = session.get(Unit, unit_id)
        if unit is None or not unit.path.startswith(own.path):
            raise NotFound("Không tìm thấy đơn vị này trong phạm vi của bạn.")
        return unit
    if user.has_role(*ACTING_ROLES):
        if unit_id is not None and unit_id != own.id:
            raise NotFound("Không tìm thấy đơn vị này trong phạm vi của bạn.")
        return own
    raise PermissionDenied(
        "Báo cáo kiểm tra dành cho cán bộ của đơn vị và cán bộ kiểm tra, giám sát."
    )


@dataclass
class Line:
    unit: Unit
    done: int = 0
    establishments: set[str] = field(default_factory=set)
    violations: int = 0
    handled: int = 0
    fines: int = 0
    follow_ups: int = 0
    follow_ups_opened: int = 0
    cancelled: int = 0

    def cells(self) -> list[object]:
        return [
            self.unit.name,
            self.done,
            len(self.establishments),
            self.violations,
            self.handled,
            self.fines,
            self.follow_ups,
            self.follow_ups_opened,
            self.cancelled,
        ]


@dataclass(frozen=True)
class Report:
    root: Unit
    period: Period
    lines: list[Line]
    total: Line

    def table(self) -> Table:
        return Table(
            title=f"Báo cáo kết quả kiểm tra — {self.root.name} — {self.period.label}",
            headers=HEADERS,
            rows=[line.cells() for line in [*self.lines, self.total]],
            notes=[
                f"Kỳ: {self.period.first:%d/%m/%Y} – {self.period.last:%d/%m/%Y}",
                "Chỉ tính cuộc kiểm tra thật (không tính làm thử) đã kết thúc trong kỳ và có "
                "kết luận trong biên bản; cuộc kiểm tra bị dừng trong kỳ chỉ tính ở cột «Đã dừng "
                "kiểm tra», kể cả khi biên bản đã ký.",
            ],
        )


def build(
    session: Session, *, root: Unit, period: Period, registry: ProcedureRegistry, tz: ZoneInfo
) -> Report:
    procedures = [p for p in registry.all() if p.kind == "inspection"]
    codes = [p.code for p in procedures]
    #: the final states that stop an inspection (the shared part `cancel_inspection`)
    stopped = {s for p in procedures for s, st in p.states.items() if st.outcome == "cancelled"}
    start = datetime.combine(period.first, time(), tz)
    end = datetime.combine(date.fromordinal(period.last.toordinal() + 1), time(), tz)
    children = list(
        session.exec(select(Unit).where(Unit.parent_id == root.id).order_by(col(Unit.name))).all()
    )
    lines = {u.id: Line(u) for u in children}
    own = Line(root)
    total = Line(root.model_copy(update={"name": "Tổng cộng"}))
    found = session.exec(
        select(Dossier, Unit.path)
        .join(Unit, col(Unit.id) == Dossier.handling_unit_id)
        .where(
            col(Dossier.procedure_code).in_(codes),
            Dossier.mode == Mode.real,
            col(Dossier.finished_at) >= start,
            col(Dossier.finished_at) < end,
            col(Unit.path).startswith(root.path),
        )
    ).all()
    cancelled = [path for d, path in found if d.state in stopped]
    done = [(d, path) for d, path in found if d.state not in stopped and d.data.get(CONCLUSION_KEY)]
    handlings = {
        h.dossier_id: h
        for h in session.exec(
            select(Handling).where(col(Handling.dossier_id).in_([d.id for d, _ in done]))
        ).all()
    }
    for d, path in done:
        line = next((ln for ln in lines.values() if path.startswith(ln.unit.path)), own)
        for target in (line, total):
            _count(target, d, handlings.get(d.id))  # type: ignore[arg-type]
    for path in cancelled:
        line = next((ln for ln in lines.values() if path.startswith(ln.unit.path)), own)
        line.cancelled += 1
        total.cancelled += 1
    rows = list(lines.values())
    if own.done or own.cancelled or not rows:
        rows.insert(0, own)
    return Report(root=root, period=period, lines=rows, total=total)


def _count(line: Line, d: Dossier, handling: Handling | None) -> None:
    line.done += 1
    line.establishments.add(f"{d.handling_unit_id}:{d.applicant_name.strip().casefold()}")
    if d.data.get(CONCLUSION_KEY) != VIOLATION:
        return
    line.violations += 1
    if handling is None:
        return
    if handling.transferred_to or handling.decision_number:
        line.handled += 1
    line.fines += handling.amount or 0
    line.follow_ups += handling.follow_up_on is not None
    line.follow_ups_opened += bool(handling.follow_up_code)
