"""Role grants in Chromium (issue 17, finding 1), on the demo data, desktop and 360 px: Hà Nội's
admin creates an officer, tries to make them an admin of his own department (refused: 403, the
reason beside the roles, the form as typed), gives them the handler's role instead and reads it
in the account's history; his own page shows his roles frozen, with why. The mentor's role is not
offered to him at all."""

from __future__ import annotations

import secrets
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import no_horizontal_scroll
from tests.e2e.test_practice_loop import sign_in


def _walk(page: Page, base_url: str, guard: Any, screenshot: Any, suffix: str) -> None:
    username = f"e2e.quyen.{secrets.token_hex(3)}"
    sign_in(page, base_url, "hni.admin")
    page.goto(f"{base_url}/admin/users/new")
    expect(page.locator('input[name="roles"][value="mentor"]')).to_have_count(0)
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Họ tên").fill("Trần Thị Quyền")
    page.get_by_label("Mật khẩu ban đầu").fill("bat-dau-2026")
    page.get_by_role("button", name="Tạo người dùng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trần Thị Quyền")

    guard.expect(403, "/admin/users/")
    page.get_by_label("Họ tên").fill("Trần Thị Quyền (đã sửa)")
    page.locator('input[name="roles"][value="admin"]').check()
    page.get_by_role("button", name="Lưu thay đổi").click()
    reason = page.locator("#err-roles")
    expect(reason).to_contain_text("do quản trị viên cấp trên cấp hoặc bỏ")
    expect(page.get_by_label("Họ tên")).to_have_value("Trần Thị Quyền (đã sửa)")  # as typed
    screenshot(page, f"refused-{suffix}")

    page.locator('input[name="roles"][value="admin"]').uncheck()
    page.locator('input[name="roles"][value="handler"]').check()
    page.get_by_role("button", name="Lưu thay đổi").click()
    expect(page.get_by_role("status")).to_contain_text("Đã lưu thay đổi")
    history = page.locator("ul.account-history")
    expect(history).to_contain_text("Cấp vai trò «Chuyên viên thụ lý»")
    expect(history).to_contain_text("Tạo tài khoản tại SKHCN.HNI")
    expect(history).to_contain_text("(hni.admin)")
    screenshot(page, f"history-{suffix}")

    page.goto(f"{base_url}/admin/users?q=hni.admin")
    page.locator("li.card", has_text="hni.admin ·").locator("a").first.click()
    expect(page.locator("#roles")).to_contain_text("không tự đổi vai trò của mình")
    expect(page.locator('input[type="checkbox"][name="roles"][value="admin"]')).to_be_disabled()
    screenshot(page, f"self-{suffix}")


def test_an_admin_grants_within_the_table(page: Page, base_url: str, guard, screenshot):  # type: ignore[no-untyped-def]
    _walk(page, base_url, guard, screenshot, "desktop")


def test_the_same_on_a_phone(phone: Any, base_url: str, guard, screenshot):  # type: ignore[no-untyped-def]
    _walk(phone, base_url, guard, screenshot, "360")
    no_horizontal_scroll(phone)
