"""Issue 17, item 5: a calendar day that moves open dossiers' dues must not read as tampering.

Reproduced first: a dossier back in `reviewing` after a supplement had its step due (09/03
09:00) left as it was when Friday 06/03 became a day off, while `audit verify` replays a step's
due on today's calendar (10/03 09:00) and so reported `step_due_at` and the step row as edited.
The calendar change now moves every open step's due with the legal due, in the same `clock`
event."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from casework.dossiers import audit, calendars, service
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import Dossier, Event, StepRecord
from tests.factories import TZ, open_xray


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def act(session, actor, dossier, action, when, **data):  # type: ignore[no-untyped-def]
    return service.fire_action(
        session, actor=actor, code=dossier.code, action=action, data=data, tz=TZ, now=when
    )


def _problems(session) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(p) for p in audit.verify(session).problems]


def test_a_calendar_change_on_open_dossiers_in_every_state_verifies(session, world, xray):
    r, h = world["hni.receiver"], world["hni.handler"]
    opened = open_xray(session, xray, r, received_at=at(2, 3, 9), now=at(2, 3, 9))
    accepted = open_xray(session, xray, r, received_at=at(2, 3, 9), now=at(2, 3, 9))
    act(session, r, accepted, "accept", at(2, 3, 11))
    paused = open_xray(session, xray, r, received_at=at(2, 3, 9), now=at(2, 3, 9))
    act(session, r, paused, "accept", at(2, 3, 11))
    act(
        session, h, paused, "request_supplement", at(3, 3, 10), reason="Thiếu số sê-ri",
        missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    resumed = open_xray(session, xray, r, received_at=at(2, 3, 9), now=at(2, 3, 9))
    act(session, r, resumed, "accept", at(2, 3, 11))
    act(
        session, h, resumed, "request_supplement", at(3, 3, 10), reason="Thiếu số sê-ri",
        missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    act(session, r, resumed, "receive_supplement", at(4, 3, 9))
    extended = open_xray(session, xray, r, received_at=at(2, 3, 9), now=at(2, 3, 9))
    act(session, r, extended, "accept", at(2, 3, 11))
    act(
        session, h, extended, "extend", at(4, 3, 10), reason="Cần xác minh tại cơ sở",
        new_appointment="2026-03-12T17:00",
    )  # fmt: skip
    signing = open_xray(session, xray, r, received_at=at(2, 3, 9), now=at(2, 3, 9))
    act(session, r, signing, "accept", at(2, 3, 11))
    act(
        session, h, signing, "submit_for_signing", at(4, 3, 9),
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Xác nhận 01 máy",
    )  # fmt: skip
    assert _problems(session) == []
    # the step re-entered at 09:00 Wed 04/03 with 3 working days: 09:00 Mon 09/03
    assert session.get(Dossier, resumed.id).step_due_at == at(9, 3, 9)

    source = CalendarSource()
    calendars.set_day(
        session, day=at(6, 3, 0).date(), kind="day_off", name="Nghỉ đột xuất do bão",
        calendars=source, by="admin", now=at(4, 3, 12),
    )  # fmt: skip
    assert _problems(session) == []
    session.expire_all()
    moved = session.get(Dossier, resumed.id)
    assert moved.step_due_at == at(10, 3, 9)  # Friday 06/03 off: one working day later
    step = session.exec(
        select(StepRecord).where(
            StepRecord.dossier_id == moved.id, col(StepRecord.left_at).is_(None)
        )
    ).one()
    assert step.due_at == at(10, 3, 9)
    ev = session.exec(
        select(Event).where(Event.dossier_id == moved.id).order_by(col(Event.seq).desc())
    ).first()
    assert ev.kind == "clock"
    assert ev.payload["old_step_due"] == at(9, 3, 9).isoformat()
    assert ev.payload["new_step_due"] == at(10, 3, 9).isoformat()
    assert "Nghỉ đột xuất do bão" in ev.payload["reason"]

    # a working Saturday for Hà Nội only, then both days taken back
    calendars.set_day(
        session, day=at(7, 3, 0).date(), kind="workday", name="Làm bù", unit_code="SKHCN.HNI",
        calendars=source, now=at(4, 3, 13),
    )  # fmt: skip
    assert _problems(session) == []
    calendars.remove_day(
        session, day=at(7, 3, 0).date(), unit_code="SKHCN.HNI", calendars=source, now=at(4, 3, 14)
    )
    calendars.remove_day(session, day=at(6, 3, 0).date(), calendars=source, now=at(4, 3, 15))
    assert _problems(session) == []
    session.expire_all()
    assert session.get(Dossier, resumed.id).step_due_at == at(9, 3, 9)

    # and the officers carry on: the step left on its moved due is judged on it
    act(
        session, h, resumed, "submit_for_signing", at(5, 3, 9),
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Xác nhận 01 máy",
    )  # fmt: skip
    act(session, r, opened, "accept", at(5, 3, 10))
    assert _problems(session) == []
