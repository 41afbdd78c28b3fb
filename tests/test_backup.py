"""`casework backup` / `casework restore` end to end, on both databases.

SQLite: dossiers with attachments made through the real services, a backup taken while another
connection holds a write transaction open, a restore into a new location, then the same counts,
the same attachment bytes and an intact audit chain. PostgreSQL: the pg_dump / pg_restore recipe,
into a fresh database created and dropped here (never skipped under CI=true). And the failures:
no partial backup is left behind, a tampered backup or a non-empty target is refused.
"""

from __future__ import annotations

import errno
import hashlib
import json
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select
from typer.testing import CliRunner

from casework import backup, cli
from casework.db import make_engine
from casework.dossiers import audit, service
from casework.dossiers.attachments import Upload
from casework.dossiers.models import Attachment, Dossier, Event
from casework.settings import get_settings
from tests.conftest import IN_CI, _admin_connect
from tests.factories import open_xray

runner = CliRunner()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def _use(monkeypatch: pytest.MonkeyPatch, url: str, uploads: Path) -> None:
    monkeypatch.setenv("CASEWORK_DATABASE_URL", url)
    monkeypatch.setenv("CASEWORK_UPLOAD_DIR", str(uploads))
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_settings():  # type: ignore[no-untyped-def]
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _fill(session: Session, world, xray, uploads: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Three dossiers, two with attachments; {storage_key: sha256}."""
    receiver = world["hni.receiver"]
    first = open_xray(session, xray, receiver)
    second = open_xray(session, xray, receiver, name="Phòng khám Đa khoa Việt Pháp")
    open_xray(session, xray, receiver, name="Bệnh viện Mắt Hà Nội")
    for dossier, files in (
        (first, [("ho-so.pdf", PDF)]),
        (second, [("anh-chup.png", PNG), ("bo-sung.pdf", PDF + b"% v2\n")]),
    ):
        service.add_attachments(
            session, actor=receiver, code=dossier.code, upload_dir=uploads,
            uploads=[Upload("phieu_khai_bao", name, data) for name, data in files],
        )  # fmt: skip
    rows = session.exec(select(Attachment)).all()
    assert len(rows) == 3
    return {row.storage_key: row.sha256 for row in rows}


def _counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return {
            "dossiers": s.exec(select(func.count()).select_from(Dossier)).one(),
            "events": s.exec(select(func.count()).select_from(Event)).one(),
            "attachments": s.exec(select(func.count()).select_from(Attachment)).one(),
        }


def _check_restored(
    url: str, uploads: Path, expected: dict[str, int], files: dict[str, str]
) -> None:
    engine = make_engine(url)
    try:
        assert _counts(engine) == expected
        with Session(engine) as s:
            report = audit.verify(s)
            assert report.ok, report.problems
            assert report.dossiers == expected["dossiers"]
            assert report.events == expected["events"]
            for row in s.exec(select(Attachment)).all():
                data = (uploads / row.storage_key).read_bytes()
                assert hashlib.sha256(data).hexdigest() == row.sha256 == files[row.storage_key]
    finally:
        engine.dispose()
    verified = runner.invoke(cli.app, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "toàn vẹn" in verified.output


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_sqlite_backup_during_a_write_then_restore_elsewhere(
    engine: Engine, session: Session, world, xray, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    uploads = tmp_path / "uploads"
    files = _fill(session, world, xray, uploads)
    expected = _counts(engine)
    db_path = Path(str(engine.url.database))
    _use(monkeypatch, f"sqlite:///{db_path}", uploads)

    # Another connection is half-way through a write: the backup neither waits for it nor sees it.
    writer = sqlite3.connect(db_path, timeout=1)
    writer.isolation_level = None
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM attachment")
    writer.execute("DELETE FROM event")
    try:
        made = runner.invoke(cli.app, ["backup", str(tmp_path / "backups")])
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert made.exit_code == 0, made.output
    assert "Đã sao lưu vào" in made.output
    [folder] = (tmp_path / "backups").iterdir()
    assert folder.name.startswith("casework-backup-")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == expected
    assert manifest["backend"] == "sqlite"
    assert manifest["alembic_revision"]
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert {f"uploads/{key}": sha for key, sha in files.items()}.items() <= listed.items()
    assert "database.sqlite3" in listed
    assert not list(folder.glob("database.sqlite3-*"))  # one self-contained file, no -wal

    # Restore into a new location.
    new_db = tmp_path / "elsewhere" / "var" / "casework.db"
    new_uploads = tmp_path / "elsewhere" / "uploads"
    _use(monkeypatch, f"sqlite:///{new_db}", new_uploads)
    restored = runner.invoke(cli.app, ["restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    assert "casework audit verify" in restored.output
    _check_restored(f"sqlite:///{new_db}", new_uploads, expected, files)

    # A second restore over it is refused without --force, done with it (old uploads kept aside).
    again = runner.invoke(cli.app, ["restore", str(folder)])
    assert again.exit_code == 1
    assert "đã có dữ liệu" in again.output
    forced = runner.invoke(cli.app, ["restore", str(folder), "--force"])
    assert forced.exit_code == 0, forced.output
    assert list(new_uploads.parent.glob("uploads.before-restore-*"))
    _check_restored(f"sqlite:///{new_db}", new_uploads, expected, files)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_sqlite_backup_while_another_connection_writes(
    engine: Engine, session: Session, world, xray, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Writes committed during the backup leave it consistent (the audit chain still verifies)."""
    import threading

    uploads = tmp_path / "uploads"
    _fill(session, world, xray, uploads)
    db_path = Path(str(engine.url.database))
    _use(monkeypatch, f"sqlite:///{db_path}", uploads)
    stop = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with Session(engine, expire_on_commit=False) as other:
                receiver = other.get(type(world["hni.receiver"]), world["hni.receiver"].id)
                while not stop.is_set():
                    open_xray(other, xray, receiver)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    try:
        results = [runner.invoke(cli.app, ["backup", str(tmp_path / "b")]) for _ in range(3)]
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    assert _counts(engine)["dossiers"] > 3  # the writer did write meanwhile
    for made in results:
        assert made.exit_code == 0, made.output
    for folder in (tmp_path / "b").iterdir():
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        copy = make_engine(f"sqlite:///{folder / 'database.sqlite3'}")
        try:
            assert _counts(copy) == manifest["counts"]
            with Session(copy) as s:
                assert audit.verify(s).ok
        finally:
            copy.dispose()


def test_unwritable_destination_fails_without_leaving_a_backup(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from casework.migrations import upgrade

    url = f"sqlite:///{tmp_path / 'casework.db'}"
    upgrade(url)
    _use(monkeypatch, url, tmp_path / "uploads")
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    failed = runner.invoke(cli.app, ["backup", str(blocker / "backups")])
    assert failed.exit_code == 1
    assert "Sao lưu thất bại" in failed.output
    assert "Không có bản sao lưu nào được tạo" in failed.output
    assert blocker.read_text() == "x"


def test_disk_full_half_way_leaves_nothing_behind(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from casework.migrations import upgrade

    url = f"sqlite:///{tmp_path / 'casework.db'}"
    upgrade(url)
    _use(monkeypatch, url, tmp_path / "uploads")

    def full(source: Path, target: Path) -> None:
        target.mkdir()
        (target / "half").write_bytes(b"x")
        raise OSError(errno.ENOSPC, "No space left on device", str(target / "half"))

    monkeypatch.setattr(backup, "_copy_uploads", full)
    dest = tmp_path / "backups"
    failed = runner.invoke(cli.app, ["backup", str(dest)])
    assert failed.exit_code == 1
    assert "ổ đĩa đầy" in failed.output
    assert list(dest.iterdir()) == []  # not even the hidden .partial folder


def test_pg_dump_missing_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _use(monkeypatch, "postgresql+psycopg://postgres@127.0.0.1:5432/x", tmp_path / "uploads")
    monkeypatch.setenv("PATH", str(tmp_path))
    failed = runner.invoke(cli.app, ["backup", str(tmp_path / "b")])
    assert failed.exit_code == 1
    assert "pg_dump" in failed.output
    assert "postgresql-client" in failed.output
    assert not (tmp_path / "b").exists() or list((tmp_path / "b").iterdir()) == []


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_tampered_backup_is_refused(
    engine: Engine, session: Session, world, xray, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    uploads = tmp_path / "uploads"
    files = _fill(session, world, xray, uploads)
    _use(monkeypatch, f"sqlite:///{engine.url.database}", uploads)
    assert runner.invoke(cli.app, ["backup", str(tmp_path / "b")]).exit_code == 0
    [folder] = (tmp_path / "b").iterdir()
    key = next(iter(files))
    (folder / "uploads" / key).write_bytes(b"%PDF-1.4 altered")
    target = tmp_path / "new" / "casework.db"
    _use(monkeypatch, f"sqlite:///{target}", tmp_path / "new" / "uploads")
    refused = runner.invoke(cli.app, ["restore", str(folder)])
    assert refused.exit_code == 1
    assert "SHA-256" in refused.output
    assert not target.exists()
    assert not (tmp_path / "new" / "uploads").exists()


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_postgresql_pg_dump_then_pg_restore_into_a_fresh_database(
    engine: Engine, session: Session, world, xray, pg_url: str, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        if IN_CI:
            pytest.fail("pg_dump/pg_restore are mandatory under CI=true (postgresql-client)")
        pytest.skip("pg_dump/pg_restore not installed")
    uploads = tmp_path / "uploads"
    files = _fill(session, world, xray, uploads)
    expected = _counts(engine)
    _use(monkeypatch, pg_url, uploads)
    made = runner.invoke(cli.app, ["backup", str(tmp_path / "backups")])
    assert made.exit_code == 0, made.output
    [folder] = (tmp_path / "backups").iterdir()
    assert (folder / "database.pgdump").read_bytes().startswith(b"PGDMP")
    assert json.loads((folder / "manifest.json").read_text())["counts"] == expected

    name = f"casework_restore_{uuid.uuid4().hex[:10]}"
    admin = _admin_connect(pg_url)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        fresh = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
        new_uploads = tmp_path / "restored-uploads"
        _use(monkeypatch, fresh, new_uploads)
        restored = runner.invoke(cli.app, ["restore", str(folder)])
        assert restored.exit_code == 0, restored.output
        _check_restored(fresh, new_uploads, expected, files)
        again = runner.invoke(cli.app, ["restore", str(folder)])
        assert again.exit_code == 1
        assert "đã có dữ liệu" in again.output
        forced = runner.invoke(cli.app, ["restore", str(folder), "--force"])  # --clean --if-exists
        assert forced.exit_code == 0, forced.output
        _check_restored(fresh, new_uploads, expected, files)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
