"""The procedures added in issue 18 item 3, walked as their users in Chromium (desktop and 360 px,
both databases), through the UI only:

1. a provincial receiver practises the too-early telecom renewal alone: accepts first and is told
   why (the step's «why» and legal basis from the scenario file, a working link to the handbook
   step), starts again and refuses with the reason; a commune receiver starts a reception trap
   marked playable at commune level and refuses it;
2. a handler plays the clean S&T task acceptance (hội đồng đạt → hoàn thiện → công nhận) to the
   end with the simulated colleagues and reads a finished, scored run;
3. the handbook pages of two new procedures show their sources with the check date and the items
   still to re-check, and the handbook search finds one from words typed without diacritics;
4. a real dossier of the telecom renewal goes from the receiver (Mẫu 01 prints) through the
   handler and the leader to the result handed back, following the procedure's own steps;
and, on a desktop, every practice scenario of the new procedures is played with its model answer
to 100 points (the sweep that found no user had walked them).

The right paths are read from the scenario and procedure files the server loads."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from casework.scenarios.schema import Scenario

from .test_journey_staff import Walk, find_in_queue, open_dossier, sign_in
from .test_journey_staff import walk as staff_walk
from .test_practice_alone import (
    PROCEDURES,
    SCENARIOS,
    _form_values,
    decide,
    feedback,
    start_alone,
)

#: The staff journeys' `walk` fixture (desktop and 360 px). pytest registers a fixture under the
#: name it has in this module: imported `as _walk`, it would be `_walk` and no test would find it.
walk = staff_walk

#: The procedures added this session (issue 18 item 3), by code.
NEW = [
    "KHCN-VT-GPDV-GH", "KHCN-VT-GPDV-CL", "KHCN-VT-GCNKN-CL", "KHCN-VTD-ND-GH", "KHCN-VTD-ND-SD",
    "KHCN-VTD-ND-CN", "KHCN-TDC-DDL-DC", "2.002711", "2.002724", "KHCN-BX-CL", "KHCN-BX-CCCL",
    "2.002383",
]  # fmt: skip
NEW_SCENARIOS = sorted(s.id for s in SCENARIOS.all() if s.procedure in NEW)
EARLY = "vt-gpdv-gh-nop-qua-som"
#: the renewal's main part, after the 05 working days of the validity check
TWO_PART_MAIN = "15 ngày (xét gia hạn giấy phép)"
HANDBOOK_LINK = "Xem hướng dẫn bước này trong cẩm nang"


def act(
    w: Walk,
    action: str,
    fill: dict[str, str] | None = None,
    select: dict[str, str] | None = None,
    check: list[str] | None = None,
) -> None:
    """Open the action's box, fill it, submit it and wait for the answer of *this* action: the
    dossier is swapped in place by htmx, so the previous action's «Đã thực hiện» is still on the
    page for a moment (waiting for the text alone let the next click land on the old page: a
    409 on PostgreSQL)."""
    page = w.page
    box = page.locator(f"#action-{action}")
    box.locator("summary").click()
    promised = re.search(r"— in (.+)$", box.locator("summary").inner_text().strip())
    for key, value in (fill or {}).items():
        box.locator(f"#{action}-{key}").fill(value)
    for key, value in (select or {}).items():
        box.locator(f"#{action}-{key}").select_option(value)
    for value in check or []:
        box.locator(f"input[type=checkbox][value={value}]").check()
    w.seen()
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(f"/actions/{action}")
    ) as answer:
        box.locator("button[type=submit]").click()
    assert answer.value.status == 200, f"{action}: {answer.value.status}"
    expect(page.locator("#message")).to_contain_text("Đã thực hiện")
    w.seen()
    if promised:  # the slip the action promised is offered on the timeline
        slip = page.locator("#timeline").get_by_role("link", name=f"In {promised[1]}")
        expect(slip.first, promised[1]).to_be_visible()


def play_my_steps(w: Walk, scenario: Scenario, plays: set[str]) -> None:
    """Take each right-path step of the roles played, with the scenario's model answer."""
    procedure = PROCEDURES.get(scenario.procedure)
    for step in scenario.expected:
        option = step.options[0]
        t = procedure.transition(step.state, option.action)
        assert t is not None, (scenario.id, step.state, option.action)
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


