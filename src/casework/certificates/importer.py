"""Importing certificates from a class's attendee list (XLSX): preview, then confirm.

1. **Upload** (`preview`): the file is checked as a whole (an XLSX by its content, at most
   `MAX_BYTES` and `MAX_ROWS` rows, the expected columns) — a file refused here leaves nothing
   behind. Then every row is checked: unit code within the admin's subtree, the person (by
   username, or by full name within the unit), field, dates, number not repeated in the file nor
   already recorded. The accepted file is kept **server-side** as
   `<upload_dir>/imports/<token>.xlsx` with a small JSON beside it (who uploaded it, its name,
   when); the preview page carries only the token. Previews older than `KEEP_HOURS` are
   removed at the next upload.
2. **Confirm** (`confirm`): the same stored bytes are read and checked again (the database may
   have changed meanwhile); if any row has a problem nothing is written, otherwise every row is
   written in one transaction, each with the list itself as its evidence file. Only the admin
   who uploaded a preview can confirm it.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
import time
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.certificates import service
from casework.certificates.models import Certificate, CertificateChange, Source
from casework.db import utcnow
from casework.dossiers import attachments
from casework.errors import Conflict, NotFound, ValidationFailed
from casework.text import fold

MAX_BYTES = 2 * 1024 * 1024
MAX_UNPACKED = 60 * 1024 * 1024
MAX_ROWS = 5_000
KEEP_HOURS = 24
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
FILE_FIELD = "file"

#: (key, header in the file, required)
COLUMNS: list[tuple[str, str, bool]] = [
    ("full_name", "Họ và tên", True),
    ("username", "Tên đăng nhập", False),
    ("unit_code", "Mã đơn vị", True),
    ("field", "Lĩnh vực", True),
    ("course", "Khóa học", True),
    ("issuer", "Nơi cấp", True),
    ("number", "Số chứng chỉ", True),
    ("issued_on", "Ngày cấp", True),
    ("valid_until", "Có giá trị đến", False),
]
HEADERS = {key: header for key, header, _ in COLUMNS}
EXPECTED = ", ".join(f"«{h}»" + ("" if req else " (không bắt buộc)") for _, h, req in COLUMNS)


@dataclass
class Row:
    line: int  # the row number in the sheet
    cells: dict[str, str]  # what the file says, as text, for the preview
    problems: list[str] = field(default_factory=list)
    officer: User | None = None
    unit: Unit | None = None
    values: service.Values | None = None


@dataclass
class Preview:
    token: str
    filename: str
    rows: list[Row]

    @property
    def bad(self) -> int:
        return sum(1 for r in self.rows if r.problems)

    @property
    def good(self) -> int:
        return len(self.rows) - self.bad


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(f"Không nhận tệp: {message} Chưa có gì được lưu.",
                            fields={FILE_FIELD: message})  # fmt: skip


# ---- reading the file -------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return service.clean_text(value)


def read_sheet(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """(row number, {column key: cell value}) of every non-empty data row; ValidationFailed
    naming the problem for a file that is not an attendee list this importer reads."""
    if not data:
        raise _refuse("Tệp rỗng.")
    if len(data) > MAX_BYTES:
        raise _refuse(f"Tệp lớn hơn {MAX_BYTES // (1024 * 1024)} MB.")
    if attachments.sniff(data) != "xlsx":
        raise _refuse("Tệp không phải bảng tính Excel .xlsx.")
    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    if unpacked > MAX_UNPACKED:  # a small file that would unpack to a huge one (zip bomb)
        raise _refuse(f"Tệp giải nén ra lớn hơn {MAX_UNPACKED // (1024 * 1024)} MB.")
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _refuse("Không đọc được bảng tính (tệp hỏng hoặc không đúng định dạng).") from exc
    try:
        ws = wb.worksheets[0] if wb.worksheets else None
        if ws is None:
            raise _refuse("Bảng tính không có trang nào.")
        rows = ws.iter_rows(values_only=True)
        header: list[str] = []
        header_line = 0
        for cells in rows:
            header_line += 1
            if any(c not in (None, "") for c in cells):
                header = [fold(_text(c)) for c in cells]
                break
        wanted = {fold(h): key for key, h, _ in COLUMNS}
        where = {wanted[h]: i for i, h in enumerate(header) if h in wanted}
        missing = [h for key, h, req in COLUMNS if req and key not in where]
        if missing:
            raise _refuse(
                f"Thiếu cột {', '.join(f'«{m}»' for m in missing)}. Dòng đầu của trang tính "
                f"phải là tên các cột: {EXPECTED}."
            )
        out: list[tuple[int, dict[str, Any]]] = []
        for line, cells in enumerate(rows, start=header_line + 1):
            if not any(c not in (None, "") for c in cells):
                continue
            if len(out) >= MAX_ROWS:
                raise _refuse(
                    f"Tệp có hơn {MAX_ROWS:,} dòng dữ liệu".replace(",", ".")
                    + "; hãy chia thành nhiều tệp."
                )
            out.append((line, {k: cells[i] if i < len(cells) else None for k, i in where.items()}))
    finally:
        wb.close()
    if not out:
        raise _refuse("Bảng tính không có dòng dữ liệu nào dưới dòng tên cột.")
    return out


# ---- checking the rows ------------------------------------------------------------------------


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return service.parse_day(_text(value))


def check_rows(session: Session, root: Unit, sheet: list[tuple[int, dict[str, Any]]]) -> list[Row]:
    units = {
        u.code.upper(): u
        for u in session.exec(select(Unit).where(col(Unit.path).startswith(root.path))).all()
    }
    out: list[Row] = []
    seen: dict[tuple[str, str, str], int] = {}
    people = _People(session)
    for line, raw in sheet:
        row = Row(line, {k: _text(raw.get(k)) for k in HEADERS})
        out.append(row)
        c = row.cells
        for key, header, required in COLUMNS:
            if required and not c[key] and not (key == "full_name" and c["username"]):
                row.problems.append(f"Thiếu «{header}».")
        if c["unit_code"]:
            row.unit = units.get(c["unit_code"].upper())
            if row.unit is None:
                row.problems.append(
                    f"Mã đơn vị «{c['unit_code']}» không có trong phạm vi bạn quản trị."
                )
        if row.unit is not None:
            _match_person(session, row, people)
        try:
            values = {**c, "issued_on": "", "valid_until": ""}
            issued, until = _day(raw.get("issued_on")), raw.get("valid_until")
            values["issued_on"] = issued.isoformat() if issued else c["issued_on"] or "?"
            if until not in (None, ""):
                day = _day(until)
                values["valid_until"] = day.isoformat() if day else c["valid_until"]
            row.values = service.check_values(values)
        except ValidationFailed as exc:
            row.problems += [
                f"«{HEADERS[k]}»: {why}"
                for k, why in exc.fields.items()
                if not (_required(k) and not c.get(k))  # already said: "Thiếu «…»"
            ]
        if row.values is not None:
            v = row.values
            same = (v.field, fold(v.issuer), fold(v.number))
            if same in seen:
                row.problems.append(f"Số chứng chỉ {v.number} trùng với dòng {seen[same]}.")
            else:
                seen[same] = line
    _against_database(session, out)
    return out


def _against_database(session: Session, rows: list[Row]) -> None:
    """Numbers already recorded (same field, issuer and number): one query per 500 numbers."""
    numbers = sorted({r.values.number for r in rows if r.values is not None})
    stored: set[tuple[str, str, str]] = set()
    for i in range(0, len(numbers), 500):
        chunk = numbers[i : i + 500]
        found = session.exec(
            select(Certificate.field, Certificate.issuer, Certificate.number).where(
                col(Certificate.number).in_(chunk)
            )
        ).all()
        stored.update((f, iss, n) for f, iss, n in found)
    for r in rows:
        v = r.values
        if v is not None and (v.field, v.issuer, v.number) in stored:
            r.problems.append(f"Số chứng chỉ {v.number} của {v.issuer} đã có trong hệ thống.")


def _required(key: str) -> bool:
    return any(k == key and req for k, _, req in COLUMNS)


class _People:
    """Users read once per unit and per username while checking one file."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_unit: dict[int, list[User]] = {}

    def of_unit(self, unit: Unit) -> list[User]:
        assert unit.id is not None
        if unit.id not in self.by_unit:
            self.by_unit[unit.id] = list(
                self.session.exec(select(User).where(User.unit_id == unit.id)).all()
            )
        return self.by_unit[unit.id]

    def named(self, username: str, unit: Unit) -> User | None:
        here = next((u for u in self.of_unit(unit) if u.username == username), None)
        return here


