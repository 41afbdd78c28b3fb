"""Faults: the server is killed with SIGKILL while clients fire actions. No event of an action
that was acknowledged is lost, no action has more than one event, every hash chain verifies, and
the restarted server carries on (issue G, DESIGN §7).

A real `casework serve` process on PostgreSQL, four client threads over HTTP with API tokens.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter

import httpx2 as httpx
import pytest
from sqlmodel import col, select

from casework.accounts.service import issue_token
from casework.dossiers import audit, service
from casework.dossiers.models import Event, EventKind
from tests.factories import TZ
from tests.faults.harness import NEXT, free_port, start_server

DOSSIERS = 12
THREADS = 4
LOAD_SECONDS = 3.0
MIN_ACKED = 5 * THREADS


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_sigkill_during_load_loses_no_acknowledged_event(
    engine, session, world, registry, tmp_path
):
    procedure = registry.get("2.002131")
    codes = []
    for i in range(DOSSIERS):
        d = service.open_dossier(
            session,
            actor=world["hni.receiver"],
            procedure=procedure,
            applicant=service.Applicant(name=f"Bệnh viện {i}", kind="organisation"),
            tz=TZ,
        )
        codes.append(d.code)
    receiver = {"Authorization": f"Bearer {issue_token(session, user=world['hni.receiver'])}"}
    handler = {"Authorization": f"Bearer {issue_token(session, user=world['hni.handler'])}"}
    session.commit()
    url = engine.url.render_as_string(hide_password=False)
    port = free_port()
    server = start_server(url, port, tmp_path / "uploads")
    base = f"http://127.0.0.1:{port}/api/v1/dossiers"

    tokens = {"receiver": receiver, "handler": handler}
    acked: Counter[str] = Counter()
    lock = threading.Lock()
    stop = threading.Event()

    def client(worker: int) -> None:
        with httpx.Client(timeout=5) as http:
            step = 0
            while not stop.is_set():
                code = codes[(worker + step * THREADS) % DOSSIERS]
                step += 1
                try:
                    state = http.get(f"{base}/{code}", headers=receiver)
                    if state.status_code != 200:
                        continue
                    role, action, data = NEXT[state.json()["state"]]
                    url = f"{base}/{code}/actions/{action}"
                    r = http.post(url, json={"data": data}, headers=tokens[role])
                except httpx.HTTPError:
                    return  # the server is gone
                if r.status_code == 200:
                    with lock:
                        acked[code] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()

    # kill in full flight: after LOAD_SECONDS and enough acknowledged actions (a busy machine
    # gets going slower), at most a minute
    def done() -> int:
        with lock:
            return sum(acked.values())

    started = time.monotonic()
    while time.monotonic() - started < 60 and (
        time.monotonic() - started < LOAD_SECONDS or done() < MIN_ACKED
    ):
        time.sleep(0.1)
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=10)

    assert sum(acked.values()) >= MIN_ACKED, "the load did not get going"
    session.expire_all()
    for code in codes:
        events = session.exec(
            select(Event.action)
            .join_from(Event, service.Dossier, col(Event.dossier_id) == service.Dossier.id)
            .where(service.Dossier.code == code, Event.kind == EventKind.action)
        ).all()
        # every acknowledged action is there; at most the requests in flight at the kill more
        assert acked[code] <= len(events) <= acked[code] + THREADS, code
    assert audit.verify(session).ok

    restarted = start_server(url, port, tmp_path / "uploads")
    try:
        r = httpx.get(f"{base}/{codes[0]}", headers=receiver, timeout=5)
        assert r.status_code == 200
    finally:
        restarted.terminate()
        restarted.wait(timeout=10)
