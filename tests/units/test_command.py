"""`casework units import` on a real SQLite file and on PostgreSQL: the summary line, then none."""

from __future__ import annotations

from sqlmodel import Session, func, select
from typer.testing import CliRunner

from casework import cli
from casework.accounts.models import Unit


def test_import_command_twice(engine, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cli, "_engine", lambda: engine)
    first = CliRunner().invoke(cli.app, ["units", "import"])
    assert first.exit_code == 0, first.output
    assert "Nguồn: vietnam-provinces 2025.10.1. Thêm 3355," in first.stdout
    again = CliRunner().invoke(cli.app, ["units", "import"])
    assert again.exit_code == 0, again.output
    assert "Thêm 0, đổi tên 0, chuyển tỉnh 0, gắn mã 0" in again.stdout
    assert "giữ nguyên 3355" in again.stdout
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Unit)).one() == 3356
