"""Admin changes to the working calendar, and what they do to open dossiers.

Adding or removing a day off / working Saturday, and confirming a day's legal basis, is one
transaction: the override row, then every open dossier whose calendar it touches gets its due
instant recomputed; each one that moves gets a `clock` event saying why (old and new due, the
day and its name, the instrument when there is one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import false, or_
from sqlmodel import Session, col, select

from casework.accounts.models import Unit
from casework.clock import WorkCalendar, step_due
from casework.clock.calendar import fmt_date
from casework.db import utcnow
from casework.dossiers import clockwork
from casework.dossiers.catalog import procedure_of
from casework.dossiers.clockwork import NATIONAL_SCOPE, CalendarSource
from casework.dossiers.events import record_event
from casework.dossiers.models import CalendarOverride, Dossier, EventKind, StepRecord
from casework.errors import NotFound, ValidationFailed

Kind = Literal["day_off", "workday"]
KIND_LABELS = {"day_off": "ngày nghỉ", "workday": "ngày làm việc bù"}


@dataclass(frozen=True)
class RowBasis:
    """The legal basis an admin enters for a stored day: the instrument (number and date), the
    article if any, and a public URL or the text's title. Empty: not confirmed."""

    instrument: str = ""
    article: str = ""
    source: str = ""


@dataclass(frozen=True)
class Moved:
    code: str
    old_due: datetime | None
    new_due: datetime


def _scope(session: Session, unit_code: str | None) -> tuple[str, Unit | None]:
    if unit_code is None:
        return NATIONAL_SCOPE, None
    unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
    if unit is None:
        raise NotFound(f"Không tìm thấy đơn vị có mã {unit_code}.")
    return unit.code, unit


def stored_row(session: Session, scope: str, day: date) -> CalendarOverride | None:
    """The stored change of `day` in `scope` ("*" or a unit code), if any."""
    return session.exec(
        select(CalendarOverride).where(CalendarOverride.scope == scope, CalendarOverride.day == day)
    ).first()


def set_day(
    session: Session,
    *,
    day: date,
    kind: Kind,
    name: str,
    unit_code: str | None = None,
    by: str = "",
    calendars: CalendarSource,
    now: datetime | None = None,
    basis: RowBasis | None = None,
) -> list[Moved]:
    """Make `day` a day off or a working day (nationally, or for one unit), with its legal
    `basis` if given; recompute dues."""
    if kind not in KIND_LABELS:
        raise ValidationFailed("Loại ngày không hợp lệ.", fields={"kind": "day_off hoặc workday"})
    if not name.strip():
        raise ValidationFailed(
            "Cần ghi tên / lý do của ngày.", fields={"name": "Không được trống."}
        )
    scope, unit = _scope(session, unit_code)
    row = stored_row(session, scope, day)
    now = now or utcnow()
    if row is None:
        row = CalendarOverride(scope=scope, day=day, kind=kind, name=name.strip(), created_by=by)
    else:
        row.kind, row.name, row.created_by = kind, name.strip(), by
    _set_basis(row, basis or RowBasis(), by=by, now=now)
    session.add(row)
    session.flush()
    why = f"Lịch làm việc thay đổi: {fmt_date(day)} thành {KIND_LABELS[kind]} ({name.strip()})"
    return _recompute(
        session, unit=unit, why=_with_basis(why, row), by=by, calendars=calendars, now=now
    )


def confirm_day(
    session: Session,
    *,
    day: date,
    basis: RowBasis,
    unit_code: str | None = None,
    kind: Kind | None = None,
    name: str = "",
    by: str = "",
    calendars: CalendarSource,
    now: datetime | None = None,
) -> list[Moved]:
    """Enter the legal basis of `day` in this scope: of its stored row, or, for a day only the
    `holidays` package gives (`kind` and `name` its), of a new row keeping it as it is. Dues
    are recomputed as for any calendar change."""
    if not basis.instrument.strip():
        raise ValidationFailed(
            "Cần ghi căn cứ của ngày.", fields={"instrument": "Không được trống."}
        )
    scope, unit = _scope(session, unit_code)
    row = stored_row(session, scope, day)
    if row is None:
        if kind not in KIND_LABELS or not name.strip():
            raise NotFound(f"Không có ngày {fmt_date(day)} nào cần xác nhận ở phạm vi này.")
        row = CalendarOverride(scope=scope, day=day, kind=kind, name=name.strip(), created_by=by)
    now = now or utcnow()
    _set_basis(row, basis, by=by, now=now)
    session.add(row)
    session.flush()
    why = f"Lịch làm việc: xác nhận {KIND_LABELS[row.kind]} {fmt_date(day)} ({row.name})"
    return _recompute(
        session, unit=unit, why=_with_basis(why, row), by=by, calendars=calendars, now=now
    )


