"""The provinces' demand for a class, and the priority lists built from it.

A department's admin (or the ministry's) registers, per commune under them, named officers
(active users of that commune) and/or a number of seats, with a note. One row per class and
commune: saving again replaces it; saving no officer and no seat removes it. Demand is editable
while the class is open for enrolment, i.e. until the ministry fills it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from casework.accounts.models import Unit, UnitKind, User
from casework.classes import ranking, service, sources
from casework.classes.access import demand_root, is_ministry_admin
from casework.classes.models import MAX_NOTE, ClassDemand, ClassSeat, ClassStatus, TrainingClass
from casework.classes.service import TZ, get_class
from casework.db import utcnow
from casework.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from casework.ids import parse_id, parse_int
from casework.procedures import ProcedureRegistry

MAX_SEATS = 50


def communes_under(session: Session, root: Unit) -> list[Unit]:
    rows = session.exec(
        select(Unit).where(col(Unit.path).startswith(root.path), Unit.kind == UnitKind.commune)
    ).all()
    return sorted(rows, key=lambda u: (u.province or "", u.name))


def officers_of(session: Session, commune_ids: Sequence[int]) -> dict[int, list[User]]:
    """Active users of each commune, by name."""
    out: dict[int, list[User]] = {}
    if not commune_ids:
        return out
    rows = session.exec(
        select(User)
        .where(col(User.unit_id).in_(list(commune_ids)), User.is_active == True)  # noqa: E712
        .order_by(col(User.full_name))
    ).all()
    for u in rows:
        out.setdefault(u.unit_id, []).append(u)
    return out


def demands_of(session: Session, class_id: int, root: Unit | None = None) -> list[ClassDemand]:
    """The class's demand rows; under `root` only (None: all)."""
    query = select(ClassDemand).where(ClassDemand.class_id == class_id)
    if root is not None:
        query = query.join(Unit, col(Unit.id) == ClassDemand.commune_id).where(
            col(Unit.path).startswith(root.path)
        )
    return list(session.exec(query.order_by(col(ClassDemand.requested_at))).all())


def save_demand(
    session: Session,
    *,
    actor: User,
    class_id: int,
    values: Mapping[str, Any],
    officer_ids: Sequence[str],
) -> ClassDemand | None:
    """Create, replace or (nothing asked) remove the demand of one commune for the class."""
    root = demand_root(session, actor)
    klass = get_class(session, class_id)
    errors: dict[str, str] = {}
    raw_commune = str(values.get("commune") or "")
    commune_id = parse_id(raw_commune)
    commune = session.get(Unit, commune_id) if commune_id is not None else None
    inside = commune is not None and commune.path.startswith(root.path)
    if commune is None or commune.kind != UnitKind.commune or not inside:
        raise ValidationFailed(
            "Chọn một xã, phường thuộc đơn vị của bạn.",
            fields={"commune": "Chọn xã, phường trong danh sách."},
        )
    if klass.status != ClassStatus.open:
        raise Conflict("Lớp đã xếp chỗ xong (hoặc đã đóng): không sửa nhu cầu được nữa.")
    staff = {u.id: u for u in officers_of(session, [commune.id or 0]).get(commune.id or 0, [])}
    chosen: list[int] = []
    for raw in officer_ids:
        officer_id = parse_id(raw)
        if officer_id is None or officer_id not in staff:
            errors["officers"] = "Chỉ chọn cán bộ đang làm việc của xã, phường đã chọn."
        elif officer_id not in chosen:
            chosen.append(officer_id)
    raw_seats = str(values.get("seats") or "").strip()
    asked = parse_int(raw_seats)
    if raw_seats and asked is None:
        errors["seats"] = "Số chỗ là số nguyên không âm."
    seats = max(asked or 0, len(chosen))
    if seats > min(MAX_SEATS, klass.capacity):
        errors["seats"] = f"Tối đa {min(MAX_SEATS, klass.capacity)} chỗ cho một xã, phường."
    note = str(values.get("note") or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = f"Ghi chú tối đa {MAX_NOTE} ký tự."
    if errors:
        raise ValidationFailed("Chưa lưu nhu cầu: kiểm tra các ô được đánh dấu.", fields=errors)
    row = session.exec(
        select(ClassDemand).where(
            ClassDemand.class_id == class_id, ClassDemand.commune_id == commune.id
        )
    ).first()
    if seats == 0:
        if row is not None:
            session.delete(row)
        session.commit()
        return None
    assert actor.id is not None and commune.id is not None
    if row is None:
        row = ClassDemand(
            class_id=class_id, commune_id=commune.id, seats=seats, requested_by_id=actor.id
        )
    row.seats, row.officer_ids, row.note = seats, chosen, note
    row.requested_by_id, row.updated_at = actor.id, utcnow()
    session.add(row)
    session.commit()
    return row


# ---- priority lists -----------------------------------------------------------------------------


@dataclass
class Priority:
    field: str
    ranked: list[ranking.Ranked]
    establishments_known: bool
    units: dict[int, Unit]


def _candidates(
    session: Session,
    registry: ProcedureRegistry,
    *,
    field: str,
    communes: Sequence[Unit],
    demands: Mapping[int, ClassDemand],
    on: date,
) -> list[ranking.Candidate]:
    ids = [u.id for u in communes if u.id is not None]
    certified = sources.certified_counts(session, field=field, commune_ids=ids, on=on)
    codes = sources.inspection_codes(registry, field)
    inspections = sources.inspection_counts(session, codes=codes, commune_ids=ids, year=on.year)
    establishments = sources.establishment_counts(session, commune_ids=ids)
    out = []
    for u in communes:
        assert u.id is not None
        d = demands.get(u.id)
        demand_at: datetime | None = d.requested_at if d else None
        out.append(
            ranking.Candidate(
                commune_id=u.id, name=u.name, certified=certified.get(u.id, 0),
                inspections=inspections.get(u.id, 0), establishments=establishments.get(u.id),
                demand_at=demand_at, seats=d.seats if d else 0, demand_id=d.id if d else None,
            )
        )  # fmt: skip
    return out


def class_priority(
    session: Session, registry: ProcedureRegistry, *, actor: User, klass: TrainingClass
) -> Priority:
    """The communes that asked for seats in `klass`, ranked (the ministry's fill list)."""
    if not is_ministry_admin(session, actor):
        raise NotFound("Không tìm thấy danh sách ưu tiên.")
    assert klass.id is not None
    demands = {d.commune_id: d for d in demands_of(session, klass.id)}
    units = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(list(demands))))}
    communes = [units[i] for i in demands if i in units]
    on = datetime.now(TZ).date()
    cands = _candidates(
        session, registry, field=klass.field, communes=communes, demands=demands, on=on
    )
    return Priority(
        klass.field, ranking.rank(cands), ranking.has_establishment_data(cands),
        {u.id: u for u in communes if u.id is not None},
    )  # fmt: skip


