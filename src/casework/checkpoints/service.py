"""Taking a signed checkpoint, and verifying the database against one (issue 17, finding 5b).

A checkpoint is Certificate Transparency's signed tree head applied to the dossiers: every
chain's head — (code, event count, hash of the last event), sorted by code — is a leaf of an
RFC 6962 Merkle tree (`merkle`), and the statement naming the checkpoint's id, time, tree size and
root is signed with the Ed25519 key (`keys`), which lives in a file the database never sees.

`take` writes two files into the checkpoint directory and one row into `audit_checkpoint`:

- ``checkpoint-NNNNNN.json``: the statement, its signature, the key's fingerprint and public
  key, and the name of the leaves file — small, to print, mail or send upward;
- ``checkpoint-NNNNNN.leaves.gz``: one line per chain, ``code<TAB>count<TAB>head``; its root
  must be the signed root, so it cannot be edited either, only lost.

`verify` checks the signature with a key the verifier trusts (not the one in the file), that the
leaves give the signed root, that the database's row still matches, and then, for every chain,
that the dossier still exists and that its events 1…count, hashed again from their content,
still end in the head — so a chain deleted, cut short, or rewritten and re-hashed after the
checkpoint is named. A chain that merely grew is fine: events are only ever appended.
"""

from __future__ import annotations

import getpass
import gzip
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from casework.checkpoints import keys, merkle
from casework.checkpoints.models import AuditCheckpoint
from casework.db import utcnow
from casework.dossiers.audit import snapshot_engine
from casework.dossiers.events import event_hash
from casework.dossiers.models import Dossier, Event
from casework.errors import CaseworkError, NotFound
from casework.settings import Settings

FORMAT = "casework-checkpoint/v1"
BATCH = 500


class CheckpointFileError(CaseworkError):
    """A checkpoint file that cannot be read as one."""

    code = "checkpoint_file"


@dataclass(frozen=True)
class Statement:
    """What is signed: the signed tree head."""

    id: int
    time: datetime
    tree_size: int
    root: str

    @property
    def time_text(self) -> str:
        return self.time.astimezone(UTC).isoformat(timespec="microseconds")

    def body(self) -> bytes:
        lines = (
            FORMAT,
            f"id: {self.id}",
            f"time: {self.time_text}",
            f"tree_size: {self.tree_size}",
            f"root: {self.root}",
        )
        return ("\n".join(lines) + "\n").encode()


def file_stem(checkpoint_id: int) -> str:
    return f"checkpoint-{checkpoint_id:06d}"


def statement_of(row: AuditCheckpoint) -> Statement:
    assert row.id is not None
    return Statement(row.id, row.created_at, row.tree_size, row.root)


# ---- taking ------------------------------------------------------------------------------------


def _heads(session: Session) -> Iterator[tuple[str, int, str]]:
    """(code, event count, last hash) of every dossier, by code (byte order on both databases)."""
    code = col(Dossier.code)
    if session.get_bind().dialect.name == "postgresql":
        code = code.collate("C")  # type: ignore[assignment]
    query = sa_select(col(Dossier.code), col(Dossier.event_count), col(Dossier.last_event_hash))
    result = session.connection().execution_options(yield_per=5000).execute(query.order_by(code))
    for row in result:
        yield row.code, row.event_count, row.last_event_hash


