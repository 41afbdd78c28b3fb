"""The auditor's audit log and the integrity checks started from it.

**The log** lists the events of the dossiers handled or received under a unit, newest first. It
pages by keyset on the event id (`before`: the last id of the page shown), 50 rows a page, and
never counts the events. Each page is a bounded index walk whatever the filter (`_Query`): the
primary key backwards by windows with a budget, or — for a filter that selects few rows, or a
date range — through that filter's index. Measured on PostgreSQL with 10 million events and a
million dossiers: 10–100 ms a page, at most about half a second for a filter no index helps
(a rare kind of event). Real dossiers by default; practice ones on request — but never in an
export (DESIGN §6: they never leave the system). Exports stop at `EXPORT_LIMIT` rows and say so.

**A check** recomputes every event chain of the subtree, replays each dossier's events against
its columns and compares the subtree's report counters (`dossiers.audit.verify`) in a worker
thread after the response, with sessions of its own: it reads dossiers and events and writes only
its own `AuditCheck` row — progress after each batch, then the result. The finished row is sealed
into the chain of check records: `prev_hash` is the hash of the check sealed just before it (the
chain's tip, found under a lock so two checks finishing at once cannot fork it) and `hash` covers
the row's fields and `prev_hash` (`audit.check_hash`). One check per unit runs at a time.

While a check runs, `progress_at` holds the time of its last progress; sealing sets `finished_at`.
A running check with no progress for `STALE_AFTER` was cut off (the process stopped): it is shown
as interrupted, and the next check of the unit seals it as failed.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, or_, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.admin.history_chain import HistoryProblem
from casework.checkpoints import latest
from casework.db import utcnow, write_engine
from casework.dossiers import audit
from casework.dossiers.catalog import procedure_of_version
from casework.dossiers.derived import ColumnProblem
from casework.dossiers.events import ChainProblem, canonical_json
from casework.dossiers.models import Dossier, Event, EventKind, Mode, ProcedureVersion
from casework.errors import NotFound
from casework.ids import parse_id
from casework.paging import Page
from casework.procedures import ProcedureRegistry
from casework.reports.access import unit_in_subtree
from casework.reports.counter_check import CounterProblem
from casework.reports.exports import Table
from casework.reports.models import AuditCheck
from casework.settings import Settings
from casework.text import fold
from casework.units import search

log = logging.getLogger("casework.audit")

PER_PAGE = 50
EXPORT_LIMIT = 50_000
EXPORT_BATCH = 2_000
PROBLEM_LIMIT = 1_000
CHECKS_PER_PAGE = 20
#: below these many dossiers or events, a filter drives the query (see `_Query`)
SPARSE_DOSSIERS = 2_000
SPARSE_EVENTS = 20_000
#: a page's search walks the ids by windows, up to a budget (see `list_events`)
SCAN_WINDOW = 100_000
SCAN_BUDGET = 500_000
STALE_AFTER = timedelta(hours=1)
#: PostgreSQL advisory lock taken while sealing a check into the chain
CHAIN_LOCK = 0x6177_6B63

MODES = ("real", "all", "practice")
KINDS = tuple(k.value for k in EventKind)
#: The kinds of events, for the export (the page has its own translated labels).
KIND_LABELS = {
    "opened": "Mở hồ sơ",
    "action": "Thao tác",
    "comment": "Góp ý",
    "attachment": "Đính kèm tệp",
    "clock": "Thời hạn",
    "audit": "Hệ thống ghi nhận",
    "applicant": "Người nộp (mô phỏng)",
}
FILTER_FIELDS = ("unit", "mode", "from", "to", "code", "actor", "kind", "action")
_IDENT = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


# ---- the log --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFilter:
    unit: Unit
    mode: str = Mode.real.value
    date_from: date | None = None
    date_to: date | None = None
    #: a dossier code, or the start of one
    code: str = ""
    #: part of a username or a name, accents optional
    actor: str = ""
    kind: str = ""
    action: str = ""


@dataclass
class LogRow:
    event: Event
    code: str
    mode: str
    procedure_code: str
    procedure_name: str
    unit_name: str
    actor_name: str | None
    actor_username: str | None
    from_label: str | None
    to_label: str | None

    @property
    def practice(self) -> bool:
        return self.mode == Mode.practice


@dataclass
class LogPage:
    rows: list[LogRow]
    #: the `before` of the next page, if there is one
    next_before: int | None
    #: this page starts at the newest event
    first: bool = True
    #: the search stopped at its budget before filling the page; `next_before` resumes it
    partial: bool = False


def parse_date(value: str) -> date:
    """A local date typed as yyyy-mm-dd (date inputs) or dd/mm/yyyy."""
    value = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        pass
    raise ValueError(value)


def parse_filter(
    session: Session, root: Unit, params: Mapping[str, str]
) -> tuple[LogFilter, dict[str, str], dict[str, str]]:
    """The filter of the query string, the problems by field (Vietnamese) and the values to show
    back in the form. A unit outside `root`'s subtree is a 404."""
    form = {name: str(params.get(name) or "").strip() for name in FILTER_FIELDS}
    errors: dict[str, str] = {}
    unit = root
    if (unit_id := parse_id(form["unit"])) is not None:  # an id: links made before the picker
        unit = unit_in_subtree(session, root, unit_id)
    elif form["unit"]:  # a code: the unit picker's, or typed
        found = search.lookup(session, root, form["unit"])
        if found is None:
            errors["unit"] = search.unknown(form["unit"])
        unit = found or root
    if "unit" not in errors:
        form["unit"] = unit.code
    mode = form["mode"] or Mode.real.value
    if mode not in MODES:
        errors["mode"] = "Chọn hồ sơ thật, làm thử hoặc cả hai."
        mode = Mode.real.value
    form["mode"] = mode
    dates: dict[str, date | None] = {"from": None, "to": None}
    for name in ("from", "to"):
        if form[name]:
            try:
                dates[name] = parse_date(form[name])
            except ValueError:
                errors[name] = (
                    f"«{form[name][:40]}» không phải là ngày hợp lệ: nhập theo dạng "
                    "dd/mm/yyyy, ví dụ 05/03/2026."
                )
            else:
                form[name] = dates[name].isoformat()  # type: ignore[union-attr]
    date_from, date_to = dates["from"], dates["to"]
    if date_from and date_to and date_from > date_to:
        errors["to"] = "Ngày kết thúc phải bằng hoặc sau ngày bắt đầu."
    if len(form["code"]) > 80:
        errors["code"] = "Mã hồ sơ dài tối đa 80 ký tự."
    if len(form["actor"]) > 100:
        errors["actor"] = "Tên người thực hiện dài tối đa 100 ký tự."
    if form["kind"] and form["kind"] not in KINDS:
        errors["kind"] = "Loại nhật ký không hợp lệ."
    if form["action"] and not _IDENT.match(form["action"]):
        errors["action"] = "Mã thao tác không hợp lệ."
    filters = LogFilter(
        unit=unit,
        mode=mode,
        date_from=None if "from" in errors else date_from,
        date_to=None if "to" in errors else date_to,
        code="" if "code" in errors else form["code"],
        actor="" if "actor" in errors else form["actor"],
        kind="" if "kind" in errors else form["kind"],
        action="" if "action" in errors else form["action"],
    )
    return filters, errors, form


