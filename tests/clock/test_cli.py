"""`casework clock due` and `casework calendar show` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casework.clock.cli import calendar_app, clock_app

runner = CliRunner()


def due(*args: str) -> tuple[int, str]:
    res = runner.invoke(clock_app, ["due", *args])
    return res.exit_code, res.output


def test_json_shape_and_local_time() -> None:
    code, out = due("--received", "2026-02-13T16:20", "--limit", "5", "--unit", "working_days")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"effective_receipt_day", "due", "paused_working_minutes", "trace"}
    assert data["effective_receipt_day"] == "2026-02-23"
    assert data["due"] == "2026-03-02T17:00:00+07:00"
    assert data["paused_working_minutes"] == 0
    assert "Bỏ qua 14/02–22/02/2026: nghỉ Tết Nguyên đán." in data["trace"]


def test_offset_given_is_respected() -> None:
    code, out = due(
        "--received", "2026-02-13T09:20:00+00:00", "--limit", "5", "--unit", "working_days"
    )
    assert code == 0
    assert json.loads(out)["due"] == "2026-03-02T17:00:00+07:00"


def test_pauses_and_bucket() -> None:
    code, out = due(
        "--received", "2026-03-10T10:00", "--limit", "2", "--unit", "working_days",
        "--pause", "2026-03-11T08:00/2026-03-11T09:00",
        "--pause", "2026-03-12T16:00/2026-03-13T09:00",
        "--finished", "2026-03-13T11:00:01",
        "--supplement-requests", "1",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["due"] == "2026-03-13T11:00:00+07:00"
    assert data["paused_working_minutes"] == 180
    assert data["bucket"] == "late"


def test_days_and_hours_units() -> None:
    code, out = due("--received", "2026-04-16T10:00", "--limit", "14", "--unit", "days")
    assert (code, json.loads(out)["due"]) == (0, "2026-05-04T17:00:00+07:00")
    code, out = due("--received", "2026-03-10T16:00", "--limit", "3", "--unit", "hours")
    assert (code, json.loads(out)["due"]) == (0, "2026-03-11T10:00:00+07:00")


def test_two_supplement_requests_make_it_late() -> None:
    code, out = due(
        "--received", "2026-03-10T10:00", "--limit", "2", "--unit", "working_days",
        "--finished", "2026-03-11T09:00", "--supplement-requests", "2",
    )  # fmt: skip
    assert (code, json.loads(out)["bucket"]) == (0, "late")


def test_calendar_file_option(tmp_path: Path) -> None:
    p = tmp_path / "x.toml"
    p.write_text('name = "Không lễ"\nbase = "none"\n', encoding="utf-8")
    code, out = due(
        "--received", "2026-02-13T16:20", "--limit", "5", "--unit", "working_days",
        "--calendar", str(p),
    )  # fmt: skip
    assert (code, json.loads(out)["due"]) == (0, "2026-02-23T17:00:00+07:00")


BASE = ["--received", "2026-03-10T10:00", "--limit", "2", "--unit", "working_days"]


def replace(option: str, value: str) -> list[str]:
    args = list(BASE)
    args[args.index(option) + 1] = value
    return args


BAD = [
    ("limit-not-number", replace("--limit", "abc"), "--limit"),
    ("limit-negative", replace("--limit", "-1"), "--limit"),
    ("days-fraction", [*BASE[:3], "1.5", "--unit", "days"], "--limit"),
    ("unit-unknown", replace("--unit", "weeks"), "--unit"),
    ("received-garbage", replace("--received", "hôm qua"), "--received"),
    ("received-missing", BASE[2:], "--received"),
    ("limit-missing", [*BASE[:2], *BASE[4:]], "--limit"),
    ("pause-no-slash", [*BASE, "--pause", "2026-03-11T08:00"], "--pause"),
    ("pause-reversed", [*BASE, "--pause", "2026-03-11T09:00/2026-03-11T08:00"], "--pause"),
    ("finished-garbage", [*BASE, "--finished", "x"], "--finished"),
    ("supplements-garbage", [*BASE, "--supplement-requests", "-3"], "--supplement-requests"),
]


@pytest.mark.parametrize(("args", "named"), [pytest.param(*b[1:], id=b[0]) for b in BAD])
def test_bad_input_exit_2(args: list[str], named: str) -> None:
    code, out = due(*args)
    assert code == 2
    assert named in out
    assert len(out.strip().splitlines()) == 1


def test_malformed_calendar_file_exit_2(tmp_path: Path) -> None:
    p = tmp_path / "hong.toml"
    p.write_text('cutoff = "3 giờ chiều"\n', encoding="utf-8")
    code, out = due(*BASE, "--calendar", str(p))
    assert code == 2
    assert "--calendar" in out
    assert str(p) in out
    assert "[cutoff]" in out
    assert len(out.strip().splitlines()) == 1


def squeeze(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


def test_calendar_show() -> None:
    res = runner.invoke(calendar_app, ["show", "2026"])
    assert res.exit_code == 0
    out = squeeze(res.output)
    assert "02/01/2026 thứ Sáu Nghỉ Tết Dương lịch" in out
    assert "10/01/2026 thứ Bảy Làm bù cho thứ Sáu 02/01/2026" in out
    assert "31/08/2026 thứ Hai" in out
    out = squeeze(runner.invoke(calendar_app, ["show", "2025"]).output)
    assert "26/04/2025 thứ Bảy" in out
    assert "02/05/2025 thứ Sáu" in out


def test_calendar_show_with_file(tmp_path: Path) -> None:
    p = tmp_path / "x.toml"
    p.write_text(
        'name = "Lịch riêng"\nbase = "none"\n[[day_off]]\ndate = 2028-02-29\nname = "Nghỉ nhuận"\n'
        'instrument = "Quyết định số 3/QĐ ngày 01/02/2028"\ntitle = "Nghỉ ngày nhuận"\n'
        "checked = 2028-02-01\n",
        encoding="utf-8",
    )
    res = runner.invoke(calendar_app, ["show", "2028", "--calendar", str(p)])
    assert res.exit_code == 0
    assert "Lịch riêng — năm 2028" in res.output
    assert "29/02/2028 thứ Ba Nghỉ nhuận" in squeeze(res.output)
    assert "Không có ngày làm bù." in res.output
