"""The review queue reads the review events through their partial indexes on PostgreSQL (issue
19, item 4): with the events of real dossiers outnumbering the submissions a hundredfold, `EXPLAIN`
of the count and the page the default tab sends names `ix_event_review_marks` or
`ix_event_submitted` and never scans the event table."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text
from sqlmodel import Session

from casework.reviews import queue, submissions
from tests.factories import fire, open_xray
from tests.reviews.test_reviews import practice_at_signing

pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


def test_the_default_tab_reads_the_review_events_by_index(engine, session, world, xray, assigned):
    real = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], real, "accept")
    for _ in range(5):
        run = practice_at_signing(session, xray, world)
        submissions.submit(session, actor=world["hni.receiver"], code=run.code)
    # 50,000 events of the real dossier (what a national database holds beside a few runs)
    session.execute(
        text(
            "INSERT INTO event (dossier_id, seq, at, actor_id, kind, action, payload, prev_hash, "
            "hash) SELECT :d, 100 + g, now(), NULL, 'action', 'accept', '{}', '', 'x' || g "
            "FROM generate_series(1, 50000) AS g"
        ).bindparams(d=real.id)
    )
    session.commit()
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    sent: list[tuple[str, object]] = []

    def note(_c, _cur, statement, params, _ctx, _many) -> None:  # type: ignore[no-untyped-def]
        if "JOIN event AS event_1" in statement:
            sent.append((statement, params))

    event.listen(engine, "before_cursor_execute", note)
    try:
        found, _ = queue.review_queue(session, user=world["bo.mentor"])
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert found.total == 5
    assert len(sent) == 2  # the count and the page
    with Session(engine) as s:
        raw = s.connection().connection.dbapi_connection
        assert raw is not None
        for statement, params in sent:
            with raw.cursor() as cur:
                cur.execute("EXPLAIN " + statement, params)
                plan = "\n".join(row[0] for row in cur.fetchall())
            assert "Seq Scan on event" not in plan, plan
            assert "ix_event_review_marks" in plan or "ix_event_submitted" in plan, plan
