"""Practising alone in Chromium (issue 16, "Done when"): a province receiver, a province handler
and a commune leader each start a scenario by themselves from /scenarios, play only their own
steps while the system plays the colleagues ("… (mô phỏng)" in the timeline), finish it and read
feedback that explains each step; a commune handler records "đạt" on a short-weighing scale and is
told why that is wrong, with its legal basis. At desktop width and at 360 px.

The right path is driven from the scenario files themselves (the registry the server loads), so
the walk follows the content as it is written."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from casework.procedures import Procedure, ProcedureRegistry
from casework.scenarios.schema import Scenario, ScenarioRegistry
from casework.settings import PROJECT_ROOT

from .test_journey_staff import Walk, sign_in
from .test_journey_staff import walk as staff_walk

#: The staff journeys' `walk` fixture (desktop and 360 px). pytest registers a fixture under the
#: name it has in this module: imported `as _walk` it was `_walk`, and no test here ever ran.
walk = staff_walk

PROCEDURES = ProcedureRegistry.from_directory(PROJECT_ROOT / "workflows")
SCENARIOS = ScenarioRegistry.from_directory(PROJECT_ROOT / "workflows" / "scenarios", PROCEDURES)


def start_alone(w: Walk, scenario_id: str) -> str:
    page = w.page
    page.get_by_role("link", name="Bài thực hành").first.click()
    w.seen()
    form = page.locator(f'form[action="/scenarios/{scenario_id}/start"]')
    expect(form).to_be_visible()
    form.locator("button").click()
    expect(page.locator(".practice-banner")).to_be_visible()
    expect(page.locator("#briefing")).to_contain_text(SCENARIOS.get(scenario_id).title)
    w.seen()
    return page.locator("h1").inner_text()


def act(
    w: Walk,
    action: str,
    fill: dict[str, str] | None = None,
    select: dict[str, str] | None = None,
    check: list[str] | None = None,
) -> None:
    """Like the staff journeys' `act`, but a promised slip may sit before the colleagues'
    simulated lines in the timeline, so it is looked for in the whole timeline."""
    box = w.page.locator(f"#action-{action}")
    box.locator("summary").click()
    for key, value in (fill or {}).items():
        box.locator(f"#{action}-{key}").fill(value)
    for key, value in (select or {}).items():
        box.locator(f"#{action}-{key}").select_option(value)
    for value in check or []:
        box.locator(f"input[type=checkbox][value={value}]").check()
    w.seen()
    box.locator("button[type=submit]").click()
    expect(w.page.locator("#message")).to_contain_text("Đã thực hiện")
    w.seen()


def _form_values(
    procedure: Procedure, data: dict[str, Any]
) -> tuple[dict[str, str], dict[str, str], list[str]]:
    fill: dict[str, str] = {}
    select: dict[str, str] = {}
    check: list[str] = []
    for key, value in data.items():
        if key == "missing_documents":
            check += list(value)
            continue
        kind = procedure.field_spec(key).type
        if kind == "choice":
            select[key] = str(value)
        else:
            fill[key] = str(value)
    return fill, select, check


def play_my_steps(w: Walk, scenario: Scenario, plays: set[str]) -> None:
    """Take each right-path step of the roles played, with the scenario's model answer."""
    procedure = PROCEDURES.get(scenario.procedure)
    for step in scenario.expected:
        option = step.options[0]
        t = procedure.transition(step.state, option.action)
        assert t is not None
        if not set(t.roles) & plays:
            continue
        data = dict(option.data)
        if t.slip == "inspection_decision":
            decide(w, str(data.get("decision_number", "01/QĐ-UBND")))
            continue
        if option.missing_documents is not None:
            data["missing_documents"] = option.missing_documents
        fill, select, check = _form_values(procedure, data)
        act(w, option.action, fill=fill, select=select, check=check)


