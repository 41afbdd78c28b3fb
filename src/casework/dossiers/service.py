"""Use cases of the dossier domain. Each function owns one transaction and commits once.

Concurrency: firing an action locks the dossier row first (`SELECT … FOR UPDATE` on PostgreSQL;
SQLite's `BEGIN IMMEDIATE` serialises writers), then re-checks the state. Of two people acting at
once, one wins; the other gets `Conflict`/`ActionNotAllowed` naming who changed what. The
`UNIQUE(dossier_id, seq)` constraint on events is the backstop: no event is ever lost or doubled.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from statemachine.exceptions import TransitionNotAllowed

from casework import inputs
from casework.accounts.models import ACTING_ROLES, ROLE_LABELS, Role, Unit, UnitKind, User
from casework.caching.service import row_by_id
from casework.clock import WorkCalendar
from casework.db import add_to_counter, utcnow
from casework.dossiers import (
    access,
    attachments,
    clockwork,
    extension,
    queue_index,
    script,
    writes,
)
from casework.dossiers.catalog import procedure_of, version_at_receipt
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.events import record_event
from casework.dossiers.fields import clean_action_data
from casework.dossiers.models import (
    ApplicantKind,
    Attachment,
    Channel,
    ClockPause,
    Dossier,
    DossierCodeCounter,
    Event,
    EventKind,
    Mode,
    ProcedureVersion,
    StepRecord,
)
from casework.errors import (
    ActionNotAllowed,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from casework.procedures import Procedure, TransitionDef
from casework.procedures.machine import next_state
from casework.reports import stats
from casework.text import fold

PRACTICE_PREFIX = "LT-"
#: In a practice dossier's data: the scripted applicant's answers, [{after: action, note: …}].
SCRIPT_KEY = script.SCRIPT_KEY
LEVEL_FOR_UNIT = {
    UnitKind.commune: "commune",
    UnitKind.department: "province",
    UnitKind.ministry: "ministry",
}
LEVEL_LABELS = {"commune": "cấp xã", "province": "cấp tỉnh (Sở)", "ministry": "cấp Bộ"}
_DEFAULT_CALENDARS: CalendarSource | None = None


def default_calendars() -> CalendarSource:
    global _DEFAULT_CALENDARS
    if _DEFAULT_CALENDARS is None:
        _DEFAULT_CALENDARS = CalendarSource()
    return _DEFAULT_CALENDARS


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9 +().-]{6,20}$")


@dataclass(frozen=True)
class Applicant:
    name: str
    kind: str = ApplicantKind.person
    id_number: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""


def fmt_local(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%H:%M %d/%m/%Y")


#: The applicant's fields as the form names them, and how `casework.inputs` reads each: the form
#: and the API (`api.schemas.ApplicantIn`) are checked by these same rules.
APPLICANT_RULES: dict[str, inputs.Rule] = {
    "applicant_name": inputs.Rule(
        "Tên người nộp", "name", required="Cần nhập tên người nộp (cá nhân hoặc tổ chức)."
    ),
    "applicant_id_number": inputs.Rule("Số định danh", "id_number"),
    "applicant_address": inputs.Rule("Địa chỉ", "address"),
    "applicant_phone": inputs.Rule("Số điện thoại", "phone"),
    "applicant_email": inputs.Rule("Thư điện tử", "email"),
}


def clean_applicant(applicant: Applicant, errors: dict[str, str]) -> Applicant:
    """The applicant's texts through the input layer (trimmed); problems go to `errors`."""
    sent = {
        "applicant_name": applicant.name,
        "applicant_id_number": applicant.id_number,
        "applicant_address": applicant.address,
        "applicant_phone": applicant.phone,
        "applicant_email": applicant.email,
    }
    got = {key: inputs.read(sent, key, rule, errors) for key, rule in APPLICANT_RULES.items()}
    return Applicant(
        name=got["applicant_name"],
        kind=applicant.kind,
        id_number=got["applicant_id_number"],
        address=got["applicant_address"],
        phone=got["applicant_phone"],
        email=got["applicant_email"],
    )


