"""Issuing the certificates of a completed class: the seam to the certificates package.

ADAPTER (issue 15, C2): until `casework.certificates.service` offers a function that creates one
certificate inside the caller's transaction, this module writes the `Certificate` row and its
`CertificateChange` ("created") itself, exactly as that package records them (source "class",
the class id). It never commits: the completion of the class owns the one transaction, so a
failure on any seat leaves nothing written.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from casework.accounts.models import User
from casework.certificates.models import Certificate, CertificateChange, Source
from casework.classes.models import ClassSeat, TrainingClass


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
    cert = Certificate(
        user_id=seat.user_id,
        field=klass.field,
        course=klass.title,
        issuer=issuer,
        number=certificate_number(klass, seq),
        issued_on=issued_on,
        valid_until=None,
        source=Source.klass,
        class_id=klass.id,
        recorded_by_id=actor.id,
    )
    session.add(cert)
    session.flush()
    assert cert.id is not None
    session.add(
        CertificateChange(
            certificate_id=cert.id, kind="created", actor_id=actor.id, note=f"Lớp {klass.id}"
        )
    )
    seat.certificate_id = cert.id
    seat.certificate_number = cert.number
    session.add(seat)
    return cert
