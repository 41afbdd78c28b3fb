"""A signed checkpoint for the access matrix and the crawler (tests/security, tests/web): its
list, page and PDF are then reached and their rules checked."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlmodel import Session

from casework.checkpoints import keys
from casework.checkpoints import service as checkpoints


def matrix_checkpoint(session: Session) -> int:
    folder = Path(tempfile.mkdtemp(prefix="casework-checkpoint-"))
    keys.generate(folder / "key.pem")
    row = checkpoints.take(session, key_path=folder / "key.pem", out_dir=folder, by="test")
    assert row.id is not None
    return row.id
