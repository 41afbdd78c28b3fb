"""Staff journeys in a real Chromium, through the UI only (clicks, fills, selects; the only URL
typed is the sign-in page): the department receiver, handler and leader of Sở KH&CN Hà Nội and
the commune staff of Ba Đình with an inspection. Each journey runs at desktop width (1280 × 800)
and in a 360 px phone window, where no page may scroll sideways. Screenshots go to
docs/screenshots/journey-<role>-<desktop|360>-<n>.png once the journey's asserts have passed."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from casework.demo import DEMO_PASSWORD

from .conftest import LiveServer, no_horizontal_scroll
from .test_journey_inspection import certified_staff

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
XRAY = "2.002131"
DUE = re.compile(r"(\d{2}):(\d{2}) (\d{2})/(\d{2})/(\d{4})")  # 17:00 14/12/2026


class Walk:
    """One journey's browser: the page, its width, what it has seen and its screenshots."""

    def __init__(
        self,
        page: Page,
        variant: str,
        base_url: str,
        tmp_path: Path,
        shoot: Callable[..., Path],
        docs: Path,
    ) -> None:
        self.page = page
        self.variant = variant
        self.base_url = base_url
        self.tmp_path = tmp_path
        self._shoot = shoot
        self._docs = docs
        self._shots: list[tuple[Path, str]] = []

    @property
    def phone(self) -> bool:
        return self.variant == "360"

    def seen(self) -> None:
        """Every page the journey reaches: settled, and at 360 px never wider than the window."""
        self.page.wait_for_load_state("networkidle")
        if self.phone:
            no_horizontal_scroll(self.page)

    def shot(self, role: str, n: int) -> None:
        path = self._shoot(self.page, f"{role}-{n}")
        self._shots.append((path, f"journey-{role}-{self.variant}-{n}.png"))

    def publish(self) -> None:
        """Copy the journey's screenshots to docs/screenshots (only once every assert passed)."""
        for path, name in self._shots:
            shutil.copy(path, self._docs / name)

    def pdf(self, name: str) -> Path:
        path = self.tmp_path / name
        path.write_bytes(PDF)
        return path


@pytest.fixture(params=["desktop", "360"])
def walk(
    request: pytest.FixtureRequest,
    page: Page,
    base_url: str,
    tmp_path: Path,
    screenshot: Callable[..., Path],
    docs_screenshots: Path,
) -> Walk:
    if request.param == "360":
        chosen: Page = request.getfixturevalue("phone")
    else:
        page.set_viewport_size(DESKTOP)
        chosen = page
    return Walk(chosen, request.param, base_url, tmp_path, screenshot, docs_screenshots)


# --- steps a user takes --------------------------------------------------------------------


def sign_in(w: Walk, username: str) -> None:
    """Sign in; the first time by the sign-in page's address, later through "Đăng xuất"."""
    page = w.page
    logout = page.get_by_role("button", name="Đăng xuất")
    if page.url.startswith(w.base_url) and logout.count():
        logout.click()
    else:
        page.goto(f"{w.base_url}/login")
    expect(page.get_by_role("button", name="Đăng nhập")).to_be_visible()
    w.seen()
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Hồ sơ", exact=True)).to_be_visible()
    w.seen()


def to_queue(w: Walk) -> None:
    """Back to the work queue by the header's "Hồ sơ" link."""
    w.page.get_by_role("navigation", name="Chính").get_by_role("link", name="Hồ sơ").click()
    expect(w.page.get_by_role("heading", name="Hồ sơ", exact=True)).to_be_visible()
    w.seen()


QUEUE_422 = (
    "the queue's filter form sends its empty date fields (received_from=&received_to=), "
    "GET /dossiers answers 422 'Dữ liệu gửi lên chưa đúng' (src/casework/dossiers/views.py "
    "queue_page: `received_from: date | None` cannot parse ''), and htmx swaps that error page "
    "over #queue, so the next filter change has no target (htmx:targetError): no filter works"
)


def filter_queue(w: Walk, change: Callable[[], object]) -> None:
    """Change one filter of the queue; the list is redrawn in place by htmx."""
    with w.page.expect_response(lambda r: "/dossiers?" in r.url) as answer:
        change()
    assert answer.value.status == 200, f"{QUEUE_422} (got {answer.value.status})"
    expect(w.page.locator("#queue"), QUEUE_422).to_be_visible()


