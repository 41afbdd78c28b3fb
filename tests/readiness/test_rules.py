"""The readiness rule, as printed on the page (pure functions)."""

from __future__ import annotations

import pytest

from casework.readiness.rules import RULES, FieldFacts, Level, province_level, unit_level

L = Level


@pytest.mark.parametrize(
    ("facts", "level"),
    [
        (FieldFacts(), L.not_ready),
        (FieldFacts(done=5), L.not_ready),  # real work without training is not readiness
        (FieldFacts(practice=1), L.learning),
        (FieldFacts(signed_off=2), L.learning),
        (FieldFacts(certified=1), L.learning),
        (FieldFacts(certified=1, done=3), L.learning),  # certified, never signed off
        (FieldFacts(certified=1, signed_off=1), L.ready),
        (FieldFacts(certified=1, signed_off=1, practice=4), L.ready),
        (FieldFacts(certified=1, signed_off=1, done=1), L.performing),
        (FieldFacts(certified=3, signed_off=2, practice=1, done=9), L.performing),
    ],
)
def test_unit_level(facts, level):  # type: ignore[no-untyped-def]
    assert unit_level(facts) is level


@pytest.mark.parametrize(
    ("levels", "level"),
    [
        ([], L.not_ready),
        ([L.performing], L.performing),
        ([L.performing, L.not_ready], L.performing),  # half reach it
        ([L.performing, L.not_ready, L.not_ready], L.not_ready),
        ([L.performing, L.ready, L.learning, L.not_ready], L.ready),
        ([L.ready] * 5 + [L.not_ready] * 97, L.not_ready),  # Đồng Tháp, most untrained
        ([L.learning] * 51 + [L.not_ready] * 51, L.learning),
    ],
)
def test_province_level_is_the_median(levels, level):  # type: ignore[no-untyped-def]
    assert province_level(levels) is level


def test_every_level_has_its_rule_printed():
    assert [lv for lv, _ in RULES] == sorted(Level, reverse=True)
    assert all(text.strip() for _, text in RULES)
