"""Who may read the map, and the figures of every unit in it, in a handful of grouped queries.

The figures are read once per request for the whole scope (all units, or one province), each
query grouped by unit: officers, certificates valid today, sign-offs, practice runs and finished
dossiers in the window, open questions. Rows, levels, filters, sorting and paging are then plain
Python over at most ~3,400 rows (see bench/readiness.py for the figure).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import String, cast, func, or_
from sqlmodel import Session, col, select

from casework.accounts.models import Role, Unit, UnitKind, User
from casework.certificates.models import Certificate
from casework.dossiers.models import Dossier, Mode
from casework.errors import NotFound, PermissionDenied
from casework.procedures import ProcedureRegistry
from casework.questions.models import Question, QuestionStatus
from casework.readiness.rules import FIELDS, WINDOW_DAYS, FieldFacts, Level, unit_level
from casework.signoffs.models import SignOffEntry
from casework.signoffs.service import is_current
from casework.units.places import Place, present_places, unit_ids_under

ACTING = (Role.receiver.value, Role.handler.value, Role.leader.value)
NATIONAL_ROLES = (Role.auditor, Role.admin, Role.mentor)
ON_TIME = ("early", "on_time")


@dataclass(frozen=True)
class Scope:
    """What the reader sees: everything (`department` None) or one province."""

    department: Unit | None

    @property
    def national(self) -> bool:
        return self.department is None


def reader_scope(session: Session, user: User) -> Scope:
    """The ministry's auditors, admins and mentors see every province; a department's staff (any
    role) see their own province; everybody else is refused (403)."""
    unit = session.get(Unit, user.unit_id) if user.is_active else None
    if unit is not None and unit.kind == UnitKind.ministry and user.has_role(*NATIONAL_ROLES):
        return Scope(None)
    if unit is not None and unit.kind == UnitKind.department:
        return Scope(unit)
    raise PermissionDenied(
        "Bản đồ sẵn sàng dành cho cán bộ kiểm tra, quản trị, hướng dẫn của Bộ và cán bộ các Sở."
    )


def province_in_scope(session: Session, scope: Scope, code: str | None) -> Unit | None:
    """The province asked for (by its department's code), if the reader may see it (else 404)."""
    if not code:
        return scope.department
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None or unit.kind != UnitKind.department:
        raise NotFound("Không tìm thấy tỉnh, thành phố này.")
    if scope.department is not None and unit.id != scope.department.id:
        raise NotFound("Không tìm thấy tỉnh, thành phố này trong phạm vi của bạn.")
    return unit


@dataclass
class UnitFigures:
    unit: Place
    officers: int = 0
    certified: dict[str, int] = field(default_factory=dict)  # field key → officers
    signed_off: dict[str, int] = field(default_factory=dict)
    practice: dict[str, int] = field(default_factory=dict)
    done: dict[str, int] = field(default_factory=dict)  # real, of the field, finished
    inspections: int = 0  # real inspections finished in the window (any field)
    dossiers: int = 0  # real applications finished in the window
    timed: int = 0  # finished real dossiers with an early / on time / late result
    on_time: int = 0
    open_questions: int = 0
    levels: dict[str, Level] = field(default_factory=dict)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.timed if self.timed else None

    def facts(self, key: str) -> FieldFacts:
        return FieldFacts(
            certified=self.certified.get(key, 0),
            signed_off=self.signed_off.get(key, 0),
            practice=self.practice.get(key, 0),
            done=self.done.get(key, 0),
        )


def _field_key(procedures: ProcedureRegistry) -> dict[str, str]:
    """procedure code → field key, for the procedures of the two fields."""
    by_field = {name: key for key, name in FIELDS.items()}
    return {p.code: by_field[p.field] for p in procedures.all() if p.field in by_field}


def figures(
    session: Session,
    *,
    procedures: ProcedureRegistry,
    department: Unit | None,
    now: datetime,
    today: date,
) -> dict[int, UnitFigures]:
    """Unit id → figures, for every present department and commune (of one province, or all)."""
    paths = [department.path] if department is not None else None
    out = {row[0]: UnitFigures(Place(*row)) for row in session.execute(present_places(paths))}
    ids = unit_ids_under(paths) if paths else None

    def within(column):  # type: ignore[no-untyped-def]
        return col(column).in_(ids) if ids is not None else True

    field_of = _field_key(procedures)
    kind_of = {p.code: p.kind for p in procedures.all()}
    since = now - timedelta(days=WINDOW_DAYS)

    # the acting officers counted per unit in SQL, on the roles' JSON text ('["receiver",
    # "admin"]': no decoding), one row per unit instead of one per officer (~10,000 nationally)
    roles = cast(col(User.roles), String)
    acting = or_(*(roles.contains(f'"{role}"') for role in ACTING))
    for unit_id, n in session.exec(
        select(User.unit_id, func.count())
        .where(col(User.is_active), acting, within(User.unit_id))
        .group_by(col(User.unit_id))
    ).all():
        if unit_id in out:
            out[unit_id].officers = int(n)

    by_name = {name: key for key, name in FIELDS.items()}
    certs = session.exec(
        select(User.unit_id, Certificate.field, func.count(func.distinct(Certificate.user_id)))
        .join(User, col(User.id) == Certificate.user_id)
        .where(
            col(User.is_active),
            col(Certificate.revoked).is_(False),
            col(Certificate.issued_on) <= today,
            (col(Certificate.valid_until).is_(None)) | (col(Certificate.valid_until) >= today),
            within(User.unit_id),
        )
        .group_by(col(User.unit_id), col(Certificate.field))
    ).all()
    for unit_id, field_name, n in certs:
        if unit_id in out and field_name in by_name:
            out[unit_id].certified[by_name[field_name]] = n

    signed: dict[tuple[int, str], set[int]] = defaultdict(set)
    for unit_id, trainee_id, code in session.exec(
        select(User.unit_id, SignOffEntry.trainee_id, SignOffEntry.procedure_code)
        .join(User, col(User.id) == SignOffEntry.trainee_id)
        .where(
            col(User.is_active),
            col(SignOffEntry.procedure_code).in_(list(field_of) or [""]),
            is_current(),
        )
        .where(within(User.unit_id))
    ).all():
        signed[(unit_id, field_of[code])].add(trainee_id)
    for (unit_id, key), trainees in signed.items():
        if unit_id in out:
            out[unit_id].signed_off[key] = len(trainees)

    for unit_id, code, n in session.exec(
        select(Dossier.handling_unit_id, Dossier.procedure_code, func.count())
        .where(
            Dossier.mode == Mode.practice,
            col(Dossier.received_at) >= since,
            col(Dossier.procedure_code).in_(list(field_of) or [""]),
            within(Dossier.handling_unit_id),
        )
        .group_by(col(Dossier.handling_unit_id), col(Dossier.procedure_code))
    ).all():
        if unit_id in out:
            f = out[unit_id]
            f.practice[field_of[code]] = f.practice.get(field_of[code], 0) + n

    for unit_id, code, bucket, n in session.exec(
        select(
            Dossier.handling_unit_id, Dossier.procedure_code, Dossier.result_bucket, func.count()
        )
        .where(
            Dossier.mode == Mode.real,
            col(Dossier.processing_ended_at) >= since,
            within(Dossier.handling_unit_id),
        )
        .group_by(
            col(Dossier.handling_unit_id), col(Dossier.procedure_code), col(Dossier.result_bucket)
        )
    ).all():
        if unit_id not in out:
            continue
        f = out[unit_id]
        if kind_of.get(code) == "inspection":
            f.inspections += n
        else:
            f.dossiers += n
        if code in field_of:
            f.done[field_of[code]] = f.done.get(field_of[code], 0) + n
        if bucket:
            f.timed += n
            f.on_time += n if bucket in ON_TIME else 0

    for unit_id, n in session.exec(
        select(Question.unit_id, func.count())
        .where(Question.status == QuestionStatus.open, within(Question.unit_id))
        .group_by(col(Question.unit_id))
    ).all():
        if unit_id in out:
            out[unit_id].open_questions = n

    for f in out.values():
        f.levels = {key: unit_level(f.facts(key)) for key in FIELDS}
    return out
