"""`dossier.waiting_since` (issue 19): the instant of the run's submission that no verdict nor
withdrawal followed, kept in the transaction of every event that starts or ends the wait
(submission, withdrawal, pass, bulk pass, redo), filled by migration 0031 from the events as the
services would have kept it, and checked by `audit verify` against the events."""

from __future__ import annotations

import importlib
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session, select

from casework.dossiers import audit
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import Dossier
from casework.reviews import queue, service, submissions
from tests.factories import fire
from tests.reviews.test_queue import finished
from tests.reviews.test_reviews import practice_at_signing

BACKFILL = importlib.import_module("casework.migrations.versions.0031_review_waiting_since")


def stored(session: Session, code: str) -> datetime | None:
    """The committed column (a session of its own: what the service's transaction left)."""
    with Session(session.get_bind()) as s:
        return s.exec(select(Dossier.waiting_since).where(Dossier.code == code)).one()


def waiting_codes(session: Session, mentor) -> list[str]:  # type: ignore[no-untyped-def]
    found, _ = queue.review_queue(session, user=mentor, filters=queue.Filters())
    return [d.code for d in found.items]


def test_each_review_event_sets_or_clears_it(session, world, xray, assigned):
    mentor, trainee = world["bo.mentor"], world["hni.receiver"]
    d = practice_at_signing(session, xray, world)
    assert stored(session, d.code) is None
    first = submissions.submit(session, actor=trainee, code=d.code)
    assert stored(session, d.code) == first.at
    assert waiting_codes(session, mentor) == [d.code]
    service.add_comment(session, actor=mentor, code=d.code, on=1, text="Xem lại bước 2.")
    assert stored(session, d.code) == first.at  # a comment does not end the wait
    d2 = practice_at_signing(session, xray, world)
    second = submissions.submit(session, actor=trainee, code=d2.code)
    submissions.withdraw(session, actor=trainee, code=d2.code)
    assert stored(session, d2.code) is None
    assert waiting_codes(session, mentor) == [d.code]
    again = submissions.submit(session, actor=trainee, code=d2.code)
    assert again.at > second.at and stored(session, d2.code) == again.at
    service.give_verdict(
        session, actor=mentor, code=d.code, verdict="redo", to_state="reviewing",
        note="Kết luận thẩm định chưa khớp phiếu khai báo.",
    )  # fmt: skip
    assert stored(session, d.code) is None
    assert waiting_codes(session, mentor) == [d2.code]
    fire(
        session, world["hni.handler"], d.code, "submit_for_signing",
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Hai máy X-quang",
    )  # fmt: skip
    third = submissions.submit(session, actor=world["hni.handler"], code=d.code)
    assert stored(session, d.code) == third.at
    assert waiting_codes(session, mentor) == [d2.code, d.code]  # oldest submission first
    service.give_verdict(session, actor=mentor, code=d.code, verdict="pass", note="Đạt.")
    assert stored(session, d.code) is None
    assert audit.verify(session).ok


def test_a_bulk_pass_clears_it(app, session, world, xray, assigned):
    d = finished(session, xray, world)
    submissions.submit(session, actor=world["hni.receiver"], code=d.code)
    assert stored(session, d.code) is not None
    result = queue.bulk_pass(
        session, actor=world["bo.mentor"], codes=[d.code], note="Đạt cả lượt.",
        scenarios=app.state.scenarios, calendars=CalendarSource(),
    )  # fmt: skip
    assert result.passed == [d.code], result.refused
    assert stored(session, d.code) is None


def test_the_audit_names_a_column_the_events_contradict(session, world, xray, assigned):
    waiting = practice_at_signing(session, xray, world)
    ev = submissions.submit(session, actor=world["hni.receiver"], code=waiting.code)
    idle = practice_at_signing(session, xray, world)
    assert audit.verify(session).ok
    session.exec(  # an insider takes one run out of the queue and puts another in
        text("UPDATE dossier SET waiting_since = NULL WHERE id = :d").bindparams(d=waiting.id)
    )
    session.exec(
        text("UPDATE dossier SET waiting_since = :at WHERE id = :d").bindparams(
            at=Dossier.__table__.c.waiting_since.type.process_bind_param(  # type: ignore[attr-defined]
                ev.at, session.get_bind().dialect
            ),
            d=idle.id,
        )
    )
    session.commit()
    report = audit.verify(session)
    found = sorted((p.dossier_code, p.column) for p in report.problems)  # type: ignore[union-attr]
    assert found == sorted([(waiting.code, "waiting_since"), (idle.code, "waiting_since")])


def test_the_migration_fills_it_as_the_services_keep_it(session, world, xray, assigned):
    trainee = world["hni.receiver"]
    runs = [practice_at_signing(session, xray, world) for _ in range(4)]
    for d in runs[1:]:
        submissions.submit(session, actor=trainee, code=d.code)
    submissions.withdraw(session, actor=trainee, code=runs[2].code)
    service.give_verdict(session, actor=world["bo.mentor"], code=runs[3].code, verdict="pass")
    kept = {d.code: stored(session, d.code) for d in runs}
    assert [kept[d.code] is not None for d in runs] == [False, True, False, False]
    session.exec(text("UPDATE dossier SET waiting_since = NULL"))
    session.exec(text(BACKFILL.BACKFILL))
    session.commit()
    assert {d.code: stored(session, d.code) for d in runs} == kept