def local_start(day: date, tz: ZoneInfo) -> datetime:
    """The instant a local day begins."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _like_prefix(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _actor_ids(session: Session, needle: str) -> list[int]:
    """Users whose username or name contains `needle`, accents optional. Matched in Python over
    (id, username, full_name): user tables are small, and this needs no folded column."""
    folded = fold(needle)
    rows = session.exec(select(User.id, User.username, User.full_name)).all()
    return [r[0] for r in rows if r[0] is not None and folded in fold(f"{r[1]} {r[2]}")]


@dataclass
class _Query:
    """The WHERE clauses over event ⋈ dossier, and how to reach the newest matches.

    - `id`: walk the primary key backwards and stop at the page's end — right when matches are
      dense;
    - `sort`: one filter selects few rows (a commune's dossiers, one code, one officer): gather
      them through that filter's index and sort them (a few thousand rows at most), instead of
      walking across millions of other rows;
    - `at`: a date range, perhaps long ago: walk the index on the time backwards from the range's
      end (newest first by time, then id), never across the events after it."""

    where: list[Any]
    order: str = "id"


def _query(session: Session, f: LogFilter, tz: ZoneInfo) -> _Query | None:
    """The plan of the filter (None: nothing can match)."""
    dossier_where: list[Any] = []
    scope = audit.scope_clause(session, f.unit)
    if scope is not None:
        dossier_where.append(scope)
    if f.mode != "all":
        dossier_where.append(col(Dossier.mode) == f.mode)
    if f.code:
        codes = sorted({f.code, f.code.upper()})
        exact = session.exec(select(Dossier.id).where(col(Dossier.code).in_(codes)).limit(1))
        if exact.first() is not None:  # a whole code: that dossier (through the unique index)
            dossier_where.append(col(Dossier.code).in_(codes))
        else:  # the beginning of codes
            dossier_where.append(
                or_(*(col(Dossier.code).like(_like_prefix(c), escape="\\") for c in codes))
            )
    event_where: list[Any] = []
    if f.date_from:
        event_where.append(col(Event.at) >= local_start(f.date_from, tz))
    if f.date_to:
        event_where.append(col(Event.at) < local_start(f.date_to + timedelta(days=1), tz))
    few_actors = False
    if f.actor:
        ids = _actor_ids(session, f.actor)
        if not ids:
            return None
        event_where.append(col(Event.actor_id).in_(ids))
        few_actors = _at_most(session, col(Event.actor_id).in_(ids), SPARSE_EVENTS)
    if f.kind:
        event_where.append(col(Event.kind) == f.kind)
    if f.action:
        event_where.append(col(Event.action) == f.action)

    if scope is not None or f.mode == Mode.practice or f.code:
        found = session.exec(
            select(Dossier.id).where(*dossier_where).limit(SPARSE_DOSSIERS + 1)
        ).all()
        if not found:
            return None
        if len(found) <= SPARSE_DOSSIERS:
            return _Query([col(Event.dossier_id).in_(found), *event_where], order="sort")
    where = [*dossier_where, *event_where]
    if few_actors:
        return _Query(where, order="sort")
    return _Query(where, order="at" if f.date_from or f.date_to else "id")


def _at_most(session: Session, clause: Any, limit: int) -> bool:
    """Whether at most `limit` events match `clause` (counts no further than that)."""
    head = select(Event.id).where(clause).limit(limit + 1).subquery()
    return int(session.exec(select(func.count()).select_from(head)).one()) <= limit


_ROW_COLUMNS = (
    Event,
    Dossier.code,
    Dossier.mode,
    Dossier.procedure_code,
    Dossier.procedure_version_id,
    Dossier.handling_unit_id,
)


def _fetch(session: Session, q: _Query, *, before: int | None, limit: int) -> list[tuple[Any, ...]]:
    query = (
        select(*_ROW_COLUMNS)  # type: ignore[call-overload]
        .join(Dossier, col(Dossier.id) == col(Event.dossier_id))
        .where(*q.where)
        .limit(limit)
    )
    if q.order == "at":
        query = query.order_by(col(Event.at).desc(), col(Event.id).desc())
        if before is not None:
            at = session.exec(select(Event.at).where(Event.id == before)).first()
            if at is None:
                return []
            # `at <= :at` bounds the index walk; the rest breaks ties on the time
            query = query.where(
                col(Event.at) <= at, or_(col(Event.at) < at, col(Event.id) < before)
            )
        return [tuple(r) for r in session.exec(query).all()]
    # `id + 0` cannot walk the primary key: the planner gathers the few matches, then sorts
    query = query.order_by(
        (col(Event.id) + 0).desc() if q.order == "sort" else col(Event.id).desc()
    )
    if before is not None:
        query = query.where(col(Event.id) < before)
    return [tuple(r) for r in session.exec(query).all()]


def _rows(session: Session, raw: list[tuple[Any, ...]]) -> list[LogRow]:
    """Names for a page of raw rows: a few look-ups by id, whatever the size of the log."""
    actor_ids = {r[0].actor_id for r in raw if r[0].actor_id is not None}
    unit_ids = {r[5] for r in raw}
    version_ids = {r[4] for r in raw}
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(actor_ids)))}
    units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids)))}
    pv = ProcedureVersion
    versions = {v.id: v for v in session.exec(select(pv).where(col(pv.id).in_(version_ids)))}
    out: list[LogRow] = []
    for ev, code, mode, procedure_code, version_id, unit_id in raw:
        version = versions.get(version_id)
        states = procedure_of_version(version).states if version else {}

        def label(state: str | None, states: Any = states) -> str | None:
            if state is None:
                return None
            return str(states[state].label) if state in states else state

        actor = users.get(ev.actor_id)
        unit = units.get(unit_id)
        out.append(
            LogRow(
                event=ev,
                code=code,
                mode=mode,
                procedure_code=procedure_code,
                procedure_name=version.name if version else procedure_code,
                unit_name=unit.name if unit else "",
                actor_name=actor.full_name if actor else None,
                actor_username=actor.username if actor else None,
                from_label=label(ev.from_state),
                to_label=label(ev.to_state),
            )
        )
    return out


def list_events(
    session: Session,
    f: LogFilter,
    *,
    tz: ZoneInfo,
    before: int | None = None,
    per_page: int = PER_PAGE,
    scan_window: int | None = None,
    scan_budget: int | None = None,
) -> LogPage:
    """One page of the log, newest first, starting below event id `before`.

    Walking the primary key, the search goes through windows of `scan_window` ids and gives up
    after `scan_budget` of them, so a filter matching rarely (a kind of event nobody indexes)
    costs one bounded step per page: the page then holds what was found and resumes below."""
    q = _query(session, f, tz)
    if q is None:
        return LogPage(rows=[], next_before=None, first=before is None)
    resume: int | None = None
    if q.order == "id":
        raw, resume = _fetch_windows(
            session, q, before=before, limit=per_page + 1,
            window=scan_window or SCAN_WINDOW, budget=scan_budget or SCAN_BUDGET,
        )  # fmt: skip
    else:
        raw = _fetch(session, q, before=before, limit=per_page + 1)
    rows = _rows(session, raw[:per_page])
    if len(raw) > per_page:
        return LogPage(rows=rows, next_before=rows[-1].event.id, first=before is None)
    return LogPage(rows=rows, next_before=resume, first=before is None, partial=resume is not None)


def _fetch_windows(
    session: Session, q: _Query, *, before: int | None, limit: int, window: int, budget: int
) -> tuple[list[tuple[Any, ...]], int | None]:
    """`_fetch` by windows of ids; also the id to resume below if the budget ran out first."""
    top = before
    if top is None:
        top = int(session.exec(select(func.max(Event.id))).one() or 0) + 1
    found: list[tuple[Any, ...]] = []
    hi, spent = top, 0
    while hi > 1 and len(found) < limit:
        if spent >= budget:
            return found, hi
        lo = max(1, hi - window)
        part = _Query([*q.where, col(Event.id) >= lo], order="id")
        found += _fetch(session, part, before=hi, limit=limit - len(found))
        hi, spent = lo, spent + (hi - lo)
    return found, None


def action_choices(registry: ProcedureRegistry) -> list[tuple[str, str]]:
    """(action id, label) of every action of the procedures in force, by label."""
    labels: dict[str, str] = {}
    for procedure in registry.all():
        for t in procedure.transitions:
            labels.setdefault(t.action, str(t.label))
    return sorted(labels.items(), key=lambda item: (fold(item[1]), item[0]))


EXPORT_HEADERS = [
    "Thời điểm",
    "Mã hồ sơ",
    "Mã thủ tục",
    "Tên thủ tục",
    "Đơn vị xử lý",
    "Người thực hiện",
    "Tên đăng nhập",
    "Loại nhật ký",
    "Mã thao tác",
    "Nội dung",
    "Từ bước",
    "Đến bước",
    "Số thứ tự",
    "Mã băm",
]


def export_table(
    session: Session, f: LogFilter, *, tz: ZoneInfo, limit: int = EXPORT_LIMIT
) -> Table:
    """The filtered log of real dossiers as a table, newest first, at most `limit` rows."""
    from casework.dossiers.views import event_label

    notes = [
        f"Đơn vị: {f.unit.name} ({f.unit.code}) và các đơn vị cấp dưới",
        *_filter_notes(f),
        "Chỉ gồm hồ sơ thật: hồ sơ làm thử không bao giờ được xuất ra ngoài hệ thống.",
        f"Mới nhất trước; tối đa {limit:,} dòng.".replace(",", "."),
    ]
    table = Table(title="Nhật ký hồ sơ", headers=EXPORT_HEADERS, notes=notes)
    real = f if f.mode == Mode.real else replace(f, mode=Mode.real.value)
    q = _query(session, real, tz)
    if q is None or f.mode == Mode.practice:
        return table
    before: int | None = None
    while len(table.rows) < limit + 1:
        raw = _fetch(
            session, q, before=before, limit=min(EXPORT_BATCH, limit + 1 - len(table.rows))
        )
        if not raw:
            break
        for r in _rows(session, raw):
            ev = r.event
            table.rows.append(
                [
                    ev.at.astimezone(tz).replace(tzinfo=None),
                    r.code,
                    r.procedure_code,
                    r.procedure_name,
                    r.unit_name,
                    r.actor_name or "Hệ thống",
                    r.actor_username or "",
                    KIND_LABELS.get(ev.kind, ev.kind),
                    ev.action or "",
                    event_label(ev),
                    r.from_label or "",
                    r.to_label or "",
                    ev.seq,
                    ev.hash,
                ]
            )
        before = raw[-1][0].id
        session.expunge_all()
    if len(table.rows) > limit:
        del table.rows[limit:]
        table.notes.append(
            f"ĐÃ CẮT ở {limit:,} dòng: còn dòng cũ hơn chưa xuất; hãy thu hẹp bộ lọc "
            "(khoảng ngày, đơn vị) để lấy phần còn lại.".replace(",", ".")
        )
    return table


def _filter_notes(f: LogFilter) -> list[str]:
    parts = []
    if f.date_from or f.date_to:
        start = f.date_from.strftime("%d/%m/%Y") if f.date_from else "…"
        end = f.date_to.strftime("%d/%m/%Y") if f.date_to else "…"
        parts.append(f"từ ngày {start} đến ngày {end}")
    if f.code:
        parts.append(f"mã hồ sơ bắt đầu bằng {f.code}")
    if f.actor:
        parts.append(f"người thực hiện: {f.actor}")
    if f.kind:
        parts.append(f"loại: {KIND_LABELS.get(f.kind, f.kind)}")
    if f.action:
        parts.append(f"thao tác: {f.action}")
    return [f"Bộ lọc: {'; '.join(parts)}"] if parts else []


# ---- integrity checks ------------------------------------------------------------------------


class CheckClosed(Exception):
    """The check was closed by someone else (sealed as interrupted) while it ran."""


def is_interrupted(check: AuditCheck, now: datetime | None = None) -> bool:
    """A running check without progress for `STALE_AFTER`: its process is gone."""
    if check.status != "running":
        return False
    last = check.progress_at or check.started_at
    return (now or utcnow()) - last > STALE_AFTER


def progress_percent(check: AuditCheck) -> int:
    if check.status != "running":
        return 100
    total = max(check.dossiers_total, check.dossiers_done)
    return 100 * check.dossiers_done // total if total else 0


def duration_seconds(check: AuditCheck) -> int | None:
    if check.status == "running" or check.finished_at is None:
        return None
    return max(0, round((check.finished_at - check.started_at).total_seconds()))


def check_in_scope(session: Session, root: Unit, check_id: int) -> AuditCheck:
    check = session.get(AuditCheck, check_id)
    unit = session.get(Unit, check.unit_id) if check else None
    if check is None or unit is None or not unit.path.startswith(root.path):
        raise NotFound("Không tìm thấy lần kiểm tra này trong phạm vi của bạn.")
    return check


def list_checks(session: Session, root: Unit, *, page: int = 1) -> Page[AuditCheck]:
    """Checks of units at or below `root`, newest first (there are few: one per click)."""
    sub = select(Unit.id).where(col(Unit.path).startswith(root.path))
    where = col(AuditCheck.unit_id).in_(sub)
    total = int(session.exec(select(func.count()).select_from(AuditCheck).where(where)).one())
    items = session.exec(
        select(AuditCheck)
        .where(where)
        .order_by(col(AuditCheck.id).desc())
        .offset((page - 1) * CHECKS_PER_PAGE)
        .limit(CHECKS_PER_PAGE)
    ).all()
    return Page(items=list(items), total=total, page=page, per_page=CHECKS_PER_PAGE)


def latest_check(session: Session, unit: Unit) -> AuditCheck | None:
    return session.exec(
        select(AuditCheck).where(AuditCheck.unit_id == unit.id).order_by(col(AuditCheck.id).desc())
    ).first()


def names_for(
    session: Session, checks: list[AuditCheck]
) -> tuple[dict[int | None, User], dict[int | None, Unit]]:
    """Who started each check and of which unit, by id."""
    user_ids = {c.started_by_id for c in checks if c.started_by_id is not None}
    unit_ids = {c.unit_id for c in checks}
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(user_ids)))}
    units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids)))}
    return users, units


def start_check(
    session: Session, *, user: User, unit: Unit, now: datetime | None = None
) -> tuple[AuditCheck, bool]:
    """A running check of `unit`'s subtree: a new one (True), or the one already running there
    (False). One transaction; the caller then runs `run_check` in the background."""
    now = now or utcnow()
    assert unit.id is not None
    # two clicks at once: the second waits here, then finds the first one's row
    session.exec(select(Unit.id).where(Unit.id == unit.id).with_for_update()).first()
    running = session.exec(
        select(AuditCheck)
        .where(AuditCheck.unit_id == unit.id, AuditCheck.status == "running")
        .order_by(col(AuditCheck.id))
    ).all()
    for check in running:
        if is_interrupted(check, now):
            assert check.id is not None
            _seal(session, check.id, status="failed", problems=[{"error": _INTERRUPTED}], now=now)
        else:
            session.commit()
            return check, False
    scope = audit.scope_clause(session, unit)
    count = select(func.count()).select_from(Dossier)
    total = int(session.exec(count.where(scope) if scope is not None else count).one())
    check = AuditCheck(
        unit_id=unit.id, started_by_id=user.id, started_at=now, status="running",
        dossiers_total=total,
    )  # fmt: skip
    session.add(check)
    session.commit()
    return check, True


_INTERRUPTED = (
    "Bị gián đoạn: không có tiến triển trong hơn 1 giờ (máy chủ có thể đã khởi động lại). "
    "Hãy chạy lại."
)


def run_check(engine: Engine, check_id: int, settings: Settings | None = None) -> None:
    """Run a started check to its end (FastAPI runs this in a worker thread after the response).

    Uses sessions of its own on `engine`, never the request's. Reads dossiers and events and
    writes only the check's row. Any failure is recorded on the row (status failed, the error
    message), never left running. With `settings`, the chains are also compared with the latest
    signed checkpoint (`checkpoints.latest`), and the record says which one."""
    writer = write_engine(engine)
    try:
        with Session(engine) as session:
            check = session.get(AuditCheck, check_id)
            if check is None or check.status != "running":
                return
            unit = session.get(Unit, check.unit_id)
            if unit is None:  # pragma: no cover - a foreign key keeps it
                raise NotFound("Không tìm thấy đơn vị của lần kiểm tra.")
            session.expunge_all()
            session.rollback()

            def save(report: audit.AuditReport) -> None:
                _save_progress(writer, check_id, report)

            report = audit.verify(
                session, unit=unit, checks=True, progress=save, problem_limit=PROBLEM_LIMIT
            )
            signed: list[dict[str, Any]] = []
            if settings is not None:
                entry, signed = latest.against_latest(
                    session, settings, units=_unit_codes(session, unit)
                )
                signed.append({"signed_checkpoint": entry})
        rows = signed[:-1][:PROBLEM_LIMIT] + _problem_rows(report) + signed[-1:]
        ok = report.ok and len(signed) <= 1
        _finish(
            writer, check_id, status="ok" if ok else "problems", problems=rows, report=report
        )  # fmt: skip
    except CheckClosed:
        log.info("audit_check_closed_elsewhere id=%s", check_id)
    except Exception as exc:  # noqa: BLE001 - recorded on the row, never left running
        log.exception("audit_check_failed id=%s", check_id)
        first_line = (str(exc).strip().splitlines() or [""])[0][:300]
        message = f"Lỗi khi kiểm tra: {type(exc).__name__}: {first_line}"
        try:
            _finish(writer, check_id, status="failed", problems=[{"error": message}])
        except Exception:  # noqa: BLE001
            log.exception("audit_check_not_closed id=%s", check_id)


def _unit_codes(session: Session, unit: Unit) -> set[str] | None:
    """The codes of `unit`'s subtree; None when it holds every unit."""
    if audit.scope_clause(session, unit) is None:
        return None
    query = select(Unit.code).where(col(Unit.path).startswith(unit.path))
    codes = set(session.exec(query).all())
    session.rollback()
    return codes


