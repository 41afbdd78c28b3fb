"""The inspections' part of the access matrix (`tests/security/test_access_matrix.py`): one
builder per POST route for `unsafe_requests.BUILDERS`, each on fresh data of the commune
(Ba Đình, whose `badinh.receiver` is its receiver, handler and leader) made through the real
services."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from casework.certificates.models import Certificate
from casework.db import utcnow
from casework.inspections import plans, service
from casework.inspections.models import Inspection, InspectionPlan, InspectionPlanItem, TeamMember
from casework.inspections.service import Establishment
from tests.factories import TZ

DL = "XA-DL-KTNN"
CODE = re.compile(r"^/dossiers/((?:LT-)?[A-Z0-9.]+-\d{6}-\d{4})\?")


def _sent(url: str, form: dict[str, Any], location: str, stored: Any) -> Any:
    from tests.security.unsafe_requests import Sent  # noqa: PLC0415  (no import circle)

    return Sent(url, form, location=location, stored=stored)


def _plan(k: Any, who: Any) -> InspectionPlan:
    return plans.create_plan(
        k.session, actor=who, procedures=k.procedures.all(), year=2026,
        number=k.fresh("KH-"), approved_on=date(2026, 1, 5), approved_by="Chủ tịch",
    )  # fmt: skip


def create_plan(k: Any, who: Any, mode: str) -> Any:
    number = k.fresh("KH-MA-TRAN-")

    def stored(db: Session, r: Any) -> str:
        found = db.exec(select(InspectionPlan).where(InspectionPlan.number == number)).first()
        return "" if found else "the plan is not stored"

    form = {"year": "2026", "number": number, "approved_on": "2026-01-05", "approved_by": "A"}
    return _sent("/inspections/plans", form, r"^/inspections\?year=2026&saved=plan$", stored)


def add_item(k: Any, who: Any, mode: str) -> Any:
    plan = _plan(k, who)
    name = k.fresh("Chợ ma trận ")

    def stored(db: Session, r: Any) -> str:
        row = db.exec(
            select(InspectionPlanItem).where(InspectionPlanItem.establishment_name == name)
        ).first()
        return "" if row is not None and row.plan_id == plan.id else "the line is not stored"

    form = {"procedure": DL, "month": "5", "establishment_name": name}
    return _sent(f"/inspections/plans/{plan.id}/items", form,
                 r"^/inspections\?saved=item#item-\d+$", stored)  # fmt: skip


def open_inspection(k: Any, who: Any, mode: str) -> Any:
    name = k.fresh("Cửa hàng ma trận ")

    def stored(db: Session, r: Any) -> str:
        row = db.exec(select(Inspection).where(Inspection.establishment_name == name)).first()
        return "" if row is not None and row.origin == "ad_hoc" else "no inspection stored"

    form = {"procedure": DL, "trigger": "complaint", "trigger_note": "Phản ánh cân thiếu",
            "establishment_name": name, "mode": mode}  # fmt: skip
    return _sent("/inspections", form, r"^/dossiers/[^?]+\?opened=1$", stored)


def decide(k: Any, who: Any, mode: str) -> Any:
    d = service.open_inspection(
        k.session, actor=who, procedures=k.procedures.all(), procedure_code=DL,
        establishment=Establishment(k.fresh("Tạp hóa ma trận ")), trigger="other",
        trigger_note="Ma trận quyền", mode=mode, tz=TZ,
    )  # fmt: skip
    tech = k.user(k.unit_of(who), ["handler"])
    for person in (who, tech):
        if k.session.exec(select(Certificate).where(Certificate.user_id == person.id)).first():
            continue
        k.session.add(Certificate(user_id=person.id, field="Đo lường", course="Bồi dưỡng",
                                  issuer="Ma trận", number=k.fresh("MT-"),
                                  issued_on=date(2025, 1, 1)))  # fmt: skip
    k.session.commit()
    at = (utcnow() + timedelta(hours=2)).astimezone(TZ).strftime("%Y-%m-%dT%H:%M")

    def stored(db: Session, r: Any) -> str:
        insp = db.exec(select(Inspection).where(Inspection.dossier_id == d.id)).one()
        team = db.exec(select(TeamMember).where(TeamMember.inspection_id == insp.id)).all()
        return "" if len(team) == 2 and insp.decision_number == "5/QĐ" else "no team stored"

    form = {"decision_number": "5/QĐ", "inspection_at": at, "place": "Chợ",
            "member_0": str(who.id), "role_0": "head", "member_1": str(tech.id),
            "role_1": "technical"}  # fmt: skip
    return _sent(f"/inspections/{d.code}/decision", form,
                 rf"^/dossiers/{re.escape(d.code)}\?decided=1$", stored)  # fmt: skip


BUILDERS = {
    ("POST", "/inspections/plans"): create_plan,
    ("POST", "/inspections/plans/{plan_id}/items"): add_item,
    ("POST", "/inspections"): open_inspection,
    ("POST", "/inspections/{code}/decision"): decide,
}
