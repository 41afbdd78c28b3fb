"""Certificates: who may see and change them, recording, editing, revoking, listing.

- **Managing** (add, edit, revoke): admins, for officers of their unit's subtree (an admin of
  the ministry, the root, manages everyone). Anyone else: 403; an officer or certificate
  outside the admin's subtree: 404, as for one that does not exist.
- **Reading**: the officer their own ("Chứng chỉ của tôi"); auditors and admins those of
  officers in their subtree (the per-unit list, its exports and print).
- Nothing is deleted. A wrong certificate is revoked with a reason; every change is a
  `CertificateChange` row with the values before it, in the same transaction.

`missing_certificates` (in `checks.py`) is the check an inspection decision runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from casework import inputs
from casework.accounts.models import Role, Unit, User
from casework.certificates.models import (
    FIELDS,
    Certificate,
    CertificateChange,
    Source,
)
from casework.db import utcnow
from casework.dossiers import attachments
from casework.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from casework.ids import parse_int
from casework.text import fold

PER_PAGE = 25
EXPORT_CAP = 50_000
#: the form's texts through the one input layer: one line, no control or bidi characters
TEXT_RULES = {
    "course": inputs.Rule("Tên khóa học", "certificate_text", required="Cần nhập tên khóa học."),
    "issuer": inputs.Rule("Nơi cấp", "certificate_text", required="Cần nhập nơi cấp."),
    "number": inputs.Rule("Số chứng chỉ", "certificate_number", required="Cần nhập số chứng chỉ."),
}
REASON = inputs.Rule("Lý do thu hồi", "reason", multiline=True, required="Cần ghi lý do.")
EVIDENCE_FIELD = "doc_evidence"
#: the values a change row keeps as "before"
TRACKED = ("user_id", "field", "course", "issuer", "number", "issued_on", "valid_until",
           "evidence_name", "evidence_sha256", "revoked", "revoked_reason")  # fmt: skip


# ---- who may do what ------------------------------------------------------------------------


def _unit(session: Session, user: User) -> Unit:
    unit = session.get(Unit, user.unit_id)
    if unit is None or not user.is_active:
        raise PermissionDenied("Tài khoản chưa thuộc đơn vị nào.")
    return unit


def manager_root(session: Session, user: User) -> Unit:
    """The admin's unit: officers at or below it are theirs to manage."""
    if not user.is_active or not user.has_role(Role.admin):
        raise PermissionDenied("Chỉ quản trị viên của đơn vị (hoặc của Bộ) mới ghi chứng chỉ.")
    return _unit(session, user)


def reader_root(session: Session, user: User) -> Unit:
    """Auditors and admins read the certificates of their subtree."""
    if not user.is_active or not user.has_role(Role.auditor, Role.admin):
        raise PermissionDenied(
            "Chỉ cán bộ kiểm tra, giám sát hoặc quản trị mới xem danh sách chứng chỉ."
        )
    return _unit(session, user)


def can_manage(session: Session, user: User | None, officer: User) -> bool:
    if user is None or not user.is_active or not user.has_role(Role.admin):
        return False
    root, unit = session.get(Unit, user.unit_id), session.get(Unit, officer.unit_id)
    return root is not None and unit is not None and unit.path.startswith(root.path)


def can_read(session: Session, user: User | None, officer: User) -> bool:
    if user is None or not user.is_active:
        return False
    if user.id == officer.id:
        return True
    if not user.has_role(Role.auditor, Role.admin):
        return False
    root, unit = session.get(Unit, user.unit_id), session.get(Unit, officer.unit_id)
    return root is not None and unit is not None and unit.path.startswith(root.path)


def get_visible(session: Session, user: User, certificate_id: int) -> Certificate:
    cert = session.get(Certificate, certificate_id)
    officer = session.get(User, cert.user_id) if cert is not None else None
    if cert is None or officer is None or not can_read(session, user, officer):
        raise NotFound("Không tìm thấy chứng chỉ.")
    return cert


def officer_in_scope(session: Session, root: Unit, username: str) -> User | None:
    officer = session.exec(select(User).where(User.username == username.strip())).first()
    unit = session.get(Unit, officer.unit_id) if officer is not None else None
    if officer is None or unit is None or not unit.path.startswith(root.path):
        return None
    return officer


# ---- reading the form -----------------------------------------------------------------------