def _problem_rows(report: audit.AuditReport) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for p in report.problems:
        if isinstance(p, ChainProblem):
            rows.append({"code": p.dossier_code, "seq": p.seq, "problem": p.problem})
        elif isinstance(p, ColumnProblem):
            rows.append(
                {"code": p.dossier_code, "column": p.column, "stored": p.stored,
                 "expected": p.expected, "problem": p.problem}
            )  # fmt: skip
        elif isinstance(p, CounterProblem):
            rows.append(
                {"counter": p.table, "key": p.key, "column": p.column, "stored": p.stored,
                 "expected": p.expected, "problem": p.problem}
            )  # fmt: skip
        elif isinstance(p, HistoryProblem):
            rows.append({"account_change": p.change_id, "problem": p.problem})
        else:
            rows.append({"check": p.check_id, "problem": p.problem})
    if report.problem_count > len(rows):
        rows.append({"omitted": report.problem_count - len(rows)})
    return rows


def _save_progress(writer: Engine, check_id: int, report: audit.AuditReport) -> None:
    with Session(writer) as session:
        result = session.execute(
            update(AuditCheck)
            .where(col(AuditCheck.id) == check_id, col(AuditCheck.status) == "running")
            .values(dossiers_done=report.dossiers, events=report.events, progress_at=utcnow())
        )
        session.commit()
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise CheckClosed


