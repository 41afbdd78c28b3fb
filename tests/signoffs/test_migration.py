"""Migration 0017 on both databases: the old sign_off rows become "signed" history entries with a
valid number each (evidence empty: they predate the rule); downgrading keeps what holds."""

from __future__ import annotations

import json

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from casework.db import make_engine
from casework.migrations import config, upgrade
from casework.signoffs.numbers import normalize
from tests.test_migrations import _fresh_url


def _revisions(url: str) -> tuple[str, str]:
    """(the sign-off history revision, the one before it)."""
    script = ScriptDirectory.from_config(config(url))
    mine = next(r for r in script.walk_revisions() if r.doc.startswith("sign-off history"))
    assert isinstance(mine.down_revision, str)
    return mine.revision, mine.down_revision


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_old_sign_offs_become_history_with_numbers(request, tmp_path, backend):
    url = _fresh_url(request, tmp_path, backend)
    mine, before = _revisions(url)
    upgrade(url, before)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO unit (id, code, name, kind, path) VALUES (1, 'BKHCN', 'Bộ', 'ministry', '/1/')"
            )  # noqa: E501
        )
        for uid, name in ((1, "bo.mentor"), (2, "hni.receiver")):
            conn.execute(
                text(
                    'INSERT INTO "user" (id, username, full_name, unit_id, roles, is_active, created_at) '  # noqa: E501
                    "VALUES (:id, :u, :u, 1, '[]', true, CURRENT_TIMESTAMP)"
                ),
                {"id": uid, "u": name},
            )
        conn.execute(
            text(
                "INSERT INTO sign_off (mentor_id, trainee_id, procedure_code, note, signed_at) VALUES "
                "(1, 2, '2.002131', 'Làm tốt', '2026-03-01 03:00:00+00:00'), "
                "(1, 2, 'XA-DL-KTNN', '', '2025-12-31 20:00:00+00:00')"
            )
        )
    upgrade(url, mine)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT trainee_id, procedure_code, seq, kind, mentor_id, note, number, evidence "
                "FROM sign_off_entry ORDER BY procedure_code"
            )
        ).all()
    assert [tuple(r[:6]) for r in rows] == [
        (2, "2.002131", 1, "signed", 1, "Làm tốt"),
        (2, "XA-DL-KTNN", 1, "signed", 1, ""),
    ]
    numbers = [r[6] for r in rows]
    assert all(normalize(n) == n for n in numbers) and len(set(numbers)) == 2
    # the year is Vietnam's: 20:00 UTC on 31/12/2025 is already 2026 there
    assert [n[3:7] for n in numbers] == ["2026", "2026"]
    assert [r[7] if isinstance(r[7], list) else json.loads(r[7]) for r in rows] == [[], []]

    # a revocation, then back down: only what holds is kept in the old table
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sign_off_entry (trainee_id, procedure_code, seq, kind, mentor_id, at, "
                "note, evidence) VALUES (2, 'XA-DL-KTNN', 2, 'revoked', 1, CURRENT_TIMESTAMP, "
                "'Sai', '[]')"
            )
        )
    command.downgrade(config(url), before)
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT procedure_code, note FROM sign_off")).all()
    engine.dispose()
    assert [tuple(r) for r in kept] == [("2.002131", "Làm tốt")]
