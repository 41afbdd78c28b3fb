"""A trainee withdraws a submission and a mentor is told of a trainee's reply, in Chromium on the
demo: a handler practises a scenario alone, submits the run, takes it back before any mentor
looked («Rút lại bài nộp»: the history says so, the mentor's queue no longer lists it) and submits
it again; the ministry's mentor comments on a step; the handler replies in the thread; the mentor's
notifications show the reply as new, and its link opens the dossier at the thread. At desktop size
and at 360 px, where nothing widens the page."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import no_horizontal_scroll
from tests.e2e.test_mentor_queue import SCENARIO, _filtered_queue, _step, _submit
from tests.e2e.test_practice_loop import sign_in
from tests.e2e.test_workspace import do

REPLY = "Em không để ý dòng số sê-ri bị trống."


def _walk(page: Page, base_url: str, screenshot: Any, phone: bool = False) -> None:
    suffix = "-360" if phone else ""
    sign_in(page, base_url, "hni.handler")
    page.goto(f"{base_url}/scenarios")
    page.locator(f'form[action="/scenarios/{SCENARIO}/start"] button').click()
    expect(page.locator(".practice-banner")).to_be_visible()
    code = page.locator("h1").inner_text()
    do(
        page, "submit_for_signing", select={"ket_qua_tham_dinh": "Đủ điều kiện xác nhận khai báo"},
        fill={"result_summary": "Xác nhận khai báo 01 máy"},
    )  # fmt: skip
    _submit(page, "Em nộp nhầm, chưa xong.")

    # no mentor has looked yet: the trainee takes the submission back
    box = page.locator("#submit-review")
    box.get_by_role("button", name="Rút lại bài nộp").click()
    expect(page.locator('[data-testid="withdrawn"]')).to_contain_text("Đã rút lại bài nộp")
    expect(page.locator("#timeline")).to_contain_text("Rút lại bài nộp để nhận xét")
    if phone:
        no_horizontal_scroll(page)
    screenshot(page, "withdrawn" + suffix)

    # the mentor's queue of submitted runs no longer has it
    sign_in(page, base_url, "bo.mentor")
    page.goto(f"{base_url}/reviews?unit=SKHCN.HNI")
    expect(page.get_by_role("heading", level=1)).to_have_text("Góp ý hồ sơ làm thử")
    expect(page.locator(f'li[id="card-{code}"]')).to_have_count(0)

    # submitted again; the mentor comments on the step
    sign_in(page, base_url, "hni.handler")
    page.goto(f"{base_url}/dossiers/{code}")
    _submit(page, "Em nộp lại.")
    expect(page.locator('[data-testid="submission"]')).to_contain_text("lần nộp thứ 2")
    sign_in(page, base_url, "bo.mentor")
    card = _filtered_queue(page, base_url, code)
    card.get_by_role("link", name=code).click()
    step = _step(page, "Trình ký")
    step.locator("summary", has_text="Góp ý cho dòng này").click()
    step.locator("textarea").fill("Phiếu khai báo thiếu số sê-ri: vì sao vẫn trình ký?")
    step.get_by_role("button", name="Gửi góp ý").click()
    expect(page.get_by_text("vì sao vẫn trình ký?").first).to_be_visible()

    # the trainee can no longer withdraw it, and replies in the thread
    sign_in(page, base_url, "hni.handler")
    page.goto(f"{base_url}/dossiers/{code}")
    expect(
        page.locator("#submit-review").get_by_role("button", name="Rút lại bài nộp")
    ).to_have_count(0)
    step = _step(page, "Trình ký")
    step.locator("details.reply summary").first.click()
    step.locator("details.reply textarea").first.fill(REPLY)
    step.get_by_role("button", name="Gửi trả lời").click()
    expect(page.get_by_text("Trả lời của học viên").first).to_be_visible()

    # the mentor's notifications: the reply, new, linking to the thread
    sign_in(page, base_url, "bo.mentor")
    page.goto(f"{base_url}/notifications")
    replies = page.locator("#replies")
    item = replies.locator("li", has=page.locator(f'a[href^="/dossiers/{code}#ev-"]'))
    expect(item).to_contain_text(REPLY)
    expect(item).to_contain_text("MỚI")
    if phone:
        no_horizontal_scroll(page)
    screenshot(page, "notified" + suffix)
    item.get_by_role("link", name=code).click()
    page.wait_for_url(f"**/dossiers/{code}#ev-*")
    expect(page.get_by_text(REPLY).first).to_be_in_viewport()
    screenshot(page, "thread" + suffix)


def test_withdraw_then_reply_notifies_the_mentor(page: Page, base_url: str, screenshot):
    _walk(page, base_url, screenshot)


def test_withdraw_and_reply_on_a_phone(phone: Any, base_url: str, screenshot):
    _walk(phone, base_url, screenshot, phone=True)
