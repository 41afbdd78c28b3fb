"""What the priority rule reads from the other domains, per commune, for one field.

- certified officers: the certificates package's records (valid on the day, not revoked);
- inspections planned or under way: lines of the commune's inspection plans of this year not yet
  opened as a dossier, plus its open real dossiers, of the field's inspection procedures;
- establishments: distinct establishments named in the commune's plans and inspections — `None`
  when the commune has none recorded (the page says "no data").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from casework.accounts.models import User
from casework.certificates.models import Certificate
from casework.dossiers.models import Dossier
from casework.inspections.models import Inspection, InspectionPlan, InspectionPlanItem
from casework.procedures import ProcedureRegistry
from casework.text import fold


def inspection_codes(registry: ProcedureRegistry, field: str) -> list[str]:
    """Codes of the inspection procedures of `field`."""
    return [p.code for p in registry.all() if p.kind == "inspection" and p.field == field]


def certified_counts(
    session: Session, *, field: str, commune_ids: Sequence[int], on: date
) -> dict[int, int]:
    """Officers of each commune holding a certificate of `field` valid on `on`."""
    if not commune_ids:
        return {}
    rows = session.exec(
        select(User.unit_id, func.count(func.distinct(Certificate.user_id)))
        .join(User, col(User.id) == Certificate.user_id)
        .where(
            col(User.unit_id).in_(commune_ids),
            User.is_active == True,  # noqa: E712
            Certificate.field == field,
            Certificate.revoked == False,  # noqa: E712
            Certificate.issued_on <= on,
            or_(col(Certificate.valid_until).is_(None), col(Certificate.valid_until) >= on),
        )
        .group_by(col(User.unit_id))
    ).all()
    return dict(rows)


def inspection_counts(
    session: Session, *, codes: Sequence[str], commune_ids: Sequence[int], year: int
) -> dict[int, int]:
    """Plan lines not yet opened (this year) plus open real dossiers, per commune."""
    if not commune_ids or not codes:
        return {}
    out: Counter[int] = Counter()
    planned = session.exec(
        select(InspectionPlan.unit_id, func.count())
        .join(InspectionPlanItem, col(InspectionPlanItem.plan_id) == InspectionPlan.id)
        .where(
            col(InspectionPlan.unit_id).in_(commune_ids),
            InspectionPlan.year == year,
            col(InspectionPlanItem.procedure_code).in_(codes),
            col(InspectionPlanItem.dossier_id).is_(None),
        )
        .group_by(col(InspectionPlan.unit_id))
    ).all()
    out.update(dict(planned))
    running = session.exec(
        select(Dossier.handling_unit_id, func.count())
        .where(
            col(Dossier.handling_unit_id).in_(commune_ids),
            col(Dossier.procedure_code).in_(codes),
            col(Dossier.processing_ended_at).is_(None),
            Dossier.mode == "real",
        )
        .group_by(col(Dossier.handling_unit_id))
    ).all()
    out.update(dict(running))
    return dict(out)


def establishment_counts(session: Session, *, commune_ids: Sequence[int]) -> dict[int, int]:
    """Distinct establishments (by folded name) a commune has planned or inspected; communes
    with none are absent (no data)."""
    if not commune_ids:
        return {}
    names: dict[int, set[str]] = {}
    planned = session.exec(
        select(InspectionPlan.unit_id, InspectionPlanItem.establishment_name)
        .join(InspectionPlanItem, col(InspectionPlanItem.plan_id) == InspectionPlan.id)
        .where(col(InspectionPlan.unit_id).in_(commune_ids))
    ).all()
    inspected = session.exec(
        select(Dossier.handling_unit_id, Inspection.establishment_name)
        .join(Inspection, col(Inspection.dossier_id) == Dossier.id)
        .where(col(Dossier.handling_unit_id).in_(commune_ids), Dossier.mode == "real")
    ).all()
    for unit_id, name in [*planned, *inspected]:
        names.setdefault(unit_id, set()).add(fold(name))
    return {unit_id: len(found) for unit_id, found in names.items()}
