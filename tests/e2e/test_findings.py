"""Findings in a real Chromium, desktop and 360 px: a commune officer records the rows of an
inspection of pre-packaged goods (a measured value that is not a number is refused, the form
kept), the rows decide the conclusion (a contradicting one is refused when the record is signed),
the violation's handling is recorded — and no page scrolls sideways on a phone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from tests.e2e.conftest import no_horizontal_scroll
from tests.e2e.test_workspace import sign_in

SUGAR = "Đường RE túi 500 g, lô 0312"


def _inspection_at_record(database_url: str) -> str:
    """A pre-packaged-goods inspection of the demo commune Ba Đình, taken to its on-site record
    through the services, on the served database."""
    from casework.accounts.models import User
    from casework.db import make_engine
    from casework.dossiers import service
    from casework.procedures import ProcedureRegistry
    from casework.settings import PROJECT_ROOT
    from tests.e2e.conftest import TZ

    registry = ProcedureRegistry.from_directory(PROJECT_ROOT / "workflows")
    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            users = {
                u.username: u
                for u in session.exec(select(User).where(User.username.startswith("badinh."))).all()  # type: ignore[attr-defined]
            }
            d = service.open_dossier(
                session, actor=users["badinh.leader"], procedure=registry.get("XA-DL-HDGS"),
                applicant=service.Applicant(name="Tạp hóa Bà Tư", kind="organisation"), tz=TZ,
            )  # fmt: skip
            service.fire_action(session, actor=users["badinh.leader"], code=d.code,
                                action="issue_decision", data={"decision_number": "12/QĐ-UBND"},
                                tz=TZ)  # fmt: skip
            service.fire_action(session, actor=users["badinh.handler"], code=d.code,
                                action="finish_inspection",
                                data={"co_so": "Tạp hóa Bà Tư", "mat_hang": "Đường",
                                      "so_mau": "5"}, tz=TZ)  # fmt: skip
            return d.code
    finally:
        engine.dispose()


def _add_row(page: Page, values: dict[str, str]) -> None:
    form = page.locator("#new-packaged")
    for key, value in values.items():
        field = form.locator(f"[name={key}]")
        if key == "don_vi":
            field.select_option(value)
        else:
            field.fill(value)
    form.get_by_role("button", name="Thêm dòng").click()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_rows_conclusion_and_handling(
    size: str, page: Page, phone: Any, live_server: Any, base_url: str, guard: Any, screenshot
) -> None:
    p = phone if size == "phone" else page
    code = _inspection_at_record(live_server.database_url)
    sign_in(p, base_url, "badinh.handler")
    p.goto(f"{base_url}/dossiers/{code}")
    p.get_by_role("link", name="Kết quả kiểm tra (biên bản, xử lý vi phạm)").click()
    expect(p.get_by_role("heading", name="Kết quả kiểm tra", exact=True)).to_be_visible()
    if size == "phone":
        no_horizontal_scroll(p)

    guard.expect(422, f"/dossiers/{code}/findings")
    row = {"san_pham": SUGAR, "luong_danh_dinh": "500", "don_vi": "g", "co_lo": "5",
           "luong_thuc": "501; 502; năm; 503; 460"}  # fmt: skip
    _add_row(p, row)
    expect(p.locator("#message")).to_contain_text("giá trị thứ 3 («năm») không phải là số")
    expect(p.locator("#new-packaged [name=luong_thuc]")).to_have_value(row["luong_thuc"])
    expect(p.locator("#new-packaged [name=san_pham]")).to_have_value(SUGAR)
    p.locator("#new-packaged [name=luong_thuc]").fill("501; 502; 504; 503; 460")
    p.locator("#new-packaged").get_by_role("button", name="Thêm dòng").click()
    expect(p.get_by_text("Đã lưu dòng kết quả")).to_be_visible()
    expect(p.locator("li.finding")).to_contain_text("Thiếu 40 g > 2T = 30 g")
    expect(p.locator("#conclusion")).to_contain_text("Có vi phạm")
    if size == "phone":
        no_horizontal_scroll(p)
    screenshot(p, f"{size}-rows")

    # the record: a conclusion contradicting the rows is refused, the rows' one is signed
    guard.expect(422, f"/dossiers/{code}/actions/sign_record")
    p.goto(f"{base_url}/dossiers/{code}")
    box = p.locator("#action-sign_record")
    box.locator("summary").click()
    box.locator("#sign_record-ket_luan").select_option("Đạt yêu cầu")
    box.locator("button[type=submit]").click()
    expect(p.locator("#message")).to_contain_text("trái với bảng kết quả")
    box = p.locator("#action-sign_record")
    if (
        box.locator("summary").is_visible()
        and not box.locator("#sign_record-ket_luan").is_visible()
    ):
        box.locator("summary").click()
    box.locator("#sign_record-ket_luan").select_option("Có vi phạm")
    box.locator("button[type=submit]").click()
    expect(p.locator("#message")).to_contain_text("Đã thực hiện")

    p.goto(f"{base_url}/dossiers/{code}/findings")
    expect(p.locator("#recorded")).to_have_text("Có vi phạm")
    p.get_by_label("Số quyết định xử phạt").fill("05/QĐ-XPHC")
    p.get_by_label("Số tiền phạt (đồng)").fill("3.000.000")
    p.get_by_label("Hạn khắc phục").fill("2027-01-15")
    p.get_by_role("button", name="Lưu thông tin xử lý").click()
    expect(p.get_by_text("Đã lưu thông tin xử lý vi phạm.")).to_be_visible()
    expect(p.get_by_label("Số tiền phạt (đồng)")).to_have_value("3.000.000")
    if size == "phone":
        no_horizontal_scroll(p)
    screenshot(p, f"{size}-handling")


def test_the_periodic_report_on_a_phone(phone: Any, base_url: str, screenshot) -> None:
    from casework.demo import DEMO_PASSWORD

    phone.goto(f"{base_url}/login")
    phone.get_by_label("Tên đăng nhập").fill("hni.auditor")
    phone.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    phone.get_by_role("button", name="Đăng nhập").click()
    phone.wait_for_load_state("networkidle")
    phone.get_by_role("link", name="Báo cáo kiểm tra").click()
    expect(phone.get_by_role("heading", name="Báo cáo kết quả kiểm tra")).to_be_visible()
    expect(phone.locator("#inspection-report tfoot")).to_contain_text("Tổng cộng")
    no_horizontal_scroll(phone)
    phone.get_by_label("Kỳ báo cáo").select_option(index=8)  # the first month in the menu
    phone.get_by_role("button", name="Xem").click()
    expect(phone.locator("p.meta").first).to_contain_text("Tháng")
    no_horizontal_scroll(phone)
    screenshot(phone, "report")
