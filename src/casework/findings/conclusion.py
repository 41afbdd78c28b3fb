"""What an inspection's finding rows conclude: the rows of a dossier, the conclusion they give,
the check of the record's conclusion when it is signed, and the rows as the printed record shows
them. Reads only (the writes are `findings.service`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from casework.dossiers.models import Dossier
from casework.errors import ActionNotAllowed, ValidationFailed
from casework.findings import forms
from casework.findings.models import FindingRow, Handling, RowKind
from casework.procedures import Procedure, TransitionDef

COMPLIANT = "Đạt yêu cầu"
VIOLATION = "Có vi phạm"
CONCLUSION_KEY = "ket_luan"
REASON_KEY = "ly_do_ket_luan"  # why the conclusion differs from the rows
DERIVED_KEY = "ket_luan_theo_bang"
#: Labels of what the record's signing adds to the dossier's data (the page's history shows them).
DATA_LABELS = {
    DERIVED_KEY: "Kết luận theo bảng kết quả",
    REASON_KEY: "Lý do kết luận khác bảng kết quả",
}
#: the actions that close an inspection as compliant (no handling)
COMPLIANT_ACTIONS = frozenset({"conclude_compliant"})
#: the procedure's inspection type → the kind of its rows (other inspections: any kind)
KIND_FOR_PROCEDURE = {
    "XA-DL-KTNN": RowKind.instrument,
    "XA-DL-HDGS": RowKind.packaged,
    "XA-CL-HHLT": RowKind.quality,
}


def is_inspection(procedure: Procedure) -> bool:
    return procedure.kind == "inspection"


def kinds_for(procedure: Procedure) -> list[str]:
    if not is_inspection(procedure):
        return []
    kind = KIND_FOR_PROCEDURE.get(procedure.code)
    return [kind] if kind else [k.value for k in RowKind]


def rows_for(session: Session, dossier: Dossier) -> list[FindingRow]:
    """The rows of the dossier's record, in order."""
    return list(
        session.exec(
            select(FindingRow)
            .where(FindingRow.dossier_id == dossier.id)
            .order_by(col(FindingRow.position), col(FindingRow.id))
        ).all()
    )


def handling_for(session: Session, dossier: Dossier) -> Handling | None:
    return session.exec(select(Handling).where(Handling.dossier_id == dossier.id)).first()


@dataclass(frozen=True)
class Conclusion:
    """What the rows say: `value` is "Có vi phạm", "Đạt yêu cầu" or None (no rows, or a row not
    decided yet); `recorded` is the conclusion signed in the record, if any."""

    value: str | None
    failed: int
    undecided: int
    total: int
    recorded: str | None = None
    reason: str | None = None

    @property
    def words(self) -> str:
        if self.total == 0:
            return "Chưa có dòng kết quả nào."
        if self.value == VIOLATION:
            return f"{self.failed}/{self.total} dòng không đạt → {VIOLATION}."
        if self.value == COMPLIANT:
            return f"Cả {self.total} dòng đạt → {COMPLIANT}."
        return f"{self.undecided}/{self.total} dòng chưa kết luận được."


def derive(rows: list[FindingRow]) -> str | None:
    """Any failed row → "Có vi phạm"; every row passed → "Đạt yêu cầu"; otherwise None."""
    if any(r.passed is False for r in rows):
        return VIOLATION
    if rows and all(r.passed is True for r in rows):
        return COMPLIANT
    return None


def conclusion_for(session: Session, dossier: Dossier) -> Conclusion:
    rows = rows_for(session, dossier)
    return Conclusion(
        value=derive(rows),
        failed=sum(r.passed is False for r in rows),
        undecided=sum(r.passed is None for r in rows),
        total=len(rows),
        recorded=dossier.data.get(CONCLUSION_KEY),
        reason=dossier.data.get(REASON_KEY),
    )


def verdict_words(passed: bool | None) -> str:
    return {True: "Đạt", False: "Không đạt", None: "Chưa kết luận"}[passed]


# ---- the conclusion at the signing of the record ----------------------------------------------


def settle_conclusion(
    session: Session,
    *,
    dossier: Dossier,
    procedure: Procedure,
    transition: TransitionDef,
    data: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Called by `dossiers.service.fire_action` before it cleans an action's data. For an
    inspection's action that requires `ket_luan`: an empty conclusion takes the rows'; one that
    contradicts the rows needs a reason (`ly_do_ket_luan`), else 422 naming the field. Returns
    the data to clean and what to add to the recorded data (the rows' conclusion, the reason).

    A record signed "Có vi phạm" leads to handling: concluding it compliant is refused (409)."""
    if not is_inspection(procedure):
        return data, {}
    if transition.action in COMPLIANT_ACTIONS and dossier.data.get(CONCLUSION_KEY) == VIOLATION:
        raise ActionNotAllowed(
            f"Không thể «{transition.label}»: biên bản đã ký với kết luận «{VIOLATION}». "
            "Hãy chọn «Chuyển xử lý vi phạm»."
        )
    if CONCLUSION_KEY not in transition.requires:
        return data, {}
    data = dict(data)
    reason = str(data.pop(REASON_KEY, "") or data.get("note") or "").strip()
    rows = rows_for(session, dossier)
    derived = derive(rows)
    given = str(data.get(CONCLUSION_KEY) or "").strip()
    if not given and derived:
        data[CONCLUSION_KEY] = given = derived
    extra: dict[str, Any] = {}
    if derived:
        extra[DERIVED_KEY] = derived
    if derived and given in (COMPLIANT, VIOLATION) and given != derived:
        if len(reason) < 10:
            failed = sum(r.passed is False for r in rows)
            rows_say = (
                f"{failed} dòng kết quả không đạt" if derived == VIOLATION else "mọi dòng đều đạt"
            )
            raise ValidationFailed(
                f"Kết luận «{given}» trái với bảng kết quả ({rows_say} → «{derived}»). "
                "Chọn đúng kết luận, hoặc ghi lý do vào ô «Ghi chú» (ít nhất 10 ký tự) nếu "
                "vẫn giữ.",
                fields={
                    CONCLUSION_KEY: f"Bảng kết quả cho kết luận «{derived}».",
                    "note": "Cần ghi lý do khi kết luận khác bảng kết quả.",
                },
            )
        extra[REASON_KEY] = reason[:2000]
    return data, extra


@dataclass(frozen=True)
class PrintedRow:
    """One row as the printed record shows it."""

    position: int
    kind: str  # "Hàng đóng gói sẵn", …
    facts: list[tuple[str, str]]  # (column, value)
    verdict: str  # "Đạt" / "Không đạt" / "Chưa kết luận"
    words: str  # the rule applied, in words


def printable(session: Session, dossier: Dossier) -> tuple[list[PrintedRow], Conclusion]:
    """The rows and the conclusion for the printed Biên bản kiểm tra (the inspection slip); the
    macro `finding_table(rows, conclusion)` of templates/findings/_record.html prints them."""
    rows = [
        PrintedRow(
            position=r.position,
            kind=forms.KIND_LABELS.get(r.kind, r.kind),
            facts=forms.display(r.kind, r.values),
            verdict=verdict_words(r.passed),
            words=r.words,
        )
        for r in rows_for(session, dossier)
    ]
    return rows, conclusion_for(session, dossier)
