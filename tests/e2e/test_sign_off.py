"""Sign-off on evidence in Chromium: a Khánh Hòa receiver's practice run of the X-ray declaration
was passed by the ministry's mentor (made through the services first); the mentor reads the rule
on the form and signs the procedure off; the trainee opens the certificate with its number and
QR code; a signed-out visitor on a 360 px phone opens the verification page it points to and
reads "Còn hiệu lực"; the mentor revokes it with a reason, and the same page then says since
when it is revoked."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from casework.accounts.models import User
from casework.db import make_engine
from casework.procedures import ProcedureRegistry
from casework.settings import PROJECT_ROOT
from tests.e2e.conftest import TZ, LiveServer, no_horizontal_scroll
from tests.e2e.test_practice_loop import sign_in
from tests.signoffs.factories import passed_run

XRAY = "2.002131"
TRAINEE = "kha.receiver"


def _evidence(live_server: LiveServer) -> str:
    """The trainee's practice run of the X-ray declaration, passed by bo.mentor."""
    registry = ProcedureRegistry.from_directory(PROJECT_ROOT / "workflows")
    engine = make_engine(live_server.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            people = {
                u.username: u
                for u in session.exec(
                    select(User).where(col(User.username).in_([TRAINEE, "bo.mentor"]))
                ).all()
            }
            run = passed_run(
                session, trainee=people[TRAINEE], mentor=people["bo.mentor"],
                procedure=registry.get(XRAY),
            )  # fmt: skip
            return run.code
    finally:
        engine.dispose()


def test_sign_off_certificate_and_public_verification(
    page: Page, phone: Any, base_url: str, live_server: LiveServer, screenshot
):
    run = _evidence(live_server)

    sign_in(page, base_url, "bo.mentor")
    page.goto(f"{base_url}/progress/users/{TRAINEE}")
    form = page.locator("#sign-off-form")
    expect(form.get_by_test_id("sign-off-rule")).to_contain_text(
        "ít nhất một bài thực hành của thủ tục đó được cán bộ hướng dẫn nhận xét Đạt"
    )
    expect(form.locator(f'option[value="{XRAY}"]')).to_contain_text("(1 bài Đạt)")
    form.locator("#procedure_code").select_option(XRAY)
    form.locator("#note").fill("Xử lý đúng hồ sơ thiếu số sê-ri.")
    form.get_by_role("button", name="Ký xác nhận").click()
    signed = page.get_by_test_id(f"sign-off-{XRAY}")
    expect(signed).to_contain_text("số XN-")
    number = re.search(r"XN-\d{4}-\w{4}-\w{4}-\w", signed.inner_text())
    assert number is not None
    history = page.get_by_test_id("sign-off-history")
    expect(history).to_contain_text(run)  # the evidence
    screenshot(page, "signed")

    sign_in(page, base_url, TRAINEE)
    page.goto(f"{base_url}/progress/users/{TRAINEE}")
    page.get_by_role("link", name=re.compile("Giấy chứng nhận")).click()
    row = page.get_by_test_id(f"certificate-{XRAY}")
    expect(row).to_contain_text(number.group(0))
    expect(row.locator("svg.qr")).to_be_visible()
    verify = row.locator("a.qr-link").get_attribute("href")
    assert verify == f"/verify/{number.group(0)}"
    screenshot(page, "certificate")

    phone.goto(f"{base_url}{verify}")  # a separate browser context: signed out
    expect(phone.get_by_role("button", name="Đăng xuất")).to_have_count(0)
    expect(phone.get_by_test_id("verify-status")).to_have_text("Còn hiệu lực")
    facts = phone.get_by_test_id("verify-facts")
    expect(facts).to_contain_text(XRAY)
    expect(facts).not_to_contain_text(TRAINEE)
    no_horizontal_scroll(phone)
    screenshot(phone, "verify-valid-360")

    sign_in(page, base_url, "bo.mentor")
    page.goto(f"{base_url}/progress/users/{TRAINEE}")
    page.get_by_text(f"Thu hồi xác nhận {XRAY}").click()
    page.get_by_label(re.compile("Lý do thu hồi")).fill("Ký nhầm: chưa làm hồ sơ thật nào.")
    page.get_by_role("button", name="Thu hồi", exact=True).click()
    expect(page.get_by_test_id(f"sign-off-{XRAY}")).to_have_count(0)
    expect(page.get_by_test_id("sign-off-history")).to_contain_text(
        "Ký nhầm: chưa làm hồ sơ thật nào."
    )
    screenshot(page, "revoked")

    phone.reload()
    today = datetime.now(TZ).strftime("%d/%m/%Y")
    expect(phone.get_by_test_id("verify-status")).to_have_text(f"Đã thu hồi ngày {today}")
    no_horizontal_scroll(phone)
    screenshot(phone, "verify-revoked-360")
