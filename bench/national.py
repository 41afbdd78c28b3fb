"""Shared by the benchmarks of the national tables (bench/readiness.py, bench/progress.py): a fresh
demo database filled by the benchmark, the app through its test client signed in as the ministry's
auditor, each case timed beside the same baseline (reading every unit row), and their common
command line, printout and JSON."""

from __future__ import annotations

import argparse
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from harness import fresh_database, pg_url, timed, write_json
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from casework.accounts.models import Unit, User
from casework.accounts.security import hash_password


@contextmanager
def signed_in(engine: Engine, url: str, username: str, password: str) -> Iterator[TestClient]:
    """The app on `engine`, through its test client, signed in as `username` (whose password is
    set to `password` first)."""
    from casework.main import create_app
    from casework.settings import Settings

    app = create_app(Settings(env="test", database_url=url), engine=engine)
    with TestClient(app) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token
        with Session(engine) as s:
            user = s.execute(select(User).where(User.username == username)).scalar_one()
            user.password_hash = hash_password(password)
            s.add(user)
            s.commit()
        form = {"username": username, "password": password, "csrf_token": token.group(1)}
        r = client.post("/login", data=form, follow_redirects=False)
        assert r.status_code == 303, r.text
        yield client


def getter(client: TestClient) -> Callable[[str], None]:
    def get(path: str) -> None:
        assert client.get(path).status_code == 200, path

    return get


BASELINE = "baseline: read the 3,356 unit rows"
READER = "bo.auditor"
PASSWORD = "bench-national-1"

Fill = Callable[[Session], dict[str, int]]
#: (engine, get) → {label: the case}; get(path) asserts a 200
Cases = Callable[[Engine, Callable[[str], None]], dict[str, Callable[[], None]]]


def measure(url: str, repeat: int, fill: Fill, cases: Cases) -> dict[str, Any]:
    """On a fresh demo database at `url`: `fill` it, then time the baseline and every case."""
    with fresh_database(url) as engine:
        with Session(engine, expire_on_commit=False) as session:
            sizes = fill(session)
        with signed_in(engine, url, READER, PASSWORD) as client:

            def baseline() -> None:
                with Session(engine) as s:
                    s.execute(select(Unit)).all()

            timed_cases = {BASELINE: baseline, **cases(engine, getter(client))}
            seconds = {label: timed(fn, repeat) for label, fn in timed_cases.items()}
    return {"sizes": sizes, "seconds": seconds}


def main(name: str, fill: Fill, cases: Cases, target: float) -> None:
    """`--repeat N`, `--sqlite-only`; each database measured, the cases printed beside the
    baseline, and bench/out/<name>.json."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    urls = {"sqlite": f"sqlite:///{tempfile.mkdtemp()}/{name}.db"}
    if not args.sqlite_only:
        urls["postgresql"] = pg_url(f"casework_bench_{name}")
    results = {db: measure(url, args.repeat, fill, cases) for db, url in urls.items()}
    for db, r in results.items():
        print(f"{db}: {r['sizes']}")
        base = r["seconds"][BASELINE]
        for label, s in r["seconds"].items():
            verdict = "" if label == BASELINE else (" ok" if s < target else " SLOW")
            print(f"  {label:<52} {s * 1000:>8.1f} ms  ({s / base:>5.1f} × baseline){verdict}")
    write_json(name, {"target_seconds": target, "results": results})
