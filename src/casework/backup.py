"""Backups and restore of the database and the uploaded files (`casework backup` / `restore`).

A backup is one folder `casework-backup-<YYYYMMDDTHHMMSSZ>/` inside the destination:

- `database.sqlite3` (SQLite: an online copy made with the sqlite3 backup API, consistent even
  while the app writes) or `database.pgdump` (PostgreSQL: `pg_dump --format=custom`, taken in the
  same snapshot as the counts of the manifest);
- `uploads/`: a copy of CASEWORK_UPLOAD_DIR, copied *after* the database snapshot, so every
  attachment the snapshot knows about is already on disk;
- `manifest.json`: time, app version, backend, Alembic revision, dossier/event/attachment counts
  and the size and SHA-256 of every file, so a restore can be checked.

Everything is written under a hidden `.partial` name and renamed at the very end: a folder named
`casework-backup-…` is always complete; on any failure the partial folder is removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import URL, Connection, make_url

from casework import __version__

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
UPLOADS = "uploads"
PREFIX = "casework-backup-"
FORMAT = 1
#: what the manifest counts (table name → manifest key)
COUNTED = {"dossier": "dossiers", "event": "events", "attachment": "attachments"}


class BackupError(Exception):
    """A backup or restore that could not be done; `message` is for the operator (Vietnamese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]


@dataclass
class RestoreResult:
    database: str
    upload_dir: Path
    counts: dict[str, int]
    #: the previous upload folder, kept aside (only with --force over a non-empty folder)
    previous_uploads: Path | None = None
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------- helpers


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path


def _os_error(what: str, exc: OSError) -> BackupError:
    import errno

    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = "ổ đĩa đầy"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = "không có quyền ghi"
    where = f" ({exc.filename})" if exc.filename else ""
    return BackupError(f"{what}: {reason}{where}.")


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ: không có gì để sao lưu.")
    return Path(url.database)


def _pg_env(url: URL) -> dict[str, str]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return env


def _pg_args(url: URL) -> list[str]:
    args = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    return args


def _pg_program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"Không tìm thấy chương trình {name}. Hãy cài gói postgresql-client "
            f"(Debian: apt-get install postgresql-client) rồi chạy lại."
        )
    return found


def _counts(conn: Connection) -> dict[str, int]:
    return {
        key: int(conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())
        for table, key in COUNTED.items()
    }


def _revision(conn: Connection) -> str | None:
    try:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 — a database never migrated has no alembic_version table
        return None


def _sqlite_info(path: Path) -> tuple[dict[str, int], str | None]:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return _counts(conn), _revision(conn)
    finally:
        engine.dispose()


def _copy_uploads(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, symlinks=False)
    else:
        target.mkdir()


# ----------------------------------------------------------------------------------------- backup