def _set_basis(row: CalendarOverride, basis: RowBasis, *, by: str, now: datetime) -> None:
    row.instrument = basis.instrument.strip()
    row.article = basis.article.strip()
    row.source = basis.source.strip()
    row.confirmed_by, row.confirmed_at = (by, now) if row.instrument else ("", None)


def _with_basis(why: str, row: CalendarOverride) -> str:
    if not row.instrument:
        return why
    article = f", {row.article}" if row.article else ""
    return f"{why}, căn cứ {row.instrument}{article}"


def remove_day(
    session: Session,
    *,
    day: date,
    unit_code: str | None = None,
    by: str = "",
    calendars: CalendarSource,
    now: datetime | None = None,
) -> list[Moved]:
    scope, unit = _scope(session, unit_code)
    row = stored_row(session, scope, day)
    if row is None:
        raise NotFound(f"Không có thay đổi lịch nào cho ngày {fmt_date(day)} ở phạm vi này.")
    why = f"Lịch làm việc thay đổi: bỏ {KIND_LABELS[row.kind]} {fmt_date(day)} ({row.name})"
    session.delete(row)
    session.flush()
    return _recompute(session, unit=unit, why=why, by=by, calendars=calendars, now=now or utcnow())


def list_days(session: Session, *, unit_code: str | None = None) -> list[CalendarOverride]:
    scope, _ = _scope(session, unit_code)
    return list(
        session.exec(
            select(CalendarOverride)
            .where(CalendarOverride.scope == scope)
            .order_by(col(CalendarOverride.day))
        ).all()
    )


def _recompute(
    session: Session,
    *,
    unit: Unit | None,
    why: str,
    by: str,
    calendars: CalendarSource,
    now: datetime,
) -> list[Moved]:
    """Recompute, on the changed calendar, the legal due of every open dossier and the due of
    every step still open (a step's due counts working days too); commit once. Each dossier
    whose legal due or open step's due moves gets one `clock` event saying why and what moved.

    The step is moved as well as the legal due because `audit verify` replays a step's due on
    today's calendar: a step left at its old due would read as tampered (issue 17, item 5)."""
    steps = (
        select(StepRecord)
        .where(col(StepRecord.left_at).is_(None), col(StepRecord.allot).is_not(None))
        .order_by(col(StepRecord.dossier_id), col(StepRecord.ordinal))
    )
    open_steps: dict[int, StepRecord] = {}
    for step in session.exec(steps).all():
        open_steps[step.dossier_id] = step  # the latest open one (there is only one)
    has_open_step = col(Dossier.id).in_(list(open_steps)) if open_steps else false()
    query = (
        select(Dossier)
        .where(
            or_(
                col(Dossier.clock_started_at).is_not(None)
                & col(Dossier.processing_ended_at).is_(None),
                has_open_step,
            )
        )
        .order_by(col(Dossier.id))
        .with_for_update()
    )
    if unit is not None:
        query = query.where(Dossier.handling_unit_id == unit.id)
    moved: list[Moved] = []
    cals: dict[int, WorkCalendar] = {}
    for dossier in session.exec(query).all():
        cal = cals.get(dossier.handling_unit_id)
        if cal is None:
            cal = cals[dossier.handling_unit_id] = calendars.for_unit(
                session, dossier.handling_unit_id
            )
        payload: dict[str, object] = {"reason": why, "by": by}
        old = dossier.due_at
        if dossier.clock_started_at is not None and dossier.processing_ended_at is None:
            _, procedure = procedure_of(session, dossier)
            result = clockwork.legal_due(
                dossier, procedure, clockwork.pauses_of(session, dossier), cal
            )
            if result is not None and result.due != dossier.due_at:
                dossier.due_at = result.due
                if dossier.extensions == 0:
                    dossier.appointment_at = result.due
                payload["old_due"] = old.astimezone(cal.tz).isoformat() if old else None
                payload["new_due"] = result.due.astimezone(cal.tz).isoformat()
                moved.append(Moved(code=dossier.code, old_due=old, new_due=result.due))
        current = open_steps.get(dossier.id or 0)
        if current is not None and current.allot is not None:
            due = step_due(current.entered_at, current.allot, cal, explain=False).due
            if due != current.due_at:
                payload["step"] = current.state
                payload["old_step_due"] = _local(current.due_at, cal)
                payload["new_step_due"] = _local(due, cal)
                current.due_at = due
                session.add(current)
                if dossier.step_entered_at == current.entered_at:
                    dossier.step_due_at = due
        if len(payload) == 2:
            continue
        dossier.version += 1
        dossier.updated_at = now
        session.add(dossier)
        record_event(
            session, dossier=dossier, kind=EventKind.clock, at=now, actor_id=None, payload=payload
        )
    session.commit()
    return moved


def _local(value: datetime | None, cal: WorkCalendar) -> str | None:
    return value.astimezone(cal.tz).isoformat() if value else None
