"""The action's hot path stays a handful of SQL statements (issue 19, item 1).

One accept over the API (`POST /api/v1/dossiers/{code}/actions/accept`, Bearer token), counted
with a `before_cursor_execute` listener on each database, is held to an upper bound: the guard
against a change that quietly brings back a per-request read (the token and user apart, the
procedure definition, the calendar, the step count, a re-read of the answer after the commit).
It counts statements, not time: the time is `bench/actions.py`'s.
"""

from __future__ import annotations

from tests.api.test_api import open_one
from tests.statements import counted, statements

#: The bound, per database. PostgreSQL: the token with its user, the dossier under its lock, its
#: step rows, and every write (dossier, event, steps closed and opened, report and work-queue
#: counters) in ONE statement (`casework.dossiers.writes`). SQLite, which has no data-modifying
#: CTE: BEGIN IMMEDIATE, the same three reads, then the six writes one after the other in the
#: same transaction. Before issue 19: 20 and 22; then 9 and 10.
MAX_STATEMENTS = {"sqlite": 10, "postgresql": 4}


def _accept(client, engine, headers, code: str) -> list[str]:  # type: ignore[no-untyped-def]
    with counted(engine) as seen:
        r = client.post(
            f"/api/v1/dossiers/{code}/actions/accept", json={"expected_version": 1}, headers=headers
        )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "reviewing"
    assert [s["ordinal"] for s in body["clock"]["steps"]] == [1, 2]
    return seen


def test_one_accept_over_the_api_is_a_handful_of_statements(client, engine, world, token_for):
    rec = token_for(world["hni.receiver"])
    warm = open_one(client, rec)
    _accept(client, engine, rec, warm["code"])  # the first one fills the per-process caches
    d = open_one(client, rec)
    seen = _accept(client, engine, rec, d["code"])
    listing = "\n".join(f"{n:2}. {s}" for n, s in enumerate(seen, start=1))
    assert len(seen) <= MAX_STATEMENTS[engine.dialect.name], listing


def test_an_accept_writes_only_the_columns_it_changed(client, engine, world, token_for):
    """An unchanged column the action assigns anyway (`record_event`'s `waiting_since`) is not
    written: `writes.Batch` writes every column the ORM saw assigned."""
    rec = token_for(world["hni.receiver"])
    codes = [open_one(client, rec)["code"] for _ in range(2)]
    _accept(client, engine, rec, codes[0])
    with statements(engine) as whole:
        _accept(client, engine, rec, codes[1])
    updates = [s for s, _ in whole if "UPDATE dossier" in s]
    assert updates and "state" in updates[0]
    assert not any("waiting_since" in s for s in updates), updates
