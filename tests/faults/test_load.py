"""Concurrency under load (issue G): many clients fire conflicting actions at the same few
dossiers through a real `casework serve` — 50 on PostgreSQL, 8 on SQLite (one writer at a time).
Every accepted action has exactly one event, every loser got a clear conflict reply (409 naming
that someone else changed the dossier), nothing else came back, and every chain verifies.

`make test` runs it for a few seconds; `make soak` (CI runs it too) for a minute:
CASEWORK_LOAD_SECONDS=60.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter

import httpx2 as httpx
from sqlmodel import col, func, select

from casework.accounts.service import issue_token
from casework.dossiers import audit, service
from casework.dossiers.models import Dossier, Event, EventKind
from tests.factories import TZ
from tests.faults.harness import NEXT, free_port, start_server

DOSSIERS = 5
SECONDS = float(os.environ.get("CASEWORK_LOAD_SECONDS", "4"))
CLIENTS = {"postgresql": 50, "sqlite": 8}


def test_conflicting_actions_under_load(engine, session, world, registry, tmp_path):
    procedure = registry.get("2.002131")
    codes = [
        service.open_dossier(
            session,
            actor=world["hni.receiver"],
            procedure=procedure,
            applicant=service.Applicant(name=f"Bệnh viện {i}", kind="organisation"),
            tz=TZ,
        ).code
        for i in range(DOSSIERS)
    ]
    tokens = {
        role: {"Authorization": f"Bearer {issue_token(session, user=world[f'hni.{role}'])}"}
        for role in ("receiver", "handler")
    }
    session.commit()
    clients = CLIENTS[engine.dialect.name]
    url = engine.url.render_as_string(hide_password=False)
    port = free_port()
    server = start_server(url, port, tmp_path / "uploads")
    base = f"http://127.0.0.1:{port}/api/v1/dossiers"
    won: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    odd: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def client(worker: int) -> None:
        with httpx.Client(timeout=30) as http:
            step = 0
            while time.monotonic() < deadline:
                code = codes[(worker + step) % DOSSIERS]
                step += 1
                seen = http.get(f"{base}/{code}", headers=tokens["receiver"])
                if seen.status_code != 200:
                    with lock:
                        odd.append(f"GET {code}: {seen.status_code}")
                    continue
                body = seen.json()
                role, action, data = NEXT[body["state"]]
                r = http.post(
                    f"{base}/{code}/actions/{action}",
                    json={"data": data, "expected_version": body["version"]},
                    headers=tokens[role],
                )
                with lock:
                    if r.status_code == 200:
                        won[code] += 1
                    elif r.status_code == 409 and "người khác" in r.json()["error"]["message"]:
                        lost[code] += 1
                    else:
                        odd.append(f"POST {code} {action}: {r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=SECONDS + 60)
    finally:
        server.terminate()
        server.wait(timeout=10)

    server_log = "".join(
        p.read_text(errors="replace")[-3000:] for p in tmp_path.glob("server-*.log")
    )
    assert not odd, (odd[:10], server_log)
    assert sum(won.values()) >= DOSSIERS and sum(lost.values()) > 0, (won, lost)
    session.expire_all()
    for code in codes:
        events = session.exec(
            select(func.count())
            .select_from(Event)
            .join(Dossier, col(Dossier.id) == col(Event.dossier_id))
            .where(Dossier.code == code, Event.kind == EventKind.action)
        ).one()
        assert events == won[code], code  # exactly one event per accepted action
    assert audit.verify(session).ok
