"""Demo data of inspections (call `load_demo` from `casework.demo.load`, after the users): the
Ba Đình ward's 2026 plan with three establishments; one inspection opened from it, waiting for
the chairperson's decision; one ad hoc inspection taken through its decision (a certified team:
the ward's officer as head, the department's officer seconded as technical member), on-site
record (its finding rows within the rules) and report, so its three documents print; training
certificates for the team (numbers prefixed DEMO-, made up for the demo) — and none for the
ward's receiver, so naming them head is refused."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from casework.accounts.models import User
from casework.certificates.models import Certificate
from casework.db import utcnow
from casework.dossiers import service as dossiers
from casework.findings import demo as findings_demo
from casework.inspections import plans, service
from casework.inspections.service import Establishment, TeamLine
from casework.procedures import ProcedureRegistry

UNIT = "HNI.BADINH"
FIELD = "Đo lường"
ISSUER = "Ủy ban Tiêu chuẩn Đo lường Chất lượng quốc gia"
COURSE = "Bồi dưỡng nghiệp vụ kiểm tra nhà nước về đo lường"
PLAN_ITEMS = [
    ("XA-DL-KTNN", 3, "Chợ Ngọc Hà", "Phố Hoàng Hoa Thám, phường Ba Đình", "", "Rau quả, thịt cá"),
    ("XA-DL-HDGS", 6, "Cửa hàng tạp hóa Minh Phát", "12 Đội Cấn, phường Ba Đình",
     "01A8004567", "Hàng đóng gói sẵn"),
    ("XA-DL-KTNN", 10, "Chợ Liễu Giai", "Phố Liễu Giai, phường Ba Đình", "", "Thực phẩm"),
]  # fmt: skip


def _user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def certify(session: Session, user: User, number: str) -> None:
    assert user.id is not None
    session.add(
        Certificate(user_id=user.id, field=FIELD, course=COURSE, issuer=ISSUER, number=number,
                    issued_on=date(2025, 10, 15), valid_until=None)
    )  # fmt: skip


def load_demo(
    session: Session, registry: ProcedureRegistry, tz: ZoneInfo, now: datetime | None = None
) -> int:
    """Load the demo inspections; returns how many were opened."""
    now = now or utcnow()
    leader = _user(session, "badinh.leader")
    handler = _user(session, "badinh.handler")
    seconded = _user(session, "hni.handler")
    certify(session, handler, "DEMO-DL-2025-0001")
    certify(session, seconded, "DEMO-DL-2025-0002")
    session.commit()
    procedures = registry.all()
    plan = plans.create_plan(
        session, actor=leader, procedures=procedures, year=now.astimezone(tz).year,
        number="01/KH-UBND", approved_on=date(now.year, 1, 8) if now.month > 1 else now.date(),
        approved_by=leader.full_name, now=now,
    )  # fmt: skip
    assert plan.id is not None
    items = [
        plans.add_plan_item(
            session,
            actor=handler,
            procedures=procedures,
            plan_id=plan.id,
            procedure_code=code,
            month=month,
            establishment=Establishment(name, address, number, trades),
        )  # fmt: skip
        for code, month, name, address, number, trades in PLAN_ITEMS
    ]
    start = now - timedelta(days=2)
    service.open_inspection(
        session, actor=handler, procedures=procedures, procedure_code="",
        establishment=Establishment(""), plan_item_id=items[0].id, tz=tz, now=start,
    )  # fmt: skip
    done = service.open_inspection(
        session, actor=handler, procedures=procedures, procedure_code="XA-DL-KTNN",
        establishment=Establishment("Hộ kinh doanh Gạo Thu Hằng", "5 Ngọc Hà, phường Ba Đình",
                                    "01H8012345", "Gạo, ngũ cốc"),
        trigger="complaint", trigger_note="Người mua phản ánh cân điện tử của cửa hàng cân thiếu.",
        tz=tz, now=start,
    )  # fmt: skip
    service.issue_decision(
        session, actor=leader, code=done.code, decision_number="12/QĐ-UBND",
        inspection_at=start + timedelta(days=1), place="5 Ngọc Hà, phường Ba Đình",
        team=[TeamLine(handler.id, "head"), TeamLine(seconded.id, "technical")],
        tz=tz, now=start + timedelta(hours=1),
    )  # fmt: skip
    steps: list[tuple[str, User, dict[str, Any]]] = [
        ("finish_inspection", handler, {"co_so": "Hộ kinh doanh Gạo Thu Hằng",
                                        "so_phuong_tien_do": 2}),
        ("sign_record", handler, {"ket_luan": "Đạt yêu cầu"}),
        ("conclude_compliant", handler, {}),
        ("send_report", handler, {"result_summary": "Kiểm tra 01 cơ sở, 02 cân; đạt yêu cầu."}),
    ]  # fmt: skip
    at = start + timedelta(days=1, hours=1)
    for action, actor, data in steps:
        dossiers.fire_action(
            session, actor=actor, code=done.code, action=action, data=data, tz=tz, now=at
        )
        if action == "finish_inspection":  # the record's rows, all within the rules
            findings_demo.load_demo(
                session, dossier=done, actor=handler, tz=tz, now=at, compliant=True
            )
        at += timedelta(hours=1)
    return 2
