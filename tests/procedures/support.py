"""Helpers for the procedure tests: a small valid procedure and ways to break it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from casework.errors import ProcedureErrors, ProcedureFileError
from casework.procedures import load_procedure_file

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "workflows"

# Line numbers matter: the error tests point at them.
BASE = """\
code: "T.001"
version: 1
name: Thủ tục thử
level: province
kind: application
field: Thử nghiệm
legal_basis: [Luật thử]
limit: {value: 5, unit: working_days}
clock_starts: on_valid_dossier
documents:
  - {key: don, name: Đơn đề nghị, required: true}
  - {key: ban_sao, name: Bản sao, required: false}
fields:
  so_giay: {label: Số giấy, type: text}
states:
  received: {label: Tiếp nhận, national_status: 2, roles: [receiver], allot: 1, initial: true}
  reviewing: {label: Thẩm định, national_status: 4, roles: [handler], allot: 3}
  waiting: {label: Chờ bổ sung, national_status: 5, roles: [receiver], clock: paused}
  done: {label: Đã trả, national_status: 10, final: true, outcome: issued}
transitions:
  - {action: accept, label: Tiếp nhận, from: received, to: reviewing, slip: receipt}
  - {action: ask, label: Yêu cầu bổ sung, from: reviewing, to: waiting, requires: [reason, missing_documents]}
  - {action: resume, label: Nhận bổ sung, from: waiting, to: reviewing}
  - {action: finish, label: Trả kết quả, from: reviewing, to: done, roles: [handler], requires: [so_giay]}
guidance:
  received: Kiểm tra đơn.
checklists:
  reviewing: [Đủ giấy tờ]
verified_on: 2026-11-22
code_kind: local
"""  # noqa: E501


def edit(text: str, *pairs: tuple[str, str]) -> str:
    """Replace each exact snippet once (and fail loudly if the snippet is not there)."""
    for old, new in pairs:
        assert text.count(old) == 1, f"snippet not unique in base: {old!r}"
        text = text.replace(old, new)
    return text


def write_workdir(tmp_path: Path, files: dict[str, str | bytes], *, parts: bool = True) -> Path:
    """A workflows-like folder: the given files plus (by default) a copy of the shipped parts."""
    if parts:
        shutil.copytree(WORKFLOWS / "common", tmp_path / "common")
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return tmp_path


def errors_of(path: Path) -> list[ProcedureFileError]:
    with pytest.raises(ProcedureErrors) as info:
        load_procedure_file(path)
    assert info.value.errors, "ProcedureErrors without errors"
    return info.value.errors


class Dossier:
    """Stands in for the dossier row: the machine reads and writes ``state``."""

    def __init__(self, state: str | None = None) -> None:
        self.state = state
