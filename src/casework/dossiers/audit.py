"""`casework audit verify`: recompute every event chain, in batches, without loading all rows;
replay each dossier's events and compare every column they determine — of the dossier row, its
step rows and its pause rows (`dossiers.derived`); compare the report counters with the same
counters recomputed from the dossiers (`reports.counter_check`), and the work queue's counters
with the dossiers' kept roles and buckets (`dossiers.kept`, which also checks the columns kept
for speed of each row); and follow the chain of the
integrity checks' own records (`reports.models.AuditCheck`). Signed checkpoints, kept outside the
database, catch what a consistent rewrite of all of these would hide (`casework.checkpoints`).

Reading is done in short transactions, one per batch of dossiers, each on one snapshot
(PostgreSQL: REPEATABLE READ; SQLite: a read transaction), so a dossier and its events are seen
as they stood together even while officers keep working, and a long check holds back neither
vacuum nor the WAL checkpoint. Nothing is ever written here.

A finished check row is sealed (`check_hash`) over its fields and the hash of the check sealed
just before it. Checks of different units may run at once and finish in any order, so the chain
follows the links, not the ids: every sealed row but the first must name the hash of another
sealed row, and no two rows may name the same one (a fork). The check rows are few — one per
check started by hand — so their hashes are kept in memory while the links are followed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import or_
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.admin import history_chain
from casework.admin.history_chain import HistoryProblem
from casework.clock import CalendarEntry, WorkCalendar
from casework.dossiers import kept
from casework.dossiers.catalog import procedure_of_version
from casework.dossiers.clockwork import NATIONAL_SCOPE, CalendarSource
from casework.dossiers.derived import ColumnProblem, compare
from casework.dossiers.events import ChainProblem, canonical_json, verify_chain
from casework.dossiers.models import (
    CalendarOverride,
    ClockPause,
    Dossier,
    Event,
    ProcedureVersion,
    StepRecord,
)
from casework.errors import NotFound
from casework.procedures import Procedure
from casework.reports import counter_check
from casework.reports.counter_check import CounterProblem
from casework.reports.models import AuditCheck

BATCH = 500


@dataclass(frozen=True)
class CheckProblem:
    """Something wrong with the record of an integrity check (the audit_check chain)."""

    check_id: int
    problem: str  # Vietnamese, says what is wrong

    def __str__(self) -> str:
        return f"Lần kiểm tra toàn vẹn #{self.check_id}: {self.problem}"


Problem = ChainProblem | ColumnProblem | CounterProblem | CheckProblem | HistoryProblem


@dataclass
class AuditReport:
    dossiers: int = 0
    events: int = 0
    #: report counter rows compared with the dossiers
    counters: int = 0
    #: work-queue counter rows compared with the dossiers (`dossiers.kept`)
    queue_counters: int = 0
    #: sealed integrity-check records verified
    checks: int = 0
    #: rows of the accounts' history verified (`admin.history_chain`)
    account_changes: int = 0
    #: the problems found, at most `limit` of them (all of them without a limit)
    problems: list[Problem] = field(default_factory=list)
    #: how many problems were found, listed or not
    problem_count: int = 0
    limit: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.problem_count += 1
            if self.limit is None or len(self.problems) < self.limit:
                self.problems.append(problem)


#: called after each batch with the report so far (the integrity check page saves its progress)
Progress = Callable[[AuditReport], None]


def check_hash(row: AuditCheck) -> str:
    """SHA-256 over a check row's fields and the hash of the check sealed before it."""
    body = {
        "id": row.id,
        "unit": row.unit_id,
        "started_by": row.started_by_id,
        "started_at": _instant(row.started_at),
        "finished_at": _instant(row.finished_at),
        "status": row.status,
        "dossiers_total": row.dossiers_total,
        "dossiers_done": row.dossiers_done,
        "events": row.events,
        "problems": row.problems,
        "prev": row.prev_hash,
    }
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def _instant(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="microseconds") if value else None


def scope_clause(session: Session, unit: Unit | None) -> Any | None:
    """The dossiers handled or received at or below `unit` (None: no restriction needed, when
    `unit` is missing or its subtree holds every unit).

    The subtree's unit ids are listed literally (a few thousand at most), so the database can
    combine its indexes on both unit columns instead of scanning every dossier."""
    if unit is None:
        return None
    outside = session.exec(
        select(Unit.id).where(~col(Unit.path).startswith(unit.path)).limit(1)
    ).first()
    if outside is None:
        return None
    sub = list(session.exec(select(Unit.id).where(col(Unit.path).startswith(unit.path))).all())
    return or_(col(Dossier.handling_unit_id).in_(sub), col(Dossier.receiving_unit_id).in_(sub))