def _match_person(session: Session, row: Row, people: _People) -> None:
    c, unit = row.cells, row.unit
    assert unit is not None
    if c["username"]:
        user = people.named(c["username"], unit)
        if user is None:
            row.problems.append(f"Không có tài khoản «{c['username']}» ở đơn vị {unit.code}.")
        elif c["full_name"] and fold(c["full_name"]) != fold(user.full_name):
            row.problems.append(
                f"Họ tên «{c['full_name']}» không khớp tài khoản {user.username} "
                f"({user.full_name})."
            )
        else:
            row.officer = user
        return
    if not c["full_name"]:
        return
    same = [u for u in people.of_unit(unit) if fold(u.full_name) == fold(c["full_name"])]
    if not same:
        row.problems.append(f"Không tìm thấy cán bộ «{c['full_name']}» ở đơn vị {unit.code}.")
    elif len(same) > 1:
        row.problems.append(
            f"Có {len(same)} cán bộ tên «{c['full_name']}» ở đơn vị {unit.code}: "
            "ghi thêm cột «Tên đăng nhập» để phân biệt."
        )
    else:
        row.officer = same[0]


# ---- the stored preview -----------------------------------------------------------------------


def _paths(import_dir: Path, token: str) -> tuple[Path, Path]:
    return import_dir / f"{token}.xlsx", import_dir / f"{token}.json"


