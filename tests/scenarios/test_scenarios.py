"""Practice scenarios: every file loads against the library; a trainee plays one with its trap,
the system plays the applicant, and each step is marked with feedback and a score."""

from __future__ import annotations

from datetime import datetime

import pytest
from markupsafe import escape
from sqlmodel import select

from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import Event
from casework.errors import ProcedureErrors
from casework.scenarios import service
from casework.scenarios.schema import ScenarioRegistry
from casework.settings import PROJECT_ROOT
from tests.factories import TZ, fire

SCENARIOS = PROJECT_ROOT / "workflows" / "scenarios"


@pytest.fixture(scope="module")
def scenarios(registry):
    return ScenarioRegistry.from_directory(SCENARIOS, registry)


def test_at_least_ten_scenarios_across_both_tiers_and_every_trap(scenarios, registry):
    all_ = scenarios.all()
    assert len(all_) >= 10
    assert {registry.get(s.procedure).level for s in all_} == {"commune", "province"}
    assert {s.trap for s in all_} >= {
        "missing_document", "refuse_at_reception", "cutoff_before_holiday", "late_extension", "violation",
    }  # fmt: skip


def test_a_broken_scenario_file_is_named(tmp_path, registry):
    (tmp_path / "bad.yaml").write_text(
        'id: bad\ntitle: X\nprocedure: "2.002131"\ntrap: clean\nbriefing: x\n'
        "applicant: {name: A}\nexpected: [{action: fly}]\n",
        encoding="utf-8",
    )
    with pytest.raises(ProcedureErrors) as err:
        ScenarioRegistry.from_directory(tmp_path, registry)
    assert "scenarios/bad.yaml [expected[0].action]" in err.value.message


def play(
    session, world, scenarios, registry, scenario_id, now=None, together=True, as_="hni.receiver"
):
    return service.start(
        session, actor=world[as_], scenario=scenarios.get(scenario_id),
        procedures=registry, tz=TZ, now=now, together=together,
    )  # fmt: skip


def score(session, dossier, scenarios):
    return service.feedback(
        session, dossier=dossier, scenarios=scenarios, calendars=CalendarSource()
    )[1]


