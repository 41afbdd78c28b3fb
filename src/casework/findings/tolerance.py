"""The tolerance rules of an inspection's findings, as pure functions (no database, no HTTP).

Pre-packaged goods (lượng của hàng đóng gói sẵn, TT 21/2014/TT-BKHCN): per unit the permitted
shortfall T by nominal quantity band; the sample plan by lot size (sample size n, the number c of
units allowed a shortfall greater than T); the mean requirement; and no unit short by more than
2T. Measuring instruments: the stamp or certificate still valid on the inspection day and the
measured error within the maximum permissible error (MPE) of the instrument's class. Goods
quality: the test lab's result.

Every rule carries its source and whether its figures were confirmed against a stored public
text (`verified`); the pages print "chưa xác minh" beside every rule that was not. Sources and
dates are in docs/findings.md. Checked 05/12/2026:

- the T bands 5 g (mL) – 10 kg (L) and the rounding of percentages up to 0,1 g (mL): the German
  Fertigpackungsverordnung §9(3) (lxgesetze.de/fpackv/9), i.e. Directive 76/211/EEC Annex I,
  which OIML R 87 repeats; that TT 21/2014 adopts the same table could not be read in its text;
- the 2T rule and "the mean not below the nominal quantity": Directive 76/211/EEC Art. 5 as
  transposed in Italy (Gazzetta Ufficiale of 11/11/1978, act 078U0690, art. 5);
- the mean correction λ = t(0,995; n−1)/√n: UK SI 2006/659 Sch. 2 §4 (0,640 for n = 20,
  0,503 for n = 30, 0,379 for n = 50), and for a lot measured whole, mean ≥ nominal (§4.7);
- the sample plan (lot size → n, c) is OIML R 87's Table 2 as remembered, NOT found in a stored
  text: chưa xác minh.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from casework.findings.student_t import student_t_quantile as student_t_quantile
from casework.numbers import fmt_number

TT21 = "TT 21/2014/TT-BKHCN"
SRC_T = f"{TT21}, bảng lượng thiếu cho phép T (theo OIML R 87; đối chiếu FPackV §9(3))"
SRC_PLAN = f"{TT21}, kế hoạch lấy mẫu (theo OIML R 87, Bảng 2)"
SRC_MEAN = f"{TT21}, yêu cầu lượng trung bình (công thức theo UK SI 2006/659, Phụ lục 2 §4)"
SRC_2T = f"{TT21}, không đơn vị nào thiếu quá 2T (theo Chỉ thị 76/211/EEC, Điều 5)"
SRC_STAMP = "Luật Đo lường 2011, Điều 16 (phương tiện đo nhóm 2 phải kiểm định)"
SRC_MPE = "Sai số lớn nhất cho phép theo cấp chính xác (văn bản kỹ thuật đo lường ĐLVN)"
SRC_LAB = "Luật Chất lượng sản phẩm, hàng hóa 2007, Điều 40–41 (kết quả thử nghiệm)"

#: unit typed → (base unit, factor to the base unit)
UNITS: dict[str, tuple[str, Decimal]] = {
    "g": ("g", Decimal(1)),
    "kg": ("g", Decimal(1000)),
    "mL": ("mL", Decimal(1)),
    "L": ("mL", Decimal(1000)),
}
_UNIT_ALIASES = {"g": "g", "kg": "kg", "ml": "mL", "l": "L", "lít": "L", "lit": "L"}

#: (upper bound of the band in g or mL, T as a percent of Qn or None, T in g/mL or None,
#:  confirmed in a stored text)
BANDS: tuple[tuple[Decimal, Decimal | None, Decimal | None, bool], ...] = (
    (Decimal(50), Decimal("9"), None, True),
    (Decimal(100), None, Decimal("4.5"), True),
    (Decimal(200), Decimal("4.5"), None, True),
    (Decimal(300), None, Decimal(9), True),
    (Decimal(500), Decimal(3), None, True),
    (Decimal(1000), None, Decimal(15), True),
    (Decimal(10000), Decimal("1.5"), None, True),
    (Decimal(15000), None, Decimal(150), False),
    (Decimal(50000), Decimal(1), None, False),
)
LOWEST_CONFIRMED = Decimal(5)

#: (largest lot size of the row or None, sample size n or None for the whole lot, c)
SAMPLE_PLAN: tuple[tuple[int | None, int | None, int], ...] = (
    (10, None, 0),
    (50, 10, 0),
    (99, 13, 1),
    (500, 50, 3),
    (3200, 80, 5),
    (None, 125, 7),
)


def parse_number(text: str) -> Decimal:
    """A number as typed in Vietnam: '1.234,5', '498,7', '498.7', '500'. ValueError otherwise."""
    raw = text.strip().replace(" ", "")
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    elif raw.count(".") > 1 or re.fullmatch(r"-?\d{1,3}(\.\d{3})+", raw):
        raw = raw.replace(".", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", raw):
        raise ValueError("không phải là số")
    try:
        return Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only numbers
        raise ValueError("không phải là số") from None


def parse_numbers(text: str) -> list[Decimal]:
    """The measured values, separated by ';', spaces or new lines (a comma is a decimal mark)."""
    parts = [p for p in re.split(r"[;\s]+", text.strip()) if p]
    out = []
    for i, part in enumerate(parts, start=1):
        try:
            out.append(parse_number(part))
        except ValueError:
            raise ValueError(f"giá trị thứ {i} («{part}») không phải là số") from None
    return out


def unit_of(text: str) -> str:
    found = _UNIT_ALIASES.get(text.strip().lower())
    if found is None:
        raise ValueError("đơn vị đo là g, kg, mL hoặc L")
    return found


def num(value: Decimal | float | int, decimals: int = 2) -> str:
    return fmt_number(float(value), decimals)


@dataclass(frozen=True)
class Check:
    """One rule applied: passed or not, said in words, with its source."""

    name: str
    passed: bool | None  # None: could not be decided (the words say why)
    words: str
    source: str
    verified: bool


@dataclass(frozen=True)
class Outcome:
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool | None:
        """False if any check failed; None if none failed but one could not be decided."""
        if any(c.passed is False for c in self.checks):
            return False
        if any(c.passed is None for c in self.checks) or not self.checks:
            return None
        return True

    @property
    def words(self) -> str:
        failed = [c for c in self.checks if c.passed is False]
        return "; ".join(c.words for c in (failed or self.checks))


@dataclass(frozen=True)
class Tolerance:
    t: Decimal | None  # in the base unit (g or mL); None: no band applies
    base_unit: str
    band: str
    verified: bool


def _ceil_tenth(value: Decimal) -> Decimal:
    return (value * 10).to_integral_value(rounding=ROUND_CEILING) / 10


def tolerable_deficiency(nominal: Decimal, unit: str) -> Tolerance:
    """T for one unit of nominal quantity `nominal` `unit` (g, kg, mL, L), in g or mL."""
    base, factor = UNITS[unit]
    qn = nominal * factor
    if qn <= 0:
        return Tolerance(None, base, "lượng danh định phải lớn hơn 0", False)
    lower = Decimal(0)
    for upper, percent, fixed, verified in BANDS:
        if qn <= upper:
            band = f"{num(lower)} < Qn ≤ {num(upper)} {base}"
            if percent is not None:
                t = _ceil_tenth(qn * percent / 100)
                band += f": T = {num(percent)} % Qn"
            else:
                assert fixed is not None
                t = fixed
                band += f": T = {num(fixed)} {base}"
            return Tolerance(t, base, band, verified and qn >= LOWEST_CONFIRMED)
        lower = upper
    return Tolerance(None, base, f"Qn > {num(BANDS[-1][0])} {base}: không có trong bảng", False)


@dataclass(frozen=True)
class SamplePlan:
    lot_size: int
    n: int
    allowed_over_t: int


def sample_plan(lot_size: int) -> SamplePlan:
    """The sample size and the units allowed a shortfall greater than T (chưa xác minh)."""
    if lot_size < 1:
        raise ValueError("cỡ lô phải từ 1 trở lên")
    for largest, n, c in SAMPLE_PLAN:
        if largest is None or lot_size <= largest:
            return SamplePlan(lot_size, lot_size if n is None else n, c)
    raise AssertionError("unreachable")  # pragma: no cover


def correction_factor(n: int) -> Decimal:
    """λ = t(0,995; n−1)/√n, to three decimals (0,379 for n = 50)."""
    if n < 2:
        raise ValueError("cần ít nhất 2 đơn vị mẫu")
    value = student_t_quantile(0.995, n - 1) / math.sqrt(n)
    return Decimal(str(round(value, 3)))


# ---- the three kinds of rows ------------------------------------------------------------------


def check_packaged(
    *, nominal: Decimal, unit: str, lot_size: int, measured: list[Decimal]
) -> Outcome:
    """The TT 21/2014 check of one pre-packaged product: measured actual quantities (in `unit`)."""
    base, factor = UNITS[unit]
    tol = tolerable_deficiency(nominal, unit)
    qn = nominal * factor
    values = [m * factor for m in measured]
    checks: list[Check] = []
    plan = sample_plan(lot_size)
    n = len(values)
    plan_words = (
        f"Cỡ lô {num(lot_size, 0)}: cỡ mẫu {plan.n}, cho phép {plan.allowed_over_t} "
        f"đơn vị thiếu quá T"
    )
    if n < plan.n:
        checks.append(
            Check(
                "sample",
                None,
                f"{plan_words}; mới đo {n} đơn vị: chưa đủ mẫu, chưa kết luận được",
                SRC_PLAN,
                False,
            )
        )
    if tol.t is None:
        checks.append(Check("t", None, f"Không xác định được T ({tol.band})", SRC_T, False))
        return Outcome(checks)
    t = tol.t
    shortfalls = [qn - v for v in values]
    over_t = [s for s in shortfalls if s > t]
    over_2t = [s for s in shortfalls if s > 2 * t]
    worst = max(shortfalls, default=Decimal(0))
    if over_t:
        words = (
            f"{len(over_t)} đơn vị thiếu quá T = {num(t)} {base} (lớn nhất thiếu {num(worst)} "
            f"{base}); cho phép {plan.allowed_over_t} ({plan_words})"
        )
    else:
        words = f"Không đơn vị nào thiếu quá T = {num(t)} {base} ({tol.band})"
    checks.append(Check("count_over_t", len(over_t) <= plan.allowed_over_t, words, SRC_PLAN, False))
    if over_2t:
        words = f"Thiếu {num(max(over_2t))} {base} > 2T = {num(2 * t)} {base}"
    else:
        words = f"Không đơn vị nào thiếu quá 2T = {num(2 * t)} {base}"
    checks.append(Check("over_2t", not over_2t, words, SRC_2T, tol.verified))
    if n:
        mean = sum(values, Decimal(0)) / n
        if n >= lot_size or n < 2:
            limit, how = qn, "cả lô được đo: trung bình ≥ Qn"
        else:
            s = Decimal(str(math.sqrt(float(sum((v - mean) ** 2 for v in values) / (n - 1)))))
            lam = correction_factor(n)
            limit = qn - lam * s
            how = f"trung bình ≥ Qn − {num(lam, 3)}·s = {num(limit)} {base} (s = {num(s)})"
        ok = mean >= limit
        sign = "≥" if ok else "<"
        words = f"Lượng trung bình {num(mean)} {base} {sign} {num(limit)} {base} ({how})"
        checks.append(Check("mean", ok, words, SRC_MEAN, True))
    return Outcome(checks)


# ---- non-automatic weighing instruments (cân không tự động): MPE by accuracy class -------------

SRC_R76 = (
    "OIML R 76-1, Bảng 6: sai số lớn nhất cho phép khi kiểm định ban đầu theo cấp chính xác "
    "(0,5e / 1e / 1,5e); khi đang sử dụng lấy gấp đôi"
)
#: accuracy class → the load limits (in e) up to which the MPE on initial verification is 0.5e
#: and 1e; above the second, 1.5e. OIML R 76-1 Table 6, as reproduced on
#: scribd.com/document/314749659 (checked 05/12/2026).
R76_LIMITS: dict[str, tuple[int, int]] = {
    "I": (50_000, 200_000),
    "II": (5_000, 20_000),
    "III": (500, 2_000),
    "IIII": (50, 200),
}
_CLASS_NAMES = {"1": "I", "2": "II", "3": "III", "4": "IIII"}


def weighing_class(text: str) -> str | None:
    """'III', 'cấp 3', 'cấp III', '3' → 'III'; anything else None."""
    found = re.search(r"\b(IIII|III|II|I|[1-4])\b", text.upper().replace("CẤP", " "))
    if found is None:
        return None
    return _CLASS_NAMES.get(found.group(1), found.group(1))


def weighing_mpe(accuracy: str, e: Decimal, load: Decimal, *, in_service: bool = True) -> Decimal:
    """The MPE of a non-automatic weighing instrument of class `accuracy` at `load` (same unit as
    the verification scale interval `e`): 0.5e, 1e or 1.5e on initial verification by the load
    in e; twice that in service (chưa xác minh for Vietnam's regulation)."""
    if e <= 0 or load < 0:
        raise ValueError("e phải lớn hơn 0 và tải không âm")
    first, second = R76_LIMITS[accuracy]
    in_e = load / e
    factor = Decimal("0.5") if in_e <= first else Decimal(1) if in_e <= second else Decimal("1.5")
    return factor * e * (2 if in_service else 1)


def check_instrument(
    *,
    valid_until: date | None,
    inspected_on: date,
    mpe: Decimal | None,
    measured_error: Decimal | None,
    unit: str = "",
    mpe_how: str = "",
) -> Outcome:
    """A measuring instrument: stamp/certificate valid on the day, |error| ≤ MPE. `mpe_how`:
    how the MPE was found from the class (`weighing_mpe`), if it was not typed."""
    checks: list[Check] = []
    if valid_until is None:
        checks.append(
            Check("stamp", False, "Không có tem/giấy chứng nhận kiểm định", SRC_STAMP, False)
        )
    else:
        ok = valid_until >= inspected_on
        words = (
            f"Kiểm định còn hạn đến {valid_until:%d/%m/%Y}"
            if ok
            else f"Kiểm định hết hạn {valid_until:%d/%m/%Y} (trước ngày kiểm tra "
            f"{inspected_on:%d/%m/%Y})"
        )
        checks.append(Check("stamp", ok, words, SRC_STAMP, False))
    if mpe is not None and measured_error is not None:
        err = abs(measured_error)
        ok = err <= abs(mpe)
        sign = "≤" if ok else ">"
        words = f"Sai số {num(err)} {unit} {sign} MPE = {num(abs(mpe))} {unit}".replace("  ", " ")
        if mpe_how:
            words += f" ({mpe_how})"
        checks.append(Check("mpe", ok, words, SRC_R76 if mpe_how else SRC_MPE, False))
    return Outcome(checks)


QUALITY_RESULTS = {"dat": "Đạt", "khong_dat": "Không đạt", "cho": "Chờ kết quả"}


def check_quality(*, result: str, lab: str) -> Outcome:
    passed = {"dat": True, "khong_dat": False}.get(result)
    label = QUALITY_RESULTS.get(result, result)
    where = f" ({lab})" if lab else ""
    return Outcome([Check("lab", passed, f"Kết quả thử nghiệm{where}: {label}", SRC_LAB, False)])
