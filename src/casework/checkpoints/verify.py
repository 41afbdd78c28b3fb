"""Verifying the database against a signed checkpoint (`casework audit verify --checkpoint`).

The signature is checked with a key the verifier trusts (never the one the file carries), the
leaves file must give the signed root, the database's `audit_checkpoint` row must still match,
and then every chain the checkpoint names must still exist with its events 1…count, hashed again
from their content, ending in the signed head. A chain that grew since is fine: events are only
appended. Reads in batches, one snapshot each, writing nothing.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from casework.admin import history_chain
from casework.checkpoints import keys, merkle
from casework.checkpoints.models import AuditCheckpoint
from casework.checkpoints.service import FORMAT, Statement
from casework.dossiers.audit import EVENT_COLUMNS, snapshot_engine
from casework.dossiers.derived import PRACTICE_PREFIX
from casework.dossiers.events import event_hash
from casework.dossiers.models import Dossier, Event
from casework.errors import CaseworkError

BATCH = 500


class CheckpointFileError(CaseworkError):
    """A checkpoint file that cannot be read as one."""

    code = "checkpoint_file"


@dataclass(frozen=True)
class CheckpointFile:
    statement: Statement
    signature: str
    key_fingerprint: str
    public_key: str
    leaves: Path
    path: Path


def read_file(path: Path) -> CheckpointFile:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format") != FORMAT:
            raise ValueError(f"định dạng {doc.get('format')!r}, cần {FORMAT}")
        statement = Statement(
            id=int(doc["id"]),
            time=datetime.fromisoformat(doc["time"]),
            tree_size=int(doc["tree_size"]),
            root=str(doc["root"]),
        )
        leaves = path.parent / Path(str(doc["leaves"])).name  # never outside the file's folder
        return CheckpointFile(
            statement, str(doc["signature"]), str(doc["key_fingerprint"]),
            str(doc["public_key"]), leaves, path,
        )  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointFileError(f"Không đọc được tệp điểm kiểm chứng {path}: {exc}") from exc


@dataclass(frozen=True)
class CheckpointProblem:
    checkpoint_id: int
    dossier_code: str | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.dossier_code}: " if self.dossier_code else ""
        return f"Điểm kiểm chứng #{self.checkpoint_id}: {where}{self.problem}"


@dataclass
class CheckpointReport:
    checkpoint_id: int
    signature_ok: bool = False
    chains: int = 0
    problems: list[CheckpointProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.signature_ok and not self.problems


def verify(
    session: Session,
    checkpoint: CheckpointFile,
    trusted: Ed25519PublicKey,
    *,
    units: set[str] | None = None,
) -> CheckpointReport:
    """Check `checkpoint` (signature, leaves, database row) and every chain it names — or,
    with `units` (unit codes: a subtree's integrity check), the chains of dossiers received by
    those units; the accounts' history only when every unit is checked."""
    st = checkpoint.statement
    report = CheckpointReport(st.id)

    def problem(text: str, code: str | None = None) -> None:
        report.problems.append(CheckpointProblem(st.id, code, text))

    if checkpoint.key_fingerprint != keys.fingerprint(trusted):
        problem(
            "được ký bằng khóa khác khóa tin cậy (dấu vân tay "
            f"{keys.grouped(checkpoint.key_fingerprint)[:19]}…, khóa tin cậy "
            f"{keys.grouped(keys.fingerprint(trusted))[:19]}…): không phải điểm kiểm chứng thật"
        )
        return report
    if not keys.valid(trusted, st.body(), checkpoint.signature):
        problem("chữ ký không hợp lệ: nội dung tệp đã bị sửa sau khi ký")
        return report
    report.signature_ok = True
    try:
        size, root = _leaves_root(checkpoint.leaves)
    except (OSError, EOFError, ValueError) as exc:
        problem(f"không đọc được tệp lá {checkpoint.leaves.name}: {exc}")
        return report
    if (size, root) != (st.tree_size, st.root):
        problem(f"tệp lá {checkpoint.leaves.name} không cho gốc đã ký: tệp đã bị sửa")
        return report
    row = session.get(AuditCheckpoint, st.id)
    if row is None:
        problem("bản ghi của điểm kiểm chứng này không còn trong cơ sở dữ liệu")
    elif (row.root, row.signature, row.tree_size) != (st.root, checkpoint.signature, size):
        problem("bản ghi trong cơ sở dữ liệu khác tệp đã ký")
    session.rollback()
    bind = session.get_bind()
    with Session(snapshot_engine(bind) if isinstance(bind, Engine) else bind) as own:
        for batch in _batches(checkpoint.leaves):
            history = [leaf for leaf in batch if leaf[0] == history_chain.LEAF_CODE]
            batch = [leaf for leaf in batch if leaf[0] != history_chain.LEAF_CODE]
            if units is not None:
                batch = [leaf for leaf in batch if unit_code_of(leaf[0]) in units]
                history = []
            report.chains += len(batch)
            for code, text in _check_batch(own, batch) if batch else ():
                problem(text, code)
            for _, count, head in history:
                report.chains += 1
                found = history_chain.check_against(own, count, head)
                if found is not None:
                    problem(found)
            own.rollback()
    return report


def unit_code_of(code: str) -> str:
    """The unit that received a dossier, from its code: `<unit>-YYMMDD-NNNN` (LT- first for a
    practice dossier), as `dossiers.derived` reads it."""
    return code.removeprefix(PRACTICE_PREFIX).rsplit("-", 2)[0]


def _read_leaves(path: Path) -> Iterator[tuple[str, int, str]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            code, count, head = line.rstrip("\n").split("\t")
            yield code, int(count), head


def _leaves_root(path: Path) -> tuple[int, str]:
    size = 0

    def hashed() -> Iterator[bytes]:
        nonlocal size
        for code, count, head in _read_leaves(path):
            size += 1
            yield merkle.leaf_hash(merkle.leaf_bytes(code, count, head))

    root = merkle.root(hashed())
    return size, root


def _batches(path: Path) -> Iterator[list[tuple[str, int, str]]]:
    batch: list[tuple[str, int, str]] = []
    for leaf in _read_leaves(path):
        batch.append(leaf)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _check_batch(session: Session, batch: list[tuple[str, int, str]]) -> Iterator[tuple[str, str]]:
    """(code, problem) for each chain of `batch` that is no longer what the checkpoint signed."""
    conn = session.connection()
    codes = [code for code, _, _ in batch]
    found = sa_select(col(Dossier.code), col(Dossier.id)).where(col(Dossier.code).in_(codes))
    ids: dict[str, int] = {row.code: row.id for row in conn.execute(found)}
    events: dict[int, list[Any]] = {i: [] for i in ids.values()}
    longest = max(count for _, count, _ in batch)
    query = (
        sa_select(*EVENT_COLUMNS)
        .where(col(Event.dossier_id).in_(list(ids.values())), col(Event.seq) <= longest)
        .order_by(col(Event.dossier_id), col(Event.seq))
    )
    for ev in conn.execute(query):
        events[ev.dossier_id].append(ev)
    for code, count, head in batch:
        if code not in ids:
            yield code, "hồ sơ đã bị xóa sau điểm kiểm chứng"
            continue
        chain = [ev for ev in events[ids[code]] if ev.seq <= count]
        prev = ""
        for expected, ev in enumerate(chain, start=1):
            if ev.seq != expected or ev.prev_hash != prev or event_hash(ev, code) != ev.hash:
                prev = "!"
                break
            prev = ev.hash
        if len(chain) < count:
            yield code, f"chuỗi nhật ký bị cắt: lúc ký có {count} dòng, nay còn {len(chain)}"
        elif prev != head:
            yield (
                code,
                (
                    f"chuỗi nhật ký đến dòng #{count} không còn như lúc ký: đã bị sửa hoặc "
                    "viết lại (kể cả khi các mã băm được tính lại)"
                ),
            )
