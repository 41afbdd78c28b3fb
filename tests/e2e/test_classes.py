"""A certificate class in Chromium, on the demo data: the ministry's admin opens a class, Hà Nội's
admin registers an officer of Ba Đình (the commune picked through htmx), the ministry fills the
class from the pre-ticked priority list, marks the officer present and completes the class, and
the officer's certificate number shows; desktop and 360 px (the pages never widen)."""

from __future__ import annotations

import itertools
import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import no_horizontal_scroll
from tests.e2e.test_practice_loop import sign_in

_runs = itertools.count(1)


def _walk(page: Page, base_url: str, *, phone: bool = False) -> None:
    title = f"Lớp kiểm tra đo lường — Tây Ninh {next(_runs)}{' (360)' if phone else ''}"
    sign_in(page, base_url, "bo.admin")
    page.goto(f"{base_url}/classes")
    page.get_by_role("link", name="+ Mở lớp mới").click()
    page.get_by_label("Tên lớp").fill(title)
    page.get_by_label("Học trực tiếp").check()
    page.get_by_label("Địa điểm (để trống nếu học trực tuyến)").fill("Tây Ninh")
    page.get_by_label("Từ ngày").fill("2027-01-12")
    page.get_by_label("Đến ngày").fill("2027-01-13")
    page.get_by_label("Số chỗ").fill("2")
    page.get_by_role("button", name="Mở lớp").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("main")).to_contain_text("Chưa có Sở nào đăng ký nhu cầu")
    class_url = page.url.split("?")[0]
    if phone:
        no_horizontal_scroll(page)

    sign_in(page, base_url, "hni.admin")
    page.goto(class_url)
    page.get_by_role("link", name="Đăng ký nhu cầu cho xã, phường").click()
    # the unit picker: a few letters without accents, then the commune from the list
    page.get_by_role("combobox", name="Xã, phường").press_sequentially("ba dinh", delay=40)
    page.locator("#commune-options").get_by_role("option", name="UBND Phường Ba Đình").click()
    expect(page.locator("#officers h3")).to_contain_text("Ba Đình")  # swapped in by htmx
    page.locator("#officers input[name=officers]").first.check()
    page.get_by_label("Ghi chú").fill("Xã chưa có ai được đào tạo")
    page.get_by_role("button", name="Lưu nhu cầu").click()
    expect(page.get_by_role("status")).to_have_text("Đã lưu nhu cầu.")
    expect(page.locator("main")).to_contain_text("1 người có tên")
    if phone:
        no_horizontal_scroll(page)

    sign_in(page, base_url, "bo.admin")
    page.goto(class_url)
    ranked = page.locator("input[name=demand]")
    expect(ranked).to_have_count(1)
    expect(ranked).to_be_checked()  # pre-ticked: it fits the capacity
    # the reason shown beside the commune (nobody certified yet, unless an earlier run certified)
    expect(ranked.locator("xpath=../..")).to_contain_text(
        re.compile(r"chưa ai có chứng chỉ|\d+ người có chứng chỉ")
    )
    page.get_by_role("button", name="Xếp chỗ cho các xã, phường đã chọn").click()
    expect(page.get_by_role("status")).to_contain_text("Đã xếp chỗ")
    page.get_by_label("Có mặt").check()
    page.get_by_role("button", name="Lưu điểm danh").click()
    expect(page.get_by_role("status")).to_have_text("Đã lưu điểm danh.")
    page.get_by_role("button", name="Hoàn thành lớp và cấp chứng chỉ (1 người có mặt)").click()
    expect(page.get_by_role("status")).to_contain_text("Đã hoàn thành lớp")
    expect(page.locator("main")).to_contain_text("Chứng chỉ số LTH")
    if phone:
        no_horizontal_scroll(page)
        page.goto(f"{base_url}/classes/priority")
        expect(page.locator("main")).to_contain_text("Xã, phường chưa có ai có chứng chỉ")
        no_horizontal_scroll(page)


def test_a_class_from_opening_to_certificates(page: Page, base_url: str, screenshot):  # type: ignore[no-untyped-def]
    _walk(page, base_url)
    screenshot(page, "desktop")


def test_the_same_on_a_phone(phone: Any, base_url: str, screenshot):  # type: ignore[no-untyped-def]
    _walk(phone, base_url, phone=True)
    screenshot(phone, "360")
