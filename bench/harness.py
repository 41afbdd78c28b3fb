"""Shared helpers of the HTTP benchmarks (bench/actions.py, bench/pages.py).

- a fresh database, created and migrated with `casework db upgrade`, dropped at the end;
- the demo world (`casework.demo.load`: units, one user per role, nine dossiers) and dossiers in
  bulk: one through the real services, then copies of its rows (`clone`);
- a server with N workers (`Server`), ready when every worker has started;
- wrk driven by bench/wrk.lua (`run_wrk`), and the RSS of the worker processes;
- the results as JSON in bench/out/<name>.json;
- `timed`: the median of a function's runs after a warm-up (bench/reports.py, bench/national.py).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import httpx2 as httpx
from sqlalchemy import create_engine, insert, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session
from sqlmodel import select as select_orm

from casework import demo
from casework.accounts.models import Unit, User
from casework.accounts.service import create_user, issue_token
from casework.db import make_engine
from casework.dossiers import queue_index, service
from casework.dossiers.catalog import sync_procedures
from casework.dossiers.events import event_hash
from casework.dossiers.models import ClockPause, Dossier, DossierCodeCounter, Event, StepRecord
from casework.procedures import ProcedureRegistry
from casework.reports import stats
from casework.settings import PROJECT_ROOT, get_settings
from casework.text import fold

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
LUA = BENCH / "wrk.lua"
BIN = Path(sys.executable).parent
CASEWORK = BIN / "casework"
#: The PostgreSQL server the benchmarks create their databases on.
PG_SERVER = os.environ.get("CASEWORK_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PROCEDURE = "2.002131"  # X-ray declaration, the first procedure of the staff guide


@cache
def registry() -> ProcedureRegistry:
    """The procedures the server will load too (CASEWORK_WORKFLOWS_DIR, default workflows/)."""
    return ProcedureRegistry.from_directory(get_settings().workflows_dir)


def timed(fn: Any, repeat: int) -> float:
    """The median of `repeat` runs of `fn`, after one warm-up (plans, caches)."""
    fn()
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def say(text: str) -> None:
    print(text, flush=True)


# ---- wrk ----------------------------------------------------------------------------------


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        sys.exit(
            "bench: wrk is not installed. Install it (`deploy/system-packages.sh --with-bench`, "
            "as root; or `apt-get install wrk`) and run again."
        )
    return path


def wrk_version() -> str:
    run = subprocess.run([require_wrk(), "-v"], capture_output=True, text=True)
    return (run.stdout + run.stderr).splitlines()[0].split(" Copyright")[0].strip()


def run_wrk(
    base_url: str,
    targets: Sequence[str],
    *,
    seconds: float,
    threads: int = 2,
    connections: int = 8,
    method: str = "GET",
    body: str = "",
    headers: dict[str, str] | None = None,
    once: bool = False,
    timeout: int = 30,
) -> dict[str, Any]:
    """Run wrk against `base_url` with bench/wrk.lua; `targets` are its lines (path, or path
    TAB token). Returns the totals, requests/s and latency percentiles in milliseconds."""
    if connections < threads:
        raise ValueError("wrk needs at least one connection per thread")
    with tempfile.NamedTemporaryFile("w", suffix=".targets", delete=False) as f:
        f.write("\n".join(targets) + "\n")
    argv = [require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s"]
    argv += [f"--timeout={timeout}s", "-s", str(LUA)]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    argv += [base_url, "--", f.name, str(threads), "once" if once else "cycle", method, body]
    try:
        run = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120)
    finally:
        os.unlink(f.name)
    found = next((x for x in run.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if run.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    raw = json.loads(found.removeprefix("WRK_JSON "))
    seconds_run = raw["duration_us"] / 1e6
    errors = raw["errors"]
    return {
        "seconds": round(seconds_run, 2),
        "threads": threads,
        "connections": connections,
        "requests": raw["requests"],
        "requests_per_s": round(raw["requests"] / seconds_run, 1),
        "latency_ms": {k: round(v / 1000, 2) for k, v in raw["latency_us"].items()},
        "non_2xx": raw["other"],
        "statuses": raw["statuses"],
        "socket_errors": sum(errors[k] for k in ("connect", "read", "write", "timeout")),
        "sent": raw["sent"],
        "exhausted_threads": raw["exhausted_threads"],
    }


def clean(result: dict[str, Any]) -> bool:
    """Every response 2xx, no socket error or timeout, no thread ran out of work."""
    return not (result["non_2xx"] or result["socket_errors"] or result["exhausted_threads"])


def line(label: str, r: dict[str, Any]) -> str:
    lat = r["latency_ms"]
    return (
        f"  {label:<44} {r['requests_per_s']:>8.1f} req/s  p50 {lat['p50']:>7.2f}  "
        f"p95 {lat['p95']:>7.2f}  p99 {lat['p99']:>7.2f} ms  non-2xx {r['non_2xx']}"
        + (f"  socket errors {r['socket_errors']}" if r["socket_errors"] else "")
        + ("  RAN OUT OF WORK" if r["exhausted_threads"] else "")
    )


def sign_in(base: str, username: str, password: str) -> str:
    """The session cookie of `username`, signed in through the /login form (CSRF token from the
    form), as a browser would."""
    with httpx.Client(base_url=base, timeout=30) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        if form.status_code != 200 or token is None:
            raise RuntimeError(f"no sign-in form ({form.status_code})")
        done = client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token[1]}
        )
        if done.status_code != 303:
            raise RuntimeError(f"sign-in of {username} failed: {done.status_code}")
        return str(client.cookies["casework_session"])


def wrk_arguments(
    parser: argparse.ArgumentParser, *, seconds: float, warmup: float, connections: int
) -> None:
    """The command-line options of a page benchmark's wrk runs and server, with its defaults."""
    parser.add_argument("--seconds", type=float, default=seconds, help="measured run, per page")
    parser.add_argument("--warmup", type=float, default=warmup, help="warm-up run, per page")
    parser.add_argument("--connections", type=int, default=connections)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="PostgreSQL: server workers")


