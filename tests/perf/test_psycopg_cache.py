"""An action's one statement of writes is converted by psycopg once, not on every action.

psycopg caches the `%(name)s` → `$n` conversion of a statement only under limits that an action's
statement of CTEs (`casework.dossiers.writes`) exceeds; `casework.db` raises them. If a psycopg
upgrade renamed its constants, raising them would silently do nothing: this test says so.
"""

from __future__ import annotations

import pytest
from psycopg import _queries

from tests.api.test_api import open_one


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_the_actions_statement_is_converted_once(client, engine, world, token_for, monkeypatch):
    rec = token_for(world["hni.receiver"])
    codes = [open_one(client, rec)["code"] for _ in range(3)]

    def accept(code: str) -> None:
        r = client.post(
            f"/api/v1/dossiers/{code}/actions/accept", json={"expected_version": 1}, headers=rec
        )
        assert r.status_code == 200, r.text

    accept(codes[0])  # the first one converts (and fills the app's own caches)
    # a statement over psycopg's limits is converted by `_query2pg_nocache`, looked up in the
    # module at each call (the cached `_query2pg` holds the original function)
    uncached: list[bytes] = []
    real = _queries._query2pg_nocache
    monkeypatch.setattr(
        _queries, "_query2pg_nocache", lambda q, enc: uncached.append(q) or real(q, enc)
    )
    before = _queries._query2pg.cache_info()
    accept(codes[1])
    accept(codes[2])
    after = _queries._query2pg.cache_info()
    assert uncached == [], f"converted again: {[q[:80] for q in uncached]}"
    assert after.misses == before.misses, "an action's statement was converted again"
    assert after.hits > before.hits
    assert _queries.MAX_CACHED_STATEMENT_PARAMS >= 1_000
    assert _queries.MAX_CACHED_STATEMENT_LENGTH >= 65_536
