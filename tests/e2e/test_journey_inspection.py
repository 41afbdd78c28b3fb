"""The commune's inspection journey in Chromium (issue 15, items 1, 2 and 4), at desktop width and
at 360 px, on both databases: the ward's chairperson adds the year's inspection plan and an
establishment to it, opens the inspection from the plan line (no applicant, no Mẫu 01), names a
team with an untrained head (refused, each person named, the form kept), then a certified one;
the ward's officer takes the inspection on site, signs the record and sends the report; the three
documents print (HTML, and the A4 PDF behind «Tải PDF»).

The two certified officers (the ward's handler, the department's handler seconded to the team)
get their training certificates in the served database first, as the certificates page would
record them. At 360 px every page visited is checked for sideways scrolling."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from tests.e2e.conftest import TZ, BrowserGuard, LiveServer, no_horizontal_scroll
from tests.e2e.test_practice_loop import sign_in
from tests.e2e.test_workspace import do

WIDTHS = [pytest.param(1280, id="desktop"), pytest.param(360, id="360px")]
DOCUMENTS = {
    "inspection_decision": "QUYẾT ĐỊNH KIỂM TRA",
    "inspection_record": "BIÊN BẢN KIỂM TRA",
    "inspection_report": "BÁO CÁO KẾT QUẢ KIỂM TRA",
}


def certified_staff(live: LiveServer, certify: tuple[str, ...]) -> dict[str, tuple[int, str]]:
    """username → (id, full name) of the ward's staff and the department's handler; a valid
    measurement certificate for each of `certify` that has none."""
    from casework.accounts.models import User
    from casework.certificates.models import Certificate
    from casework.db import make_engine

    engine = make_engine(live.database_url)
    try:
        with Session(engine) as session:
            users = {
                u.username: u
                for u in session.exec(select(User)).all()
                if u.username.startswith("badinh.") or u.username == "hni.handler"
            }
            for name in certify:
                user = users[name]
                valid = session.exec(
                    select(Certificate).where(
                        Certificate.user_id == user.id,
                        Certificate.field == "Đo lường",
                        Certificate.revoked == False,  # noqa: E712
                    )
                ).first()
                if valid is None:
                    session.add(Certificate(
                        user_id=user.id or 0, field="Đo lường", issuer="Ủy ban Tiêu chuẩn Đo "
                        "lường Chất lượng quốc gia", course="Bồi dưỡng nghiệp vụ kiểm tra nhà "
                        "nước về đo lường", number=f"E2E-{name}", issued_on=date(2025, 10, 1),
                    ))  # fmt: skip
            session.commit()
            return {n: (u.id or 0, u.full_name) for n, u in users.items()}
    finally:
        engine.dispose()


class Walk:
    def __init__(self, page: Page, width: int, shoot: Callable[..., Path], docs: Path) -> None:
        self.page, self.width, self.shoot, self.docs, self.shots = page, width, shoot, docs, 0
        page.set_viewport_size({"width": width, "height": 800 if width > 400 else 740})

    def seen(self) -> None:
        self.page.wait_for_load_state("networkidle")
        if self.width <= 400:
            no_horizontal_scroll(self.page)

    def shot(self) -> None:
        self.shots += 1
        label = "desktop" if self.width > 400 else "360"
        path = self.shoot(self.page, f"{label}-{self.shots}")
        shutil.copy(path, self.docs / f"journey-inspection-{label}-{self.shots}.png")


@pytest.mark.parametrize("width", WIDTHS)
def test_plan_open_team_record_print(
    page: Page,
    base_url: str,
    live_server: LiveServer,
    width: int,
    guard: BrowserGuard,
    screenshot: Callable[..., Path],
    docs_screenshots: Path,
) -> None:
    staff = certified_staff(live_server, certify=("badinh.handler", "hni.handler"))
    walk = Walk(page, width, screenshot, docs_screenshots)
    tag = f"{live_server.backend}-{width}"
    shop = f"Chợ Ngọc Hà ({tag})"

    # the chairperson adds the year's plan and a market to it
    sign_in(page, base_url, "badinh.leader")
    nav = page.get_by_role("navigation", name="Chính")
    nav.get_by_role("link", name="Kiểm tra", exact=True).click()
    expect(page.get_by_role("heading", name="Kiểm tra", exact=True)).to_be_visible()
    walk.seen()
    page.get_by_text("Thêm kế hoạch kiểm tra năm").click()
    page.get_by_label("Số, ký hiệu văn bản phê duyệt").fill(f"{tag}/KH-UBND")
    page.get_by_label("Ngày phê duyệt").fill(date.today().replace(day=1).isoformat())
    page.get_by_label("Người phê duyệt (Chủ tịch UBND)").fill(staff["badinh.leader"][1])
    page.get_by_role("button", name="Lưu kế hoạch").click()
    expect(page.get_by_role("status")).to_contain_text("Đã lưu kế hoạch")
    plan = page.locator("section.plan", has_text=f"{tag}/KH-UBND")
    plan.get_by_text("Thêm cơ sở vào kế hoạch").click()
    plan.get_by_label("Nội dung kiểm tra (thủ tục)").select_option("XA-DL-KTNN")
    plan.get_by_label("Tháng kiểm tra").fill(str(date.today().month))
    plan.get_by_label("Tên cơ sở, hộ kinh doanh").fill(shop)
    plan.get_by_label("Địa chỉ").fill("Phố Hoàng Hoa Thám, phường Ba Đình")
    plan.get_by_label("Mặt hàng, lĩnh vực kinh doanh").fill("Rau quả, thịt cá")
    plan.get_by_role("button", name="Thêm vào kế hoạch").click()
    expect(page.get_by_role("status")).to_contain_text("Đã thêm cơ sở")
    walk.seen()
    walk.shot()

    # opens the inspection from the plan line: the establishment, none of the one-stop desk
    line = page.locator("li", has_text=shop)
    line.get_by_role("link", name="Mở cuộc kiểm tra").click()
    expect(page.get_by_text(shop)).to_be_visible()
    walk.seen()
    page.get_by_role("button", name="Mở cuộc kiểm tra").click()
    expect(page.locator("#message")).to_contain_text("Đã mở cuộc kiểm tra")
    expect(page.locator("#establishment")).to_contain_text(shop)
    for one_stop in ("Mẫu 01", "Người nộp", "Tiếp nhận hồ sơ"):
        expect(page.locator("main")).not_to_contain_text(one_stop)
    code = re.search(r"/dossiers/([^/?#]+)", page.url).group(1)  # type: ignore[union-attr]
    walk.seen()

    # names a team whose head has no certificate: refused, naming them; then a certified one
    page.get_by_role("link", name="Ký quyết định kiểm tra").click()
    at = (datetime.now(TZ) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Số, ký hiệu quyết định").fill("27/QĐ-UBND")
    page.get_by_label("Thời gian kiểm tra").fill(at)
    page.locator("#member_0").select_option(str(staff["badinh.receiver"][0]))
    page.locator("#role_0").select_option("head")
    page.locator("#member_1").select_option(str(staff["hni.handler"][0]))
    page.locator("#role_1").select_option("technical")
    guard.expect(422, f"/inspections/{code}/decision")
    page.get_by_role("button", name="Ký quyết định kiểm tra").click()
    expect(page.get_by_role("alert")).to_contain_text(staff["badinh.receiver"][1])
    expect(page.locator("#err-member_0")).to_contain_text("chưa có chứng chỉ")
    expect(page.get_by_label("Số, ký hiệu quyết định")).to_have_value("27/QĐ-UBND")  # kept
    walk.seen()
    walk.shot()
    page.locator("#member_0").select_option(str(staff["badinh.handler"][0]))
    page.get_by_role("button", name="Ký quyết định kiểm tra").click()
    expect(page.locator("#message")).to_contain_text("Đã ký quyết định kiểm tra")
    expect(page.locator("#team")).to_contain_text(staff["badinh.handler"][1])
    expect(page.locator("#team")).to_contain_text(staff["hni.handler"][1])
    walk.seen()

    # the ward's officer inspects, signs the record, concludes and reports
    sign_in(page, base_url, "badinh.handler")
    page.goto(f"{base_url}/dossiers/{code}")
    do(page, "finish_inspection", fill={"co_so": shop, "so_phuong_tien_do": "3"})
    do(page, "sign_record", select={"ket_luan": "Đạt yêu cầu"})
    do(page, "conclude_compliant")
    do(page, "send_report", fill={"result_summary": "Kiểm tra 03 cân: đạt yêu cầu."})
    walk.seen()
    walk.shot()

    # the three documents print: the page's links, then the PDF behind «Tải PDF»
    for kind, title in DOCUMENTS.items():
        page.locator(f'a[href="/dossiers/{code}/slips/{kind}"]').first.click()
        expect(page.locator("h1")).to_have_text(title)
        expect(page.locator("article")).to_contain_text(staff["badinh.handler"][1])
        expect(page.locator("svg.qr")).to_be_visible()
        walk.seen()
        if kind == "inspection_decision":
            walk.shot()
        pdf = page.request.get(f"{base_url}/dossiers/{code}/slips/{kind}.pdf")
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF")
        page.get_by_role("link", name="← Quay lại").click()
        expect(page.locator("#state")).to_contain_text("Kết thúc kiểm tra")


@pytest.mark.parametrize("width", WIDTHS)
def test_quality_team_needs_half_controllers(
    page: Page,
    base_url: str,
    live_server: LiveServer,
    width: int,
    guard: BrowserGuard,
    screenshot: Callable[..., Path],
    docs_screenshots: Path,
) -> None:
    """A goods-quality inspection: the decision asks no certificate but half the team to be
    kiểm soát viên chất lượng (Luật CLSPHH 2007 Điều 48 khoản 2) — one of three is refused with
    the names, two of three sign; the decision prints no form number."""
    staff = certified_staff(live_server, certify=())
    walk = Walk(page, width, screenshot, docs_screenshots)
    shop = f"Cửa hàng Mũ bảo hiểm Phúc Lộc ({live_server.backend}-{width})"
    sign_in(page, base_url, "badinh.leader")
    page.goto(f"{base_url}/inspections/new?procedure=XA-CL-HHLT")
    page.get_by_label("Căn cứ kiểm tra đột xuất").select_option("complaint")
    page.get_by_label("Nội dung phản ánh hoặc văn bản chỉ đạo").fill("Người dân phản ánh mũ vỡ.")
    page.get_by_label("Tên cơ sở, hộ kinh doanh").fill(shop)
    page.get_by_role("button", name="Mở cuộc kiểm tra").click()
    expect(page.locator("#message")).to_contain_text("Đã mở cuộc kiểm tra")
    code = re.search(r"/dossiers/([^/?#]+)", page.url).group(1)  # type: ignore[union-attr]
    page.get_by_role("link", name="Ký quyết định kiểm tra").click()
    expect(page.locator("#team-rule")).to_contain_text("Điều 48 khoản 2")
    expect(page.locator("#team-rule")).not_to_contain_text("chứng chỉ")
    at = (datetime.now(TZ) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Số, ký hiệu quyết định").fill("31/QĐ-UBND")
    page.get_by_label("Thời gian kiểm tra").fill(at)
    for i, (name, role) in enumerate((("badinh.handler", "head"), ("badinh.receiver", "member"),
                                      ("hni.handler", "member"))):  # fmt: skip
        page.locator(f"#member_{i}").select_option(str(staff[name][0]))
        page.locator(f"#role_{i}").select_option(role)
    controllers = page.locator("#controllers")  # ticked as remembered: set each one here
    for name, ticked in (("badinh.handler", True), ("badinh.receiver", False),
                         ("hni.handler", False)):  # fmt: skip
        controllers.locator(f'input[value="{staff[name][0]}"]').set_checked(ticked)
    walk.seen()
    guard.expect(422, f"/inspections/{code}/decision")
    page.get_by_role("button", name="Ký quyết định kiểm tra").click()
    expect(page.locator("#err-team")).to_contain_text("cần ít nhất 2")
    expect(page.locator("#err-team")).to_contain_text(staff["hni.handler"][1])
    expect(controllers.locator(f'input[value="{staff["badinh.handler"][0]}"]')).to_be_checked()
    walk.seen()
    screenshot(page, "quality-refused")
    controllers.locator(f'input[value="{staff["hni.handler"][0]}"]').check()
    page.get_by_role("button", name="Ký quyết định kiểm tra").click()
    expect(page.locator("#message")).to_contain_text("Đã ký quyết định kiểm tra")
    expect(page.locator("#team")).to_contain_text(staff["hni.handler"][1])
    page.locator(f'a[href="/dossiers/{code}/slips/inspection_decision"]').first.click()
    expect(page.locator("article")).to_contain_text("kiểm soát viên chất lượng")
    expect(page.locator("#form-number")).to_have_count(0)  # no đo lường form number
    walk.seen()
    screenshot(page, "quality-decision")
