"""Smoke tests in a real Chromium against the live server with the demo data."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from casework.procedures import load_directory
from casework.settings import PROJECT_ROOT
from tests.e2e.conftest import LiveServer

XRAY = (
    "Khai báo thiết bị X-quang chẩn đoán y tế, thiết bị chụp cắt lớp vi tính tích hợp với PET "
    "(PET/CT), SPECT (SPECT/CT), sử dụng thiết bị phát tia X (trừ thiết bị chụp ảnh phóng xạ công "
    "nghiệp)"
)
RECHECK_NOTE = "Một số thông tin cần kiểm tra lại với văn bản công bố hiện hành."


def test_home_lists_procedures_by_level(
    page: Page,
    live_server: LiveServer,
    screenshot: Callable[..., Path],
    docs_screenshots: Path,
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/")

    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thủ tục đang áp dụng")
    expect(page.get_by_role("heading", name="Cấp xã", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Cấp tỉnh (Sở KH&CN)", exact=True)).to_be_visible()
    expect(page.get_by_text(XRAY, exact=True)).to_be_visible()
    # Every shipped procedure, each under its level's heading.
    library = load_directory(PROJECT_ROOT / "workflows")
    cards = page.locator("[data-testid=procedures] > li")
    expect(cards).to_have_count(len(library))
    commune = page.locator("section", has=page.get_by_role("heading", name="Cấp xã", exact=True))
    expect(commune.locator("li")).to_have_count(sum(p.level == "commune" for p in library))
    province = page.locator(
        "section", has=page.get_by_role("heading", name="Cấp tỉnh (Sở KH&CN)", exact=True)
    )
    expect(province.get_by_text(XRAY, exact=True)).to_be_visible()
    # Those flagged for re-checking against the current published text say so.
    notes = page.get_by_role("note")
    expect(notes).to_have_count(sum(bool(p.needs_recheck) for p in library))
    expect(notes.first).to_have_text(RECHECK_NOTE)
    expect(notes.first).to_be_visible()

    # The vendored htmx ran: its <script> carries an SRI hash, so this also proves the file matches.
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.htmx") == "object"

    shot = screenshot(page)
    shutil.copyfile(shot, docs_screenshots / "home-desktop.png")


def test_home_fits_a_360px_phone(
    page: Page,
    live_server: LiveServer,
    screenshot: Callable[..., Path],
    docs_screenshots: Path,
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/")
    expect(page.get_by_text(XRAY, exact=True)).to_be_visible()

    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    shot = screenshot(page)
    shutil.copyfile(shot, docs_screenshots / "home-360.png")


def test_openapi_lists_the_dossier_api(page: Page, live_server: LiveServer) -> None:
    # Swagger UI comes from our own static files (no CDN): it renders the API's operations.
    page.goto(live_server.url + "/docs")
    expect(page).to_have_title(re.compile(r"^casework\b"))
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/dossiers").first).to_be_visible()

    resp = page.request.get(live_server.url + "/openapi.json")
    assert resp.ok
    schema = resp.json()
    assert schema["info"]["title"] == "casework"
    assert "/api/v1/dossiers" in schema["paths"]
    assert "/api/v1/dossiers/{code}/actions/{action}" in schema["paths"]


def test_api_round_trip_from_the_browser(page: Page, live_server: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {live_server.token_for('hni.receiver')}"}
    api = live_server.url + "/api/v1"

    resp = page.request.post(
        f"{api}/dossiers",
        headers=headers,
        data={
            "procedure_code": "2.002131",
            "channel": "in_person",
            "applicant": {"name": "Bệnh viện E2E", "kind": "organisation"},
        },
    )
    assert resp.status == 201, resp.text()
    dossier = resp.json()
    assert dossier["procedure_code"] == "2.002131"
    assert dossier["receiving_unit"] == "SKHCN.HNI"
    assert "accept" in [a["action"] for a in dossier["allowed_actions"]]

    resp = page.request.post(
        f"{api}/dossiers/{dossier['code']}/actions/accept",
        headers=headers,
        data={"expected_version": dossier["version"]},
    )
    assert resp.status == 200, resp.text()
    accepted = resp.json()
    assert accepted["state"] == "reviewing"
    assert accepted["version"] > dossier["version"]

    # Read back: the state persisted and the journal ends with the acceptance.
    resp = page.request.get(f"{api}/dossiers/{dossier['code']}", headers=headers)
    assert resp.status == 200
    assert resp.json()["state"] == "reviewing"
    resp = page.request.get(f"{api}/dossiers/{dossier['code']}/events", headers=headers)
    assert resp.status == 200
    last = resp.json()[-1]
    assert (last["action"], last["from_state"], last["to_state"]) == (
        "accept",
        "received",
        "reviewing",
    )
