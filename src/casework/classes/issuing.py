"""Issuing the certificates of a completed class, through the certificates package.

`certificates.service.add_in_transaction` writes each certificate (source "class", the class id)
and its "created" change row inside the completion's transaction and never commits, so a failure
on any seat leaves nothing written. A number already recorded (same field, issuer and number) is
refused up front with a clear message instead of failing at the unique key.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from casework.accounts.models import User
from casework.certificates import service as certificates
from casework.certificates.models import Certificate, Source
from casework.classes.models import ClassSeat, TrainingClass
from casework.errors import Conflict


def certificate_number(klass: TrainingClass, seq: int) -> str:
    """LTH<class id>-<seq>: unique per class, so unique per (field, issuer)."""
    return f"LTH{klass.id:04d}-{seq:03d}"


def issue(
    session: Session,
    *,
    klass: TrainingClass,
    seat: ClassSeat,
    seq: int,
    issuer: str,
    issued_on: date,
    actor: User,
) -> Certificate:
    """One certificate for the officer of `seat` (flushed, not committed)."""
    assert seat.user_id is not None
    values = certificates.Values(
        field=klass.field,
        course=klass.title,
        issuer=issuer,
        number=certificate_number(klass, seq),
        issued_on=issued_on,
        valid_until=None,
    )
    if certificates.duplicate_of(session, values) is not None:
        raise Conflict(
            f"Đã có chứng chỉ số {values.number} của {issuer} ({klass.field}): chưa cấp chứng "
            "chỉ nào của lớp. Hãy báo quản trị hệ thống."
        )
    cert = certificates.add_in_transaction(
        session, actor=actor, user_id=seat.user_id, values=values, source=Source.klass,
        class_id=klass.id, note=f"Hoàn thành lớp tập huấn số {klass.id}",
    )  # fmt: skip
    seat.certificate_id = cert.id
    seat.certificate_number = cert.number
    session.add(seat)
    return cert