def _refusal(w: Walk, scenario: Scenario) -> None:
    """The model refusal at reception: the reason from the scenario file, Mẫu 03 offered."""
    option = scenario.expected[0].options[0]
    assert option.action == "refuse_reception", scenario.id
    act(w, "refuse_reception", fill={"reason": str(option.data["reason"])})
    last = w.page.locator("#timeline > li").last
    expect(last).to_contain_text("Từ chối tiếp nhận")
    expect(last.get_by_role("link", name=re.compile("Mẫu 03"))).to_be_visible()


def test_a_receiver_practises_a_reception_trap_alone(walk: Walk) -> None:
    w, page = walk, walk.page
    scenario = SCENARIOS.get(EARLY)
    step = scenario.expected[0]
    sign_in(w, "hni.receiver")
    start_alone(w, EARLY)
    expect(page.locator("#briefing")).to_contain_text("30/06/2027")
    expect(page.locator("#plays")).to_contain_text("Tiếp nhận (một cửa)")
    # the step's guidance warns about the filing window before anything is done
    expect(page.locator("main")).to_contain_text("tối đa 90 ngày và ít nhất 30 ngày")

    # the wrong choice first: the dossier is accepted
    act(w, "accept")
    fb = feedback(w)
    expect(fb.locator("#score")).to_contain_text("Điểm: 0/100")
    wrong = fb.locator(".fb-wrong").first
    expect(wrong).to_contain_text("bạn đã chọn «Tiếp nhận hồ sơ»")
    expect(wrong).to_contain_text(step.wrong[0].why)
    expect(wrong.locator(".why")).to_contain_text(step.why)
    expect(wrong).to_contain_text(f"Căn cứ: {step.legal}")
    w.shot("new-trap-wrong", 1)
    wrong.get_by_role("link", name=HANDBOOK_LINK).click()
    page.wait_for_url("**/procedures/KHCN-VT-GPDV-GH#step-received")
    expect(page.locator("#step-received")).to_be_in_viewport()
    expect(page.locator("#step-received")).to_contain_text("nộp quá sớm")
    w.seen()

    # back to the run, start again from the first step, and refuse with the reason
    page.go_back()
    page.get_by_role("link", name=re.compile(r"^← LT-")).click()
    page.get_by_role("button", name="Làm lại từ đầu").click()
    expect(page.locator("#state")).to_have_text("Tiếp nhận hồ sơ")
    w.seen()
    _refusal(w, scenario)
    page.locator("#timeline > li").last.get_by_role("link", name=re.compile("Mẫu 03")).click()
    expect(page.locator("main.sheet")).to_contain_text("90 ngày")
    expect(page.locator("main.sheet")).to_contain_text("Công ty TNHH Dịch vụ số Cửa Lò")
    w.seen()
    page.get_by_role("link", name="← Quay lại").click()
    fb = feedback(w)
    expect(fb.locator("#score")).to_contain_text("Điểm: 100/100 · đã xong")
    ok = fb.locator(".fb-ok").first
    expect(ok.locator(".why")).to_contain_text(step.why)
    expect(ok).to_contain_text(f"Căn cứ: {step.legal}")
    w.shot("new-trap-right", 1)


COMMUNE_TRAPS = [
    s.id
    for s in SCENARIOS.all()
    if s.procedure in NEW and s.trap == "refuse_at_reception" and "commune" in s.at
]


