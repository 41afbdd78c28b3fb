"""Issue 20's scenarios in the workshop, walked in Chromium (desktop and 360 px, SQLite and
PostgreSQL): a catalogue editor opens the practice scenario `bx-gia-han-du` as a draft, sees a
mistake typed in the YAML editor reported at its line, changes the title and the briefing, sees
the dry run pass step by step and the changes against the published scenario, and submits; a
second editor approves and publishes it (no effective date: practice material); a receiver of
the province finds the new text on /scenarios and in the practice dossier it starts.

Screenshots: test-artifacts/e2e/test_workshop_scenario_walk-<variant>-<n>.png."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import LiveServer
from .test_journey_staff import Walk, walk  # noqa: F401 - the fixture
from .test_workshop import EDITORS, _editors, _sign_in, _tab

SID = "bx-gia-han-du"
OLD_TITLE = "Gia hạn giấy phép X-quang — hồ sơ đủ, tính phí 75%"


def _end_of_line(page: Page, number: int) -> None:
    """The editor's cursor at the end of line `number` (CodeMirror's view on the textarea)."""
    page.locator("#yaml_text").evaluate(
        "(area, n) => { const view = area.yamlView; const line = view.state.doc.line(n);"
        " view.dispatch({selection: {anchor: line.to}}); view.focus(); }",
        number,
    )


def test_workshop_scenario_walk(walk: Walk, live_server: LiveServer) -> None:  # noqa: F811
    w = walk
    page = w.page
    _editors(live_server)
    added = f" (bản xưởng {w.variant})"
    note = f"Người nộp mang theo bản gốc giấy phép để đối chiếu ({w.variant})."

    # --- the first editor opens the scenario as a draft ---
    _sign_in(w, EDITORS[0], "Thủ tục đang áp dụng")
    page.get_by_role("navigation", name="Chính").get_by_role("link", name="Xưởng thủ tục").click()
    expect(page.get_by_role("heading", name="Xưởng thủ tục: bản nháp")).to_be_visible()
    page.locator("#open-scenario").select_option(SID)
    w.seen()
    page.get_by_role("button", name="Mở bản nháp bài thực hành").click()
    expect(page.get_by_role("heading", name=f"Bản nháp {SID}")).to_be_visible()
    expect(page.get_by_test_id("valid")).to_be_visible()
    editor = page.locator(".yaml-editor .cm-content")
    expect(editor).to_be_visible()
    w.seen()

    # a mistake typed in the editor: reported at its line as it is typed, then undone
    editor.click()
    page.keyboard.press("Control+Home")
    page.keyboard.type("x")
    problems = page.get_by_test_id("problems").locator("li[data-line='1']")
    expect(problems.filter(has_text="[xid]")).to_have_count(1)  # and «id» is missing
    expect(page.locator(".yaml-editor .cm-lintRange-error").first).to_be_visible()
    w.shot("workshop-scenario", 1)
    page.keyboard.press("Control+z")
    expect(page.get_by_test_id("valid")).to_be_visible()

    # the published title (the other width's walk may have published one already)
    title = page.locator("#yaml_text").input_value().splitlines()[1].removeprefix("title: ")
    assert title.startswith(OLD_TITLE)

    # typed at the end of the title (line 2) and of the briefing's first line (7); the lines
    # wrap at 360 px, so the cursor is put at a line's end through the editor's view
    _end_of_line(page, 2)
    page.keyboard.type(added)
    _end_of_line(page, 7)
    page.keyboard.type(" " + note)
    expect(page.get_by_test_id("valid")).to_be_visible()
    page.get_by_test_id("save").click()
    expect(page.get_by_text("Đã lưu bản nháp.")).to_be_visible()
    expect(page.get_by_test_id("valid")).to_be_visible()
    w.seen()

    # preview: the dry run, step by step, against the procedure in force
    _tab(w, "Xem trước")
    expect(page.get_by_test_id("dry-run-ok")).to_be_visible()
    steps = page.get_by_test_id("dry-step")
    assert steps.count() >= 3
    expect(page.locator('[data-testid="dry-step"][data-ok="yes"]')).to_have_count(steps.count())
    expect(page.get_by_test_id("dry-run-against")).to_contain_text("KHCN-BX-GH đang công bố")
    w.shot("workshop-scenario", 2)

    # impact: what changed against the published scenario
    _tab(w, "Tác động")
    diff = page.get_by_test_id("diff")
    expect(diff).to_contain_text("Tên bài")
    expect(diff).to_contain_text("Tình huống")
    w.shot("workshop-scenario", 3)

    _tab(w, "Duyệt, công bố")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("review-done")).to_contain_text("Đã gửi duyệt")
    expect(page.get_by_test_id("draft-status")).to_contain_text("Chờ duyệt")
    w.seen()

    # --- the second editor approves and publishes ---
    _sign_in(w, EDITORS[1], "Thủ tục đang áp dụng")
    page.get_by_role("navigation", name="Chính").get_by_role("link", name="Xưởng thủ tục").click()
    page.locator("#status").select_option("submitted")
    row = page.get_by_test_id("draft-row").filter(has_text=SID).first
    expect(row).to_contain_text("bài thực hành")
    row.get_by_role("link").click()
    _tab(w, "Duyệt, công bố")
    expect(page.locator("#effective_date")).to_have_count(0)  # applies at publication
    page.locator("#reason").fill("Thêm chi tiết đối chiếu bản gốc (thử nghiệm e2e)")
    w.shot("workshop-scenario", 4)
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("review-done")).to_contain_text("công bố phiên bản mới")
    expect(page.get_by_test_id("draft-status")).to_contain_text("Đã công bố")
    w.seen()

    # --- a receiver of the province practises the new text ---
    _sign_in(w, "hni.receiver", "Hồ sơ")
    page.get_by_role("link", name="Bài thực hành").first.click()
    form = page.locator(f'form[action="/scenarios/{SID}/start"]')
    card = page.locator("li.card").filter(has=form)
    expect(card).to_contain_text(title + added)
    expect(card).to_contain_text(note)
    w.seen()
    w.shot("workshop-scenario", 5)
    form.locator("button").click()
    expect(page.locator(".practice-banner")).to_be_visible()
    expect(page.locator("#briefing")).to_contain_text(title + added)
    expect(page.locator("#briefing")).to_contain_text(note)
    w.seen()
    w.shot("workshop-scenario", 6)