def _prune(import_dir: Path) -> None:
    limit = time.time() - KEEP_HOURS * 3600
    for path in import_dir.glob("*.*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def preview(
    session: Session, *, actor: User, filename: str, data: bytes, import_dir: Path
) -> Preview:
    """Check an uploaded list and keep it for the confirm step (nothing written to the
    database). A refused file raises ValidationFailed (field `file`) and is not kept."""
    root = service.manager_root(session, actor)
    sheet = read_sheet(data)
    rows = check_rows(session, root, sheet)
    name = attachments.safe_name(filename or "danh-sach.xlsx")
    token = secrets.token_urlsafe(24)
    import_dir.mkdir(parents=True, exist_ok=True)
    _prune(import_dir)
    book, meta = _paths(import_dir, token)
    book.write_bytes(data)
    meta.write_text(json.dumps({"user_id": actor.id, "filename": name, "at": time.time()}))
    return Preview(token, name, rows)


def _stored(actor: User, token: str, import_dir: Path) -> tuple[bytes, str]:
    gone = NotFound(
        "Bản xem trước này không còn (đã ghi xong, đã quá "
        f"{KEEP_HOURS} giờ hoặc không phải của bạn). Hãy tải tệp lên lại."
    )
    if not TOKEN.match(token):
        raise gone
    book, meta = _paths(import_dir, token)
    try:
        info = json.loads(meta.read_text())
        data = book.read_bytes()
    except (OSError, ValueError) as exc:
        raise gone from exc
    if info.get("user_id") != actor.id:
        raise gone
    return data, str(info.get("filename") or "danh-sach.xlsx")


def load(session: Session, *, actor: User, token: str, import_dir: Path) -> Preview:
    """The stored preview, checked again against the database as it is now."""
    root = service.manager_root(session, actor)
    data, name = _stored(actor, token, import_dir)
    return Preview(token, name, check_rows(session, root, read_sheet(data)))


def confirm(
    session: Session, *, actor: User, token: str, import_dir: Path, upload_dir: Path
) -> int:
    """Write every row of the stored preview in one transaction, or none (ValidationFailed if
    any row has a problem now). Returns how many certificates were recorded."""
    root = service.manager_root(session, actor)
    data, name = _stored(actor, token, import_dir)
    rows = check_rows(session, root, read_sheet(data))
    bad = sum(1 for r in rows if r.problems)
    if bad:
        raise ValidationFailed(
            f"Chưa ghi gì: {bad} dòng có lỗi. Sửa tệp rồi tải lên lại.",
            fields={FILE_FIELD: f"{bad} dòng có lỗi."},
        )
    now = utcnow()
    stored = attachments.Stored()
    try:
        key = attachments.write_file(
            upload_dir, data, now=now, stored=stored, field_name=FILE_FIELD
        )
        sha = hashlib.sha256(data).hexdigest()
        for r in rows:
            assert r.officer is not None and r.officer.id is not None and r.values is not None
            cert = Certificate(
                user_id=r.officer.id, **vars(r.values), source=Source.imported,
                recorded_by_id=actor.id, recorded_at=now, evidence_name=name,
                evidence_type=attachments.ALLOWED["xlsx"][0], evidence_size=len(data),
                evidence_sha256=sha, evidence_key=key,
            )  # fmt: skip
            session.add(cert)
            session.flush()
            assert cert.id is not None
            note = f"Nhập từ tệp {name}, dòng {r.line}"
            change = CertificateChange(
                certificate_id=cert.id, kind="created", actor_id=actor.id, at=now, note=note
            )
            session.add(change)
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        stored.discard()
        raise Conflict(
            "Một số chứng chỉ vừa được người khác ghi cùng lúc; chưa ghi gì. Hãy xem lại bản "
            "xem trước."
        ) from exc
    except BaseException:
        session.rollback()
        stored.discard()
        raise
    for path in _paths(import_dir, token):
        path.unlink(missing_ok=True)
    return len(rows)
