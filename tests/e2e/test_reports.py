"""The auditor's reports in Chromium: the timeliness table from the demo data, regrouping by
unit through htmx (the address follows), drilling down to a dossier, an XLSX download, and the
page at 360 px."""

from __future__ import annotations

import shutil

from playwright.sync_api import Page, expect

from tests.e2e.test_practice_loop import sign_in


def test_auditor_reads_regroups_drills_down_and_downloads(
    page: Page, base_url: str, screenshot, docs_screenshots
):
    sign_in(page, base_url, "bo.auditor")
    page.get_by_role("link", name="Báo cáo", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiến độ giải quyết hồ sơ")
    table = page.locator("table.report").first
    expect(table.locator("tbody tr").first).to_be_visible()
    expect(table.locator("tfoot")).to_contain_text("Tổng cộng")
    expect(page.locator("svg.chart").first).to_be_visible()

    page.get_by_label("Nhóm theo").select_option("unit")
    page.wait_for_url("**/reports/timeliness?*group=unit*")
    expect(page.locator("table.report").first).to_contain_text("Sở Khoa học và Công nghệ Hà Nội")

    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    received = page.locator("table.report tfoot td").first.inner_text()
    assert int(received) > 0
    page.locator("table.report tbody td a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hồ sơ:")
    first = page.locator("table.report tbody th a").first
    code = first.inner_text()
    first.click()
    expect(page.locator("h1")).to_have_text(code)

    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{base_url}/reports/indicators")
    expect(page.locator("#ind-2\\.1")).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 370, f"the page is {width} px wide at 360 px"
    path = screenshot(page, "indicators-360")
    shutil.copy(path, docs_screenshots / "reports-indicators-360.png")