def field_priority(
    session: Session,
    registry: ProcedureRegistry,
    *,
    actor: User,
    field: str,
    within: Unit | None = None,
) -> Priority:
    """Every commune under the admin's unit (or under `within`, a unit inside it), ranked for
    `field`; demand dates from the open classes of that field."""
    root = demand_root(session, actor)
    if within is not None and within.path.startswith(root.path):
        root = within
    communes = communes_under(session, root)
    ids = [u.id for u in communes if u.id is not None]
    open_ids = select(TrainingClass.id).where(
        TrainingClass.field == field, TrainingClass.status == ClassStatus.open
    )
    demands: dict[int, ClassDemand] = {}
    for d in session.exec(
        select(ClassDemand)
        .where(col(ClassDemand.class_id).in_(open_ids), col(ClassDemand.commune_id).in_(ids))
        .order_by(col(ClassDemand.requested_at).desc())
    ):
        demands[d.commune_id] = d  # the earliest wins
    on = datetime.now(TZ).date()
    cands = _candidates(session, registry, field=field, communes=communes, demands=demands, on=on)
    return Priority(
        field, ranking.rank(cands), ranking.has_establishment_data(cands),
        {u.id: u for u in communes if u.id is not None},
    )  # fmt: skip


# ---- naming a seat asked as a number ---------------------------------------------------------


def name_seat(
    session: Session, *, actor: User, class_id: int, seat_id: int, values: Mapping[str, Any]
) -> None:
    """Give an unnamed seat (asked as a number) to an officer of its commune, while the class
    is filled and not yet completed. The department's admin (or the ministry's) does it; the
    class's version guards against a stale page like every other change of the class."""
    root = demand_root(session, actor)
    klass = service.lock(session, class_id, values.get("version", ""))
    seat = session.get(ClassSeat, seat_id)
    commune = session.get(Unit, seat.commune_id) if seat is not None else None
    if seat is None or seat.class_id != class_id or commune is None:
        raise NotFound("Không tìm thấy chỗ này trong lớp.")
    if not commune.path.startswith(root.path):
        raise PermissionDenied("Chỗ này thuộc xã, phường ngoài đơn vị của bạn.")
    if klass.status not in (ClassStatus.full, ClassStatus.held) or seat.attendance:
        raise Conflict("Chỉ ghi tên được khi lớp đã xếp chỗ và chưa điểm danh chỗ này.")
    raw = str(values.get("user") or "")
    staff = {u.id: u for u in officers_of(session, [commune.id or 0]).get(commune.id or 0, [])}
    seated = {s.user_id for s in service.seats_of(session, class_id) if s.id != seat.id}
    user_id = parse_id(raw)
    if user_id is None or user_id not in staff:
        raise ValidationFailed(
            "Chưa ghi tên.", fields={f"seat-{seat_id}": "Chọn một cán bộ của xã, phường này."}
        )
    if user_id in seated:
        raise ValidationFailed(
            "Chưa ghi tên.",
            fields={f"seat-{seat_id}": f"{staff[user_id].full_name} đã có chỗ trong lớp."},
        )
    seat.user_id = user_id
    session.add(seat)
    service.touch(session, klass, actor, f"ghi tên {staff[user_id].full_name} vào chỗ của "
                  f"{commune.name}")  # fmt: skip
    session.commit()
