"""Sign-offs: the evidence rule, signing, revoking, the history, and public verification.

- Only an active mentor assigned to the trainee's unit (or a unit above it) signs or revokes
  (403 otherwise; who may *see* the trainee is `progress.access`). One transaction each, one
  appended row (`models.SignOffEntry`); nothing is updated or deleted.
- **Evidence**: a procedure is signed off only when at least `min_passed` (setting
  ``CASEWORK_SIGNOFF_MIN_PASSED``, default 1) practice dossiers of that procedure on which the
  trainee worked (opened it or fired one of its actions) have "Đạt" as their latest mentor
  verdict (event kind ``review``, `reviews.service.latest_verdicts`). The signed row keeps the
  codes of those dossiers.
- **Revoking** needs a reason; signing again later makes a new row with a new number.
- **Verification** (`verify`) tells, for a certificate number, only the holder's name and unit,
  the procedure, the date signed and whether it still holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from sqlalchemy import ColumnElement, and_, exists
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.db import utcnow
from casework.dossiers.models import Dossier, Event, EventKind, Mode
from casework.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from casework.learning.levels import Catalog, refresh
from casework.procedures import ProcedureRegistry
from casework.progress.access import is_trainee, mentor_covers
from casework.reviews.models import Verdict
from casework.reviews.service import latest_verdicts
from casework.signoffs import numbers
from casework.signoffs.models import SignOffEntry, SignOffKind

MAX_NOTE = 1000
#: Events that are the trainee's own work on a practice dossier.
WORK_KINDS = (EventKind.opened.value, EventKind.action.value)
KIND_LABELS = {SignOffKind.signed.value: "Ký xác nhận", SignOffKind.revoked.value: "Thu hồi"}


def rule_text(min_passed: int) -> str:
    """The evidence rule as the sign-off form prints it."""
    runs = "một bài thực hành" if min_passed == 1 else f"{min_passed} bài thực hành"
    return (
        f"Chỉ ký xác nhận khi học viên có ít nhất {runs} của thủ tục đó được cán bộ hướng dẫn "
        "nhận xét Đạt (nhận xét mới nhất của bài là Đạt)."
    )


# ---- the current status -----------------------------------------------------------------------


def is_current() -> ColumnElement[bool]:
    """SQL: the row is the latest of its (trainee, procedure) and a signing — a sign-off that
    holds now. For queries elsewhere (readiness) that count sign-offs."""
    later = aliased(SignOffEntry)
    return and_(
        col(SignOffEntry.kind) == SignOffKind.signed.value,
        ~exists().where(
            col(later.trainee_id) == SignOffEntry.trainee_id,
            col(later.procedure_code) == SignOffEntry.procedure_code,
            col(later.seq) > SignOffEntry.seq,
        ),
    )


def sign_offs_of(session: Session, user_ids: Sequence[int]) -> dict[int, list[SignOffEntry]]:
    """The sign-offs that hold now, per trainee, oldest first."""
    found: dict[int, list[SignOffEntry]] = {i: [] for i in user_ids}
    if not user_ids:
        return found
    for row in session.exec(
        select(SignOffEntry)
        .where(col(SignOffEntry.trainee_id).in_(user_ids), is_current())
        .order_by(col(SignOffEntry.at), col(SignOffEntry.id))
    ).all():
        found[row.trainee_id].append(row)
    return found


def history(session: Session, trainee_id: int) -> list[SignOffEntry]:
    """Every signing and revoking of the trainee, newest first."""
    return list(
        session.exec(
            select(SignOffEntry)
            .where(SignOffEntry.trainee_id == trainee_id)
            .order_by(col(SignOffEntry.at).desc(), col(SignOffEntry.id).desc())
        ).all()
    )


def _latest(session: Session, trainee_id: int, code: str) -> SignOffEntry | None:
    return session.exec(
        select(SignOffEntry)
        .where(SignOffEntry.trainee_id == trainee_id, SignOffEntry.procedure_code == code)
        .order_by(col(SignOffEntry.seq).desc())
    ).first()


# ---- evidence ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """The trainee's practice dossiers of one procedure: how many, and which passed."""

    runs: int
    passed: list[str]