def _check_applicant(
    applicant: Applicant, channel: str, mode: str
) -> tuple[Applicant, dict[str, str]]:
    """The applicant cleaned by the input layer, and every problem of it, the channel and the
    mode, by field."""
    errors: dict[str, str] = {}
    applicant = clean_applicant(applicant, errors)
    if applicant.kind not in {k.value for k in ApplicantKind}:
        errors["applicant_kind"] = "Người nộp là 'person' (cá nhân) hoặc 'organisation' (tổ chức)."
    if applicant.email and not _EMAIL.match(applicant.email):
        errors.setdefault("applicant_email", "Thư điện tử chưa đúng dạng, ví dụ ten@donvi.gov.vn.")
    if applicant.phone and not _PHONE.match(applicant.phone):
        errors.setdefault("applicant_phone", "Số điện thoại chỉ gồm chữ số (6–20 ký tự).")
    if channel not in {c.value for c in Channel}:
        errors["channel"] = (
            "Kênh nộp là in_person (trực tiếp), online (trực tuyến) hoặc post (bưu chính)."
        )
    if mode not in {m.value for m in Mode}:
        errors["mode"] = "Chế độ là real (thật) hoặc practice (làm thử)."
    return applicant, errors


def next_sequence(session: Session, *, unit_id: int, day: Any, mode: str) -> int:
    """Atomically take the next number of the per-unit, per-day, per-mode counter."""
    key = {"unit_id": unit_id, "day": day, "mode": mode}
    return int(add_to_counter(session, DossierCodeCounter, key, {"last_value": 1})[0])


def opening_refusal(unit: Unit, actor: User, procedure: Procedure) -> str | None:
    """Why `actor` may not open a dossier of `procedure` at `unit` (their own), or None if they
    may: the procedure's level must be the unit's, and the actor must hold a role of its first
    step. One rule for opening, starting a scenario and starting a practice dossier again."""
    expected_level = LEVEL_FOR_UNIT[UnitKind(unit.kind)]
    if procedure.level != expected_level:
        return (
            f"Thủ tục {procedure.code} thuộc {LEVEL_LABELS[procedure.level]}; "
            f"đơn vị {unit.name} ({LEVEL_LABELS[expected_level]}) không giải quyết thủ tục này."
        )
    wanted = opening_roles(procedure)
    if not actor.has_role(*wanted):
        roles = ", ".join(ROLE_LABELS.get(Role(r), r) for r in wanted)
        return f"Mở hồ sơ thủ tục này cần vai trò: {roles}."
    return None


def opening_roles(procedure: Procedure) -> list[str]:
    """Who may open a dossier of `procedure`: the roles of its first step — or, for an
    inspection (staff-initiated: the officer prepares it, the leader signs the decision), every
    role its steps name (DESIGN §9)."""
    if procedure.kind == "inspection":
        return sorted({r for s in procedure.states.values() for r in s.roles})
    return list(procedure.states[procedure.initial_state].roles)


def applicant_form_refusal(procedure: Procedure) -> ValidationFailed | None:
    """An inspection is never opened with the applicant form (or the API's equivalent): it
    opens from the unit's plan or ad hoc, with an establishment (DESIGN §9)."""
    if procedure.kind != "inspection":
        return None
    return ValidationFailed(
        f"Thủ tục {procedure.code} là một cuộc kiểm tra: mở từ kế hoạch kiểm tra hoặc kiểm tra "
        "đột xuất (trang «Kiểm tra»), không mở bằng mẫu tiếp nhận hồ sơ của người nộp.",
        fields={"procedure": "Cuộc kiểm tra mở tại trang «Kiểm tra» (/inspections/new)."},
    )


