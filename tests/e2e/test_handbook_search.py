"""The handbook as the cẩm nang, in Chromium on the demo data: a commune handler types
`tem kiem dinh` without diacritics, sees the verification-stamp step first with the words
marked (htmx, the address follows), opens the step at its anchor, then goes to the field's
booklet and downloads its PDF (cover, contents, every procedure of Đo lường) — on a desktop and
at 360 px, where nothing widens the page."""

from __future__ import annotations

import io
from typing import Any

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.conftest import ARTIFACTS, no_horizontal_scroll
from tests.e2e.test_practice_loop import sign_in


def _walk(page: Page, base_url: str, screenshot: Any, suffix: str) -> None:
    sign_in(page, base_url, "badinh.handler")
    page.goto(f"{base_url}/procedures")
    expect(page.get_by_role("heading", level=2, name="Đo lường", exact=True)).to_be_visible()
    page.get_by_label("Tìm trong sổ tay").fill("tem kiem dinh")
    page.wait_for_url("**/procedures?q=tem%20kiem%20dinh*")  # the results have their own address
    first = page.locator("#results .hit").first
    expect(first.locator(".hit-title")).to_have_text("Kiểm tra tại cơ sở")
    expect(first).to_contain_text("Kiểm tra nhà nước về đo lường")
    expect(first.locator(".snippet mark")).to_have_text(["tem", "kiểm định"])
    expect(page.locator('[data-testid="count"]')).to_contain_text("đoạn khớp")
    no_horizontal_scroll(page)
    screenshot(page, f"{suffix}-results")

    first.locator(".hit-title").click()
    page.wait_for_url("**/procedures/XA-DL-KTNN#step-inspecting")
    step = page.locator("#step-inspecting")
    expect(step).to_be_in_viewport()
    expect(step.locator(".guidance")).to_contain_text("tem/giấy chứng nhận kiểm định")
    page.screenshot(path=str(ARTIFACTS / f"handbook-search-{suffix}-step-in-view.png"))

    page.get_by_role("link", name="sổ tay cả lĩnh vực").click()
    page.wait_for_url("**/procedures/fields/do-luong/booklet")
    expect(page.get_by_role("heading", name="Mục lục")).to_be_visible()
    expect(page.locator("article.chapter").first).to_contain_text("Căn cứ pháp lý")
    no_horizontal_scroll(page)
    screenshot(page, f"{suffix}-booklet")
    with page.expect_download(timeout=120_000) as download:
        page.get_by_test_id("booklet-pdf").click()
    assert download.value.suggested_filename == "so-tay-do-luong.pdf"
    path = download.value.path()
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = " ".join(p.extract_text() or "" for p in reader.pages)
    assert "Mục lục" in text
    assert "Kiểm tra nhà nước về đo lường tại chợ" in " ".join(text.split())


def test_commune_handler_finds_the_stamp_step_and_downloads_the_booklet(
    page: Page, base_url: str, screenshot: Any
) -> None:
    _walk(page, base_url, screenshot, "desktop")


def test_the_same_on_a_phone(phone: Page, base_url: str, screenshot: Any) -> None:
    _walk(phone, base_url, screenshot, "360")
