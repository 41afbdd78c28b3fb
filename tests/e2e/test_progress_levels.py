"""Learning-path levels on /progress in Chromium, on the demo: a commune handler of Đồng Tháp reads
the handbook pages of every procedure on its «Đo lường» and «Chất lượng» paths (both become
«Làm quen»); the
ministry's auditor opens Đồng Tháp on /progress, reads the «Từ «Làm quen»» column of the chosen
field for that commune (1 trainee, with the share), sorts by it (htmx, the address follows) and
finds the commune on top, switches the field, and downloads the CSV with a column per field and
level. At desktop size and at 360 px (each with its own demo handler: the server is shared)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import no_horizontal_scroll
from tests.e2e.test_practice_loop import sign_in

FIELD = "Đo lường"
OTHER = "Chất lượng sản phẩm, hàng hóa"


def _read_two_paths(page: Page, base_url: str, username: str) -> None:
    """The handler reads every handbook page of their first two fields (đo lường, chất lượng)."""
    sign_in(page, base_url, username)
    page.goto(f"{base_url}/learning")
    expect(page.locator("#h-field-1")).to_contain_text(FIELD)
    expect(page.locator("#h-field-2")).to_contain_text(OTHER)
    codes = []
    for n in (1, 2):
        items = page.locator(f'[data-testid="path-{n}"] [data-testid^="path-procedure-"]')
        codes += [
            (items.nth(i).get_attribute("data-testid") or "").removeprefix("path-procedure-")
            for i in range(items.count())
        ]
    assert codes, "no procedure on the paths"
    for code in codes:
        page.goto(f"{base_url}/procedures/{code}")
        expect(page.locator("h1")).to_be_visible()
    page.goto(f"{base_url}/learning")
    expect(page.locator("#h-field-1")).to_contain_text("Làm quen")
    expect(page.locator("#h-field-2")).to_contain_text("Làm quen")


def _walk(page: Page, base_url: str, tmp_path: Path, shot: Any, username: str, unit: str) -> None:
    _read_two_paths(page, base_url, username)

    sign_in(page, base_url, "bo.auditor")
    page.goto(f"{base_url}/progress?province=SKHCN.DTH&q={unit}")  # its row on the first page
    expect(page.get_by_role("heading", level=1)).to_contain_text("Đồng Tháp")
    expect(page.get_by_label("Lộ trình của lĩnh vực")).to_have_value(FIELD)
    row = page.locator(f'tr[data-unit="{unit}"]')
    expect(row.locator('td[data-level="1"]')).to_contain_text("1")
    expect(row.locator('td[data-level="1"]')).to_contain_text("%")
    expect(row.locator('td[data-level="2"]')).to_contain_text("0")
    page.get_by_role("link", name="Từ «Làm quen»").click()
    page.wait_for_url("**sort=-lv1*")
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Từ «Làm quen»")
    first = page.locator("#results tbody tr").first.locator('td[data-level="1"]')
    expect(first).not_to_contain_text("(0%)")
    no_horizontal_scroll(page)
    shot(page, "sorted")
    # the other field: its own columns
    page.get_by_label("Lộ trình của lĩnh vực").select_option(OTHER)
    page.wait_for_url("**path=Ch*")
    expect(page.get_by_label("Lộ trình của lĩnh vực")).to_have_value(OTHER)
    expect(page.locator(f'tr[data-unit="{unit}"] td[data-level="1"]')).to_contain_text("1")

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    path = tmp_path / "levels.csv"
    download.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    head = rows[0]
    line = next(r for r in rows[1:] if r[0] == unit)
    assert line[head.index(f"{FIELD} — từ «Làm quen»")] == "1"
    assert line[head.index(f"{FIELD} — từ «Cơ bản»")] == "0"
    assert line[head.index(f"{OTHER} — từ «Làm quen»")] == "1"


def test_levels_on_the_ministrys_progress(page: Page, base_url: str, screenshot, tmp_path):  # type: ignore[no-untyped-def]
    _walk(page, base_url, tmp_path, screenshot, "dth.daothanh.handler", "DTH.DAOTHANH")


def test_levels_on_a_phone(phone: Any, base_url: str, screenshot, tmp_path):  # type: ignore[no-untyped-def]
    _walk(phone, base_url, tmp_path, screenshot, "dth.thoison.handler", "DTH.THOISON")
