"""Shared by the benchmarks of the national pages (bench/readiness.py, bench/progress.py,
bench/reviews.py): a fresh demo database (the real tree: 34 provinces, 3,321 communes) filled by
the benchmark, then, as bench/pages.py does with bench/harness.py:

- over HTTP: `casework serve` (PostgreSQL: `--workers`, 2; SQLite: one worker), the reader signed
  in through /login (the demo password), each page checked (200, not the sign-in page), then wrk
  on loopback (`--threads` × `--connections`; `--warmup` seconds, then `--seconds` measured) on
  each page — aim p95 ≤ 100 ms (issue 19), the CSV/XLSX files ≤ 1 s (issues 15, 16);
- baselines of the same run: `/healthz` of the same server (the HTTP floor: no database, no
  sign-in check) and, on PostgreSQL, bench/bare_app.py with as many workers: `/bare/units` reading
  every unit row with psycopg (the least any page listing the units must do) and each HTML page's
  template rendered alone with the context the real page passed to it (captured at start-up);
- in process, median of `--repeat` runs after a warm-up: the grouped queries of the figures
  alone, beside reading every unit row through a session.

Two connections by default: one request per worker at a time, so a page's p95 is its own time,
not the queue behind seven others (a national table has a handful of readers; bench/pages.py
measures the officers' pages with eight). Writes bench/out/<name>.json; exits 1 if a check fails
(not when an aim is missed).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
from harness import (
    OUT,
    bare_server,
    casework_env,
    casework_server,
    clean,
    fresh_database,
    pg_url,
    problems_of,
    require_wrk,
    say,
    sign_in,
    sqlite_file,
    timed,
    write_json,
    wrk_arguments,
    wrk_cases,
)
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from casework.accounts.models import Unit
from casework.demo import DEMO_PASSWORD

AIM_PAGE_MS = 100  # issue 19: readiness map / progress at 3,300 communes, p95
AIM_FILE_MS = 1000  # issues 15 and 16: 1 s for an export
FILES = ("CSV", "XLSX")
BASELINE = "baseline: read the 3,356 unit rows"
HEALTHZ = "BASELINE /healthz (no database)"
UNITS = "BASELINE bare app: read the unit rows"
TEMPLATE = "BASELINE template only: "

Fill = Callable[[Session], dict[str, int]]
#: engine → {label: a function timed in process}
Functions = Callable[[Engine], dict[str, Callable[[], None]]]


@dataclass(frozen=True)
class Bench:
    name: str
    reader: str  # a demo user (the demo password)
    fill: Fill
    pages: dict[str, str]  # label → path; a label starting with CSV/XLSX is a file
    functions: Functions


def places(session: Session) -> list[int]:
    """The ids of the departments and communes (where officers work), for the fills."""
    rows = session.execute(select(Unit.id, Unit.kind))
    return [uid for uid, kind in rows if kind in ("department", "commune")]


def bulk(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT `rows` into `table` 5,000 at a time."""
    for start in range(0, len(rows), 5000):
        session.execute(insert(table), rows[start : start + 5000])


def aim_ms(label: str) -> int | None:
    if label.startswith("BASELINE"):
        return None
    return AIM_FILE_MS if label.startswith(FILES) else AIM_PAGE_MS


def check_pages(base: str, cookie: str, pages: dict[str, str]) -> list[str]:
    """Each page answers 200 with its own content (not the sign-in form), before the runs."""
    problems = []
    with httpx.Client(base_url=base, cookies={"casework_session": cookie}, timeout=60) as client:
        for label, path in pages.items():
            r = client.get(path)
            if r.status_code != 200 or 'name="password"' in r.text[:20000]:
                problems.append(f"{label} ({path}): {r.status_code}, not the page")
    return problems


def in_process(engine: Engine, bench: Bench, repeat: int) -> dict[str, float]:
    def baseline() -> None:
        with Session(engine) as s:
            s.execute(select(Unit)).all()

    timed_cases = {BASELINE: baseline, **bench.functions(engine)}
    return {label: timed(fn, repeat) for label, fn in timed_cases.items()}


