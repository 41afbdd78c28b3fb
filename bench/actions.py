"""Action throughput over HTTP on PostgreSQL, against a bare app doing the same SQL.

    .venv/bin/python bench/actions.py [--seconds 20] [--warmup 5] [--connections 16]
                                      [--threads 2] [--workers 2] [--officers 16]
                                      [--pool 3000] [--keep]

Creates a fresh database (`casework_bench_http` on CASEWORK_BENCH_PG, migrated, with the demo
world) and a pool of dossiers of procedure 2.002131 in the state `received` for each case: one
dossier opened through the real services, the rest copies of its rows with their own codes and
hash chains (harness.clone), then the report counters rebuilt. The cases, each on a server with
`--workers` workers:

- `casework serve`, the requests carrying in turn the API tokens of `--officers` receivers of Sở
  KH&CN Hà Nội (people acting at the same time);
- `casework serve` again, every request with hni.receiver's one token (as an integration would:
  every action then also bumps the same per-officer report counter row);
- BASELINE: bench/bare_app.py under uvicorn, the same three SQL statements with nothing around
  them, on dossiers of Sở KH&CN Khánh Hòa.

For each, wrk (bench/wrk.lua) fires `POST /api/v1/dossiers/{code}/actions/accept`, each request
on a dossier of its own (one action per dossier, never a conflict): `--warmup` seconds (again,
with more dossiers, until a warm-up does not run out of them), then the pool is topped up from the
warm-up's rate and `--seconds` are measured; then the RSS of each worker. At the end: every
response was 2xx, every accepted dossier has exactly one action event (every other dossier of the
pools none), the audit of the app's unit passes (`audit.verify`; the baseline's unit is left out:
its three statements write no step rows), and the database is dropped (unless --keep). Prints
requests/s, latency percentiles, the ratio app / baseline (aim: at least 0.5) and the RSS (aim:
under 200 MB per worker); writes bench/out/actions.json. Exits 1 if a check fails (not when an aim
is missed).
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import timedelta
from typing import Any

from harness import (
    OUT,
    Server,
    bare_server,
    casework_server,
    clean,
    clone,
    db_sessions,
    fresh_database,
    line,
    officers,
    open_real,
    pg_url,
    rebuild_counters,
    require_wrk,
    run_wrk,
    say,
    token_for,
    user,
    write_json,
)
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select

from casework.accounts.models import Unit, User
from casework.db import utcnow
from casework.dossiers import audit

AIM_RATIO = 0.5  # issue 19
AIM_RSS_MB = 200
PATH = "/api/v1/dossiers/{code}/actions/accept"
BODY = '{"data": {}}'
#: case → (label, demo unit of its pool, applicant name of its pool)
CASES = {
    "app": ("casework serve, {officers} receivers' tokens", "hni", "Bệnh viện bench-app"),
    "app_one_token": ("casework serve, one token for all", "hni", "Bệnh viện bench-one-token"),
    "bare": ("BASELINE bare_app.py, 3 SQL statements", "kha", "Bệnh viện bench-bare"),
}


class Pool:
    """Received dossiers not yet used, taken from the front."""

    def __init__(self, engine: Engine, unit: str, applicant: str) -> None:
        self.engine, self.applicant = engine, applicant
        start = utcnow() - timedelta(minutes=30)
        self.template = open_real(engine, unit_prefix=unit, applicant=applicant, start=start)
        self.codes = [self.template]

    def grow(self, n: int) -> None:
        """`n` more copies. The report counters are rebuilt only when no server runs: an action
        still in flight after a warm-up could race the rebuild (see `main`)."""
        if n > 0:
            self.codes += clone(self.engine, self.template, n, applicant=self.applicant)

    def take(self, n: int) -> list[str]:
        taken, self.codes = self.codes[:n], self.codes[n:]
        return taken


def measure(
    label: str, server: Server, pool: Pool, tokens: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    """Warm-up(s), then the measured run, on a running server; request i carries tokens[i % n]."""

    def fire(codes: list[str], seconds: float) -> dict[str, Any]:
        targets = [
            PATH.format(code=c) + (f"\t{tokens[i % len(tokens)]}" if tokens else "")
            for i, c in enumerate(codes)
        ]
        return run_wrk(
            server.url,
            targets,
            seconds=seconds,
            threads=args.threads,
            connections=args.connections,
            method="POST",
            body=BODY,
            headers={"Content-Type": "application/json"},
            once=True,
        )

    warmups = []
    while True:  # until a warm-up does not run out of dossiers: then its rate is right
        warm = fire(pool.take(len(pool.codes)), args.warmup)
        warmups.append(warm)
        say(line(f"{label}, warm-up", warm))
        if not warm["exhausted_threads"]:
            break
        pool.grow(2 * warm["sent"])
    # the warm-up includes the cold start (caches filling): the measured rate can be 1.5x it
    need = math.ceil(warm["requests_per_s"] * args.seconds * 2.5) + 10 * args.connections
    pool.grow(need - len(pool.codes))
    sessions = db_sessions(pool.engine)
    run = fire(pool.take(need), args.seconds)
    opened = (db_sessions(pool.engine) or 0) - (sessions or 0)
    rss = server.rss()
    say(line(label, run) + f"  RSS {', '.join(f'{r:.0f}' for r in rss)} MB")
    return {
        "label": label,
        "warmups": warmups,
        "run": run,
        "rss_mb": rss,
        "db_connections_opened": opened if sessions is not None else None,
    }


def verify(engine: Engine, url: str, results: dict[str, Any]) -> dict[str, Any]:
    """Every accepted dossier has exactly one action event; the chains verify."""
    problems: list[str] = []
    accepted: dict[str, int] = {}
    with engine.connect() as conn:
        for name, (_, _, applicant) in CASES.items():
            rows = conn.execute(
                text(
                    "WITH per AS (SELECT d.id, d.state, d.event_count, count(e.id) AS events, "
                    "count(e.id) FILTER (WHERE e.kind = 'action') AS actions "
                    "FROM dossier d JOIN event e ON e.dossier_id = d.id "
                    "WHERE d.applicant_name LIKE :p GROUP BY d.id) "
                    "SELECT state, event_count, events, actions, count(*) FROM per "
                    "GROUP BY 1, 2, 3, 4"
                ),
                {"p": applicant + "%"},
            ).all()
            expected = {("received", 1, 1, 0), ("reviewing", 2, 2, 1)}
            for state, count, events, actions, n in rows:
                if (state, count, events, actions) not in expected:
                    problems.append(
                        f"{name}: {n} dossiers in {state} with event_count {count}, "
                        f"{events} events, {actions} action events"
                    )
            accepted[name] = sum(n for state, *_, n in rows if state == "reviewing")
            runs = [*results[name]["warmups"], results[name]["run"]]
            ok = sum(r["statuses"].get("200", 0) for r in runs)
            sent = sum(r["sent"] for r in runs)
            # wrk drops the requests still in flight when it stops: they may have been done
            if not ok <= accepted[name] <= sent:
                problems.append(
                    f"{name}: {accepted[name]} dossiers accepted, but wrk got {ok} answers 200 "
                    f"of {sent} requests sent"
                )
    # `casework audit verify` over the app's unit only: the baseline's dossiers (another unit)
    # are accepted by three bare statements, with no step rows or counters, which the audit
    # rightly reports; counting them here would hide the app's own result.
    with Session(engine) as session:
        receiver = session.exec(select(User).where(User.username == "hni.receiver")).one()
        unit = session.get(Unit, receiver.unit_id)
        report = audit.verify(session, unit=unit, problem_limit=3)
    verified = (
        f"{unit.code if unit else '?'}: {report.dossiers} hồ sơ, {report.events} dòng nhật ký, "
        f"{report.problem_count} vấn đề"
    )
    if not report.ok:
        problems.append(f"audit verify of the app's unit failed: {verified}; {report.problems}")
    return {
        "accepted": accepted,
        "audit_verify": verified,
        "problems": problems,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="measured run, per server")
    parser.add_argument("--warmup", type=float, default=5, help="warm-up run, per server")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--pool", type=int, default=3000, help="dossiers made before warm-up")
    parser.add_argument(
        "--officers", type=int, default=16, help="receivers whose tokens the app's requests carry"
    )
    parser.add_argument("--database", default="casework_bench_http")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    require_wrk()
    url = pg_url(args.database)
    say(f"database {make_url(url).database}: creating, migrating, demo world")
    results: dict[str, Any] = {}
    with fresh_database(url, keep=args.keep) as engine:
        pools = {
            name: Pool(engine, unit, applicant) for name, (_, unit, applicant) in CASES.items()
        }
        for pool in pools.values():
            pool.grow(args.pool - 1)
        rebuild_counters(engine)
        tokens = {
            "app": officers(engine, "hni", "receiver", args.officers),
            "app_one_token": [token_for(engine, "hni.receiver")],
            "bare": [],
        }
        with Session(engine) as session:
            actor_id = user(session, "kha.receiver").id
        say(f"{args.pool} received dossiers per case to start with; {args.workers} workers")
        logs = OUT / "logs"
        bare_env = {
            "BARE_DATABASE_URL": make_url(url).set(drivername="postgresql").render_as_string(False),
            "BARE_ACTOR_ID": str(actor_id),
        }
        servers = {
            "app": casework_server(url, workers=args.workers, log=logs / "actions-app.log"),
            "bare": bare_server(bare_env, workers=args.workers, log=logs / "actions-bare.log"),
        }
        for server_name, server in servers.items():
            with server:
                for name, (label, *_) in CASES.items():
                    if name.startswith(server_name):
                        label = label.format(officers=args.officers)
                        results[name] = measure(label, server, pools[name], tokens[name], args)
        rebuild_counters(engine)  # the copies made between the runs
        checks = verify(engine, url, results)
    ratio = results["app"]["run"]["requests_per_s"] / max(
        results["bare"]["run"]["requests_per_s"], 1e-9
    )
    rss_max = max(max(results[n]["rss_mb"]) for n in ("app", "app_one_token"))
    clean_runs = all(
        clean(r["run"]) and not any(w["non_2xx"] or w["socket_errors"] for w in r["warmups"])
        for r in results.values()
    )
    if not clean_runs:
        checks["problems"].append(
            "a run had non-2xx answers, socket errors, or ran out of dossiers"
        )
    say(
        f"ratio app / baseline: {ratio:.2f} (aim ≥ {AIM_RATIO})"
        + ("" if ratio >= AIM_RATIO else "  BELOW AIM")
    )
    bare_rss = max(results["bare"]["rss_mb"])
    say(
        f"RSS per worker after the run: app {rss_max:.0f} MB max (aim < {AIM_RSS_MB} MB), "
        f"baseline {bare_rss:.0f} MB"
    )
    say(f"accepted: {checks['accepted']}; audit: {checks['audit_verify']}")
    for problem in checks["problems"]:
        say(f"PROBLEM {problem}")
    write_json(
        "actions",
        {
            "command": "python bench/actions.py " + " ".join(sys.argv[1:]),
            "config": {k: v for k, v in vars(args).items() if k != "keep"},
            **results,
            "ratio": round(ratio, 3),
            "aims": {"ratio": AIM_RATIO, "rss_mb": AIM_RSS_MB},
            "checks": checks,
            "ok": not checks["problems"],
        },
    )
    return 0 if not checks["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
