"""Issue 17, items 1, 3 and 4 in Chromium: Hà Nội's admin opens the leader's page, sees the
leader's other browser among the open sessions and ends it (the leader's browser is signed out at
its next click; the history names the device); the auditor runs the integrity check and reads its
checkpoint line, then the account history under the audit tabs, where the ended session is
listed. On a desktop window and at 360 px (no sideways scroll)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import BrowserGuard, no_horizontal_scroll
from tests.e2e.test_practice_loop import sign_in

USER = "hni.leader"


def _walk(here: Page, base_url: str, leader: Any, device: str, shot: Any, phone: bool) -> None:
    sign_in(leader, base_url, USER)
    leader.goto(f"{base_url}/dossiers")

    sign_in(here, base_url, "hni.admin")
    here.goto(f"{base_url}/admin/users?q={USER}")
    here.locator('a[href^="/admin/users/"] strong').first.click()  # the name links the page
    section = here.locator(
        "section", has=here.get_by_role("heading", name="Phiên đăng nhập đang mở")
    )
    theirs = section.locator('[data-testid="user-session"]', has_text=device)
    expect(theirs).to_have_count(1)
    expect(theirs).to_contain_text("Địa chỉ IP 127.0.0.1")
    theirs.scroll_into_view_if_needed()
    shot(here, "admin-before")
    if phone:
        no_horizontal_scroll(here)
    theirs.get_by_role("button", name="Kết thúc phiên").click()
    expect(here.locator("p.notice")).to_contain_text("Đã kết thúc phiên đó")
    expect(section.locator('[data-testid="user-session"]', has_text=device)).to_have_count(0)
    history = here.locator(".account-history li").first
    expect(history).to_contain_text(f"Kết thúc phiên đăng nhập ({device}")
    expect(history).to_contain_text("hni.admin")
    shot(here, "admin-after")

    leader.locator('header nav a[href="/dossiers"]').click()
    leader.wait_for_url("**/login?next=*")
    expect(leader.get_by_test_id("session-ended")).to_contain_text(
        "Phiên đăng nhập này đã kết thúc"
    )

    # the auditor: the integrity check says which checkpoint it compared with (or that none is)
    sign_in(here, base_url, "hni.auditor")
    here.goto(f"{base_url}/audit")
    here.get_by_role("button", name="Kiểm tra toàn vẹn").click()
    line = here.get_by_test_id("checkpoint-line")
    expect(line).to_be_visible(timeout=60_000)
    expect(line).to_contain_text("điểm kiểm chứng")
    shot(here, "check")
    if phone:
        no_horizontal_scroll(here)
    here.get_by_role("link", name="Lịch sử tài khoản").click()
    expect(here.get_by_role("heading", level=1)).to_have_text("Lịch sử tài khoản")
    row = here.locator('[data-testid="account-change"]').first
    expect(row).to_contain_text("Kết thúc phiên đăng nhập")
    expect(row).to_contain_text(USER)
    shot(here, "accounts")
    if phone:
        no_horizontal_scroll(here)


def _other(browser: Any, args: dict[str, Any], guard: BrowserGuard, agent: str) -> Any:
    context = browser.new_context(**{**args, "user_agent": agent})
    return context, guard.watch(context.new_page())


def test_an_admin_ends_a_users_session(  # type: ignore[no-untyped-def]
    page: Page, browser, browser_context_args, guard, base_url: str, screenshot
):
    agent = "Mozilla/5.0 (Linux; Android 14; SM-A546E) Gecko/20100101 Firefox/133.0"
    context, leader = _other(browser, browser_context_args, guard, agent)
    try:
        _walk(page, base_url, leader, "Firefox · Android", screenshot, phone=False)
    finally:
        context.close()


def test_an_admin_ends_a_users_session_on_a_phone(  # type: ignore[no-untyped-def]
    phone: Any, browser, browser_context_args, guard, base_url: str, screenshot
):
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) coc_coc_browser/137.0 Chrome/131.0"
    context, leader = _other(browser, browser_context_args, guard, agent)
    try:
        _walk(phone, base_url, leader, "Cốc Cốc · Windows", screenshot, phone=True)
    finally:
        context.close()
