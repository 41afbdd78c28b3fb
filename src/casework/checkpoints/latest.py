"""The web integrity check against the latest signed checkpoint (issue 17, item 1).

`casework audit verify --checkpoint FILE` compares the database with a checkpoint the operator
names; the check started from `/audit` does the same with the latest checkpoint the server took,
read from its files in `CASEWORK_CHECKPOINT_DIR` and checked with the public key the server
trusts (never the one the file carries). The outcome is one entry of the check's sealed record —
which checkpoint, when it was signed, how many chains were compared, and whether they still hold
— so the check's page says which checkpoint it used, or why it could use none.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from casework.checkpoints import keys
from casework.checkpoints import service as checkpoints
from casework.checkpoints import verify as verifier
from casework.errors import CaseworkError
from casework.settings import Settings

#: statuses of the entry: compared and intact / compared with problems / not compared (why in
#: "note") / no checkpoint taken yet
OK, PROBLEMS, UNAVAILABLE, NONE = "ok", "problems", "unavailable", "none"


def against_latest(
    session: Session, settings: Settings, *, units: set[str] | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the record's entry, a row for each problem found) for the latest checkpoint. `units`:
    the unit codes a subtree's check covers (None: every unit, and the accounts' history too).

    A checkpoint whose files or trusted key are missing is a problem, not a silent skip: who
    can delete the files could otherwise hide a rewrite from the page."""
    row = checkpoints.latest(session)
    session.rollback()
    if row is None:
        note = "Chưa có điểm kiểm chứng nào: quản trị tạo bằng lệnh «casework audit checkpoint»."
        return {"status": NONE, "note": note}, []
    assert row.id is not None
    entry: dict[str, Any] = {
        "id": row.id,
        "time": row.created_at.isoformat(),
        "tree_size": row.tree_size,
        "scope": "all" if units is None else "units",
    }
    try:
        trusted = checkpoints.trusted_key(settings)
        signed = verifier.read_file(settings.checkpoint_dir / row.file_name)
    except (keys.KeyProblem, CaseworkError) as exc:
        note = f"Điểm kiểm chứng #{row.id}: không so được — {exc.message}"
        return {**entry, "status": UNAVAILABLE, "note": note}, [
            {"checkpoint": row.id, "problem": note}
        ]
    report = verifier.verify(session, signed, trusted, units=units)
    problems = [
        {"checkpoint": row.id, "problem": p.problem}
        | ({"code": p.dossier_code} if p.dossier_code else {})
        for p in report.problems
    ]
    entry |= {"chains": report.chains, "status": PROBLEMS if problems else OK}
    return entry, problems
