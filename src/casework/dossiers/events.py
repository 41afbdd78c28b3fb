"""The append-only event log and its hash chain.

Each row's hash covers its own content and the previous row's hash of the same dossier, so an edit
to any row (or a deleted row) breaks every hash after it. `verify_chain` recomputes them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from casework.dossiers.models import Dossier, Event


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(ev: Event, dossier_code: str) -> str:
    """SHA-256 over the row's content and the previous row's hash (`ev.prev_hash`)."""
    body = {
        "dossier": dossier_code,
        "seq": ev.seq,
        "at": ev.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": ev.actor_id,
        "kind": ev.kind,
        "action": ev.action,
        "from": ev.from_state,
        "to": ev.to_state,
        "payload": ev.payload,
        "prev": ev.prev_hash,
    }
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


#: a practice run waits for a mentor's verdict from a submission until a verdict or the
#: submission's withdrawal (casework.reviews.runs; strings: `reviews` builds on `dossiers`)
WAIT_STARTS = "submitted"
WAIT_ENDS = frozenset({"withdrawn", "review"})


def waiting_after(since: datetime | None, kind: str, at: datetime) -> datetime | None:
    """`dossier.waiting_since` once an event of `kind` at `at` follows one that left `since`."""
    if kind == WAIT_STARTS:
        return at
    return None if kind in WAIT_ENDS else since


def waiting_since(events: Sequence[Any]) -> datetime | None:
    """`dossier.waiting_since` as the dossier's events (in `seq` order) say."""
    since = None
    for ev in events:
        since = waiting_after(since, ev.kind, ev.at)
    return since


def record_event(
    session: Session,
    *,
    dossier: Dossier,
    kind: str,
    at: datetime,
    actor_id: int | None,
    action: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    payload: dict[str, Any] | None = None,
) -> Event:
    """Add the next event of `dossier` to the session (the caller commits) and advance the chain."""
    assert dossier.id is not None
    row = Event(
        dossier_id=dossier.id,
        seq=dossier.event_count + 1,
        at=at.astimezone(UTC),
        actor_id=actor_id,
        kind=kind,
        action=action,
        from_state=from_state,
        to_state=to_state,
        payload=json.loads(canonical_json(payload or {})),  # JSON types only, as stored
        prev_hash=dossier.last_event_hash,
        hash="",
    )
    row.hash = event_hash(row, dossier.code)
    session.add(row)
    dossier.event_count = row.seq
    dossier.last_event_hash = row.hash
    since = waiting_after(dossier.waiting_since, kind, row.at)
    if since != dossier.waiting_since:  # an assignment alone would add the column to the
        dossier.waiting_since = since  # UPDATE of every action (`writes.Batch` writes those)
    return row


@dataclass(frozen=True)
class ChainProblem:
    dossier_code: str
    seq: int | None
    problem: str  # Vietnamese, says what is wrong

    def __str__(self) -> str:
        where = f" (nhật ký #{self.seq})" if self.seq is not None else ""
        return f"{self.dossier_code}{where}: {self.problem}"


def verify_chain(dossier: Dossier, events: Sequence[Event]) -> list[ChainProblem]:
    """Recompute the chain of one dossier; an empty list means it is intact."""
    problems: list[ChainProblem] = []
    prev = ""
    for expected_seq, ev in enumerate(events, start=1):
        if ev.seq != expected_seq:
            problems.append(
                ChainProblem(
                    dossier.code, ev.seq, f"thiếu hoặc thừa dòng: mong đợi #{expected_seq}"
                )
            )
        if ev.prev_hash != prev:
            problems.append(ChainProblem(dossier.code, ev.seq, "không khớp mã băm của dòng trước"))
        digest = event_hash(ev, dossier.code)
        if digest != ev.hash:
            problems.append(
                ChainProblem(dossier.code, ev.seq, "nội dung đã bị sửa sau khi ghi (mã băm sai)")
            )
        prev = ev.hash
    if dossier.last_event_hash != prev or dossier.event_count != len(events):
        problems.append(
            ChainProblem(
                dossier.code,
                None,
                f"hồ sơ ghi {dossier.event_count} dòng nhật ký nhưng tìm thấy {len(events)}, "
                "hoặc mã băm cuối không khớp",
            )
        )
    return problems