def decide(w: Walk, number: str) -> None:
    """The decision page of a practice inspection: number, time, place, the first two officers
    the list offers (head and technical member) (a practice decision is signed even if the team lacks certificates)."""
    page = w.page
    page.get_by_role("link", name="Ký quyết định kiểm tra").click()
    expect(page.get_by_role("heading", name="Ký quyết định kiểm tra")).to_be_visible()
    at = (datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) - timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    page.get_by_label("Số, ký hiệu quyết định").fill(number)
    page.get_by_label("Thời gian kiểm tra").fill(at)
    page.get_by_label("Địa điểm kiểm tra").fill("Chợ Ngọc Hà")
    page.locator("#member_0").select_option(index=1)
    page.locator("#member_1").select_option(index=2)
    w.seen()
    page.get_by_role("button", name="Ký quyết định kiểm tra").click()
    expect(page.locator("#message")).to_contain_text("Đã ký quyết định kiểm tra")
    w.seen()


def feedback(w: Walk) -> Page:
    page = w.page
    page.get_by_role("link", name="Nhận xét, điểm của bài thực hành").click()
    expect(page.locator("#score")).to_be_visible()
    w.seen()
    return page


def _solo(w: Walk, username: str, scenario_id: str, role: str) -> None:
    sign_in(w, username)
    start_alone(w, scenario_id)
    expect(w.page.locator("#plays")).to_contain_text("Bạn đóng vai")
    scenario = SCENARIOS.get(scenario_id)
    play_my_steps(w, scenario, {role})
    page = w.page
    expect(page.locator("#timeline")).to_contain_text("(mô phỏng)")
    page = feedback(w)
    expect(page.locator("#score")).to_contain_text("Điểm: 100/100 · đã xong")
    expect(page.locator(".fb-simulated").first).to_contain_text("Hệ thống làm thay")
    expect(page.locator(".fb-ok").first.locator(".why")).to_be_visible()
    w.shot(f"practice-{role}", 1)


def test_a_receiver_a_handler_and_a_commune_leader_each_practise_alone(walk: Walk) -> None:
    _solo(walk, "hni.receiver", "xquang-thieu-so-seri", "receiver")
    _solo(walk, "hni.handler", "ddl-thieu-ban-cong-bo", "handler")
    _solo(walk, "badinh.leader", "xa-kiem-tra-can-vi-pham", "leader")
    walk.publish()


def test_a_wrong_conclusion_is_caught_with_its_legal_reason(walk: Walk) -> None:
    w = walk
    sign_in(w, "badinh.handler")
    start_alone(w, "xa-kiem-tra-can-vi-pham")
    # the leader (simulated) has signed the decision; the handler inspects and records "đạt"
    expect(w.page.locator("#timeline")).to_contain_text("Lãnh đạo (mô phỏng)")
    scenario = SCENARIOS.get("xa-kiem-tra-can-vi-pham")
    procedure = PROCEDURES.get(scenario.procedure)
    inspect = next(s for s in scenario.expected if s.state == "inspecting").options[0]
    fill, select, _ = _form_values(procedure, inspect.data)
    act(w, inspect.action, fill=fill, select=select)
    act(w, "sign_record", select={"ket_luan": "Đạt yêu cầu"})
    act(w, "conclude_compliant")
    page = feedback(w)
    wrong = page.locator(".fb-wrong").first
    expect(wrong).to_contain_text("Kết luận đạt yêu cầu")
    expect(wrong).to_contain_text("Căn cứ:")
    expect(wrong.get_by_role("link", name="Xem hướng dẫn bước này trong cẩm nang")).to_be_visible()
    expect(page.locator(".fb-partial").first).to_contain_text("đúng ra là «Có vi phạm»")
    w.shot("practice-wrong", 1)
    wrong.get_by_role("link", name="Xem hướng dẫn bước này trong cẩm nang").click()
    expect(page.locator("#step-handling")).to_be_visible()
    w.seen()
    walk.publish()
