"""Oversight journeys in Chromium, through the UI only, at desktop width and at 360 px:

- the auditor reads the timeliness report (every row reconciles), drills down from a number to
  the list of exactly that many dossiers, downloads the XLSX and CSV and finds the page's totals
  in them, then filters the audit log (the list refreshes through htmx) and exports it;
- the admin creates a user (a rejected password first: the form keeps what was typed and says
  why), finds them in the list, and adds a day off to the calendar;
- a trainee plays a scenario, the mentor finds the run in the review queue, comments on a step
  and gives a verdict, and the trainee finds the comment and the verdict.

Each journey signs in and then only clicks, fills and selects; at 360 px every page visited is
checked for sideways scrolling. A few screenshots per journey go to docs/screenshots/.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.e2e.conftest import BrowserGuard, no_horizontal_scroll
from tests.e2e.test_practice_loop import sign_in
from tests.e2e.test_workspace import do

WIDTHS = [pytest.param(1280, id="desktop"), pytest.param(360, id="360px")]

#: the timeliness table's number columns after the row header, as on the page
COLUMNS = [
    "to_handle", "carried", "received", "finished", "early", "on_time", "late", "unrated", "rate",
    "in_progress", "on_track", "due_soon", "overdue", "paused", "not_started",
]  # fmt: skip
PARTS = ["on_track", "due_soon", "overdue", "paused", "not_started"]
#: the same figures in the exports, by header
EXPORT_HEADERS = {
    "to_handle": "Tổng số phải giải quyết",
    "carried": "Kỳ trước chuyển sang",
    "received": "Tiếp nhận trong kỳ",
    "finished": "Giải quyết xong",
    "early": "Trước hạn",
    "on_time": "Đúng hạn",
    "late": "Trễ hạn",
    "unrated": "Kết thúc khi chưa tính hạn",
    "on_track": "Còn hạn",
    "due_soon": "Sắp đến hạn",
    "overdue": "Quá hạn",
    "paused": "Đang tạm dừng (chưa quá hạn)",
    "not_started": "Chưa bắt đầu tính thời hạn",
}


class Journey:
    """One user's walk: the page at a width, a check of every page at 360 px, and shots."""

    def __init__(self, page: Page, width: int, name: str, shoot: Callable[..., Path],
                 docs: Path) -> None:  # fmt: skip
        self.page = page
        self.width = width
        self.name = name
        self.shoot = shoot
        self.docs = docs
        self.shots = 0
        page.set_viewport_size({"width": width, "height": 800 if width > 400 else 740})

    @property
    def label(self) -> str:
        return "desktop" if self.width > 400 else "360"

    def seen(self) -> None:
        """The page the user is on now: no sideways scroll at 360 px."""
        self.page.wait_for_load_state("networkidle")
        if self.width <= 400:
            no_horizontal_scroll(self.page)

    def shot(self) -> None:
        """A screenshot for the docs (taken after the asserts of the page passed)."""
        self.shots += 1
        path = self.shoot(self.page, f"{self.label}-{self.shots}")
        shutil.copy(path, self.docs / f"journey-{self.name}-{self.label}-{self.shots}.png")


def number(text: str) -> int:
    """A count as the page writes it ("1.234", "12", "" for none)."""
    digits = re.sub(r"\D", "", text)
    return int(digits) if digits else 0


def read_report(page: Page) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The timeliness table's rows and total row, read from the cells the user sees."""
    raw = page.locator("table.report").first.evaluate(
        """t => [...t.querySelectorAll('tbody tr, tfoot tr')].map(tr => ({
             total: tr.parentElement.tagName === 'TFOOT',
             code: (tr.querySelector('th .meta') || {}).textContent || '',
             label: tr.querySelector('th').textContent.trim(),
             cells: [...tr.querySelectorAll('td')].map(td => td.textContent.trim()),
           }))"""
    )
    rows: list[dict[str, Any]] = []
    total: dict[str, Any] = {}
    for r in raw:
        values = {name: number(r["cells"][i]) for i, name in enumerate(COLUMNS) if name != "rate"}
        values["label"] = r["label"]
        values["code"] = r["code"].strip()
        if r["total"]:
            total = values
        else:
            rows.append(values)
    return rows, total