def parse_day(text: str) -> date | None:
    """dd/mm/yyyy (as officers type it) or yyyy-mm-dd (a date input); None if neither."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            day = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return day if 1950 <= day.year <= 2100 else None
    return None


def clean_text(value: Any) -> str:
    """A single line without control characters: what the XLSX import makes of a cell (a cell's
    line breaks and stray controls are data from elsewhere, not something an officer typed; the
    form refuses them instead, through `TEXT_RULES`)."""
    text = "" if value is None else str(value)
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def field_of(text: str) -> str | None:
    """The field key for what was typed or chosen ("đo lường", "Do luong" → "Đo lường")."""
    wanted = fold(text)
    for key, phrase in FIELDS.items():
        if wanted in (fold(key), fold(phrase)):
            return key
    return None


@dataclass
class Values:
    field: str
    course: str
    issuer: str
    number: str
    issued_on: date
    valid_until: date | None


def check_values(values: dict[str, Any]) -> Values:
    """The certificate's fields from a form (or an import row); every bad field named at once."""
    errors: dict[str, str] = {}
    field = field_of(str(values.get("field", "")))
    if field is None:
        errors["field"] = "Chọn lĩnh vực: " + " hoặc ".join(f"«{k}»" for k in FIELDS) + "."
    texts = {key: inputs.read(values, key, rule, errors) for key, rule in TEXT_RULES.items()}
    issued = parse_day(str(values.get("issued_on", "")))
    if issued is None:
        errors["issued_on"] = "Ngày cấp chưa đúng (dạng ngày/tháng/năm, ví dụ 15/10/2025)."
    until = None
    if str(values.get("valid_until", "")).strip():
        until = parse_day(str(values["valid_until"]))
        if until is None:
            errors["valid_until"] = (
                "Ngày hết hạn chưa đúng (dạng ngày/tháng/năm); bỏ trống nếu không có hạn."
            )
        elif issued is not None and until < issued:
            errors["valid_until"] = "Ngày hết hạn phải sau ngày cấp."
    if errors:
        raise ValidationFailed("Chưa lưu được chứng chỉ: xem các ô báo lỗi.", fields=errors)
    assert field is not None and issued is not None
    return Values(field, texts["course"], texts["issuer"], texts["number"], issued, until)


def duplicate_of(
    session: Session, v: Values, *, except_id: int | None = None
) -> Certificate | None:
    """A stored certificate with the same field, issuer and number (case and accents ignored
    on the number's spacing only: the unique key is exact, this is its friendly check)."""
    query = select(Certificate).where(
        Certificate.field == v.field, Certificate.issuer == v.issuer, Certificate.number == v.number
    )
    if except_id is not None:
        query = query.where(Certificate.id != except_id)
    return session.exec(query).first()


def _duplicate_error(dup: Certificate) -> ValidationFailed:
    return ValidationFailed(
        "Chưa lưu được chứng chỉ: số chứng chỉ đã có.",
        fields={"number": f"Đã có chứng chỉ số {dup.number} của {dup.issuer} ({dup.field})."},
    )


# ---- writing --------------------------------------------------------------------------------


def _snapshot(cert: Certificate) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in TRACKED:
        value = getattr(cert, key)
        out[key] = value.isoformat() if isinstance(value, date) else value
    return out


def _evidence(
    cert: Certificate,
    upload: attachments.Upload | None,
    upload_dir: Path,
    stored: attachments.Stored,
) -> None:
    if upload is None:
        return
    name, content_type = attachments.check(upload, {"evidence"})
    now = utcnow()
    key = attachments.write_file(
        upload_dir, upload.data, now=now, stored=stored, field_name=EVIDENCE_FIELD
    )
    cert.evidence_name, cert.evidence_type, cert.evidence_key = name, content_type, key
    cert.evidence_size = len(upload.data)
    cert.evidence_sha256 = hashlib.sha256(upload.data).hexdigest()