def find_in_queue(w: Walk, text: str, *, tab: str | None = None, state: str | None = None) -> None:
    """Narrow the queue with its filters until `text` shows, then open that dossier."""
    page = w.page
    if tab:
        page.get_by_role("navigation", name="Hàng việc").get_by_role(
            "link", name=re.compile(tab)
        ).click()
        expect(page.locator("nav.tabs a.current")).to_contain_text(tab)
        w.seen()
    if state:
        filter_queue(w, lambda: page.locator("form.filters #state").select_option(label=state))
    filter_queue(w, lambda: page.locator("#q").fill(text))
    card = page.locator("#queue li.card", has_text=text)
    expect(card).to_have_count(1)
    expect(page.locator("#queue li.card")).to_have_count(1)  # the filters narrowed to it
    if state:
        expect(card).to_contain_text(f"Bước: {state}")
    w.seen()
    card.locator("a").first.click()
    expect(page.locator("#state")).to_be_visible()
    w.seen()


def act(
    w: Walk,
    action: str,
    fill: dict[str, str] | None = None,
    check: list[str] | None = None,
    select: dict[str, str] | None = None,
) -> None:
    """Open the action's box on the dossier page, fill it, submit it, see it done; a slip the
    action promises ("— in Mẫu 01 …") is then offered on the timeline."""
    box = w.page.locator(f"#action-{action}")
    box.locator("summary").click()
    promised = re.search(r"— in (.+)$", box.locator("summary").inner_text().strip())
    for key, value in (fill or {}).items():
        box.locator(f"#{action}-{key}").fill(value)
    for key, value in (select or {}).items():
        box.locator(f"#{action}-{key}").select_option(value)
    for value in check or []:
        box.locator(f"input[type=checkbox][value={value}]").check()
    w.seen()
    # wait for this action's own answer: the previous action's «Đã thực hiện» is still on the
    # page until htmx swaps the dossier, and the next step must not act on the old page
    with w.page.expect_response(
        lambda r: r.request.method == "POST" and f"/actions/{action}" in r.url
    ):
        box.locator("button[type=submit]").click()
    expect(w.page.locator("#message")).to_contain_text("Đã thực hiện")
    w.seen()
    if promised:
        last = w.page.locator("#timeline > li").last
        expect(last.get_by_role("link", name=f"In {promised[1]}"), promised[1]).to_be_visible()


def open_dossier(
    w: Walk,
    applicant: str,
    *,
    procedure: str = XRAY,
    shoot: str | None = None,
    received_at: str | None = None,
) -> str:
    """+ Hồ sơ mới, choose the procedure (its documents come by htmx), fill the applicant,
    attach a PDF to every required document (`received_at`, "YYYY-MM-DDTHH:MM": the reception
    instant typed instead of now), open it; return the new code."""
    page = w.page
    page.get_by_role("link", name="+ Hồ sơ mới").click()
    expect(page.get_by_role("heading", name="Hồ sơ mới")).to_be_visible()
    expect(page.locator("#documents")).to_contain_text("Chọn thủ tục để thấy danh sách giấy tờ")
    w.seen()
    with page.expect_response(lambda r: "/dossiers/new?" in r.url) as answer:
        page.locator("#procedure").select_option(procedure)
    assert answer.value.status == 200, f"the documents fragment answered {answer.value.status}"
    expect(page.locator("#documents")).not_to_contain_text("Chọn thủ tục")
    required = page.locator("#documents li", has_text="(bắt buộc)")
    if procedure == XRAY:
        expect(required).to_have_count(1)
        expect(required).to_contain_text("Phiếu khai báo thiết bị X-quang chẩn đoán trong y tế")
    page.get_by_role("radio", name="Tổ chức").check()
    page.get_by_label("Họ tên / tên tổ chức").fill(applicant)
    page.get_by_label("Địa chỉ").fill("12 Kim Mã, phường Ba Đình, Hà Nội")
    page.get_by_label("Điện thoại").fill("0243 826 1234")
    files = required.count()
    for i in range(files):
        required.nth(i).locator("input[type=file]").set_input_files(
            str(w.pdf(f"tai-lieu-{i + 1}.pdf"))
        )
    if received_at:
        page.locator("#received_at").fill(received_at)
    w.seen()
    if shoot:
        w.shot(shoot, 1)
    page.get_by_role("button", name="Mở hồ sơ").click()
    expect(page.get_by_text("Đã mở hồ sơ.")).to_be_visible()
    w.seen()
    code = page.locator("h1").inner_text()
    assert re.fullmatch(r"[A-Z]+\.[A-Z]+-\d{6}-\d{4}", code), code
    expect(page.locator("#dossier")).to_contain_text(applicant)
    for i in range(files):
        expect(page.get_by_role("link", name=f"tai-lieu-{i + 1}.pdf")).to_be_visible()
    return code


