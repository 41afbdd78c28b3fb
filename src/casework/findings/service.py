"""Use cases of findings: the rows of an inspection record, the conclusion they give, the handling
of a violation. Each writing function locks the dossier, owns one transaction, and records the
change as an event of the dossier in that same transaction (DESIGN §7).

Who: staff of the dossier's unit holding the handler or leader role (the team's recorders); the
dossier's other readers see the rows, nobody else learns the dossier exists (404). Rows are
written until the record is signed (the procedure's action that requires `ket_luan`); handling
is written once the conclusion is "Có vi phạm", until the dossier is closed.

What the rows conclude, the check at the signing of the record and the printed rows are in
`findings.conclusion` (re-exported here: `rows_for`, `conclusion_for`, `printable`,
`settle_conclusion`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from casework.accounts.models import Role, User
from casework.db import utcnow
from casework.dossiers import access
from casework.dossiers.catalog import procedure_of
from casework.dossiers.events import record_event
from casework.dossiers.models import Dossier
from casework.errors import ActionNotAllowed, NotFound, PermissionDenied, ValidationFailed
from casework.findings import forms
from casework.findings.conclusion import (
    CONCLUSION_KEY,
    VIOLATION,
    Conclusion,
    conclusion_for,
    handling_for,
    is_inspection,
    kinds_for,
    printable,
    rows_for,
    settle_conclusion,
    verdict_words,
)
from casework.findings.models import FindingRow, Handling
from casework.procedures import Procedure, TransitionDef

__all__ = [  # the writes here, and the readers of `findings.conclusion`
    "Conclusion",
    "Sheet",
    "add_row",
    "can_record",
    "conclusion_for",
    "delete_row",
    "handling_for",
    "handling_open",
    "is_inspection",
    "kinds_for",
    "printable",
    "rows_for",
    "rows_open",
    "save_handling",
    "settle_conclusion",
    "sheet",
    "update_row",
]
EVENT_KIND = "finding"
RECORDERS = (Role.handler, Role.leader)

# ---- who may write ----------------------------------------------------------------------------


def can_record(actor: User | None, dossier: Dossier) -> bool:
    return (
        actor is not None and access.can_act_in_unit(actor, dossier) and actor.has_role(*RECORDERS)
    )


def rows_open(dossier: Dossier) -> bool:
    """Rows change until the record is signed (its conclusion stored) or the dossier ends."""
    return dossier.finished_at is None and CONCLUSION_KEY not in dossier.data


def handling_open(dossier: Dossier) -> bool:
    return dossier.finished_at is None and dossier.data.get(CONCLUSION_KEY) == VIOLATION


def _lock(session: Session, actor: User, code: str) -> tuple[Dossier, Procedure]:
    dossier = session.exec(
        select(Dossier)
        .where(Dossier.code == code)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if dossier is None or not access.can_view(session, actor, dossier):
        raise NotFound(f"Không tìm thấy hồ sơ {code}.")
    if not can_record(actor, dossier):
        raise PermissionDenied(
            "Chỉ cán bộ thụ lý hoặc lãnh đạo của đơn vị kiểm tra mới ghi kết quả kiểm tra."
        )
    _, procedure = procedure_of(session, dossier)
    if not is_inspection(procedure):
        raise ActionNotAllowed(f"Hồ sơ {code} không phải một cuộc kiểm tra: không có biên bản.")
    return dossier, procedure


def _row(session: Session, dossier: Dossier, row_id: int) -> FindingRow:
    row = session.get(FindingRow, row_id)
    if row is None or row.dossier_id != dossier.id:
        raise NotFound("Không tìm thấy dòng kết quả này.")
    return row


def _open_rows(dossier: Dossier) -> None:
    if not rows_open(dossier):
        raise ActionNotAllowed(
            f"Biên bản của hồ sơ {dossier.code} đã ký (hoặc hồ sơ đã kết thúc): "
            "không thêm, sửa, xóa dòng kết quả được nữa."
        )


def _event(
    session: Session, dossier: Dossier, actor: User, now: datetime, label: str, **payload: Any
) -> None:
    record_event(
        session,
        dossier=dossier,
        kind=EVENT_KIND,
        at=now,
        actor_id=actor.id,
        payload={"label": label, **payload},
    )
    dossier.updated_at = now
    session.add(dossier)


# ---- rows -------------------------------------------------------------------------------------


def add_row(
    session: Session,
    *,
    actor: User,
    code: str,
    kind: str,
    form: dict[str, Any],
    tz: ZoneInfo,
    now: datetime | None = None,
) -> FindingRow:
    now = now or utcnow()
    try:
        dossier, procedure = _lock(session, actor, code)
        _open_rows(dossier)
        if kind not in kinds_for(procedure):
            raise ValidationFailed(
                "Loại dòng kết quả không dùng cho cuộc kiểm tra này.",
                fields={"kind": "Chọn loại dòng của cuộc kiểm tra này."},
            )
        rows = rows_for(session, dossier)
        position = max((r.position for r in rows), default=0) + 1
        values, outcome = forms.clean(
            kind, form, position=position, today=now.astimezone(tz).date()
        )
        row = FindingRow(
            dossier_id=dossier.id,  # type: ignore[arg-type]
            kind=kind,
            position=position,
            values=values,
            passed=outcome.passed,
            words=outcome.words[:2000],
            created_by_id=actor.id,  # type: ignore[arg-type]
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        _event(
            session, dossier, actor, now,
            f"Thêm dòng kết quả kiểm tra {row.position}: {forms.title(kind, values)} — "
            f"{verdict_words(row.passed)}",
            row={"id": row.id, "kind": kind, "values": values, "passed": row.passed,
                 "words": row.words},
        )  # fmt: skip
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return row


def update_row(
    session: Session,
    *,
    actor: User,
    code: str,
    row_id: int,
    form: dict[str, Any],
    tz: ZoneInfo,
    now: datetime | None = None,
) -> FindingRow:
    now = now or utcnow()
    try:
        dossier, _ = _lock(session, actor, code)
        row = _row(session, dossier, row_id)
        _open_rows(dossier)
        values, outcome = forms.clean(
            row.kind, form, position=row.position, today=now.astimezone(tz).date()
        )
        before = {"values": row.values, "passed": row.passed}
        row.values, row.passed, row.words = values, outcome.passed, outcome.words[:2000]
        row.updated_at = now
        session.add(row)
        _event(
            session, dossier, actor, now,
            f"Sửa dòng kết quả kiểm tra {row.position}: {forms.title(row.kind, values)} — "
            f"{verdict_words(row.passed)}",
            row={"id": row.id, "kind": row.kind, "values": values, "passed": row.passed,
                 "words": row.words, "before": before},
        )  # fmt: skip
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return row


def delete_row(
    session: Session, *, actor: User, code: str, row_id: int, now: datetime | None = None
) -> None:
    now = now or utcnow()
    try:
        dossier, _ = _lock(session, actor, code)
        row = _row(session, dossier, row_id)
        _open_rows(dossier)
        _event(
            session, dossier, actor, now,
            f"Xóa dòng kết quả kiểm tra {row.position}: {forms.title(row.kind, row.values)}",
            row={"id": row.id, "kind": row.kind, "values": row.values, "passed": row.passed},
        )  # fmt: skip
        session.delete(row)
        session.commit()
    except BaseException:
        session.rollback()
        raise


# ---- handling ---------------------------------------------------------------------------------


def save_handling(
    session: Session,
    *,
    actor: User,
    code: str,
    form: dict[str, Any],
    now: datetime | None = None,
) -> Handling:
    """Record (or correct) how the violation is handled and when it is checked again."""
    now = now or utcnow()
    try:
        dossier, _ = _lock(session, actor, code)
        if not handling_open(dossier):
            raise ActionNotAllowed(
                "Chỉ ghi xử lý khi biên bản đã ký với kết luận «Có vi phạm» và hồ sơ chưa kết thúc."
            )
        values = forms.clean_handling(form)
        if values["follow_up_code"]:
            _check_follow_up(session, actor, dossier, values["follow_up_code"])
        row = handling_for(session, dossier) or Handling(
            dossier_id=dossier.id,  # type: ignore[arg-type]
            updated_by_id=actor.id,  # type: ignore[arg-type]
        )
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_by_id, row.updated_at = actor.id, now  # type: ignore[assignment]
        session.add(row)
        stored = {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
        _event(session, dossier, actor, now, "Ghi xử lý vi phạm và kiểm tra lại", handling=stored)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return row


def _check_follow_up(session: Session, actor: User, dossier: Dossier, code: str) -> None:
    other = session.exec(select(Dossier).where(Dossier.code == code)).first()
    why = None
    if other is None or not access.can_view(session, actor, other) or other.id == dossier.id:
        why = f"Không có cuộc kiểm tra {code} của đơn vị."
    elif not is_inspection(procedure_of(session, other)[1]):
        why = f"Hồ sơ {code} không phải một cuộc kiểm tra."
    if why:
        raise ValidationFailed(
            "Chưa lưu được: mã cuộc kiểm tra lại chưa đúng.", fields={"follow_up_code": why}
        )


# ---- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """What the findings page shows."""

    dossier: Dossier
    procedure: Procedure
    rows: list[FindingRow]
    conclusion: Conclusion
    handling: Handling | None
    kinds: list[str]
    can_edit_rows: bool
    can_edit_handling: bool
    follow_up_of: str | None = None  # the inspection this one checks again, if readable
    sign_action: TransitionDef | None = None  # the record's signing, if the actor may fire it


def sheet(session: Session, *, actor: User, code: str) -> Sheet:
    """The dossier's findings as `actor` may see them (404 for who may not read the dossier)."""
    dossier = session.exec(select(Dossier).where(Dossier.code == code)).first()
    if dossier is None or not access.can_view(session, actor, dossier):
        raise NotFound(f"Không tìm thấy hồ sơ {code}.")
    _, procedure = procedure_of(session, dossier)
    writer = can_record(actor, dossier) and is_inspection(procedure)
    signing = None
    if writer and rows_open(dossier):
        from casework.dossiers.service import allowed_actions  # dossiers.service imports us

        signing = next(
            (
                t
                for t in allowed_actions(session, actor=actor, dossier=dossier)
                if list(t.requires) == [CONCLUSION_KEY]
            ),
            None,
        )
    earlier = session.exec(
        select(Dossier)
        .join(Handling, col(Handling.dossier_id) == Dossier.id)
        .where(Handling.follow_up_code == dossier.code)
    ).first()
    return Sheet(
        dossier=dossier,
        procedure=procedure,
        rows=rows_for(session, dossier),
        conclusion=conclusion_for(session, dossier),
        handling=handling_for(session, dossier),
        kinds=kinds_for(procedure),
        can_edit_rows=writer and rows_open(dossier),
        can_edit_handling=writer and handling_open(dossier),
        sign_action=signing,
        follow_up_of=earlier.code
        if earlier is not None and access.can_view(session, actor, earlier)
        else None,
    )
