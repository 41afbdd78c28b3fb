"""Demo findings: rows on an inspection at its on-site record, through the real service (so each
row is an event of the dossier). Called by the demo loader once it has taken an inspection of
pre-packaged goods to the record step (`casework.demo`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from casework.accounts.models import User
from casework.dossiers.catalog import procedure_of
from casework.dossiers.models import Dossier
from casework.findings import service
from casework.findings.models import FindingRow, RowKind

#: Two products of a market stall: one within tolerance, one with a unit short by more than 2T.
PACKAGED_ROWS = [
    {
        "san_pham": "Đường RE Biên Hòa túi 500 g, lô 0312",
        "luong_danh_dinh": "500",
        "don_vi": "g",
        "co_lo": "40",
        "luong_thuc": "503; 501,5; 499; 502; 500,5; 504; 498,5; 501; 502,5; 500",
    },
    {
        "san_pham": "Gạo thơm túi 5 kg, lô G11",
        "luong_danh_dinh": "5",
        "don_vi": "kg",
        "co_lo": "8",
        "luong_thuc": "5,01; 5,02; 4,98; 5,00; 4,85; 5,03; 5,01; 5,00",
    },
]
INSTRUMENT_ROWS = [
    {"loai": "Cân đồng hồ lò xo 30 kg", "so_hieu": "NH-0417", "tem": "KĐ 1123/2026",
     "han_kiem_dinh": "2027-03-31", "cap_chinh_xac": "cấp 4", "mpe": "100", "sai_so": "60",
     "don_vi": "g"},
    {"loai": "Cân đồng hồ lò xo 60 kg", "so_hieu": "NH-0981", "tem": "KĐ 0455/2024",
     "han_kiem_dinh": "2025-06-30"},
]  # fmt: skip
#: a second scale that passes, for a compliant demo inspection
PASSING_SCALE = {
    "loai": "Cân điện tử 15 kg", "so_hieu": "DT-2210", "tem": "KĐ 2044/2026",
    "han_kiem_dinh": "2027-06-30", "cap_chinh_xac": "III", "e": "5", "tai_thu": "10000",
    "sai_so": "5", "don_vi": "g",
}  # fmt: skip


def load_demo(
    session: Session,
    *,
    dossier: Dossier,
    actor: User,
    tz: ZoneInfo,
    now: datetime | None = None,
    compliant: bool = False,
) -> list[FindingRow]:
    """Add the demo rows that fit the dossier's procedure (pre-packaged goods or instruments):
    one passing and one failing row, or with `compliant` only passing ones (then sign the record
    "Đạt yêu cầu", or leave the conclusion empty: the rows give it)."""
    kinds = service.kinds_for(procedure_of(session, dossier)[1])
    rows: dict[str, list[dict[str, str]]] = {
        RowKind.packaged: PACKAGED_ROWS,
        RowKind.instrument: INSTRUMENT_ROWS,
    }
    kind = kinds[0] if kinds else ""
    if compliant:
        rows = {
            RowKind.packaged: PACKAGED_ROWS[:1],
            RowKind.instrument: [INSTRUMENT_ROWS[0], PASSING_SCALE],
        }
    return [
        service.add_row(
            session, actor=actor, code=dossier.code, kind=kind, form=form, tz=tz, now=now
        )
        for form in rows.get(kind, [])
    ]
