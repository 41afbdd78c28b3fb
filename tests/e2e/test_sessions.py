"""Server-side sessions in Chromium (issue 17, finding 4): a leader signed in in two browsers
opens the sessions page from their name in the header, sees both (this one marked "Phiên này"),
ends the other one; the other browser is signed out at its very next click and told why. On a
desktop window and at 360 px (the sessions page does not widen the phone's screen)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import BrowserGuard, no_horizontal_scroll
from tests.e2e.test_practice_loop import sign_in

USER = "hni.leader"


def _walk(here: Page, base_url: str, other_browser: Any, device: str, shot: Any) -> None:
    sign_in(here, base_url, USER)
    sign_in(other_browser, base_url, USER)
    other_browser.goto(f"{base_url}/dossiers")

    here.locator("header .who").click()
    expect(here.get_by_role("heading", level=1)).to_have_text("Phiên đăng nhập")
    mine = here.locator('[data-testid="session"]', has_text="Phiên này")
    expect(mine).to_have_count(1)
    expect(mine.get_by_role("button", name="Kết thúc phiên")).to_have_count(0)
    theirs = here.locator('[data-testid="session"]', has_text=device)
    expect(theirs).to_have_count(1)
    expect(theirs).to_contain_text("Địa chỉ IP 127.0.0.1")
    shot(here, "before")
    theirs.get_by_role("button", name="Kết thúc phiên").click()
    expect(here.locator("p.notice")).to_contain_text("Đã kết thúc phiên đó")
    expect(here.locator('[data-testid="session"]', has_text=device)).to_have_count(0)

    # the other browser: its next click lands on the sign-in page, which says why
    other_browser.locator('header nav a[href="/dossiers"]').click()
    other_browser.wait_for_url("**/login?next=*")
    expect(other_browser.get_by_test_id("session-ended")).to_contain_text(
        "Phiên đăng nhập này đã kết thúc"
    )
    expect(other_browser.get_by_role("button", name="Đăng xuất")).to_have_count(0)

    # this browser is still signed in
    here.locator('header nav a[href="/dossiers"]').click()
    expect(here.get_by_role("button", name="Đăng xuất")).to_be_visible()
    here.goto(f"{base_url}/account/sessions")
    expect(mine).to_have_count(1)


def _other(browser: Any, args: dict[str, Any], guard: BrowserGuard, agent: str) -> Any:
    context = browser.new_context(**{**args, "user_agent": agent})
    return context, guard.watch(context.new_page())


def test_ending_another_session_signs_it_out(  # type: ignore[no-untyped-def]
    page: Page, browser, browser_context_args, guard, base_url: str, screenshot
):
    agent = "Mozilla/5.0 (Linux; Android 14; SM-A546E) Gecko/20100101 Firefox/133.0"
    context, other = _other(browser, browser_context_args, guard, agent)
    try:
        _walk(page, base_url, other, "Firefox · Android", screenshot)
        screenshot(page, "desktop")
        screenshot(other, "signed-out")
    finally:
        context.close()


def test_ending_another_session_on_a_phone(  # type: ignore[no-untyped-def]
    phone: Any, browser, browser_context_args, guard, base_url: str, screenshot
):
    agent = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) coc_coc_browser/137.0 Chrome/131.0 Safari/537"
    )
    context, other = _other(browser, browser_context_args, guard, agent)
    try:
        _walk(phone, base_url, other, "Cốc Cốc · Windows", screenshot)
        no_horizontal_scroll(phone)
        phone.goto(f"{base_url}/account/password")
        expect(phone.get_by_role("heading", level=1)).to_have_text("Đổi mật khẩu")
        no_horizontal_scroll(phone)
        phone.goto(f"{base_url}/account/sessions")
        screenshot(phone, "360")
    finally:
        context.close()