def backup(
    database_url: str,
    upload_dir: Path,
    dest_dir: Path,
    *,
    sqlite_timeout: float = 30.0,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> BackupResult:
    """Back up the database and the uploads into a new folder inside `dest_dir`."""
    url = make_url(database_url)
    if not _is_sqlite(url) and url.get_backend_name() != "postgresql":
        raise BackupError(f"Không hỗ trợ sao lưu cơ sở dữ liệu {url.get_backend_name()}.")
    if _is_sqlite(url) and not _sqlite_path(url).is_file():
        raise BackupError(f"Không thấy tệp cơ sở dữ liệu {_sqlite_path(url)}.")
    if not _is_sqlite(url):
        _pg_program("pg_dump")
    if dest_dir.resolve().is_relative_to(upload_dir.resolve()):
        raise BackupError(
            f"Thư mục sao lưu {dest_dir} nằm trong thư mục tệp đính kèm {upload_dir}; hãy chọn "
            "nơi khác (tốt nhất là một ổ đĩa khác)."
        )
    started = now()
    name = f"{PREFIX}{started:%Y%m%dT%H%M%SZ}"
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        partial = dest_dir / f".{name}.{secrets.token_hex(4)}.partial"
        partial.mkdir()
    except OSError as exc:
        raise _os_error(f"Không tạo được thư mục sao lưu trong {dest_dir}", exc) from exc
    try:
        if _is_sqlite(url):
            db_file = partial / SQLITE_FILE
            counts, revision = _backup_sqlite(_sqlite_path(url), db_file, sqlite_timeout)
        else:
            db_file = partial / PG_FILE
            counts, revision = _backup_pg(url, db_file)
        try:
            _copy_uploads(upload_dir, partial / UPLOADS)
        except shutil.Error as exc:  # copytree gathers the errors of each file
            raise BackupError(
                f"Không sao chép được thư mục tệp đính kèm {upload_dir}: {exc}"
            ) from exc
        except OSError as exc:
            raise _os_error(f"Không sao chép được thư mục tệp đính kèm {upload_dir}", exc) from exc
        manifest = {
            "format": FORMAT,
            "created_at": started.isoformat(timespec="seconds"),
            "app_version": __version__,
            "backend": "sqlite" if _is_sqlite(url) else "postgresql",
            "database": url.render_as_string(hide_password=True),
            "upload_dir": str(upload_dir),
            "alembic_revision": revision,
            "counts": counts,
            "files": [
                {
                    "path": p.relative_to(partial).as_posix(),
                    "size": p.stat().st_size,
                    "sha256": sha256_file(p),
                }
                for p in _files(partial)
            ],
        }
        try:
            with (partial / MANIFEST).open("w", encoding="utf-8") as fh:
                json.dump(manifest, fh, ensure_ascii=False, indent=2)
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            final = dest_dir / name
            n = 1
            while final.exists():
                n += 1
                final = dest_dir / f"{name}-{n}"
            partial.rename(final)
        except OSError as exc:
            raise _os_error(f"Không ghi được bản sao lưu vào {dest_dir}", exc) from exc
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackupResult(path=final, manifest=manifest)


def _backup_sqlite(source: Path, target: Path, timeout: float) -> tuple[dict[str, int], str | None]:
    """Online copy with the sqlite3 backup API: it reads one consistent snapshot (WAL lets it
    proceed while another connection holds a write transaction), then the copy is switched to
    rollback-journal mode so it is a single self-contained file."""
    try:
        src = sqlite3.connect(source, timeout=timeout)
    except sqlite3.Error as exc:
        raise BackupError(f"Không mở được cơ sở dữ liệu {source}: {exc}") from exc
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            ok = dst.execute("PRAGMA integrity_check").fetchone()
            if not ok or ok[0] != "ok":
                raise BackupError(f"Bản sao cơ sở dữ liệu không toàn vẹn: {ok}.")
        finally:
            dst.close()
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if "full" in message:
            raise BackupError(
                f"Không ghi được bản sao cơ sở dữ liệu: ổ đĩa đầy ({target})."
            ) from exc
        raise BackupError(f"Không sao lưu được cơ sở dữ liệu {source}: {message}.") from exc
    except sqlite3.Error as exc:
        raise BackupError(f"Không sao lưu được cơ sở dữ liệu {source}: {exc}.") from exc
    finally:
        src.close()
    return _sqlite_info(target)


def _backup_pg(url: URL, target: Path) -> tuple[dict[str, int], str | None]:
    """`pg_dump --format=custom` in the snapshot of a repeatable-read transaction that also
    counts the rows, so the manifest describes exactly what the dump holds."""
    from casework.db import make_engine

    pg_dump = _pg_program("pg_dump")
    engine = make_engine(url.render_as_string(hide_password=False), poolclass=_null_pool())
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                counts, revision = _counts(conn), _revision(conn)
                command = [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(target),
                    *_pg_args(url),
                    "--dbname",
                    str(url.database),
                ]
                done = subprocess.run(
                    command, env=_pg_env(url), capture_output=True, text=True, check=False
                )
    except BackupError:
        raise
    except Exception as exc:  # noqa: BLE001 — connection refused, bad database name, …
        raise BackupError(f"Không kết nối được cơ sở dữ liệu PostgreSQL: {exc}") from exc
    finally:
        engine.dispose()
    if done.returncode != 0:
        detail = done.stderr.strip()
        if "No space left" in detail:
            detail = f"ổ đĩa đầy. {detail}"
        raise BackupError(f"pg_dump thất bại (mã {done.returncode}): {detail}")
    return counts, revision


def _null_pool() -> Any:
    from sqlalchemy.pool import NullPool

    return NullPool


# ---------------------------------------------------------------------------------------- restore


def read_manifest(src: Path) -> tuple[Path, dict[str, Any]]:
    """The backup folder and its manifest (`src` may be the folder or its manifest.json)."""
    folder = src.parent if src.name == MANIFEST else src
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(
            f"{folder} không phải một bản sao lưu casework (thiếu {MANIFEST})."
        ) from exc
    except (OSError, ValueError) as exc:
        raise BackupError(f"Không đọc được {folder / MANIFEST}: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Bản sao lưu định dạng {manifest.get('format')!r} không được hỗ trợ.")
    return folder, manifest


def check(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """Problems with the files of a backup (missing, extra, wrong size or SHA-256); [] if whole."""
    problems = []
    listed = {f["path"]: f for f in manifest["files"]}
    present = {p.relative_to(folder).as_posix() for p in _files(folder)} - {MANIFEST}
    for path in sorted(set(listed) - present):
        problems.append(f"thiếu tệp {path}")
    for path in sorted(present - set(listed)):
        problems.append(f"tệp lạ không có trong manifest: {path}")
    for path in sorted(set(listed) & present):
        if sha256_file(folder / path) != listed[path]["sha256"]:
            problems.append(f"tệp {path} sai mã SHA-256 (đã bị sửa hoặc hỏng)")
    return problems


def restore(
    src: Path,
    database_url: str,
    upload_dir: Path,
    *,
    force: bool = False,
    sqlite_timeout: float = 30.0,
) -> RestoreResult:
    """Restore a backup into the configured database and upload folder, after checking every
    file against the manifest. Refuses a database or upload folder that already holds data
    unless `force`; with `force` the previous upload folder is kept aside, not deleted."""
    folder, manifest = read_manifest(src)
    problems = check(folder, manifest)
    if problems:
        raise BackupError("Bản sao lưu không nguyên vẹn:\n  " + "\n  ".join(problems))
    url = make_url(database_url)
    backend = "sqlite" if _is_sqlite(url) else url.get_backend_name()
    if backend != manifest["backend"]:
        raise BackupError(
            f"Bản sao lưu là của {manifest['backend']}, nhưng CASEWORK_DATABASE_URL trỏ tới "
            f"{backend}. Hãy khôi phục vào cùng loại cơ sở dữ liệu."
        )
    if not force:
        if _has_data(url):
            raise BackupError(
                "Cơ sở dữ liệu đích đã có dữ liệu; không ghi đè. Kiểm tra lại "
                "CASEWORK_DATABASE_URL, hoặc thêm --force để thay thế toàn bộ "
                "(hãy sao lưu nó trước)."
            )
        if upload_dir.is_dir() and any(upload_dir.iterdir()):
            raise BackupError(
                f"Thư mục tệp đính kèm {upload_dir} không trống; không ghi đè. Thêm --force để "
                "thay thế (thư mục cũ được giữ lại bên cạnh)."
            )
    # Stage the uploads next to their destination first (same file system, so the final rename
    # is atomic); nothing configured is touched until the copy is complete.
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    staging = upload_dir.parent / f".{upload_dir.name}.restore-{secrets.token_hex(4)}"
    try:
        upload_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(folder / UPLOADS, staging)
    except (OSError, shutil.Error) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(f"Không chép được tệp đính kèm vào {upload_dir.parent}: {exc}") from exc
    try:
        if backend == "sqlite":
            _restore_sqlite(folder / SQLITE_FILE, _sqlite_path(url), sqlite_timeout)
        else:
            _restore_pg(folder / PG_FILE, url)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    previous = None
    try:
        if upload_dir.exists():
            if any(upload_dir.iterdir()):
                previous = upload_dir.with_name(f"{upload_dir.name}.before-restore-{stamp}")
                upload_dir.rename(previous)
            else:
                upload_dir.rmdir()
        staging.rename(upload_dir)
    except OSError as exc:
        raise _os_error(
            f"Đã khôi phục cơ sở dữ liệu nhưng chưa đặt được tệp đính kèm vào {upload_dir} "
            f"(bản chép nằm ở {staging})",
            exc,
        ) from exc
    counts = _current_counts(url)
    result = RestoreResult(
        database=url.render_as_string(hide_password=True),
        upload_dir=upload_dir,
        counts=counts,
        previous_uploads=previous,
    )
    if counts != manifest["counts"]:
        raise BackupError(
            f"Sau khi khôi phục, số liệu không khớp manifest: {counts} ≠ {manifest['counts']}."
        )
    return result


def _has_data(url: URL) -> bool:
    """Whether the database holds any unit, user or dossier (a freshly migrated one does not)."""
    if _is_sqlite(url):
        path = _sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return False
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            for table in ("unit", "user", "dossier"):
                if (
                    table in tables
                    and conn.execute(text(f'SELECT 1 FROM "{table}" LIMIT 1')).first()
                ):
                    return True
            return False
    except Exception as exc:  # noqa: BLE001
        raise BackupError(f"Không mở được cơ sở dữ liệu đích: {exc}") from exc
    finally:
        engine.dispose()


def _current_counts(url: URL) -> dict[str, int]:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return _counts(conn)
    finally:
        engine.dispose()


def _restore_sqlite(source: Path, target: Path, timeout: float) -> None:
    """Copy the backup into the target with the backup API: SQLite writes the whole database in
    one transaction of the target, through its own locks and journal (no torn file)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(target, timeout=timeout)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=WAL")
            finally:
                dst.close()
        finally:
            src.close()
    except OSError as exc:
        raise _os_error(f"Không ghi được cơ sở dữ liệu {target}", exc) from exc
    except sqlite3.Error as exc:
        raise BackupError(f"Không khôi phục được cơ sở dữ liệu vào {target}: {exc}.") from exc


def pg_restore_command(dump: Path, url: URL) -> list[str]:
    return [
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--exit-on-error",
        "--single-transaction",
        *_pg_args(url),
        "--dbname",
        str(url.database),
        str(dump),
    ]


def _restore_pg(dump: Path, url: URL) -> None:
    command = pg_restore_command(dump, url)
    command[0] = _pg_program("pg_restore")
    done = subprocess.run(command, env=_pg_env(url), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(
            f"pg_restore thất bại (mã {done.returncode}); cơ sở dữ liệu không thay đổi "
            f"(một giao dịch): {done.stderr.strip()}"
        )