def test_the_missing_document_trap_played_right(session, world, scenarios, registry):
    d = play(session, world, scenarios, registry, "xquang-thieu-so-seri")
    assert d.mode == "practice"
    assert d.code.startswith("LT-")
    fire(session, world["hni.receiver"], d, "accept")
    fire(
        session, world["hni.handler"], d, "request_supplement",
        reason="Phiếu khai báo thiếu số sê-ri của máy", missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    applicant = session.exec(
        select(Event).where(Event.dossier_id == d.id, Event.kind == "applicant")
    ).all()
    assert len(applicant) == 1  # the system answered as the applicant
    assert "số sê-ri" in applicant[0].payload["note"]
    fb = score(session, d, scenarios)
    assert [s.status for s in fb.steps[:2]] == ["ok", "ok"]
    assert not fb.finished
    fire(session, world["hni.receiver"], d, "receive_supplement")
    fire(
        session, world["hni.handler"], d, "submit_for_signing",
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Xác nhận 01 máy",
    )  # fmt: skip
    fire(session, world["hni.leader"], d, "sign", decision_number="1/XN")
    fire(session, world["hni.receiver"], d, "return_result")
    fb = score(session, d, scenarios)
    assert fb.finished
    assert fb.score == 100


def test_a_trap_missed_gets_explained_feedback(session, world, scenarios, registry):
    d = play(session, world, scenarios, registry, "xquang-thieu-so-seri")
    fire(session, world["hni.receiver"], d, "accept")
    # the trainee misses the defect and sends the dossier to signing
    fire(
        session, world["hni.handler"], d, "submit_for_signing",
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Xác nhận",
    )  # fmt: skip
    fb = score(session, d, scenarios)
    step = fb.steps[1]
    assert step.status == "wrong"
    assert "Yêu cầu bổ sung hồ sơ" in step.notes[0]
    assert fb.score < 50


def test_a_vague_reason_and_wrong_document_cost_points(session, world, scenarios, registry):
    d = play(session, world, scenarios, registry, "ddl-thieu-ban-cong-bo")
    fire(session, world["hni.receiver"], d, "accept")
    fire(
        session,
        world["hni.handler"],
        d,
        "request_supplement",
        reason="Thiếu giấy",
        missing_documents=["ban_cong_bo"],
    )
    step = score(session, d, scenarios).steps[1]
    assert step.status == "partial"
    assert "02 bản" in step.notes[0]


def test_the_cutoff_trap_dossier_is_received_at_1620_before_tet(
    session, world, scenarios, registry
):
    d = play(
        session,
        world,
        scenarios,
        registry,
        "xquang-nhan-sau-15h-truoc-tet",
        now=datetime(2026, 2, 13, 16, 25, tzinfo=TZ),
    )
    assert d.received_at == datetime(2026, 2, 13, 16, 20, tzinfo=TZ)
    assert d.due_at == datetime(2026, 3, 2, 17, 0, tzinfo=TZ)


def test_the_pages(client, world, sign_in):
    token = sign_in(world["hni.receiver"])
    page = client.get("/scenarios").text
    assert "Khai báo X-quang — phiếu khai báo thiếu số sê-ri" in page
    assert 'action="/scenarios/xquang-thieu-so-seri/start"' in page
    assert 'action="/scenarios/xa-kiem-tra-can-vi-pham/start"' not in page  # a commune scenario
    r = client.post(
        "/scenarios/xquang-thieu-so-seri/start", data={"csrf_token": token}, follow_redirects=False
    )
    code = r.headers["location"].split("?")[0].rsplit("/", 1)[1]
    assert code.startswith("LT-")
    fb = client.get(f"/dossiers/{code}/feedback").text
    assert "Điểm: 0/100" in fb
    assert "Chưa làm" in fb


def test_only_those_who_may_play_a_scenario_see_its_start_button(client, world, sign_in):
    """A commune officer meets province scenarios only where a commune centre really works on
    them (reception); otherwise they are told why, not given a button that answers 403."""
    sign_in(world["badinh.receiver"])
    page = client.get("/scenarios").text
    assert 'action="/scenarios/xquang-thieu-so-seri/start"' not in page
    assert "Bài này luyện thủ tục cấp tỉnh (Sở); đơn vị UBND Phường Ba Đình" in page
    assert 'action="/scenarios/xquang-sai-thu-tuc/start"' in page  # reception: at: [commune]
    assert 'action="/scenarios/xa-kiem-tra-can-vi-pham/start"' in page


def test_starting_a_scenario_again_keeps_the_scenario(session, world, scenarios, registry):
    from casework.dossiers.practice import reset_practice

    d = play(session, world, scenarios, registry, "xquang-thieu-so-seri")
    fresh = reset_practice(session, actor=world["hni.receiver"], code=d.code, tz=TZ)
    assert fresh.data["_scenario"] == "xquang-thieu-so-seri"
    assert fresh.data["_applicant_script"][0]["after"] == "request_supplement"
    assert score(session, fresh, scenarios).score == 0


def test_after_a_redo_only_the_redone_path_is_scored(session, world, scenarios, registry):
    from casework.reviews import service as reviews
    from casework.reviews.models import MentorAssignment

    session.add(MentorAssignment(mentor_id=world["bo.mentor"].id, unit_id=world.hni.id))
    session.commit()
    d = play(session, world, scenarios, registry, "xquang-thieu-so-seri")
    fire(session, world["hni.receiver"], d, "accept")
    fire(
        session, world["hni.handler"], d, "submit_for_signing",
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Xác nhận",
    )  # fmt: skip
    assert score(session, d, scenarios).steps[1].status == "wrong"
    reviews.give_verdict(
        session, actor=world["bo.mentor"], code=d.code, verdict="redo", to_state="reviewing",
        note="Phải yêu cầu bổ sung số sê-ri.",
    )  # fmt: skip
    fire(
        session, world["hni.handler"], d, "request_supplement",
        reason="Thiếu số sê-ri của máy", missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    fire(session, world["hni.receiver"], d, "receive_supplement")
    fire(
        session, world["hni.handler"], d, "submit_for_signing",
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Xác nhận 01 máy",
    )  # fmt: skip
    fire(session, world["hni.leader"], d, "sign", decision_number="2/XN")
    fire(session, world["hni.receiver"], d, "return_result")
    fb = score(session, d, scenarios)
    assert fb.finished
    assert fb.score == 100  # the abandoned "submit for signing" no longer counts


def test_the_simulated_applicant_pays_the_fee_and_the_clock_starts_when_recorded(
    session, world, scenarios, registry
):
    d = play(session, world, scenarios, registry, "bx-cap-phep-nop-phi")
    fire(session, world["hni.receiver"], d, "accept")
    fire(session, world["hni.handler"], d, "notify_fee", so_thiet_bi=1, phi_tham_dinh=3000000)
    paid = session.exec(
        select(Event).where(Event.dossier_id == d.id, Event.kind == "applicant")
    ).one()
    assert "BL-2026-0042" in paid.payload["note"]
    assert d.due_at is None  # not until the payment is recorded
    fire(session, world["hni.receiver"], d, "record_fee_paid", chung_tu_phi="BL-2026-0042")
    assert d.due_at is not None
    assert [s.status for s in score(session, d, scenarios).steps[:3]] == ["ok", "ok", "ok"]


def events_of(session, d):
    return session.exec(select(Event).where(Event.dossier_id == d.id).order_by(Event.seq)).all()


def test_a_receiver_alone_meets_simulated_colleagues(session, world, scenarios, registry):
    """The receiver plays reception and hand-over; the handler and the leader are played by the
    system with the scripted right actions, visibly, and are not scored."""
    d = play(session, world, scenarios, registry, "xquang-thieu-so-seri", together=False)
    assert d.data["_plays"] == ["receiver"]
    fire(session, world["hni.receiver"], d, "accept")
    assert d.state == "awaiting_supplement"  # the handler (simulated) asked for the serial
    sim = [e for e in events_of(session, d) if e.payload.get("simulated")]
    assert [(e.action, e.actor_id) for e in sim] == [("request_supplement", None)]
    assert sim[0].payload["label"] == "Chuyên viên thụ lý (mô phỏng): Yêu cầu bổ sung hồ sơ"
    fire(session, world["hni.receiver"], d, "receive_supplement")
    assert d.state == "result_ready"  # submitted and signed by the simulated handler and leader
    fire(session, world["hni.receiver"], d, "return_result")
    fb = score(session, d, scenarios)
    assert fb.finished
    assert [s.status for s in fb.steps] == [
        "ok", "simulated", "ok", "simulated", "simulated", "ok",
    ]  # fmt: skip
    assert fb.score == 100


def test_a_commune_handler_alone_gets_the_decision_signed_by_the_simulated_leader(
    session, world, scenarios, registry
):
    commune_handler = world["badinh.receiver"]  # holds all three roles at the commune
    commune_handler.roles = ["handler"]
    session.add(commune_handler)
    session.commit()
    d = play(
        session, world, scenarios, registry, "xa-kiem-tra-can-vi-pham",
        together=False, as_="badinh.receiver",
    )  # fmt: skip
    assert d.state == "inspecting"  # the leader (simulated) signed the decision at the start
    first = [e for e in events_of(session, d) if e.kind == "action"]
    assert first[0].payload["label"] == "Lãnh đạo (mô phỏng): Ký quyết định kiểm tra"


def test_a_wrong_branch_costs_its_own_step_only(session, world, scenarios, registry):
    """Matching by state, not position: concluding "đạt" on a short-weighing scale is wrong, the
    record's conclusion is wrong in content, and the run that ends there is finished, scored,
    and says what should have happened."""
    d = play(session, world, scenarios, registry, "xa-kiem-tra-can-vi-pham", as_="badinh.receiver")
    u = world["badinh.receiver"]
    fire(session, u, d, "issue_decision", decision_number="01/QĐ-UBND")
    fire(session, u, d, "finish_inspection", co_so="Sạp thịt số 14", so_phuong_tien_do=2)
    fire(session, u, d, "sign_record", ket_luan="Đạt yêu cầu")
    fire(session, u, d, "conclude_compliant")
    fire(session, u, d, "send_report", result_summary="Đạt")
    fb = score(session, d, scenarios)
    assert fb.finished
    statuses = [s.status for s in fb.steps]
    assert statuses[:3] == ["ok", "ok", "partial"]
    assert any("đúng ra là «Có vi phạm»" in n for n in fb.steps[2].notes)
    assert statuses[3] == "wrong"
    # the wrong branch led back to the path: the report is judged as the report step
    assert statuses[4:] == ["missed", "ok"]
    assert fb.off_path == []
    assert "Đúng ra hồ sơ phải đi hết" in fb.should_have
    assert 0 < fb.score < 60


def test_a_wrong_choice_explains_itself_with_its_legal_basis(session, world, registry, tmp_path):
    (tmp_path / "s.yaml").write_text(
        """id: s
title: T
procedure: XA-DL-KTNN
trap: violation
briefing: x
applicant: {name: Sạp 14}
expected:
  - {action: issue_decision, data: {decision_number: 1/QĐ}, why: "Phải có quyết định.", legal: "Luật Đo lường 2011, Điều 44"}
  - action: finish_inspection
    data: {co_so: Sạp 14, so_phuong_tien_do: 1}
  - {action: sign_record, fields: {ket_luan: Có vi phạm}, data: {ket_luan: Có vi phạm}}
  - action: handle_violation
    data: {bien_phap_xu_ly: Lập biên bản vi phạm}
    why: "Cân thiếu 80 g/kg là vi phạm."
    legal: "Luật Đo lường 2011, Điều 48"
    wrong:
      - {action: conclude_compliant, why: "Cân sai không thể kết luận đạt.", legal: "Luật Đo lường 2011, Điều 48"}
  - {action: finish_violation_handling, data: {bien_phap_xu_ly: Phạt}}
  - {action: send_report, data: {result_summary: Xong}}
""",
        encoding="utf-8",
    )
    reg = ScenarioRegistry.from_directory(tmp_path, registry)
    s = reg.get("s")
    assert [st.state for st in s.expected] == [
        "decision", "inspecting", "recording", "handling", "violation_handling", "reporting",
    ]  # fmt: skip
    d = service.start(
        session, actor=world["badinh.receiver"], scenario=s, procedures=registry, tz=TZ,
        together=True,
    )  # fmt: skip
    u = world["badinh.receiver"]
    fire(session, u, d, "issue_decision", decision_number="01/QĐ-UBND")
    fire(session, u, d, "finish_inspection", co_so="Sạp 14", so_phuong_tien_do=1)
    fire(session, u, d, "sign_record", ket_luan="Đạt yêu cầu")
    fire(session, u, d, "conclude_compliant")
    _, fb = service.feedback(session, dossier=d, scenarios=reg, calendars=CalendarSource())
    step = fb.steps[3]
    assert step.status == "wrong"
    assert "Cân sai không thể kết luận đạt." in step.notes
    assert step.legal == "Luật Đo lường 2011, Điều 48"
    assert step.handbook == "/procedures/XA-DL-KTNN#step-handling"
    assert fb.steps[0].why == "Phải có quyết định."
    assert fb.steps[2].status == "partial"  # the record's conclusion contradicts the scale
    assert not fb.finished  # reporting is not final: the run goes on


@pytest.mark.parametrize(
    ("body", "where", "problem"),
    [
        ("  - {action: finish_inspection}\n", "expected[0].action", "không làm được ở bước"),
        (
            "  - {action: issue_decision, data: {decision_number: 1}}\n",
            "expected",
            "chưa kết thúc hồ sơ",
        ),
        (
            "  - {action: issue_decision}\n"
            "  - {action: finish_inspection, data: {co_so: A, so_phuong_tien_do: 1}}\n",
            "expected[0].data",
            "cần ghi data cho decision_number",
        ),
        (
            "  - {action: issue_decision, data: {ket_qua: x, decision_number: 1}}\n",
            "expected[0].data",
            "không ghi trường «ket_qua»",
        ),
    ],
)
def test_a_path_that_does_not_walk_is_named(tmp_path, registry, body, where, problem):
    (tmp_path / "p.yaml").write_text(
        "id: p\ntitle: T\nprocedure: XA-DL-KTNN\ntrap: clean\nbriefing: x\n"
        f"applicant: {{name: A}}\nexpected:\n{body}",
        encoding="utf-8",
    )
    with pytest.raises(ProcedureErrors) as err:
        ScenarioRegistry.from_directory(tmp_path, registry)
    assert f"scenarios/p.yaml [{where}]" in err.value.message
    assert problem in err.value.message


def test_the_dossier_and_feedback_pages_teach(client, world, sign_in, session):
    """The briefing stays on the dossier and the feedback; each step says why, on what basis,
    and links to its handbook step; a run that ended wrong offers to do it again."""
    token = sign_in(world["hni.receiver"])
    r = client.post(
        "/scenarios/xquang-sai-thu-tuc/start", data={"csrf_token": token}, follow_redirects=False
    )
    code = r.headers["location"].split("?")[0].rsplit("/", 1)[1]
    page = client.get(f"/dossiers/{code}").text
    scenario = client.app.state.scenarios.get("xquang-sai-thu-tuc")
    assert 'id="briefing"' in page
    assert escape(scenario.title) in page
    assert "Bạn đóng vai: Tiếp nhận (một cửa)." in page
    fire(session, world["hni.receiver"], code, "accept")  # the trap missed: it is a licence
    fb = client.get(f"/dossiers/{code}/feedback").text
    assert 'id="briefing"' in fb
    assert "Chưa đúng" in fb
    assert 'href="/procedures/2.002131#step-received"' in fb
    assert "đã xong" not in fb  # accepted: the run goes on, not finished


def test_a_run_ended_in_the_wrong_final_state_is_finished_and_offers_a_redo(
    client, world, sign_in, session
):
    token = sign_in(world["hni.receiver"])
    r = client.post(
        "/scenarios/xquang-thieu-so-seri/start", data={"csrf_token": token}, follow_redirects=False
    )
    code = r.headers["location"].split("?")[0].rsplit("/", 1)[1]
    fire(session, world["hni.receiver"], code, "refuse_reception", reason="Không rõ")
    fb = client.get(f"/dossiers/{code}/feedback").text
    assert "đã xong" in fb
    assert "Hồ sơ đã kết thúc ở «Từ chối tiếp nhận»" in fb
    assert f'action="/dossiers/{code}/reset"' in fb
    redo = client.post(
        f"/dossiers/{code}/reset", data={"csrf_token": token}, follow_redirects=False
    )
    assert redo.status_code == 303


def test_a_redo_replays_the_simulated_colleagues_from_that_step(
    session, world, scenarios, registry
):
    """Alone, the receiver reaches the end; the mentor returns the run to the handler's review:
    the simulated handler acts again from there, and the run can be finished again."""
    from casework.reviews import service as reviews
    from casework.reviews.models import MentorAssignment

    session.add(MentorAssignment(mentor_id=world["bo.mentor"].id, unit_id=world.hni.id))
    session.commit()
    d = play(session, world, scenarios, registry, "xquang-thieu-so-seri", together=False)
    fire(session, world["hni.receiver"], d, "accept")
    fire(session, world["hni.receiver"], d, "receive_supplement")
    assert d.state == "result_ready"
    reviews.give_verdict(
        session, actor=world["bo.mentor"], code=d.code, verdict="redo", to_state="reviewing",
        note="Xem lại bước thẩm định.",
    )  # fmt: skip
    session.refresh(d)
    assert d.state == "result_ready"  # the simulated handler and leader acted again at once
    sims = [e.action for e in events_of(session, d) if e.payload.get("simulated")]
    assert sims == [
        "request_supplement", "submit_for_signing", "sign", "submit_for_signing", "sign",
    ]  # fmt: skip
    fire(session, world["hni.receiver"], d, "return_result")
    fb = score(session, d, scenarios)
    assert fb.finished and fb.score == 100


def test_a_number_field_must_be_equal_not_contained(session, world, registry, tmp_path):
    """ "1" is not "10": numbers compare as numbers, choices whole, texts by containing."""
    from casework.scenarios.feedback import _field_matches

    p = registry.get("XA-DL-KTNN")
    assert _field_matches(p, "so_phuong_tien_do", "10", 10)
    assert not _field_matches(p, "so_phuong_tien_do", "10", 1)
    assert _field_matches(p, "ket_luan", "Có vi phạm", "co vi pham")
    assert _field_matches(p, "ket_luan", "vi phạm", "Có vi phạm")  # the one choice it names
    assert not _field_matches(p, "ket_luan", "vi phạm", "Đạt yêu cầu")
    assert _field_matches(p, "co_so", "sạp 14", "Chợ Ngọc Hà — sạp 14")
    assert not _field_matches(p, "co_so", "sạp 14", "")


def test_workflows_check_loads_the_scenarios_too(tmp_path):
    import shutil

    from typer.testing import CliRunner

    from casework.cli import app as cli

    target = tmp_path / "workflows"
    shutil.copytree(PROJECT_ROOT / "workflows", target)
    (target / "scenarios" / "broken.yaml").write_text(
        "id: broken\ntitle: T\nprocedure: XA-DL-KTNN\ntrap: clean\nbriefing: x\n"
        "applicant: {name: A}\nexpected: [{action: fly}]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["workflows", "check", str(target)])
    assert result.exit_code == 1
    assert "scenarios/broken.yaml [expected[0].action]" in result.output


def test_a_run_is_started_again_only_by_someone_playing_its_roles(
    session, world, scenarios, registry
):
    from casework.dossiers.practice import reset_practice
    from casework.errors import PermissionDenied

    d = play(session, world, scenarios, registry, "xquang-thieu-so-seri", together=False)
    with pytest.raises(PermissionDenied, match="vai trò khác"):
        reset_practice(session, actor=world["hni.handler"], code=d.code, tz=TZ)
    fresh = reset_practice(session, actor=world["hni.receiver"], code=d.code, tz=TZ)
    assert fresh.data["_plays"] == ["receiver"]
