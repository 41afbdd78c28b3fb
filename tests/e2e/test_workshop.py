"""Issue 20's "Done when", walked in Chromium (desktop and 360 px, SQLite and PostgreSQL): a
catalogue editor opens the X-ray declaration (2.002131) in the workshop, sees a mistake typed in
the YAML editor reported at its line as it is typed, changes the time limit, adds a document and
changes a step's checklist with the structured form, sees the draft's diagram, handbook page and
its print, the diff and "N hồ sơ đang mở giữ phiên bản k", and submits it; a second editor
approves it with an effective date next month, and a dossier a receiver opens now keeps the old
limit (its page: the version and "Thời hạn … ngày làm việc").

The other half — a dossier received on or after the effective date gets the new limit — cannot be
typed for a date next month (the reception form refuses a future instant). So a second change is
walked the same way with the effective date TODAY in Vietnam (a past instant: local midnight,
with its reason): a dossier whose reception is typed as yesterday keeps the old limit, one
received now gets the new one, both read on their pages. It uses a procedure no other browser
test opens (one per width), so the limits of the others stay as they were.

Screenshots: test-artifacts/e2e/test_workshop_walk-<variant>-<n>.png."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlmodel import Session, select

from casework.accounts import service as accounts
from casework.accounts.models import Unit, User
from casework.db import make_engine
from casework.demo import DEMO_PASSWORD

from .conftest import LiveServer
from .test_journey_staff import XRAY, Walk, open_dossier, to_queue, walk  # noqa: F401 - the fixture

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EDITORS = ("bo.bientap1", "bo.bientap2")
#: the change in force from today: a province procedure no other browser test opens, per width
TODAY_CASE = {"desktop": "KHCN-TDC-CBHQ", "360": "KHCN-TDC-DDL"}


def _editors(server: LiveServer) -> None:
    """Two ministry catalogue editors on the served database (once per server)."""
    engine = make_engine(server.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            ministry = session.exec(select(Unit).where(Unit.kind == "ministry")).first()
            assert ministry is not None
            for i, name in enumerate(EDITORS, start=1):
                if session.exec(select(User).where(User.username == name)).first() is None:
                    accounts.create_user(
                        session, username=name, full_name=f"Biên tập viên Bộ {i}",
                        unit=ministry, roles=["catalogue_editor"], password=DEMO_PASSWORD,
                        demo=True,
                    )  # fmt: skip
    finally:
        engine.dispose()


def _sign_in(w: Walk, username: str, landing: str) -> None:
    page = w.page
    logout = page.get_by_role("button", name="Đăng xuất")
    if page.url.startswith(w.base_url) and logout.count():
        logout.click()
    else:
        page.goto(f"{w.base_url}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name=landing, exact=True)).to_be_visible()
    w.seen()


def _tab(w: Walk, name: str) -> None:
    w.page.get_by_role("navigation", name="Các phần của bản nháp").get_by_role(
        "link", name=name
    ).click()
    w.seen()


def _next_month(today: date, day: int) -> date:
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first.replace(day=day)


def _to_workshop(w: Walk) -> None:
    w.page.get_by_role("navigation", name="Chính").get_by_role("link", name="Xưởng thủ tục").click()
    expect(w.page.get_by_role("heading", name="Xưởng thủ tục: bản nháp")).to_be_visible()
    w.seen()


def _open_draft(w: Walk, code: str) -> float:
    """The first editor opens the draft of `code`; returns the limit it states."""
    _sign_in(w, EDITORS[0], "Thủ tục đang áp dụng")  # no queue: the home page
    _to_workshop(w)
    w.page.locator("#open-code").select_option(code)
    w.page.get_by_role("button", name="Mở bản nháp thủ tục").click()
    expect(w.page.get_by_role("heading", name=f"Bản nháp {code}")).to_be_visible()
    expect(w.page.get_by_test_id("valid")).to_be_visible()
    w.seen()
    return float(w.page.locator("#f-limit").input_value())


def _save(w: Walk) -> None:
    w.page.get_by_test_id("save").click()
    expect(w.page.get_by_text("Đã lưu bản nháp.")).to_be_visible()
    expect(w.page.get_by_test_id("valid")).to_be_visible()
    w.seen()


def _submit(w: Walk) -> None:
    _tab(w, "Duyệt, công bố")
    w.page.get_by_test_id("submit").click()
    expect(w.page.get_by_test_id("review-done")).to_contain_text("Đã gửi duyệt")
    expect(w.page.get_by_test_id("draft-status")).to_contain_text("Chờ duyệt")
    w.seen()


def _approve(w: Walk, code: str, effective: date, reason: str, shot: int | None = None) -> None:
    """The second editor finds the submitted draft of `code` and approves it from `effective`."""
    page = w.page
    _sign_in(w, EDITORS[1], "Thủ tục đang áp dụng")
    _to_workshop(w)
    page.locator("#status").select_option("submitted")
    row = page.get_by_test_id("draft-row").filter(has_text=code).first
    expect(row).to_contain_text("Chờ duyệt")
    row.get_by_role("link").click()
    _tab(w, "Duyệt, công bố")
    page.locator("#effective_date").fill(effective.isoformat())
    page.locator("#reason").fill(reason)
    page.locator("#source_note").fill("Quyết định công bố thủ tục, mục thời hạn giải quyết")
    if shot:
        w.shot("workshop", shot)
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("review-done")).to_contain_text("công bố phiên bản mới")
    expect(page.get_by_test_id("draft-status")).to_contain_text("Đã công bố")
    w.seen()


def _limit_days(value: float) -> str:
    return f"Thời hạn {value:g} ngày làm việc".replace(".", ",")


def _dossier_holds(w: Walk, version: int | None, limit: float) -> int:
    """The dossier page just opened: its version (checked when given, returned) and the limit its
    deadline explanation counts (the «Vì sao là ngày này?» lines, opened)."""
    page = w.page
    found = re.search(r"phiên bản (\d+)", page.locator("main .meta").first.inner_text())
    assert found
    if version is not None:
        assert int(found.group(1)) == version, (found.group(1), version)
    page.locator("#due details.trace summary").click()
    expect(page.locator("#due details.trace")).to_contain_text(_limit_days(limit))
    w.seen()
    return int(found.group(1))


def test_workshop_walk(walk: Walk, live_server: LiveServer) -> None:  # noqa: F811
    w = walk
    page = w.page
    _editors(live_server)
    effective = _next_month(date.today(), 1 if not w.phone else 2)
    doc_key = f"giay_uy_quyen_{'phone' if w.phone else 'desktop'}"
    check = f"Đối chiếu giấy ủy quyền ({w.variant})"

    # --- the first editor: open the draft from the procedure ---
    old_limit = _open_draft(w, XRAY)
    new_limit = int(old_limit) + (3 if w.phone else 2)
    editor = page.locator(".yaml-editor .cm-content")
    expect(editor).to_be_visible()  # CodeMirror took over the textarea

    # a mistake typed in the editor: reported at its line, the line marked; undone
    editor.click()
    page.keyboard.press("Control+Home")
    page.keyboard.type("limt: 3")
    page.keyboard.press("Enter")
    problem = page.get_by_test_id("problems").locator("li[data-line='1']")
    expect(problem).to_contain_text("limt")
    expect(page.locator(".yaml-editor .cm-lintRange-error").first).to_be_visible()
    w.shot("workshop", 1)
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")
    expect(page.get_by_test_id("valid")).to_be_visible()
    expect(page.locator(".yaml-editor .cm-lintRange-error")).to_have_count(0)

    # the structured form: the new limit, one more document, a checklist item out, one in
    page.locator("#f-limit").fill(str(new_limit))
    page.locator("#new_doc_key").fill(doc_key)
    page.locator("#new_doc_name").fill("Giấy ủy quyền nộp hồ sơ (nếu nộp thay)")
    checklists = page.get_by_test_id("checklists")
    checklists.locator("summary").click()
    signing = page.get_by_test_id("checklist-signing")
    dropped = signing.locator("#chk-signing-0").input_value()
    signing.get_by_label("xóa").check()
    page.locator("#chk-received-new").fill(check)
    w.seen()
    w.shot("workshop", 2)
    _save(w)
    expect(page.locator("#f-limit")).to_have_value(str(new_limit))
    text = page.locator("#yaml_text").input_value()  # what the YAML editor was given
    assert check in text and dropped not in text and doc_key in text
    expect(page.locator("#chk-received-3")).to_have_value(check)
    expect(
        page.get_by_test_id("checklist-signing").locator("input[name^='chkdel-']")
    ).to_have_count(0)

    # preview: the draft's diagram, its handbook page and that page's print
    _tab(w, "Xem trước")
    diagram = page.get_by_test_id("draft-diagram")
    expect(diagram).to_be_visible()
    assert diagram.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.get_by_test_id("preview-limit")).to_contain_text(str(new_limit))
    w.shot("workshop", 3)
    page.get_by_test_id("handbook-preview").click()
    expect(page.get_by_test_id("preview-banner")).to_be_visible()
    expect(page.locator("#documents + table")).to_contain_text("Giấy ủy quyền nộp hồ sơ")
    w.seen()
    page.get_by_test_id("draft-print").get_by_role("link", name="xem để in").click()
    expect(page.get_by_test_id("draft-mark")).to_contain_text("BẢN NHÁP")
    expect(page.locator("main.sheet")).to_contain_text("Giấy ủy quyền nộp hồ sơ")
    expect(page.locator("main.sheet")).to_contain_text(check)
    w.seen()
    w.shot("workshop", 4)
    page.get_by_role("link", name="Quay lại sổ tay").click()
    expect(page.get_by_test_id("preview-banner")).to_be_visible()
    page.get_by_role("link", name="Về bản nháp").click()

    # impact: the diff and the open dossiers that stay on their version
    _tab(w, "Tác động")
    pinned = page.get_by_test_id("pinned")
    expect(pinned).to_contain_text(re.compile(r"\d+ hồ sơ đang mở giữ phiên bản \d+"))
    diff = page.get_by_test_id("diff")
    expect(diff).to_contain_text("Thời hạn")
    expect(diff).to_contain_text(doc_key)
    w.shot("workshop", 5)
    _submit(w)

    # --- the second editor approves with an effective date next month ---
    _approve(w, XRAY, effective, "Quyết định công bố TTHC mới của Bộ (thử nghiệm e2e)", shot=6)
    page.get_by_role("link", name="Lịch sử phiên bản").first.click()
    versions = page.get_by_test_id("versions")
    expect(versions).to_contain_text("Biên tập viên Bộ 2")
    expect(versions).to_contain_text(effective.strftime("%d/%m/%Y"))
    w.shot("workshop", 7)

    # --- a dossier received now, before that date, keeps the old limit ---
    _sign_in(w, "hni.receiver", "Hồ sơ")
    open_dossier(w, f"Bệnh viện Xưởng {w.variant}")
    _dossier_holds(w, None, old_limit)
    w.shot("workshop", 8)

    # --- received after the effective date: a change in force from today (Vietnam), walked
    # with a dossier received yesterday (before) and one received now (after) ---
    code = TODAY_CASE[w.variant]
    today = datetime.now(TZ).date()
    before_limit = _open_draft(w, code)
    after_limit = int(before_limit) + (4 if w.phone else 3)
    page.locator("#f-limit").fill(str(after_limit))
    _save(w)
    _submit(w)
    _approve(w, code, today, "Quyết định công bố có hiệu lực từ hôm nay (thử nghiệm e2e)")
    _sign_in(w, "hni.receiver", "Hồ sơ")
    yesterday = datetime.combine(today - timedelta(days=1), time(10, 0))
    open_dossier(
        w, f"Công ty Hôm qua {w.variant}", procedure=code,
        received_at=yesterday.strftime("%Y-%m-%dT%H:%M"),
    )  # fmt: skip
    expect(page.locator("#dossier")).to_contain_text(yesterday.strftime("%d/%m/%Y"))
    kept = _dossier_holds(w, None, before_limit)
    w.shot("workshop", 9)
    to_queue(w)
    open_dossier(w, f"Công ty Hôm nay {w.variant}", procedure=code)
    assert _dossier_holds(w, None, after_limit) > kept
    w.shot("workshop", 10)