def add_in_transaction(
    session: Session,
    *,
    actor: User | None,
    user_id: int,
    values: Values,
    source: str = Source.manual,
    class_id: int | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Certificate:
    """Add one checked certificate and its "created" change row inside the caller's transaction
    (flushed, never committed): for callers that own a larger transaction, e.g. completing a
    class (`source="class"`, `class_id`). The unique key (field, issuer, number) still holds:
    a duplicate raises IntegrityError at the flush, and the caller rolls everything back."""
    at = at or utcnow()
    actor_id = actor.id if actor is not None else None
    cert = Certificate(user_id=user_id, **vars(values), source=source, class_id=class_id,
                       recorded_by_id=actor_id, recorded_at=at)  # fmt: skip
    session.add(cert)
    session.flush()
    assert cert.id is not None
    session.add(CertificateChange(certificate_id=cert.id, kind="created", actor_id=actor_id,
                                  at=at, note=note))  # fmt: skip
    return cert


@contextmanager
def _saving(session: Session, stored: attachments.Stored, v: Values) -> Iterator[None]:
    """The write of a new or corrected certificate: on any failure the transaction is rolled
    back and the evidence file just written removed; the same number saved by someone else
    meanwhile is a field error, not a 500."""
    try:
        yield
    except IntegrityError as exc:
        session.rollback()
        stored.discard()
        raise ValidationFailed(
            "Chưa lưu được chứng chỉ: số chứng chỉ vừa được ghi cho người khác.",
            fields={"number": f"Đã có chứng chỉ số {v.number} của {v.issuer} ({v.field})."},
        ) from exc
    except BaseException:
        session.rollback()
        stored.discard()
        raise


def create(
    session: Session,
    *,
    actor: User,
    username: str,
    values: dict[str, Any],
    evidence: attachments.Upload | None = None,
    upload_dir: Path,
) -> Certificate:
    """Record a certificate for an officer of the admin's subtree. One transaction."""
    root = manager_root(session, actor)
    officer = officer_in_scope(session, root, username) if username.strip() else None
    errors: dict[str, str] = {}
    if officer is None:
        errors["username"] = (
            "Cần tên đăng nhập của cán bộ thuộc đơn vị bạn quản trị (hoặc đơn vị cấp dưới)."
        )
    try:
        v = check_values(values)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, fields={**errors, **exc.fields}) from exc
    if errors:
        raise ValidationFailed("Chưa lưu được chứng chỉ: xem các ô báo lỗi.", fields=errors)
    dup = duplicate_of(session, v)
    if dup is not None:
        raise _duplicate_error(dup)
    assert officer is not None and officer.id is not None
    cert = Certificate(user_id=officer.id, **vars(v), source=Source.manual,
                       recorded_by_id=actor.id, recorded_at=utcnow())  # fmt: skip
    stored = attachments.Stored()
    with _saving(session, stored, v):
        _evidence(cert, evidence, upload_dir, stored)
        session.add(cert)
        session.flush()
        assert cert.id is not None
        session.add(CertificateChange(certificate_id=cert.id, kind="created", actor_id=actor.id))
        session.commit()
    return cert


def _lock(session: Session, actor: User, certificate_id: int) -> Certificate:
    """The certificate, locked, if the actor manages its officer (404 otherwise, 403 if not an
    admin at all)."""
    manager_root(session, actor)
    cert = session.exec(
        select(Certificate)
        .where(Certificate.id == certificate_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    officer = session.get(User, cert.user_id) if cert is not None else None
    if cert is None or officer is None or not can_manage(session, actor, officer):
        raise NotFound("Không tìm thấy chứng chỉ.")
    return cert


def _check_version(cert: Certificate, values: dict[str, Any]) -> None:
    sent = parse_int(str(values.get("version", "")))
    if sent is not None and sent != cert.version:
        raise Conflict(
            "Chứng chỉ vừa được người khác sửa; hãy tải lại trang để xem bản mới rồi sửa lại."
        )


def edit(
    session: Session,
    *,
    actor: User,
    certificate_id: int,
    values: dict[str, Any],
    evidence: attachments.Upload | None = None,
    upload_dir: Path,
) -> Certificate:
    """Correct a certificate's details (the officer stays). One transaction."""
    cert = _lock(session, actor, certificate_id)
    _check_version(cert, values)
    if cert.revoked:
        raise Conflict("Chứng chỉ đã bị thu hồi; không sửa được nữa.")
    v = check_values(values)
    dup = duplicate_of(session, v, except_id=cert.id)
    if dup is not None:
        raise _duplicate_error(dup)
    before = _snapshot(cert)
    for key, value in vars(v).items():
        setattr(cert, key, value)
    stored = attachments.Stored()
    with _saving(session, stored, v):
        _evidence(cert, evidence, upload_dir, stored)
        cert.version += 1
        assert cert.id is not None
        session.add(CertificateChange(certificate_id=cert.id, kind="edited",
                                      actor_id=actor.id, before=before))  # fmt: skip
        session.commit()
    return cert


def revoke(
    session: Session, *, actor: User, certificate_id: int, values: dict[str, Any]
) -> Certificate:
    """Revoke with a reason; the record stays. One transaction."""
    cert = _lock(session, actor, certificate_id)
    _check_version(cert, values)
    if cert.revoked:
        raise Conflict("Chứng chỉ đã bị thu hồi trước đó.")
    fields: dict[str, str] = {}
    reason = inputs.read(values, "reason", REASON, fields)
    if fields:
        raise ValidationFailed("Chưa thu hồi được: xem lý do.", fields=fields)
    before = _snapshot(cert)
    cert.revoked, cert.revoked_reason = True, reason
    cert.revoked_by_id, cert.revoked_at = actor.id, utcnow()
    cert.version += 1
    assert cert.id is not None
    session.add(CertificateChange(certificate_id=cert.id, kind="revoked", actor_id=actor.id,
                                  before=before, note=reason))  # fmt: skip
    session.commit()
    return cert
