"""Faults seen from the browser: the database is busy, or the network is gone, while an officer
submits an action. The page says why in Vietnamese, keeps what was typed, saves nothing, and
the same click works once the fault is over."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy.engine import make_url

from tests.e2e.conftest import BrowserGuard
from tests.e2e.test_workspace import receive, sign_in

REASON = "Hồ sơ thuộc thẩm quyền của Bộ, không thuộc Sở"


def test_database_busy_then_network_gone_during_an_action(
    page: Page, base_url: str, live_server, tmp_path: Path, screenshot, guard: BrowserGuard
):
    # the faults this test provokes: a 503 while the database is busy, then no answer at all
    guard.expect(503, "/actions/refuse_reception")
    guard.expect(0, "/actions/refuse_reception")
    sign_in(page, base_url, "hni.receiver")
    code = receive(page, base_url, tmp_path, "Phòng khám Mất Kết Nối")
    box = page.locator("#action-refuse_reception")
    box.locator("summary").click()
    box.locator("#refuse_reception-reason").fill(REASON)

    if live_server.backend == "sqlite":
        # another process holds the SQLite file longer than the server's busy timeout (on
        # PostgreSQL the same answer is tested without a browser: tests/faults/)
        other = sqlite3.connect(make_url(live_server.database_url).database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            box.locator("button[type=submit]").click()
            banner = page.locator("#request-error")
            # the server waits out its 3 s busy timeout first
            expect(banner).to_contain_text(
                "Tạm thời không làm việc được với cơ sở dữ liệu", timeout=20_000
            )
            expect(banner).to_have_attribute("role", "alert")
            screenshot(page, "database-busy")
        finally:
            other.rollback()
            other.close()
        expect(box.locator("#refuse_reception-reason")).to_have_value(REASON)
        expect(page.locator("#state")).not_to_contain_text("Từ chối")

    # the phone loses its network: the request never reaches the server
    page.route("**/actions/**", lambda route: route.abort("internetdisconnected"))
    box.locator("button[type=submit]").click()
    expect(page.locator("#request-error")).to_contain_text("Không gửi được yêu cầu tới máy chủ")
    expect(box.locator("#refuse_reception-reason")).to_have_value(REASON)
    page.unroute("**/actions/**")

    box.locator("button[type=submit]").click()  # back to normal: the same form goes through
    expect(page.locator("#message")).to_contain_text("Đã thực hiện")
    expect(page.locator("#request-error")).to_have_count(0)
    page.reload()
    expect(page.locator("h1")).to_have_text(code)
    expect(page.get_by_text("Từ chối tiếp nhận").first).to_be_visible()
