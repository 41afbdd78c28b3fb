"""Benchmark of the legal clock: `compute_due` against a naive day-by-day / minute-stepping loop.

    .venv/bin/python bench/clock.py [--n 20000] [--naive 2000] [--seed 7]

Builds a realistic mix of inputs (mostly working_days 5–25, some days and hours, about a third
with one or two pauses), checks that both implementations give the same due instant on every
input of the naive sample, then prints computations per second for each and the ratio (also
written to bench/out/clock.json).
"""

from __future__ import annotations

import argparse
import random
import sys
import time as clock
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from casework.clock import LimitUnit, WorkCalendar, compute_due, default_calendar

Pauses = Sequence[tuple[datetime, datetime]]


# ---- the naive reference ---------------------------------------------------------------------


def naive_due(
    received: datetime, limit: float, unit: str, cal: WorkCalendar, pauses: Pauses = ()
) -> datetime:
    """The rule written as literally as possible: step day by day, and minute by minute inside
    office windows that a pause touches. Inputs at whole minutes."""
    tz = cal.tz
    lt = received.astimezone(tz)

    def working(d: date) -> bool:
        return cal.day_status(d)[0]

    def at(d: date, minute: int) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=tz) + timedelta(minutes=minute)

    def next_working(d: date) -> date:
        while not working(d):
            d += timedelta(days=1)
        return d

    local_pauses = sorted((a.astimezone(tz), b.astimezone(tz)) for a, b in pauses)
    r_day = lt.date()
    if not (working(r_day) and lt.time() <= cal.cutoff):
        r_day = next_working(r_day + timedelta(days=1))
    close = cal.office_hours[-1][1]

    if unit == "days":
        merged: list[tuple[datetime, datetime]] = []
        for a, b in local_pauses:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        start = at(r_day + timedelta(days=1), 0)
        extra = 0
        due = at(next_working(r_day + timedelta(days=int(limit))), close)
        for a, b in merged:
            a = max(a, start)
            if b <= a:
                continue
            if a >= due:
                break
            extra += -(-int((b - a).total_seconds()) // 86400)
            due = at(next_working(r_day + timedelta(days=int(limit) + extra)), close)
        return due

    def paused(t: datetime) -> bool:
        return any(a <= t < b for a, b in local_pauses)

    if unit == "working_days":
        need = round(limit * cal.day_minutes)
        if need == 0:
            return at(r_day, close)
        day = next_working(r_day + timedelta(days=1))
        first_minute = 0
    else:
        need = round(limit * 60)
        if need == 0:
            return lt
        day = lt.date()
        first_minute = lt.hour * 60 + lt.minute
    count = 0
    while True:
        if working(day):
            for ws, we in cal.office_hours:
                lo = max(ws, first_minute)
                if lo >= we:
                    continue
                w_start, w_end = at(day, lo), at(day, we)
                if not any(a < w_end and b > w_start for a, b in local_pauses):
                    if count + (we - lo) >= need:
                        return at(day, lo + need - count)
                    count += we - lo
                    continue
                for m in range(lo, we):
                    if not paused(at(day, m)):
                        count += 1
                        if count == need:
                            return at(day, m + 1)
        day += timedelta(days=1)
        first_minute = 0


# ---- inputs ------------------------------------------------------------------------------------


def sample(n: int, seed: int) -> list[tuple[datetime, float, str, list[tuple[datetime, datetime]]]]:
    rng = random.Random(seed)
    tz = default_calendar().tz
    first = datetime(2025, 1, 1, tzinfo=tz)
    out = []
    for _ in range(n):
        day = first + timedelta(days=rng.randrange(0, 700))
        if rng.random() < 0.85:
            minute = rng.randrange(7 * 60, 18 * 60)
        else:
            minute = rng.randrange(0, 24 * 60)
        received = day + timedelta(minutes=minute)
        kind = rng.random()
        if kind < 0.7:
            unit, limit = "working_days", float(rng.choice([5, 7, 10, 12, 15, 20, 25, 0.5, 2.5]))
        elif kind < 0.85:
            unit, limit = "days", float(rng.choice([10, 15, 20, 25, 30]))
        else:
            unit, limit = "hours", float(rng.choice([2, 4, 8, 16, 24]))
        pauses = []
        if rng.random() < 0.33:
            t = received
            for _ in range(rng.choice([1, 1, 2])):
                t = t + timedelta(minutes=rng.randrange(60, 10 * 24 * 60))
                length = timedelta(minutes=rng.randrange(30, 10 * 24 * 60))
                pauses.append((t, t + length))
                t = t + length
        out.append((received, limit, unit, pauses))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000, help="inputs for the fast path")
    ap.add_argument("--naive", type=int, default=2000, help="inputs for the naive loop")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    cal = default_calendar()
    inputs = sample(args.n, args.seed)
    units = {u: LimitUnit(u) for u in ("working_days", "days", "hours")}
    for received, limit, unit, pauses in inputs[:100]:  # warm the calendar index
        compute_due(received, limit, units[unit], cal, pauses=pauses, explain=False)

    t0 = clock.perf_counter()
    fast = [
        compute_due(received, limit, units[unit], cal, pauses=pauses, explain=False).due
        for received, limit, unit, pauses in inputs
    ]
    fast_rate = len(inputs) / (clock.perf_counter() - t0)

    t0 = clock.perf_counter()
    for received, limit, unit, pauses in inputs[: args.naive]:
        compute_due(received, limit, units[unit], cal, pauses=pauses)
    traced_rate = min(args.naive, len(inputs)) / (clock.perf_counter() - t0)

    naive_inputs = inputs[: args.naive]
    t0 = clock.perf_counter()
    slow = [naive_due(r, lim, u, cal, p) for r, lim, u, p in naive_inputs]
    naive_rate = len(naive_inputs) / (clock.perf_counter() - t0)

    mismatches = [
        (inp, f, s) for inp, f, s in zip(naive_inputs, fast, slow, strict=False) if f != s
    ]
    print(f"inputs: {len(inputs)} (naive sample: {len(naive_inputs)}), seed {args.seed}")
    print(f"compute_due (explain=False): {fast_rate:,.0f} dues/s")
    print(f"compute_due (with trace):    {traced_rate:,.0f} dues/s")
    print(f"naive loop:                  {naive_rate:,.0f} dues/s")
    print(f"ratio fast / naive:          {fast_rate / naive_rate:,.0f}x")
    from harness import write_json  # here, so tests can import the naive reference alone

    write_json(
        "clock",
        {
            "command": "python bench/clock.py " + " ".join(argv or sys.argv[1:]),
            "inputs": len(inputs),
            "naive_inputs": len(naive_inputs),
            "seed": args.seed,
            "dues_per_s": {
                "compute_due": round(fast_rate),
                "compute_due_traced": round(traced_rate),
                "naive": round(naive_rate),
            },
            "ratio": round(fast_rate / naive_rate, 1),
            "mismatches": len(mismatches),
            "ok": not mismatches,
        },
    )
    if mismatches:
        print(f"MISMATCH on {len(mismatches)} inputs, first: {mismatches[0]}")
        return 1
    print(f"identical dues on all {len(naive_inputs)} naive-sample inputs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
