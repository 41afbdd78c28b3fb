"""Issue 15's "Done when", walked in one flow in Chromium on the demo data, at desktop width and
on a 360 px phone, on both databases.

The Ba Đình ward's chairperson (badinh.leader) adds a market stall to the demo's annual plan and
opens the inspection from that line; names the ward's receiver, who holds no certificate, as the
team's head and is refused with the person and the certificate named; names the ward's officer
and the department's officer (both certified in the demo). The ward's officer (badinh.handler)
inspects, records two measuring instruments as rows — one spring scale whose measured error is
beyond the maximum permissible error of its class — the rows give "Có vi phạm" and the record is
signed with it; the violation goes to handling (transferred, sanction decision number, fine,
remedy deadline), a follow-up inspection is opened ad hoc and recorded; the chairperson finishes
the handling and the officer sends the report (no satisfaction rating asked). The follow-up
inspection then finds the scale repaired and closes compliant. The three documents of the first
inspection — decision, record with its rows, report with the handling — open as HTML and as PDF.
Every page at 360 px is checked for sideways scrolling."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import TZ, BrowserGuard, LiveServer
from tests.e2e.test_journey_inspection import DOCUMENTS, Walk, certified_staff
from tests.e2e.test_practice_loop import sign_in
from tests.e2e.test_workspace import do

DEMO_PLAN = "01/KH-UBND"  # the demo's plan of Ba Đình (src/casework/inspections/demo.py)
SPRING = {"loai": "Cân đồng hồ lò xo 60 kg", "so_hieu": "NH-0142", "tem": "KĐ 2026-118",
          "cap_chinh_xac": "IIII", "e": "200", "tai_thu": "20000", "don_vi": "g"}  # fmt: skip
DIGITAL = {"loai": "Cân điện tử 30 kg", "so_hieu": "CĐT-7731", "tem": "KĐ 2026-301",
           "cap_chinh_xac": "III", "e": "10", "tai_thu": "10000", "sai_so": "5",
           "don_vi": "g"}  # fmt: skip
PDF_MIN_BYTES = 8_000
POLICE = ("Trung úy Lê Văn Công", "Công an phường Ba Đình")


def _code(page: Page) -> str:
    found = re.search(r"/dossiers/([^/?#]+)", page.url)
    assert found, page.url
    return found.group(1)


def _add_instrument(page: Page, values: dict[str, str], valid_until: date) -> None:
    """One row of «Phương tiện đo» on the findings page (measured error in `sai_so`)."""
    form = page.locator("#new-instrument")
    for key, value in {**values, "han_kiem_dinh": valid_until.isoformat()}.items():
        form.locator(f"[name={key}]").fill(value)
    form.get_by_role("button", name="Thêm dòng").click()
    expect(page.get_by_text("Đã lưu dòng kết quả")).to_be_visible()


def _decide(page: Page, walk: Walk, code: str, staff: dict[str, tuple[int, str]],
            head: str, guard: BrowserGuard | None = None) -> None:  # fmt: skip
    """The chairperson's decision form: number, time (an hour ago), place, head and a seconded
    technical member. With `guard` the head is expected to be refused (422)."""
    page.get_by_role("link", name="Ký quyết định kiểm tra").click()
    expect(page.get_by_role("heading", name="Ký quyết định kiểm tra")).to_be_visible()
    at = (datetime.now(TZ) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Số, ký hiệu quyết định").fill(f"{code[-4:]}/QĐ-UBND")
    page.get_by_label("Thời gian kiểm tra").fill(at)
    page.locator("#member_0").select_option(str(staff[head][0]))
    page.locator("#role_0").select_option("head")
    page.locator("#member_1").select_option(str(staff["hni.handler"][0]))
    page.locator("#role_1").select_option("technical")
    # a police officer sent by another body: a plain member typed by name, no certificate asked
    page.get_by_label("Họ và tên (người thứ 1)").fill(POLICE[0])
    page.locator("#other_body_0").fill(POLICE[1])
    walk.seen()
    if guard is not None:
        guard.expect(422, f"/inspections/{code}/decision")
    page.get_by_role("button", name="Ký quyết định kiểm tra").click()


def _sign_record(page: Page, expected: str) -> None:
    """Sign the record from the findings page, with the conclusion the rows give."""
    form = page.locator("#sign-record")
    expect(form.get_by_label("Kết luận kiểm tra")).to_have_value(expected)
    form.get_by_role("button", name="Lập và ký biên bản kiểm tra").click()
    expect(page.locator("#state")).to_contain_text("Xử lý kết quả kiểm tra")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_plan_team_findings_violation_follow_up_and_documents(
    size: str,
    page: Page,
    phone: Any,
    live_server: LiveServer,
    base_url: str,
    guard: BrowserGuard,
    screenshot: Callable[..., Path],
    docs_screenshots: Path,
) -> None:
    p: Page = phone if size == "phone" else page
    walk = Walk(p, 360 if size == "phone" else 1280, screenshot, docs_screenshots)
    staff = certified_staff(live_server, certify=())  # the demo certifies the two officers
    today = datetime.now(TZ).date()
    shop = f"Sạp thịt số 14 chợ Ngọc Hà ({live_server.backend}, {size})"

    # 1. the chairperson adds the stall to the demo's plan and opens the inspection from it
    sign_in(p, base_url, "badinh.leader")
    p.get_by_role("navigation", name="Chính").get_by_role(
        "link", name="Kiểm tra", exact=True
    ).click()
    plan = p.locator("section.plan", has_text=DEMO_PLAN)
    expect(plan).to_contain_text("Chợ Ngọc Hà")  # the demo's lines
    walk.seen()
    plan.get_by_text("Thêm cơ sở vào kế hoạch").click()
    plan.get_by_label("Nội dung kiểm tra (thủ tục)").select_option("XA-DL-KTNN")
    plan.get_by_label("Tháng kiểm tra").fill(str(today.month))
    plan.get_by_label("Tên cơ sở, hộ kinh doanh").fill(shop)
    plan.get_by_label("Địa chỉ").fill("Chợ Ngọc Hà, phường Ba Đình")
    plan.get_by_label("Mặt hàng, lĩnh vực kinh doanh").fill("Thịt lợn")
    plan.get_by_role("button", name="Thêm vào kế hoạch").click()
    expect(p.get_by_role("status")).to_contain_text("Đã thêm cơ sở")
    p.locator("li", has_text=shop).get_by_role("link", name="Mở cuộc kiểm tra").click()
    expect(p.get_by_text(shop)).to_be_visible()
    walk.seen()
    p.get_by_role("button", name="Mở cuộc kiểm tra").click()
    expect(p.locator("#message")).to_contain_text("Đã mở cuộc kiểm tra")
    expect(p.locator("#establishment")).to_contain_text(shop)
    code = _code(p)
    main = p.locator("main")
    for one_stop in ("Mẫu 01", "Người nộp", "Tiếp nhận hồ sơ", "Xin lỗi", "Dừng giải quyết"):
        expect(main).not_to_contain_text(one_stop)
    expect(p.locator("#action-cancel_inspection")).to_contain_text("Dừng cuộc kiểm tra")
    walk.seen()

    # 2. an uncertified head is refused, naming the person and the certificate; then a team
    _decide(p, walk, code, staff, "badinh.receiver", guard)
    expect(p.get_by_role("alert")).to_contain_text(staff["badinh.receiver"][1])
    expect(p.locator("#err-member_0")).to_contain_text("chưa có chứng chỉ")
    expect(p.locator("#err-member_0")).to_contain_text("đo lường")
    expect(p.get_by_label("Số, ký hiệu quyết định")).to_have_value(f"{code[-4:]}/QĐ-UBND")
    walk.seen()
    screenshot(p, "refused")
    p.locator("#member_0").select_option(str(staff["badinh.handler"][0]))
    p.get_by_role("button", name="Ký quyết định kiểm tra").click()
    expect(p.locator("#message")).to_contain_text("Đã ký quyết định kiểm tra")
    expect(p.locator("#team")).to_contain_text(f"{staff['badinh.handler'][1]} (Trưởng đoàn)")
    expect(p.locator("#team")).to_contain_text(staff["hni.handler"][1])
    expect(p.locator("#team")).to_contain_text(POLICE[0])
    walk.seen()

    # 3. the officer inspects and records the instruments as rows; the rows give the conclusion
    sign_in(p, base_url, "badinh.handler")
    p.goto(f"{base_url}/dossiers/{code}")
    do(p, "finish_inspection", fill={"co_so": shop, "so_phuong_tien_do": "2"})
    p.get_by_role("link", name="Kết quả kiểm tra (biên bản, xử lý vi phạm)").click()
    expect(p.get_by_role("heading", name="Kết quả kiểm tra", exact=True)).to_be_visible()
    walk.seen()
    _add_instrument(p, DIGITAL, today + timedelta(days=200))
    _add_instrument(p, {**SPRING, "sai_so": "-600"}, today + timedelta(days=120))
    rows = p.locator("li.finding")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Đạt")
    expect(rows.nth(1)).to_contain_text("Không đạt")
    expect(rows.nth(1)).to_contain_text("Sai số 600 g > MPE = 400 g (cân cấp IIII, tải 100e")
    expect(p.locator("#conclusion")).to_contain_text("Có vi phạm")
    walk.seen()
    screenshot(p, "rows")
    _sign_record(p, "Có vi phạm")

    # 4. the violation is handled: transferred, sanctioned, a remedy deadline, a follow-up
    do(p, "handle_violation", fill={"bien_phap_xu_ly": "Tạm dừng sử dụng cân NH-0142; lập biên "
                                    "bản vi phạm hành chính."})  # fmt: skip
    expect(p.locator("#state")).to_contain_text("Xử lý vi phạm")
    p.get_by_role("link", name="Kết quả kiểm tra (biên bản, xử lý vi phạm)").click()
    expect(p.locator("#recorded")).to_have_text("Có vi phạm")
    p.get_by_label("Chuyển người có thẩm quyền xử phạt").fill("Chủ tịch UBND phường Ba Đình")
    p.get_by_label("Số quyết định xử phạt").fill("05/QĐ-XPHC")
    p.get_by_label("Số tiền phạt (đồng)").fill("1.500.000")
    p.get_by_label("Hạn khắc phục").fill((today + timedelta(days=10)).isoformat())
    p.get_by_label("Ngày kiểm tra lại").fill((today + timedelta(days=11)).isoformat())
    p.get_by_role("button", name="Lưu thông tin xử lý").click()
    expect(p.get_by_text("Đã lưu thông tin xử lý vi phạm.")).to_be_visible()
    walk.seen()
    p.get_by_role("link", name="Mở cuộc kiểm tra lại (đột xuất)").click()
    expect(p.get_by_label("Nội dung kiểm tra (thủ tục)")).to_have_value("XA-DL-KTNN")
    expect(p.get_by_label("Căn cứ kiểm tra đột xuất")).to_have_value("other")
    expect(p.get_by_label("Nội dung phản ánh hoặc văn bản chỉ đạo")).to_contain_text(code)
    expect(p.get_by_label("Tên cơ sở, hộ kinh doanh")).to_have_value(shop)  # filled in
    walk.seen()
    p.get_by_role("button", name="Mở cuộc kiểm tra").click()
    expect(p.locator("#message")).to_contain_text("Đã mở cuộc kiểm tra")
    follow = _code(p)
    p.goto(f"{base_url}/dossiers/{code}/findings")
    p.get_by_label("Mã cuộc kiểm tra lại").fill(follow)
    p.get_by_role("button", name="Lưu thông tin xử lý").click()
    expect(p.get_by_text("Đã lưu thông tin xử lý vi phạm.")).to_be_visible()
    expect(p.get_by_label("Mã cuộc kiểm tra lại")).to_have_value(follow)
    walk.seen()
    screenshot(p, "handling")

    # 5. the chairperson finishes the handling; the officer reports (nobody is asked to rate)
    sign_in(p, base_url, "badinh.leader")
    p.goto(f"{base_url}/dossiers/{code}")
    # the sanction decision is on the findings page already: the action asks the measures only
    expect(p.locator("#finish_violation_handling-decision_number")).to_have_count(0)
    do(p, "finish_violation_handling", fill={
        "bien_phap_xu_ly": "Phạt 1.500.000 đồng; cân NH-0142 sửa và kiểm định lại.",
    })  # fmt: skip
    sign_in(p, base_url, "badinh.handler")
    p.goto(f"{base_url}/dossiers/{code}")
    expect(p.locator("#action-send_report")).to_be_visible()
    expect(p.locator("#action-send_report [name=satisfaction]")).to_have_count(0)
    do(p, "send_report", fill={"result_summary": "Kiểm tra 02 cân: 01 cân vượt sai số cho phép, "
                                                 "đã xử phạt và yêu cầu khắc phục."})  # fmt: skip
    expect(p.locator("#state")).to_contain_text("Kết thúc kiểm tra")
    expect(p.locator("main")).not_to_contain_text("hài lòng")
    walk.seen()

    # 6. the follow-up check: a certified team, the repaired scale within its MPE, closed
    sign_in(p, base_url, "badinh.leader")
    p.goto(f"{base_url}/dossiers/{follow}")
    _decide(p, walk, follow, staff, "badinh.handler")
    expect(p.locator("#message")).to_contain_text("Đã ký quyết định kiểm tra")
    sign_in(p, base_url, "badinh.handler")
    p.goto(f"{base_url}/dossiers/{follow}")
    do(p, "finish_inspection", fill={"co_so": shop, "so_phuong_tien_do": "1"})
    p.get_by_role("link", name="Kết quả kiểm tra (biên bản, xử lý vi phạm)").click()
    expect(p.locator("#follow-up-of")).to_contain_text(code)
    _add_instrument(p, {**SPRING, "tem": "KĐ 2026-377", "sai_so": "-200"},
                    today + timedelta(days=365))  # fmt: skip
    expect(p.locator("#conclusion")).to_contain_text("Đạt yêu cầu")
    walk.seen()
    _sign_record(p, "Đạt yêu cầu")
    do(p, "conclude_compliant")
    do(p, "send_report", fill={"result_summary": "Cân NH-0142 đã sửa, kiểm định lại: đạt."})
    expect(p.locator("#state")).to_contain_text("Kết thúc kiểm tra")
    walk.seen()
    screenshot(p, "follow-up")

    # 7. the first inspection's three documents, as HTML and as PDF
    p.goto(f"{base_url}/dossiers/{code}")
    words = {
        "inspection_decision": [staff["badinh.handler"][1], staff["hni.handler"][1], shop,
                                *POLICE, "Mẫu 4. QĐKTĐL"],
        "inspection_record": [SPRING["loai"], DIGITAL["loai"], "Sai số 600 g > MPE = 400 g",
                              "Có vi phạm", "Mẫu 5. BBKT"],
        "inspection_report": ["05/QĐ-XPHC", "1.500.000", "Chủ tịch UBND phường Ba Đình",
                              "vượt sai số cho phép"],
    }  # fmt: skip
    for kind, title in DOCUMENTS.items():
        p.locator(f'a[href="/dossiers/{code}/slips/{kind}"]').first.click()
        expect(p.locator("h1")).to_have_text(title)
        article = p.locator("article")
        for text in words[kind]:
            expect(article).to_contain_text(text)
        expect(p.locator("svg.qr")).to_be_visible()
        if kind == "inspection_report":  # no prescribed form: no number printed
            expect(p.locator("#form-number")).to_have_count(0)
        walk.seen()
        screenshot(p, kind)
        pdf = p.request.get(f"{base_url}/dossiers/{code}/slips/{kind}.pdf")
        assert pdf.status == 200, kind
        assert pdf.headers["content-type"] == "application/pdf", kind
        body = pdf.body()
        assert body.startswith(b"%PDF") and len(body) > PDF_MIN_BYTES, (kind, len(body))
        p.get_by_role("link", name="← Quay lại").click()
        expect(p.locator("#state")).to_contain_text("Kết thúc kiểm tra")
