"""The three documents of an inspection — Quyết định kiểm tra, Biên bản kiểm tra, Báo cáo kết quả
kiểm tra — built from the dossier's facts (`dossiers.slips.load_facts`), its `Inspection` row and
the team recorded in the decision event; and what the dossier page shows of an inspection.

Layout: an administrative document of the commune People's Committee (A4 portrait; letterhead,
number, place and date, title, the bases, the articles, signature). For a measurement inspection
the decision and the record carry the number of their annex form in Thông tư 28/2013/TT-BKHCN
(consolidated text 09/VBHN-BKHCN of 11/10/2022): "Mẫu 4. QĐKTĐL" (Điều 5 khoản 2) and "Mẫu 5.
BBKT" (Điều 15 khoản 4, Điều 20 khoản 5) — the numbers are confirmed (checked 05/12/2026), the
lines of those forms are not: docs/inspection-guide.md §7 says so, the paper carries the number
only. The report has no prescribed form (Luật Đo lường 2011 Điều 44 khoản 5 only says the team
reports to the body that decided), and a quality inspection prints no form number (the forms of
Thông tư 01/2024/TT-BKHCN were not found).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlmodel import Session, col, select

from casework.dossiers.models import Dossier, Event, EventKind
from casework.dossiers.slips import Facts, fmt_place_date, fmt_words, qr_svg
from casework.errors import NotFound
from casework.findings.conclusion import handling_for, printable
from casework.findings.forms import display_handling
from casework.inspections.models import (
    TRIGGER_LABELS,
    Inspection,
    InspectionPlan,
    InspectionPlanItem,
    Trigger,
)
from casework.inspections.rules import inspection_of
from casework.procedures import Procedure
from casework.procedures.schema import APPLICANT_SLIPS

#: kind → (short name, title); the kinds the procedures' `slip:` names.
INSPECTION_SLIPS: dict[str, tuple[str, str]] = {
    "inspection_decision": ("QĐKT", "Quyết định kiểm tra"),
    "inspection_record": ("BBKT", "Biên bản kiểm tra"),
    "inspection_report": ("BCKQ", "Báo cáo kết quả kiểm tra"),
}
#: The one-stop slips, addressed to an applicant: an inspection has none (Mẫu 01–05, result).
ONE_STOP_SLIPS = frozenset(APPLICANT_SLIPS)
#: procedure field → document kind → the annex form number printed at its top right (above).
FORM_NUMBERS: dict[str, dict[str, str]] = {
    "Đo lường": {"inspection_decision": "Mẫu 4. QĐKTĐL", "inspection_record": "Mẫu 5. BBKT"},
}
FIELD_PHRASES = {"Đo lường": "đo lường", "Chất lượng sản phẩm, hàng hóa": "chất lượng hàng hóa"}


@dataclass(frozen=True)
class Establishment:
    name: str
    address: str
    business_code: str
    trades: str


@dataclass(frozen=True)
class InspectionView:
    """What the dossier page and the documents show of an inspection."""

    row: Inspection | None  # None: a practice scenario's, or demo data opened before
    establishment: Establishment
    origin: str  # 'Theo kế hoạch …' / 'Đột xuất: …'
    plan: InspectionPlan | None
    team: list[dict[str, Any]]
    decision_number: str
    inspection_at: datetime | None
    place: str
    #: The decision's certificate check: True, False (a practice decision signed anyway), None.
    check_passed: bool | None = None


def inspection_view(
    session: Session, dossier: Dossier, procedure: Procedure
) -> InspectionView | None:
    if procedure.kind != "inspection":
        return None
    row = inspection_of(session, dossier)
    plan = None
    if row is None:
        est = Establishment(dossier.applicant_name, dossier.applicant_address, "", "")
        origin = ""
    else:
        est = Establishment(
            row.establishment_name, row.establishment_address, row.business_code, row.trades
        )
        if row.plan_item_id is not None:
            item = session.get(InspectionPlanItem, row.plan_item_id)
            plan = session.get(InspectionPlan, item.plan_id) if item else None
            origin = (
                f"Theo kế hoạch kiểm tra năm {plan.year} số {plan.number}, phê duyệt ngày "
                f"{plan.approved_on:%d/%m/%Y}"
                if plan
                else "Theo kế hoạch kiểm tra"
            )
        else:
            known = row.trigger in {t.value for t in Trigger}
            label = TRIGGER_LABELS[Trigger(row.trigger)] if known else row.trigger
            origin = f"Đột xuất — {label}: {row.trigger_note}"
    decision = _decision_event(session, dossier)
    payload = decision.payload if decision else {}
    at = payload.get("inspection_at")
    return InspectionView(
        row=row,
        establishment=est,
        origin=origin,
        plan=plan,
        team=list(payload.get("team", [])),
        decision_number=(row.decision_number if row else "")
        or str(dossier.data.get("decision_number", "")),
        inspection_at=datetime.fromisoformat(at) if at else (row.inspection_at if row else None),
        place=str(payload.get("place", "")) or (row.place if row else ""),
        check_passed=payload["team_check"].get("passed") if "team_check" in payload else None,
    )


def _decision_event(session: Session, dossier: Dossier) -> Event | None:
    """The latest decision event (its payload holds the team, time and place)."""
    rows = session.exec(
        select(Event)
        .where(Event.dossier_id == dossier.id, Event.kind == EventKind.action)
        .order_by(col(Event.seq).desc())
    ).all()
    return next((e for e in rows if e.payload.get("slip") == "inspection_decision"), None)


# ---- the documents ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocHeader:
    agency: str  # ỦY BAN NHÂN DÂN PHƯỜNG BA ĐÌNH
    number: str
    place_date: str
    title: str
    subtitle: str
    short: str  # QĐKT / BBKT / BCKQ
    form_number: str = ""  # "Mẫu 4. QĐKTĐL"; "" when no annex form applies


@dataclass
class InspectionDoc:
    header: DocHeader
    code: str
    qr: Markup
    procedure_name: str
    field_phrase: str
    legal_basis: list[str]
    view: InspectionView
    unit_name: str
    signed_at_text: str
    signer: str
    data: list[tuple[str, str]]
    #: The biên bản's structured rows and the conclusion they lead to (issue 15 item 3), from
    #: `findings.conclusion.printable`; printed by its macro `finding_table`.
    findings: list[Any] = field(default_factory=list)
    conclusion: Any = None

    @property
    def head(self) -> dict[str, Any] | None:
        return next((m for m in self.view.team if m.get("role") == "head"), None)


def _data_lines(facts: Facts, signed: Event) -> list[tuple[str, str]]:
    """The dossier's data as it stood when the document was signed (folded from the events up
    to `signed`): a record printed later does not show what the report added."""
    data: dict[str, Any] = {}
    for ev in facts.events:
        if ev.seq <= signed.seq:
            data.update(ev.payload.get("data", {}))
    out = []
    for key, value in data.items():
        if key.startswith("_") or key == "decision_number":
            continue
        try:
            label = facts.procedure.field_spec(key).label
        except KeyError:
            continue
        out.append((label, str(value)))
    return out


def build(
    kind: str, facts: Facts, view: InspectionView, session: Session | None = None
) -> InspectionDoc:
    if kind not in INSPECTION_SLIPS:
        raise NotFound(f"Không có loại văn bản «{kind}».")
    events = facts.slip_events(kind)
    if not events:
        title = INSPECTION_SLIPS[kind][1].lower()
        raise NotFound(f"Cuộc kiểm tra {facts.dossier.code} chưa có {title}.")
    event = events[-1]
    short, title = INSPECTION_SLIPS[kind]
    unit = facts.handling_unit
    number = view.decision_number if kind == "inspection_decision" else ""
    phrase = FIELD_PHRASES.get(facts.procedure.field, facts.procedure.field.lower())
    header = DocHeader(
        agency=unit.name.upper().replace("UBND", "ỦY BAN NHÂN DÂN"),
        number=f"Số: {number}" if number else f"Số: ……/{short}",
        place_date=fmt_place_date(unit.province, event.at, facts.tz),
        title=title.upper(),
        subtitle=f"Về việc kiểm tra nhà nước về {phrase}",
        short=short,
        form_number=FORM_NUMBERS.get(facts.procedure.field, {}).get(kind, ""),
    )
    rows: list[Any] = []
    conclusion = None
    data = _data_lines(facts, event)
    if kind == "inspection_record" and session is not None:
        rows, conclusion = printable(session, facts.dossier)
    if kind == "inspection_report" and session is not None:  # the violation's handling
        handling = handling_for(session, facts.dossier)
        if handling is not None:
            data += [(label, text) for _, label, text in display_handling(handling)]
    return InspectionDoc(
        findings=rows,
        conclusion=conclusion,
        header=header,
        code=facts.dossier.code,
        qr=qr_svg(facts.dossier.code),
        procedure_name=facts.procedure.name,
        field_phrase=phrase,
        legal_basis=list(facts.procedure.legal_basis),
        view=view,
        unit_name=unit.name,
        signed_at_text=fmt_words(event.at, facts.tz),
        signer=facts.name_of(event.actor_id),
        data=data,
    )