def test_a_commune_receiver_starts_a_reception_trap_of_a_new_procedure(walk: Walk) -> None:
    assert "vtd-gia-han-nop-muon" in COMMUNE_TRAPS, COMMUNE_TRAPS
    w, page = walk, walk.page
    sign_in(w, "badinh.receiver")
    page.get_by_role("link", name="Bài thực hành").first.click()
    mine = page.locator("#my-scenarios")
    for sid in COMMUNE_TRAPS:  # each one is offered to the ward's one-stop desk
        expect(mine.locator(f'form[action="/scenarios/{sid}/start"]')).to_have_count(1)
    w.seen()
    start_alone(w, "vtd-gia-han-nop-muon")
    expect(page.locator(".practice-banner")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("LT-HNI.BADINH-")
    _refusal(w, SCENARIOS.get("vtd-gia-han-nop-muon"))
    fb = feedback(w)
    expect(fb.locator("#score")).to_contain_text("Điểm: 100/100 · đã xong")
    expect(fb.locator(".fb-ok").first).to_contain_text("Luật Tần số vô tuyến điện 2009")
    w.shot("new-trap-commune", 1)


def test_a_handler_plays_the_acceptance_of_a_task_to_the_end(walk: Walk) -> None:
    w, page = walk, walk.page
    scenario = SCENARIOS.get("nvkhcn-nt-tinh-dat")
    sign_in(w, "hni.handler")
    start_alone(w, scenario.id)
    expect(page.locator("#plays")).to_contain_text("Bạn đóng vai")
    play_my_steps(w, scenario, {"handler"})
    expect(page.locator("#state")).to_have_text("Đã trả quyết định công nhận kết quả")
    expect(page.locator("#timeline")).to_contain_text("(mô phỏng)")
    expect(page.locator("#timeline")).to_contain_text("112/QĐ-SKHCN")
    fb = feedback(w)
    expect(fb.locator("#score")).to_contain_text("Điểm: 100/100 · đã xong")
    steps = fb.locator("#feedback-steps > li")
    expect(steps).to_have_count(len(scenario.expected))
    expect(fb.locator(".fb-wrong")).to_have_count(0)
    expect(fb.locator(".fb-simulated").first).to_contain_text("Hệ thống làm thay")
    expect(fb.locator(".fb-ok")).to_have_count(3)  # convene, council passed, submit
    for i in range(steps.count()):
        expect(steps.nth(i).locator(".why")).to_be_visible()
    w.shot("new-acceptance", 1)


HANDBOOK = {
    "KHCN-VT-GPDV-GH": ("Mã thủ tục:", "Điều 47 Nghị định 163/2024/NĐ-CP"),
    "KHCN-TDC-DDL-DC": ("Phí, lệ phí:", "Thông tư 21/2014/TT-BKHCN Điều 12"),
}


def test_the_handbook_of_new_procedures_and_the_search_without_diacritics(walk: Walk) -> None:
    w, page = walk, walk.page
    sign_in(w, "badinh.handler")
    page.get_by_role("navigation", name="Chính").get_by_role("link", name="Sổ tay thủ tục").click()
    search = page.get_by_label("Tìm trong sổ tay")
    search.fill("gia han giay phep vien thong")
    page.wait_for_url("**/procedures?q=gia%20han%20giay%20phep%20vien%20thong*")
    first = page.locator("#results .hit").first
    expect(first.locator(".hit-title")).to_have_text(PROCEDURES.get("KHCN-VT-GPDV-GH").name)
    expect(first.locator(".snippet mark").first).to_be_visible()
    w.seen()
    w.shot("new-handbook-search", 1)
    first.locator(".hit-title").click()
    page.wait_for_url("**/procedures/KHCN-VT-GPDV-GH*")
    for n, (code, (gap, cited)) in enumerate(HANDBOOK.items(), start=1):
        if n > 1:
            page.get_by_role("link", name="← Sổ tay thủ tục").click()
            page.get_by_label("Tìm trong sổ tay").fill(code)
            page.locator("#results .hit .hit-title").first.click()
            page.wait_for_url(f"**/procedures/{code}*")
        p = PROCEDURES.get(code)
        expect(page.locator("h1")).to_have_text(p.name)
        note = page.get_by_test_id("recheck")
        expect(note.locator("li")).to_have_count(len(p.recheck))
        expect(note).to_contain_text(gap)
        w.seen()
        note.get_by_role("link", name="Xem nguồn của từng thông tin").click()
        sources = page.locator("#sources")
        expect(sources).to_be_in_viewport()
        expect(sources).to_contain_text(f"Mã {code} là mã địa phương")
        items = sources.get_by_test_id("source")
        expect(items).to_have_count(len(p.sources))
        for i in range(len(p.sources)):
            expect(items.nth(i)).to_contain_text("(kiểm tra ngày 05/12/2026)")
            if p.sources[i].url:
                expect(items.nth(i).get_by_role("link", name="trang nguồn")).to_have_attribute(
                    "href", p.sources[i].url or ""
                )
        expect(sources).to_contain_text(cited)
        w.seen()
        w.shot("new-handbook", n)


def test_a_real_renewal_goes_from_reception_to_the_result(walk: Walk) -> None:
    """Not a practice run: the department's own receiver, handler and leader take the telecom
    licence renewal through every step of its clean path, whoever's step it is."""
    w, page = walk, walk.page
    procedure = PROCEDURES.get("KHCN-VT-GPDV-GH")
    path = SCENARIOS.get("vt-gpdv-gh-du-ho-so").expected
    applicant = f"Công ty CP Viễn thông Hồ Tây ({w.variant})"
    sign_in(w, "hni.receiver")
    code = open_dossier(w, applicant, procedure=procedure.code)
    expect(page.locator(".practice-banner")).to_have_count(0)
    # its two-part limit (Điều 47 Nghị định 163/2024/NĐ-CP): both parts, each with its end, under
    # the due; the due is the end of the second
    parts = page.locator("#due-parts li")
    expect(parts).to_have_count(2)
    expect(parts.nth(0)).to_contain_text("5 ngày làm việc (xét tính hợp lệ của hồ sơ) · hạn ")
    expect(parts.nth(1)).to_contain_text(f"rồi {TWO_PART_MAIN} kể từ ngày kết thúc thời hạn trên")
    expect(parts.nth(1)).to_contain_text(f"hạn {page.locator('#due strong').inner_text()}")
    w.seen()
    w.shot("new-real", 0)
    who = "receiver"
    for step in path:
        option = step.options[0]
        t = procedure.transition(step.state, option.action)
        assert t is not None, (step.state, option.action)
        role = t.roles[0]
        if role != who:
            sign_in(w, f"hni.{role}")
            find_in_queue(w, applicant, tab="Cả đơn vị")
            who = role
        expect(page.locator("h1")).to_have_text(code)
        expect(page.locator("#state")).to_have_text(procedure.states[step.state].label)
        fill, select, check = _form_values(procedure, dict(option.data))
        act(w, option.action, fill=fill, select=select, check=check)
        if option.action == "accept":
            page.locator("#timeline").get_by_role("link", name=re.compile("Mẫu 01")).click()
            sheet = page.locator("main.sheet")
            expect(sheet).to_contain_text(applicant)
            expect(sheet).to_contain_text(code)
            expect(sheet).to_contain_text(procedure.name)
            expect(sheet.locator("p", has_text="3. Thời gian giải quyết")).to_contain_text(
                f"5 ngày làm việc (xét tính hợp lệ của hồ sơ), rồi {TWO_PART_MAIN} kể từ"
            )
            # the fee line ends its sentence once, even when the fee note ends with a full stop
            fee = sheet.locator("p", has_text="7. Phí, lệ phí:")
            # the amount is unknown: the applicant is told so, never the officers' fee note
            expect(fee).to_contain_text("Theo quy định hiện hành")
            expect(fee).not_to_contain_text("Chưa xác định")
            expect(fee).not_to_have_text(re.compile(r"\.\.\s*$"))
            w.seen()
            w.shot("new-real", 1)
            page.get_by_role("link", name="← Quay lại").click()
            expect(page.locator("h1")).to_have_text(code)
    expect(page.locator("#state")).to_have_text("Đã trả giấy phép gia hạn")
    expect(page.locator("#dossier")).to_contain_text("(hồ sơ đã kết thúc)")
    expect(page.locator("#timeline")).to_contain_text("06/GP-UBND-GH1")
    w.shot("new-real", 2)


@pytest.mark.parametrize("scenario_id", NEW_SCENARIOS)
def test_every_new_scenario_plays_to_its_model_answer(
    scenario_id: str, page: object, base_url: str, tmp_path: object, screenshot: object
) -> None:
    """On a desktop: the scenario's own player (the handler when the path has handler steps, else
    the first role it offers) plays the model answer alone and scores 100, finished."""
    from pathlib import Path

    from .test_journey_staff import DESKTOP

    scenario = SCENARIOS.get(scenario_id)
    procedure = PROCEDURES.get(scenario.procedure)
    roles = scenario.playable_roles(procedure)
    role = "handler" if "handler" in roles else roles[0]
    page.set_viewport_size(DESKTOP)  # type: ignore[attr-defined]
    w = Walk(page, "desktop", base_url, Path(str(tmp_path)), screenshot, Path(str(tmp_path)))  # type: ignore[arg-type]
    sign_in(w, f"hni.{role}")
    start_alone(w, scenario_id)
    play_my_steps(w, scenario, {role})
    fb = feedback(w)
    expect(fb.locator("#score")).to_contain_text("Điểm: 100/100 · đã xong")
    expect(fb.locator(".fb-wrong")).to_have_count(0)
    expect(fb.locator("#feedback-steps > li")).to_have_count(len(scenario.expected))
