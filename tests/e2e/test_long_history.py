"""A dossier with a long history in Chromium (issue 19, item 2), at 1,280 and 360 px: the page
shows the latest 20 timeline items and Mẫu 06 rows; «Xem thêm … cũ hơn» swaps the older ones in
place (htmx) until all 50 are there, the plain link does the same without JavaScript, and the page
never scrolls sideways."""

from __future__ import annotations

import re

import httpx2 as httpx
from playwright.sync_api import Page, expect

from tests.e2e.test_layout import DESKTOP, PHONE, assert_no_sideways_scroll, visit
from tests.e2e.test_practice_loop import sign_in

OPEN = {
    "procedure_code": "2.002131",
    "channel": "online",
    "applicant": {"name": "Bệnh viện 50 sự kiện", "kind": "organisation"},
}
SUPPLEMENT = [
    ("hni.handler", "request_supplement", {"reason": "Thiếu số sê-ri", "missing_documents": ["phieu_khai_bao"]}),
    ("hni.receiver", "receive_supplement", {}),
]  # fmt: skip
SIGNING = [
    ("hni.handler", "submit_for_signing", {
        "ket_qua_tham_dinh": "Đủ điều kiện xác nhận khai báo", "result_summary": "Xác nhận 02 máy",
    }),
    ("hni.leader", "send_back", {"reason": "Ghi rõ nơi đặt từng máy"}),
]  # fmt: skip


def fifty_events(live_server) -> str:  # type: ignore[no-untyped-def]
    """Opened, accepted, then 24 rounds of a supplement or of signing and sending back."""
    tokens = {u: live_server.token_for(u) for u in ("hni.receiver", "hni.handler", "hni.leader")}
    with httpx.Client(base_url=live_server.url, timeout=30) as client:

        def call(user: str, path: str, body: dict) -> dict:  # type: ignore[type-arg]
            r = client.post(path, json=body, headers={"Authorization": f"Bearer {tokens[user]}"})
            assert r.status_code in (200, 201), r.text
            return r.json()  # type: ignore[no-any-return]

        code = call("hni.receiver", "/api/v1/dossiers", OPEN)["code"]
        steps = [("hni.receiver", "accept", {})]
        steps += [s for i in range(24) for s in (SUPPLEMENT if i % 6 == 0 else SIGNING)]
        for user, action, data in steps:
            call(user, f"/api/v1/dossiers/{code}/actions/{action}", {"data": data})
    return code


def test_older_history_a_click_away_on_desktop_and_phone(
    page: Page, base_url: str, live_server, screenshot
):
    code = fifty_events(live_server)
    sign_in(page, base_url, "hni.handler")
    timeline = page.locator("#timeline > li[id^=ev-]")
    steps = page.locator("#steps > tr:not(.more)")
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        visit(page, f"{base_url}/dossiers/{code}")
        expect(timeline).to_have_count(20)
        expect(steps).to_have_count(20)
        assert timeline.first.get_attribute("id") == "ev-31"
        assert_no_sideways_scroll(page, f"a 50-event dossier at {size['width']} px")
        more = page.get_by_role("link", name="Xem thêm 30 mục cũ hơn")
        more.scroll_into_view_if_needed()
        screenshot(page, f"timeline-{size['width']}")
        more.click()
        expect(timeline).to_have_count(40)
        page.get_by_role("link", name="Xem thêm 10 mục cũ hơn").click()
        expect(timeline).to_have_count(50)
        expect(page.get_by_role("link", name=re.compile("mục cũ hơn"))).to_have_count(0)
        ids = [
            int(i.removeprefix("ev-")) for i in timeline.evaluate_all("els => els.map(e => e.id)")
        ]
        assert ids == list(range(1, 51))  # in order, nothing twice
        page.get_by_role("link", name="Xem thêm 30 bước cũ hơn").click()
        expect(steps).to_have_count(40)
        page.get_by_role("link", name="Xem thêm 10 bước cũ hơn").click()
        expect(steps).to_have_count(50)
        assert_no_sideways_scroll(page, f"the whole history at {size['width']} px")
        page.get_by_role("heading", name=re.compile("Mẫu 06")).scroll_into_view_if_needed()
        screenshot(page, f"steps-all-{size['width']}")

    # without JavaScript the link is a page with the latest 40
    page.set_viewport_size(DESKTOP)
    visit(page, f"{base_url}/dossiers/{code}")
    href = page.get_by_role("link", name="Xem thêm 30 mục cũ hơn").get_attribute("href")
    assert href == f"/dossiers/{code}?timeline=40#h-timeline"
    visit(page, f"{base_url}{href}")
    expect(timeline).to_have_count(40)
    # the printed Mẫu 06 keeps every step
    visit(page, f"{base_url}/dossiers/{code}/slips/control")
    expect(page.locator("tr.step")).to_have_count(50)