def due_of(page: Page) -> datetime:
    """The due instant the dossier page shows (HH:MM dd/mm/yyyy)."""
    text = page.locator("#due strong").first.inner_text()
    m = DUE.search(text)
    assert m, f"no due date in {text!r}"
    hour, minute, day, month, year = (int(x) for x in m.groups())
    return datetime(year, month, day, hour, minute)


# --- the journeys ----------------------------------------------------------------------------


def test_receiver_opens_a_dossier_with_documents_and_prints_the_receipt(walk: Walk) -> None:
    page = walk.page
    sign_in(walk, "hni.receiver")
    applicant = f"Phòng khám Răng Hàm Mặt Kim Mã ({walk.variant})"
    code = open_dossier(walk, applicant, shoot="receiver")
    assert code.startswith("SKHCN.HNI-"), code
    expect(page.locator("#state")).to_have_text("Tiếp nhận hồ sơ")
    expect(page.locator("#due")).to_contain_text("17:00")
    expect(page.locator("#action-accept summary")).to_contain_text("Mẫu 01")

    act(walk, "accept")
    expect(page.locator("#state")).to_have_text("Thẩm định hồ sơ")
    expect(page.locator("#bucket")).to_contain_text(re.compile(r"Còn \d+ ngày làm việc"))
    due = due_of(page)
    assert due.hour == 17 and due.minute == 0, due
    assert due > datetime.now(), f"a fresh dossier is due {due}, in the past"
    walk.shot("receiver", 2)

    page.locator("#timeline").get_by_role("link", name=re.compile("Mẫu 01")).click()
    expect(page.get_by_text(applicant).first).to_be_visible()
    expect(page.get_by_text(code).first).to_be_visible()
    # the appointment on the slip is the due date on the dossier page
    expect(page.locator("main.sheet")).to_contain_text(f"17 giờ 00 phút, ngày {due:%d/%m/%Y}")
    walk.seen()
    walk.shot("receiver", 3)
    pdf_link = page.get_by_role("link", name="Tải PDF")
    expect(pdf_link).to_be_visible()
    href = pdf_link.get_attribute("href")
    assert href, "the Tải PDF link has no address"
    answer = page.request.get(f"{walk.base_url}{href}" if href.startswith("/") else href)
    assert answer.status == 200, f"Tải PDF answered {answer.status}: {answer.text()[:300]}"
    assert answer.headers["content-type"].startswith("application/pdf"), answer.headers
    assert answer.body().startswith(b"%PDF"), answer.body()[:20]

    page.get_by_role("link", name="← Quay lại").click()
    expect(page.locator("h1")).to_have_text(code)
    walk.seen()
    # back in the queue, the dossier waits for the handler (no longer "Việc của tôi")
    to_queue(walk)
    find_in_queue(walk, applicant, tab="Cả đơn vị", state="Thẩm định hồ sơ")
    expect(page.locator("h1")).to_have_text(code)
    # the receiver's only action left is a withdrawal on request; reviewing is the handler's
    expect(page.locator("details.action")).to_have_count(1)
    expect(page.locator("#action-withdraw summary")).to_contain_text("Rút hồ sơ")
    walk.publish()


