"""Benchmark of the auditor reports at national scale.

    .venv/bin/python bench/reports.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/casework_bench]
                                      [--repeat 5] [--generate-if-empty 1000000]

Expects a database filled by `casework demo generate --dossiers 1000000`; with
`--generate-if-empty N` (as `make bench` runs it) the script creates and migrates the database
and generates N dossiers when it holds none (about ten minutes for a million). For each report
it times the function the page calls (median of `--repeat` runs after one warm-up) and the whole
page through the app (template included), for three scopes: the ministry over twelve months,
one province over twelve months, and one commune over one month. The baseline, measured in the
same run, is the same timeliness figures aggregated straight from the dossier rows (what the
monthly counters replace). The target is one second per report. The figures are also written to
bench/out/reports.json.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from harness import timed, write_json
from sqlalchemy import func, select, text
from sqlmodel import Session, col

TARGET = 1.0


def naive_timeliness(session: Session, scope: Any, start: datetime, end: datetime) -> list[Any]:
    """The baseline: the timeliness counts straight from the dossier rows, one GROUP BY."""
    from casework.dossiers.models import Dossier

    ended = col(Dossier.processing_ended_at)
    in_period = (ended >= start) & (ended < end)
    received = (col(Dossier.received_at) >= start) & (col(Dossier.received_at) < end)
    query = (
        select(
            col(Dossier.procedure_code),
            func.count().filter(received),
            func.count().filter(in_period),
            *(
                func.count().filter(in_period & (col(Dossier.result_bucket) == b))
                for b in ("early", "on_time", "late")
            ),
            func.avg(col(Dossier.elapsed)).filter(in_period),
            func.sum(col(Dossier.supplement_requests)).filter(in_period),
        )
        .where(*scope.dossier_filter(), received | in_period)
        .group_by(col(Dossier.procedure_code))
    )
    return list(session.execute(query))


def report_cases(
    session: Session, scope: Any, registry: Any, now: datetime, cal: Any
) -> dict[str, Callable[[], Any]]:
    """What each report page computes, for one scope; the baseline last."""
    from casework.reports import drill, indicators, queries, step_queries

    start, end = scope.period.bounds(cal)
    return {
        "timeliness by procedure": lambda: queries.timeliness(
            session, scope, registry, group="procedure", now=now, cal=cal
        ),
        "timeliness by unit": lambda: queries.timeliness(
            session, scope, registry, group="unit", now=now, cal=cal
        ),
        "per step by step": lambda: step_queries.steps(session, scope, registry, group="step"),
        "per step by unit": lambda: step_queries.steps(session, scope, registry, group="unit"),
        "per step by officer": lambda: step_queries.steps(
            session, scope, registry, group="officer"
        ),
        "766 indicators": lambda: indicators.compute(
            *reversed(
                queries.timeliness(session, scope, registry, group="procedure", now=now, cal=cal)
            ),
            current=True,
        ),
        "monthly trend": lambda: queries.monthly(session, scope),
        "drill-down: late, page 1": lambda: drill.drill_down(
            session, scope, "late", now=now, cal=cal, page=1
        ),
        "BASELINE timeliness from dossier rows": lambda: naive_timeliness(
            session, scope, start, end
        ),
    }


def prepare(url: str, n: int) -> int:
    """Create the PostgreSQL database if it is missing, migrate it, and say how many dossiers
    to generate (n if it holds none, else 0)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError, ProgrammingError

    target = make_url(url)
    if target.get_backend_name() == "postgresql":
        admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": target.database}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
        admin.dispose()
    casework = os.path.join(os.path.dirname(sys.executable), "casework")
    subprocess.run(
        [casework, "db", "upgrade"], check=True, env={**os.environ, "CASEWORK_DATABASE_URL": url}
    )
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM dossier")).scalar_one()
    except (OperationalError, ProgrammingError):
        count = 0
    engine.dispose()
    return n if count < n // 2 else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url",
        default=os.environ.get(
            "CASEWORK_BENCH_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/casework_bench"
        ),
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--generate", type=int, default=0, help="generate N dossiers first")
    parser.add_argument(
        "--generate-if-empty",
        type=int,
        default=0,
        metavar="N",
        help="create and migrate the database if needed, and generate N dossiers if it has none",
    )
    args = parser.parse_args()
    os.environ["CASEWORK_DATABASE_URL"] = args.url
    if args.generate_if_empty:
        args.generate = prepare(args.url, args.generate_if_empty)
    if args.generate:
        casework = os.path.join(os.path.dirname(sys.executable), "casework")
        subprocess.run([casework, "db", "upgrade"], check=True)
        subprocess.run([casework, "demo", "generate", "--dossiers", str(args.generate)], check=True)

    from fastapi.testclient import TestClient

    from casework.accounts.models import Role, Unit, UnitKind, User
    from casework.clock import default_calendar
    from casework.db import make_engine
    from casework.dossiers.models import Dossier, Event
    from casework.main import create_app
    from casework.procedures import ProcedureRegistry
    from casework.reports.queries import Period, Scope
    from casework.settings import get_settings

    settings = get_settings()
    engine = make_engine(args.url)
    registry = ProcedureRegistry.from_directory(settings.workflows_dir)
    cal = default_calendar()
    now = datetime.now(cal.tz)
    last = date(now.year, now.month, 1)
    first = (
        date(last.year - 1, last.month % 12 + 1, 1) if last.month != 12 else date(last.year, 1, 1)
    )
    year = Period(first, last)
    month = Period(last, last)

    with Session(engine) as session:
        dossiers = session.execute(select(func.count()).select_from(Dossier)).scalar_one()
        events = session.execute(select(func.count()).select_from(Event)).scalar_one()
        ministry = session.exec(select(Unit).where(col(Unit.parent_id).is_(None))).first()[0]  # type: ignore[index]
        province = session.exec(
            select(Unit).where(Unit.kind == UnitKind.department).order_by(col(Unit.id))
        ).first()[0]  # type: ignore[index]
        commune = session.exec(
            select(Unit)
            .where(Unit.kind == UnitKind.commune, col(Unit.path).startswith(province.path))
            .order_by(col(Unit.id))
        ).first()[0]  # type: ignore[index]
        size = ""
        if engine.dialect.name == "postgresql":
            size = session.execute(
                text("SELECT pg_size_pretty(pg_database_size(current_database()))")
            ).scalar_one()
    print(f"database: {engine.dialect.name}, {dossiers:,} dossiers, {events:,} events {size}")
    print(f"machine: {os.cpu_count()} cores; target {TARGET:.1f} s per report\n")

    scopes = {
        f"{ministry.code} (ministry), {year.text}": Scope(ministry, year),
        f"{province.code} (province), {year.text}": Scope(province, year),
        f"{commune.code} (commune), {month.text}": Scope(commune, month),
    }
    worst = 0.0
    rows: list[tuple[str, str, float]] = []
    with Session(engine) as session:
        for label, scope in scopes.items():
            cases = report_cases(session, scope, registry, now, cal)
            for name, fn in cases.items():
                seconds = timed(fn, args.repeat)
                rows.append((label, name, seconds))
                if not name.startswith("BASELINE"):
                    worst = max(worst, seconds)

    # the same reports as pages through the app, signed in as an auditor of the ministry
    with Session(engine) as session:
        auditor = session.exec(
            select(User).where(User.unit_id == ministry.id).order_by(col(User.id))
        ).all()
        auditor_user = next((u for (u,) in auditor if u.has_role(Role.auditor)), None)
    app = create_app(settings)
    pages: list[tuple[str, float]] = []
    if auditor_user is not None:
        with TestClient(app) as client:
            from casework.accounts.security import hash_password

            with Session(engine) as session:
                user = session.get(User, auditor_user.id)
                assert user is not None
                user.password_hash = hash_password("bench-password-1")
                username = user.username
                session.add(user)
                session.commit()
            login = client.get("/login").text
            token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            client.post(
                "/login",
                data={"username": username, "password": "bench-password-1", "csrf_token": token},
            )
            query = f"from={first:%Y-%m}&to={last:%Y-%m}"
            for path in (
                f"/reports/timeliness?{query}",
                f"/reports/timeliness?{query}&group=unit",
                f"/reports/steps?{query}",
                f"/reports/steps?{query}&group=officer",
                f"/reports/indicators?{query}",
                f"/reports/dossiers?{query}&kind=late",
                f"/reports/timeliness.xlsx?{query}",
            ):
                seconds = timed(lambda p=path: client.get(p).raise_for_status(), args.repeat)
                pages.append((path, seconds))
                worst = max(worst, seconds)

    width = max(len(n) for _, n, _ in rows)
    current = ""
    for label, name, seconds in rows:
        if label != current:
            print(f"{label}")
            current = label
        flag = "" if name.startswith("BASELINE") else ("  ok" if seconds < TARGET else "  SLOW")
        print(f"  {name:<{width}}  {seconds * 1000:9.1f} ms{flag}")
    if pages:
        print("\npages through the app (ministry auditor, twelve months, template included)")
        for path, seconds in pages:
            flag = "  ok" if seconds < TARGET else "  SLOW"
            print(f"  {path:<60}  {seconds * 1000:9.1f} ms{flag}")
    print(f"\nslowest report: {worst * 1000:.1f} ms (target {TARGET * 1000:.0f} ms)")
    write_json(
        "reports",
        {
            "command": "python bench/reports.py " + " ".join(sys.argv[1:]),
            "database": {"dialect": engine.dialect.name, "dossiers": dossiers, "events": events},
            "repeat": args.repeat,
            "target_s": TARGET,
            "functions": [
                {"scope": label, "report": name, "seconds": round(seconds, 4)}
                for label, name, seconds in rows
            ],
            "pages": [{"path": path, "seconds": round(seconds, 4)} for path, seconds in pages],
            "slowest_s": round(worst, 4),
            "ok": worst < TARGET,
        },
    )
    return 0 if worst < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
