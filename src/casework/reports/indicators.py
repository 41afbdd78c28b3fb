"""Decision 766/QĐ-TTg indicators that our data supports, each with its formula and inputs.

Formulas follow `../shared/reference/domain-vn.md` §5 and `docs/reports.md`:

- 2.1 on-time rate: (finished early or on time in the period + open now and not overdue, when the
  period reaches today) / (finished with a deadline in the period + open now with a running
  clock, idem);
- 2.2 average processing time: processing time / dossiers finished with a result (status 9/10),
  per procedure in its own unit (working days, days or hours);
- 3.3 online share: dossiers received online / dossiers received;
- 4.2 digitised share: dossiers received with every required document as a file / received;
- 5.4 satisfaction: 100% − (late rate + rate of "not satisfied" ratings at hand-over).
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.reports.queries import Row
from casework.reports.tables import decimal


@dataclass
class Indicator:
    code: str
    name: str
    formula: str
    inputs: list[tuple[str, float | int | str]]
    value: float | None
    #: the level at which the 766 scoring gives full marks (None: pro rata)
    target: float | None = None
    unit: str = "%"

    @property
    def met(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target


def _pct(numerator: float, denominator: float) -> float | None:
    return round(100.0 * numerator / denominator, 1) if denominator else None


def compute(total: Row, by_procedure: list[Row], *, current: bool) -> list[Indicator]:
    """The indicators over `total` (the period's counters, plus the open dossiers now when the
    period reaches today: `current`)."""
    on_time = total.early + total.on_time
    # in progress with a running clock (a dossier whose clock has not started has no deadline)
    open_ok = total.on_track + total.due_soon + total.paused if current else 0
    open_all = open_ok + total.overdue if current else 0
    late_rate = _pct(total.late, total.bucketed)
    dislike_rate = _pct(total.dissatisfied, total.rated)
    satisfaction = (
        round(100.0 - (late_rate or 0.0) - (dislike_rate or 0.0), 1)
        if late_rate is not None or dislike_rate is not None
        else None
    )
    averages = [r for r in by_procedure if r.average is not None]
    out = [
        Indicator(
            "2.1",
            "Tỉ lệ hồ sơ giải quyết trước hạn và đúng hạn",
            "(trước hạn + đúng hạn + đang giải quyết chưa quá hạn) / (đã giải quyết có thời hạn"
            " + đang giải quyết)",
            [
                ("Trước hạn", total.early),
                ("Đúng hạn", total.on_time),
                ("Trễ hạn", total.late),
                ("Đang giải quyết, chưa quá hạn (hiện tại)", open_ok),
                ("Đang giải quyết (hiện tại)", open_all),
            ],
            _pct(on_time + open_ok, total.bucketed + open_all),
        ),
        Indicator(
            "2.2",
            "Thời gian giải quyết trung bình (theo đơn vị thời hạn của từng thủ tục)",
            "tổng thời gian giải quyết / số hồ sơ đã có kết quả (trạng thái 9, 10)",
            [
                (
                    f"{r.label} ({r.unit_label})",
                    f"{decimal(r.average)} / hạn {r.limit:g}".replace(".", ","),
                )
                for r in averages
                if r.average is not None and r.limit is not None
            ],
            None,
            unit="",
        ),
        Indicator(
            "3.3",
            "Tỉ lệ hồ sơ nộp trực tuyến",
            "hồ sơ tiếp nhận trực tuyến / hồ sơ tiếp nhận",
            [("Trực tuyến", total.online), ("Tiếp nhận", total.received)],
            _pct(total.online, total.received),
            target=50.0,
        ),
        Indicator(
            "4.2",
            "Tỉ lệ hồ sơ được số hóa",
            "hồ sơ có đủ thành phần bắt buộc dạng tệp / hồ sơ tiếp nhận",
            [("Đã số hóa", total.digitised), ("Tiếp nhận", total.received)],
            _pct(total.digitised, total.received),
            target=80.0,
        ),
        Indicator(
            "5.4",
            "Mức độ hài lòng trong tiếp nhận, giải quyết TTHC",
            "100% − (tỉ lệ trễ hạn + tỉ lệ đánh giá không hài lòng)",
            [
                ("Trễ hạn / đã giải quyết có thời hạn", f"{total.late} / {total.bucketed}"),
                ("Không hài lòng / lượt đánh giá", f"{total.dissatisfied} / {total.rated}"),
                ("Hài lòng", total.satisfied),
            ],
            satisfaction,
            target=90.0,
        ),
    ]
    return out
