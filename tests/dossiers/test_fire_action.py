"""Firing actions: the path, required fields, roles, units, stale pages — nothing half-written."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from casework.dossiers import service
from casework.dossiers.models import Event
from casework.errors import ActionNotAllowed, Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.factories import TZ, fire, open_xray


def events_of(session, dossier):
    return session.exec(
        select(Event).where(Event.dossier_id == dossier.id).order_by(Event.seq)
    ).all()


def test_happy_path_with_a_supplement_loop_reaches_returned(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], d, "accept")
    d = fire(
        session, world["hni.handler"], d, "request_supplement",
        reason="Thiếu số sê-ri của máy X-quang răng", missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    assert (d.state, d.national_status) == ("awaiting_supplement", 5)
    fire(session, world["hni.receiver"], d, "receive_supplement")
    fire(
        session, world["hni.handler"], d, "submit_for_signing",
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Xác nhận 02 thiết bị",
    )  # fmt: skip
    fire(session, world["hni.leader"], d, "sign", decision_number="125/XN-SKHCN")
    d = fire(session, world["hni.receiver"], d, "return_result")
    assert (d.state, d.national_status) == ("returned", 10)
    assert d.finished_at is not None
    assert d.data["decision_number"] == "125/XN-SKHCN"
    evs = events_of(session, d)
    assert [e.action for e in evs] == [
        None, "accept", "request_supplement", "receive_supplement", "submit_for_signing", "sign",
        "return_result",
    ]  # fmt: skip
    assert [e.seq for e in evs] == list(range(1, 8))
    assert all(e.prev_hash == p.hash for p, e in zip(evs, evs[1:], strict=False))
    assert evs[2].payload["data"]["missing_documents"] == ["phieu_khai_bao"]
    assert d.version == 7


def test_missing_required_fields_are_named_and_nothing_is_written(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], d, "accept")
    with pytest.raises(ValidationFailed) as err:
        fire(session, world["hni.handler"], d, "request_supplement", reason="   ")
    assert set(err.value.fields) == {"reason", "missing_documents"}
    session.expire_all()
    assert len(events_of(session, d)) == 2
    again = session.get(type(d), d.id)
    assert again.state == "reviewing"
    assert again.version == 2


def test_unknown_document_key_and_unknown_field_are_rejected(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], d, "accept")
    with pytest.raises(ValidationFailed) as err:
        fire(
            session, world["hni.handler"], d, "request_supplement",
            reason="Thiếu giấy", missing_documents=["giay_phep_lai_xe"], mau_sac="đỏ",
        )  # fmt: skip
    assert "giay_phep_lai_xe" in err.value.fields["missing_documents"]
    assert "mau_sac" in err.value.fields


def test_action_not_allowed_in_this_state(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    with pytest.raises(ActionNotAllowed, match="Tiếp nhận hồ sơ"):
        fire(session, world["hni.leader"], d, "sign", decision_number="1")
    with pytest.raises(ActionNotAllowed, match="không có thao tác"):
        fire(session, world["hni.receiver"], d, "fly_to_the_moon")
    assert len(events_of(session, d)) == 1


def test_wrong_role_is_denied(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    with pytest.raises(PermissionDenied, match="receiver"):
        fire(session, world["hni.handler"], d, "accept")


def test_another_units_officer_cannot_even_see_it(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    with pytest.raises(NotFound):
        fire(session, world["kha.receiver"], d, "accept")
    assert len(events_of(session, d)) == 1


def test_auditor_may_read_but_never_act(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    with pytest.raises(PermissionDenied):
        fire(session, world["hni.auditor"], d, "accept")
    assert service.allowed_actions(session, actor=world["hni.auditor"], dossier=d) == []


def test_stale_version_is_a_conflict_naming_who_changed_what(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    seen_version = d.version
    fire(session, world["hni.receiver"], d, "accept")
    with pytest.raises(Conflict) as err:
        service.fire_action(
            session, actor=world["hni.receiver2"], code=d.code, action="withdraw",
            data={"reason": "Người nộp xin rút"}, expected_version=seen_version, tz=TZ,
        )  # fmt: skip
    message = err.value.message
    assert "Cán bộ hni.receiver" in message
    assert "Tiếp nhận hồ sơ" in message
    assert "Thẩm định hồ sơ" in message  # where it is now
    assert len(events_of(session, d)) == 2


def test_allowed_actions_depend_on_role_and_state(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    receiver = {
        t.action for t in service.allowed_actions(session, actor=world["hni.receiver"], dossier=d)
    }
    handler = {
        t.action for t in service.allowed_actions(session, actor=world["hni.handler"], dossier=d)
    }
    assert receiver == {"accept", "refuse_reception", "withdraw"}
    assert handler == {"stop", "extend"}
    assert service.allowed_actions(session, actor=world["kha.receiver"], dossier=d) == []


def test_extend_is_a_self_transition_that_records_the_new_appointment(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], d, "accept")
    # the close of the working day after the due (the new appointment must come after it)
    later = service.default_calendars().base.add_working_days(d.due_at.astimezone(TZ).date(), 1)
    d = fire(
        session, world["hni.handler"], d, "extend",
        reason="Cần xác minh thêm tại cơ sở", new_appointment=f"{later.isoformat()}T17:00",
    )  # fmt: skip
    assert d.state == "reviewing"
    ev = events_of(session, d)[-1]
    assert (ev.from_state, ev.to_state, ev.action) == ("reviewing", "reviewing", "extend")
    assert ev.payload["data"]["new_appointment"] == f"{later.isoformat()}T17:00:00+07:00"
    assert ev.payload["slip"] == "apology_extension"


def test_refusal_at_reception_ends_with_status_3(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    d = fire(session, world["hni.receiver"], d, "refuse_reception", reason="Không thuộc thẩm quyền")
    assert (d.state, d.national_status) == ("refused", 3)
    assert d.finished_at is not None
    with pytest.raises(ActionNotAllowed):
        fire(session, world["hni.receiver"], d, "accept")


def test_count_is_exact(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], d, "accept")
    assert session.exec(select(func.count()).select_from(Event)).one() == 2
