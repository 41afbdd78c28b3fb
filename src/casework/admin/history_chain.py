"""The accounts' history as one hash chain (issue 17): nobody quietly rewrites who granted what.

Every `account_change` row carries `prev_hash`, the hash of the row before it (by id), and
`hash`, SHA-256 over its content and `prev_hash` — the dossier events' scheme with one chain for
the whole table. Rows are appended under a lock (PostgreSQL: an advisory lock held to the end of
the transaction; SQLite: the write transaction's own lock), so ids and links follow one order.

`verify` follows the chain: an edited row no longer gives its hash, a deleted row leaves the
next one naming a hash nobody has. Deleting the *last* rows leaves a shorter chain that still
holds together: a signed checkpoint signs the chain's length and last hash (`head`) as one of its
leaves (`LEAF_CODE`), so that is caught against a checkpoint (`checkpoints.verify`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import text
from sqlmodel import Session, col

from casework.admin.models import AccountChange
from casework.dossiers.events import canonical_json

#: PostgreSQL advisory lock taken while a row is appended to the chain
LOCK = 0x6163_6368
#: the checkpoint leaf of this chain (sorts after every dossier code; no dossier code has "~")
LEAF_CODE = "~account_change"
BATCH = 1000

_COLUMNS = (
    col(AccountChange.id), col(AccountChange.user_id), col(AccountChange.actor_id),
    col(AccountChange.at), col(AccountChange.kind), col(AccountChange.role),
    col(AccountChange.old_value), col(AccountChange.new_value), col(AccountChange.via),
    col(AccountChange.prev_hash), col(AccountChange.hash),
)  # fmt: skip


def row_hash(row: Any, prev: str) -> str:
    """SHA-256 over a row's content and `prev` (the hash of the row before it)."""
    at: datetime = row.at
    body = {
        "id": row.id,
        "user": row.user_id,
        "actor": row.actor_id,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "kind": row.kind,
        "role": row.role,
        "old": row.old_value,
        "new": row.new_value,
        "via": row.via,
        "prev": prev,
    }
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def lock(session: Session) -> None:
    """Hold the chain's lock until the transaction ends (SQLite: writers are serialised)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK})


def tip(session: Session) -> str:
    """The hash of the last row ("" when there is none)."""
    query = sa_select(col(AccountChange.hash)).order_by(col(AccountChange.id).desc()).limit(1)
    return str(session.execute(query).scalar() or "")


def seal(session: Session, row: AccountChange) -> None:
    """Chain a new row to the last one (the caller has taken `lock`); flushes it."""
    row.prev_hash = tip(session)
    session.add(row)
    session.flush()
    row.hash = row_hash(row, row.prev_hash)
    session.add(row)
    session.flush()


def _rows(session: Session) -> Iterator[Any]:
    last = 0
    while True:
        batch = (
            session.connection()
            .execute(
                sa_select(*_COLUMNS)
                .where(col(AccountChange.id) > last)
                .order_by(col(AccountChange.id))
                .limit(BATCH)
            )
            .all()
        )
        if not batch:
            return
        yield from batch
        last = batch[-1].id


@dataclass(frozen=True)
class HistoryProblem:
    """Something wrong with a row of the accounts' history."""

    change_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f" dòng #{self.change_id}" if self.change_id is not None else ""
        return f"Lịch sử tài khoản{where}: {self.problem}"


@dataclass
class ChainReport:
    rows: int = 0
    head: str = ""
    problems: list[HistoryProblem] = field(default_factory=list)
    #: the user of each row with a problem (a unit's check reports only its own users' rows)
    users: dict[int, int] = field(default_factory=dict)


def verify(session: Session) -> ChainReport:
    """Follow the whole chain in id order, recomputing every hash from the row's content."""
    report = ChainReport()
    prev = ""
    for row in _rows(session):
        report.rows += 1
        expected = row_hash(row, row.prev_hash)
        if row.prev_hash != prev:
            what = (
                "không nối với dòng trước: có dòng đã bị xóa hoặc sửa"
                if prev
                else "dòng đầu tiên lại nối với một dòng khác: các dòng trước nó đã bị xóa"
            )
            report.problems.append(HistoryProblem(row.id, what))
            report.users[row.id] = row.user_id
        if not row.hash or expected != row.hash:
            report.problems.append(
                HistoryProblem(row.id, "nội dung đã bị sửa sau khi ghi (mã băm không khớp)")
            )
            report.users[row.id] = row.user_id
        prev = row.hash
    report.head = prev
    return report


def check_against(session: Session, count: int, head: str) -> str | None:
    """What is wrong with the chain against a checkpoint's leaf (`count` rows ending in
    `head`), recomputing every hash from content; None when its first `count` rows still are
    what was signed (rows added since are fine)."""
    prev = ""
    seen = 0
    for row in _rows(session):
        if seen == count:
            break
        seen += 1
        prev = row_hash(row, prev)
    if seen < count:
        return f"lịch sử tài khoản bị cắt: lúc ký có {count} dòng, nay còn {seen}"
    if prev != head:
        return (
            f"lịch sử tài khoản đến dòng thứ {count} không còn như lúc ký: đã bị sửa, xóa "
            "hoặc viết lại (kể cả khi các mã băm được tính lại)"
        )
    return None
