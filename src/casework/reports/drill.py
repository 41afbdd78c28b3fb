"""The drill-down: the dossiers behind one figure of the timeliness report.

Each figure's filter is the same rule as its counter (`reports.stats`) or its state in progress
(`reports.progress`), on the dossier columns, so the list's length is the figure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session, col
from sqlmodel import select as select_rows

from casework.clock import WorkCalendar
from casework.dossiers.models import Dossier
from casework.reports import progress
from casework.reports.queries import Scope

DRILL = {
    "to_handle": "Phải giải quyết trong kỳ",
    "carried": "Kỳ trước chuyển sang",
    "received": "Tiếp nhận trong kỳ",
    "finished": "Giải quyết xong trong kỳ",
    "early": "Trước hạn",
    "on_time": "Đúng hạn",
    "late": "Trễ hạn",
    "open": "Đang giải quyết",
    "on_track": "Đang giải quyết, còn hạn",
    "due_soon": "Sắp đến hạn",
    "overdue": "Đang quá hạn",
    "paused": "Đang tạm dừng",
    "not_started": "Chưa bắt đầu tính thời hạn",
    "supplement": "Có yêu cầu bổ sung",
    "extended": "Có gia hạn",
}


def drill_filter(
    scope: Scope, kind: str, now: datetime, cal: WorkCalendar
) -> list[ColumnElement[bool]]:
    """The dossiers behind one figure of the timeliness report."""
    start, end = scope.period.bounds(cal)
    clauses = scope.dossier_filter()
    ended = col(Dossier.processing_ended_at)
    received_at = col(Dossier.received_at)
    in_period = (ended >= start) & (ended < end)
    carried = (received_at < start) & (ended.is_(None) | (ended >= start))
    received = (received_at >= start) & (received_at < end)
    at, current = progress.reference(end, now)
    states = progress.clauses(at, current=current, cal=cal)
    extra: dict[str, Any] = {
        "to_handle": carried | received,
        "carried": carried,
        "received": received,
        "finished": in_period,
        "early": in_period & (col(Dossier.result_bucket) == "early"),
        "on_time": in_period & (col(Dossier.result_bucket) == "on_time"),
        "late": in_period & (col(Dossier.result_bucket) == "late"),
        **states,
        "supplement": in_period & (col(Dossier.supplement_requests) > 0),
        "extended": in_period & (col(Dossier.extensions) > 0),
    }
    return [*clauses, extra.get(kind, extra["received"])]


def drill_down(
    session: Session,
    scope: Scope,
    kind: str,
    *,
    now: datetime,
    cal: WorkCalendar,
    page: int,
    per_page: int = 50,
    cap: int = 10_000,
) -> tuple[list[Dossier], int, bool]:
    """One page of the dossiers behind a figure, newest first; the total is counted up to
    `cap` (past it the page says "more than")."""
    where = drill_filter(scope, kind, now, cal)
    capped = select(col(Dossier.id)).where(*where).limit(cap + 1).subquery()
    total = session.execute(select(func.count()).select_from(capped)).scalar_one()
    items = session.exec(
        select_rows(Dossier)
        .where(*where)
        .order_by(col(Dossier.received_at).desc(), col(Dossier.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(items), min(total, cap), total > cap