def verify(
    session: Session,
    *,
    code: str | None = None,
    unit: Unit | None = None,
    checks: bool | None = None,
    progress: Progress | None = None,
    problem_limit: int | None = None,
    calendars: CalendarSource | None = None,
) -> AuditReport:
    """Recompute the chains of every dossier (or one, or those of `unit`'s subtree) and replay
    their events against their columns, reading committed data in sessions of its own, in
    batches, so the caller's session and objects are left as they were.

    `checks` (default: when no single dossier is asked for) also compares the report counters
    (of the subtree's units) and verifies the chain of the integrity checks' records; with
    `unit`, only problems of that subtree's checks are reported. `progress` is called after each
    batch; `problem_limit` caps the problems kept (all are counted)."""
    bind = session.get_bind()
    report = AuditReport(limit=problem_limit)
    whole = checks if checks is not None else code is None
    with Session(snapshot_engine(bind) if isinstance(bind, Engine) else bind) as own:
        context = _Context(own, calendars or CalendarSource())
        _verify_dossiers(own, report, context, code=code, unit=unit, progress=progress)
        if whole:
            _verify_counters(own, report, unit=unit)
            _verify_checks(own, report, unit=unit)
            _verify_history(own, report, unit=unit)
    if progress is not None:
        progress(report)
    return report


class _Context:
    """What the replay needs for every dossier, read once: the procedure of each stored
    version, the unit codes, and each unit's calendar (national days and the unit's own)."""

    def __init__(self, session: Session, source: CalendarSource) -> None:
        self.versions: dict[int, tuple[tuple[str, int, str], Procedure]] = {}
        for row in session.exec(select(ProcedureVersion)).all():
            assert row.id is not None
            key = (row.code, row.version, row.content_hash)
            self.versions[row.id] = (key, procedure_of_version(row))
        units = session.execute(sa_select(col(Unit.id), col(Unit.code))).all()
        self.unit_codes: dict[int, str] = {u.id: u.code for u in units}
        self.source = source
        self.days: dict[str, list[CalendarOverride]] = {}
        for day in source.overrides(session, [NATIONAL_SCOPE, *self.unit_codes.values()]):
            self.days.setdefault(day.scope, []).append(day)
        session.rollback()
        self._cals: dict[int, WorkCalendar] = {}

    def calendar(self, unit_id: int) -> WorkCalendar:
        cal = self._cals.get(unit_id)
        if cal is None:
            rows = self.days.get(NATIONAL_SCOPE, []) + self.days.get(
                self.unit_codes.get(unit_id, ""), []
            )
            cal = self.source.base
            if rows:
                cal = cal.with_entries(CalendarEntry(r.day, r.kind, r.name) for r in rows)  # type: ignore[arg-type]
            self._cals[unit_id] = cal
        return cal


def snapshot_engine(engine: Engine) -> Engine:
    """Each transaction reads one snapshot (SQLite's read transactions already do)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="REPEATABLE READ")
    return engine


#: what the check reads: plain rows (no ORM objects), which `verify_chain` and `derived.compare`
#: read as they would read a Dossier and its Events — a third of the time of loading full objects
_DOSSIER_COLUMNS = tuple(Dossier.__table__.c)  # type: ignore[attr-defined]
EVENT_COLUMNS = tuple(
    col(c)
    for c in (
        Event.dossier_id, Event.seq, Event.at, Event.actor_id, Event.kind, Event.action,
        Event.from_state, Event.to_state, Event.payload, Event.prev_hash, Event.hash,
    )
)  # fmt: skip
_STEP_COLUMNS = tuple(StepRecord.__table__.c)  # type: ignore[attr-defined]
_PAUSE_COLUMNS = tuple(ClockPause.__table__.c)  # type: ignore[attr-defined]


def _grouped(session: Session, columns: Any, owner: Any, ids: list[int], *order: Any) -> Any:
    """Rows of a child table for the dossiers `ids`, as {dossier id: [rows in `order`]}."""
    out: dict[int, list[Any]] = {i: [] for i in ids}
    query = sa_select(*columns).where(owner.in_(ids)).order_by(owner, *order)
    for row in session.connection().execute(query):  # Core rows: no ORM loading
        out[row.dossier_id].append(row)
    return out


def _verify_dossiers(
    session: Session,
    report: AuditReport,
    context: _Context,
    *,
    code: str | None,
    unit: Unit | None,
    progress: Progress | None,
) -> None:
    query = sa_select(*_DOSSIER_COLUMNS).order_by(col(Dossier.id))
    if unit is not None:
        scope = scope_clause(session, unit)
        if scope is not None:
            query = query.where(scope)
    if code is not None:
        query = query.where(col(Dossier.code) == code)
        if session.execute(query).first() is None:
            raise NotFound(f"Không tìm thấy hồ sơ {code}.")
    last_id = 0
    while True:
        batch = (
            session.connection().execute(query.where(col(Dossier.id) > last_id).limit(BATCH)).all()
        )
        if not batch:
            session.rollback()
            return
        ids = [d.id for d in batch]
        events = _grouped(session, EVENT_COLUMNS, col(Event.dossier_id), ids, col(Event.seq))
        steps = _grouped(
            session, _STEP_COLUMNS, col(StepRecord.dossier_id), ids, col(StepRecord.ordinal)
        )
        pauses = _grouped(
            session, _PAUSE_COLUMNS, col(ClockPause.dossier_id), ids,
            col(ClockPause.started_at), col(ClockPause.id),
        )  # fmt: skip
        for dossier in batch:
            chain = events[dossier.id]
            report.dossiers += 1
            report.events += len(chain)
            report.add(verify_chain(cast(Dossier, dossier), cast(list[Event], chain)))
            version, procedure = context.versions[dossier.procedure_version_id]
            report.add(
                compare(
                    dossier,
                    chain,
                    steps[dossier.id],
                    pauses[dossier.id],
                    procedure,
                    version,
                    context.unit_codes,
                    context.calendar(dossier.handling_unit_id),
                )  # fmt: skip
            )
        last_id = batch[-1].id
        session.rollback()  # end the snapshot: the next batch reads a fresh one
        if progress is not None:
            progress(report)


def _verify_counters(session: Session, report: AuditReport, *, unit: Unit | None) -> None:
    """The report and work-queue counters of the subtree's units against the dossiers, in one
    snapshot."""
    units: list[int] | None = None
    if unit is not None and scope_clause(session, unit) is not None:
        query = select(Unit.id).where(col(Unit.path).startswith(unit.path))
        units = [uid for uid in session.exec(query).all() if uid is not None]
    compared, found = counter_check.compare(session, units=units)
    report.counters += compared
    report.add(found)
    queued, wrong = kept.compare_counters(session, units)
    report.queue_counters += queued
    report.add(wrong)
    session.rollback()


def _verify_history(session: Session, report: AuditReport, *, unit: Unit | None) -> None:
    """Follow the chain of the accounts' history in one snapshot; a unit's check reports the
    problems of its own users' rows (the whole chain is followed either way)."""
    found = history_chain.verify(session)
    session.rollback()
    problems = found.problems
    if unit is not None and scope_clause(session, unit) is not None:
        mine = set(
            session.exec(
                select(User.id).join(Unit, col(User.unit_id) == col(Unit.id))
                .where(col(Unit.path).startswith(unit.path))
            ).all()
        )  # fmt: skip
        session.rollback()
        problems = [
            p for p in problems
            if p.change_id is None or found.users.get(p.change_id) in mine
        ]  # fmt: skip
    report.account_changes += found.rows
    report.add(problems)


