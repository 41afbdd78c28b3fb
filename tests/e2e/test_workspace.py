"""The staff workspace in a real Chromium: sign in, receive a dossier with an upload, take it
through a supplement request to the result and its return, refuse one at reception, another
unit is refused, and the dossier page at 360 px. Demo users sign in with the demo password."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from playwright.sync_api import Page, expect

from casework.demo import DEMO_PASSWORD
from tests.e2e.conftest import BrowserGuard

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.wait_for_load_state("networkidle")  # no request of the last page still in flight
    page.context.clear_cookies()
    page.goto(f"{base_url}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Hồ sơ", exact=True)).to_be_visible()


def receive(page: Page, base_url: str, tmp_path: Path, applicant: str) -> str:
    """As a receiver: open a 2.002131 dossier with one PDF attached; return its code."""
    page.goto(f"{base_url}/dossiers/new?procedure=2.002131")
    page.get_by_label("Họ tên / tên tổ chức").fill(applicant)
    page.get_by_label("Điện thoại").fill("0243 826 1234")
    pdf = tmp_path / "phieu-khai-bao.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label("Phiếu khai báo thiết bị X-quang chẩn đoán trong y tế").set_input_files(
        str(pdf)
    )
    page.get_by_role("button", name="Mở hồ sơ").click()
    expect(page.get_by_text("Đã mở hồ sơ.")).to_be_visible()
    return page.locator("h1").inner_text()


def do(page: Page, action: str, fill: dict[str, str] | None = None, check: list[str] | None = None,
       select: dict[str, str] | None = None) -> None:  # fmt: skip
    box = page.locator(f"#action-{action}")
    box.locator("summary").click()
    for key, value in (fill or {}).items():
        box.locator(f"#{action}-{key}").fill(value)
    for key, value in (select or {}).items():
        box.locator(f"#{action}-{key}").select_option(value)
    for value in check or []:
        box.locator(f"input[type=checkbox][value={value}]").check()
    box.locator("button[type=submit]").click()
    expect(page.locator("#message")).to_contain_text("Đã thực hiện")


def test_sign_in_receive_with_upload_and_print_the_receipt(
    page: Page, base_url: str, tmp_path: Path, screenshot, docs_screenshots
):
    sign_in(page, base_url, "hni.receiver")
    code = receive(page, base_url, tmp_path, "Phòng khám Nha khoa Kim Mã")
    assert re.fullmatch(r"SKHCN\.HNI-\d{6}-\d{4}", code)
    expect(page.get_by_role("link", name="phieu-khai-bao.pdf")).to_be_visible()
    expect(page.locator("#due")).to_contain_text("17:00")
    page.locator("summary", has_text="Vì sao là ngày này?").click()
    expect(page.locator(".trace")).to_contain_text("Hạn giải quyết")
    do(page, "accept")
    path = screenshot(page, "dossier")
    shutil.copy(path, docs_screenshots / "dossier-desktop.png")
    page.get_by_role("link", name=re.compile("Mẫu 01")).click()
    expect(page.get_by_text("Phòng khám Nha khoa Kim Mã").first).to_be_visible()
    expect(page.get_by_text(code).first).to_be_visible()
    path = screenshot(page, "receipt")
    shutil.copy(path, docs_screenshots / "slip-receipt.png")


def test_supplement_request_resume_result_and_return(
    page: Page, base_url: str, tmp_path: Path, screenshot
):
    sign_in(page, base_url, "hni.receiver")
    code = receive(page, base_url, tmp_path, "Bệnh viện Đa khoa Tràng An")
    do(page, "accept")
    expect(page.locator("#state")).to_have_text("Thẩm định hồ sơ")

    sign_in(page, base_url, "hni.handler")
    page.goto(f"{base_url}/dossiers/{code}")
    do(
        page,
        "request_supplement",
        fill={"reason": "Thiếu số sê-ri của máy X-quang răng"},
        check=["phieu_khai_bao"],
    )
    expect(page.locator("#state")).to_have_text("Chờ bổ sung hồ sơ")
    expect(page.locator("#due")).to_contain_text("Đang tạm dừng")

    sign_in(page, base_url, "hni.receiver")
    page.goto(f"{base_url}/dossiers/{code}")
    do(page, "receive_supplement")
    sign_in(page, base_url, "hni.handler")
    page.goto(f"{base_url}/dossiers/{code}")
    do(
        page, "submit_for_signing", select={"ket_qua_tham_dinh": "Đủ điều kiện xác nhận khai báo"},
        fill={"result_summary": "Xác nhận khai báo 01 máy X-quang răng"},
    )  # fmt: skip
    sign_in(page, base_url, "hni.leader")
    page.goto(f"{base_url}/dossiers/{code}")
    do(page, "sign", fill={"decision_number": "125/XN-SKHCN"})
    expect(page.locator("#state")).to_have_text("Có kết quả, chờ trả")
    sign_in(page, base_url, "hni.receiver")
    page.goto(f"{base_url}/dossiers/{code}")
    do(page, "return_result")
    expect(page.locator("#state")).to_have_text("Đã trả kết quả")
    expect(page.locator("#timeline > li")).to_have_count(8)  # opened, attachment, 6 actions
    screenshot(page, "returned")


def test_a_required_field_left_empty_keeps_the_form(
    page: Page, base_url: str, tmp_path: Path, guard: BrowserGuard
):
    guard.expect(422, "/actions/request_supplement")  # the refusal this test provokes
    sign_in(page, base_url, "hni.receiver")
    code = receive(page, base_url, tmp_path, "Trung tâm Y tế Ba Vì")
    do(page, "accept")
    sign_in(page, base_url, "hni.handler")
    page.goto(f"{base_url}/dossiers/{code}")
    box = page.locator("#action-request_supplement")
    box.locator("summary").click()
    box.locator("#request_supplement-reason").fill("Thiếu giấy")
    box.locator("button[type=submit]").click()  # no missing document ticked
    expect(page.locator("#message")).to_contain_text("chưa đủ hoặc chưa đúng")
    expect(page.locator("#request_supplement-reason")).to_have_value("Thiếu giấy")
    expect(page.locator("#state")).to_have_text("Thẩm định hồ sơ")


def test_refusal_at_reception_with_its_slip(page: Page, base_url: str, tmp_path: Path, screenshot):
    sign_in(page, base_url, "hni.receiver")
    receive(page, base_url, tmp_path, "Công ty TNHH Ánh Dương")
    do(page, "refuse_reception", fill={"reason": "Thủ tục không thuộc thẩm quyền của Sở"})
    expect(page.locator("#state")).to_have_text("Từ chối tiếp nhận")
    page.get_by_role("link", name=re.compile("Mẫu 03")).click()
    expect(page.get_by_text("Thủ tục không thuộc thẩm quyền của Sở").first).to_be_visible()
    screenshot(page, "refusal-slip")


def test_an_officer_of_another_unit_is_refused(
    page: Page, base_url: str, tmp_path: Path, guard: BrowserGuard
):
    sign_in(page, base_url, "hni.receiver")
    code = receive(page, base_url, tmp_path, "Phòng khám Đông Anh")
    guard.expect(404, f"/dossiers/{code}")  # the refusal this test checks
    sign_in(page, base_url, "kha.receiver")
    response = page.goto(f"{base_url}/dossiers/{code}")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_text("Không tìm thấy hồ sơ")).to_be_visible()
    expect(page.get_by_text("Phòng khám Đông Anh")).to_have_count(0)


def test_the_dossier_page_at_360_px(
    page: Page, base_url: str, tmp_path: Path, screenshot, docs_screenshots
):
    sign_in(page, base_url, "hni.receiver")
    code = receive(page, base_url, tmp_path, "Phòng khám Quốc tế Thu Cúc")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{base_url}/dossiers/{code}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    expect(page.locator("#action-accept summary")).to_be_visible()
    path = screenshot(page, "360")
    shutil.copy(path, docs_screenshots / "dossier-360.png")
    page.goto(f"{base_url}/dossiers")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
