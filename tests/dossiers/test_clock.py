"""The legal clock on stored dossiers: due at receipt, pauses, extensions, steps, end of processing,
fee-start procedures, and calendar changes recomputing open dossiers. Every expected instant was
worked out by hand from DESIGN §5 (see docs/legal-clock.md)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import select

from casework.clock import Bucket, step_status
from casework.dossiers import audit, calendars, clockwork, service
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import ClockPause, Dossier, Event, StepRecord
from casework.procedures import load_parts, load_procedure_file
from casework.settings import PROJECT_ROOT
from tests.factories import TZ, open_xray


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def act(session, actor, dossier, action, when, **data):
    return service.fire_action(
        session, actor=actor, code=dossier.code, action=action, data=data, tz=TZ, now=when
    )


def view(session, dossier, procedure, now):
    return clockwork.clock_view(
        session, dossier=dossier, procedure=procedure, cal=CalendarSource().base, now=now
    )


def test_due_is_set_at_receipt_as_in_the_design_example(session, world, xray):
    # Fri 13/02/2026 16:20, after the cut-off, Tết 14–22/02 → R = Mon 23/02 → due 17:00 Mon 02/03.
    d = open_xray(
        session, xray, world["hni.receiver"], received_at=at(13, 2, 16, 20), now=at(13, 2, 16, 25)
    )
    assert d.clock_started_at == at(13, 2, 16, 20)
    assert d.due_at == at(2, 3, 17)
    assert d.appointment_at == at(2, 3, 17)
    opened = session.exec(select(Event).where(Event.dossier_id == d.id)).one()
    assert opened.payload["clock"]["due"] == "2026-03-02T17:00:00+07:00"
    v = view(session, d, xray, at(16, 2, 9))
    assert str(v.effective_receipt_day) == "2026-02-23"
    assert any("Tết" in line for line in v.trace)
    assert v.status == Bucket.ON_TRACK


def received_and_accepted(session, world, xray):
    """Received Mon 02/03/2026 09:00 → R = 02/03, clock from 08:00 Tue 03/03 → due 17:00 Mon 09/03."""
    d = open_xray(session, xray, world["hni.receiver"], received_at=at(2, 3, 9), now=at(2, 3, 9))
    act(session, world["hni.receiver"], d, "accept", at(2, 3, 11))
    assert d.due_at == at(9, 3, 17)
    return d


def test_a_supplement_pause_moves_the_due_by_the_paused_working_time(session, world, xray):
    d = received_and_accepted(session, world, xray)
    act(
        session, world["hni.handler"], d, "request_supplement", at(4, 3, 10),
        reason="Thiếu số sê-ri máy", missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    assert d.paused_since == at(4, 3, 10)
    assert d.supplement_requests == 1
    waiting = view(session, d, xray, at(5, 3, 9))
    assert waiting.paused
    assert waiting.waiting_on_applicant
    assert waiting.status == Bucket.EARLY  # the request itself is F (Decision 766)

    act(session, world["hni.receiver"], d, "receive_supplement", at(5, 3, 10))
    # paused Wed 10:00–12:00, 13:00–17:00, Thu 08:00–10:00 = 480 working minutes = one day
    assert d.due_at == at(10, 3, 17)
    assert d.appointment_at == at(10, 3, 17)
    assert d.paused_since is None
    (pause,) = session.exec(select(ClockPause).where(ClockPause.dossier_id == d.id)).all()
    assert (pause.started_at, pause.ended_at) == (at(4, 3, 10), at(5, 3, 10))
    assert pause.reason == "Thiếu số sê-ri máy"
    assert "766" in pause.legal_basis
    assert pause.opened_by_id == world["hni.handler"].id
    assert pause.closed_by_id == world["hni.receiver"].id
    after = view(session, d, xray, at(5, 3, 11))
    assert after.paused_working_minutes == 480
    assert any("tạm dừng" in line.lower() or "dừng" in line for line in after.trace)


def test_an_extension_keeps_the_legal_due_and_records_the_appointment(session, world, xray):
    d = received_and_accepted(session, world, xray)
    act(
        session, world["hni.handler"], d, "extend", at(9, 3, 10),
        reason="Cần xác minh tại cơ sở", new_appointment="2026-03-12T17:00",
    )  # fmt: skip
    assert d.due_at == at(9, 3, 17)
    assert d.appointment_at == at(12, 3, 17)
    assert d.extensions == 1
    v = view(session, d, xray, at(10, 3, 9))
    assert v.extended
    assert v.status == Bucket.OVERDUE  # statistics keep counting against the legal due


def finish(session, world, xray, d, sign_at):
    act(
        session, world["hni.handler"], d, "submit_for_signing", at(3, 3, 9),
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Xác nhận 01 máy",
    )  # fmt: skip
    act(session, world["hni.leader"], d, "sign", sign_at, decision_number="12/XN")
    return d


@pytest.mark.parametrize(
    ("sign_at", "bucket"),
    [(at(6, 3, 16), "early"), (at(9, 3, 16), "on_time"), (at(10, 3, 8, 30), "late")],
)
def test_result_ready_ends_processing_and_fixes_the_bucket(session, world, xray, sign_at, bucket):
    d = finish(session, world, xray, received_and_accepted(session, world, xray), sign_at)
    assert d.national_status == 9
    assert d.processing_ended_at == sign_at
    assert d.result_bucket == bucket
    act(session, world["hni.receiver"], d, "return_result", at(11, 3, 9))
    assert d.processing_ended_at == sign_at  # returning later does not move F
    assert view(session, d, xray, at(20, 3, 9)).status.value == bucket


def test_two_supplement_requests_make_it_late_even_if_early(session, world, xray):
    d = received_and_accepted(session, world, xray)
    for day in (3, 4):
        act(
            session, world["hni.handler"], d, "request_supplement", at(day, 3, 9),
            reason="Thiếu", missing_documents=["phieu_khai_bao"],
        )  # fmt: skip
        act(session, world["hni.receiver"], d, "receive_supplement", at(day, 3, 10))
    assert d.supplement_requests == 2
    assert view(session, d, xray, at(4, 3, 11)).status == Bucket.OVERDUE
    finish(session, world, xray, d, at(5, 3, 9))
    assert d.result_bucket == "late"


def test_each_step_gets_its_own_deadline_and_result(session, world, xray):
    d = received_and_accepted(session, world, xray)
    steps = session.exec(
        select(StepRecord).where(StepRecord.dossier_id == d.id).order_by(StepRecord.ordinal)
    ).all()
    received, reviewing = steps
    # received: 0.5 day = 240 working minutes from 09:00 Mon 02/03 → 14:00; left at 11:00 that day
    assert (received.state, received.due_at, received.left_at) == (
        "received",
        at(2, 3, 14),
        at(2, 3, 11),
    )
    assert received.bucket == "on_time"  # same calendar day as its deadline (DESIGN §5 buckets)
    assert received.left_action == "accept"
    # reviewing: 3 days = 1440 minutes from 11:00 Mon 02/03 → 11:00 Thu 05/03
    assert (reviewing.state, reviewing.due_at, reviewing.left_at) == (
        "reviewing",
        at(5, 3, 11),
        None,
    )
    assert d.step_due_at == at(5, 3, 11)
    v = view(session, d, xray, at(5, 3, 12))
    assert [s.bucket for s in v.steps] == ["on_time", "overdue"]


def test_kept_step_views_still_judge_the_open_step_at_the_time_of_the_view(session, world, xray):
    """The dossier page keeps the Mẫu 06 rows that do not depend on the time (issue 19): the
    open step with an allotment is judged again at each view, the closed one is kept as is."""
    d = received_and_accepted(session, world, xray)
    steps = clockwork.steps_of(session, d)
    fixed = clockwork.fixed_step_views(xray, steps)
    assert fixed[0] is not None and fixed[0].bucket == "on_time"
    assert fixed[1] is None  # reviewing: open, 3 days allotted, no bucket yet
    for now, bucket in ((at(4, 3, 9), "on_track"), (at(5, 3, 12), "overdue")):
        kept = clockwork.clock_view(
            session, dossier=d, procedure=xray, cal=CalendarSource().base, now=now,
            steps=steps, fixed_steps=fixed,
        )  # fmt: skip
        assert kept.steps == view(session, d, xray, now).steps
        assert kept.steps[0] is fixed[0]
        assert kept.steps[1].bucket == bucket
        # the open step's due is kept per calendar object; its bucket is still step_status's
        judged = step_status(steps[1].entered_at, 3, now=now, calendar=CalendarSource().base)
        assert kept.steps[1].bucket == judged.bucket.value


def test_fee_start_procedure_starts_the_clock_at_payment(session, world):
    fee = load_procedure_file(
        PROJECT_ROOT / "tests/fixtures/workflows/phi_truoc.yaml",
        parts=load_parts(PROJECT_ROOT / "workflows/common"),
    )
    d = open_xray(session, fee, world["hni.receiver"], received_at=at(2, 3, 9), now=at(2, 3, 9))
    assert (d.clock_started_at, d.due_at) == (None, None)
    act(session, world["hni.receiver"], d, "accept", at(2, 3, 10))
    v = view(session, d, fee, at(3, 3, 9))
    assert v.status is None
    assert v.trace == ["Chưa bắt đầu tính thời hạn (chờ nộp phí, lệ phí)."]
    # paid Tue 03/03 16:00, after the cut-off → R = Wed 04/03 → 5 days from Thu 05/03 → Wed 11/03
    act(session, world["hni.receiver"], d, "record_fee_paid", at(3, 3, 16))
    assert d.clock_started_at == at(3, 3, 16)
    assert d.due_at == at(11, 3, 17)
    ev = session.exec(
        select(Event).where(Event.dossier_id == d.id).order_by(Event.seq.desc())
    ).first()
    assert ev.payload["clock"]["clock_started"] == "2026-03-03T16:00:00+07:00"


def test_a_calendar_change_recomputes_open_dossiers_and_says_why(session, world, xray):
    source = CalendarSource()
    d = received_and_accepted(session, world, xray)  # due 17:00 Mon 09/03
    done = open_xray(session, xray, world["hni.receiver"], received_at=at(2, 3, 9), now=at(2, 3, 9))
    act(
        session,
        world["hni.receiver"],
        done,
        "refuse_reception",
        at(2, 3, 9, 30),
        reason="Sai thẩm quyền",
    )
    kha = open_xray(session, xray, world["kha.receiver"], received_at=at(2, 3, 9), now=at(2, 3, 9))
    events_before = {x.id: x.event_count for x in (d, done, kha)}

    moved = calendars.set_day(
        session, day=at(6, 3, 0).date(), kind="day_off", name="Nghỉ đột xuất do bão",
        calendars=source, by="admin", now=at(4, 3, 8),
    )  # fmt: skip
    assert {m.code for m in moved} == {d.code, kha.code}
    session.expire_all()
    d = session.get(Dossier, d.id)
    assert d.due_at == at(10, 3, 17)  # Fri 06/03 off → one working day later
    assert d.appointment_at == at(10, 3, 17)
    ev = session.exec(
        select(Event).where(Event.dossier_id == d.id).order_by(Event.seq.desc())
    ).first()
    assert ev.kind == "clock"
    assert "06/03/2026" in ev.payload["reason"]
    assert "Nghỉ đột xuất do bão" in ev.payload["reason"]
    assert ev.payload["old_due"] == at(9, 3, 17).isoformat()
    assert ev.payload["by"] == "admin"
    assert (
        session.get(Dossier, done.id).event_count == events_before[done.id]
    )  # finished: untouched

    # Sở Hà Nội works Saturday 07/03: only its own dossiers move back
    moved = calendars.set_day(
        session, day=at(7, 3, 0).date(), kind="workday", name="Làm bù thứ Sáu 06/03",
        unit_code="SKHCN.HNI", calendars=source, now=at(4, 3, 9),
    )  # fmt: skip
    assert [m.code for m in moved] == [d.code]
    session.expire_all()
    assert session.get(Dossier, d.id).due_at == at(9, 3, 17)
    assert session.get(Dossier, kha.id).due_at == at(10, 3, 17)

    calendars.remove_day(
        session, day=at(7, 3, 0).date(), unit_code="SKHCN.HNI", calendars=source, now=at(4, 3, 10)
    )
    session.expire_all()
    assert session.get(Dossier, d.id).due_at == at(10, 3, 17)
    assert audit.verify(session).ok


def test_the_dossier_json_carries_the_clock(client, world, token_for):
    h = token_for(world["hni.receiver"])
    r = client.post(
        "/api/v1/dossiers",
        headers=h,
        json={
            "procedure_code": "2.002131",
            "received_at": "2026-02-13T16:20:00",
            "applicant": {"name": "Phòng khám A"},
        },
    )
    clock = r.json()["clock"]
    assert clock["due"] == "2026-03-02T17:00:00+07:00"
    assert clock["appointment"] == clock["due"]
    assert clock["effective_receipt_day"] == "2026-02-23"
    assert clock["steps"][0]["state"] == "received"
    assert any("Tết" in line for line in clock["trace"])
    assert clock["status"] in {"overdue", "due_soon", "on_track"}
    assert clock["status_label"]


def test_a_fee_wait_is_not_taken_for_waiting_on_a_supplement(session, world):
    """Only a pause opened by a supplement request ends processing early (Decision 766)."""
    from casework.procedures import load_procedure_file as load

    fee = load(
        PROJECT_ROOT / "tests/fixtures/workflows/phi_tam_dung.yaml",
        parts=load_parts(PROJECT_ROOT / "workflows/common"),
    )
    d = open_xray(session, fee, world["hni.receiver"], received_at=at(2, 3, 9), now=at(2, 3, 9))
    act(session, world["hni.receiver"], d, "accept", at(2, 3, 10))
    act(
        session, world["hni.handler"], d, "request_supplement", at(3, 3, 9),
        reason="Thiếu", missing_documents=["don"],
    )  # fmt: skip
    act(session, world["hni.receiver"], d, "receive_supplement", at(3, 3, 10))
    act(session, world["hni.handler"], d, "request_fee", at(4, 3, 9))
    kinds = [
        p.kind
        for p in session.exec(
            select(ClockPause).where(ClockPause.dossier_id == d.id).order_by(ClockPause.started_at)
        ).all()
    ]
    assert kinds == ["supplement", "fee"]
    v = view(session, d, fee, at(5, 3, 9))
    assert v.paused
    assert not v.waiting_on_applicant
    assert v.status == Bucket.ON_TRACK


def test_before_the_clock_starts_no_extension_and_no_supplement_count(session, world, registry):
    """Fee-first licence (KHCN-BX-CP): a completeness request before payment is not a 766
    supplement request, and there is no due yet to apologise for."""
    cp = registry.get("KHCN-BX-CP")
    d = open_xray(session, cp, world["hni.receiver"], received_at=at(2, 3, 9), now=at(2, 3, 9))
    offered = {
        t.action for t in service.allowed_actions(session, actor=world["hni.leader"], dossier=d)
    }
    assert "extend" not in offered
    with pytest.raises(service.ActionNotAllowed, match="chưa bắt đầu tính"):
        act(
            session,
            world["hni.leader"],
            d,
            "extend",
            at(2, 3, 10),
            reason="x",
            new_appointment="2026-04-01T17:00",
        )
    act(session, world["hni.receiver"], d, "accept", at(2, 3, 10))
    act(
        session, world["hni.handler"], d, "request_supplement", at(2, 3, 11),
        reason="Thiếu đơn", missing_documents=["don_de_nghi"],
    )  # fmt: skip
    assert d.supplement_requests == 0  # completeness guidance, before the clock runs
    act(session, world["hni.receiver"], d, "receive_supplement", at(3, 3, 9))
    act(
        session,
        world["hni.handler"],
        d,
        "notify_fee",
        at(3, 3, 10),
        so_thiet_bi=1,
        phi_tham_dinh=3000000,
    )
    # paid Wed 04/03 10:00 → R = 04/03; D = 04/03 + 25 days = Sun 29/03 → Mon 30/03, 17:00
    act(session, world["hni.receiver"], d, "record_fee_paid", at(4, 3, 10), chung_tu_phi="BL-0012")
    assert d.due_at == at(30, 3, 17)
    act(
        session, world["hni.handler"], d, "request_supplement", at(5, 3, 9),
        reason="Thiếu kết quả đo liều", missing_documents=["don_de_nghi"],
    )  # fmt: skip
    assert d.supplement_requests == 1
    assert "extend" not in {
        t.action for t in service.allowed_actions(session, actor=world["hni.leader"], dossier=d)
    }  # paused: nothing to apologise for while waiting on the applicant
