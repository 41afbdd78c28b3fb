"""The Vietnamese explanation of each due instant."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from casework.clock import compute_due
from casework.clock.trace import holiday_family

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


def test_design_example_trace() -> None:
    assert compute_due(at(2026, 2, 13, 16, 20), 5).trace == (
        "Nhận hồ sơ lúc 16:20 thứ Sáu 13/02/2026.",
        "Nhận sau giờ chốt 15:00: tính là nhận vào ngày làm việc tiếp theo.",
        "Bỏ qua 14/02–22/02/2026: nghỉ Tết Nguyên đán.",
        "Ngày tiếp nhận để tính hạn: thứ Hai 23/02/2026.",
        "Thời hạn 5 ngày làm việc (2400 phút làm việc), không tính ngày tiếp nhận "
        "(Điều 147 Bộ luật Dân sự): bắt đầu tính từ 08:00 thứ Ba 24/02/2026.",
        "Không tính 2 ngày nghỉ cuối tuần (thứ Bảy, Chủ nhật).",
        "Hạn giải quyết: 17:00 thứ Hai 02/03/2026 (hết ngày làm việc thứ 5).",
    )


def test_trace_names_swaps_and_working_saturday() -> None:
    trace = compute_due(at(2025, 12, 31, 10), 6).trace
    assert "Bỏ qua 01/01–04/01/2026: nghỉ Tết Dương lịch." in trace
    assert "Tính thứ Bảy 10/01/2026 là ngày làm việc (Làm bù cho thứ Sáu 02/01/2026)." in trace
    assert trace[-1].startswith("Hạn giải quyết: 17:00 thứ Bảy 10/01/2026")


def test_trace_weekend_receipt_and_pause() -> None:
    trace = compute_due(
        at(2026, 8, 29, 9), 2, pauses=[(at(2026, 9, 4, 9), at(2026, 9, 4, 10, 30))]
    ).trace
    assert trace[1] == (
        "Ngày thứ Bảy 29/08/2026 không phải ngày làm việc (nghỉ cuối tuần): "
        "tính là nhận vào ngày làm việc tiếp theo."
    )
    assert "Bỏ qua 30/08–02/09/2026: nghỉ lễ Quốc khánh 2/9." in trace
    assert (
        "Tạm dừng từ 09:00 thứ Sáu 04/09/2026 đến 10:30 thứ Sáu 04/09/2026: "
        "cộng thêm 90 phút làm việc (1 giờ 30 phút)."
    ) in trace
    # R = Thu 03/09; Fri 04/09 (1), Mon 07/09 (2) ends 17:00, + 90 min -> Tue 08/09 09:30
    assert trace[-1] == "Hạn giải quyết: 09:30 thứ Ba 08/09/2026."


def test_trace_days_ending_on_holiday() -> None:
    trace = compute_due(at(2026, 4, 16, 10), 14, "days").trace
    assert (
        "Thứ Năm 30/04/2026 không phải ngày làm việc (Ngày Chiến thắng): "
        "chuyển sang ngày làm việc tiếp theo."
    ) in trace
    assert "Bỏ qua 30/04–03/05/2026: nghỉ lễ Chiến thắng 30/4; nghỉ lễ Quốc tế Lao động 1/5." in (
        trace
    )
    assert trace[-1] == "Hạn giải quyết: 17:00 thứ Hai 04/05/2026."


def test_trace_hours_outside_office() -> None:
    trace = compute_due(at(2026, 3, 10, 12, 30), 1, "hours").trace
    assert trace[1] == "Ngoài giờ làm việc: bắt đầu tính từ 13:00 thứ Ba 10/03/2026."


def test_holiday_families() -> None:
    assert holiday_family("29 Tết") == "nghỉ Tết Nguyên đán"
    assert holiday_family("Mùng bốn Tết Nguyên Đán") == "nghỉ Tết Nguyên đán"
    assert holiday_family("Ngày Giỗ Tổ Hùng Vương (nghỉ bù)") == "nghỉ lễ Giỗ Tổ Hùng Vương"
    assert holiday_family("Ngày Văn hóa Việt Nam") == "nghỉ Ngày Văn hóa Việt Nam"
    assert holiday_family("Nghỉ đột xuất do bão") == "nghỉ đột xuất do bão"


def test_a_lone_day_off_names_only_its_own_weekday() -> None:
    # Saturday 10/01/2026 is worked (the New Year swap), so only Sunday 11/01 is skipped
    trace = compute_due(at(2026, 1, 9, 10), 2).trace
    assert "Không tính 1 ngày nghỉ cuối tuần (Chủ nhật)." in trace, trace
