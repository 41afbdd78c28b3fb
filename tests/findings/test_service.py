"""Findings service on both databases: rows and their verdicts, events in the same transaction,
the conclusion at the signing of the record, handling and the follow-up, and who may write."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from casework.dossiers.models import Dossier, Event
from casework.errors import ActionNotAllowed, NotFound, PermissionDenied, ValidationFailed
from casework.findings import service
from casework.findings.models import FindingRow, Handling
from tests.factories import TZ, fire
from tests.findings.conftest import GOOD, INSTRUMENTS, SHORT, open_inspection, to_recording


def _events(session: Session, dossier: Dossier, kind: str = "finding") -> list[Event]:
    return list(
        session.exec(select(Event).where(Event.dossier_id == dossier.id, Event.kind == kind)).all()
    )


def add(session, officer, dossier, form, kind="packaged"):  # type: ignore[no-untyped-def]
    return service.add_row(session, actor=officer, code=dossier.code, kind=kind, form=form, tz=TZ)


def test_a_row_is_checked_and_recorded_as_an_event(session, officer, inspection):
    row = add(session, officer, inspection, GOOD)
    assert row.passed is True and row.position == 1
    bad = add(session, officer, inspection, SHORT)
    assert bad.passed is False and bad.position == 2
    assert "Thiếu 31 g > 2T = 30 g" in bad.words
    events = _events(session, inspection)
    assert [e.payload["row"]["passed"] for e in events] == [True, False]
    assert "Gạo ST25" in events[1].payload["label"] and "Không đạt" in events[1].payload["label"]
    conclusion = service.conclusion_for(session, inspection)
    assert (conclusion.value, conclusion.failed, conclusion.total) == ("Có vi phạm", 1, 2)


def test_a_value_that_is_not_a_number_names_row_and_column_and_writes_nothing(
    session, officer, inspection
):
    add(session, officer, inspection, GOOD)
    before = inspection.event_count
    form = {**GOOD, "luong_thuc": "500; 501; năm"}
    with pytest.raises(ValidationFailed) as info:
        add(session, officer, inspection, form)
    assert "Dòng 2, cột «Lượng thực đo được»" in info.value.fields["luong_thuc"]
    assert "giá trị thứ 3 («năm»)" in info.value.fields["luong_thuc"]
    session.expire_all()
    assert len(session.exec(select(FindingRow)).all()) == 1
    assert session.get(Dossier, inspection.id).event_count == before


def test_missing_and_bad_columns_are_all_named(session, officer, inspection):
    with pytest.raises(ValidationFailed) as info:
        add(session, officer, inspection, {"luong_danh_dinh": "abc", "don_vi": "lb"})
    assert set(info.value.fields) == {"san_pham", "luong_danh_dinh", "don_vi", "co_lo",
                                      "luong_thuc"}  # fmt: skip


def test_edit_and_delete_are_events(session, officer, inspection):
    row = add(session, officer, inspection, SHORT)
    edited = service.update_row(
        session, actor=officer, code=inspection.code, row_id=row.id, form=GOOD, tz=TZ
    )
    assert edited.passed is True
    service.delete_row(session, actor=officer, code=inspection.code, row_id=row.id)
    assert session.exec(select(FindingRow)).all() == []
    labels = [e.payload["label"] for e in _events(session, inspection)]
    assert labels[1].startswith("Sửa dòng kết quả kiểm tra 1") and labels[2].startswith("Xóa")
    assert _events(session, inspection)[1].payload["row"]["before"]["passed"] is False


def test_the_kind_must_be_the_procedures(session, officer, inspection):
    with pytest.raises(ValidationFailed):
        add(session, officer, inspection, {"loai": "Cân"}, kind="instrument")


def test_instrument_rows(session, registry, officer):
    d = to_recording(session, officer, open_inspection(session, registry, officer, INSTRUMENTS))
    form = {"loai": "Cân đồng hồ 60 kg", "han_kiem_dinh": "2020-01-01"}
    row = add(session, officer, d, form, kind="instrument")
    assert row.passed is False and "hết hạn 01/01/2020" in row.words
    with pytest.raises(ValidationFailed) as info:
        add(session, officer, d, {"loai": "Cân", "mpe": "10"}, kind="instrument")
    assert "sai_so" in info.value.fields


# ---- the conclusion at the signing of the record ----------------------------------------------


def test_an_empty_conclusion_takes_the_rows(session, officer, inspection):
    add(session, officer, inspection, SHORT)
    signed = fire(session, officer, inspection, "sign_record")
    assert signed.data["ket_luan"] == "Có vi phạm"
    ev = session.exec(
        select(Event).where(Event.dossier_id == inspection.id, Event.action == "sign_record")
    ).one()
    assert ev.payload["data"]["ket_luan_theo_bang"] == "Có vi phạm"


def test_a_contradicting_conclusion_needs_a_reason(session, officer, inspection):
    add(session, officer, inspection, SHORT)
    with pytest.raises(ValidationFailed) as info:
        fire(session, officer, inspection, "sign_record", ket_luan="Đạt yêu cầu")
    assert "trái với bảng kết quả" in info.value.message
    assert {"ket_luan", "note"} <= set(info.value.fields)
    session.expire_all()
    assert session.get(Dossier, inspection.id).state == "recording"
    reason = "Cân của đoàn sai, đã đo lại bằng cân khác: đủ lượng"
    signed = fire(session, officer, inspection, "sign_record", ket_luan="Đạt yêu cầu", note=reason)
    assert signed.data["ket_luan"] == "Đạt yêu cầu"
    assert signed.data["ly_do_ket_luan"] == reason
    assert service.conclusion_for(session, signed).reason == reason


def test_rows_are_frozen_once_the_record_is_signed(session, officer, inspection):
    row = add(session, officer, inspection, GOOD)
    fire(session, officer, inspection, "sign_record")
    with pytest.raises(ActionNotAllowed):
        add(session, officer, inspection, GOOD)
    with pytest.raises(ActionNotAllowed):
        service.delete_row(session, actor=officer, code=inspection.code, row_id=row.id)


def test_without_rows_the_conclusion_is_the_officers(session, officer, inspection):
    signed = fire(session, officer, inspection, "sign_record", ket_luan="Đạt yêu cầu")
    assert signed.data["ket_luan"] == "Đạt yêu cầu" and "ket_luan_theo_bang" not in signed.data


# ---- handling ---------------------------------------------------------------------------------


def _violation(session, officer, inspection):  # type: ignore[no-untyped-def]
    add(session, officer, inspection, SHORT)
    return fire(session, officer, inspection, "sign_record")


def test_handling_of_a_violation(session, registry, officer, inspection):
    with pytest.raises(ActionNotAllowed):  # not before the record says "Có vi phạm"
        service.save_handling(
            session, actor=officer, code=inspection.code, form={"decision_number": "1"}
        )
    _violation(session, officer, inspection)
    later = open_inspection(session, registry, officer)
    form = {
        "transferred_to": "Chủ tịch UBND phường",
        "decision_number": "05/QĐ-XPHC",
        "amount": "3.000.000",
        "remedy_deadline": "2026-12-20",
        "follow_up_on": "2027-01-10",
        "follow_up_code": later.code,
    }
    row = service.save_handling(session, actor=officer, code=inspection.code, form=form)
    assert (row.amount, row.follow_up_code) == (3_000_000, later.code)
    assert str(row.follow_up_on) == "2027-01-10"
    ev = _events(session, inspection)[-1]
    assert ev.payload["handling"]["amount"] == 3_000_000
    # the follow-up inspection names the one it checks again
    assert service.sheet(session, actor=officer, code=later.code).follow_up_of == inspection.code
    assert service.sheet(session, actor=officer, code=inspection.code).follow_up_of is None
    assert ev.payload["handling"]["remedy_deadline"] == "2026-12-20"


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount", "ba triệu"), ("amount", "-5"), ("remedy_deadline", "20/12"),
     ("follow_up_code", "KHONG-CO-0001")],
)  # fmt: skip
def test_bad_handling_is_refused_by_field(session, officer, inspection, field, value):
    _violation(session, officer, inspection)
    form = {"decision_number": "05/QĐ-XPHC", field: value}
    with pytest.raises(ValidationFailed) as info:
        service.save_handling(session, actor=officer, code=inspection.code, form=form)
    assert field in info.value.fields
    assert session.exec(select(Handling)).all() == []


# ---- who --------------------------------------------------------------------------------------


def test_who_may_write(session, world, officer, inspection, registry):
    with pytest.raises(NotFound):  # another unit's staff: the dossier does not exist for them
        add(session, world["hni.handler"], inspection, GOOD)
    with pytest.raises(NotFound):
        add(session, officer, inspection.model_copy(update={"code": "KHONG-CO"}), GOOD)
    auditor = world["hni.auditor"]  # reads the commune's dossier, never writes
    with pytest.raises(PermissionDenied):
        add(session, auditor, inspection, GOOD)
    assert service.sheet(session, actor=auditor, code=inspection.code).can_edit_rows is False
    assert service.sheet(session, actor=officer, code=inspection.code).can_edit_rows is True


def test_not_an_inspection(session, world, xray):
    from tests.factories import open_xray

    d = open_xray(session, xray, world["hni.receiver"])
    with pytest.raises(ActionNotAllowed):
        add(session, world["hni.handler"], d, GOOD)
    assert service.sheet(session, actor=world["hni.handler"], code=d.code).kinds == []


def test_the_printed_record_has_the_rows_and_the_conclusion(app, session, officer, inspection):
    add(session, officer, inspection, GOOD)
    add(session, officer, inspection, SHORT)
    rows, conclusion = service.printable(session, inspection)
    assert [(r.position, r.verdict) for r in rows] == [(1, "Đạt"), (2, "Không đạt")]
    assert ("Lượng danh định", "500") in rows[0].facts
    templates = app.state.templates
    html = templates.env.from_string(
        '{% from "findings/_record.html" import finding_table %}{{ finding_table(rows, c) }}'
    ).render(rows=rows, c=conclusion)
    assert "Gạo ST25 túi 5 kg" in html and "Thiếu 31 g &gt; 2T = 30 g" in html
    assert "Có vi phạm" in html


def test_demo_rows(session, registry, officer, inspection):
    from casework.findings.demo import load_demo

    rows = load_demo(session, dossier=inspection, actor=officer, tz=TZ)
    # the sugar passes (10 of a lot of 40: n = 10); the rice fails: a bag 150 g short > T = 75 g
    # with none allowed, and the mean of the whole lot below 5 kg
    assert [r.passed for r in rows] == [True, False]
    assert service.conclusion_for(session, inspection).value == "Có vi phạm"
    d = to_recording(session, officer, open_inspection(session, registry, officer, INSTRUMENTS))
    rows = load_demo(session, dossier=d, actor=officer, tz=TZ)
    assert [r.passed for r in rows] == [True, False]
    ok = to_recording(session, officer, open_inspection(session, registry, officer, INSTRUMENTS))
    rows = load_demo(session, dossier=ok, actor=officer, tz=TZ, compliant=True)
    assert [r.passed for r in rows] == [True, True]
    assert fire(session, officer, ok, "sign_record", ket_luan="Đạt yêu cầu").state == "handling"


def test_a_violation_cannot_be_concluded_compliant(session, officer, inspection):
    _violation(session, officer, inspection)
    with pytest.raises(ActionNotAllowed, match="Chuyển xử lý vi phạm"):
        fire(session, officer, inspection, "conclude_compliant")
    session.expire_all()
    assert session.get(Dossier, inspection.id).state == "handling"
    assert fire(session, officer, inspection, "handle_violation", bien_phap_xu_ly="Phạt").state


def test_goods_quality_rows_wait_for_the_lab(session, registry, officer):
    d = open_inspection(session, registry, officer, "XA-CL-HHLT")
    fire(session, officer, d, "issue_decision", decision_number="3/QĐ")
    fire(session, officer, d, "finish_inspection", co_so="Cửa hàng", mat_hang="Mũ bảo hiểm")
    form = {"san_pham": "Mũ bảo hiểm", "mau": "03 chiếc, lô M2", "ket_qua": "cho"}
    row = add(session, officer, d, form, kind="quality")
    assert row.passed is None
    fire(session, officer, d, "take_samples", reason="Gửi mẫu thử nghiệm")
    row = service.update_row(
        session, actor=officer, code=d.code, row_id=row.id, tz=TZ,
        form={**form, "ket_qua": "khong_dat", "phong_thu_nghiem": "Quatest 1"},
    )  # fmt: skip
    assert row.passed is False
    result = "Không phù hợp"
    with pytest.raises(ValidationFailed, match="trái với bảng kết quả"):
        fire(session, officer, d, "receive_test_result", ket_qua_thu_nghiem=result,
             ket_luan="Đạt yêu cầu")  # fmt: skip
    done = fire(session, officer, d, "receive_test_result", ket_qua_thu_nghiem=result)
    assert done.data["ket_luan"] == "Có vi phạm"


def test_an_instruments_mpe_from_its_class(session, registry, officer):
    d = to_recording(session, officer, open_inspection(session, registry, officer, INSTRUMENTS))
    scale = {"loai": "Cân đồng hồ 30 kg", "han_kiem_dinh": "2030-01-01",
             "cap_chinh_xac": "cấp 4 (IIII)", "e": "100", "tai_thu": "20000", "don_vi": "g"}  # fmt: skip
    ok = add(session, officer, d, {**scale, "sai_so": "-200"}, kind="instrument")
    assert ok.passed is True  # 200e → 1e; in service 2 × 100 g
    assert "Sai số 200 g ≤ MPE = 200 g (cân cấp IIII, tải 200e" in ok.words
    off = add(session, officer, d, {**scale, "sai_so": "250"}, kind="instrument")
    assert off.passed is False and "Sai số 250 g > MPE = 200 g" in off.words
    with pytest.raises(ValidationFailed) as info:  # an error with nothing to compare it to
        add(session, officer, d, {"loai": "Cân", "sai_so": "5"}, kind="instrument")
    assert "mpe" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        add(session, officer, d, {**scale, "e": "0", "sai_so": "5"}, kind="instrument")
    assert "phải lớn hơn 0" in info.value.fields["e"]