def evidence_of(session: Session, trainee_id: int) -> dict[str, Evidence]:
    """Per procedure code: the practice dossiers the trainee worked on, and the codes (oldest
    first) of those whose latest verdict is "Đạt"."""
    worked = exists().where(
        col(Event.dossier_id) == Dossier.id,
        col(Event.actor_id) == trainee_id,
        col(Event.kind).in_(WORK_KINDS),
    )
    dossiers = session.exec(
        select(Dossier).where(Dossier.mode == Mode.practice, worked).order_by(col(Dossier.id))
    ).all()
    verdicts = latest_verdicts(session, [d.id for d in dossiers if d.id is not None])
    runs: dict[str, int] = {}
    passed: dict[str, list[str]] = {}
    for d in dossiers:
        runs[d.procedure_code] = runs.get(d.procedure_code, 0) + 1
        verdict = verdicts.get(d.id) if d.id is not None else None
        if verdict is not None and verdict.action == Verdict.passed.value:
            passed.setdefault(d.procedure_code, []).append(d.code)
    return {code: Evidence(n, passed.get(code, [])) for code, n in runs.items()}


def missing_evidence(code: str, evidence: Evidence | None, min_passed: int) -> str | None:
    """What is missing to sign `code` off, in Vietnamese; None when the evidence suffices."""
    passed = len(evidence.passed) if evidence else 0
    if passed >= min_passed:
        return None
    if passed == 0:
        why = (
            f"{evidence.runs} bài đã làm chưa bài nào được nhận xét Đạt"
            if evidence
            else "học viên chưa làm bài thực hành nào của thủ tục này"
        )
        return f"Chưa có bài thực hành nào của thủ tục {code} được nhận xét Đạt ({why})."
    return (
        f"Mới có {passed} bài thực hành của thủ tục {code} được nhận xét Đạt; "
        f"cần ít nhất {min_passed}."
    )


# ---- signing, revoking ------------------------------------------------------------------------


def _check_mentor(session: Session, mentor: User, trainee: User, what: str) -> None:
    unit = session.get(Unit, trainee.unit_id)
    if unit is None or not mentor_covers(session, mentor, unit):
        raise PermissionDenied(
            f"Chỉ cán bộ hướng dẫn được phân công cho đơn vị của học viên mới {what}."
        )


def _append(
    session: Session, row: SignOffEntry, conflict: str, levels: Catalog | None
) -> SignOffEntry:
    """Write the entry and the trainee's stored levels; one commit."""
    try:
        session.add(row)
        session.flush()
        refresh(session, [row.trainee_id], levels)
        session.commit()
    except IntegrityError as exc:  # the same (trainee, procedure, seq) written twice at once
        session.rollback()
        raise Conflict(conflict) from exc
    return row


def sign_off(
    session: Session,
    *,
    mentor: User,
    trainee: User,
    procedure_code: str,
    note: str,
    procedures: ProcedureRegistry,
    min_passed: int = 1,
    now: datetime | None = None,
    tz: tzinfo = UTC,
    levels: Catalog | None = None,
) -> SignOffEntry:
    """Sign `procedure_code` off for `trainee` ("có thể làm độc lập"), on the evidence of at
    least `min_passed` passed practice runs. One transaction."""
    _check_mentor(session, mentor, trainee, "ký xác nhận")
    assert mentor.id is not None and trainee.id is not None
    errors: dict[str, str] = {}
    code = (procedure_code or "").strip()
    note = (note or "").strip()
    latest = _latest(session, trainee.id, code)
    evidence = evidence_of(session, trainee.id).get(code)
    if code not in procedures:
        errors["procedure_code"] = "Chọn một thủ tục có trong sổ tay."
    elif latest is not None and latest.signed:
        errors["procedure_code"] = (
            f"Thủ tục {code} đã được ký xác nhận (số {latest.number}); "
            "muốn ký lại thì thu hồi trước."
        )
    elif (missing := missing_evidence(code, evidence, min_passed)) is not None:
        errors["procedure_code"] = missing
    if len(note) > MAX_NOTE:
        errors["note"] = f"Ghi chú tối đa {MAX_NOTE} ký tự."
    if not is_trainee(trainee):
        errors["trainee"] = (
            "Chỉ ký xác nhận cho cán bộ tiếp nhận, thụ lý hoặc lãnh đạo đang hoạt động."
        )
    if errors:
        raise ValidationFailed("Chưa ký xác nhận được.", fields=errors)
    assert evidence is not None
    at = now or utcnow()
    row = SignOffEntry(
        trainee_id=trainee.id,
        procedure_code=code,
        seq=latest.seq + 1 if latest else 1,
        kind=SignOffKind.signed.value,
        mentor_id=mentor.id,
        at=at,
        note=note,
        number=numbers.new_number(at.astimezone(tz).year),
        evidence=evidence.passed,
    )
    return _append(session, row, "Thủ tục này vừa được ký xác nhận. Hãy tải lại trang.", levels)


