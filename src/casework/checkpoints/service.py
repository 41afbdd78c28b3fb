"""Taking a signed checkpoint, and verifying the database against one (issue 17, finding 5b).

A checkpoint is Certificate Transparency's signed tree head applied to the dossiers: every
chain's head — (code, event count, hash of the last event), sorted by code — is a leaf of an
RFC 6962 Merkle tree (`merkle`), and so is the accounts' history (`admin.history_chain`: its
rows and last hash, the last leaf); the statement naming the checkpoint's id, time, tree
size and root is signed with the Ed25519 key (`keys`), which lives in a file the database
never sees.

`take` writes two files into the checkpoint directory and one row into `audit_checkpoint`:

- ``checkpoint-NNNNNN.json``: the statement, its signature, the key's fingerprint and public
  key, and the name of the leaves file — small, to print, mail or send upward;
- ``checkpoint-NNNNNN.leaves.gz``: one line per chain, ``code<TAB>count<TAB>head``; its root
  must be the signed root, so it cannot be edited either, only lost.

`checkpoints.verify` checks the database against such a file: a chain deleted, cut short, or
rewritten and re-hashed after the checkpoint is named.
"""

from __future__ import annotations

import getpass
import gzip
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from casework.admin import history_chain
from casework.admin.models import AccountChange
from casework.checkpoints import keys, merkle
from casework.checkpoints.models import AuditCheckpoint
from casework.db import utcnow
from casework.dossiers.audit import snapshot_engine
from casework.dossiers.models import Dossier
from casework.errors import NotFound
from casework.paging import Page
from casework.settings import Settings

FORMAT = "casework-checkpoint/v1"
BATCH = 500


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
    """(code, event count, last hash) of every dossier, by code (byte order on both databases),
    then the accounts' history as one more leaf (`history_chain.LEAF_CODE`, rows, last hash)."""
    code = col(Dossier.code)
    if session.get_bind().dialect.name == "postgresql":
        code = code.collate("C")  # type: ignore[assignment]
    query = sa_select(col(Dossier.code), col(Dossier.event_count), col(Dossier.last_event_hash))
    result = session.connection().execution_options(yield_per=5000).execute(query.order_by(code))
    for row in result:
        yield row.code, row.event_count, row.last_event_hash
    rows = session.execute(sa_select(func.count()).select_from(AccountChange)).scalar_one()
    yield history_chain.LEAF_CODE, int(rows), history_chain.tip(session)


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


# ---- what the pages show -----------------------------------------------------------------------

PER_PAGE = 20


@dataclass(frozen=True)
class Seal:
    """Whether a checkpoint's row carries a valid signature of the key this server trusts."""

    status: str  # ok | bad | other_key | no_key
    trusted_fingerprint: str | None = None
    note: str = ""


def seal_of(row: AuditCheckpoint, settings: Settings) -> Seal:
    try:
        trusted = trusted_key(settings)
    except keys.KeyProblem as exc:
        return Seal("no_key", note=exc.message)
    fp = keys.fingerprint(trusted)
    if fp != row.key_fingerprint:
        return Seal("other_key", fp)
    signed = statement_of(row).body()
    if row.body.encode() != signed or not keys.valid(trusted, signed, row.signature):
        return Seal("bad", fp)
    return Seal("ok", fp)


def page_of(session: Session, page: int) -> Page[AuditCheckpoint]:
    total = int(session.exec(select(func.count()).select_from(AuditCheckpoint)).one())
    rows = session.exec(
        select(AuditCheckpoint)
        .order_by(col(AuditCheckpoint.id).desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    return Page(items=list(rows), total=total, page=page, per_page=PER_PAGE)