def wrk_cases(
    base: str,
    cases: dict[str, list[str]],
    *,
    warmup: float,
    seconds: float,
    threads: int,
    connections: int,
    cookie: Callable[[], str] | None = None,
    aims: Callable[[str], float | None] = lambda name: None,
) -> dict[str, dict[str, Any]]:
    """wrk on each case (a list of paths, gone round), after its own warm-up run whose figures
    are not kept; with `cookie`, a new session cookie per case (a session idle for 30 minutes
    ends). Prints each case's line with its p95 aim (`aims(name)`, in ms) and the verdict."""
    out = {}
    for name, paths in cases.items():
        headers = {"Cookie": f"casework_session={cookie()}"} if cookie else {}
        for length in (warmup, seconds):
            out[name] = run_wrk(
                base, paths, seconds=length, threads=threads, connections=connections,
                headers=headers,
            )  # fmt: skip
        aim = aims(name)
        verdict = "" if aim is None else (
            "  ok" if out[name]["latency_ms"]["p95"] <= aim else "  MISSED"
        )  # fmt: skip
        say(line(name, out[name]) + (f"  (aim p95 ≤ {aim:g} ms){verdict}" if aim else ""))
    return out


# ---- databases ----------------------------------------------------------------------------


def pg_url(name: str) -> str:
    return f"{PG_SERVER}/{name}"


def _admin() -> Engine:
    return create_engine(make_url(PG_SERVER + "/postgres"), isolation_level="AUTOCOMMIT")


def drop_database(url: str) -> None:
    target = make_url(url)
    if target.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            with suppress(FileNotFoundError):
                os.unlink(f"{target.database}{suffix}")
        return
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def casework_env(url: str, **extra: str) -> dict[str, str]:
    uploads = Path(tempfile.gettempdir()) / "casework-bench-uploads"
    return {
        **os.environ,
        "CASEWORK_DATABASE_URL": url,
        "CASEWORK_ENV": "test",
        "CASEWORK_UPLOAD_DIR": str(uploads),
        **extra,
    }


@contextmanager
def fresh_database(url: str, *, keep: bool = False) -> Iterator[Engine]:
    """A new, migrated database holding the demo world; dropped at the end unless `keep`."""
    drop_database(url)
    target = make_url(url)
    if target.get_backend_name() == "postgresql":
        admin = _admin()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
        admin.dispose()
    subprocess.run(
        [str(CASEWORK), "db", "upgrade"], env=casework_env(url), check=True, capture_output=True
    )
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            sync_procedures(session, registry().all())
            demo.load(session, registry(), TZ)
        yield engine
    finally:
        engine.dispose()
        if keep:
            say(f"kept the database: {url}")
        else:
            drop_database(url)


@contextmanager
def sqlite_file(name: str, *, keep: bool) -> Iterator[str]:
    """The URL of a new SQLite file in a folder of its own, removed afterwards unless `keep`."""
    folder = Path(tempfile.mkdtemp(prefix="casework-bench-"))
    try:
        yield f"sqlite:///{folder / name}.db"
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def problems_of(results: dict[str, dict[str, Any]]) -> list[str]:
    """Every database's problems, each printed."""
    found = [p for r in results.values() for p in r["problems"]]
    for problem in found:
        say(f"PROBLEM {problem}")
    return found


