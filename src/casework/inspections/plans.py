"""Use cases of the annual inspection plan (kế hoạch kiểm tra năm, approved by the commune
chairperson): create a plan, add its lines (establishment, month, procedure), list them. Each
function owns one transaction. Opening an inspection from a line is `service.open_inspection`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from casework.accounts.models import User
from casework.db import utcnow
from casework.errors import PermissionDenied, ValidationFailed
from casework.inspections.models import InspectionPlan, InspectionPlanItem
from casework.inspections.service import Establishment, openable, plan_of_unit, require_planner
from casework.procedures import Procedure


def create_plan(
    session: Session,
    *,
    actor: User,
    procedures: Sequence[Procedure],
    year: int | None,
    number: str,
    approved_on: date | None,
    approved_by: str,
    now: datetime | None = None,
) -> InspectionPlan:
    unit = require_planner(session, actor, procedures)
    now = now or utcnow()
    errors: dict[str, str] = {}
    if year is None or not 2000 <= year <= 2100:
        errors["year"] = "Năm kế hoạch là số có 4 chữ số, ví dụ 2026."
    if not number.strip():
        errors["number"] = "Cần nhập số, ký hiệu văn bản phê duyệt kế hoạch."
    elif len(number) > 64:
        errors["number"] = "Số, ký hiệu dài quá 64 ký tự."
    if approved_on is None:
        errors["approved_on"] = "Cần nhập ngày Chủ tịch UBND phê duyệt kế hoạch."
    elif approved_on > now.date() + timedelta(days=1):
        errors["approved_on"] = "Ngày phê duyệt không được ở tương lai."
    if not approved_by.strip():
        errors["approved_by"] = "Cần nhập người phê duyệt (Chủ tịch UBND)."
    elif len(approved_by) > 255:
        errors["approved_by"] = "Tên người phê duyệt dài quá 255 ký tự."
    if (
        not errors
        and session.exec(
            select(InspectionPlan.id).where(
                InspectionPlan.unit_id == unit.id,
                InspectionPlan.year == year,
                InspectionPlan.number == number.strip(),
            )
        ).first()
    ):
        errors["number"] = f"Đơn vị đã có kế hoạch số {number.strip()} năm {year}."
    if errors:
        raise ValidationFailed(
            "Chưa lưu được kế hoạch: thông tin chưa đủ hoặc chưa đúng.", fields=errors
        )
    assert unit.id is not None and year is not None and approved_on is not None
    plan = InspectionPlan(
        unit_id=unit.id,
        year=year,
        number=number.strip(),
        approved_on=approved_on,
        approved_by=approved_by.strip(),
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(plan)
    session.commit()
    return plan


def add_plan_item(
    session: Session,
    *,
    actor: User,
    procedures: Sequence[Procedure],
    plan_id: int,
    procedure_code: str,
    month: int | None,
    establishment: Establishment,
) -> InspectionPlanItem:
    plan = plan_of_unit(session, actor=actor, plan_id=plan_id)
    allowed = {p.code for p in openable(session, actor, procedures)}
    if not allowed:
        raise PermissionDenied("Chỉ cán bộ được mở cuộc kiểm tra của đơn vị mới lập kế hoạch.")
    errors = establishment.problems()
    if procedure_code not in allowed:
        errors["procedure"] = "Chọn một thủ tục kiểm tra của đơn vị."
    if month is None or not 1 <= month <= 12:
        errors["month"] = "Tháng kiểm tra là số từ 1 đến 12."
    if errors:
        raise ValidationFailed("Chưa thêm được cơ sở vào kế hoạch.", fields=errors)
    assert plan.id is not None and month is not None
    item = InspectionPlanItem(
        plan_id=plan.id,
        procedure_code=procedure_code,
        month=month,
        establishment_name=establishment.name.strip(),
        establishment_address=establishment.address.strip(),
        business_code=establishment.business_code.strip(),
        trades=establishment.trades.strip(),
    )
    session.add(item)
    session.commit()
    return item


def plans(session: Session, *, actor: User, year: int | None = None) -> list[InspectionPlan]:
    query = select(InspectionPlan).where(InspectionPlan.unit_id == actor.unit_id)
    if year is not None:
        query = query.where(InspectionPlan.year == year)
    query = query.order_by(col(InspectionPlan.year).desc(), col(InspectionPlan.id).desc())
    return list(session.exec(query).all())


def items_of(session: Session, plan_ids: Sequence[int]) -> list[InspectionPlanItem]:
    if not plan_ids:
        return []
    return list(
        session.exec(
            select(InspectionPlanItem)
            .where(col(InspectionPlanItem.plan_id).in_(plan_ids))
            .order_by(col(InspectionPlanItem.month), col(InspectionPlanItem.id))
        ).all()
    )
