"""The work queues (issue 19, item 3): their WHERE clauses, the tab counts, and a page of a queue
read from the partial indexes that `casework.dossiers.queue_index` keeps usable.

- Tab counts: "my queue", "the unit", "waiting" and "finished" are sums of the `queue_counter`
  rows the user may see (one small read, whatever the number of dossiers); "due soon" and
  "overdue" depend on the time of the request, so they are two range counts on the partial
  index of the running dossiers' due instants (`ix_dossier_queue_due`); both in one statement.
- A page of a queue, for staff (who see what their unit handles or receives): one branch per
  index range — "my queue" one per stored roles value that holds one of the user's roles
  (`ix_dossier_queue_mine`: unit, roles, received, id), "the unit" one (`ix_dossier_queue_open`)
  — each read newest first and cut at the page's end, plus the same over the dossiers received
  here but handled elsewhere (`ix_dossier_queue_elsewhere`, rare); the page is the newest of
  those. Auditors, admins and mentors, who see whole subtrees, keep the one general query.
- The page reads plain rows of the columns a row shows (`SHOWN_COLUMNS`, `rows=True`); the
  API's list keeps `Dossier` objects.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, bindparam, case, false, func, literal_column, or_, union_all
from sqlalchemy import select as sa_select
from sqlalchemy.orm import load_only
from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.caching.service import row_by_id
from casework.db import CUSTOM_PLAN, UTCDateTime, memo
from casework.dossiers.access import (
    BoundViewer,
    UnitColumns,
    sees_own_unit_only,
    viewer_params,
    visible_filter,
)
from casework.dossiers.models import Dossier, QueueCounter
from casework.dossiers.queue_index import FINISHED, OPEN_BUCKETS, WAITING, keys_sharing
from casework.errors import ValidationFailed
from casework.paging import Page

QUEUES = ("mine", "unit", "due_soon", "overdue", "waiting", "finished")
QUEUE_LABELS = {
    "mine": "Việc của tôi",
    "unit": "Cả đơn vị (đang giải quyết)",
    "due_soon": "Sắp đến hạn",
    "overdue": "Quá hạn",
    "waiting": "Chờ người nộp",
    "finished": "Đã xong",
}
_COUNTER = QueueCounter.__table__.c  # type: ignore[attr-defined]
_ON_COUNTER = UnitColumns(_COUNTER.handling_unit_id, _COUNTER.receiving_unit_id, _COUNTER.mode)
_NEWEST = (col(Dossier.received_at).desc(), col(Dossier.id).desc())
#: what a queue row shows and its standing reads (the other columns, the form's data above all,
#: are not loaded: an attribute read anyway is loaded then, one statement more)
_SHOWN = (
    Dossier.code, Dossier.mode, Dossier.applicant_name, Dossier.state, Dossier.received_at,
    Dossier.due_at, Dossier.finished_at, Dossier.processing_ended_at, Dossier.result_bucket,
    Dossier.paused_since, Dossier.supplement_requests, Dossier.handling_unit_id,
    Dossier.procedure_version_id,
)  # fmt: skip
_TABLE = Dossier.__table__  # type: ignore[attr-defined]
#: the same columns as plain table columns: a page of plain rows (`staff_page(rows=True)`)
SHOWN_COLUMNS = tuple(_TABLE.c[a.key] for a in _SHOWN)  # type: ignore[union-attr]
_NEWEST_CORE = (_TABLE.c.received_at.desc(), _TABLE.c.id.desc())
#: the request's instant and one working day after it, in statements built once (`BoundViewer`)
_NOW = bindparam("now", type_=UTCDateTime())
_SOON = bindparam("soon", type_=UTCDateTime())
#: where a counter row stands for the user's unit (`counter_rows`)
OWN, ELSEWHERE = 1, 2


def run(session: Session, statement: Any, params: dict[str, Any]) -> Any:
    """The result of a statement of plain columns (the queue's counts and pages), run on the
    session's connection: no ORM work per call, the rows are plain either way. Pending changes
    are flushed first, as `Session.execute` would."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


def my_states_clause(user: User) -> Any:
    """Dossiers whose current step is worked by one of `user`'s roles."""
    keys = keys_sharing(user.roles)
    return col(Dossier.current_roles).in_(keys) if keys else false()


def _open() -> Any:
    return col(Dossier.finished_at).is_(None)


def _running() -> Any:
    return (
        _open() & col(Dossier.processing_ended_at).is_(None) & col(Dossier.paused_since).is_(None)
    )


def _own_unit(user: User) -> Any:
    return or_(
        col(Dossier.handling_unit_id) == user.unit_id,
        col(Dossier.receiving_unit_id) == user.unit_id,
    )


def queue_clause(user: User, queue: str, *, now: datetime, soon: datetime) -> Any:
    """The WHERE clause of a work queue. `soon`: the instant one working day after `now`."""
    if queue == "mine":
        return _open() & my_states_clause(user) & _own_unit(user)
    if queue == "unit":
        return _open()
    if queue == "due_soon":
        return _running() & (col(Dossier.due_at) > now) & (col(Dossier.due_at) <= soon)
    if queue == "overdue":
        return _running() & (col(Dossier.due_at) < now)
    if queue == "waiting":
        return _open() & col(Dossier.paused_since).is_not(None)
    if queue == "finished":
        return col(Dossier.finished_at).is_not(None)
    raise ValidationFailed("Hàng việc không hợp lệ.", fields={"queue": ", ".join(QUEUES)})


# ---- the tab counts -------------------------------------------------------------------------


def _elsewhere(user: User) -> Any:
    return (col(Dossier.receiving_unit_id) == user.unit_id) & (
        col(Dossier.receiving_unit_id) != col(Dossier.handling_unit_id)
    )


def handled_elsewhere(session: Session, unit_id: int) -> bool:
    """Whether the unit received dossiers another unit handles, as the counters say (once per
    transaction). Such dossiers are rare, and PostgreSQL cannot estimate "received here, handled
    elsewhere" (two columns compared): read from the counters, the query leaves out that branch
    when there is nothing in it, instead of letting the planner guess."""

    def read() -> bool:
        query = (
            sa_select(_COUNTER.n)
            .where(
                _COUNTER.receiving_unit_id == unit_id,
                _COUNTER.handling_unit_id != unit_id,
                _COUNTER.n != 0,
            )
            .limit(1)
        )
        return session.execute(query).first() is not None

    return memo(session, ("queue_elsewhere", unit_id), read)


def _scopes_of(user: Any, elsewhere: bool) -> list[Any]:
    """The dossiers `user` (a `User` or a `BoundViewer`) may see, as clauses each of which one
    index range serves: for staff, handled here, and (`elsewhere`) received here but handled
    elsewhere; for the others, `visible_filter`."""
    if not sees_own_unit_only(user):
        return [visible_filter(user, user)]
    here = col(Dossier.handling_unit_id) == user.unit_id
    return [here, _elsewhere(user)] if elsewhere else [here]


@lru_cache(maxsize=64)
def _counter_query(roles: frozenset[str]) -> Any:
    """`counter_rows`' statement for a viewer with `roles`, built once (`BoundViewer`)."""
    viewer = BoundViewer(roles)
    here = _COUNTER.handling_unit_id == viewer.unit_id
    received = _COUNTER.receiving_unit_id == viewer.unit_id
    where = case((here, OWN), (received, ELSEWHERE), else_=0)
    return (
        sa_select(_COUNTER.roles, _COUNTER.bucket, where, func.sum(_COUNTER.n))
        .where(visible_filter(viewer, viewer, _ON_COUNTER), _COUNTER.n != 0)  # type: ignore[arg-type]
        .group_by(_COUNTER.roles, _COUNTER.bucket, where)
    )


def counter_rows(session: Session, user: User, unit: Unit) -> list[tuple[str, str, int, int]]:
    """(roles, bucket, where, dossiers) of the counters the user may see, added up; `where` is
    OWN (handled or received in the user's unit; ELSEWHERE too: received here, handled by
    another unit) or 0."""
    query = _counter_query(frozenset(user.roles))
    rows = session.execute(query, viewer_params(user, unit))
    return [(r, b, int(w), int(n)) for r, b, w, n in rows]


def queue_counts(session: Session, *, user: User, now: datetime, soon: datetime) -> dict[str, int]:
    """How many dossiers each work queue holds: counters, and two range counts of due instants,
    in one statement (`_counts_query`)."""
    # the unit from the process cache (`casework.caching`): later reads of it in the request
    # find it in the session
    unit = row_by_id(session, Unit, user.unit_id) if user.unit_id is not None else None
    counts = dict.fromkeys(QUEUES, 0)
    if unit is None:
        return counts
    mine = set(keys_sharing(user.roles))
    params = {**viewer_params(user, unit), "now": now, "soon": soon}
    elsewhere = False
    for roles, bucket, where, n in run(session, _counts_query(frozenset(user.roles)), params):
        if roles is None:  # the due-range counts' row
            counts["due_soon"], counts["overdue"] = int(where), int(n)
            continue
        elsewhere = elsewhere or where == ELSEWHERE
        if bucket in OPEN_BUCKETS:
            counts["unit"] += n
            if where and roles in mine:
                counts["mine"] += n
        if bucket == WAITING:
            counts["waiting"] += n
        elif bucket == FINISHED:
            counts["finished"] += n
    if user.unit_id is not None and sees_own_unit_only(user):  # and whether a page needs
        # the branch of the dossiers received here but handled elsewhere (`handled_elsewhere`)
        memo(session, ("queue_elsewhere", user.unit_id), lambda: elsewhere)
    return counts


@lru_cache(maxsize=64)
def _counts_query(roles: frozenset[str]) -> Any:
    """`counter_rows`' statement for a viewer with `roles`, and after its rows one more: (NULL,
    NULL, due soon, overdue) — the range counts of the running dossiers' due instants in the
    user's unit (for staff: handled here, and received here but handled elsewhere, a branch on
    its own partial index that is all but empty) or that they may see. Built once
    (`BoundViewer`; `now`, `soon`)."""
    viewer = BoundViewer(roles)
    now, soon = _NOW, _SOON

    def ranged(condition: Any) -> Any:
        parts = [
            select(func.count()).select_from(Dossier).where(scope, _running(), condition)
            for scope in _scopes_of(viewer, True)
        ]
        total: Any = parts[0].scalar_subquery()
        for part in parts[1:]:
            total = total + part.scalar_subquery()
        return total

    due = sa_select(
        literal_column("NULL"),
        literal_column("NULL"),
        ranged((col(Dossier.due_at) > now) & (col(Dossier.due_at) <= soon)),
        ranged(col(Dossier.due_at) < now),
    )
    return union_all(_counter_query(roles), due).execution_options(**{CUSTOM_PLAN: True})


# ---- a page of a queue ------------------------------------------------------------------------


def _branches(user: Any, queue: str, *, elsewhere: bool) -> list[list[Any]]:
    """The WHERE clauses of a staff member's queue, one per index range (see the module doc), for
    a `BoundViewer` (`now`, `soon` bound parameters too)."""
    here = col(Dossier.handling_unit_id) == user.unit_id
    if queue == "mine":
        keys = keys_sharing(user.roles)
        if not keys:
            return []
        mine = [[here, col(Dossier.current_roles) == key, _open()] for key in keys]
        if elsewhere:
            mine.append([_elsewhere(user), col(Dossier.current_roles).in_(keys), _open()])
        return mine
    clause = queue_clause(user, queue, now=_NOW, soon=_SOON)  # type: ignore[arg-type]
    return [[here, clause], [_elsewhere(user), clause]] if elsewhere else [[here, clause]]


def _count_query(branches: list[list[Any]], extra: list[Any]) -> Any:
    parts = [
        select(func.count()).select_from(Dossier).where(*w, *extra).scalar_subquery()
        for w in branches
    ]
    added: Any = parts[0]
    for part in parts[1:]:
        added = added + part
    return sa_select(added).execution_options(**{CUSTOM_PLAN: True})


def _page_query(branches: list[list[Any]], extra: list[Any], *, rows: bool = False) -> Any:
    """The page's dossiers: the newest `end` of each range, merged, from `skip` on, `per_page`
    of them (bound parameters). `rows`: plain rows of the columns a queue row shows
    (`SHOWN_COLUMNS`) instead of ORM objects."""
    ranges = [
        sa_select(col(Dossier.id), col(Dossier.received_at))
        .where(*w, *extra)
        .order_by(*_NEWEST)
        .limit(bindparam("end", type_=Integer))
        .subquery()
        for w in branches
    ]
    merged = union_all(*(sa_select(r.c.id, r.c.received_at) for r in ranges)).subquery()
    ids = (
        sa_select(merged.c.id)
        .order_by(merged.c.received_at.desc(), merged.c.id.desc())
        .offset(bindparam("skip", type_=Integer))
        .limit(bindparam("per_page", type_=Integer))
    )
    # planned for the values at each execution (`db.CUSTOM_PLAN`): the ranges around now
    if rows:
        query = sa_select(*SHOWN_COLUMNS).where(_TABLE.c.id.in_(ids)).order_by(*_NEWEST_CORE)
    else:
        query = (
            select(Dossier)
            .where(col(Dossier.id).in_(ids))
            .order_by(*_NEWEST)
            .options(load_only(*_SHOWN))  # type: ignore[arg-type]
        )
    return query.execution_options(**{CUSTOM_PLAN: True})


@lru_cache(maxsize=256)
def _plain_page_query(roles: frozenset[str], queue: str, elsewhere: bool, rows: bool) -> Any:
    """`_page_query` with no other filter, built once per kind of viewer and queue (the queue
    pages as opened from the tabs)."""
    return _page_query(_branches(BoundViewer(roles), queue, elsewhere=elsewhere), [], rows=rows)


@lru_cache(maxsize=256)
def _plain_count_query(roles: frozenset[str], queue: str, elsewhere: bool) -> Any:
    """`_count_query` with no other filter, built once per kind of viewer and queue."""
    return _count_query(_branches(BoundViewer(roles), queue, elsewhere=elsewhere), [])


def staff_page(
    session: Session,
    *,
    user: User,
    queue: str,
    extra: list[Any],
    page: int,
    per_page: int,
    now: datetime,
    soon: datetime,
    total: int | None,
    rows: bool = False,
) -> Page[Any] | None:
    """A page of `queue` read range by range, newest first (`extra`: the list's other filters);
    None when the user sees more than their own unit (the caller runs the general query).
    `rows`: the items are plain rows of `SHOWN_COLUMNS`, not `Dossier` objects."""
    if not sees_own_unit_only(user):
        return None
    roles = frozenset(user.roles)
    elsewhere = user.unit_id is not None and handled_elsewhere(session, user.unit_id)
    if queue == "mine" and not keys_sharing(roles):
        return Page(items=[], total=0, page=page, per_page=per_page)
    end = page * per_page
    params = {
        **viewer_params(user),
        "now": now,
        "soon": soon,
        "end": end,
        "skip": end - per_page,
        "per_page": per_page,
    }
    if extra:  # the statements of a filtered list are built for it
        branches = _branches(BoundViewer(roles), queue, elsewhere=elsewhere)
        count, query = _count_query(branches, extra), _page_query(branches, extra, rows=rows)
    else:
        count = _plain_count_query(roles, queue, elsewhere)
        query = _plain_page_query(roles, queue, elsewhere, rows)
    if total is None:
        total = int(run(session, count, params).scalar_one())
    found = list(run(session, query, params) if rows else session.execute(query, params).scalars())
    return Page(items=found, total=total, page=page, per_page=per_page)