def test_handler_requests_a_supplement_and_the_due_waits(walk: Walk) -> None:
    page = walk.page
    applicant = f"Bệnh viện Đa khoa Tràng An ({walk.variant})"
    sign_in(walk, "hni.receiver")
    code = open_dossier(walk, applicant)
    act(walk, "accept")

    sign_in(walk, "hni.handler")
    find_in_queue(walk, applicant, state="Thẩm định hồ sơ")
    expect(page.locator("h1")).to_have_text(code)
    expect(page.locator("#bucket")).to_contain_text(re.compile(r"Còn \d+ ngày làm việc"))
    due_before = due_of(page)
    page.locator("summary", has_text="Vì sao là ngày này?").click()
    expect(page.locator(".trace")).to_contain_text("Hạn giải quyết")
    walk.shot("handler", 1)
    act(
        walk,
        "request_supplement",
        fill={"reason": "Thiếu số sê-ri và năm sản xuất của máy X-quang răng"},
        check=["phieu_khai_bao"],
    )
    expect(page.locator("#state")).to_have_text("Chờ bổ sung hồ sơ")
    expect(page.locator("#bucket")).to_have_text("Đang tạm dừng")
    expect(page.locator("#dossier")).to_contain_text("Yêu cầu bổ sung")
    pauses = page.locator("#h-steps ~ ul li, section[aria-labelledby=h-steps] ul li")
    expect(pauses.first).to_contain_text("đang dừng")
    expect(pauses.first).to_contain_text("Thiếu số sê-ri")
    expect(page.locator("#action-request_supplement")).to_have_count(0)  # asked once, waits
    walk.shot("handler", 2)
    page.locator("#timeline").get_by_role("link", name=re.compile("Mẫu 02")).click()
    expect(page.locator("main.sheet")).to_contain_text("Thiếu số sê-ri và năm sản xuất")
    expect(page.locator("main.sheet")).to_contain_text(
        "Phiếu khai báo thiết bị X-quang chẩn đoán trong y tế"
    )
    walk.seen()
    page.get_by_role("link", name="← Quay lại").click()
    expect(page.locator("h1")).to_have_text(code)
    walk.seen()

    sign_in(walk, "hni.receiver")
    find_in_queue(walk, applicant, tab="Chờ người nộp", state="Chờ bổ sung hồ sơ")
    expect(page.locator("#bucket")).to_have_text("Đang tạm dừng")
    act(walk, "receive_supplement")
    expect(page.locator("#state")).to_have_text("Thẩm định hồ sơ")
    expect(page.locator("#bucket")).to_contain_text(re.compile(r"Còn \d+ ngày làm việc"))
    expect(pauses.first).not_to_contain_text("đang dừng")
    expect(pauses.first).to_contain_text("→")
    due_after = due_of(page)
    # The due moves later by the paused working time: the trace says how much was added.
    page.locator("summary", has_text="Vì sao là ngày này?").click()
    trace = page.locator(".trace").inner_text()
    added = [int(m) for m in re.findall(r"Tạm dừng từ .*?cộng thêm (\d+) phút làm việc", trace)]
    if added and added[0] > 0:
        assert due_after > due_before, f"{added[0]} min paused, due {due_before} → {due_after}"
    else:  # a pause of seconds, or outside working hours, adds nothing
        assert due_after == due_before, f"nothing paused, yet due {due_before} → {due_after}"
    walk.shot("handler", 3)
    walk.publish()


def test_leader_signs_one_and_refuses_another(walk: Walk) -> None:
    page = walk.page
    signed = f"Phòng khám Đa khoa Hồng Hà ({walk.variant})"
    refused = f"Công ty TNHH Nha khoa Sao Mai ({walk.variant})"
    sign_in(walk, "hni.receiver")
    codes = {}
    for applicant in (signed, refused):
        codes[applicant] = open_dossier(walk, applicant)
        act(walk, "accept")
        to_queue(walk)

    sign_in(walk, "hni.handler")
    for applicant in (signed, refused):
        find_in_queue(walk, applicant, state="Thẩm định hồ sơ")
        act(
            walk,
            "submit_for_signing",
            select={"ket_qua_tham_dinh": "Đủ điều kiện xác nhận khai báo"},
            fill={"result_summary": "Xác nhận khai báo 01 máy X-quang răng toàn cảnh"},
        )
        expect(page.locator("#state")).to_have_text("Trình ký")
        to_queue(walk)

    sign_in(walk, "hni.leader")
    find_in_queue(walk, signed, state="Trình ký")
    expect(page.locator("h1")).to_have_text(codes[signed])
    expect(page.locator("#timeline")).to_contain_text("Xác nhận khai báo 01 máy X-quang")
    walk.shot("leader", 1)
    act(walk, "sign", fill={"decision_number": "125/XN-SKHCN"})
    expect(page.locator("#state")).to_have_text("Có kết quả, chờ trả")
    expect(page.locator("#timeline")).to_contain_text("125/XN-SKHCN")
    expect(page.locator("#action-sign")).to_have_count(0)  # signed once; the receiver hands it
    walk.shot("leader", 2)

    to_queue(walk)
    find_in_queue(walk, refused, state="Trình ký")
    expect(page.locator("h1")).to_have_text(codes[refused])
    reason = "Máy đặt tại phòng chưa được đánh giá che chắn bức xạ"
    act(walk, "refuse", fill={"reason": reason, "decision_number": "126/SKHCN-ATBX"})
    expect(page.locator("#state")).to_have_text("Không xác nhận, chờ trả văn bản")
    last = page.locator("#timeline > li").last
    expect(last).to_contain_text("Trình ký → Không xác nhận, chờ trả văn bản")
    expect(last).to_contain_text(reason)
    expect(last).to_contain_text("126/SKHCN-ATBX")
    walk.shot("leader", 3)

    # the receiver now has the refusal letter to hand back
    sign_in(walk, "hni.receiver")
    find_in_queue(walk, refused, state="Không xác nhận, chờ trả văn bản")
    expect(page.locator("#action-return_refusal summary")).to_contain_text(
        "Trả văn bản không xác nhận"
    )
    walk.publish()