def audit_verify(url: str) -> tuple[bool, str]:
    """`casework audit verify` on the database: (passed, its last line)."""
    run = subprocess.run(
        [str(CASEWORK), "audit", "verify"], env=casework_env(url), capture_output=True, text=True
    )
    lines = (run.stdout + run.stderr).strip().splitlines()
    return run.returncode == 0, lines[-1] if lines else ""


def pg_server_version() -> str:
    admin = _admin()
    with admin.connect() as conn:
        version, buffers = (
            conn.execute(text(f"SHOW {name}")).scalar_one()
            for name in ("server_version", "shared_buffers")
        )
    admin.dispose()
    return f"{version}, shared_buffers {buffers}"


def db_sessions(engine: Engine) -> int | None:
    """Connections opened to this database so far (PostgreSQL 14+), to see connection churn."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
            ).scalar_one()
        )


# ---- users and dossiers -------------------------------------------------------------------


def user(session: Session, username: str) -> User:
    return session.exec(select_orm(User).where(User.username == username)).one()


def token_for(engine: Engine, username: str) -> str:
    with Session(engine, expire_on_commit=False) as session:
        return issue_token(session, user=user(session, username), label="bench")


def officers(engine: Engine, unit_prefix: str, role: str, n: int) -> list[str]:
    """API tokens of `n` new users of the demo unit `unit_prefix`, each with the one `role`."""
    with Session(engine, expire_on_commit=False) as session:
        unit = session.get(Unit, user(session, f"{unit_prefix}.{role}").unit_id)
        assert unit is not None
        return [
            issue_token(
                session,
                user=create_user(
                    session,
                    username=f"bench.{unit_prefix}.{role}{i:02d}",
                    full_name=f"Cán bộ đo tải {i}",
                    unit=unit,
                    roles=[role],
                ),
                label="bench",
            )
            for i in range(1, n + 1)
        ]


def open_real(
    engine: Engine,
    *,
    unit_prefix: str,
    applicant: str,
    actions: Sequence[tuple[str, str, dict[str, Any]]] = (),
    start: datetime,
    step: timedelta = timedelta(minutes=15),
) -> str:
    """One dossier of procedure 2.002131 through the real services: opened at `start` by the
    receiver of the demo unit `unit_prefix` (hni, kha, ...), then each (role, action, data) fired
    by that unit's user of that role, `step` apart. Returns its code."""
    procedure = registry().get(PROCEDURE)
    with Session(engine, expire_on_commit=False) as session:
        dossier = service.open_dossier(
            session,
            actor=user(session, f"{unit_prefix}.receiver"),
            procedure=procedure,
            applicant=service.Applicant(name=applicant, kind="organisation"),
            received_at=start,
            now=start,
            tz=TZ,
        )
        at = start
        for role, action, data in actions:
            at += step
            service.fire_action(
                session,
                actor=user(session, f"{unit_prefix}.{role}"),
                code=dossier.code,
                action=action,
                data=data,
                tz=TZ,
                now=at,
            )
        return dossier.code


