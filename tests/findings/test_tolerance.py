"""The tolerance rules (pure): T by band and unit, the sample plan, the mean correction, the
count over T and the 2T limit, instruments and lab results, and the Vietnamese number parsing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.findings import tolerance as tol


@pytest.mark.parametrize(
    ("qn", "unit", "t"),
    [
        ("5", "g", "0.5"),  # 9 % of 5 = 0.45 → rounded up to 0.5
        ("40", "g", "3.6"),
        ("50", "g", "4.5"),
        ("75", "mL", "4.5"),
        ("100", "g", "4.5"),
        ("150", "g", "6.8"),  # 4.5 % of 150 = 6.75 → 6.8 (up to 0.1 g)
        ("200", "g", "9"),
        ("250", "mL", "9"),
        ("300", "g", "9"),
        ("400", "g", "12"),
        ("500", "g", "15"),
        ("1", "kg", "15"),
        ("0.75", "L", "15"),
        ("2", "kg", "30"),
        ("5", "L", "75"),
        ("10", "kg", "150"),
        ("12", "kg", "150"),
        ("20", "kg", "200"),
    ],
)
def test_tolerable_deficiency_by_band(qn, unit, t):
    assert tol.tolerable_deficiency(D(qn), unit).t == D(t)


def test_bands_are_continuous_at_their_edges():
    for upper, *_ in tol.BANDS[:-1]:
        below = tol.tolerable_deficiency(upper, "g").t
        above = tol.tolerable_deficiency(upper + D("0.001"), "g").t
        assert below is not None and above is not None
        assert abs(above - below) <= D("0.1"), upper


def test_what_was_not_confirmed_says_so():
    assert tol.tolerable_deficiency(D(500), "g").verified
    assert not tol.tolerable_deficiency(D(2), "g").verified  # below 5 g
    assert not tol.tolerable_deficiency(D(12), "kg").verified  # above 10 kg: OIML only
    over = tol.tolerable_deficiency(D(60), "kg")
    assert over.t is None and "không có trong bảng" in over.band
    assert tol.tolerable_deficiency(D(0), "g").t is None


@given(st.decimals(min_value=D("0.01"), max_value=D(50000), places=2))
def test_t_is_positive_and_at_most_nine_percent(qn):
    t = tol.tolerable_deficiency(qn, "g").t
    assert t is not None and 0 < t <= tol._ceil_tenth(qn * D("0.09"))


@given(st.decimals(min_value=D("0.01"), max_value=D(50), places=2))
def test_kg_is_a_thousand_g(qn):
    assert tol.tolerable_deficiency(qn, "kg").t == tol.tolerable_deficiency(qn * 1000, "g").t


@pytest.mark.parametrize(
    ("lot", "n", "c"),
    [(1, 1, 0), (10, 10, 0), (11, 10, 0), (50, 10, 0), (51, 13, 1), (99, 13, 1),
     (100, 50, 3), (500, 50, 3), (501, 80, 5), (3200, 80, 5), (3201, 125, 7), (10**6, 125, 7)],
)  # fmt: skip
def test_sample_plan(lot, n, c):
    plan = tol.sample_plan(lot)
    assert (plan.n, plan.allowed_over_t) == (n, c)


def test_sample_plan_refuses_an_empty_lot():
    with pytest.raises(ValueError):
        tol.sample_plan(0)


@pytest.mark.parametrize(
    ("n", "factor"),
    # 20, 30, 50: UK SI 2006/659 Sch. 2 §4 (verified); 13, 80, 125: the same formula
    [(20, "0.64"), (30, "0.503"), (50, "0.379"), (13, "0.847"), (80, "0.295"), (125, "0.234")],
)
def test_mean_correction_factor(n, factor):
    assert tol.correction_factor(n) == D(factor)


def test_student_t_against_table_values():
    assert tol.student_t_quantile(0.995, 9) == pytest.approx(3.250, abs=1e-3)
    assert tol.student_t_quantile(0.975, 1) == pytest.approx(12.706, abs=1e-3)
    assert tol.student_t_quantile(0.95, 1000) == pytest.approx(1.646, abs=1e-3)


def _packaged(values, *, qn="500", unit="g", lot=200):
    return tol.check_packaged(
        nominal=D(qn), unit=unit, lot_size=lot, measured=[D(str(v)) for v in values]
    )


def test_a_good_lot_passes():
    out = _packaged([503] * 47 + [490] * 3)
    assert out.passed is True
    assert {c.name for c in out.checks} == {"count_over_t", "over_2t", "mean"}


def test_more_units_over_t_than_allowed_fails():
    # 500 g: T = 15 g; lot 200 → n 50, c 3. Four units short by 16 g fail the count.
    out = _packaged([510] * 46 + [484] * 4)
    count = next(c for c in out.checks if c.name == "count_over_t")
    assert out.passed is False and count.passed is False
    assert "4 đơn vị thiếu quá T = 15 g" in count.words
    three = _packaged([510] * 47 + [484] * 3)
    assert three.passed is True


def test_one_unit_beyond_2t_fails_alone():
    out = _packaged([510] * 49 + [469])  # short by 31 g > 2T = 30 g
    assert out.passed is False
    assert "Thiếu 31 g > 2T = 30 g" in out.words
    assert _packaged([510] * 49 + [470]).passed is True  # exactly 2T short: allowed


def test_the_mean_below_its_limit_fails():
    out = _packaged([497] * 50)  # every unit within T, but the mean 497 < 500 − λ·0
    mean = next(c for c in out.checks if c.name == "mean")
    assert out.passed is False and mean.passed is False
    assert "Lượng trung bình 497 g < 500 g" in mean.words


def test_a_lot_measured_whole_needs_the_mean_at_nominal():
    assert _packaged([499, 501, 500, 500, 500], lot=5).passed is True
    out = _packaged([499, 500, 500, 500, 500], lot=5)
    assert out.passed is False and "cả lô được đo" in out.words


def test_too_few_units_measured_is_not_a_conclusion():
    out = _packaged([500] * 10, lot=200)
    assert out.passed is None
    assert "chưa đủ mẫu" in out.words


def test_litres_are_checked_in_millilitres():
    out = _packaged([0.98] * 13, qn="1", unit="L", lot=60)  # T = 15 mL; 20 mL short each
    assert out.passed is False
    assert "T = 15 mL" in out.words


def test_instrument_rules():
    day = date(2026, 12, 5)
    ok = tol.check_instrument(
        valid_until=date(2027, 1, 1), inspected_on=day, mpe=D(10), measured_error=D(-10), unit="g"
    )
    assert ok.passed is True
    late = tol.check_instrument(
        valid_until=date(2026, 12, 4), inspected_on=day, mpe=None, measured_error=None
    )
    assert late.passed is False and "hết hạn 04/12/2026" in late.words
    off = tol.check_instrument(
        valid_until=day, inspected_on=day, mpe=D(10), measured_error=D(12), unit="g"
    )
    assert off.passed is False and off.words == "Sai số 12 g > MPE = 10 g"
    none = tol.check_instrument(valid_until=None, inspected_on=day, mpe=None, measured_error=None)
    assert none.passed is False


def test_quality_rules():
    assert tol.check_quality(result="dat", lab="Quatest 3").passed is True
    assert tol.check_quality(result="khong_dat", lab="").passed is False
    waiting = tol.check_quality(result="cho", lab="")
    assert waiting.passed is None and "Chờ kết quả" in waiting.words


@pytest.mark.parametrize(
    ("text", "value"),
    [("498,5", "498.5"), ("498.5", "498.5"), ("1.234,5", "1234.5"), ("1.500.000", "1500000"),
     (" 500 ", "500"), ("-3", "-3")],
)  # fmt: skip
def test_parse_number(text, value):
    assert tol.parse_number(text) == D(value)


@pytest.mark.parametrize("text", ["abc", "5g", "", "1,2,3", "--1", "NaN", "Infinity"])
def test_parse_number_refuses(text):
    with pytest.raises(ValueError):
        tol.parse_number(text)


def test_parse_numbers_names_the_bad_one():
    assert tol.parse_numbers("498,5; 501\n497,2 500") == [D("498.5"), D(501), D("497.2"), D(500)]
    with pytest.raises(ValueError, match=r"giá trị thứ 3 \(«abc»\)"):
        tol.parse_numbers("500; 501; abc")


@given(st.lists(st.decimals(min_value=0, max_value=10**6, places=3), min_size=1, max_size=30))
def test_parse_numbers_round_trips(values):
    text = "; ".join(format(v, "f").replace(".", ",") for v in values)
    assert tol.parse_numbers(text) == values


@pytest.mark.parametrize(
    ("text", "accuracy"),
    [("III", "III"), ("cấp 3", "III"), ("Cấp III", "III"), ("cấp 4 (IIII)", "IIII"), ("II", "II"),
     ("1", "I"), ("", None), ("chính xác cao", None)],
)  # fmt: skip
def test_weighing_class(text, accuracy):
    assert tol.weighing_class(text) == accuracy


@pytest.mark.parametrize(
    ("accuracy", "e", "load", "initial"),
    # OIML R 76-1 Table 6: class III 0.5e up to 500e, 1e up to 2 000e, 1.5e beyond
    [("III", "10", "5000", "5"), ("III", "10", "5010", "10"), ("III", "10", "20000", "10"),
     ("III", "10", "20010", "15"), ("IIII", "100", "5000", "50"), ("IIII", "100", "20000", "100"),
     ("IIII", "100", "30000", "150"), ("II", "1", "5000", "0.5"), ("I", "1", "300000", "1.5")],
)  # fmt: skip
def test_weighing_mpe_by_class_and_load(accuracy, e, load, initial):
    assert tol.weighing_mpe(accuracy, D(e), D(load), in_service=False) == D(initial)
    assert tol.weighing_mpe(accuracy, D(e), D(load)) == 2 * D(initial)  # in service


def test_weighing_mpe_refuses_a_zero_interval():
    with pytest.raises(ValueError):
        tol.weighing_mpe("III", D(0), D(10))
