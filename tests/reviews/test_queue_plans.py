"""The review queue's waiting runs are an index range on PostgreSQL (issue 19): with real
dossiers and runs nobody waits on outnumbering the waiting runs, `EXPLAIN` of the count and the
page the default tab and "waiting more than 2 working days" send (and of the mentor's reminders)
names `ix_dossier_review_waiting`, the partial index of `dossier.waiting_since`, never scans the
dossier table, reads no event to find the waiting runs, and the pages come in the index's order
(no sort)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Text, cast, func, insert, literal, literal_column, select, text, true
from sqlalchemy.engine import Engine
from sqlmodel import Session

from casework.db import utcnow
from casework.dossiers.models import Dossier
from casework.dossiers.service import default_calendars
from casework.reviews import notes, queue, submissions
from tests.factories import fire, open_xray
from tests.reviews.test_reviews import practice_at_signing
from tests.statements import statements

pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)

COPIES = 20_000


def build(session: Session, engine: Engine, world: Any, xray: Any) -> None:
    """Five runs submitted through the service, one not; then 20,000 copies of the real dossier
    and of the unsubmitted run (as a bulk load writes them), every tenth a run left waiting a
    few days ago, and the planner's statistics fresh."""
    real = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], real, "accept")
    for _ in range(5):
        run = practice_at_signing(session, xray, world)
        submissions.submit(session, actor=world["hni.receiver"], code=run.code)
    idle = practice_at_signing(session, xray, world)
    session.commit()
    table = Dossier.__table__  # type: ignore[attr-defined]
    series = func.generate_series(1, COPIES).table_valued("g").render_derived(name="series")
    waiting = literal_column(
        "CASE WHEN series.g % 10 = 0 AND dossier.mode = 'practice' "
        "THEN now() - interval '1 minute' * series.g END"
    )
    values = {
        "code": table.c.code + literal("-") + cast(series.c.g, Text),
        "waiting_since": waiting,
    }
    copied = [c for c in table.c if c.name != "id"]
    rows = (
        select(*(values.get(c.name, c) for c in copied))
        .select_from(table.join(series, true()))
        .where(table.c.id.in_([real.id, idle.id]))
    )
    session.execute(insert(table).from_select([c.name for c in copied], rows))
    session.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def waiting_reads(seen: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The statements of `seen` that read the dossiers by their waiting instant."""
    return [(s, p) for s, p in seen if "FROM dossier" in s and "waiting_since IS NOT NULL" in s]


def plan(engine: Engine, statement: str, params: Any) -> str:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN {statement}", params).all()
    return statement + "\n" + "\n".join(r[0] for r in rows)


@pytest.mark.parametrize("waiting", [0, 2], ids=["default tab", "waiting 2 days"])
def test_the_waiting_runs_are_an_index_range(engine, session, world, xray, assigned, waiting):
    build(session, engine, world, xray)
    now = utcnow() + timedelta(days=10)  # the copies have all waited more than 2 working days
    with statements(engine) as sent:
        found, _ = queue.review_queue(
            session, user=world["bo.mentor"], filters=queue.Filters(waiting=waiting), now=now
        )
    seen = waiting_reads(sent)
    assert found.total == 5 + COPIES // 10 and len(found.items) == queue.PER_PAGE
    assert len(seen) == 2  # the count and the page
    for statement, params in seen:
        shown = plan(engine, statement, params)
        assert "JOIN event" not in statement, shown
        assert "Seq Scan on dossier" not in shown, shown
        assert "ix_dossier_review_waiting" in shown, shown
        if "LIMIT" in statement:  # the page: the first rows of the index, in its order
            assert "Sort Key" not in shown, shown


def test_the_reminders_count_is_an_index_range(engine, session, world, xray, assigned):
    build(session, engine, world, xray)
    now = utcnow() + timedelta(days=10)
    with statements(engine) as sent:
        _, total, _ = notes.mentor_reminders(
            session, user=world["bo.mentor"], calendars=default_calendars(), now=now,
            seen_at=now - timedelta(days=1),
        )  # fmt: skip
    assert total == 5 + COPIES // 10
    counts = [(s, p) for s, p in waiting_reads(sent) if "count(" in s]
    assert len(counts) == 2  # every reminder, and the new ones
    for statement, params in counts:
        shown = plan(engine, statement, params)
        assert "JOIN event" not in statement and "Seq Scan on dossier" not in shown, shown
        assert "ix_dossier_review_waiting" in shown, shown
