"""Sign-offs: only a mentor assigned to the trainee's unit (or above) signs or revokes; one
transaction each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.db import utcnow
from casework.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from casework.procedures import ProcedureRegistry
from casework.progress.access import is_trainee, mentor_covers
from casework.signoffs.models import SignOff

MAX_NOTE = 1000


def sign_off(
    session: Session,
    *,
    mentor: User,
    trainee: User,
    procedure_code: str,
    note: str,
    procedures: ProcedureRegistry,
    now: datetime | None = None,
) -> SignOff:
    """Sign `procedure_code` off for `trainee` ("có thể làm độc lập"); signing again replaces
    the mentor, note and time. One transaction."""
    unit = session.get(Unit, trainee.unit_id)
    if unit is None or not mentor_covers(session, mentor, unit):
        raise PermissionDenied(
            "Chỉ cán bộ hướng dẫn được phân công cho đơn vị của học viên mới ký xác nhận."
        )
    errors: dict[str, str] = {}
    code = (procedure_code or "").strip()
    if code not in procedures:
        errors["procedure_code"] = "Chọn một thủ tục có trong sổ tay."
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = f"Ghi chú tối đa {MAX_NOTE} ký tự."
    if not is_trainee(trainee):
        errors["trainee"] = (
            "Chỉ ký xác nhận cho cán bộ tiếp nhận, thụ lý hoặc lãnh đạo đang hoạt động."
        )
    if errors:
        raise ValidationFailed("Chưa ký xác nhận được.", fields=errors)
    assert mentor.id is not None and trainee.id is not None
    row = session.exec(
        select(SignOff).where(SignOff.trainee_id == trainee.id, SignOff.procedure_code == code)
    ).first()
    if row is None:
        row = SignOff(trainee_id=trainee.id, procedure_code=code, mentor_id=mentor.id)
    row.mentor_id = mentor.id
    row.note = note
    row.signed_at = now or utcnow()
    session.add(row)
    try:
        session.commit()
    except IntegrityError as exc:  # the same sign-off made twice at once
        session.rollback()
        raise Conflict("Thủ tục này vừa được ký xác nhận. Hãy tải lại trang.") from exc
    return row


def revoke_sign_off(session: Session, *, mentor: User, trainee: User, procedure_code: str) -> None:
    unit = session.get(Unit, trainee.unit_id)
    if unit is None or not mentor_covers(session, mentor, unit):
        raise PermissionDenied(
            "Chỉ cán bộ hướng dẫn được phân công cho đơn vị của học viên mới thu hồi xác nhận."
        )
    row = session.exec(
        select(SignOff).where(
            SignOff.trainee_id == trainee.id, SignOff.procedure_code == procedure_code
        )
    ).first()
    if row is None:
        raise NotFound("Không tìm thấy xác nhận này.")
    session.delete(row)
    session.commit()


def sign_offs_of(session: Session, user_ids: Sequence[int]) -> dict[int, list[SignOff]]:
    found: dict[int, list[SignOff]] = {i: [] for i in user_ids}
    if not user_ids:
        return found
    for row in session.exec(
        select(SignOff)
        .where(col(SignOff.trainee_id).in_(user_ids))
        .order_by(col(SignOff.signed_at), col(SignOff.id))
    ).all():
        found[row.trainee_id].append(row)
    return found
