"""The question service on both databases: asking, the queue's waiting time in working hours,
the time to answer, the FAQ grouped by step, search without accents, and the asker's badge."""

from __future__ import annotations

from datetime import datetime

import pytest

from casework.clock import default_calendar
from casework.errors import Conflict, PermissionDenied, ValidationFailed
from casework.questions import service
from casework.questions.models import QuestionStatus
from tests.factories import TZ

CAL = default_calendar()
MON_9 = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # Monday 02/03/2026, a working day
TUE_12 = datetime(2026, 3, 3, 12, 0, tzinfo=TZ)


def ask(session, user, procedure, text, step="", at=MON_9):
    q = service.ask(session, user=user, procedure=procedure, values={"text": text, "step": step})
    q.asked_at = at
    session.add(q)
    session.commit()
    return q


def test_working_time_split():
    assert service.Working.of(660) == service.Working(660, 1, 3, 0)
    assert service.Working.of(45).vi() == "45 phút"
    assert service.Working.of(480 * 2 + 90).vi() == "2 ngày 1 giờ"
    # Mon 09:00 → Tue 12:00: 3 h + 4 h on Monday, 4 h on Tuesday = 11 working hours
    assert service.working_minutes(MON_9, TUE_12, CAL) == 660
    # over a weekend: Fri 16:00 → Mon 09:00 is 2 working hours
    fri = datetime(2026, 3, 6, 16, 0, tzinfo=TZ)
    assert service.working_minutes(fri, datetime(2026, 3, 9, 9, 0, tzinfo=TZ), CAL) == 120


def test_queue_answer_and_faq(session, world, xray):
    old = ask(
        session, world["hni.handler"], xray, "Thẩm định thiết bị X-quang răng thế nào?", "reviewing"
    )
    new = ask(session, world["badinh.receiver"], xray, "Hỏi chung", at=TUE_12)
    mentor = world["bo.mentor"]

    found = service.queue(session, user=mentor, calendar=CAL, now=TUE_12)
    assert [i.question.id for i in found.items] == [old.id, new.id]  # oldest first
    assert found.items[0].waited.vi() == "1 ngày 3 giờ"
    assert found.items[0].unit.name == "Sở KH&CN Hà Nội"
    assert found.average is None

    with pytest.raises(PermissionDenied):
        service.queue(session, user=world["hni.receiver"], calendar=CAL)

    answered = service.answer(
        session, user=mentor, question_id=old.id, calendar=CAL, now=TUE_12,
        values={"answer": "Đối chiếu hồ sơ kiểm định.", "public": "1", "version": str(old.version)},
    )  # fmt: skip
    assert answered.status == QuestionStatus.answered
    assert answered.answer_minutes == 660
    assert service.queue(session, user=mentor, calendar=CAL, now=TUE_12).average.vi() == (
        "1 ngày 3 giờ"
    )

    faq = service.faq(session, procedure=xray, calendar=CAL)
    assert [(g.state, [i.question.id for i in g.items]) for g in faq.groups] == [
        ("reviewing", [old.id])
    ]
    assert faq.groups[0].items[0].took.vi() == "1 ngày 3 giờ"
    # accent-insensitive, every word, in the question or the answer
    assert service.faq(session, procedure=xray, calendar=CAL, q="THAM dinh rang").total == 1
    assert service.faq(session, procedure=xray, calendar=CAL, q="kiem dinh").total == 1
    assert service.faq(session, procedure=xray, calendar=CAL, q="tham dinh xe").total == 0
    assert service.faq(session, procedure=xray, calendar=CAL, q="100%").total == 0

    # editing keeps the first answer's time; a stale form is a conflict
    later = datetime(2026, 3, 10, 9, 0, tzinfo=TZ)
    stale = str(answered.version)  # the same object is refreshed by the next call
    edited = service.answer(
        session, user=mentor, question_id=old.id, calendar=CAL, now=later,
        values={"answer": "Sửa: đối chiếu giấy chứng nhận kiểm định.", "public": "1",
                "version": stale},
    )  # fmt: skip
    assert edited.answered_at == TUE_12 and edited.answer_minutes == 660
    assert edited.answer_edited_at == later
    with pytest.raises(Conflict):
        service.answer(
            session, user=mentor, question_id=old.id, calendar=CAL,
            values={"answer": "x", "public": "1", "version": stale},
        )  # fmt: skip


def test_asker_badge_and_mark_read(session, world, xray):
    asker = world["hni.handler"]
    q = ask(session, asker, xray, "Câu hỏi")
    assert service.unread_answers(session, user=asker) == 0
    assert service.badge_count(session, user=world["bo.mentor"]) == 1  # the open queue
    q = service.answer(
        session, user=world["bo.mentor"], question_id=q.id, calendar=CAL,
        values={"answer": "Trả lời", "version": "1"},
    )  # fmt: skip
    assert not q.public  # the box was not ticked
    assert service.badge_count(session, user=asker) == 1
    assert service.badge_count(session, user=world["bo.mentor"]) == 0
    assert service.mark_read(session, user=asker) == 1
    assert service.unread_answers(session, user=asker) == 0


def test_rejected_questions(session, world, xray):
    with pytest.raises(ValidationFailed) as exc:
        service.ask(
            session, user=world["hni.handler"], procedure=xray,
            values={"text": "   ", "step": "no_such_step"},
        )  # fmt: skip
    assert set(exc.value.fields) == {"text", "step"}
    with pytest.raises(ValidationFailed) as exc:
        service.ask(session, user=world["hni.handler"], procedure=xray, values={"text": "x" * 4001})
    assert "4.000 ký tự" in exc.value.fields["text"]
    with pytest.raises(PermissionDenied):
        service.ask(session, user=world["bo.mentor"], procedure=xray, values={"text": "x"})
    with pytest.raises(PermissionDenied):
        service.ask(session, user=world["hni.auditor"], procedure=xray, values={"text": "x"})
