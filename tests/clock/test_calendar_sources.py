"""Calendar days carry their legal source: the loader refuses an unsourced day (naming the file and
the key), accepts a day marked as the `holidays` package's and unconfirmed only when the package
has it, and the shipped 2025–2027 files source every day (24/11/2026 included)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from casework.clock import FROM_PACKAGE, Basis, CalendarFileError, WorkCalendar, default_calendar
from casework.clock.calendar import _vn_year
from casework.settings import PROJECT_ROOT

SOURCED = (
    'instrument = "Quyết định số 12/QĐ-UBND ngày 10/03/2026 của UBND tỉnh"\n'
    'url = "https://example.gov.vn/qd-12"\n'
    "checked = 2026-03-10\n"
)


def load(tmp_path: Path, body: str, head: str = "") -> WorkCalendar:
    p = tmp_path / "lich.toml"
    p.write_text(head + body, encoding="utf-8")
    return WorkCalendar.from_toml(p)


def refused(tmp_path: Path, body: str, key: str, *, head: str = "") -> str:
    with pytest.raises(CalendarFileError) as exc:
        load(tmp_path, body, head)
    assert exc.value.file == str(tmp_path / "lich.toml")
    assert exc.value.key == key
    assert f"lich.toml [{key}]" in exc.value.message
    return exc.value.problem


def test_a_sourced_day_keeps_its_basis(tmp_path: Path) -> None:
    cal = load(
        tmp_path,
        '[[day_off]]\ndate = 2026-03-11\nname = "Nghỉ do bão"\n' + SOURCED + 'article = "Điều 1"\n',
    )
    assert not cal.is_working_day(date(2026, 3, 11))
    assert cal.basis_of(date(2026, 3, 11)) == Basis(
        instrument="Quyết định số 12/QĐ-UBND ngày 10/03/2026 của UBND tỉnh",
        article="Điều 1",
        url="https://example.gov.vn/qd-12",
        checked=date(2026, 3, 10),
    )
    assert cal.basis_of(date(2026, 3, 11)).confirmed  # type: ignore[union-attr]
    assert cal.basis_of(date(2026, 3, 12)) is None  # a plain day has none


def test_the_loader_refuses_a_day_without_an_instrument(tmp_path: Path) -> None:
    problem = refused(
        tmp_path,
        '[[workday]]\ndate = 2026-03-14\nname = "Làm bù"\n'
        '[[day_off]]\ndate = 2026-03-11\nname = "Nghỉ do bão"\n',
        "day_off[0].instrument",
    )
    assert "thiếu căn cứ" in problem and 'unconfirmed = "holidays"' in problem


@pytest.mark.parametrize(
    ("body", "key", "needle"),
    [
        pytest.param(
            'instrument = "Quyết định 12/QĐ-UBND"\nurl = "https://x.vn"\nchecked = 2026-03-10\n',
            "day_off[0].instrument",
            "ngày của văn bản",
            id="instrument-without-its-date",
        ),
        pytest.param(
            'instrument = "QĐ 12 ngày 10/03/2026"\nchecked = 2026-03-10\n',
            "day_off[0].url",
            "url",
            id="neither-url-nor-title",
        ),
        pytest.param(
            'instrument = "QĐ 12 ngày 10/03/2026"\nurl = "file:///etc/x"\nchecked = 2026-03-10\n',
            "day_off[0].url",
            "http(s)",
            id="url-not-public",
        ),
        pytest.param(
            'instrument = "QĐ 12 ngày 10/03/2026"\ntitle = "Quyết định"\n',
            "day_off[0].checked",
            "ngày kiểm tra",
            id="no-checked-date",
        ),
        pytest.param(
            'instrument = "QĐ 12 ngày 10/03/2026"\ntitle = "Quyết định"\nchecked = "hôm qua"\n',
            "day_off[0].checked",
            "ngày kiểm tra",
            id="checked-not-a-date",
        ),
        pytest.param(
            'instrument = 12\ntitle = "Quyết định"\nchecked = 2026-03-10\n',
            "day_off[0].instrument",
            "chuỗi",
            id="instrument-not-text",
        ),
        pytest.param(
            SOURCED + "source = 1\n",
            "day_off[0].source",
            "khóa không hợp lệ",
            id="unknown-key",
        ),
    ],
)
def test_the_loader_refuses_a_half_sourced_day(
    tmp_path: Path, body: str, key: str, needle: str
) -> None:
    problem = refused(tmp_path, '[[day_off]]\ndate = 2026-03-11\nname = "Nghỉ"\n' + body, key)
    assert needle in problem


def test_a_package_day_marked_unconfirmed_is_accepted_and_not_confirmed(tmp_path: Path) -> None:
    cal = load(
        tmp_path,
        '[[day_off]]\ndate = 2028-01-01\nname = "Tết Dương lịch"\nunconfirmed = "holidays"\n'
        'note = "Chờ thông báo lịch nghỉ năm 2028"\n',
    )
    basis = cal.basis_of(date(2028, 1, 1))
    assert basis is not None and not basis.confirmed
    assert basis.note == "Chờ thông báo lịch nghỉ năm 2028"


@pytest.mark.parametrize(
    ("body", "key", "needle", "head"),
    [
        pytest.param(
            '[[day_off]]\ndate = 2028-03-15\nname = "X"\nunconfirmed = "holidays"\n',
            "day_off[0].unconfirmed",
            "gói holidays không có 15/03/2028 là ngày nghỉ",
            "",
            id="not-a-package-day",
        ),
        pytest.param(
            '[[workday]]\ndate = 2028-01-01\nname = "X"\nunconfirmed = "holidays"\n',
            "workday[0].unconfirmed",
            "ngày làm bù",
            "",
            id="package-has-it-as-a-day-off",
        ),
        pytest.param(
            '[[day_off]]\ndate = 2028-01-01\nname = "X"\nunconfirmed = "gói"\n',
            "day_off[0].unconfirmed",
            'chỉ nhận "holidays"',
            "",
            id="other-value",
        ),
        pytest.param(
            '[[day_off]]\ndate = 2028-01-01\nname = "X"\nunconfirmed = "holidays"\n' + SOURCED,
            "day_off[0].instrument",
            "bỏ dòng unconfirmed",
            "",
            id="both-sourced-and-unconfirmed",
        ),
        pytest.param(
            '[[day_off]]\ndate = 2028-01-01\nname = "X"\nunconfirmed = "holidays"\n',
            "day_off[0].unconfirmed",
            'base = "vn"',
            'base = "none"\n',
            id="no-package-underneath",
        ),
    ],
)
def test_the_unconfirmed_mark_is_checked_against_the_package(
    tmp_path: Path, body: str, key: str, needle: str, head: str
) -> None:
    assert needle in refused(tmp_path, body, key, head=head)


def test_a_day_only_the_package_gives_is_unconfirmed() -> None:
    cal = default_calendar()
    assert cal.entry_on(date(2028, 1, 1)) is None
    assert cal.package_status(date(2028, 1, 1)) == (False, "Tết Dương lịch")
    assert cal.basis_of(date(2028, 1, 1)) is FROM_PACKAGE
    assert not FROM_PACKAGE.confirmed


# ---- the shipped files ------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_every_day_of_the_shipped_years_has_a_checked_instrument(year: int) -> None:
    cal = default_calendar()
    days = cal.special_days(year)
    assert days
    for day in days:
        basis = cal.basis_of(day.date)
        assert basis is not None and basis.confirmed, day
        assert basis.checked is not None and basis.checked <= date(2026, 12, 31), day
        assert basis.url.startswith("https://") or basis.title, day


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_every_package_day_of_the_shipped_years_is_in_a_file(year: int) -> None:
    """A newer `holidays` adding a day would leave it unconfirmed: this says which one."""
    cal = default_calendar()
    holidays, weekend_work = _vn_year(year)
    for o in [*holidays, *weekend_work]:
        d = date.fromordinal(o)
        assert cal.entry_on(d) is not None, f"{d}: trong gói holidays, không có trong tệp lịch"


def test_vietnamese_culture_day_2026_is_a_day_off_with_its_resolution() -> None:
    cal = default_calendar()
    nov24 = date(2026, 11, 24)
    assert cal.day_status(nov24) == (False, "Ngày Văn hóa Việt Nam")
    basis = cal.basis_of(nov24)
    assert basis is not None
    assert basis.instrument.startswith("Nghị quyết số 28/2026/QH16 ngày 24/04/2026")
    assert basis.article == "Điều 2"
    assert "10065/VPCP-KGVX ngày 02/10/2026" in basis.note  # the latest: no swap in 2026
    # no swap was approved: Monday 23/11 is worked, Saturday 28/11 is not
    assert cal.is_working_day(date(2026, 11, 23))
    assert not cal.is_working_day(date(2026, 11, 28))
    assert cal.day_status(date(2027, 11, 24)) == (False, "Ngày Văn hóa Việt Nam")


def test_tet_2027_and_national_day_2027_follow_the_government_letter() -> None:
    cal = default_calendar()
    for d in range(4, 11):
        basis = cal.basis_of(date(2027, 2, d))
        assert basis is not None and "10065/VPCP-KGVX" in basis.instrument
        assert not cal.is_working_day(date(2027, 2, d))
    assert cal.is_working_day(date(2027, 2, 3)) and cal.is_working_day(date(2027, 2, 11))
    assert not cal.is_working_day(date(2027, 9, 3))
    assert cal.is_working_day(date(2027, 9, 6))
    assert not cal.is_working_day(date(2027, 5, 3))  # 1 May on a Saturday, made up on Monday
    assert cal.basis_of(date(2027, 5, 3)).article == "Điều 111 khoản 3"  # type: ignore[union-attr]


def test_shipped_files_name_their_sources_in_the_header() -> None:
    text = (PROJECT_ROOT / "workflows" / "calendars" / "2026.toml").read_text(encoding="utf-8")
    for needle in ("80-NQ/TW", "30/NQ-CP", "28/2026/QH16", "10065/VPCP-KGVX", "9441/TB-BNV"):
        assert needle in text
