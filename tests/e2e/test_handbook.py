"""The handbook in Chromium: typing without diacritics narrows the list live (htmx), the
procedure page shows its guidance, and the state diagram image really renders."""

from __future__ import annotations

import shutil

from playwright.sync_api import Page, expect


def test_search_without_diacritics_and_the_diagram(
    page: Page, base_url: str, screenshot, docs_screenshots
):
    page.goto(f"{base_url}/procedures")
    total = page.locator("#results .card").count()
    assert total >= 15
    page.get_by_label("Tìm trong sổ tay").fill("kiem tra do luong")
    expect(page.locator("#results .card").first).to_contain_text("Kiểm tra nhà nước về đo lường")
    expect(page.locator("#results .card")).not_to_have_count(total)
    # the results have their own address
    page.wait_for_url("**/procedures?q=kiem%20tra%20do%20luong*")
    page.locator("#results .card a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kiểm tra nhà nước về đo lường")
    diagram = page.locator("figure.diagram img")
    expect(diagram).to_be_visible()
    # The page's CSP forbids string eval, so poll from outside instead of wait_for_function.
    for _ in range(100):
        if diagram.evaluate("img => img.complete && img.naturalWidth > 0"):
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError("the diagram image never loaded")
    expect(page.locator(".guidance").first).to_be_visible()
    path = screenshot(page, "procedure")
    shutil.copy(path, docs_screenshots / "handbook-procedure.png")