#: No dossier was received before this (a guard against typos such as year 0001 or 1026).
EARLIEST_RECEIVED = datetime(2000, 1, 1, tzinfo=UTC)


def received_problem(received_at: datetime, now: datetime) -> str | None:
    """Why a (time-zone aware) reception instant cannot be taken, or None. An instant UTC cannot
    hold (year 1 at +14:00, year 9999 at −14:00) is refused here, not a crash further on."""
    try:
        utc = received_at.astimezone(UTC)
    except OverflowError:
        return "Thời điểm nhận hồ sơ nằm ngoài khoảng cho phép."
    if utc > now + timedelta(minutes=5):
        return "Thời điểm nhận hồ sơ không được ở tương lai."
    if utc < EARLIEST_RECEIVED:
        return "Thời điểm nhận hồ sơ không được trước năm 2000."
    return None


def open_dossier(
    session: Session,
    *,
    actor: User,
    procedure: Procedure,
    applicant: Applicant,
    mode: str = Mode.real,
    channel: str = Channel.in_person,
    received_at: datetime | None = None,
    tz: ZoneInfo,
    now: datetime | None = None,
    calendars: CalendarSource | None = None,
    uploads: Sequence[attachments.Upload] = (),
    upload_dir: Path | None = None,
    commit: bool = True,
    inspection: dict[str, Any] | None = None,
    check_opening: bool = True,
) -> Dossier:
    """Register a new dossier at the actor's unit, in the procedure's initial state, with its
    uploaded documents (all or nothing: on any failure no row and no file remains).

    With `clock_starts: on_valid_dossier` the legal clock starts at `received_at` and the due
    instant (the appointment on the receipt slip) is set now.

    `casework.inspections` opens an inspection (from a plan item or ad hoc) with `inspection`:
    its origin and establishment, kept in the opened event instead of an applicant and a
    channel. The applicant form and the API refuse an inspection (`applicant_form_refusal`)."""
    now = now or utcnow()
    received_at = received_at or now
    unit = session.get(Unit, actor.unit_id)
    assert unit is not None
    applicant, errors = _check_applicant(applicant, channel, mode)
    if received_at.tzinfo is None:
        errors["received_at"] = "Thời điểm nhận phải có múi giờ."
    elif (problem := received_problem(received_at, now)) is not None:
        errors["received_at"] = problem
    if errors:
        raise ValidationFailed(
            "Chưa mở được hồ sơ: thông tin chưa đủ hoặc chưa đúng.", fields=errors
        )

    # the version in force at receipt (issue 20: a version may be published with a later date)
    version, procedure = version_at_receipt(session, procedure, received_at)
    refusal = opening_refusal(unit, actor, procedure) if check_opening else None
    if refusal is not None:  # a scenario checks its own rule (casework.scenarios)
        raise PermissionDenied(refusal)
    initial = procedure.states[procedure.initial_state]

    assert unit.id is not None
    assert version.id is not None
    assert actor.id is not None
    local_day = received_at.astimezone(tz).date()
    seq = next_sequence(session, unit_id=unit.id, day=local_day, mode=mode)
    code = f"{unit.code}-{local_day:%y%m%d}-{seq:04d}"
    if mode == Mode.practice:
        code = PRACTICE_PREFIX + code
    dossier = Dossier(
        code=code,
        procedure_version_id=version.id,
        procedure_code=procedure.code,
        mode=mode,
        state=procedure.initial_state,
        national_status=initial.national_status,
        applicant_kind=applicant.kind,
        applicant_name=applicant.name.strip(),
        applicant_id_number=applicant.id_number.strip(),
        applicant_address=applicant.address.strip(),
        applicant_phone=applicant.phone.strip(),
        applicant_email=applicant.email.strip(),
        search_text=fold(f"{code} {applicant.name}"),
        channel=channel,
        receiving_unit_id=unit.id,
        handling_unit_id=unit.id,
        received_at=received_at,
        created_at=now,
        updated_at=now,
    )
    session.add(dossier)
    session.flush()
    cal = (calendars or default_calendars()).for_unit(session, unit.id)
    clock = clockwork.on_open(
        session, dossier=dossier, procedure=procedure, actor_id=actor.id, now=now, cal=cal
    )
    queue_index.sync(session, dossier, procedure)
    record_event(
        session,
        dossier=dossier,
        kind=EventKind.opened,
        at=now,
        actor_id=actor.id,
        to_state=dossier.state,
        payload={
            "procedure": {
                "code": procedure.code,
                "version": version.version,
                "hash": version.content_hash,
            },
            "mode": mode,
            "received_at": received_at.isoformat(),
            **(
                {"inspection": inspection}
                if inspection is not None
                else {
                    "channel": channel,
                    "applicant": {
                        "kind": dossier.applicant_kind,
                        "name": dossier.applicant_name,
                        "id_number": dossier.applicant_id_number,
                        "address": dossier.applicant_address,
                        "phone": dossier.applicant_phone,
                        "email": dossier.applicant_email,
                    },
                }
            ),
            "national_status": dossier.national_status,
            "clock": clock,
        },
    )
    stored = attachments.Stored()
    try:
        if uploads:
            if upload_dir is None:
                raise ValueError("upload_dir is required with uploads")
            _store(session, dossier, procedure, uploads, upload_dir, actor, now, stored)
        if commit:
            session.commit()
        else:  # part of a larger use case that commits (e.g. resetting a practice dossier)
            session.flush()
    except BaseException:
        session.rollback()
        stored.discard()
        raise
    return dossier


