"""Calendar days with sources in Chromium, on the demo data (issue 18 item 4): the ministry's admin
sees the shipped year sourced day by day, follows the link to a year the `holidays` package alone
fills, confirms one day by entering its instrument (after a refused try) and removes another,
on a desktop and on a 360 px phone (other years, so the two do not meet). A province's admin
sees the same days without the forms."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, no_horizontal_scroll
from tests.e2e.test_practice_loop import sign_in

BLLD = "Bộ luật Lao động số 45/2019/QH14 ngày 20/11/2019"
NQ28 = "Nghị quyết số 28/2026/QH16 ngày 24/04/2026"
SOURCE = "https://vbpl.vn/TW/Pages/vbpq-van-ban-goc.aspx?ItemID=139264"
NOT_MADE_UP = (
    "Ngày Văn hóa Việt Nam không thuộc khoản 1 Điều 112 Bộ luật Lao động nên không nghỉ bù "
    "(Điều 111 khoản 3); Nghị quyết 28/2026/QH16 không quy định nghỉ bù"
)


def _confirm_and_remove(
    page: Page, base_url: str, guard: Any, *, year: int, confirm: tuple[str, str, str],
    remove: str, tap: bool,
) -> None:  # fmt: skip
    """On /admin/calendar?year=`year`: `confirm` = (day, instrument, article), `remove` = day."""
    page.goto(f"{base_url}/admin/calendar?year={year}")
    heading = page.locator("#h-unconfirmed")
    expect(heading).to_contain_text("Ngày chưa xác nhận căn cứ (")
    before = int(heading.inner_text().rsplit("(", 1)[1].rstrip(")"))

    day, instrument, article = confirm
    item = page.locator(f"#day-{day}")
    expect(item).to_contain_text("chưa xác nhận")
    summary = item.locator("summary", has_text="Xác nhận căn cứ")
    summary.tap() if tap else summary.click()
    # refused by the server: the instrument without its date; the row's form comes back open
    guard.expect(422, "/admin/calendar/days/confirm")
    item.get_by_label("Văn bản (số, ngày)").fill("Bộ luật Lao động")
    item.get_by_label("Địa chỉ công khai hoặc tên văn bản").fill(SOURCE)
    item.get_by_role("button", name="Xác nhận", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Chưa xác nhận được ngày")
    item = page.locator(f"#day-{day}")
    expect(item.locator("#err-instrument")).to_contain_text("Ghi số và ngày của văn bản")
    expect(item.get_by_label("Văn bản (số, ngày)")).to_have_value("Bộ luật Lao động")
    if tap:
        no_horizontal_scroll(page)
        item.screenshot(path=str(ARTIFACTS / "calendar-sources-refused-360.png"))
    item.get_by_label("Văn bản (số, ngày)").fill(instrument)
    item.get_by_label("Điều, khoản").fill(article)
    expect(item.get_by_label("Địa chỉ công khai hoặc tên văn bản")).to_have_value(SOURCE)
    item.get_by_role("button", name="Xác nhận", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Đã xác nhận căn cứ của ngày {day[8:]}/{day[5:7]}/{day[:4]}."
    )
    expect(page.locator(f"#day-{day}")).to_have_count(0)
    expect(heading).to_contain_text(f"({before - 1})")
    row = page.locator("table.calendar-days tr", has_text=f"{day[8:]}/{day[5:7]}/{day[:4]}")
    expect(row).to_contain_text(f"{instrument}, {article}")
    expect(row).to_contain_text("xác nhận: bo.admin")
    if tap:
        no_horizontal_scroll(page)

    item = page.locator(f"#day-{remove}")
    summary = item.locator("summary", has_text="Bỏ ngày này")
    summary.tap() if tap else summary.click()
    item.get_by_label("Lý do hoặc văn bản").fill(NOT_MADE_UP)
    item.get_by_role("button", name="Bỏ ngày này").click()
    shown = f"{remove[8:]}/{remove[5:7]}/{remove[:4]}"
    expect(page.get_by_role("status")).to_contain_text(f"Đã bỏ ngày {shown} khỏi lịch nghỉ.")
    expect(page.locator(f"#day-{remove}")).to_have_count(0)
    expect(heading).to_contain_text(f"({before - 2})")
    row = page.locator("table.calendar-days tr", has_text=shown)
    expect(row).to_contain_text("Làm việc")
    expect(row).to_contain_text("Bộ sửa (cả nước)")


def test_the_ministry_confirms_a_day_and_removes_another(  # type: ignore[no-untyped-def]
    page: Page, base_url: str, guard, screenshot
):
    sign_in(page, base_url, "bo.admin")
    page.goto(f"{base_url}/admin/calendar?year=2026")
    expect(page.locator("#h-unconfirmed")).to_have_count(0)
    row = page.locator("table.calendar-days tr", has_text="24/11/2026")
    expect(row).to_contain_text("Ngày Văn hóa Việt Nam")
    expect(row).to_contain_text(f"{NQ28} của Quốc hội, Điều 2")
    page.get_by_role("link", name="năm 2028 (16 ngày)").click()
    expect(page.locator("#h-unconfirmed")).to_contain_text("Ngày chưa xác nhận căn cứ (16)")
    _confirm_and_remove(
        page, base_url, guard, year=2029,
        confirm=("2029-01-01", BLLD, "Điều 112 khoản 1 điểm a"), remove="2029-11-26", tap=False,
    )  # fmt: skip
    screenshot(page, "desktop")

    # Hà Nội's admin sees what is left, without the ministry's forms
    sign_in(page, base_url, "hni.admin")
    page.goto(f"{base_url}/admin/calendar?year=2029")
    section = page.locator("section.unconfirmed")
    expect(section).to_contain_text("Chờ quản trị viên của Bộ xác nhận.")
    expect(section.locator("form")).to_have_count(0)


def test_confirm_and_remove_on_a_phone(phone: Any, base_url: str, guard, screenshot):  # type: ignore[no-untyped-def]
    sign_in(phone, base_url, "bo.admin")
    phone.goto(f"{base_url}/admin/calendar?year=2026")
    no_horizontal_scroll(phone)
    _confirm_and_remove(
        phone, base_url, guard, year=2030,
        confirm=("2030-11-24", NQ28, "Điều 2"), remove="2030-11-25", tap=True,
    )  # fmt: skip
    no_horizontal_scroll(phone)
    phone.locator("#day-2030-01-01").scroll_into_view_if_needed()
    screenshot(phone, "phone")
