"""Small builders for the certificate tests."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from sqlmodel import Session

from casework.accounts import service as accounts
from casework.accounts.models import Unit, User
from casework.certificates import service
from casework.certificates.models import Certificate

FIELD = "Đo lường"
QUALITY = "Chất lượng sản phẩm, hàng hóa"
ISSUER = "Ủy ban Tiêu chuẩn Đo lường Chất lượng Quốc gia"


def admin_of(session: Session, unit: Unit, name: str) -> User:
    return accounts.create_user(
        session, username=name, full_name=f"Quản trị {name}", unit=unit, roles=["admin"]
    )


def values(number: str = "DL-001", **changes: Any) -> dict[str, Any]:
    base = {
        "field": FIELD,
        "course": "Nghiệp vụ kiểm tra nhà nước về đo lường",
        "issuer": ISSUER,
        "number": number,
        "issued_on": "2025-10-15",
        "valid_until": "",
    }
    return {**base, **changes}


def record(
    session: Session,
    admin: User,
    officer: User,
    tmp_path: Any,
    number: str = "DL-001",
    **changes: Any,
) -> Certificate:
    return service.create(
        session, actor=admin, username=officer.username, values=values(number, **changes),
        upload_dir=tmp_path,
    )  # fmt: skip


def xlsx(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header or ["Họ và tên", "Tên đăng nhập", "Mã đơn vị", "Lĩnh vực", "Khóa học",
                         "Nơi cấp", "Số chứng chỉ", "Ngày cấp", "Có giá trị đến"])  # fmt: skip
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


DAY = date(2026, 3, 2)