def _verify_checks(session: Session, report: AuditReport, *, unit: Unit | None) -> None:
    """Follow the chain of sealed check records, all read in one snapshot."""
    mine: set[int | None] | None = None
    if unit is not None:
        mine = set(session.exec(select(Unit.id).where(col(Unit.path).startswith(unit.path))).all())
    found: list[CheckProblem] = []
    owner: dict[str, int] = {}  # stored hash -> id of the check that carries it
    links: list[tuple[int, str]] = []  # (check id, the hash it names as its predecessor)
    in_scope: set[int] = set()
    sealed = or_(col(AuditCheck.status) != "running", col(AuditCheck.hash) != "")
    last_id = 0
    while True:
        batch = session.exec(
            select(AuditCheck)
            .where(sealed, col(AuditCheck.id) > last_id)
            .order_by(col(AuditCheck.id))
            .limit(BATCH)
        ).all()
        if not batch:
            break
        for row in batch:
            assert row.id is not None
            if mine is None or row.unit_id in mine:
                in_scope.add(row.id)
                report.checks += 1
            if not row.hash:
                found.append(
                    CheckProblem(row.id, "đã kết thúc nhưng chưa được niêm phong (không có mã băm)")
                )
                continue
            if check_hash(row) != row.hash:
                found.append(CheckProblem(row.id, "nội dung đã bị sửa sau khi ghi (mã băm sai)"))
            if row.hash in owner:
                found.append(
                    CheckProblem(row.id, f"trùng mã băm với lần kiểm tra #{owner[row.hash]}")
                )
            owner.setdefault(row.hash, row.id)
            links.append((row.id, row.prev_hash))
        last_id = batch[-1].id or last_id
        session.expunge_all()
    session.rollback()
    first: int | None = None
    taken: dict[str, int] = {}  # predecessor hash -> the check that names it
    for check_id, prev in links:
        if not prev:
            if first is None:
                first = check_id
            else:
                found.append(
                    CheckProblem(
                        check_id,
                        f"không nối với lần kiểm tra nào trước đó, như lần kiểm tra #{first} "
                        "(chuỗi bị cắt)",
                    )
                )
        elif prev not in owner:
            found.append(
                CheckProblem(
                    check_id,
                    "không khớp mã băm của lần kiểm tra trước (một bản ghi trước đã bị sửa "
                    "hoặc xóa)",
                )
            )
        elif prev in taken:
            found.append(
                CheckProblem(
                    check_id,
                    f"nối vào lần kiểm tra #{owner[prev]} như lần kiểm tra #{taken[prev]} "
                    "(chuỗi bị rẽ nhánh)",
                )
            )
        else:
            taken[prev] = check_id
    mine_found = sorted((p for p in found if p.check_id in in_scope), key=lambda p: p.check_id)
    report.add(mine_found)
