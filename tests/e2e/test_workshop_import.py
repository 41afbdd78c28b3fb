"""Issue 20 item 6 in Chromium (desktop and 360 px, SQLite and PostgreSQL): a ministry catalogue
editor imports a saved national-portal page that gives no procedure code; the page comes back
naming the missing code at its field with what it read (the form file Mẫu 6 among the values it
did not map); with a code typed and the file chosen again, the editor lands on the new draft,
whose text starts with the import's list and carries the portal's steps beside the skeleton.

Screenshots: test-artifacts/e2e/test_portal_import_walk-<variant>-<n>.png."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect
from sqlmodel import Session, select

from casework.accounts import service as accounts
from casework.accounts.models import Unit, User
from casework.db import make_engine
from casework.demo import DEMO_PASSWORD

from .conftest import BrowserGuard, LiveServer
from .test_journey_staff import Walk, walk  # noqa: F401 - the fixture

EDITOR = "bo.nhapcong"
PAGE = (
    Path(__file__).parents[1] / "workshop" / "fixtures" / "dichvucong_263341_gia_han_x_quang.html"
)


def _editor(server: LiveServer) -> None:
    engine = make_engine(server.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            if session.exec(select(User).where(User.username == EDITOR)).first() is None:
                ministry = session.exec(select(Unit).where(Unit.kind == "ministry")).first()
                assert ministry is not None
                accounts.create_user(
                    session, username=EDITOR, full_name="Biên tập viên nhập từ Cổng",
                    unit=ministry, roles=["catalogue_editor"], password=DEMO_PASSWORD, demo=True,
                )  # fmt: skip
    finally:
        engine.dispose()


def test_portal_import_walk(walk: Walk, live_server: LiveServer, guard: BrowserGuard) -> None:  # noqa: F811
    w, page = walk, walk.page
    guard.expect(422, "/workshop/import")  # the page without a code, refused on purpose
    _editor(live_server)
    page.goto(f"{w.base_url}/login")
    page.get_by_label("Tên đăng nhập").fill(EDITOR)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    page.goto(f"{w.base_url}/workshop/import")
    expect(page.get_by_role("heading", name="Nhập thủ tục từ Cổng Dịch vụ công")).to_be_visible()
    w.seen()
    w.shot("portal-import", 1)

    # the saved popup of ma_thu_tuc=263341 has no «Mã thủ tục»: refused at the code field
    page.get_by_label("Tệp trang đã lưu (.html, .htm)").set_input_files(str(PAGE))
    page.get_by_role("button", name="Tạo bản nháp").click()
    expect(page.get_by_role("alert")).to_contain_text("Trang nguồn không ghi mã thủ tục")
    result = page.get_by_test_id("import-result")
    expect(result).to_contain_text("Thủ tục gia hạn giấy phép tiến hành công việc bức xạ")
    expect(result).to_contain_text("Mau 6_Don gia han GP.doc")
    expect(page.locator("#err-code")).to_have_text("Nhập mã thủ tục.")
    w.seen()
    w.shot("portal-import", 2)

    code = f"KHCN-NHAP-{w.variant.upper()}"
    page.get_by_label("Mã thủ tục (nếu trang không ghi)").fill(code)
    page.get_by_label("Tệp trang đã lưu (.html, .htm)").set_input_files(str(PAGE))
    page.get_by_role("button", name="Tạo bản nháp").click()
    expect(page).to_have_url(re.compile(r"/workshop/drafts/\d+$"))
    expect(page.get_by_role("heading", name=f"Bản nháp {code}")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Bản nháp nhập từ Cổng Dịch vụ công quốc gia")
    w.seen()
    w.shot("portal-import", 3)
