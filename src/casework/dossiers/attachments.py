"""Uploaded dossier documents: checked, stored safely, recorded in the same transaction.

- size cap and an allow-list of types, decided by the file's first bytes (not its name or the
  browser's content type); the name's extension must agree;
- stored under the upload dir as `<yyyy>/<mm>/<random hex>` — the user's file name is kept only
  as metadata, so nothing a user types can reach a path;
- SHA-256 kept; an `attachment` event joins the dossier's hash chain;
- if the transaction fails, the files written for it are removed (`discard`).
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from casework.dossiers.events import record_event
from casework.dossiers.models import Attachment, Dossier, EventKind
from casework.errors import ValidationFailed

MAX_BYTES = 10 * 1024 * 1024
#: sniffed kind → (content type served, allowed name extensions)
ALLOWED = {
    "pdf": ("application/pdf", {".pdf"}),
    "png": ("image/png", {".png"}),
    "jpeg": ("image/jpeg", {".jpg", ".jpeg"}),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        {".docx"},
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {".xlsx"}),
}
ALLOWED_LABEL = "PDF, ảnh JPG/PNG, Word (.docx), Excel (.xlsx)"


@dataclass(frozen=True)
class Upload:
    document_key: str
    filename: str
    data: bytes


def sniff(data: bytes) -> str | None:
    """The kind of file from its content, or None if it is not an allowed kind."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
    return None


def safe_name(filename: str) -> str:
    """A display name without any path, control characters or leading dots."""
    name = unicodedata.normalize("NFC", filename.replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", name).strip().lstrip(".")
    return name[:200] or "tep-dinh-kem"


def check(upload: Upload, allowed_keys: set[str]) -> tuple[str, str]:
    """(safe name, content type), or ValidationFailed naming the field and what to fix."""
    field_name = f"doc_{upload.document_key}"
    name = safe_name(upload.filename)
    if upload.document_key not in allowed_keys:
        raise ValidationFailed(
            "Tệp đính kèm không thuộc thành phần hồ sơ nào.",
            fields={field_name: "Thành phần hồ sơ không có trong thủ tục."},
        )
    if not upload.data:
        raise ValidationFailed("Tệp rỗng.", fields={field_name: f"Tệp «{name}» rỗng."})
    if len(upload.data) > MAX_BYTES:
        raise ValidationFailed(
            "Tệp quá lớn.",
            fields={field_name: f"Tệp «{name}» lớn hơn {MAX_BYTES // (1024 * 1024)} MB."},
        )
    kind = sniff(upload.data)
    ext = Path(name).suffix.lower()
    if kind is None or ext not in ALLOWED[kind][1]:
        raise ValidationFailed(
            "Loại tệp không được nhận.",
            fields={
                field_name: f"Tệp «{name}» không phải {ALLOWED_LABEL} "
                "(hoặc đuôi tệp không khớp nội dung)."
            },
        )
    return name, ALLOWED[kind][0]


@dataclass
class Stored:
    """Files written during one transaction, to remove if it fails."""

    paths: list[Path] = field(default_factory=list)

    def discard(self) -> None:
        for path in self.paths:
            path.unlink(missing_ok=True)


def write_file(
    upload_dir: Path, data: bytes, *, now: datetime, stored: Stored, field_name: str
) -> str:
    """Write checked bytes under a random `<yyyy>/<mm>/<hex>` key (also used for certificates'
    evidence files); the path joins `stored`, to be removed if the transaction fails."""
    key = f"{now:%Y}/{now:%m}/{secrets.token_hex(16)}"
    path = upload_dir / key
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as fh:
            stored.paths.append(path)
            fh.write(data)
    except OSError as exc:
        raise ValidationFailed(
            "Không lưu được tệp đính kèm (ổ đĩa đầy hoặc không ghi được). Chưa có gì được lưu; "
            "hãy báo quản trị.",
            fields={field_name: str(exc.strerror or exc)},
        ) from exc
    return key


def store(
    session: Session,
    *,
    dossier: Dossier,
    uploads: list[Upload],
    allowed_keys: set[str],
    upload_dir: Path,
    actor_id: int | None,
    now: datetime,
    stored: Stored,
) -> list[Attachment]:
    """Check every upload first, then write them and add rows and events (the caller commits)."""
    checked = [(u, *check(u, allowed_keys)) for u in uploads]
    rows = []
    for upload, name, content_type in checked:
        field_name = f"doc_{upload.document_key}"
        key = write_file(upload_dir, upload.data, now=now, stored=stored, field_name=field_name)
        assert dossier.id is not None
        row = Attachment(
            dossier_id=dossier.id,
            document_key=upload.document_key,
            filename=name,
            content_type=content_type,
            size=len(upload.data),
            sha256=hashlib.sha256(upload.data).hexdigest(),
            storage_key=key,
            uploaded_by_id=actor_id,
            uploaded_at=now,
        )
        session.add(row)
        session.flush()
        event = record_event(
            session,
            dossier=dossier,
            kind=EventKind.attachment,
            at=now,
            actor_id=actor_id,
            payload={
                "attachment_id": row.id,
                "document_key": upload.document_key,
                "filename": name,
                "sha256": row.sha256,
                "size": row.size,
            },
        )
        session.flush()
        row.event_id = event.id
        rows.append(row)
    return rows
