"""The unit picker in Chromium, on the demo data (the whole tree: 3,356 units): Hà Nội's admin
types part of a commune's name without accents on /admin/users/new, picks it from the list
(↓ and Enter on a desktop, a tap on a 360 px phone), saves the user, and finds them again with the
picker of the user filter. Only Hà Nội's units are offered (Thanh Hóa's Xã Ba Đình is not). The
pages stay small and, at 360 px, do not widen."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import no_horizontal_scroll
from tests.e2e.test_practice_loop import sign_in


def _results(page: Page, name: str) -> Any:
    return page.locator(f"#{name}-options")


def _create(page: Page, base_url: str, username: str, *, tap: bool) -> None:
    sign_in(page, base_url, "hni.admin")
    response = page.goto(f"{base_url}/admin/users/new")
    assert response is not None and len(response.body()) < 150_000
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Họ tên").fill("Phạm Thị Ba Đình")
    field = page.get_by_role("combobox", name="Đơn vị")
    expect(field).to_have_value("Sở Khoa học và Công nghệ Hà Nội (SKHCN.HNI)")
    field.fill("")
    field.press_sequentially("ba dinh", delay=40)
    options = _results(page, "unit_id")
    expect(options).to_be_visible()
    expect(options.get_by_role("option").first).to_contain_text("UBND Phường Ba Đình")
    expect(options).not_to_contain_text("Xã Ba Đình")  # Thanh Hóa's: not Hà Nội's admin's
    expect(field).to_have_attribute("aria-expanded", "true")
    page.wait_for_timeout(50)
    if tap:
        options.get_by_role("option", name="UBND Phường Ba Đình").tap()
    else:
        field.press("ArrowDown")
        expect(options.get_by_role("option").first).to_have_attribute("aria-selected", "true")
        field.press("Enter")  # picks; does not send the form
    expect(options).to_be_hidden()
    expect(field).to_have_value("UBND Phường Ba Đình, Hà Nội (HNI.BADINH)")
    expect(page.locator('input.unit-value[name="unit_id"]')).to_have_value("HNI.BADINH")
    page.get_by_label("Chuyên viên thụ lý").check()
    page.get_by_label("Mật khẩu ban đầu").fill("bat-dau-123456")
    page.get_by_role("button", name="Tạo người dùng").click()
    expect(page.get_by_role("status")).to_contain_text("Đã tạo tài khoản")
    expect(page.locator("main")).to_contain_text("đơn vị: UBND Phường Ba Đình")


def _filter(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/users")
    field = page.get_by_role("combobox", name="Đơn vị")
    field.press_sequentially("badinh", delay=40)
    options = _results(page, "unit")
    expect(options.get_by_role("option").first).to_contain_text("UBND Phường Ba Đình")
    options.get_by_role("option").first.click()
    page.wait_for_url("**/admin/users?*unit=HNI.BADINH*")
    expect(page.locator("#users")).to_contain_text(username)


def test_an_admin_picks_a_commune_typed_without_accents(page: Page, base_url: str, screenshot):  # type: ignore[no-untyped-def]
    _create(page, base_url, "pham.badinh.desk", tap=False)
    _filter(page, base_url, "pham.badinh.desk")
    page.goto(f"{base_url}/admin/units")
    page.locator("#under").press_sequentially("ha noi", delay=40)
    expect(_results(page, "under")).to_contain_text("SKHCN.HNI")
    screenshot(page, "desktop")


def test_the_same_on_a_phone(phone: Any, base_url: str, screenshot):  # type: ignore[no-untyped-def]
    _create(phone, base_url, "pham.badinh.phone", tap=True)
    no_horizontal_scroll(phone)
    _filter(phone, base_url, "pham.badinh.phone")
    no_horizontal_scroll(phone)
    phone.goto(f"{base_url}/admin/users/new")
    phone.get_by_role("combobox", name="Đơn vị").fill("")
    phone.get_by_role("combobox", name="Đơn vị").press_sequentially("hoan kiem", delay=40)
    expect(_results(phone, "unit_id")).to_contain_text("UBND Phường Hoàn Kiếm")
    no_horizontal_scroll(phone)
    screenshot(phone, "360")
