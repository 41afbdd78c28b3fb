"""Evidence and sign-offs for tests: a passed practice run made the real way (the trainee opens a
practice dossier, a mentor passes it), and a sign-off row written directly for tests about
something else (points, the leaderboard, the certificate's access rules)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from casework.accounts.models import User
from casework.db import utcnow
from casework.dossiers import service as dossiers
from casework.dossiers.models import Dossier
from casework.procedures import Procedure
from casework.reviews import service as reviews
from casework.signoffs.models import SignOffEntry, SignOffKind
from casework.signoffs.numbers import new_number
from tests.factories import TZ


def practice_run(session: Session, *, trainee: User, procedure: Procedure) -> Dossier:
    """A practice dossier of `procedure` opened by `trainee`."""
    return dossiers.open_dossier(
        session, actor=trainee, procedure=procedure,
        applicant=dossiers.Applicant(name="Cơ sở thực hành", kind="organisation"),
        mode="practice", tz=TZ,
    )  # fmt: skip


def passed_run(session: Session, *, trainee: User, mentor: User, procedure: Procedure) -> Dossier:
    """A practice dossier of `procedure` opened by `trainee` and passed ("Đạt") by `mentor`."""
    d = practice_run(session, trainee=trainee, procedure=procedure)
    reviews.give_verdict(session, actor=mentor, code=d.code, verdict="pass")
    return d


def grant(
    session: Session, *, trainee: User, mentor: User, code: str, at: datetime | None = None
) -> SignOffEntry:
    """A sign-off written straight to the table (no evidence rule), the next of its history."""
    assert trainee.id is not None and mentor.id is not None
    last = session.exec(
        select(SignOffEntry.seq)
        .where(SignOffEntry.trainee_id == trainee.id, SignOffEntry.procedure_code == code)
        .order_by(col(SignOffEntry.seq).desc())
    ).first()
    at = at or utcnow()
    row = SignOffEntry(
        trainee_id=trainee.id, procedure_code=code, seq=(last or 0) + 1,
        kind=SignOffKind.signed.value, mentor_id=mentor.id, at=at,
        number=new_number(at.year), evidence=[],
    )  # fmt: skip
    session.add(row)
    session.commit()
    return row
