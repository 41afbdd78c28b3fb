"""The work queue page's rows as plain values (issue 19, item 3): the page reads the columns a
row shows as plain rows (`worklist.SHOWN_COLUMNS`), not ORM objects, and each becomes a
`QueueRow` holding what the template writes — the procedure's name, the step's label and where
the dossier stands against its due.

Auditors, admins and mentors, who see whole subtrees, read a queue with the general query
(`visible_filter` and the queue's clause); opened from its tab, with no other filter, that
statement is built once per process and kind of viewer with bound parameters (`BoundViewer`),
as the staff's ranges are (`worklist.staff_page`).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

import jinja2
from markupsafe import Markup
from sqlalchemy import Integer, bindparam, func
from sqlalchemy import select as sa_select
from sqlmodel import Session

from casework.accounts.models import Unit, User
from casework.caching.service import row_by_id
from casework.clock.calendar import WorkCalendar
from casework.clock.standing import Standing, standing
from casework.db import UTCDateTime
from casework.dossiers.access import BoundViewer, viewer_params, visible_filter
from casework.dossiers.catalog import procedure_of_version
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import ProcedureVersion
from casework.dossiers.worklist import SHOWN_COLUMNS, queue_clause, run
from casework.errors import NotFound
from casework.paging import Page
from casework.procedures import Procedure
from casework.web import i18n

#: rows whose HTML is kept per process (each row's values with each language; ~1 KB each)
ROWS_KEPT = 2048
ROW_TEMPLATE = "dossiers/_queue_row.html"
_TABLE = SHOWN_COLUMNS[0].table
_NOW = bindparam("now", type_=UTCDateTime())
_SOON = bindparam("soon", type_=UTCDateTime())


class QueueRow(NamedTuple):
    """One dossier of a queue page, as the template shows it."""

    code: str
    mode: str
    applicant_name: str
    procedure_name: str
    state_label: str
    received_at: datetime
    due_at: datetime | None
    finished_at: datetime | None
    standing: Standing


@lru_cache(maxsize=64)
def _general_queries(roles: frozenset[str], queue: str) -> tuple[Any, Any]:
    """(count, page) of `queue` for a viewer with `roles` who sees more than their own unit,
    with no other filter: built once (`BoundViewer`; `now`, `soon`, `skip`, `per_page`)."""
    viewer = BoundViewer(roles)
    where = (visible_filter(viewer, viewer), queue_clause(viewer, queue, now=_NOW, soon=_SOON))  # type: ignore[arg-type]
    count = sa_select(func.count()).select_from(_TABLE).where(*where)
    page = (
        sa_select(*SHOWN_COLUMNS)
        .where(*where)
        .order_by(_TABLE.c.received_at.desc(), _TABLE.c.id.desc())
        .offset(bindparam("skip", type_=Integer))
        .limit(bindparam("per_page", type_=Integer))
    )
    return count, page


def general_page(
    session: Session,
    *,
    user: User,
    unit: Unit,
    queue: str,
    page: int,
    per_page: int,
    now: datetime,
    soon: datetime,
    total: int | None,
) -> Page[Any]:
    """A page of `queue`, no other filter, for a viewer who sees whole subtrees (plain rows)."""
    count, query = _general_queries(frozenset(user.roles), queue)
    params = {
        **viewer_params(user, unit),
        "now": now,
        "soon": soon,
        "skip": (page - 1) * per_page,
        "per_page": per_page,
    }
    if total is None:
        total = int(run(session, count, params).scalar_one())
    found = list(run(session, query, params))
    return Page(items=found, total=total, page=page, per_page=per_page)


def _procedure(session: Session, version_id: int) -> Procedure:
    row = row_by_id(session, ProcedureVersion, version_id)
    if row is None:  # pragma: no cover - foreign key guarantees it
        raise NotFound("Không tìm thấy phiên bản thủ tục của hồ sơ.")
    return procedure_of_version(row)


def queue_rows(
    session: Session, found: list[Any], *, now: datetime, calendars: CalendarSource
) -> list[QueueRow]:
    """The `QueueRow` of each plain row of a page (`worklist.SHOWN_COLUMNS`); each procedure
    and each unit's calendar looked up once a page."""
    procedures: dict[int, Procedure] = {}
    units: dict[int, WorkCalendar] = {}
    out = []
    for d in found:
        procedure = procedures.get(d.procedure_version_id)
        if procedure is None:
            procedure = procedures[d.procedure_version_id] = _procedure(
                session, d.procedure_version_id
            )
        calendar = units.get(d.handling_unit_id)
        if calendar is None:
            calendar = units[d.handling_unit_id] = calendars.for_unit(session, d.handling_unit_id)
        where = standing(
            due=d.due_at, now=now,
            ended=d.finished_at is not None or d.processing_ended_at is not None,
            result_bucket=d.result_bucket, paused=d.paused_since is not None,
            supplement_requests=d.supplement_requests, calendar=calendar,
        )  # fmt: skip
        out.append(
            QueueRow(
                d.code,
                str(d.mode),
                d.applicant_name,
                procedure.name,
                procedure.states[d.state].label,
                d.received_at,
                d.due_at,
                d.finished_at,
                where,
            )  # fmt: skip
        )
    return out


def rows_html(env: jinja2.Environment, rows: list[QueueRow]) -> Markup:
    """The `<li>` of each row (`dossiers/_queue_row.html`), joined. A row's HTML depends on
    nothing but its values (the standing among them) and the reader's language — never on who
    reads it — so it is rendered once per process and kept (`ROWS_KEPT`)."""
    template = env.get_template(ROW_TEMPLATE)
    lang = i18n.current_lang.get()
    return Markup("").join([_row_html(template, row, lang) for row in rows])


@lru_cache(maxsize=ROWS_KEPT)
def _row_html(template: jinja2.Template, row: QueueRow, lang: str) -> Markup:
    return Markup(template.module.queue_row(row))  # type: ignore[attr-defined]  # noqa: S704
