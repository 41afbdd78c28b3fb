"""The practice loop in Chromium: a trainee plays a scenario and misses its trap, sees step
feedback and a score; a mentor comments on the step and returns the dossier for redo; the trainee
does it again properly; the mentor passes it and signs the procedure off for the trainee, whose
certificate then lists it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from casework.demo import DEMO_PASSWORD
from tests.e2e.test_workspace import do


def sign_in(page: Page, base_url: str, username: str) -> None:
    """Any role: staff land on their queues, mentors on the home page."""
    page.wait_for_load_state("networkidle")  # no request of the last page still in flight
    page.context.clear_cookies()
    page.goto(f"{base_url}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def test_trap_feedback_comment_redo_and_pass(page: Page, base_url: str, screenshot):
    sign_in(page, base_url, "hni.receiver")
    page.goto(f"{base_url}/scenarios")
    start = page.locator('form[action="/scenarios/xquang-thieu-so-seri/start"]')
    start.get_by_label("Làm cùng đồng nghiệp").check()  # the handler plays their own steps
    start.locator("button").click()
    expect(page.locator(".practice-banner")).to_be_visible()
    code = page.locator("h1").inner_text()
    assert code.startswith("LT-")
    do(page, "accept")

    sign_in(page, base_url, "hni.handler")
    page.goto(f"{base_url}/dossiers/{code}")
    # the trainee misses the missing serial number and sends the dossier to signing
    do(
        page, "submit_for_signing", select={"ket_qua_tham_dinh": "Đủ điều kiện xác nhận khai báo"},
        fill={"result_summary": "Xác nhận khai báo 01 máy"},
    )  # fmt: skip
    page.get_by_role("link", name="Nhận xét, điểm của bài thực hành").click()
    expect(page.locator("#score")).to_contain_text("Điểm:")
    expect(page.locator(".fb-wrong").first).to_contain_text("Yêu cầu bổ sung hồ sơ")
    screenshot(page, "feedback")

    sign_in(page, base_url, "bo.mentor")
    page.goto(f"{base_url}/dossiers/{code}")
    step = page.locator("#timeline > li").nth(2)  # #3: submit for signing
    step.locator("summary", has_text="Góp ý cho dòng này").click()
    step.locator("textarea").fill(
        "Phiếu khai báo thiếu số sê-ri: phải yêu cầu bổ sung, không trình ký."
    )
    step.get_by_role("button", name="Gửi góp ý").click()
    expect(
        page.get_by_text("Phiếu khai báo thiếu số sê-ri: phải yêu cầu bổ sung").first
    ).to_be_visible()
    form = page.locator("#review-form")
    form.locator('input[value="redo"]').check()
    form.locator("#to_state").select_option("reviewing")
    form.locator("#verdict-note").fill("Làm lại từ bước thẩm định.")
    form.get_by_role("button", name="Gửi nhận xét").click()
    expect(page.locator("#state")).to_have_text("Thẩm định hồ sơ")

    sign_in(page, base_url, "hni.handler")
    page.goto(f"{base_url}/dossiers/{code}")
    expect(page.locator("#verdict")).to_be_visible()
    expect(
        page.get_by_text("Phiếu khai báo thiếu số sê-ri: phải yêu cầu bổ sung").first
    ).to_be_visible()
    do(
        page,
        "request_supplement",
        fill={"reason": "Phiếu khai báo thiếu số sê-ri của máy"},
        check=["phieu_khai_bao"],
    )
    expect(page.locator("#state")).to_have_text("Chờ bổ sung hồ sơ")

    sign_in(page, base_url, "bo.mentor")
    page.goto(f"{base_url}/dossiers/{code}")
    form = page.locator("#review-form")
    form.locator('input[value="pass"]').check()
    form.locator("#verdict-note").fill("Đã xử lý đúng tình huống.")
    form.get_by_role("button", name="Gửi nhận xét").click()
    expect(page.locator("#verdict.verdict-pass")).to_be_visible()
    screenshot(page, "passed")

    page.goto(f"{base_url}/progress/users/hni.handler")
    page.locator("#procedure_code").select_option("2.002131")
    page.locator("#note").fill("Xử lý đúng tình huống thiếu giấy tờ sau khi làm lại.")
    page.get_by_role("button", name="Ký xác nhận").click()
    expect(page.get_by_test_id("sign-off-2.002131")).to_contain_text("số XN-")
    sign_in(page, base_url, "hni.handler")
    page.goto(f"{base_url}/progress/users/hni.handler/certificate")
    expect(
        page.get_by_text(
            "Khai báo thiết bị X-quang chẩn đoán y tế, thiết bị chụp cắt lớp", exact=False
        ).first
    ).to_be_visible()
    screenshot(page, "certificate")
