"""The browser guard hears what a user would meet: each kind of trouble is caught, and an answer a
test expects is not held against it."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.conftest import BrowserGuard


def _heard(guard: BrowserGuard) -> list[str]:
    found, guard.problems = guard.problems, []
    return found


def test_the_guard_hears_console_page_htmx_and_http_errors(
    page: Page, base_url: str, guard: BrowserGuard
) -> None:
    page.goto(f"{base_url}/")
    page.wait_for_load_state("load")
    assert _heard(guard) == []

    page.evaluate("console.error('hỏng')")
    page.evaluate("setTimeout(() => { throw new Error('lỗi chưa bắt') }, 0)")
    page.wait_for_timeout(200)
    heard = _heard(guard)
    assert any("console error: hỏng" in p for p in heard), heard
    assert any("lỗi chưa bắt" in p for p in heard), heard

    # an hx-trigger htmx cannot parse (the /audit filter bug) is an htmx:syntax:error
    page.evaluate(
        """() => {
        const b = document.createElement('button');
        b.setAttribute('hx-get', '/healthz');
        b.setAttribute('hx-trigger', 'change from:#x select');
        document.body.appendChild(b);
        htmx.process(b);
    }"""
    )
    page.wait_for_timeout(200)
    assert any("htmx:syntax:error" in p for p in _heard(guard))

    # an htmx request answered with an error status
    page.evaluate("htmx.ajax('GET', '/khong-co-manh', {target: 'body', swap: 'none'})")
    page.wait_for_timeout(500)
    heard = _heard(guard)
    assert any("/khong-co-manh" in p for p in heard), heard

    page.goto(f"{base_url}/khong-co-trang-nay")
    assert any("404 for GET" in p for p in _heard(guard))

    guard.expect(404, "/khong-co-trang-nay")
    page.goto(f"{base_url}/khong-co-trang-nay")
    assert _heard(guard) == []
