"""A commune's pre-packaged-goods inspection, taken to the on-site record, for findings tests."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from casework.dossiers import service
from casework.dossiers.models import Dossier
from tests.factories import TZ, fire

PACKAGED = "XA-DL-HDGS"
INSTRUMENTS = "XA-DL-KTNN"


def open_inspection(session: Session, registry, actor, code: str = PACKAGED) -> Dossier:  # type: ignore[no-untyped-def]
    return service.open_dossier(
        session,
        actor=actor,
        procedure=registry.get(code),
        applicant=service.Applicant(name="Tạp hóa Bà Tư", kind="organisation"),
        tz=TZ,
    )


def to_recording(session: Session, actor, dossier: Dossier) -> Dossier:  # type: ignore[no-untyped-def]
    fire(session, actor, dossier, "issue_decision", decision_number="12/QĐ-UBND")
    data = {"co_so": "Tạp hóa Bà Tư"}
    if dossier.procedure_code == PACKAGED:
        data |= {"mat_hang": "Đường RE 500 g", "so_mau": "50"}
    else:
        data |= {"so_phuong_tien_do": "2"}
    return fire(session, actor, dossier, "finish_inspection", **data)


@pytest.fixture
def officer(world):  # type: ignore[no-untyped-def]
    """The commune's officer (receiver, handler and leader at once, as in small communes)."""
    return world["badinh.receiver"]


@pytest.fixture
def inspection(session, registry, officer) -> Dossier:  # type: ignore[no-untyped-def]
    return to_recording(session, officer, open_inspection(session, registry, officer))


GOOD = {
    "san_pham": "Đường RE Biên Hòa, lô 0312",
    "luong_danh_dinh": "500",
    "don_vi": "g",
    "co_lo": "200",
    "luong_thuc": "; ".join(["503"] * 47 + ["490"] * 3),
}
SHORT = {**GOOD, "san_pham": "Gạo ST25 túi 5 kg", "luong_thuc": "; ".join(["510"] * 49 + ["469"])}
