"""The readiness map in Chromium, on the demo data: the ministry's auditor reads the rule, clicks
Đồng Tháp on the map, narrows its 102 real communes to those with nobody certified in đo lường
through htmx (the address follows), pages on and downloads the XLSX; the same at 360 px, where
the map and the table scroll in their own boxes and the page does not widen."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.test_practice_loop import sign_in


def _walk(page: Page, base_url: str) -> None:
    sign_in(page, base_url, "bo.auditor")
    page.goto(f"{base_url}/readiness")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mức sẵn sàng của các địa phương")
    expect(page.locator("details.rules")).to_contain_text("mức trung vị")
    expect(page.locator("svg.tilemap rect")).to_have_count(34)
    page.locator('svg.tilemap a[href="/readiness?province=SKHCN.DTH"]').click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Đồng Tháp")
    expect(page.locator("#results")).to_contain_text("102 đơn vị khớp bộ lọc")
    page.get_by_label("Chứng chỉ của lĩnh vực").select_option("1")
    page.wait_for_url("**/readiness?*uncertified=1*")
    # 4 certified by the demo's communes, 2 more by the demo's completed certificate class
    expect(page.locator("#results")).to_contain_text("96 đơn vị khớp bộ lọc")
    expect(page.locator("#results tbody tr")).to_have_count(50)
    page.get_by_role("link", name="Trang sau").click()
    page.wait_for_url("**page=2*")
    expect(page.locator("#results tbody tr")).to_have_count(46)
    expect(page.locator("#results")).not_to_contain_text("UBND Phường Cao Lãnh")  # certified
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_ministry_finds_the_untrained_communes(page: Page, base_url: str, screenshot):  # type: ignore[no-untyped-def]
    _walk(page, base_url)
    screenshot(page, "desktop")


def test_the_same_on_a_phone(phone: Any, base_url: str, screenshot):  # type: ignore[no-untyped-def]
    _walk(phone, base_url)
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 370, f"the page is {width} px wide at 360 px"
    phone.goto(f"{base_url}/readiness")
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 370, f"the map page is {width} px wide at 360 px"
    screenshot(phone, "360")