def _finish(
    writer: Engine,
    check_id: int,
    *,
    status: str,
    problems: list[dict[str, Any]],
    report: audit.AuditReport | None = None,
) -> None:
    with Session(writer, expire_on_commit=False) as session:
        _seal(session, check_id, status=status, problems=problems, now=utcnow(), report=report)
        session.commit()


def _seal(
    session: Session,
    check_id: int,
    *,
    status: str,
    problems: list[Any],
    now: datetime,
    report: audit.AuditReport | None = None,
) -> bool:
    """Close a running check and chain it to the tip of the sealed checks (the caller commits).
    False if it was no longer running (closed meanwhile by someone else).

    Locks in one order everywhere — the chain, then the row — so two sealers never deadlock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
    # SQLite: a write session holds the database's write lock from its BEGIN IMMEDIATE
    check = session.exec(
        select(AuditCheck)
        .where(AuditCheck.id == check_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if check is None or check.status != "running":
        return False
    if report is not None:
        check.dossiers_done = report.dossiers
        check.events = report.events
    check.status = status
    check.problems = json.loads(canonical_json(problems))  # as the JSON column gives it back
    check.finished_at = now
    check.prev_hash = _chain_tip(session, but=check_id)
    check.hash = audit.check_hash(check)
    session.add(check)
    return True


def _chain_tip(session: Session, *, but: int) -> str:
    """The hash of the last sealed check: the one no other check names as its predecessor."""
    later = aliased(AuditCheck)
    tip = session.exec(
        select(AuditCheck.hash)
        .where(
            col(AuditCheck.hash) != "",
            col(AuditCheck.id) != but,
            ~exists().where(col(later.prev_hash) == col(AuditCheck.hash)),
        )
        .order_by(col(AuditCheck.finished_at).desc(), col(AuditCheck.id).desc())
        .limit(1)
    ).first()
    return tip or ""


@dataclass
class CheckView:
    """What the check page shows."""

    check: AuditCheck
    unit: Unit | None
    started_by: User | None
    interrupted: bool
    percent: int
    seconds: int | None
    problems: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    omitted: int = 0
    #: the signed checkpoint the check was compared with (`checkpoints.latest`), if it was run
    checkpoint: dict[str, Any] | None = None


def check_view(session: Session, check: AuditCheck, now: datetime | None = None) -> CheckView:
    problems = [p for p in check.problems if isinstance(p, dict)]
    error = next((str(p["error"]) for p in problems if "error" in p), None)
    omitted = sum(int(p.get("omitted", 0)) for p in problems)
    listed = [p for p in problems if "problem" in p]
    signed = next((p["signed_checkpoint"] for p in problems if "signed_checkpoint" in p), None)
    return CheckView(
        check=check,
        unit=session.get(Unit, check.unit_id),
        started_by=session.get(User, check.started_by_id) if check.started_by_id else None,
        interrupted=is_interrupted(check, now),
        percent=progress_percent(check),
        seconds=duration_seconds(check),
        problems=listed,
        error=error,
        omitted=omitted,
        checkpoint=_signed_entry(signed),
    )


def _signed_entry(entry: Any) -> dict[str, Any] | None:
    if not isinstance(entry, dict):
        return None
    time_text = entry.get("time")
    return entry | ({"time": datetime.fromisoformat(time_text)} if time_text else {})
