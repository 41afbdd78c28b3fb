"""Reading certificates: validity on a day, the per-unit list (filters, paging), one officer's
own, a certificate's history, and the table the exports and the print share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from casework import cells
from casework.accounts.models import Unit, User
from casework.certificates.models import Certificate, CertificateChange
from casework.paging import Page
from casework.reports import exports
from casework.text import fold

PER_PAGE = 25


# ---- lists ----------------------------------------------------------------------------------


def is_valid(cert: Certificate, on: date) -> bool:
    return (
        not cert.revoked
        and cert.issued_on <= on
        and (cert.valid_until is None or cert.valid_until >= on)
    )


def status_of(cert: Certificate, on: date) -> str:
    """valid | expired | revoked | not_yet"""
    if cert.revoked:
        return "revoked"
    if cert.issued_on > on:
        return "not_yet"
    return "valid" if cert.valid_until is None or cert.valid_until >= on else "expired"


STATUS_LABELS = {
    "valid": "Còn hiệu lực",
    "expired": "Hết hạn",
    "revoked": "Đã thu hồi",
    "not_yet": "Chưa có hiệu lực",
}


@dataclass(frozen=True)
class Filter:
    unit: Unit
    field: str | None = None
    status: str | None = None  # valid | expired | revoked
    q: str | None = None


def _where(f: Filter, on: date) -> list[Any]:
    sub = select(Unit.id).where(col(Unit.path).startswith(f.unit.path))
    where: list[Any] = [col(User.unit_id).in_(sub)]
    if f.field:
        where.append(Certificate.field == f.field)
    if f.status == "valid":
        where += [
            col(Certificate.revoked).is_(False),
            col(Certificate.issued_on) <= on,
            or_(col(Certificate.valid_until).is_(None), col(Certificate.valid_until) >= on),
        ]
    elif f.status == "expired":
        where += [col(Certificate.revoked).is_(False), col(Certificate.valid_until) < on]
    elif f.status == "revoked":
        where.append(col(Certificate.revoked).is_(True))
    return where


Row = tuple[Certificate, User, Unit]


def search(
    session: Session, f: Filter, *, on: date, page: int = 1, per_page: int = PER_PAGE
) -> Page[Row]:
    """Certificates of officers at or below `f.unit`, by unit, officer, field, issue date.
    `q` (name, username or number, accents ignored) is matched in Python on the filtered rows."""
    query = (
        select(Certificate, User, Unit)
        .join(User, col(User.id) == Certificate.user_id)
        .join(Unit, col(Unit.id) == User.unit_id)
        .where(*_where(f, on))
        .order_by(col(Unit.code), col(User.full_name), col(Certificate.field),
                  col(Certificate.issued_on).desc(), col(Certificate.id))
    )  # fmt: skip
    needle = fold(f.q or "")
    if needle:
        rows = [
            r
            for r in session.exec(query).all()
            if needle in fold(f"{r[1].full_name} {r[1].username} {r[0].number}")
        ]
        return Page[Row](rows[(page - 1) * per_page : page * per_page], len(rows), page, per_page)
    count = (
        select(func.count())
        .select_from(Certificate)
        .join(User, col(User.id) == Certificate.user_id)
        .where(*_where(f, on))
    )
    total = int(session.exec(count).one())
    items = session.exec(query.offset((page - 1) * per_page).limit(per_page)).all()
    return Page[Row](list(items), total, page, per_page)


def mine(session: Session, *, user: User) -> list[Certificate]:
    return list(
        session.exec(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(col(Certificate.issued_on).desc(), col(Certificate.id).desc())
        ).all()
    )


def history(session: Session, cert: Certificate) -> list[tuple[CertificateChange, User | None]]:
    rows = session.exec(
        select(CertificateChange)
        .where(CertificateChange.certificate_id == cert.id)
        .order_by(col(CertificateChange.at), col(CertificateChange.id))
    ).all()
    return [(r, session.get(User, r.actor_id) if r.actor_id else None) for r in rows]


# ---- the table exports and the print share --------------------------------------------------

HEADERS = ["STT", "Đơn vị", "Mã đơn vị", "Họ và tên", "Tên đăng nhập", "Lĩnh vực", "Khóa học",
           "Nơi cấp", "Số chứng chỉ", "Ngày cấp", "Có giá trị đến", "Trạng thái"]  # fmt: skip
#: Kept for progress/tables.py: the writer (`casework.cells`) now makes every cell safe, so this
#: only removes the characters a spreadsheet cannot hold. New code needs nothing of the kind.
safe_cell = cells.clean


def table(rows: list[Row], *, on: date, notes: list[str]) -> exports.Table:
    """The certificates as a table, for the exports (cells made safe by their writer) and the
    printed page."""
    out = exports.Table("Danh sách chứng chỉ nghiệp vụ kiểm tra", list(HEADERS), notes=notes)
    for i, (c, u, unit) in enumerate(rows, start=1):
        out.rows.append(
            [
                i,
                unit.name,
                unit.code,
                u.full_name,
                u.username,
                c.field,
                c.course,
                c.issuer,
                c.number,
                c.issued_on,
                c.valid_until or "không thời hạn",
                STATUS_LABELS[status_of(c, on)],
            ]  # fmt: skip
        )
    return out
