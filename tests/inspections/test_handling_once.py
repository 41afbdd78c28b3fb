"""The sanction decision number is written once, on both databases: the findings page records
the handling (transfer, sanction decision, fine…); the leader's «Hoàn thành xử lý vi phạm»
(procedure files version 3) asks only for the measures applied, and is refused while the
handling names neither a transfer nor a decision. The inspection decision's number stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from casework.db import utcnow
from casework.dossiers import service as dossiers
from casework.errors import ValidationFailed
from casework.findings import service as findings
from tests.factories import TZ
from tests.inspections.helpers import build_team, decide, open_planned

CODES = ("XA-DL-KTNN", "XA-DL-HDGS", "XA-CL-HHLT")


@pytest.fixture
def team(session: Session, world):  # type: ignore[no-untyped-def]
    return build_team(session, world)


def test_the_procedures_ask_the_number_once(registry):
    for code in CODES:
        p = registry.get(code)
        assert p.version >= 3, code
        done = p.transition("violation_handling", "finish_violation_handling")
        assert done is not None and done.requires == ["bien_phap_xu_ly"], code
        # the number is still the decision's own field
        assert "decision_number" in p.transition("decision", "issue_decision").requires


def test_finishing_the_handling_needs_it_recorded_first(session, registry, world, team, client,
                                                       sign_in):  # fmt: skip
    d = open_planned(session, registry, team.head)
    now = utcnow()
    decide(session, team.leader, d, [(team.head, "head"), (team.tech, "technical")],
           at=now - timedelta(hours=2), now=now - timedelta(hours=3))  # fmt: skip
    for action, data in (
        ("finish_inspection", {"co_so": "Chợ Ngọc Hà", "so_phuong_tien_do": 2}),
        ("sign_record", {"ket_luan": "Có vi phạm"}),
        ("handle_violation", {"bien_phap_xu_ly": "Tạm dừng sử dụng cân; lập biên bản VPHC."}),
    ):
        dossiers.fire_action(session, actor=team.head, code=d.code, action=action, data=data, tz=TZ)
    # the leader's form asks for the measures only
    sign_in(team.leader)
    page = client.get(f"/dossiers/{d.code}").text
    assert 'id="finish_violation_handling-bien_phap_xu_ly"' in page
    assert 'id="finish_violation_handling-decision_number"' not in page
    measures = {"bien_phap_xu_ly": "Phạt 1.500.000 đồng; kiểm định lại cân."}
    with pytest.raises(ValidationFailed) as exc:  # nothing recorded on the findings page yet
        dossiers.fire_action(session, actor=team.leader, code=d.code,
                             action="finish_violation_handling", data=measures, tz=TZ)  # fmt: skip
    assert "handling" in exc.value.fields and "Kết quả kiểm tra" in exc.value.message
    session.rollback()
    with pytest.raises(ValidationFailed) as exc:  # and the number is not taken here any more
        dossiers.fire_action(
            session, actor=team.leader, code=d.code, action="finish_violation_handling",
            data={**measures, "decision_number": "05/QĐ-XPHC"}, tz=TZ,
        )  # fmt: skip
    assert "decision_number" in exc.value.fields
    session.rollback()
    findings.save_handling(session, actor=team.leader, code=d.code,
                           form={"decision_number": "05/QĐ-XPHC", "amount": "1.500.000"})  # fmt: skip
    d = dossiers.fire_action(session, actor=team.leader, code=d.code,
                             action="finish_violation_handling", data=measures, tz=TZ)  # fmt: skip
    assert d.state == "reporting"
    assert d.data["decision_number"] == "27/QĐ-UBND"  # the inspection decision's, not overwritten
    decision = client.get(f"/dossiers/{d.code}/slips/inspection_decision").text
    assert "27/QĐ-UBND" in decision


def test_a_transfer_is_enough(session, registry, world, team):
    d = open_planned(session, registry, team.head)
    now = utcnow()
    decide(session, team.leader, d, [(team.head, "head"), (team.tech, "technical")],
           at=now - timedelta(hours=2), now=now - timedelta(hours=3))  # fmt: skip
    for action, data in (
        ("finish_inspection", {"co_so": "Chợ", "so_phuong_tien_do": 1}),
        ("sign_record", {"ket_luan": "Có vi phạm"}),
        ("handle_violation", {"bien_phap_xu_ly": "Chuyển Sở KH&CN."}),
    ):
        dossiers.fire_action(session, actor=team.head, code=d.code, action=action, data=data, tz=TZ)
    findings.save_handling(session, actor=team.head, code=d.code,
                           form={"transferred_to": "Chánh Thanh tra Sở KH&CN"})  # fmt: skip
    d = dossiers.fire_action(session, actor=team.leader, code=d.code,
                             action="finish_violation_handling",
                             data={"bien_phap_xu_ly": "Đã chuyển hồ sơ."}, tz=TZ)  # fmt: skip
    assert d.state == "reporting"