def revoke_sign_off(
    session: Session,
    *,
    mentor: User,
    trainee: User,
    procedure_code: str,
    reason: str,
    now: datetime | None = None,
    levels: Catalog | None = None,
) -> SignOffEntry:
    """Revoke the sign-off of `procedure_code` that holds now, with a reason. One transaction."""
    _check_mentor(session, mentor, trainee, "thu hồi xác nhận")
    assert mentor.id is not None and trainee.id is not None
    latest = _latest(session, trainee.id, procedure_code)
    if latest is None or not latest.signed:
        raise NotFound(f"Thủ tục {procedure_code} không có xác nhận còn hiệu lực để thu hồi.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "Chưa thu hồi được: ghi lý do thu hồi.",
            fields={"reason": "Ghi lý do thu hồi (học viên sẽ đọc được)."},
        )
    if len(reason) > MAX_NOTE:
        raise ValidationFailed(
            "Chưa thu hồi được.", fields={"reason": f"Lý do tối đa {MAX_NOTE} ký tự."}
        )
    row = SignOffEntry(
        trainee_id=trainee.id,
        procedure_code=procedure_code,
        seq=latest.seq + 1,
        kind=SignOffKind.revoked.value,
        mentor_id=mentor.id,
        at=now or utcnow(),
        note=reason,
    )
    return _append(session, row, "Xác nhận này vừa thay đổi. Hãy tải lại trang.", levels)


# ---- the trainee page's section --------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    code: str
    name: str
    passed: int


@dataclass(frozen=True)
class Panel:
    """The sign-off section of a trainee's page: what holds now, the history, and for the
    trainee's mentors the form (procedures not signed off, with their passed runs)."""

    current: list[SignOffEntry]
    history: list[SignOffEntry]
    names: dict[int, str]
    can_sign: bool
    choices: list[Choice]
    rule: str


def panel(
    session: Session,
    *,
    viewer: User,
    trainee: User,
    procedures: ProcedureRegistry,
    min_passed: int,
) -> Panel:
    assert trainee.id is not None
    unit = session.get(Unit, trainee.unit_id)
    can_sign = unit is not None and is_trainee(trainee) and mentor_covers(session, viewer, unit)
    rows = history(session, trainee.id)
    current = sign_offs_of(session, [trainee.id])[trainee.id]
    mentor_ids = {r.mentor_id for r in rows}
    names = {
        u.id: u.full_name
        for u in session.exec(select(User).where(col(User.id).in_(mentor_ids or {-1}))).all()
        if u.id is not None
    }
    choices: list[Choice] = []
    if can_sign:
        signed = {r.procedure_code for r in current}
        evidence = evidence_of(session, trainee.id)
        for p in procedures.all():
            if p.code not in signed:
                found = evidence.get(p.code)
                choices.append(Choice(p.code, p.name, len(found.passed) if found else 0))
        choices.sort(key=lambda c: (-c.passed, c.code))  # the ones with evidence first
    return Panel(current, rows, names, can_sign, choices, rule_text(min_passed))


# ---- public verification ----------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What anyone may learn from a certificate number, and nothing more."""

    number: str
    holder: str
    unit: str
    procedure_code: str
    signed_at: datetime
    revoked_at: datetime | None

    @property
    def valid(self) -> bool:
        return self.revoked_at is None


def verify(session: Session, number: str) -> Verification | None:
    """The sign-off with certificate `number` (as typed; see `numbers.normalize`), or None."""
    canonical = numbers.normalize(number)
    if canonical is None:
        return None
    signed = session.exec(select(SignOffEntry).where(SignOffEntry.number == canonical)).first()
    if signed is None:
        return None
    revoked = session.exec(
        select(SignOffEntry).where(
            SignOffEntry.trainee_id == signed.trainee_id,
            SignOffEntry.procedure_code == signed.procedure_code,
            SignOffEntry.seq == signed.seq + 1,
        )
    ).first()
    holder = session.get(User, signed.trainee_id)
    unit = session.get(Unit, holder.unit_id) if holder is not None else None
    return Verification(
        number=canonical,
        holder=holder.full_name if holder else "",
        unit=unit.name if unit else "",
        procedure_code=signed.procedure_code,
        signed_at=signed.at,
        revoked_at=revoked.at if revoked is not None else None,
    )