def clone(engine: Engine, code: str, n: int, *, applicant: str, batch: int = 2000) -> list[str]:
    """`n` copies of dossier `code`, written in bulk the way `casework demo generate` writes its
    rows: each copy has the next numbers of the unit's daily code counter, its own applicant name
    (`applicant` + number), and copies of the original's events (hash chain recomputed for the new
    code), step records and clock pauses. The report counters are stale until
    `rebuild_counters`. Returns the new codes."""
    dossiers, events = Dossier.__table__, Event.__table__  # type: ignore[attr-defined]
    steps, pauses = StepRecord.__table__, ClockPause.__table__  # type: ignore[attr-defined]
    counters = DossierCodeCounter.__table__  # type: ignore[attr-defined]
    codes: list[str] = []
    with engine.begin() as conn:
        original = dict(
            conn.execute(select(dossiers).where(dossiers.c.code == code)).mappings().one()
        )
        oid = original.pop("id")
        own = [
            [
                dict(r)
                for r in conn.execute(
                    select(t).where(t.c.dossier_id == oid).order_by(t.c.id)
                ).mappings()
            ]
            for t in (events, steps, pauses)
        ]
    own_events, own_steps, own_pauses = own
    day = original["received_at"].astimezone(TZ).date()
    prefix = code.rsplit("-", 1)[0]
    while len(codes) < n:
        size = min(batch, n - len(codes))
        with engine.begin() as conn:
            last = conn.execute(
                update(counters)
                .where(
                    counters.c.unit_id == original["receiving_unit_id"],
                    counters.c.day == day,
                    counters.c.mode == original["mode"],
                )
                .values(last_value=counters.c.last_value + size)
                .returning(counters.c.last_value)
            ).scalar_one()
            rows, chains = [], []
            for seq in range(last - size + 1, last + 1):
                new_code = f"{prefix}-{seq:04d}"
                name = f"{applicant} {seq}"
                chain, prev = [], ""
                for ev in own_events:
                    row = _copy(ev, 0)  # dossier_id set once the copy has its id
                    if row["kind"] == "opened":
                        row["payload"] = copy.deepcopy(row["payload"])
                        row["payload"]["applicant"]["name"] = name
                    row["prev_hash"] = prev
                    row["hash"] = prev = event_hash(SimpleNamespace(**row), new_code)  # type: ignore[arg-type]
                    chain.append(row)
                rows.append(
                    {
                        **original,
                        "code": new_code,
                        "applicant_name": name,
                        "search_text": fold(f"{new_code} {name}"),
                        "last_event_hash": prev,
                    }
                )
                chains.append(chain)
                codes.append(new_code)
            ids = (
                conn.execute(
                    insert(dossiers).returning(dossiers.c.id, sort_by_parameter_order=True), rows
                )
                .scalars()
                .all()
            )
            pairs = zip(ids, chains, strict=True)
            conn.execute(
                insert(events), [{**r, "dossier_id": i} for i, chain in pairs for r in chain]
            )
            for table, own_rows in ((steps, own_steps), (pauses, own_pauses)):
                if own_rows:
                    conn.execute(insert(table), [_copy(r, i) for i in ids for r in own_rows])
    return codes


def _copy(row: dict[str, Any], dossier_id: int) -> dict[str, Any]:
    return {
        **{k: v for k, v in row.items() if k not in ("id", "dossier_id")},
        "dossier_id": dossier_id,
    }


def rebuild_counters(engine: Engine) -> None:
    """The report and work-queue counters from the dossier rows (`casework reports rebuild`),
    after `clone`;
    then fresh planner statistics, as autovacuum would have them on a server in service (right
    after a bulk load they are missing, and PostgreSQL plans for a nearly empty table)."""
    with Session(engine) as session:
        stats.rebuild(session)
        queue_index.rebuild(session)  # the work queues' counters count the copies too
        session.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


# ---- servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"resource_tracker" not in cmdline:
            kids.append(int(entry.name))
    return sorted(kids)


def rss_mb(pid: int) -> float:
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return round(int(row.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmRSS for process {pid}")


class Server:
    """A server process in its own process group, with `workers` worker processes (uvicorn's
    supervisor and its children; one worker is the process itself). Ready when every worker has
    logged "Application startup complete." and /healthz answers 200."""

    def __init__(
        self, argv: Sequence[str], *, env: dict[str, str], port: int, workers: int, log: Path
    ) -> None:
        self.argv, self.env, self.port, self.workers, self.log = list(argv), env, port, workers, log
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}); see {self.log}")
            started = self.log.read_bytes().count(b"Application startup complete.")
            if started >= self.workers and self._healthy():
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start within 90 s; see {self.log}")
            time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        return children(self.proc.pid) or [self.proc.pid]

    def rss(self) -> list[float]:
        """VmRSS of each worker, in MB."""
        return [rss_mb(pid) for pid in self.worker_pids()]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        workers = children(self.proc.pid)
        self.proc.send_signal(signal.SIGTERM)  # uvicorn's supervisor stops its workers
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for pid in workers:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def casework_server(url: str, *, workers: int, log: Path) -> Server:
    port = free_port()
    argv = [str(CASEWORK), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return Server(
        argv + ["--workers", str(workers)],
        env=casework_env(url),
        port=port,
        workers=workers,
        log=log,
    )


def bare_server(env: dict[str, str], *, workers: int, log: Path) -> Server:
    """bench/bare_app.py served as `casework serve` serves the app (bench/serve_bare.py)."""
    port = free_port()
    argv = [str(BIN / "python"), str(BENCH / "serve_bare.py"), "127.0.0.1", str(port), str(workers)]
    return Server(argv, env={**os.environ, **env}, port=port, workers=workers, log=log)


# ---- results ------------------------------------------------------------------------------


def write_json(name: str, data: dict[str, Any]) -> Path:
    """bench/out/<name>.json, with the time and the load average (1, 5, 15 min) at the end: on
    a shared machine, a load above the number of cores means the figures are not to be trusted."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    data = {
        "name": name,
        "finished_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "load_average": Path("/proc/loadavg").read_text().split()[:3],
        **data,
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    say(f"results: {path.relative_to(PROJECT_ROOT)}")
    return path
