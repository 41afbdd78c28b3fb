"""Mentors at scale in Chromium, on the demo: a handler practises a scenario alone, misses its
trap and submits the run for review; the ministry's mentor filters the queue by unit and procedure
(htmx, the address follows), finds the card with its trainee, scenario, score and waiting time,
comments on the step; the trainee replies in the thread ("Có trả lời mới" on the card); the mentor
returns the run for redo; the trainee redoes it to the end and submits again; the mentor passes it
from the queue with a common comment. At desktop size and at 360 px, where nothing widens the
page."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import no_horizontal_scroll
from tests.e2e.test_practice_loop import sign_in
from tests.e2e.test_workspace import do

SCENARIO = "xquang-thieu-so-seri"
PROCEDURE = "2.002131"


def _submit(page: Page, note: str) -> None:
    box = page.locator("#submit-review")
    box.locator("#submit-note").fill(note)
    box.get_by_role("button", name="Nộp để nhận xét").click()
    expect(page.locator('[data-testid="submission"]')).to_contain_text(
        "Đã nộp, đang chờ cán bộ hướng dẫn nhận xét"
    )


def _step(page: Page, label: str) -> Any:
    """The timeline entry of the first event labelled `label`."""
    strong = page.locator("strong", has_text=re.compile(f"^{re.escape(label)}$"))
    return page.locator("#timeline > li").filter(has=strong).first


def _filtered_queue(page: Page, base_url: str, code: str) -> Any:
    page.goto(f"{base_url}/reviews")
    expect(page.get_by_role("heading", level=1)).to_have_text("Góp ý hồ sơ làm thử")
    # the unit picker: a few letters, then the unit from the list (its code goes in the filter)
    page.get_by_label("Đơn vị (mã hoặc tên)").fill("SKHCN.HNI")
    page.locator('#unit-options [role=option][data-code="SKHCN.HNI"]').click()
    page.wait_for_url("**/reviews?*unit=SKHCN.HNI*")
    page.get_by_label("Thủ tục").select_option(PROCEDURE)
    page.wait_for_url(f"**/reviews?*procedure={PROCEDURE}*")
    card = page.locator(f'li[id="card-{code}"]')
    expect(card).to_be_visible()
    return card


def _walk(page: Page, base_url: str, screenshot: Any, phone: bool = False) -> None:
    suffix = "-360" if phone else ""
    # the handler practises alone (the system plays the receiver, the leader and the applicant),
    # misses the trap — sends the dossier to signing — and submits the run for review
    sign_in(page, base_url, "hni.handler")
    page.goto(f"{base_url}/scenarios")
    page.locator(f'form[action="/scenarios/{SCENARIO}/start"] button').click()
    expect(page.locator(".practice-banner")).to_be_visible()
    code = page.locator("h1").inner_text()
    do(
        page, "submit_for_signing", select={"ket_qua_tham_dinh": "Đủ điều kiện xác nhận khai báo"},
        fill={"result_summary": "Xác nhận khai báo 01 máy"},
    )  # fmt: skip
    expect(page.locator("#submit-review")).to_contain_text("Lời nhắn cho cán bộ hướng dẫn")
    screenshot(page, "to-submit" + suffix)
    _submit(page, "Em chưa chắc bước thẩm định.")
    screenshot(page, "submitted" + suffix)

    # the mentor: the queue filtered by unit and procedure, the card, a comment on the step
    sign_in(page, base_url, "bo.mentor")
    card = _filtered_queue(page, base_url, code)
    expect(card.locator('[data-testid="waiting"]')).to_contain_text("Chờ nhận xét")
    expect(card).to_contain_text("phiếu khai báo thiếu số sê-ri")  # the scenario's title
    expect(card).to_contain_text("Điểm")
    expect(card).to_contain_text("chưa làm xong")
    expect(card.locator('[data-testid="trainee"]')).not_to_contain_text("—")
    if phone:
        no_horizontal_scroll(page)
    screenshot(page, "queue" + suffix)
    card.get_by_role("link", name=code).click()
    expect(page.locator("h1")).to_have_text(code)
    step = _step(page, "Trình ký")
    step.locator("summary", has_text="Góp ý cho dòng này").click()
    step.locator("textarea").fill("Phiếu khai báo thiếu số sê-ri: vì sao vẫn trình ký?")
    step.get_by_role("button", name="Gửi góp ý").click()
    expect(page.get_by_text("vì sao vẫn trình ký?").first).to_be_visible()

    # the trainee answers in the thread
    sign_in(page, base_url, "hni.handler")
    page.goto(f"{base_url}/dossiers/{code}")
    step = _step(page, "Trình ký")
    step.locator("details.reply summary").first.click()
    step.locator("details.reply textarea").first.fill("Em không để ý dòng số sê-ri bị trống.")
    step.get_by_role("button", name="Gửi trả lời").click()
    expect(page.get_by_text("Trả lời của học viên").first).to_be_visible()

    # the mentor sees the reply on the card and in the thread, and returns the run for redo
    sign_in(page, base_url, "bo.mentor")
    card = _filtered_queue(page, base_url, code)
    expect(card.locator('[data-testid="new-reply"]')).to_have_text("Có trả lời mới")
    card.get_by_role("link", name=code).click()
    expect(page.get_by_text("Em không để ý dòng số sê-ri bị trống.")).to_be_visible()
    screenshot(page, "thread" + suffix)
    form = page.locator("#review-form")
    form.locator('input[value="redo"]').check()
    form.locator("#to_state").select_option("reviewing")
    form.locator("#verdict-note").fill("Làm lại từ bước thẩm định: yêu cầu bổ sung số sê-ri.")
    form.get_by_role("button", name="Gửi nhận xét").click()
    expect(page.locator("#state")).to_have_text("Thẩm định hồ sơ")

    # the trainee redoes it (the system plays the colleagues to the end) and submits it again
    sign_in(page, base_url, "hni.handler")
    page.goto(f"{base_url}/dossiers/{code}")
    expect(page.locator('[data-testid="submit-refusal"]')).to_contain_text("làm lại bước đó")
    do(
        page, "request_supplement", fill={"reason": "Phiếu khai báo thiếu số sê-ri của máy"},
        check=["phieu_khai_bao"],
    )  # fmt: skip
    do(
        page, "submit_for_signing", select={"ket_qua_tham_dinh": "Đủ điều kiện xác nhận khai báo"},
        fill={"result_summary": "Xác nhận khai báo 01 máy, đủ số sê-ri"},
    )  # fmt: skip
    expect(page.locator("#state")).to_have_text("Đã trả kết quả")
    _submit(page, "Em đã làm lại, xin anh xem.")
    expect(page.locator('[data-testid="submission"]')).to_contain_text("lần nộp thứ 2")
    if phone:
        no_horizontal_scroll(page)
    screenshot(page, "resubmitted" + suffix)

    # the mentor passes it from the queue, with a common comment
    sign_in(page, base_url, "bo.mentor")
    card = _filtered_queue(page, base_url, code)
    expect(card).to_contain_text("đã làm xong")
    expect(card).to_contain_text("Điểm 100/100")
    card.locator('input[name="code"]').check()
    page.locator("#bulk-note").fill("Đã xử lý đúng tình huống thiếu số sê-ri.")
    page.get_by_role("button", name="Nhận xét đạt các hồ sơ đã chọn").click()
    expect(page.locator("#bulk-result")).to_contain_text("Đã nhận xét đạt 1 hồ sơ")
    expect(page.locator("#bulk-result")).to_contain_text(code)
    if phone:
        no_horizontal_scroll(page)
    screenshot(page, "passed" + suffix)

    sign_in(page, base_url, "hni.handler")
    page.goto(f"{base_url}/dossiers/{code}")
    expect(page.locator("#verdict.verdict-pass")).to_contain_text(
        "Đã xử lý đúng tình huống thiếu số sê-ri."
    )


def test_submit_filter_comment_reply_redo_resubmit_pass(page: Page, base_url: str, screenshot):
    _walk(page, base_url, screenshot)


def test_the_same_on_a_phone(phone: Any, base_url: str, screenshot):
    _walk(phone, base_url, screenshot, phone=True)
