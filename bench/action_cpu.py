"""CPU of one accept without HTTP: the app's action against the bare app's three statements.

    .venv/bin/python bench/action_cpu.py [--accepts 1200] [--rounds 3] [--keep]

What bench/actions.py cannot separate: how much of an accept is the action's own work (the token
check, the locked dossier, the state machine, the legal clock, the step rows, the counters, the
event's chain hash, the answer) and how much the HTTP server and the framework around it. On a
fresh PostgreSQL database (the demo world, received dossiers of procedure 2.002131 copied as
bench/actions.py does), in ONE process, alternating in blocks of 40:

- **app**: what `POST /api/v1/dossiers/{code}/actions/accept` does inside its one trip to the
  thread pool (`casework.api.v1.fire_action`): `token_user`, `service.fire(..., answer=True)` and
  `_dossier_out`, each accept in its own session, as a request has;
- **bare**: `bench/bare_app.py`'s `accept(code)` (a SELECT … FOR UPDATE, an UPDATE, an INSERT with
  the same chain hash, COMMIT, on a kept psycopg connection), called as a function.

For each: this process's CPU (`time.process_time`) and the PostgreSQL backend's (utime + stime of
its /proc entry: one connection each, kept), in ms per accept. The least block of the rounds is
the figure least disturbed by the rest of the machine. No HTTP, no event loop, no thread hand-off:
compare with bench/actions.py's rates to see what the server around the action costs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import clone, fresh_database, open_real, pg_url, say, token_for, user, write_json
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from casework.db import make_engine, utcnow

BLOCK = 40
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float:
    """Seconds of CPU a PostgreSQL backend has used (utime + stime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def app_accept(engine: Engine, token: str) -> Any:
    """One accept as the API endpoint's trip to the thread pool does it."""
    from starlette.requests import Request

    from casework.api import v1
    from casework.dossiers import service
    from casework.dossiers.service import default_calendars
    from casework.web.deps import token_user

    calendars = default_calendars()
    request = Request({"type": "http", "state": {}, "headers": []})

    def accept(code: str) -> Any:
        with Session(engine, expire_on_commit=False) as session:  # as deps.get_session
            actor = token_user(request, session, token)
            fired = service.fire(
                session, actor=actor, code=code, action="accept", data={}, tz=TZ,
                calendars=calendars, answer=True,
            )  # fmt: skip
            return v1._dossier_out(session, actor, fired.dossier, TZ, calendars, fired)

    return accept


def measure(accept: Any, codes: list[str], pid: int) -> tuple[float, float]:
    """(this process's, the backend's) ms of CPU per accept over `codes`."""
    cpu, db = time.process_time(), backend_cpu(pid)
    for code in codes:
        accept(code)
    n = len(codes)
    return (time.process_time() - cpu) / n * 1000, (backend_cpu(pid) - db) / n * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accepts", type=int, default=1200, help="per kind and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default="casework_bench_action_cpu")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    url = pg_url(args.database)
    n = args.accepts * args.rounds + 2 * BLOCK
    say(f"database {make_url(url).database}: demo world and {n} received dossiers per kind")
    with fresh_database(url, keep=args.keep) as setup:
        start = utcnow() - timedelta(minutes=30)
        pools = {}
        for kind, unit, applicant in (("app", "hni", "cpu-app"), ("bare", "kha", "cpu-bare")):
            first = open_real(setup, unit_prefix=unit, applicant=applicant, start=start)
            pools[kind] = [first, *clone(setup, first, n - 1, applicant=applicant)]
        token = token_for(setup, "hni.receiver")
        with Session(setup) as session:
            actor_id = user(session, "kha.receiver").id
        os.environ["BARE_DATABASE_URL"] = (
            make_url(url).set(drivername="postgresql").render_as_string(False)
        )
        os.environ["BARE_ACTOR_ID"] = str(actor_id)
        import bare_app

        engine = make_engine(url, pool_size=1, max_overflow=0)  # the app's settings
        accepts = {"app": app_accept(engine, token), "bare": bare_app.accept}
        with engine.connect() as conn:
            app_pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with bare_app.connection() as conn:
            bare_pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
            conn.rollback()
        pids = {"app": app_pid, "bare": bare_pid}
        for kind, accept in accepts.items():  # warm-up: caches, compiled statements
            measure(accept, pools[kind][: 2 * BLOCK], pids[kind])
            pools[kind] = pools[kind][2 * BLOCK :]
        blocks: dict[str, list[tuple[float, float]]] = {"app": [], "bare": []}
        for r in range(args.rounds):
            for _b in range(args.accepts // BLOCK):
                for kind, accept in accepts.items():
                    codes, pools[kind] = pools[kind][:BLOCK], pools[kind][BLOCK:]
                    blocks[kind].append(measure(accept, codes, pids[kind]))
            say(f"round {r + 1}/{args.rounds} done")
        engine.dispose()
    out: dict[str, Any] = {"accepts_per_kind": args.accepts * args.rounds, "block": BLOCK}
    for kind, rows in blocks.items():
        py = sorted(p for p, _ in rows)
        pg = sorted(d for _, d in rows)
        out[kind] = {
            "python_ms_least": round(py[0], 3),
            "python_ms_median": round(statistics.median(py), 3),
            "postgres_ms_median": round(statistics.median(pg), 3),
        }
        say(
            f"{kind:5} Python {py[0]:.2f} ms least, {statistics.median(py):.2f} median; "
            f"PostgreSQL backend {statistics.median(pg):.2f} ms median (per accept)"
        )
    ratio = out["app"]["python_ms_least"] / max(out["bare"]["python_ms_least"], 1e-9)
    say(f"app's action / bare's statements, Python CPU: {ratio:.1f}x")
    out["python_ratio"] = round(ratio, 2)
    write_json("action_cpu", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
