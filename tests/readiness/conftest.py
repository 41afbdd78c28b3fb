"""A small built world for the readiness map: the ministry, Đồng Tháp (three communes) and
Hà Nội (one commune), officers, certificates (valid, expired, revoked, not yet issued, of an
inactive officer), sign-offs, practice runs, finished real dossiers and an open question."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import count

import pytest
from sqlmodel import Session

from casework.accounts import service as accounts
from casework.accounts.models import Unit, User
from casework.certificates.models import Certificate
from casework.db import utcnow
from casework.dossiers.catalog import version_row_for
from casework.dossiers.models import Dossier
from casework.questions.models import Question
from casework.reports.exports import LOCAL
from casework.signoffs.models import SignOffEntry

#: The pages read the real clock (Vietnam's date), so the data is laid out around it: a date
#: fixed in the test would turn an expiring certificate into an expired one the next day.
NOW = utcnow().replace(microsecond=0)
TODAY = NOW.astimezone(LOCAL).date()
DL, CL = "Đo lường", "Chất lượng sản phẩm, hàng hóa"


@dataclass
class Built:
    units: dict[str, Unit]
    users: dict[str, User]


def _unit(
    session: Session, code: str, kind: str, parent: Unit | None, official: int, name: str = ""
) -> Unit:
    unit = accounts.create_unit(
        session, code=code, name=f"UBND {name}" if kind == "commune" else code, kind=kind,
        parent=parent, province=code.split(".")[-1] if kind == "department" else None,
    )  # fmt: skip
    unit.official_code = official
    session.add(unit)
    return unit


def build(session: Session, registry) -> Built:  # type: ignore[no-untyped-def]
    bo = accounts.create_unit(session, code="BKHCN", name="Bộ", kind="ministry")
    dth = _unit(session, "SKHCN.DTH", "department", bo, 82)
    hni = _unit(session, "SKHCN.HNI", "department", bo, 1)
    units = {
        "bo": bo, "dth": dth, "hni": hni,
        "a": _unit(session, "DTH.ANBINH", "commune", dth, 30001, "Xã An Bình"),
        "b": _unit(session, "DTH.BINHTHANH", "commune", dth, 30002, "Xã Bình Thành"),
        "c": _unit(session, "DTH.CAOLANH", "commune", dth, 30003, "Phường Cao Lãnh"),
        "h": _unit(session, "HNI.BADINH", "commune", hni, 4, "Phường Ba Đình"),
    }  # fmt: skip
    spec = {
        "bo.auditor": ("bo", ["auditor"]), "bo.mentor": ("bo", ["mentor"]),
        "bo.receiver": ("bo", ["receiver"]),
        "dth.receiver": ("dth", ["receiver"]), "dth.auditor": ("dth", ["auditor"]),
        "hni.receiver": ("hni", ["receiver"]),
        "a.handler": ("a", ["handler"]), "a.leader": ("a", ["leader"]),
        "a.old": ("a", ["handler"]),  # deactivated below
        "b.handler": ("b", ["handler"]), "b.auditor": ("b", ["auditor"]),
        "c.handler": ("c", ["handler"]), "c.leader": ("c", ["leader"]),
        "h.receiver": ("h", ["receiver", "handler", "leader"]),
    }  # fmt: skip
    users = {
        name: accounts.create_user(
            session, username=name, full_name=name, unit=units[u], roles=roles, commit=False
        )
        for name, (u, roles) in spec.items()
    }
    users["a.old"].is_active = False
    numbers = count(1)

    def cert(user: str, field: str, **kw) -> None:  # type: ignore[no-untyped-def]
        session.add(
            Certificate(
                user_id=users[user].id, field=field, course="Khóa", issuer="UB TĐC",
                number=f"N{next(numbers)}", issued_on=kw.pop("issued_on", TODAY - timedelta(days=300)), **kw,
            )
        )  # fmt: skip

    # commune A: certified (dl) and signed off, with a real inspection done → performing (dl)
    cert("a.handler", DL)
    cert("a.leader", DL, valid_until=TODAY + timedelta(days=27))
    cert("a.old", CL)  # an inactive officer's: not counted
    # commune B: an expired, a revoked and a future certificate → none counted; practice → learning
    cert("b.handler", DL, valid_until=TODAY - timedelta(days=1))
    cert("b.handler", CL, revoked=True)
    cert("b.handler", DL, issued_on=TODAY + timedelta(days=1))
    # commune C: certified in quality and signed off on it, nothing done → ready (cl)
    cert("c.handler", CL, valid_until=TODAY)
    session.flush()
    mentor = users["bo.mentor"].id
    for user, code in [("a.handler", "XA-DL-KTNN"), ("a.leader", "XA-DL-HDGS"),
                       ("c.handler", "XA-CL-HHLT"), ("c.handler", "2.002131")]:  # fmt: skip
        session.add(
            SignOffEntry(
                trainee_id=users[user].id, procedure_code=code, seq=1, kind="signed",
                mentor_id=mentor,
            )
        )  # fmt: skip
    # commune B: signed off and revoked since: no sign-off that holds, so it counts for nothing
    for seq, kind in ((1, "signed"), (2, "revoked")):
        session.add(
            SignOffEntry(
                trainee_id=users["b.handler"].id, procedure_code="XA-DL-KTNN", seq=seq,
                kind=kind, mentor_id=mentor, note="" if kind == "signed" else "Thử thu hồi",
            )
        )  # fmt: skip
    codes = count(1)

    def dossier(unit: str, procedure: str, mode: str = "real", **kw) -> None:  # type: ignore[no-untyped-def]
        version = version_row_for(session, registry.get(procedure))
        session.add(
            Dossier(
                code=f"D{next(codes)}", procedure_version_id=version.id, procedure_code=procedure,
                mode=mode, state="x", national_status=4, applicant_name="X",
                receiving_unit_id=units[unit].id, handling_unit_id=units[unit].id,
                received_at=kw.pop("received_at", NOW - timedelta(days=10)), **kw,
            )
        )  # fmt: skip

    ended = NOW - timedelta(days=5)
    dossier("a", "XA-DL-KTNN", processing_ended_at=ended, result_bucket="on_time")
    dossier("a", "XA-DL-KTNN", processing_ended_at=ended, result_bucket="late")
    dossier("a", "XA-CL-HHLT", processing_ended_at=NOW - timedelta(days=91), result_bucket="early")
    dossier("a", "XA-DL-KTNN")  # still open
    dossier("b", "XA-DL-KTNN", mode="practice")
    dossier("b", "XA-DL-KTNN", mode="practice", received_at=NOW - timedelta(days=100))
    dossier("dth", "2.002131", processing_ended_at=ended, result_bucket="early")
    dossier("dth", "2.002131", processing_ended_at=ended, result_bucket=None, end_status=3)
    session.add(Question(procedure_code="XA-DL-KTNN", asker_id=users["b.handler"].id,
                         unit_id=units["b"].id, text="?"))  # fmt: skip
    session.add(Question(procedure_code="XA-DL-KTNN", asker_id=users["b.handler"].id,
                         unit_id=units["b"].id, text="?", status="answered"))  # fmt: skip
    session.commit()
    return Built(units=units, users=users)


@pytest.fixture
def built(session, registry):  # type: ignore[no-untyped-def]
    return build(session, registry)
