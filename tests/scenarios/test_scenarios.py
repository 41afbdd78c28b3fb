"""Practice scenarios: every file loads against the library; a trainee plays one with its trap,
the system plays the applicant, and each step is marked with feedback and a score."""

from __future__ import annotations

from datetime import datetime

import pytest
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


def play(session, world, scenarios, registry, scenario_id, now=None):
    return service.start(
        session, actor=world["hni.receiver"], scenario=scenarios.get(scenario_id),
        procedures=registry, tz=TZ, now=now,
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


def test_only_those_who_may_open_the_dossier_see_the_start_button(client, world, sign_in):
    """A scenario opens a dossier at its first step: a handler is told why, not given a button
    that answers 403 (found by the access matrix)."""
    sign_in(world["hni.handler"])
    page = client.get("/scenarios").text
    assert 'action="/scenarios/xquang-thieu-so-seri/start"' not in page
    assert "Bạn chưa bắt đầu được bài này: Mở hồ sơ thủ tục này cần vai trò: Tiếp nhận" in page


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
