"""Page latency with 8 concurrent clients: the dossier page and the work queue.

    .venv/bin/python bench/pages.py [--seconds 20] [--warmup 5] [--queue-size 10000]
                                    [--dossiers 50] [--connections 8] [--threads 2]
                                    [--workers 2] [--no-sqlite] [--keep]

Builds the data once per database: at Sở KH&CN Hà Nội, dossiers of procedure 2.002131 with 50
events each (opened, accepted, then 24 rounds of supplement request and receipt or of signing and
sending back, through the real services; then copies), and enough other dossiers in five states
(received, reviewing, awaiting a supplement, signing, returned) for `--queue-size` dossiers in the
unit (copies of dossiers made through the services, see harness.clone).

Then, on PostgreSQL with `casework serve --workers 2` (and on SQLite, the embedded default, with
one worker, unless --no-sqlite): sign in as hni.handler through the real /login form (CSRF token
from the form), check with httpx that each page answers 200 and really is the page (the dossier
code in its heading; the queue heading and the unit's count), and run wrk with the session cookie
(`--threads`, `--connections`; `--warmup` seconds, then `--seconds` measured) on:

- (a) /dossiers/{code}, going round the 50-event dossiers — aim p95 ≤ 50 ms;
- (b) /dossiers (the handler's own queue) and /dossiers?queue=unit (every open dossier of the
  unit) — aim p95 ≤ 40 ms.

Baselines, in the same run: /healthz of the same server (no database, no sign-in check: the floor of
the HTTP stack and the middleware), and on PostgreSQL bench/bare_app.py (as many workers)
rendering the same templates with the context the real pages passed to them, captured once at
start-up: template rendering and a bare response, no query, no session, no middleware. After the
runs, the RSS of each worker and `casework audit verify` on the data. Writes
bench/out/pages.json; exits 1 if a check fails (not when an aim is missed).
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import timedelta
from typing import Any

import httpx2 as httpx
from harness import (
    OUT,
    audit_verify,
    bare_server,
    casework_env,
    casework_server,
    clean,
    clone,
    fresh_database,
    open_real,
    pg_url,
    problems_of,
    rebuild_counters,
    require_wrk,
    say,
    sqlite_file,
    write_json,
    wrk_arguments,
    wrk_cases,
)
from harness import sign_in as harness_sign_in
from sqlalchemy import func, select
from sqlalchemy.engine import Engine, make_url

from casework.accounts.models import Unit
from casework.db import utcnow
from casework.demo import DEMO_PASSWORD
from casework.dossiers.models import Dossier

AIMS_P95_MS = {"dossier": 50, "queue": 40}  # issue 19
USERNAME = "hni.handler"
SUPPLEMENT = [
    ("handler", "request_supplement", {
        "reason": "Thiếu số sê-ri", "missing_documents": ["phieu_khai_bao"],
    }),
    ("receiver", "receive_supplement", {}),
]  # fmt: skip
SIGNING = [
    ("handler", "submit_for_signing", {
        "ket_qua_tham_dinh": "Đủ điều kiện xác nhận khai báo",
        "result_summary": "Xác nhận khai báo 02 thiết bị X-quang chẩn đoán",
    }),
    ("leader", "send_back", {"reason": "Ghi rõ nơi đặt từng máy"}),
]  # fmt: skip
ACCEPT = [("receiver", "accept", {})]
#: 49 actions after the opening: 50 events
FIFTY = ACCEPT + [a for i in range(24) for a in (SUPPLEMENT if i % 6 == 0 else SIGNING)]
#: the other dossiers of the queue: (share, days since receipt, actions)
MIX = [
    (0.3, 0.1, []),
    (0.3, 2, ACCEPT),
    (0.1, 5, ACCEPT + SUPPLEMENT[:1]),
    (0.1, 4, ACCEPT + SIGNING[:1]),
    (
        0.2,
        10,
        ACCEPT
        + SIGNING[:1]
        + [
            ("leader", "sign", {"decision_number": "15/GXN-SKHCN"}),
            ("receiver", "return_result", {}),
        ],
    ),
]


def build(engine: Engine, *, big: int, queue_size: int) -> list[str]:
    """The 50-event dossiers (their codes) and the rest of the unit's `queue_size` dossiers."""
    now = utcnow()
    first = open_real(
        engine, unit_prefix="hni", applicant="Bệnh viện 50 sự kiện", actions=FIFTY,
        start=now - timedelta(days=20),
    )  # fmt: skip
    codes = [first, *clone(engine, first, big - 1, applicant="Bệnh viện 50 sự kiện")]
    with engine.connect() as conn:
        unit_id = conn.execute(select(Unit.id).where(Unit.code == "SKHCN.HNI")).scalar_one()
        have = conn.execute(
            select(func.count()).where(Dossier.handling_unit_id == unit_id)
        ).scalar_one()
    left = queue_size - have
    for i, (share, days, actions) in enumerate(MIX):
        n = round(left * share) if i < len(MIX) - 1 else left
        if n <= 0:
            continue
        applicant = f"Phòng khám Đa khoa mẫu {i + 1}"
        template = open_real(
            engine, unit_prefix="hni", applicant=applicant, actions=actions,
            start=now - timedelta(days=days),
        )  # fmt: skip
        clone(engine, template, n - 1, applicant=applicant)
        left -= n
    rebuild_counters(engine)
    return codes


def sign_in(base: str) -> str:
    """The session cookie of hni.handler, signed in through the /login form."""
    return harness_sign_in(base, USERNAME, DEMO_PASSWORD)


