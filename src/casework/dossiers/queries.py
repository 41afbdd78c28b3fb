"""Read side of the dossier domain: one dossier, lists with filters and paging, timeline, replay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.db import utcnow
from casework.dossiers import queue_rows, worklist
from casework.dossiers.access import visible_filter
from casework.dossiers.models import Dossier, Event
from casework.dossiers.worklist import QUEUE_LABELS, QUEUES  # noqa: F401  (the pages' names)
from casework.errors import NotFound, ValidationFailed
from casework.paging import Page
from casework.text import fold

MAX_PAGE_SIZE = 100


def get_dossier(session: Session, *, user: User, code: str) -> Dossier:
    """The dossier if `user` may see it; otherwise 404 — never says whether it exists."""
    unit = session.get(Unit, user.unit_id)
    dossier = None
    if unit is not None and user.is_active:
        dossier = session.exec(
            select(Dossier).where(Dossier.code == code, visible_filter(user, unit))
        ).first()
    if dossier is None:
        raise NotFound(f"Không tìm thấy hồ sơ {code}.")
    return dossier


@dataclass(frozen=True)
class DossierFilter:
    queue: str | None = None
    state: str | None = None
    mode: str | None = None
    procedure_code: str | None = None
    q: str | None = None  # dossier code or applicant name (substring, case-insensitive)
    received_from: datetime | None = None
    received_to: datetime | None = None

    @property
    def queue_only(self) -> bool:
        """Nothing but the queue is chosen: the page's total is that queue's count."""
        return not (self.state or self.mode or self.procedure_code or self.q) and not (
            self.received_from or self.received_to
        )


def queue_clause(session: Session, user: User, queue: str, *, now: datetime, soon: datetime) -> Any:
    """The WHERE clause of a work queue (`casework.dossiers.worklist`)."""
    return worklist.queue_clause(user, queue, now=now, soon=soon)


def queue_counts(session: Session, *, user: User, now: datetime, soon: datetime) -> dict[str, int]:
    """How many dossiers each work queue holds (`casework.dossiers.worklist`)."""
    return worklist.queue_counts(session, user=user, now=now, soon=soon)


def list_dossiers(
    session: Session,
    *,
    user: User,
    filters: DossierFilter,
    page: int = 1,
    per_page: int = 20,
    now: datetime | None = None,
    soon: datetime | None = None,
    total: int | None = None,
    rows: bool = False,
) -> Page[Any]:
    """A page of the dossiers `user` may see that match `filters`, newest first. `total`: the
    number of matches when the caller knows it already (a queue's count), saving a count.
    `rows`: the items are plain rows of the columns a queue row shows
    (`worklist.SHOWN_COLUMNS`), for the work queue page, instead of `Dossier` objects."""
    if page < 1 or not 1 <= per_page <= MAX_PAGE_SIZE:
        raise ValidationFailed(
            "Tham số phân trang không hợp lệ.",
            fields={"page": "page ≥ 1", "per_page": f"1 ≤ per_page ≤ {MAX_PAGE_SIZE}"},
        )
    unit = session.get(Unit, user.unit_id)
    if unit is None:
        return Page(items=[], total=0, page=page, per_page=per_page)
    extra: list[Any] = []
    if filters.state:
        extra.append(Dossier.state == filters.state)
    if filters.mode:
        extra.append(Dossier.mode == filters.mode)
    if filters.procedure_code:
        extra.append(Dossier.procedure_code == filters.procedure_code)
    if filters.q and fold(filters.q):
        needle = fold(filters.q).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        extra.append(col(Dossier.search_text).like(f"%{needle}%", escape="\\"))
    if filters.received_from:
        extra.append(Dossier.received_at >= filters.received_from)
    if filters.received_to:
        extra.append(Dossier.received_at < filters.received_to)
    if filters.queue:
        now = now or utcnow()
        soon = soon or now
        # staff: range by range on the queue's indexes
        ranged = worklist.staff_page(
            session, user=user, queue=filters.queue, extra=extra, page=page,
            per_page=per_page, now=now, soon=soon, total=total, rows=rows,
        )  # fmt: skip
        if ranged is not None:
            return ranged
        if not extra and rows:  # the queue as opened from its tab: built once per kind of viewer
            return queue_rows.general_page(
                session, user=user, unit=unit, queue=filters.queue, page=page,
                per_page=per_page, now=now, soon=soon, total=total,
            )  # fmt: skip
    where: list[Any] = [visible_filter(user, unit)]
    if filters.queue:
        where.append(worklist.queue_clause(user, filters.queue, now=now, soon=soon))  # type: ignore[arg-type]
    where += extra
    if total is None:
        total = int(session.exec(select(func.count()).select_from(Dossier).where(*where)).one())
    shown: Any = sa_select(*worklist.SHOWN_COLUMNS) if rows else select(Dossier)
    items = session.execute(
        shown.where(*where)
        .order_by(col(Dossier.received_at).desc(), col(Dossier.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    found = list(items) if rows else list(items.scalars())
    return Page(items=found, total=total, page=page, per_page=per_page)


def timeline(session: Session, dossier: Dossier) -> list[Event]:
    return list(
        session.exec(
            select(Event).where(Event.dossier_id == dossier.id).order_by(col(Event.seq))
        ).all()
    )


def replay(session: Session, dossier: Dossier, after_seq: int) -> dict[str, Any]:
    """The dossier as it stood right after event `after_seq`, folded from the event log alone."""
    events = [e for e in timeline(session, dossier) if e.seq <= after_seq]
    if after_seq < 1 or len(events) != after_seq:
        raise NotFound(f"Hồ sơ {dossier.code} không có dòng nhật ký số {after_seq}.")
    opened = events[0].payload
    snapshot: dict[str, Any] = {
        "code": dossier.code,
        "after_seq": after_seq,
        "at": events[-1].at,
        "procedure": opened.get("procedure"),
        "mode": opened.get("mode"),
        "channel": opened.get("channel"),
        "received_at": opened.get("received_at"),
        "applicant": opened.get("applicant"),
        "state": None,
        "national_status": opened.get("national_status"),
        "data": {},
    }
    for ev in events:
        if ev.to_state:
            snapshot["state"] = ev.to_state
        if "national_status" in ev.payload:
            snapshot["national_status"] = ev.payload["national_status"]
        snapshot["data"].update(ev.payload.get("data", {}))
    return snapshot
