"""The two-part limit in a procedure file (`limit.first`, issue 18): what `casework workflows
check` accepts and refuses, and that a one-part limit is stored exactly as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.procedures import load_procedure_file
from tests.procedures.support import BASE, edit, errors_of, write_workdir

NAME = "thu_tuc.yaml"
ONE_PART = "limit: {value: 5, unit: working_days}"


def with_limit(limit: str) -> str:
    return edit(BASE, (ONE_PART, limit))


def test_a_two_part_limit_is_read_in_order(tmp_path: Path) -> None:
    text = with_limit(
        "limit: {first: {value: 5, unit: working_days, label: xét tính hợp lệ}, value: 15, "
        "unit: days, label: thẩm định}"
    )
    p = load_procedure_file(write_workdir(tmp_path, {NAME: text}) / NAME)
    assert p.limit.parts == ((5, "working_days", "xét tính hợp lệ"), (15, "days", "thẩm định"))
    assert p.limit.text == (
        "5 ngày làm việc (xét tính hợp lệ), rồi 15 ngày (thẩm định) kể từ ngày kết thúc thời hạn "
        "trên"
    )
    dumped = p.model_dump(mode="json")["limit"]
    assert dumped["first"] == {"value": 5.0, "unit": "working_days", "label": "xét tính hợp lệ"}


def test_a_one_part_limit_dumps_as_before_so_its_content_hash_is_unchanged(tmp_path: Path) -> None:
    p = load_procedure_file(write_workdir(tmp_path, {NAME: BASE}) / NAME)
    assert p.model_dump(mode="json")["limit"] == {"value": 5.0, "unit": "working_days"}
    assert p.limit.parts == ((5, "working_days", ""),)
    assert p.limit.text == "5 ngày làm việc"


@pytest.mark.parametrize(
    ("limit", "path", "problem"),
    [
        pytest.param(
            "limit: {first: {value: 5, unit: working_days}, value: 15, unit: days}",
            "limit.first.label",
            "label",
            id="first-without-label",
        ),
        pytest.param(
            "limit: {first: {value: 0, unit: working_days, label: x}, value: 15, unit: days}",
            "limit.first.value",
            "lớn hơn 0",
            id="first-zero",
        ),
        pytest.param(
            "limit: {first: {value: 5, unit: weeks, label: x}, value: 15, unit: days}",
            "limit.first.unit",
            "weeks",
            id="first-bad-unit",
        ),
        pytest.param(
            "limit: {first: {value: 2.5, unit: days, label: x}, value: 15, unit: days}",
            "limit.first",
            "số nguyên",
            id="first-fractional-days",
        ),
        pytest.param(
            "limit: {value: 5, unit: working_days, label: thẩm định}",
            "limit",
            "chỉ dùng cho thời hạn hai phần",
            id="label-without-first",
        ),
        pytest.param(
            "limit: {first: {value: 1, unit: working_days, label: x, first: 2}, value: 4, "
            "unit: working_days}",
            "limit.first.first",
            "",
            id="no-third-part",
        ),
    ],
)
def test_a_bad_two_part_limit_is_refused_with_its_path(
    tmp_path: Path, limit: str, path: str, problem: str
) -> None:
    workdir = write_workdir(tmp_path, {NAME: with_limit(limit)})
    errors = errors_of(workdir / NAME)
    found = [e for e in errors if e.path == path and problem in e.problem and e.line == 8]
    assert found, "\n".join(e.message for e in errors)


def test_step_allotments_may_fill_both_parts_in_working_days(tmp_path: Path) -> None:
    """BASE allots 1 + 3 = 4 working days. Against 1 + 2 working days that is too much; against
    2 + 2 it fits; with a calendar-day part nothing is summed (as for a one-part days limit)."""
    too_much = (
        "limit: {first: {value: 1, unit: working_days, label: x}, value: 2, unit: working_days}"
    )
    errors = errors_of(write_workdir(tmp_path / "a", {NAME: with_limit(too_much)}) / NAME)
    assert any(e.path == "limit.value" and "vượt thời hạn 3 ngày" in e.problem for e in errors)
    fits = "limit: {first: {value: 2, unit: working_days, label: x}, value: 2, unit: working_days}"
    load_procedure_file(write_workdir(tmp_path / "b", {NAME: with_limit(fits)}) / NAME)
    days = "limit: {first: {value: 1, unit: working_days, label: x}, value: 1, unit: days}"
    load_procedure_file(write_workdir(tmp_path / "c", {NAME: with_limit(days)}) / NAME)
