"""The work queue's write side, kept in each change's transaction (issue 19, item 3).

Two columns of the dossier row and one counter table let the queue page read an index instead
of the unit's dossiers:

- `Dossier.current_roles`: the role(s) that work the current step of the pinned procedure
  version, sorted and comma-joined ("handler"; "" for a step nobody works, e.g. waiting on the
  applicant, or a final state). "My queue" is then a range of the partial index
  `ix_dossier_queue_mine` (handling unit, roles, received, id) over the open dossiers.
- `Dossier.queue_bucket`: open / waiting (the clock paused) / finished — which tab counts it.
- `QueueCounter`: how many dossiers each (handling unit, receiving unit, mode, roles, bucket)
  holds. The tabs "my queue", "the unit", "waiting" and "finished" are sums of a few of these
  rows; "due soon" and "overdue" depend on the time of the request and are range counts on the
  partial index of the running dossiers' due instants (`casework.dossiers.worklist`).

`sync` is the one call of the write path: after the state, the pause and the end of a dossier
are set for a change (opening it, an action, a simulated colleague, a mentor's redo, a practice
reset), it stores the new roles and bucket on the row and moves the dossier from its old counter
to its new one in one statement. `rebuild` recomputes the columns and the counters from the
dossiers (`casework reports rebuild`, after a bulk load); `recount` is what the counters should
hold, for the tests and checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations
from typing import Any

from sqlalchemy import bindparam, case, delete, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from casework.accounts.models import ACTING_ROLES
from casework.dossiers.catalog import procedures_by_version
from casework.dossiers.models import Dossier, QueueCounter
from casework.procedures import Procedure

OPEN, WAITING, FINISHED = "open", "waiting", "finished"
#: the buckets of the dossiers still being worked on (the "unit" tab; "my queue" among them)
OPEN_BUCKETS = (OPEN, WAITING)
#: a dossier row no counter holds yet (a new row; a row written in bulk before `rebuild`)
UNCOUNTED = ""
KEY = ("handling_unit_id", "receiving_unit_id", "mode", "roles", "bucket")


def roles_key(roles: Iterable[str]) -> str:
    """The stored form of a set of roles: sorted, comma-joined."""
    return ",".join(sorted({str(r) for r in roles}))


def roles_of(procedure: Procedure, state: str) -> str:
    """Who works `state` of `procedure`, as stored in `Dossier.current_roles`."""
    found = procedure.states.get(state)
    return roles_key(found.roles) if found is not None else ""


def bucket_of(dossier: Dossier) -> str:
    if dossier.finished_at is not None:
        return FINISHED
    return WAITING if dossier.paused_since is not None else OPEN


def bucket_expr() -> Any:
    """`bucket_of` in SQL, over the dossier table."""
    return case(
        (col(Dossier.finished_at).is_not(None), literal(FINISHED)),
        (col(Dossier.paused_since).is_not(None), literal(WAITING)),
        else_=literal(OPEN),
    )


def keys_sharing(roles: Iterable[str]) -> list[str]:
    """Every stored roles value (a non-empty set of acting roles) that holds one of `roles`."""
    mine = set(roles) & ACTING_ROLES
    acting = sorted(ACTING_ROLES)
    return [
        roles_key(combo)
        for size in range(1, len(acting) + 1)
        for combo in combinations(acting, size)
        if mine.intersection(combo)
    ]


def counter_deltas(dossier: Dossier, procedure: Procedure) -> list[dict[str, Any]]:
    """Set the dossier's `current_roles` and `queue_bucket` for its present state and return the
    counter rows to add ({key…, n: ±1}), sorted by key (two actions lock counter rows in the same
    order); none when neither changed. Executes nothing: `sync` does, or a caller that folds the
    writes of an action into one statement."""
    roles, bucket = roles_of(procedure, dossier.state), bucket_of(dossier)
    old_roles, old_bucket = dossier.current_roles, dossier.queue_bucket
    if (roles, bucket) == (old_roles, old_bucket):
        return []
    dossier.current_roles, dossier.queue_bucket = roles, bucket
    where = {
        "handling_unit_id": dossier.handling_unit_id,
        "receiving_unit_id": dossier.receiving_unit_id,
        "mode": str(dossier.mode),
    }
    rows = [{**where, "roles": roles, "bucket": bucket, "n": 1}]
    if old_bucket != UNCOUNTED:
        rows.append({**where, "roles": old_roles, "bucket": old_bucket, "n": -1})
    return sorted(rows, key=lambda r: tuple(r[k] for k in KEY))


def add_counts(session: Session, rows: list[dict[str, Any]]) -> None:
    """Add each row's `n` to its counter, creating it if absent: one statement on both databases."""
    if not rows:
        return
    upsert = _upsert(session.get_bind().dialect.name, len(rows))
    params = {f"{name}_{i}": row[name] for i, row in enumerate(rows) for name in (*KEY, "n")}
    session.execute(upsert, params)