def assert_reconciles(row: dict[str, Any], where: str) -> None:
    name = f"{where} «{row['label'][:60]}»"
    assert row["to_handle"] == row["carried"] + row["received"], (
        f"{name}: Tổng số {row['to_handle']} ≠ kỳ trước {row['carried']} + tiếp nhận "
        f"{row['received']}"
    )
    assert row["to_handle"] == row["finished"] + row["in_progress"], (
        f"{name}: Tổng số phải giải quyết {row['to_handle']} ≠ Giải quyết xong {row['finished']}"
        f" + Đang giải quyết {row['in_progress']}"
    )
    assert row["finished"] == row["early"] + row["on_time"] + row["late"] + row["unrated"], (
        f"{name}: Giải quyết xong {row['finished']} ≠ trước hạn + đúng hạn + trễ hạn + chưa tính hạn"
    )
    parts = {p: row[p] for p in PARTS}
    assert row["in_progress"] == sum(parts.values()), (
        f"{name}: Đang giải quyết {row['in_progress']} ≠ tổng các phần {parts}"
    )


def export_rows(header: list[Any], body: list[list[Any]]) -> list[dict[str, Any]]:
    """The export's rows as {figure: value} (with "code" from the first column)."""
    index = {h: i for i, h in enumerate(header)}
    missing = [h for h in EXPORT_HEADERS.values() if h not in index]
    assert not missing, f"the export has no column {missing}: {header}"
    out = []
    for cells in body:
        row: dict[str, Any] = {
            k: int(float(cells[index[h]] or 0)) for k, h in EXPORT_HEADERS.items()
        }
        row["code"] = str(cells[0] or "")
        out.append(row)
    return out


def compare_export(kind: str, found: list[dict[str, Any]], rows: list[dict[str, Any]],
                   total: dict[str, Any]) -> None:  # fmt: skip
    assert len(found) == len(rows) + 1, (
        f"{kind}: {len(found) - 1} rows and a total, the page shows {len(rows)} rows"
    )
    for page_row, file_row in zip([*rows, total], found, strict=True):
        for key in EXPORT_HEADERS:
            assert file_row[key] == page_row[key], (
                f"{kind}, «{page_row['label'][:50]}»: {EXPORT_HEADERS[key]} is {file_row[key]} in "
                f"the file, {page_row[key]} on the page"
            )


def download(page: Page, link_name: str, tmp_path: Path) -> Path:
    with page.expect_download() as info:
        page.locator("main").get_by_role("link", name=link_name, exact=True).first.click()
    dl = info.value
    assert dl.failure() is None, dl.failure()
    path = tmp_path / dl.suggested_filename
    dl.save_as(path)
    return path


