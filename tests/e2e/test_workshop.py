"""Issue 20's "Done when", walked in Chromium (desktop and 360 px, SQLite and PostgreSQL): a
catalogue editor opens the X-ray declaration (2.002131) in the workshop, sees a mistake typed in
the YAML editor reported at its line as it is typed, changes the time limit and adds a document
with the structured form, sees the draft's diagram and handbook page, the diff and "N hồ sơ đang
mở giữ phiên bản k", and submits it; a second editor approves it with an effective date next
month. A dossier a receiver opens now keeps the old limit; one received on the effective date
gets the new one (the reception form refuses a future instant, so that half asks the server's
version choice, `version_at_receipt`, on the served database).

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
from casework.dossiers.catalog import procedure_of_version, version_at_receipt
from casework.dossiers.models import Dossier, ProcedureVersion

from .conftest import LiveServer
from .test_journey_staff import XRAY, Walk, open_dossier, walk  # noqa: F401 - the fixture

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EDITORS = ("bo.bientap1", "bo.bientap2")


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


def test_workshop_walk(walk: Walk, live_server: LiveServer) -> None:  # noqa: F811
    w = walk
    page = w.page
    _editors(live_server)
    effective = _next_month(date.today(), 1 if not w.phone else 2)
    doc_key = f"giay_uy_quyen_{'phone' if w.phone else 'desktop'}"

    # --- the first editor: open the draft from the procedure ---
    _sign_in(w, EDITORS[0], "Thủ tục đang áp dụng")  # no queue: the home page
    page.get_by_role("navigation", name="Chính").get_by_role("link", name="Xưởng thủ tục").click()
    expect(page.get_by_role("heading", name="Xưởng thủ tục: bản nháp")).to_be_visible()
    w.seen()
    page.locator("#open-code").select_option(XRAY)
    page.get_by_role("button", name="Mở bản nháp thủ tục").click()
    expect(page.get_by_role("heading", name=f"Bản nháp {XRAY}")).to_be_visible()
    expect(page.get_by_test_id("valid")).to_be_visible()
    editor = page.locator(".yaml-editor .cm-content")
    expect(editor).to_be_visible()  # CodeMirror took over the textarea
    w.seen()
    old_limit = float(page.locator("#f-limit").input_value())
    new_limit = int(old_limit) + (3 if w.phone else 2)

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

    # the structured form: the new limit and one more document
    page.locator("#f-limit").fill(str(new_limit))
    page.locator("#new_doc_key").fill(doc_key)
    page.locator("#new_doc_name").fill("Giấy ủy quyền nộp hồ sơ (nếu nộp thay)")
    page.get_by_test_id("save").click()
    expect(page.get_by_text("Đã lưu bản nháp.")).to_be_visible()
    expect(page.get_by_test_id("valid")).to_be_visible()
    expect(page.locator("#f-limit")).to_have_value(str(new_limit))
    w.seen()

    # preview: the draft's diagram and its handbook page
    _tab(w, "Xem trước")
    diagram = page.get_by_test_id("draft-diagram")
    expect(diagram).to_be_visible()
    assert diagram.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.get_by_test_id("preview-limit")).to_contain_text(str(new_limit))
    w.shot("workshop", 2)
    page.get_by_test_id("handbook-preview").click()
    expect(page.get_by_test_id("preview-banner")).to_be_visible()
    expect(page.locator("#documents + table")).to_contain_text("Giấy ủy quyền nộp hồ sơ")
    w.seen()
    page.go_back()

    # impact: the diff and the open dossiers that stay on their version
    _tab(w, "Tác động")
    pinned = page.get_by_test_id("pinned")
    expect(pinned).to_contain_text(re.compile(r"\d+ hồ sơ đang mở giữ phiên bản \d+"))
    diff = page.get_by_test_id("diff")
    expect(diff).to_contain_text("Thời hạn")
    expect(diff).to_contain_text(doc_key)
    w.shot("workshop", 3)

    _tab(w, "Duyệt, công bố")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("review-done")).to_contain_text("Đã gửi duyệt")
    expect(page.get_by_test_id("draft-status")).to_contain_text("Chờ duyệt")
    w.seen()

    # --- the second editor approves with an effective date next month ---
    _sign_in(w, EDITORS[1], "Thủ tục đang áp dụng")
    page.get_by_role("navigation", name="Chính").get_by_role("link", name="Xưởng thủ tục").click()
    page.locator("#status").select_option("submitted")
    row = page.get_by_test_id("draft-row").filter(has_text=XRAY).first
    expect(row).to_contain_text("Chờ duyệt")
    row.get_by_role("link").click()
    _tab(w, "Duyệt, công bố")
    page.locator("#effective_date").fill(effective.isoformat())
    page.locator("#reason").fill("Quyết định công bố TTHC mới của Bộ (thử nghiệm e2e)")
    page.locator("#source_note").fill("Quyết định công bố thủ tục, mục thời hạn giải quyết")
    w.shot("workshop", 4)
    page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("review-done")).to_contain_text("công bố phiên bản mới")
    expect(page.get_by_test_id("draft-status")).to_contain_text("Đã công bố")
    page.get_by_role("link", name="Lịch sử phiên bản").first.click()
    versions = page.get_by_test_id("versions")
    expect(versions).to_contain_text("Biên tập viên Bộ 2")
    expect(versions).to_contain_text(effective.strftime("%d/%m/%Y"))
    w.shot("workshop", 5)

    # --- a dossier received now keeps the old limit; one received on the date gets the new ---
    _sign_in(w, "hni.receiver", "Hồ sơ")
    code = open_dossier(w, f"Bệnh viện Xưởng {w.variant}")
    old_version = re.search(r"phiên bản (\d+)", page.locator("main .meta").first.inner_text())
    assert old_version
    engine = make_engine(live_server.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            dossier = session.exec(select(Dossier).where(Dossier.code == code)).one()
            pinned_row = session.get(ProcedureVersion, dossier.procedure_version_id)
            assert pinned_row is not None and pinned_row.version == int(old_version.group(1))
            assert procedure_of_version(pinned_row).limit.value == old_limit
            current = procedure_of_version(pinned_row)
            on_the_day = datetime.combine(effective, time(9, 0), tzinfo=TZ)
            row_after, after = version_at_receipt(session, current, on_the_day)
            assert after.limit.value == new_limit, (row_after.version, after.limit)
            assert doc_key in {d.key for d in after.documents}
            before = datetime.combine(effective - timedelta(days=1), time(16, 0), tzinfo=TZ)
            _, kept = version_at_receipt(session, current, before)
            assert kept.limit.value != new_limit
            session.rollback()
    finally:
        engine.dispose()
    w.shot("workshop", 6)
