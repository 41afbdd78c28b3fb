"""The baseline server of the HTTP benchmarks: a bare FastAPI app, run by uvicorn with the same
number of workers as `casework serve` (`uvicorn bare_app:app --app-dir bench --workers 2`).

`POST /api/v1/dossiers/{code}/actions/accept` (bench/actions.py) does the three SQL statements at
the heart of an action, on the same kind of rows, with nothing around them: no token, no user or
role check, no ORM, no state machine, no legal clock, no step record, no report counters, no
response model. In one transaction on a plain psycopg connection (kept per worker, reused):

1. `SELECT … FROM dossier WHERE code = … FOR UPDATE`;
2. `UPDATE dossier` to the state `reviewing`, version + 1, the new event count and last hash;
3. `INSERT INTO event` the action row, with the same SHA-256 chain hash as casework's (so
   `casework audit verify` still passes on the database).

`GET /bare/units` (bench/national.py) reads every unit row and answers them as JSON: the least any
page listing the 3,356 units must do, with no session, no ORM and no template.

`GET /bare/{name}` (bench/pages.py and bench/national.py, when BARE_PAGES is set) renders a
page's template with the context the real page passed to it, captured once per worker at start-up
by requesting the page from the real app in-process: the same template and data, but per request
no query, no session, no sign-in check and no middleware — template rendering and a bare HTTP
response only.

Environment: BARE_DATABASE_URL (libpq URL), BARE_ACTOR_ID (the user id the events name);
BARE_PAGES ("name=/path,name=/path"), BARE_USERNAME and BARE_PASSWORD to sign in for the capture
(the real app reads CASEWORK_DATABASE_URL).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from psycopg.types.json import Jsonb

DSN = os.environ.get("BARE_DATABASE_URL", "")
ACTOR_ID = int(os.environ.get("BARE_ACTOR_ID", "0")) or None
PAYLOAD = {
    "label": "Tiếp nhận hồ sơ",
    "data": {},
    "national_status": 4,
    "slip": "receipt",
    "clock": {},
}

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
_idle: queue.LifoQueue[psycopg.Connection[Any]] = queue.LifoQueue()


@contextmanager
def connection() -> Iterator[psycopg.Connection[Any]]:
    """A connection of this worker's own small pool (one per concurrent request, kept)."""
    try:
        conn = _idle.get_nowait()
    except queue.Empty:
        conn = psycopg.connect(DSN)
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    finally:
        if not conn.closed:
            _idle.put(conn)


def chain_hash(body: dict[str, Any]) -> str:
    """casework.dossiers.events.event_hash: SHA-256 of the canonical JSON."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@app.get("/healthz")
def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@app.post("/api/v1/dossiers/{code}/actions/accept")
def accept(code: str) -> JSONResponse:
    with connection() as conn:
        row = conn.execute(
            "SELECT id, state, version, event_count, last_event_hash FROM dossier "
            "WHERE code = %s FOR UPDATE",
            (code,),
        ).fetchone()
        if row is None:
            conn.rollback()
            raise HTTPException(404, "no such dossier")
        dossier_id, state, version, count, prev = row
        if state != "received":
            conn.rollback()
            raise HTTPException(409, f"the dossier is at {state}")
        at = datetime.now(UTC)
        seq = count + 1
        digest = chain_hash(
            {
                "dossier": code,
                "seq": seq,
                "at": at.isoformat(timespec="microseconds"),
                "actor": ACTOR_ID,
                "kind": "action",
                "action": "accept",
                "from": "received",
                "to": "reviewing",
                "payload": PAYLOAD,
                "prev": prev,
            }
        )
        conn.execute(
            "UPDATE dossier SET state = 'reviewing', national_status = 4, version = version + 1, "
            "updated_at = %s, event_count = %s, last_event_hash = %s WHERE id = %s",
            (at, seq, digest, dossier_id),
        )
        conn.execute(
            "INSERT INTO event (dossier_id, seq, at, actor_id, kind, action, from_state, "
            "to_state, payload, prev_hash, hash) "
            "VALUES (%s, %s, %s, %s, 'action', 'accept', 'received', 'reviewing', %s, %s, %s)",
            (dossier_id, seq, at, ACTOR_ID, Jsonb(PAYLOAD), prev, digest),
        )
        conn.commit()
    return JSONResponse({"code": code, "state": "reviewing", "version": version + 1})


@app.get("/bare/units")
def units() -> JSONResponse:
    """Every unit row (bench/national.py's baseline: what any page listing the units must do at
    least), on this worker's psycopg connection, as a JSON list; no session, no ORM."""
    with connection() as conn:
        rows = conn.execute(
            "SELECT id, code, name, kind, parent_id, path, province FROM unit ORDER BY path"
        ).fetchall()
        conn.rollback()
    return JSONResponse([list(r) for r in rows])


# ---- pages: the real template and context, rendered with nothing else --------------------


def capture_pages(pages: dict[str, str], username: str, password: str) -> dict[str, Any]:
    """(template, context) of each page, as the real app renders it for a signed-in user."""
    from fastapi.testclient import TestClient

    from casework.main import create_app

    real = create_app()
    templates = real.state.templates
    seen: list[tuple[str, dict[str, Any]]] = []
    render = templates.TemplateResponse

    def spy(request: Any, name: str, context: dict[str, Any], **kwargs: Any) -> Any:
        seen.append((name, dict(context)))
        return render(request, name, context, **kwargs)

    templates.TemplateResponse = spy
    captured: dict[str, Any] = {}
    with TestClient(real) as client:
        form = client.get("/login").text
        token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed_in = client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token},
            follow_redirects=False,
        )
        if signed_in.status_code != 303:
            raise RuntimeError(f"bare_app: sign-in failed ({signed_in.status_code})")
        for name, path in pages.items():
            seen.clear()
            client.get(path).raise_for_status()
            captured[name] = (templates.env.get_template(seen[-1][0]), seen[-1][1])
    return captured


PAGES: dict[str, Any] = {}
if os.environ.get("BARE_PAGES"):
    PAGES = capture_pages(
        dict(item.split("=", 1) for item in os.environ["BARE_PAGES"].split(",")),
        os.environ["BARE_USERNAME"],
        os.environ["BARE_PASSWORD"],
    )


@app.get("/bare/{name}")
def page(name: str, request: Request) -> HTMLResponse:
    if name not in PAGES:
        raise HTTPException(404)
    template, context = PAGES[name]
    return HTMLResponse(template.render({**context, "request": request}))