def measure(url: str, workers: int, bench: Bench, args: argparse.Namespace) -> dict[str, Any]:
    label = make_url(url).get_backend_name()
    say(f"{label}: filling the national world")
    with fresh_database(url, keep=args.keep) as engine:
        with Session(engine, expire_on_commit=False) as session:
            sizes = bench.fill(session)
        say(f"  {sizes}")
        result: dict[str, Any] = {"workers": workers, "sizes": sizes}
        result["seconds"] = in_process(engine, bench, args.repeat)
        for name, s in result["seconds"].items():
            say(f"  in process: {name:<56} {s * 1000:>8.1f} ms")
        logs = OUT / "logs"
        log = logs / f"{bench.name}-{label}.log"
        with casework_server(url, workers=workers, log=log) as server:

            def cookie() -> str:
                return sign_in(server.url, bench.reader, DEMO_PASSWORD)

            problems = check_pages(server.url, cookie(), bench.pages)
            cases = {k: [v] for k, v in bench.pages.items()} | {HEALTHZ: ["/healthz"]}
            result["runs"] = runs(server.url, cases, args, cookie)
            result["rss_mb"] = server.rss()
        if label == "postgresql" and not args.no_baselines:
            html = {k: v for k, v in bench.pages.items() if not k.startswith(FILES)}
            names = {f"p{i}": path for i, path in enumerate(html.values())}
            env = {
                **casework_env(url),
                "BARE_DATABASE_URL": make_url(url)
                .set(drivername="postgresql")
                .render_as_string(False),
                "BARE_PAGES": ",".join(f"{k}={v}" for k, v in names.items()),
                "BARE_USERNAME": bench.reader,
                "BARE_PASSWORD": DEMO_PASSWORD,
            }
            bare_log = logs / f"{bench.name}-bare.log"
            with bare_server(env, workers=workers, log=bare_log) as bare:
                cases = {UNITS: ["/bare/units"]} | {
                    TEMPLATE + k: [f"/bare/p{i}"] for i, k in enumerate(html)
                }
                result["runs"].update(runs(bare.url, cases, args, None))
    for name, r in result["runs"].items():
        if not clean(r):
            problems.append(f"{label} {name}: {r['non_2xx']} non-2xx, {r['socket_errors']} errors")
    result["problems"] = problems
    return result


def runs(
    base: str, cases: dict[str, list[str]], args: argparse.Namespace, cookie: Any
) -> dict[str, Any]:
    return wrk_cases(
        base, cases, warmup=args.warmup, seconds=args.seconds, threads=args.threads,
        connections=args.connections, cookie=cookie, aims=aim_ms,
    )  # fmt: skip


def main(bench: Bench, doc: str) -> int:
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    wrk_arguments(parser, seconds=10, warmup=3, connections=2)
    parser.add_argument("--repeat", type=int, default=5, help="in-process runs of the figures")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--no-baselines", action="store_true", help="without the bare app's (PostgreSQL)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()
    require_wrk()
    results: dict[str, Any] = {}
    if not args.sqlite_only:
        url = pg_url(f"casework_bench_{bench.name}")
        results["postgresql"] = measure(url, args.workers, bench, args)
    if not args.no_sqlite:
        with sqlite_file(bench.name, keep=args.keep) as url:
            results["sqlite"] = measure(url, 1, bench, args)
    problems = problems_of(results)
    write_json(
        bench.name,
        {
            "command": f"python bench/{bench.name}.py " + " ".join(sys.argv[1:]),
            "config": {k: v for k, v in vars(args).items() if k != "keep"},
            "reader": bench.reader,
            "aims_p95_ms": {"page": AIM_PAGE_MS, "file": AIM_FILE_MS},
            "results": results,
            "ok": not problems,
        },
    )
    return 0 if not problems else 1
