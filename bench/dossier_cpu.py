"""CPU per view of the dossier page, in one process, old code against new in the same run.

    .venv/bin/python bench/dossier_cpu.py [--old REF] [--views 300] [--rounds 3] [--dossiers 8]
                                          [--keep] [--reuse]

Builds a PostgreSQL database as bench/pages.py does (the demo world; at Sở KH&CN Hà Nội a
dossier of procedure 2.002131 with 50 events through the real services, then copies), checks out
`REF` (default HEAD) in a temporary git worktree, and then, `--rounds` times, alternately for the
old and the current code: a fresh process creates the app (TestClient, one thread), signs in as
hni.handler through /login, views each dossier page a few times to warm up, then measures
`time.process_time()` over `--views` views of /dossiers/{code} going round the copies, and over
as many /healthz (the floor: the HTTP stack and middleware, no database), in blocks of 40 views.
Prints ms of CPU per view, each round's mean and least block, and over the rounds their median
and least (on a shared machine the least is the figure least disturbed by other processes); the
database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODES = Path(tempfile.gettempdir()) / "casework_bench_dossier_cpu.json"
#: views per timed block: the least block is the figure least disturbed by other processes
BLOCK = 40
URL = "postgresql+psycopg://postgres@127.0.0.1:5432/casework_bench_dossier_cpu"


def child(codes: list[str], views: int) -> dict[str, float]:
    from fastapi.testclient import TestClient

    from casework.demo import DEMO_PASSWORD
    from casework.main import create_app

    app = create_app()
    with TestClient(app) as client:
        form = client.get("/login").text
        token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed = client.post(
            "/login",
            data={"username": "hni.handler", "password": DEMO_PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.status_code
        paths = [f"/dossiers/{c}" for c in codes]
        size = 0
        for path in paths * 5:
            page = client.get(path)
            assert page.status_code == 200 and path.rsplit("/", 1)[1] in page.text
            size = len(page.content)
        result = {"bytes": size}
        for name, todo in (("healthz", ["/healthz"]), ("dossier", paths)):
            blocks = []
            for _ in range(max(1, views // BLOCK)):
                start = time.process_time()
                for i in range(BLOCK):
                    client.get(todo[i % len(todo)])
                blocks.append((time.process_time() - start) / BLOCK * 1000)
            result[name] = statistics.mean(blocks)
            result[f"{name}_min"] = min(blocks)
    return result


def build(n: int) -> list[str]:
    sys.path.insert(0, str(ROOT / "bench"))
    from harness import clone, fresh_database, open_real
    from pages import FIFTY

    from casework.db import utcnow

    ctx = fresh_database(URL, keep=True)
    engine = ctx.__enter__()
    first = open_real(
        engine, unit_prefix="hni", applicant="Bệnh viện 50 sự kiện", actions=FIFTY,
        start=utcnow() - timedelta(days=20),
    )  # fmt: skip
    return [first, *clone(engine, first, n - 1, applicant="Bệnh viện 50 sự kiện")]


def run(src: Path, codes: list[str], views: int) -> dict[str, float]:
    env = {
        **os.environ,
        "PYTHONPATH": str(src),
        "CASEWORK_DATABASE_URL": URL,
        "CASEWORK_ENV": "test",
    }
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--views", str(views), *codes],
        env=env, check=True, capture_output=True, text=True, cwd=src.parent,
    )  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", default="HEAD")
    parser.add_argument("--views", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dossiers", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the database, codes in CODES")
    parser.add_argument("--reuse", action="store_true", help="the database kept by --keep")
    parser.add_argument("--child", action="store_true")
    parser.add_argument("codes", nargs="*")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.codes, args.views)))
        return 0
    codes = json.loads(CODES.read_text()) if args.reuse else build(args.dossiers)
    CODES.write_text(json.dumps(codes))
    old = Path(tempfile.mkdtemp(prefix="casework-old-")) / "tree"
    git = ["git", "-C", str(ROOT), "worktree"]
    subprocess.run([*git, "add", "--detach", str(old), args.old], check=True, capture_output=True)
    results: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    try:
        for i in range(args.rounds):
            for name, src in (("old", old / "src"), ("new", ROOT / "src")):
                r = run(src, codes, args.views)
                results[name].append(r)
                say = f"round {i + 1} {name}: dossier {r['dossier']:.2f} (least block "
                say += f"{r['dossier_min']:.2f}) ms, healthz {r['healthz']:.2f} "
                say += f"({r['healthz_min']:.2f}) ms, page {r['bytes']} bytes"
                print(say, flush=True)
    finally:
        subprocess.run([*git, "remove", "--force", str(old)], check=False)
        sys.path.insert(0, str(ROOT / "bench"))
        from harness import drop_database

        if not args.keep:
            drop_database(URL)
    for name, rs in results.items():
        keys = ("dossier", "healthz", "dossier_min", "healthz_min")
        med = {k: statistics.median(r[k] for r in rs) for k in keys}
        least = {k: min(r[k] for r in rs) for k in keys}
        print(f"median of rounds {name}: " + ", ".join(f"{k} {v:.2f}" for k, v in med.items()))
        print(f"least of rounds {name}: " + ", ".join(f"{k} {v:.2f}" for k, v in least.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