def check_pages(base: str, cookie: str, code: str, open_in_unit: int) -> list[str]:
    """Each measured page answers 200 with the right content, before the runs."""
    problems = []
    with httpx.Client(base_url=base, cookies={"casework_session": cookie}, timeout=30) as client:
        page = client.get(f"/dossiers/{code}")
        if page.status_code != 200 or f"<h1>{code}</h1>" not in page.text:
            problems.append(f"/dossiers/{code}: {page.status_code}, not the dossier page")
        for path in ("/dossiers", "/dossiers?queue=unit"):
            page = client.get(path)
            count = re.search(r'data-testid="count-unit">(\d+)<', page.text)
            if page.status_code != 200 or "<h1>Hồ sơ</h1>" not in page.text or count is None:
                problems.append(f"{path}: {page.status_code}, not the queue page")
            elif int(count[1]) != open_in_unit:
                problems.append(f"{path}: the unit's count is {count[1]}, not {open_in_unit}")
    return problems


def aim_for(case: str) -> int | None:
    """The p95 aim of a measured case: (a) the dossier page, (b) the queues; none for baselines."""
    return AIMS_P95_MS["dossier"] if case.startswith("(a)") else (
        AIMS_P95_MS["queue"] if case.startswith("(b)") else None
    )  # fmt: skip


def runs(
    base: str, cases: dict[str, list[str]], args: argparse.Namespace, *, signed_in: bool
) -> dict[str, Any]:
    """wrk on each case (harness.wrk_cases); `signed_in`: with the cookie of a new sign-in."""
    return wrk_cases(
        base, cases, warmup=args.warmup, seconds=args.seconds, threads=args.threads,
        connections=args.connections, cookie=(lambda: sign_in(base)) if signed_in else None,
        aims=aim_for,
    )  # fmt: skip


def open_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(Dossier)
                .join(Unit, Unit.id == Dossier.handling_unit_id)
                .where(Unit.code == "SKHCN.HNI", Dossier.finished_at.is_(None))  # type: ignore[union-attr]
            ).scalar_one()
        )


def measure(url: str, workers: int, args: argparse.Namespace, *, baselines: bool) -> dict[str, Any]:
    label = make_url(url).get_backend_name()
    say(f"{label}: building {args.queue_size} dossiers in the unit, {args.dossiers} with 50 events")
    with fresh_database(url, keep=args.keep) as engine:
        codes = build(engine, big=args.dossiers, queue_size=args.queue_size)
        expected = open_count(engine)
        logs = OUT / "logs"
        result: dict[str, Any] = {"workers": workers, "open_in_unit": expected}
        with casework_server(url, workers=workers, log=logs / f"pages-{label}.log") as server:
            cookie = sign_in(server.url)
            problems = check_pages(server.url, cookie, codes[0], expected)
            cases = {
                "(a) /dossiers/{code}, 50 events": [f"/dossiers/{c}" for c in codes],
                "(b) /dossiers (my queue)": ["/dossiers"],
                "(b) /dossiers?queue=unit": ["/dossiers?queue=unit"],
                "BASELINE /healthz (no database)": ["/healthz"],
            }
            result["runs"] = runs(server.url, cases, args, signed_in=True)
            result["rss_mb"] = server.rss()
        if baselines:
            env = {
                **casework_env(url),
                "BARE_PAGES": f"dossier=/dossiers/{codes[0]},queue=/dossiers",
                "BARE_USERNAME": USERNAME,
                "BARE_PASSWORD": DEMO_PASSWORD,
            }
            with bare_server(env, workers=workers, log=logs / "pages-bare.log") as bare:
                cases = {
                    "BASELINE template only: dossier page": ["/bare/dossier"],
                    "BASELINE template only: my queue": ["/bare/queue"],
                }
                result["runs"].update(runs(bare.url, cases, args, signed_in=False))
                result["bare_rss_mb"] = bare.rss()
        say(f"  RSS per worker: {result['rss_mb']} MB" + (
            f"; bare app (holding casework for the capture): {result['bare_rss_mb']} MB"
            if baselines else ""
        ))  # fmt: skip
        passed, audit = audit_verify(url)
        result["audit_verify"] = audit
        if not passed:
            problems.append(f"{label}: casework audit verify failed: {audit}")
    for name, r in result["runs"].items():
        if not clean(r):
            problems.append(f"{label} {name}: {r['non_2xx']} non-2xx, {r['socket_errors']} errors")
    result["problems"] = problems
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    wrk_arguments(parser, seconds=20, warmup=5, connections=8)
    parser.add_argument("--queue-size", type=int, default=10000, help="dossiers in the unit")
    parser.add_argument("--dossiers", type=int, default=50, help="dossiers with 50 events")
    parser.add_argument("--database", default="casework_bench_pages")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()
    require_wrk()
    results: dict[str, Any] = {
        "postgresql": measure(pg_url(args.database), args.workers, args, baselines=True)
    }
    if not args.no_sqlite:
        with sqlite_file("pages", keep=args.keep) as url:
            results["sqlite"] = measure(url, 1, args, baselines=False)
    problems = problems_of(results)
    write_json(
        "pages",
        {
            "command": "python bench/pages.py " + " ".join(sys.argv[1:]),
            "config": {k: v for k, v in vars(args).items() if k != "keep"},
            "aims_p95_ms": AIMS_P95_MS,
            **results,
            "ok": not problems,
        },
    )
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
