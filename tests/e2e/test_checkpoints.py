"""An auditor finds a signed checkpoint from the audit pages and from the timeliness report,
opens it as a record to print (desktop and 360 px, no sideways scroll), both databases."""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlmodel import Session

from casework.checkpoints import keys
from casework.checkpoints import service as checkpoints
from casework.db import make_engine
from tests.e2e.conftest import no_horizontal_scroll
from tests.e2e.test_practice_loop import sign_in


def take_checkpoint(database_url: str) -> int:
    folder = Path(tempfile.mkdtemp(prefix="casework-e2e-checkpoint-"))
    keys.generate(folder / "key.pem")
    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            row = checkpoints.take(session, key_path=folder / "key.pem", out_dir=folder, by="e2e")
            assert row.id is not None
            return row.id
    finally:
        engine.dispose()


def test_auditor_opens_and_prints_a_checkpoint(
    page: Page, phone: Page, base_url: str, live_server, screenshot
):
    number = take_checkpoint(live_server.database_url)
    sign_in(page, base_url, "bo.auditor")
    page.goto(f"{base_url}/audit")
    page.get_by_role("link", name="Điểm kiểm chứng đã ký").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Điểm kiểm chứng đã ký")
    page.get_by_role("link", name=f"#{number}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "ĐIỂM KIỂM CHỨNG NHẬT KÝ HỒ SƠ ĐÃ KÝ SỐ"
    )
    expect(page.get_by_role("button", name="In")).to_be_visible()
    expect(page.locator("pre").first).to_contain_text(f"id: {number}")
    screenshot(page, "desktop")
    page.goto(f"{base_url}/reports/timeliness")
    page.locator("#checkpoint a").click()
    expect(page).to_have_url(f"{base_url}/audit/checkpoints/{number}")

    sign_in(phone, base_url, "hni.auditor")
    phone.goto(f"{base_url}/audit/checkpoints")
    no_horizontal_scroll(phone)
    screenshot(phone, "list-360")
    phone.goto(f"{base_url}/audit/checkpoints/{number}")
    expect(phone.locator("pre").first).to_contain_text("tree_size:")
    no_horizontal_scroll(phone)
    screenshot(phone, "360")
