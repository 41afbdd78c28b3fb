"""The commune tier of the demo, for the readiness map: Đồng Tháp, as the report of September 2025
found it (issue 15, "Why": none of its 102 communes had an officer trained for measurement
inspection), a few months into training.

Each of the province's 102 real communes gets a handler and a leader (user names
`dth.<commune>.<role>`, the demo password, one shared hash); a handful hold a certificate — most
do not — and a few have a procedure signed off by the ministry's mentor, so the map shows every
level: not ready (most), learning, ready. Deterministic: the same communes every time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from casework.accounts.models import Role, Unit, User
from casework.accounts.security import hash_password
from casework.certificates.models import Certificate, Source
from casework.signoffs.models import SignOffEntry, SignOffKind
from casework.signoffs.numbers import new_number

PROVINCE = "SKHCN.DTH"
MEASUREMENT, QUALITY = "Đo lường", "Chất lượng sản phẩm, hàng hóa"
#: commune code → certificates its handler holds (the rest of the 102 have none)
CERTIFIED: dict[str, tuple[str, ...]] = {
    "DTH.CAOLANH": (MEASUREMENT, QUALITY),
    "DTH.SADEC": (MEASUREMENT,),
    "DTH.MYTHO28261": (MEASUREMENT,),
    "DTH.HONGNGU": (QUALITY,),
    "DTH.TANHONG": (MEASUREMENT,),
}
#: commune code → procedures signed off for its handler
SIGNED: dict[str, tuple[str, ...]] = {
    "DTH.CAOLANH": ("XA-DL-KTNN", "XA-CL-HHLT"),
    "DTH.SADEC": ("XA-DL-KTNN",),
    "DTH.THANHBINH": ("XA-DL-KTNN",),
    "DTH.LAPVO": ("XA-CL-HHLT",),
}
ISSUER = "Ủy ban Tiêu chuẩn Đo lường Chất lượng quốc gia"


def _slug(unit: Unit) -> str:
    return unit.code.split(".", 1)[1].lower()


def load(session: Session, *, password: str, mentor: User, now: datetime) -> int:
    """Officers, certificates and sign-offs of Đồng Tháp's communes; returns the officers made."""
    dept = session.exec(select(Unit).where(Unit.code == PROVINCE)).one()
    communes = session.exec(
        select(Unit).where(Unit.parent_id == dept.id).order_by(col(Unit.official_code))
    ).all()
    taken = set(session.exec(select(User.username)).all())
    shared = hash_password(password)  # once for all of them
    rows: list[dict[str, Any]] = []
    for unit in communes:
        for role in (Role.handler, Role.leader):
            username = f"dth.{_slug(unit)}.{role.value}"
            if username in taken:
                continue
            rows.append(
                {
                    "username": username,
                    "full_name": f"Cán bộ {unit.name.removeprefix('UBND ')}",
                    "unit_id": unit.id,
                    "roles": [role.value],
                    "password_hash": shared,
                    "is_active": True,
                    "created_at": now,
                }
            )
    if rows:
        session.execute(insert(User), rows)
    handlers = {
        u.username: u
        for u in session.exec(select(User).where(col(User.username).like("dth.%.handler"))).all()
    }
    issued = (now - timedelta(days=60)).date()
    for n, (code, fields) in enumerate(sorted(CERTIFIED.items()), start=1):
        officer = handlers.get(f"dth.{code.split('.', 1)[1].lower()}.handler")
        for field in fields if officer else ():
            assert officer is not None and officer.id is not None
            session.add(
                Certificate(
                    user_id=officer.id,
                    field=field,
                    course=f"Nghiệp vụ kiểm tra nhà nước về {field.lower()}",
                    issuer=ISSUER,
                    number=f"DEMO-{issued:%Y}-{n:03d}-{'DL' if field == MEASUREMENT else 'CL'}",
                    issued_on=issued,
                    valid_until=date(issued.year + 5, issued.month, 1),
                    source=Source.manual,
                    recorded_by_id=mentor.id,
                )
            )
    for code, procedures in sorted(SIGNED.items()):
        officer = handlers.get(f"dth.{code.split('.', 1)[1].lower()}.handler")
        for procedure in procedures if officer else ():
            assert officer is not None and officer.id is not None and mentor.id is not None
            session.add(
                SignOffEntry(
                    trainee_id=officer.id,
                    procedure_code=procedure,
                    seq=1,
                    kind=SignOffKind.signed.value,
                    mentor_id=mentor.id,
                    note="Đã làm thử cùng cán bộ của Bộ.",
                    at=now - timedelta(days=20),
                    number=new_number((now - timedelta(days=20)).year),
                )
            )
    session.flush()
    return len(rows)