def _lock_dossier(session: Session, code: str) -> Dossier:
    # populate_existing: a row already in this session's identity map must be re-read under the
    # lock, or a second action in the same session would work from stale counters.
    dossier = session.exec(
        select(Dossier)
        .where(Dossier.code == code)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if dossier is None:
        raise NotFound(f"Không tìm thấy hồ sơ {code}.")
    return dossier


def _last_change(session: Session, dossier: Dossier, tz: ZoneInfo) -> str:
    """'Nguyễn Văn A — Tiếp nhận hồ sơ lúc 10:31 22/11/2026', for conflict messages."""
    assert dossier.id is not None
    ev = session.exec(
        select(Event).where(Event.dossier_id == dossier.id).order_by(Event.seq.desc())  # type: ignore[attr-defined]
    ).first()
    if ev is None:
        return ""
    who = session.get(User, ev.actor_id).full_name if ev.actor_id else "hệ thống"  # type: ignore[union-attr]
    what = ev.payload.get("label") or ev.payload.get("reason") or ev.action or ev.kind
    return f"{who} đã thực hiện '{what}' lúc {fmt_local(ev.at, tz)}"


def allowed_actions(
    session: Session, *, actor: User, dossier: Dossier, procedure: Procedure | None = None
) -> list[TransitionDef]:
    """The actions this user may fire on this dossier now (role, unit and state all checked)."""
    if not access.can_act_in_unit(actor, dossier):
        return []
    if procedure is None:
        _, procedure = procedure_of(session, dossier)
    return [
        t
        for t in procedure.transitions_from(dossier.state)
        if actor.has_role(*t.roles) and clockwork.extension_possible(dossier, t)
    ]


@dataclass
class Fired:
    """An action's dossier and what its transaction knew, so that an answer (the API's) is built
    without reading anything again after the commit (issue 19)."""

    dossier: Dossier
    version: ProcedureVersion
    procedure: Procedure
    cal: WorkCalendar
    #: the dossier's step and pause rows as committed, and its units' codes (with `answer`)
    steps: list[StepRecord] | None = None
    pauses: list[ClockPause] | None = None
    unit_codes: dict[int, str] | None = None


def fire_action(session: Session, **kwargs: Any) -> Dossier:
    """Fire one action (`fire`) and return the dossier."""
    return fire(session, **kwargs).dossier


def fire(
    session: Session,
    *,
    actor: User,
    code: str,
    action: str,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    tz: ZoneInfo,
    now: datetime | None = None,
    calendars: CalendarSource | None = None,
    extra_payload: dict[str, Any] | None = None,
    commit: bool = True,
    answer: bool = False,
) -> Fired:
    """Fire one action: checks, state machine, clock, event row with chain hash — one commit.

    `extra_payload` goes into the event beside the data (an inspection decision's team and its
    certificate check); with `commit=False` the caller (a larger use case) commits. With
    `answer` the result also carries the step and pause rows and the units' codes.

    The statements of an accept (tests/perf): the dossier under its lock; the step rows; then,
    with `commit`, every write — the dossier's UPDATE, the event, the closed and the opened
    step, the report and work-queue counters — in one statement on PostgreSQL (`writes`; one
    after the other on SQLite), and the commit (with `answer` the pause rows, read only when a
    step could have paused the clock). The user's access is decided from the locked row, the
    procedure version, the unit and its calendar come from the process cache
    (`casework.caching`)."""
    now = now or utcnow()
    dossier = _lock_dossier(session, code)
    if not access.can_view(session, actor, dossier):
        raise NotFound(f"Không tìm thấy hồ sơ {code}.")
    version, procedure = procedure_of(session, dossier)
    state = procedure.states[dossier.state]
    if expected_version is not None and expected_version != dossier.version:
        raise Conflict(
            f"Hồ sơ {code} vừa được người khác cập nhật: {_last_change(session, dossier, tz)}. "
            f"Hồ sơ hiện ở bước '{state.label}'. Hãy tải lại để xem thay đổi rồi thao tác lại.",
            details={"current_version": dossier.version, "state": dossier.state},
        )
    transition = procedure.transition(dossier.state, action)
    if transition is None:
        known = {t.action: t.label for t in procedure.transitions}
        if action not in known:
            raise ActionNotAllowed(
                f"Thủ tục {procedure.code} không có thao tác '{action}'.",
                details={"state": dossier.state},
            )
        raise ActionNotAllowed(
            f"Không thực hiện được '{known[action]}': hồ sơ {code} đang ở bước '{state.label}' "
            f"({_last_change(session, dossier, tz)}).",
            details={"state": dossier.state, "current_version": dossier.version},
        )
    if not clockwork.extension_possible(dossier, transition):
        raise ActionNotAllowed(
            f"Chưa thể '{transition.label}': thời hạn giải quyết chưa bắt đầu tính "
            "(chờ hồ sơ hợp lệ hoặc chờ nộp phí), nên chưa có hạn để gia hạn."
        )
    if not access.can_act_in_unit(actor, dossier):
        raise PermissionDenied(
            "Chỉ cán bộ của đơn vị giải quyết hồ sơ mới thực hiện được thao tác này."
        )
    if not actor.has_role(*transition.roles):
        raise PermissionDenied(
            f"Thao tác '{transition.label}' dành cho vai trò: {', '.join(transition.roles)}."
        )
    cal = (calendars or default_calendars()).for_unit(session, dossier.handling_unit_id)
    steps = clockwork.steps_of(session, dossier)  # before any change: nothing to flush yet
    # committing here: the counters wait in a batch written with the rows in one round trip;
    # a larger use case's caller (commit=False) gets the ORM's flush, as any other change
    with writes.deferred(session) if commit else nullcontext() as batch:
        _apply(
            session,
            dossier=dossier,
            procedure=procedure,
            transition=transition,
            data=data,
            actor_id=actor.id,
            now=now,
            tz=tz,
            cal=cal,
            extra_payload=extra_payload,
        )
        play_colleagues(session, dossier=dossier, procedure=procedure, now=now, tz=tz, cal=cal)
    session.add(dossier)
    fired = Fired(dossier=dossier, version=version, procedure=procedure, cal=cal)
    try:
        if batch is not None:
            batch.write(session, commit=True)
        else:
            session.flush()
        if answer:  # the pause rows are read only where a step could have paused the clock
            fired.steps = list(steps)
            fired.pauses = clockwork.pauses_known(session, dossier, procedure, fired.steps)
            fired.unit_codes = unit_codes(session, dossier)
        if commit:
            session.commit()
    except IntegrityError as exc:  # the (dossier_id, seq) backstop
        session.rollback()
        raise Conflict(
            f"Hồ sơ {code} vừa được người khác cập nhật cùng lúc. Hãy tải lại và thao tác lại."
        ) from exc
    return fired


def unit_codes(session: Session, dossier: Dossier) -> dict[int, str]:
    """The codes of the dossier's receiving and handling units (from the process cache)."""
    ids = {dossier.receiving_unit_id, dossier.handling_unit_id}
    units = (row_by_id(session, Unit, unit_id) for unit_id in ids)
    return {u.id: u.code for u in units if u is not None and u.id is not None}


def play_colleagues(
    session: Session,
    *,
    dossier: Dossier,
    procedure: Procedure,
    now: datetime,
    tz: ZoneInfo,
    cal: Any,
) -> None:
    """A practice scenario's colleagues act where the trainee does not play (`script`)."""
    for step in script.colleague_steps(dossier, procedure):
        session.flush()  # the step before is written: `_apply` works without autoflush
        _apply(
            session,
            dossier=dossier,
            procedure=procedure,
            transition=step.transition,
            data=script.resolve(step.data, dossier, cal, now),
            actor_id=None,
            now=now,
            tz=tz,
            cal=cal,
            extra_payload={"simulated": step.role, "label": step.label},
        )


def _apply(
    session: Session,
    *,
    dossier: Dossier,
    procedure: Procedure,
    transition: TransitionDef,
    data: dict[str, Any] | None,
    actor_id: int | None,
    now: datetime,
    tz: ZoneInfo,
    cal: Any,
    extra_payload: dict[str, Any] | None,
) -> None:
    """The checked action applied: content rules, state machine, clock, event (no commit)."""
    findings_extra: dict[str, Any] = {}
    if procedure.kind == "inspection":  # the record's conclusion follows its finding rows
        from casework.findings.service import settle_conclusion

        data, findings_extra = settle_conclusion(
            session, dossier=dossier, procedure=procedure, transition=transition, data=data or {}
        )
    cleaned = {**clean_action_data(procedure, transition, data, tz), **findings_extra}
    if procedure.kind == "inspection":
        from casework.inspections import rules  # inspections builds on dossiers, not the reverse

        rules.check_action(
            session, dossier=dossier, transition=transition, now=now, tz=tz, team=extra_payload
        )
    if transition.slip == "apology_extension" and "new_appointment" in cleaned:
        new = datetime.fromisoformat(cleaned["new_appointment"])
        why = extension.refusal(dossier, new, cal, now=now)
        if why is not None:
            raise ValidationFailed(
                f"Chưa thực hiện được '{transition.label}': {why}",
                fields={"new_appointment": why},
            )

    # From here on no autoflush: every read below (calendar, step rows, pauses) is of rows
    # this change does not touch or that it keeps in memory, so the dossier is written once,
    # at the flush, with all its columns (an early autoflush made it two UPDATEs).
    with session.no_autoflush:
        _change(
            session, dossier=dossier, procedure=procedure, transition=transition,
            cleaned=cleaned, actor_id=actor_id, now=now, cal=cal, extra_payload=extra_payload,
        )  # fmt: skip


def _change(
    session: Session, *, dossier: Dossier, procedure: Procedure, transition: TransitionDef,
    cleaned: dict[str, Any], actor_id: int | None, now: datetime, cal: Any,
    extra_payload: dict[str, Any] | None,
) -> None:  # fmt: skip
    """State machine, clock, counters and event of a checked action (`_apply`)."""
    action = transition.action
    before = dossier.state
    try:
        dossier.state = next_state(procedure, before, action)
    except TransitionNotAllowed as exc:  # pragma: no cover - checked above
        raise ActionNotAllowed(str(exc)) from exc
    target = procedure.states[dossier.state]
    dossier.national_status = target.national_status
    dossier.data = {**dossier.data, **cleaned}
    dossier.version += 1
    dossier.updated_at = now
    if target.final:
        dossier.finished_at = now
    clock = clockwork.on_transition(
        session,
        dossier=dossier,
        procedure=procedure,
        transition=transition,
        before=before,
        data=cleaned,
        actor_id=actor_id,
        now=now,
        cal=cal,
    )
    writes.sync_queue(session, dossier, procedure)
    if "satisfaction" in cleaned:
        stats.rated(session, dossier, cleaned["satisfaction"], now)
    record_event(
        session,
        dossier=dossier,
        kind=EventKind.action,
        at=now,
        actor_id=actor_id,
        action=action,
        from_state=before,
        to_state=dossier.state,
        payload={
            "label": transition.label,
            "data": cleaned,
            "national_status": target.national_status,
            "slip": transition.slip,
            "clock": clock,
            **(extra_payload or {}),
        },
    )
    for note in script.applicant_responses(dossier, action):
        record_event(
            session,
            dossier=dossier,
            kind=EventKind.applicant,
            at=now,
            actor_id=None,
            payload={"label": "Người nộp (mô phỏng) phản hồi", "note": note},
        )


def add_attachments(
    session: Session,
    *,
    actor: User,
    code: str,
    uploads: Sequence[attachments.Upload],
    upload_dir: Path,
    now: datetime | None = None,
) -> list[Any]:
    """Attach more documents to an open dossier (e.g. the applicant's supplement); one commit."""
    now = now or utcnow()
    dossier = _lock_dossier(session, code)
    if not access.can_view(session, actor, dossier):
        raise NotFound(f"Không tìm thấy hồ sơ {code}.")
    if not (access.can_act_in_unit(actor, dossier) and actor.has_role(*ACTING_ROLES)):
        raise PermissionDenied("Chỉ cán bộ của đơn vị giải quyết hồ sơ mới đính kèm được tệp.")
    if dossier.finished_at is not None:
        raise ActionNotAllowed(f"Hồ sơ {code} đã kết thúc; không đính kèm thêm tệp.")
    if not uploads:
        raise ValidationFailed("Chưa chọn tệp nào.", fields={"files": "Chọn ít nhất một tệp."})
    _, procedure = procedure_of(session, dossier)
    stored = attachments.Stored()
    try:
        rows = _store(session, dossier, procedure, uploads, upload_dir, actor, now, stored)
        dossier.version += 1
        dossier.updated_at = now
        session.add(dossier)
        session.commit()
    except BaseException:
        session.rollback()
        stored.discard()
        raise
    return rows


def _store(
    session: Session,
    dossier: Dossier,
    procedure: Procedure,
    uploads: Sequence[attachments.Upload],
    upload_dir: Path,
    actor: User,
    now: datetime,
    stored: attachments.Stored,
) -> list[Any]:
    """Store uploads for one of the procedure's documents (the caller commits or discards)."""
    rows = attachments.store(
        session,
        dossier=dossier,
        uploads=list(uploads),
        allowed_keys={d.key for d in procedure.documents},
        upload_dir=upload_dir,
        actor_id=actor.id,
        now=now,
        stored=stored,
    )
    keys = session.exec(
        select(Attachment.document_key).where(Attachment.dossier_id == dossier.id)
    ).all()
    stats.documents_changed(session, dossier, procedure, keys)
    return rows
