"""What the integrity check (`casework audit verify`) recomputes of the columns and rows kept
for speed (issue 19), each layer against the one below it (counters ← kept columns ← events).

- `dossier.step_count` (the next step's ordinal is this + 1) against the dossier's step rows:
  their highest ordinal. 0 is allowed — "not kept", the rows are then counted
  (`clockwork._step_count`) — any other value that differs would number the next step wrongly.
- `dossier.current_roles` and `dossier.queue_bucket` (the work queue's index) against the state,
  the pause and the end the events say (`derived.replay`, as the queue's write side
  `queue_index.counter_deltas` computes them from the row). A state or end changed on the row
  without an event is named by that column, not again by these two.
- `queue_counter` rows against the dossiers: for each (handling unit, receiving unit, mode,
  roles, bucket), the dossiers whose kept columns say so — so a kept column changed alone is
  named on its row and on the two counters it moved between. A row no counter holds yet
  (bucket "") is named by its bucket column, not again here.

`derived.compare` reports the row's problems as `ColumnProblem`s (the dossier, the column, stored
and expected); a counter's problem names its key, in Vietnamese.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from casework.accounts.models import Unit
from casework.dossiers import queue_index
from casework.dossiers.models import Dossier
from casework.procedures import Procedure
from casework.reports.counter_check import CounterProblem

MODES = {"real": "hồ sơ thật", "practice": "hồ sơ làm thử"}


def compare_row(
    stored: Mapping[str, Any],
    expected: Mapping[str, Any],
    steps: Sequence[Any],
    procedure: Procedure,
) -> list[tuple[str, str, str]]:
    """(column, stored, expected) for each kept column of one dossier row (`stored`) that
    contradicts its step rows or what its events say (`expected`: `derived.replay`'s columns;
    empty when the events are broken)."""
    found = []
    highest = max((s.ordinal for s in steps), default=0)
    if stored["step_count"] not in (0, highest):
        found.append(("step_count", str(stored["step_count"]), str(highest)))
    if not expected:
        return found
    roles = queue_index.roles_of(procedure, expected["state"])
    if expected["finished_at"] is not None:
        bucket = queue_index.FINISHED
    else:
        bucket = queue_index.WAITING if expected["paused_since"] is not None else queue_index.OPEN
    for column, value in (("current_roles", roles), ("queue_bucket", bucket)):
        if stored[column] != value:
            found.append((column, stored[column] or "(trống)", value))
    return found


@dataclass(frozen=True)
class QueueCounterProblem(CounterProblem):
    """A work-queue counter row that the dossiers contradict (shown and stored as the report
    counters' problems are: table, key, column, stored, expected)."""

    @property
    def problem(self) -> str:
        return (
            f"bộ đếm hàng hồ sơ {self.table} (đơn vị xử lý · nơi nhận · loại · vai trò · nhóm: "
            f"{self.key}), cột {self.column}: đang ghi «{self.stored}», đếm lại từ các hồ sơ "
            f"được «{self.expected}»"
        )


def counted(session: Session, units: list[int] | None) -> dict[tuple[Any, ...], int]:
    """What each counter should hold: the dossiers grouped by their kept roles and bucket
    (rows no counter holds yet left out), of the handling `units` (None: all)."""
    keys = (
        col(Dossier.handling_unit_id), col(Dossier.receiving_unit_id), col(Dossier.mode),
        col(Dossier.current_roles), col(Dossier.queue_bucket),
    )  # fmt: skip
    query = (
        select(*keys, func.count())
        .where(col(Dossier.queue_bucket) != queue_index.UNCOUNTED)
        .group_by(*keys)
    )
    if units is not None:
        query = query.where(col(Dossier.handling_unit_id).in_(units))
    return {_key(r[:5]): int(r[5]) for r in session.execute(query)}


def _key(values: Sequence[Any]) -> tuple[Any, ...]:
    """A counter's key with its mode as plain text (the dossier column reads as an enum)."""
    return (values[0], values[1], str(values[2]), *values[3:])


def compare_counters(
    session: Session, units: list[int] | None
) -> tuple[int, list[QueueCounterProblem]]:
    """(counter rows compared, problems) for the handling `units` (None: all), one snapshot."""
    want = counted(session, units)
    mine = set(units) if units is not None else None
    have = {
        _key(k): n for k, n in queue_index.stored(session).items() if mine is None or k[0] in mine
    }
    wrong = sorted(k for k in want.keys() | have.keys() if want.get(k, 0) != have.get(k, 0))
    codes: dict[int, str] = {}
    if wrong:
        ids = {k[0] for k in wrong} | {k[1] for k in wrong}
        query = select(col(Unit.id), col(Unit.code)).where(col(Unit.id).in_(ids))
        codes = {row[0]: row[1] for row in session.execute(query)}
    found = [
        QueueCounterProblem(
            "queue_counter",
            " · ".join(
                [str(codes.get(k[0], k[0])), str(codes.get(k[1], k[1])), MODES.get(k[2], k[2])]
                + [k[3] or "(không ai)", k[4]]
            ),
            "n",
            str(have.get(k, 0)),
            str(want.get(k, 0)),
        )
        for k in wrong
    ]
    return len(have), found
