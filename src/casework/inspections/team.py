"""Checking a proposed team against the certificates (Luật Đo lường 2011 Điều 44–48; TT 28/2013/
TT-BKHCN as amended by TT 10/2022/TT-BKHCN; DESIGN §9): the head and the technical members must
hold a certificate for the procedure's field, valid on the inspection day. The rule itself is the
certificates package's (`certificates.checks.missing_certificates`); this module says who needs
it and shapes the result for the form and for the decision event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from casework.accounts.models import User
from casework.certificates.checks import missing_certificates
from casework.inspections.models import CERTIFIED_ROLES, TEAM_ROLE_LABELS, TeamRole


@dataclass(frozen=True)
class Proposed:
    user: User
    role: TeamRole
    unit_name: str


def check(
    session: Session, *, team: Sequence[Proposed], field: str, on: date
) -> tuple[dict[str, str], dict[str, Any]]:
    """(problems by form field `member_<i>`, the check as recorded in the event payload)."""
    needing = [p.user for p in team if p.role in CERTIFIED_ROLES]
    gaps = missing_certificates(session, users=needing, field=field, on=on) if needing else {}
    problems: dict[str, str] = {}
    rows = []
    for i, p in enumerate(team):
        reason = gaps.get(p.user.id or 0) if p.role in CERTIFIED_ROLES else None
        if reason:
            problems[f"member_{i}"] = f"{reason} ({TEAM_ROLE_LABELS[p.role].lower()})."
        rows.append(
            {
                "user_id": p.user.id,
                "name": p.user.full_name,
                "role": p.role.value,
                "needs_certificate": p.role in CERTIFIED_ROLES,
                "ok": reason is None,
                "reason": reason or "",
            }
        )
    record = {"field": field, "on": on.isoformat(), "passed": not problems, "members": rows}
    return problems, record
