"""The fast clock agrees with the naive day-by-day / minute-stepping loop of bench/clock.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from casework.clock import compute_due, default_calendar


def load_bench() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "clock.py"
    spec = importlib.util.spec_from_file_location("bench_clock", path)
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_random_sample_matches_naive() -> None:
    bench = load_bench()
    cal = default_calendar()
    for received, limit, unit, pauses in bench.sample(300, seed=11):
        fast = compute_due(received, limit, unit, cal, pauses=pauses, explain=False).due
        assert fast == bench.naive_due(received, limit, unit, cal, pauses), (received, limit, unit)