def test_commune_inspection_from_decision_to_report(walk: Walk, live_server: LiveServer) -> None:
    # the team's head (the ward's officer) and technical member (the department's officer,
    # seconded) hold a measurement certificate, as the certificates page would record it
    staff = certified_staff(live_server, certify=("badinh.handler", "hni.handler"))
    page = walk.page
    shop = f"Cửa hàng tạp hóa Minh Phương — kiểm tra cân ({walk.variant})"
    sign_in(walk, "badinh.leader")
    # the demo inspection of Chợ Ngọc Hà is under way in the unit
    find_in_queue(walk, "Chợ Ngọc Hà — kiểm tra cân", tab="Cả đơn vị")
    expect(page.locator("#state")).to_have_text("Kiểm tra tại cơ sở")
    to_queue(walk)
    # an inspection opens from the plan or ad hoc, never with the applicant form (issue 15)
    page.get_by_role("link", name="+ Cuộc kiểm tra").click()
    page.get_by_role("link", name="+ Kiểm tra đột xuất").click()
    walk.seen()
    page.get_by_label("Nội dung kiểm tra (thủ tục)").select_option("XA-DL-KTNN")
    page.get_by_label("Căn cứ kiểm tra đột xuất").select_option("complaint")
    page.get_by_label("Nội dung phản ánh hoặc văn bản chỉ đạo").fill("Người mua phản ánh cân thiếu")
    page.get_by_label("Tên cơ sở, hộ kinh doanh").fill(shop)
    walk.shot("commune", 1)
    page.get_by_role("button", name="Mở cuộc kiểm tra").click()
    expect(page.locator("#state")).to_have_text("Ra quyết định kiểm tra")
    code = page.locator("h1").inner_text()
    assert code.startswith("HNI.BADINH-"), code
    # the decision names the team, the time and the place
    page.get_by_role("link", name="Ký quyết định kiểm tra").click()
    page.get_by_label("Số, ký hiệu quyết định").fill("15/QĐ-UBND")
    at = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) - timedelta(hours=1)
    page.get_by_label("Thời gian kiểm tra").fill(at.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#member_0").select_option(str(staff["badinh.handler"][0]))
    page.locator("#member_1").select_option(str(staff["hni.handler"][0]))
    walk.seen()
    page.get_by_role("button", name="Ký quyết định kiểm tra").click()
    expect(page.locator("#state")).to_have_text("Kiểm tra tại cơ sở")
    walk.shot("commune", 2)

    sign_in(walk, "badinh.handler")
    find_in_queue(walk, shop, state="Kiểm tra tại cơ sở")
    act(walk, "finish_inspection", fill={"co_so": shop, "so_phuong_tien_do": "4"})
    expect(page.locator("#state")).to_have_text("Lập biên bản kiểm tra")
    act(walk, "sign_record", select={"ket_luan": "Đạt yêu cầu"})
    expect(page.locator("#state")).to_have_text("Xử lý kết quả kiểm tra")
    act(walk, "conclude_compliant")
    expect(page.locator("#state")).to_have_text("Báo cáo kết quả")
    act(
        walk,
        "send_report",
        fill={"result_summary": "Kiểm tra 01 cơ sở, 04 cân: đạt yêu cầu, không có vi phạm"},
    )
    expect(page.locator("#state")).to_have_text("Kết thúc kiểm tra")
    expect(page.locator("#dossier")).to_contain_text("(hồ sơ đã kết thúc)")
    expect(page.locator("#timeline")).to_contain_text("15/QĐ-UBND")
    expect(page.locator("#timeline")).to_contain_text("Đạt yêu cầu")
    walk.shot("commune", 3)

    # every "In …" link on the finished inspection opens (the guard fails a 404 or a 500)
    links = page.locator("#timeline a", has_text=re.compile(r"^In "))
    for i in range(links.count()):
        links.nth(i).click()
        walk.seen()
        page.go_back()
        expect(page.locator("#state")).to_have_text("Kết thúc kiểm tra")
    walk.publish()