#: The upserts by (dialect, number of rows), built once (as `casework.db.add_to_counter`'s: the
#: `excluded` alias copies every column, which cost about a millisecond an action to build).
_UPSERTS: dict[tuple[str, int], Any] = {}


def _upsert(dialect: str, size: int) -> Any:
    found = _UPSERTS.get((dialect, size))
    if found is None:
        table = QueueCounter.__table__  # type: ignore[attr-defined]
        make = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = make(table).values(
            [
                {name: bindparam(f"{name}_{i}", type_=table.c[name].type) for name in (*KEY, "n")}
                for i in range(size)
            ]
        )
        found = _UPSERTS[(dialect, size)] = stmt.on_conflict_do_update(
            index_elements=list(KEY), set_={"n": table.c.n + stmt.excluded.n}
        )
    return found


def sync(session: Session, dossier: Dossier, procedure: Procedure) -> None:
    """The queue's part of a change to `dossier` (see the module doc): call it once the state,
    the pause and the end of the dossier are set, before the commit. At most one statement."""
    add_counts(session, counter_deltas(dossier, procedure))


# ---- from the dossiers again ------------------------------------------------------------------


def fix_columns(session: Session) -> int:
    """Set `current_roles` and `queue_bucket` of every row where they differ from the state and
    the clock columns; returns how many rows changed."""
    changed = 0
    for version_id, procedure in sorted(procedures_by_version(session).items()):
        for state in procedure.states:
            roles = roles_of(procedure, state)
            result = session.execute(
                update(Dossier)
                .where(
                    col(Dossier.procedure_version_id) == version_id,
                    col(Dossier.state) == state,
                    col(Dossier.current_roles) != roles,
                )
                .values(current_roles=roles)
                .execution_options(synchronize_session=False)
            )
            changed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    result = session.execute(
        update(Dossier)
        .where(col(Dossier.queue_bucket) != bucket_expr())
        .values(queue_bucket=bucket_expr())
        .execution_options(synchronize_session=False)
    )
    return changed + int(result.rowcount or 0)  # type: ignore[attr-defined]


def recount(session: Session) -> dict[tuple[Any, ...], int]:
    """What the counters should hold, counted from the dossier rows ({key: n}, no zero rows)."""
    bucket = bucket_expr()
    query = select(
        col(Dossier.handling_unit_id),
        col(Dossier.receiving_unit_id),
        col(Dossier.mode),
        col(Dossier.current_roles),
        bucket,
        func.count(),
    ).group_by(
        col(Dossier.handling_unit_id),
        col(Dossier.receiving_unit_id),
        col(Dossier.mode),
        col(Dossier.current_roles),
        bucket,
    )
    return {tuple(row[:5]): int(row[5]) for row in session.execute(query)}


def stored(session: Session) -> dict[tuple[Any, ...], int]:
    """The counters as stored ({key: n}, zero rows left out)."""
    table = QueueCounter.__table__  # type: ignore[attr-defined]
    rows = session.execute(select(*(table.c[k] for k in KEY), table.c.n).where(table.c.n != 0))
    return {tuple(row[:5]): int(row[5]) for row in rows}


def rebuild(session: Session) -> dict[str, int]:
    """The columns fixed, then every counter recomputed (the caller commits)."""
    fixed = fix_columns(session)
    counts = recount(session)
    session.execute(delete(QueueCounter))
    rows = [dict(zip((*KEY, "n"), (*key, n), strict=True)) for key, n in sorted(counts.items())]
    for start in range(0, len(rows), 5000):
        session.execute(insert(QueueCounter), rows[start : start + 5000])
    return {"fixed": fixed, "queue_counter": len(rows)}
