"""The handbook page's «Nguồn» (issue 18) in Chromium: each source with what it backs, its link and
the day it was checked; what is unconfirmed at the top, linking down to the sources; a 360 px
phone reads it without scrolling sideways."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from casework.procedures import load_directory
from casework.settings import PROJECT_ROOT
from tests.e2e.conftest import LiveServer, no_horizontal_scroll

CERTIFICATE = "2.002379"


def test_sources_and_their_dates_on_a_phone(
    phone: Any, live_server: LiveServer, screenshot: Callable[..., Path]
) -> None:
    p = {p.code: p for p in load_directory(PROJECT_ROOT / "workflows")}[CERTIFICATE]
    phone.goto(f"{live_server.url}/procedures/{CERTIFICATE}")
    note = phone.get_by_test_id("recheck")
    expect(note).to_contain_text("Mã thủ tục:")
    note.get_by_role("link", name="Xem nguồn của từng thông tin").click()
    sources = phone.locator("#sources")
    expect(sources).to_be_in_viewport()
    expect(sources.get_by_role("heading", name="Nguồn")).to_be_visible()
    expect(sources).to_contain_text("Mã 2.002379 là mã thủ tục quốc gia.")
    items = sources.get_by_test_id("source")
    expect(items).to_have_count(len(p.sources))
    expect(items.first).to_contain_text(
        "Mã thủ tục, Tên thủ tục, Thời hạn giải quyết, Phí, lệ phí:"
    )
    expect(items.first).to_contain_text("lệ phí 200.000 đ/chứng chỉ")
    expect(items.first).to_contain_text("(kiểm tra ngày 05/12/2026)")
    link = items.first.get_by_role("link", name="trang nguồn")
    expect(link).to_have_attribute("href", p.sources[0].url or "")
    no_horizontal_scroll(phone)
    screenshot(phone, "phone")


def test_version_history_says_why(
    page: Page, live_server: LiveServer, screenshot: Callable[..., Path]
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/procedures/KHCN-VT-GPDV-SD")
    expect(page.locator("#sources")).to_contain_text("Nghị định 163/2024/NĐ-CP")
    why = page.locator(".version-why").first
    expect(why).to_contain_text("Lý do, nguồn:")
    expect(why).to_contain_text("thêm bước xét tính hợp lệ 05 ngày làm việc")
    screenshot(page, "desktop")
