"""The certificate check an inspection decision runs (issue 15 item 2; DESIGN §9).

Who needs a certificate is the inspections package's rule (`inspections.team`): for a
measurement team, the head, the technical members and every member who is staff of the
inspecting body hold "chứng chỉ hoàn thành khóa đào tạo nghiệp vụ kiểm tra nhà nước về đo
lường" (TT 28/2013/TT-BKHCN Điều 5 khoản 7, not amended by TT 10/2022/TT-BKHCN; NĐ 86/2012/NĐ-CP
Điều 14 khoản 6 — read in the Bộ pháp điển on 05/12/2026, see docs/certificates.md). Neither text
gives the certificate a validity period: a record may have no end date. Goods-quality teams are
not checked against certificates (the law asks for kiểm soát viên chất lượng instead).

Pure reading: no writes, no access check (the caller decides who is on the team).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from casework.accounts.models import User
from casework.certificates.models import FIELDS, Certificate


def field_phrase(field: str) -> str:
    return FIELDS.get(field, field.lower())


def _day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def missing_certificates(
    session: Session, *, users: list[User], field: str, on: date
) -> dict[int, str]:
    """For each of `users` without a valid certificate of `field` on day `on`: user id → a
    Vietnamese reason naming the person and what they lack, or when their certificate ended.

    Valid on `on`: not revoked, issued on or before `on`, and no end date or one on or after
    `on`. `field` is a procedure's `field:` value ("Đo lường", "Chất lượng sản phẩm, hàng hóa").
    Everyone holding a valid certificate is left out, so an empty dict means the team may go.
    """
    ids = [u.id for u in users if u.id is not None]
    if not ids:
        return {}
    certs = session.exec(
        select(Certificate).where(col(Certificate.user_id).in_(ids), Certificate.field == field)
    ).all()
    by_user: dict[int, list[Certificate]] = {}
    for c in certs:
        by_user.setdefault(c.user_id, []).append(c)
    phrase = field_phrase(field)
    out: dict[int, str] = {}
    for user in users:
        if user.id is None:
            continue
        reason = _reason(user.full_name, phrase, by_user.get(user.id, []), on)
        if reason:
            out[user.id] = reason
    return out


def _reason(name: str, phrase: str, certs: list[Certificate], on: date) -> str | None:
    what = f"chứng chỉ nghiệp vụ kiểm tra về {phrase}"
    live = [c for c in certs if not c.revoked]
    if any(c.issued_on <= on and (c.valid_until is None or c.valid_until >= on) for c in live):
        return None
    ended = [c for c in live if c.valid_until is not None and c.valid_until < on]
    if ended:
        last = max(ended, key=lambda c: c.valid_until or on)
        assert last.valid_until is not None
        return f"{name} có {what} số {last.number} đã hết hạn ngày {_day(last.valid_until)}"
    later = [c for c in live if c.issued_on > on]
    if later:
        first = min(later, key=lambda c: c.issued_on)
        return (
            f"{name} chưa có {what} vào ngày {_day(on)} "
            f"(chứng chỉ số {first.number} chỉ có hiệu lực từ ngày {_day(first.issued_on)})"
        )
    if certs:
        last = max(certs, key=lambda c: c.revoked_at or c.recorded_at)
        because = f": {last.revoked_reason}" if last.revoked_reason else ""
        return f"{name} có {what} số {last.number} nhưng đã bị thu hồi{because}"
    return f"{name} chưa có {what}"
