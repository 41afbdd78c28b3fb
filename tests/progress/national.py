"""A small built world for /progress with figures known by hand: the ministry, Đồng Tháp (its
department and four communes, one named like a spreadsheet formula) and Hà Nội (its department
and one commune); trainees, practice runs with their events and verdicts, sign-offs, mentors.

At `now`, the figures are (units: trainees, active in 30 days, runs finished, passed reviews,
trainees signed off, sign-offs):

- DTH.ANBINH   2, 2, 3, 2, 1, 2  (an inactive officer's work and sign-off are not counted)
- DTH.BINHTHANH 2, 0, 0, 0, 0, 0 (worked 45 days ago; a real dossier 2 days ago, a revoked
  sign-off: neither counts)
- DTH.CAOLANH  1, 0, 0, 0, 1, 1  (a second sign-off revoked)
- DTH.CONGTHUC 0, 0, 0, 0, 0, 0  (named "=1+1 Xã Công Thức")
- SKHCN.DTH    1, 1, 0, 0, 0, 0  (worked 29 days ago)
- HNI.BADINH   1, 1, 0, 0, 1, 1
- SKHCN.HNI    0, 0, 0, 0, 0, 0

Đồng Tháp: 5 units, 3 with no activity (60%), 6 trainees, 3 active (50%), 3 runs, 2 passed,
2 signed off (33.3%), 3 sign-offs. Hà Nội: 2 units, 1 with no activity, 1 trainee, 1 active
(100%), 1 signed off (100%), 1 sign-off.

bo.mentor coaches An Bình and Bình Thành; hni.mentor coaches Sở KH&CN Hà Nội (and Ba Đình);
two.mentor coaches An Bình and Sở KH&CN Hà Nội; idle.mentor coaches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count

from sqlmodel import Session

from casework.accounts import service as accounts
from casework.accounts.models import Unit, User
from casework.dossiers.catalog import version_row_for
from casework.dossiers.models import Dossier, Event
from casework.reviews.models import MentorAssignment
from casework.signoffs.models import SignOffEntry

FORMULA_NAME = "=1+1 Xã Công Thức"


@dataclass
class National:
    units: dict[str, Unit]
    users: dict[str, User]
    now: datetime


def _unit(session: Session, code: str, kind: str, parent: Unit, official: int, name: str) -> Unit:
    unit = accounts.create_unit(
        session, code=code, name=name, kind=kind, parent=parent,
        province=name.removeprefix("Sở KH&CN ") if kind == "department" else None,
    )  # fmt: skip
    unit.official_code = official
    session.add(unit)
    return unit


def build(session: Session, registry, now: datetime) -> National:  # type: ignore[no-untyped-def]
    bo = accounts.create_unit(session, code="BKHCN", name="Bộ KH&CN", kind="ministry")
    dth = _unit(session, "SKHCN.DTH", "department", bo, 82, "Sở KH&CN Đồng Tháp")
    hni = _unit(session, "SKHCN.HNI", "department", bo, 1, "Sở KH&CN Hà Nội")
    units = {
        "bo": bo, "dth": dth, "hni": hni,
        "a": _unit(session, "DTH.ANBINH", "commune", dth, 30001, "UBND Xã An Bình"),
        "b": _unit(session, "DTH.BINHTHANH", "commune", dth, 30002, "UBND Xã Bình Thành"),
        "c": _unit(session, "DTH.CAOLANH", "commune", dth, 30003, "UBND Phường Cao Lãnh"),
        "f": _unit(session, "DTH.CONGTHUC", "commune", dth, 30004, FORMULA_NAME),
        "h": _unit(session, "HNI.BADINH", "commune", hni, 4, "UBND Phường Ba Đình"),
    }  # fmt: skip
    spec = {
        "bo.auditor": ("bo", ["auditor"]), "bo.admin": ("bo", ["admin"]),
        "bo.mentor": ("bo", ["mentor"]), "hni.mentor": ("bo", ["mentor"]),
        "idle.mentor": ("bo", ["mentor"]), "two.mentor": ("bo", ["mentor"]),
        "dth.receiver": ("dth", ["receiver"]), "dth.auditor": ("dth", ["auditor"]),
        "dth.admin": ("dth", ["admin"]),
        "a.handler": ("a", ["handler"]), "a.leader": ("a", ["leader", "admin"]),
        "a.old": ("a", ["handler"]),  # deactivated below
        "a.auditor": ("a", ["auditor"]),
        "b.handler": ("b", ["handler"]), "b.leader": ("b", ["leader"]),
        "c.handler": ("c", ["handler"]),
        "h.receiver": ("h", ["receiver", "handler", "leader"]),
    }  # fmt: skip
    users = {
        name: accounts.create_user(
            session, username=name, full_name=name, unit=units[u], roles=roles, commit=False
        )
        for name, (u, roles) in spec.items()
    }
    users["a.old"].is_active = False
    session.flush()
    for mentor, unit in (("bo.mentor", "a"), ("bo.mentor", "b"), ("hni.mentor", "hni"),
                         ("two.mentor", "a"), ("two.mentor", "hni")):  # fmt: skip
        session.add(MentorAssignment(mentor_id=users[mentor].id, unit_id=units[unit].id))
    mentor = users["bo.mentor"].id
    for user, code, seq, kind in [
        ("a.handler", "XA-DL-KTNN", 1, "signed"), ("a.handler", "XA-DL-HDGS", 1, "signed"),
        ("a.old", "XA-DL-KTNN", 1, "signed"), ("c.handler", "XA-CL-HHLT", 1, "signed"),
        ("c.handler", "XA-DL-KTNN", 1, "signed"), ("c.handler", "XA-DL-KTNN", 2, "revoked"),
        ("b.handler", "XA-DL-KTNN", 1, "revoked"), ("h.receiver", "XA-DL-KTNN", 1, "signed"),
    ]:  # fmt: skip
        session.add(
            SignOffEntry(
                trainee_id=users[user].id, procedure_code=code, seq=seq, kind=kind,
                mentor_id=mentor, note="" if kind == "signed" else "Thu hồi để thử",
            )
        )  # fmt: skip

    codes = count(1)
    version = version_row_for(session, registry.get("XA-DL-KTNN"))

    def dossier(unit: str, days_ago: float, events: list[tuple[str, str, str | None, float]],
                mode: str = "practice", finished: bool = False) -> None:  # fmt: skip
        """A dossier of `unit` and its events: (user, kind, action, days ago)."""
        row = Dossier(
            code=f"P{next(codes)}", procedure_version_id=version.id, procedure_code="XA-DL-KTNN",
            mode=mode, state="x", national_status=4, applicant_name="X",
            receiving_unit_id=units[unit].id, handling_unit_id=units[unit].id,
            received_at=now - timedelta(days=days_ago),
            processing_ended_at=now - timedelta(days=1) if finished else None,
        )  # fmt: skip
        session.add(row)
        session.flush()
        for seq, (user, kind, action, ago) in enumerate(events, start=1):
            session.add(
                Event(
                    dossier_id=row.id, seq=seq, at=now - timedelta(days=ago),
                    actor_id=users[user].id, kind=kind, action=action, hash=f"h{seq}",
                )
            )  # fmt: skip

    m = "bo.mentor"
    # An Bình: three finished runs — passed; redone then passed; passed then redone
    dossier("a", 5, [("a.handler", "opened", None, 5), ("a.leader", "action", "accept", 4),
                     (m, "review", "pass", 3)], finished=True)  # fmt: skip
    dossier("a", 40, [("a.handler", "opened", None, 40), (m, "review", "redo", 39),
                      ("a.handler", "action", "accept", 38), (m, "review", "pass", 37)],
            finished=True)  # fmt: skip
    dossier("a", 50, [("a.handler", "opened", None, 50), (m, "review", "pass", 49),
                      (m, "review", "redo", 48)], finished=True)  # fmt: skip
    dossier("a", 1, [("a.old", "opened", None, 1)])  # an inactive officer: not counted
    # Bình Thành: practice 45 days ago; a real dossier and a mentor's comment in the window
    dossier("b", 45, [("b.handler", "opened", None, 45), (m, "comment", None, 2)])
    dossier("b", 2, [("b.leader", "opened", None, 2)], mode="real")
    # the department: 29 days ago; Ba Đình: 10 days ago
    dossier("dth", 29, [("dth.receiver", "opened", None, 29)])
    dossier("h", 10, [("h.receiver", "opened", None, 10)])
    session.commit()
    return National(units=units, users=users, now=now)