# --- 1. the auditor ------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_auditor_report_drill_down_exports_and_audit_log(
    page: Page,
    base_url: str,
    width: int,
    tmp_path: Path,
    screenshot: Callable[..., Path],
    docs_screenshots: Path,
) -> None:
    j = Journey(page, width, "auditor", screenshot, docs_screenshots)
    sign_in(page, base_url, "hni.auditor")
    j.seen()

    page.get_by_role("navigation", name="Chính").get_by_role(
        "link", name="Báo cáo", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiến độ giải quyết hồ sơ")
    expect(page.locator("#report .meta").first).to_contain_text("Sở Khoa học và Công nghệ Hà Nội")
    j.seen()
    rows, total = read_report(page)
    assert rows, "the timeliness report of Hà Nội has no rows on the demo data"
    for row in rows:
        assert_reconciles(row, "timeliness")
    assert_reconciles(total, "timeliness")
    for key in EXPORT_HEADERS:
        assert total[key] == sum(r[key] for r in rows), f"the total row's {key} is not the sum"
    j.shot()

    # drill down: a row's in-progress number opens the list of exactly those dossiers
    at = next((i for i, r in enumerate(rows) if 0 < r["in_progress"] <= 50), None)
    assert at is not None, f"no row with 1–50 dossiers in progress: {rows}"
    row = rows[at]
    tr = page.locator("table.report tbody tr").nth(at)
    tr.locator("td").nth(COLUMNS.index("in_progress")).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hồ sơ:")
    listed = page.locator("table.report tbody tr")
    expect(listed).to_have_count(row["in_progress"])
    expect(page.locator("#report > p.meta").first).to_contain_text(f"{row['in_progress']} hồ sơ")
    j.seen()
    j.shot()
    first = listed.first.locator("th a").first
    code = first.inner_text()
    first.click()
    expect(page.locator("h1")).to_have_text(code)
    j.seen()
    page.get_by_role("navigation", name="Chính").get_by_role(
        "link", name="Báo cáo", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiến độ giải quyết hồ sơ")

    # the exports carry the page's figures
    book = load_workbook(download(page, "XLSX", tmp_path), read_only=True)
    sheet = book.active
    assert sheet is not None
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(cells) if "Tổng số phải giải quyết" in r)
    notes = " ".join(str(r[0]) for r in cells[:at])
    assert "UTC" not in notes and "giờ Việt Nam" in notes, f"the XLSX's notes: {notes}"
    compare_export("XLSX", export_rows(cells[at], cells[at + 1 :]), rows, total)

    text = download(page, "CSV", tmp_path).read_bytes().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    compare_export("CSV", export_rows(table[0], table[1:]), rows, total)

    # the audit log: a filter select refreshes the list in place, and the export follows it
    page.get_by_role("navigation", name="Chính").get_by_role(
        "link", name="Nhật ký, kiểm tra"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhật ký hồ sơ")
    j.seen()
    log = page.locator("#results table.audit-log tbody tr")
    expect(log.first).to_be_visible()
    page.get_by_label("Loại nhật ký").select_option("action")
    page.wait_for_url(re.compile(r"/audit\?.*kind=action"))
    expect(page.get_by_label("Loại nhật ký")).to_have_value("action")
    expect(log.first).to_be_visible()
    kinds = log.locator("td.what .meta").first
    expect(kinds).to_have_text("Thao tác")
    j.seen()
    j.shot()
    shown = [
        (r.locator("td.dossier a").first.inner_text(), r.locator("td").last.inner_text())
        for r in log.all()[:5]
    ]
    text = download(page, "CSV", tmp_path).read_bytes().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    header, body = table[0], table[1:]
    assert body, "the audit log's CSV has no rows"
    kind_at, code_at, seq_at = (
        header.index("Loại nhật ký"), header.index("Mã hồ sơ"), header.index("Số thứ tự"),
    )  # fmt: skip
    assert {r[kind_at] for r in body} == {"Thao tác"}, "the export ignores the kind filter"
    for (code, seq), r in zip(shown, body, strict=False):
        assert (r[code_at], r[seq_at]) == (code, seq.split()[0].lstrip("#")), (
            f"the CSV's row {r[code_at]} #{r[seq_at]} is not the page's {code} {seq}"
        )


# --- 2. the admin --------------------------------------------------------------------------------


def first_weekday(year: int, month: int, weekday: int) -> date:
    """The first Monday (0) … Sunday (6) of a month."""
    day = date(year, month, 1)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


@pytest.mark.parametrize("width", WIDTHS)
def test_admin_creates_a_user_and_adds_a_calendar_day(
    page: Page,
    base_url: str,
    width: int,
    guard: BrowserGuard,
    screenshot: Callable[..., Path],
    docs_screenshots: Path,
) -> None:
    j = Journey(page, width, "admin", screenshot, docs_screenshots)
    username = f"tran.thi.lan.{width}"
    full_name = f"Trần Thị Lan {width}"
    sign_in(page, base_url, "hni.admin")
    j.seen()

    page.get_by_role("navigation", name="Chính").get_by_role("link", name="Quản trị").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Người dùng")
    j.seen()
    page.get_by_role("link", name="+ Người dùng mới").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Người dùng mới")
    j.seen()
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Họ tên").fill(full_name)
    page.locator("#roles input[value=handler]").check()
    password = page.locator("#password")

    # too short: the browser holds the form back and says why
    password.fill("lan2026")
    page.get_by_role("button", name="Tạo người dùng").click()
    assert password.evaluate("e => e.validity.tooShort"), "a 7-character password was sent"
    expect(page).to_have_url(re.compile(r"/admin/users/new$"))

    # long enough but too common: the server refuses, keeps the form and says why
    guard.expect(422, "/admin/users")
    password.fill("matkhau@123")
    page.get_by_role("button", name="Tạo người dùng").click()
    expect(page.locator("p.error[role=alert]")).to_contain_text("Chưa tạo được người dùng")
    expect(page.locator("#err-password")).to_contain_text("Mật khẩu quá phổ biến")
    expect(page.locator("#password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Tên đăng nhập")).to_have_value(username)
    expect(page.get_by_label("Họ tên")).to_have_value(full_name)
    expect(page.locator("#roles input[value=handler]")).to_be_checked()
    expect(page.locator("#roles input[value=receiver]")).to_be_checked()
    expect(password).to_have_value("")  # never echoed back
    j.seen()
    j.shot()

    password.fill("Lan-tiep-nhan-2026")
    page.get_by_role("button", name="Tạo người dùng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(full_name)
    expect(page.locator("p.notice[role=status]")).to_contain_text("Đã tạo tài khoản")
    j.seen()

    # the list finds them (the search box filters in place)
    page.get_by_role("navigation", name="Quản trị").get_by_role("link", name="Người dùng").click()
    page.get_by_label("Tên đăng nhập hoặc họ tên").fill("tran thi lan")  # without diacritics
    page.wait_for_url(re.compile(r"/admin/users\?.*q=tran"))
    card = page.locator("#users li.card").filter(has_text=username)
    expect(card).to_be_visible()
    expect(card).to_contain_text(full_name)
    expect(card).to_contain_text("Sở Khoa học và Công nghệ Hà Nội")
    j.seen()

    # the calendar: a day off next year (far from every open dossier's due date)
    page.get_by_role("navigation", name="Quản trị").get_by_role(
        "link", name="Lịch làm việc"
    ).click()
    year = int(page.get_by_label("Năm").input_value()) + 1
    page.get_by_label("Năm").select_option(str(year))
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Lịch làm việc năm {year}")
    j.seen()
    if width > 400:
        day, kind, name, label = first_weekday(year, 11, 0), "day_off", "Nghỉ bù (thử)", "Nghỉ"
    else:
        day, kind, name, label = first_weekday(year, 11, 5), "workday", "Làm bù (thử)", "Làm việc"
    page.locator("#day").fill(day.isoformat())
    page.locator(f"input[name=kind][value={kind}]").check()
    page.get_by_label("Tên / lý do").fill(name)
    page.get_by_role("button", name="Lưu ngày").click()
    expect(page.locator("#calendar p.notice")).to_contain_text(f"{day:%d/%m/%Y}")
    expect(page.locator("#calendar p.notice")).to_contain_text(
        "Không hồ sơ đang giải quyết nào đổi hạn"
    )
    listed = page.locator("table.calendar-days tbody tr").filter(has_text=f"{day:%d/%m/%Y}")
    expect(listed).to_have_count(1)
    expect(listed.locator("td").nth(1)).to_have_text(name)
    expect(listed.locator("td").nth(2)).to_have_text(label)
    expect(listed.locator("td").nth(3)).to_have_text("Riêng đơn vị")
    j.seen()
    j.shot()

    # and it can be taken back, leaving the calendar as it was — the button in sight on a phone
    # too (the rows stack as cards there instead of hiding a column behind a sideways scroll)
    box = listed.get_by_role("button", name="Bỏ").bounding_box()
    assert box and box["x"] + box["width"] <= page.viewport_size["width"], box
    listed.get_by_role("button", name="Bỏ").click()
    expect(page.locator("#calendar p.notice")).to_contain_text("Đã bỏ thay đổi lịch")
    expect(listed).to_have_count(0)
    j.seen()

    # the new user signs in with the password the admin gave
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("Lan-tiep-nhan-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("header .who")).to_have_text(full_name)
    j.seen()


# --- 3. the trainee and the mentor ---------------------------------------------------------------

SCENARIO = "Khai báo X-quang — người nộp thực ra xin giấy phép"
COMMENT = "Hồ sơ này là hồ sơ xin giấy phép: không tiếp nhận vào thủ tục khai báo."


@pytest.mark.parametrize("width", WIDTHS)
def test_trainee_plays_a_scenario_the_mentor_reviews_it_the_trainee_reads_the_review(
    page: Page,
    base_url: str,
    width: int,
    screenshot: Callable[..., Path],
    docs_screenshots: Path,
) -> None:
    j = Journey(page, width, "mentor", screenshot, docs_screenshots)
    menu = page.get_by_role("navigation", name="Chính")

    # the trainee starts the scenario from its card and falls into the trap: accepts
    sign_in(page, base_url, "hni.receiver")
    menu.get_by_role("link", name="Bài thực hành").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bài thực hành")
    j.seen()
    card = page.locator("li.card").filter(has_text=SCENARIO)
    expect(card).to_have_count(1)
    card.get_by_role("button", name="Bắt đầu bài này").click()
    expect(page.locator(".practice-banner")).to_be_visible()
    code = page.locator("h1").inner_text()
    assert code.startswith("LT-"), code
    expect(page.get_by_text("Bệnh viện Đa khoa Sông Hồng").first).to_be_visible()
    j.seen()
    do(page, "accept")
    expect(page.locator("#state")).to_have_text("Thẩm định hồ sơ")
    j.seen()  # also: every request of the page is done before the next click
    # and submits the run for review: the mentor's queue shows submitted runs by default
    box = page.locator("#submit-review")
    box.locator("#submit-note").fill("Em nhờ anh chị xem giúp bước tiếp nhận.")
    box.get_by_role("button", name="Nộp để nhận xét").click()
    expect(page.locator('[data-testid="submission"]')).to_contain_text(
        "Đã nộp, đang chờ cán bộ hướng dẫn nhận xét"
    )
    j.seen()
    page.get_by_role("link", name="Nhận xét, điểm của bài thực hành").click()
    expect(page.locator("#score")).to_contain_text("Điểm:")
    expect(page.locator(".fb-wrong").first).to_contain_text("Từ chối tiếp nhận")
    j.seen()
    j.shot()

    # the mentor finds the run at the top of the review queue, comments on the step, returns it
    sign_in(page, base_url, "bo.mentor")
    menu.get_by_role("link", name="Góp ý hồ sơ làm thử").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Góp ý hồ sơ làm thử")
    j.seen()
    run = page.locator("#review-queue li.card").filter(has_text=code)
    expect(run).to_contain_text(SCENARIO)  # the card names the scenario, the trainee, the wait
    expect(run).to_contain_text("Học viên:")
    expect(run).to_contain_text("Thẩm định hồ sơ")
    expect(run).to_contain_text("Em nhờ anh chị xem giúp bước tiếp nhận.")
    run.get_by_role("link", name=code).click()
    expect(page.locator("h1")).to_have_text(code)
    j.seen()
    step = page.locator("#timeline > li").filter(has_text="Tiếp nhận hồ sơ").last
    step.locator("summary", has_text="Góp ý cho dòng này").click()
    step.locator("textarea").fill(COMMENT)
    step.get_by_role("button", name="Gửi góp ý").click()
    expect(page.locator(".comment-text", has_text=COMMENT)).to_be_visible()
    j.seen()
    form = page.locator("#review-form")
    form.locator('input[value="redo"]').check()
    form.locator("#to_state").select_option("received")
    form.locator("#verdict-note").fill("Làm lại từ bước tiếp nhận; xem góp ý ở dòng tiếp nhận.")
    form.get_by_role("button", name="Gửi nhận xét").click()
    expect(page.locator("#verdict.verdict-redo")).to_be_visible()
    expect(page.locator("#state")).to_have_text("Tiếp nhận hồ sơ")
    j.seen()
    j.shot()
    menu.get_by_role("link", name="Góp ý hồ sơ làm thử").click()
    j.seen()
    page.locator("#f-status").select_option("reviewed")  # the queue's «Hiển thị» filter
    expect(page.locator("#review-queue li.card").filter(has_text=code)).to_contain_text("Làm lại")
    j.seen()

    # the trainee sees the comment among the notifications, opens it, and does it right
    sign_in(page, base_url, "hni.receiver")
    menu.get_by_role("link", name="Thông báo").click()
    note = page.locator("#reviews li.card").filter(has_text=code).filter(has_text=COMMENT)
    expect(note).to_have_count(1)
    j.seen()
    note.get_by_role("link", name=code).click()
    expect(page.locator("h1")).to_have_text(code)
    expect(page.locator("#verdict")).to_contain_text("Làm lại")
    expect(page.locator(".comment-text", has_text=COMMENT)).to_be_visible()
    j.seen()
    do(page, "refuse_reception", fill={"reason": "Hồ sơ đề nghị cấp giấy phép, nộp sai thủ tục"})
    expect(page.locator("#state")).to_have_text("Từ chối tiếp nhận")
    j.seen()
    page.get_by_role("link", name="Nhận xét, điểm của bài thực hành").click()
    expect(page.locator(".fb-ok").first).to_contain_text("Từ chối tiếp nhận")
    expect(page.locator("#score")).not_to_contain_text("chưa làm xong")
    j.seen()
    j.shot()