def take(
    session: Session,
    *,
    key_path: Path,
    out_dir: Path,
    now: datetime | None = None,
    by: str | None = None,
) -> AuditCheckpoint:
    """Sign the current heads of every chain (one snapshot) and write the checkpoint's files
    and row; one commit. Nothing is left behind on failure."""
    key = keys.load_private(key_path)  # before any work: a missing key is the usual mistake
    public = key.public_key()
    now = now or utcnow()
    out_dir.mkdir(parents=True, exist_ok=True)
    pending = out_dir / f".checkpoint-{os.getpid()}-{now.timestamp():.0f}.leaves.gz"
    written: list[Path] = [pending]
    try:
        size = 0

        def leaves(rows: Iterator[tuple[str, int, str]], out: Any) -> Iterator[bytes]:
            nonlocal size
            for code, count, head in rows:
                out.write(f"{code}\t{count}\t{head}\n")
                size += 1
                yield merkle.leaf_hash(merkle.leaf_bytes(code, count, head))

        bind = session.get_bind()
        engine = snapshot_engine(bind) if isinstance(bind, Engine) else bind
        with Session(engine) as reader, gzip.open(pending, "wt", encoding="utf-8") as out:
            root = merkle.root(leaves(_heads(reader), out))
            reader.rollback()
        row = AuditCheckpoint(
            created_at=now, created_by=(by if by is not None else _who())[:64], tree_size=size,
            root=root, body="", signature="", key_fingerprint=keys.fingerprint(public),
            public_key=keys.public_pem(public), file_name="",
        )  # fmt: skip
        session.add(row)
        session.flush()
        statement = statement_of(row)
        row.body = statement.body().decode()
        row.signature = keys.sign(key, statement.body())
        stem = file_stem(statement.id)
        row.file_name = f"{stem}.json"
        leaves_file = out_dir / f"{stem}.leaves.gz"
        os.replace(pending, leaves_file)
        written = [leaves_file]
        document = {
            "format": FORMAT, "id": statement.id, "time": statement.time_text,
            "tree_size": size, "root": root, "signature": row.signature,
            "key_fingerprint": row.key_fingerprint, "public_key": row.public_key,
            "leaves": leaves_file.name, "statement": row.body,
        }  # fmt: skip
        target = out_dir / row.file_name
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        written.append(target)
        os.replace(tmp, target)
        session.add(row)
        session.commit()
    except BaseException:
        session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return row


def _who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no name is fine
        return ""


def latest(session: Session) -> AuditCheckpoint | None:
    return session.exec(select(AuditCheckpoint).order_by(col(AuditCheckpoint.id).desc())).first()


def get(session: Session, checkpoint_id: int) -> AuditCheckpoint:
    row = session.get(AuditCheckpoint, checkpoint_id)
    if row is None:
        raise NotFound(f"Không có điểm kiểm chứng #{checkpoint_id}.")
    return row


def trusted_key(settings: Settings, given: Path | None = None) -> Ed25519PublicKey:
    """The public key a verifier trusts: the one given, else CASEWORK_CHECKPOINT_PUBLIC_KEY,
    else `<private key>.pub`, else the one derived from the private key."""
    for path in (given, settings.checkpoint_public_key):
        if path is not None:
            return keys.load_public(path)
    beside = keys.public_path(settings.checkpoint_key)
    if beside.is_file():
        return keys.load_public(beside)
    if settings.checkpoint_key.is_file():
        return keys.load_private(settings.checkpoint_key).public_key()
    raise keys.KeyProblem(
        "Chưa có khóa công khai tin cậy để kiểm tra chữ ký: chỉ ra bằng --public-key hoặc "
        "CASEWORK_CHECKPOINT_PUBLIC_KEY."
    )


# ---- reading and verifying ---------------------------------------------------------------------


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
    session: Session, checkpoint: CheckpointFile, trusted: Ed25519PublicKey
) -> CheckpointReport:
    """Check `checkpoint` (signature, leaves, database row) and every chain it names."""
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
            report.chains += len(batch)
            for code, text in _check_batch(own, batch):
                problem(text, code)
            own.rollback()
    return report


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


_EVENT_COLUMNS = tuple(
    col(c)
    for c in (
        Event.dossier_id, Event.seq, Event.at, Event.actor_id, Event.kind, Event.action,
        Event.from_state, Event.to_state, Event.payload, Event.prev_hash, Event.hash,
    )
)  # fmt: skip


def _check_batch(session: Session, batch: list[tuple[str, int, str]]) -> Iterator[tuple[str, str]]:
    """(code, problem) for each chain of `batch` that is no longer what the checkpoint signed."""
    conn = session.connection()
    codes = [code for code, _, _ in batch]
    found = sa_select(col(Dossier.code), col(Dossier.id)).where(col(Dossier.code).in_(codes))
    ids: dict[str, int] = {row.code: row.id for row in conn.execute(found)}
    events: dict[int, list[Any]] = {i: [] for i in ids.values()}
    longest = max(count for _, count, _ in batch)
    query = (
        sa_select(*_EVENT_COLUMNS)
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
