"""Mentor review: who reviews what, the three things a mentor writes, and what the dossier page
shows of review. The trainee's side (submitting a run, replying) is `submissions`, the queue and
the bulk pass `queue`, waiting times and reminders `waiting` and `reminders`.

Each write owns one transaction, like `dossiers.service.fire_action`: lock the dossier row, check
(404 if the user may not see it, 403 if they are not an assigned mentor), write one event row with
`record_event` (hash chain), commit.

- **comment** (kind ``comment``) on any event, or a reply to a comment (``reply_to``); real
  dossiers too, if the mentor may see them;
- **score** (kind ``score``) of the procedure's checklist of a step, on the event that *ended*
  that step (its ``from_state``): each item đạt / chưa đạt with an optional note; practice only;
- **verdict** (kind ``review``): ``pass``, or ``redo`` from an earlier step the dossier has been
  through; practice only. ``redo`` moves the dossier back like an action would: the event carries
  from/to state (so replay follows it), the current step row is closed and a new one opened for the
  chosen step (Mẫu 06 keeps the whole story), an open clock pause is closed and one is opened if
  the chosen step stops the clock. The legal due is not rewound: a practice dossier's clock keeps
  running, as a real one's would. If the dossier had finished, it is open again.

Comments and scores do not bump `Dossier.version`, so a trainee's open form does not turn stale
because a mentor wrote a comment; a verdict that moves the dossier does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from casework.accounts.models import Role, User
from casework.db import utcnow
from casework.dossiers import access, clockwork, queue_index, script
from casework.dossiers.catalog import procedure_of
from casework.dossiers.clockwork import END_STATUSES, CalendarSource
from casework.dossiers.events import record_event
from casework.dossiers.models import ClockPause, Dossier, Event, Mode, StepRecord
from casework.dossiers.service import _lock_dossier, default_calendars, play_colleagues
from casework.errors import ActionNotAllowed, Conflict, NotFound, PermissionDenied, ValidationFailed
from casework.ids import parse_id
from casework.learning.levels import Catalog, refresh_run
from casework.procedures import Procedure
from casework.reviews.models import ReviewKind, Verdict
from casework.reviews.runs import RunStatus, run_status, submit_refusal, trainee_ids
from casework.reviews.waiting import REMIND_AFTER_DAYS, waited_days

MAX_TEXT = 5000
MAX_NOTE = 1000
#: Event kinds that are a mentor's remark on another event, drawn under it rather than on their own.
INLINE_KINDS = frozenset({ReviewKind.comment.value, ReviewKind.score.value})
REDO_ACTION = "review_redo"
VERDICT_LABELS = {Verdict.passed.value: "Đạt", Verdict.redo.value: "Làm lại"}


# ---- who reviews ------------------------------------------------------------------------------


def is_reviewer(session: Session, user: User, dossier: Dossier) -> bool:
    """An active mentor assigned to the dossier's unit (or a unit above it)."""
    if not user.is_active or not user.has_role(Role.mentor):
        return False
    found = session.exec(
        select(Dossier.id).where(Dossier.id == dossier.id, access.mentor_filter(user))
    ).first()
    return found is not None


def _lock_for_review(session: Session, actor: User, code: str) -> Dossier:
    dossier = _lock_dossier(session, code)
    if not access.can_view(session, actor, dossier):
        raise NotFound(f"Không tìm thấy hồ sơ {code}.")
    if not is_reviewer(session, actor, dossier):
        raise PermissionDenied(
            "Chỉ cán bộ hướng dẫn được phân công cho đơn vị này mới góp ý, chấm điểm và nhận xét."
        )
    return dossier


def _practice_only(dossier: Dossier, what: str) -> None:
    if dossier.mode != Mode.practice:
        raise PermissionDenied(
            f"Hồ sơ thật chỉ được góp ý; không {what}. Hồ sơ {dossier.code} vẫn như cũ."
        )


def _event(session: Session, dossier: Dossier, seq: Any) -> Event:
    if isinstance(seq, str):
        seq = parse_id(seq)
    ev = None
    if isinstance(seq, int):
        ev = session.exec(
            select(Event).where(Event.dossier_id == dossier.id, Event.seq == seq)
        ).first()
    if ev is None:
        raise ValidationFailed(
            "Không tìm thấy dòng nhật ký được góp ý.", fields={"on": "Dòng nhật ký không có."}
        )
    return ev


def _commit(session: Session, code: str) -> None:
    try:
        session.commit()
    except IntegrityError as exc:  # the (dossier_id, seq) backstop
        session.rollback()
        raise Conflict(
            f"Hồ sơ {code} vừa được người khác cập nhật cùng lúc. Hãy tải lại và gửi lại."
        ) from exc


# ---- comments, scores, verdicts ---------------------------------------------------------------


def clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise ValidationFailed(
            "Chưa gửi được góp ý.", fields={"text": f"Nhập nội dung góp ý (1–{MAX_TEXT} ký tự)."}
        )
    return text


def comment_target(
    session: Session, dossier: Dossier, on: int | str | None, reply_to: int | str | None
) -> tuple[Event, Event | None]:
    """(the event commented on, the comment replied to or None)."""
    parent = None
    if reply_to not in (None, ""):
        parent = _event(session, dossier, reply_to)
        if parent.kind != ReviewKind.comment:
            raise ValidationFailed(
                "Chỉ trả lời được một góp ý.", fields={"reply_to": "Không phải một góp ý."}
            )
        target = _event(session, dossier, parent.payload.get("on"))
    else:
        target = _event(session, dossier, on)
    if target.kind in INLINE_KINDS:
        raise ValidationFailed(
            "Góp ý gắn với một bước của hồ sơ; để trả lời góp ý, dùng nút «Trả lời».",
            fields={"on": "Không góp ý lên một góp ý."},
        )
    return target, parent


def write_comment(
    session: Session,
    dossier: Dossier,
    actor: User,
    target: Event,
    parent: Event | None,
    text: str,
    now: datetime,
    **extra: Any,
) -> Event:
    """Record the comment event and commit (the caller holds the dossier's lock)."""
    ev = record_event(
        session,
        dossier=dossier,
        kind=ReviewKind.comment,
        at=now,
        actor_id=actor.id,
        payload={
            "on": target.seq,
            "reply_to": parent.seq if parent is not None else None,
            "text": text,
            **extra,
        },
    )
    session.add(dossier)
    _commit(session, dossier.code)
    return ev


def add_comment(
    session: Session,
    *,
    actor: User,
    code: str,
    on: int | str | None,
    text: str,
    reply_to: int | str | None = None,
    now: datetime | None = None,
) -> Event:
    """A comment on event `on`, or a reply to the comment event `reply_to` (same thread)."""
    now = now or utcnow()
    dossier = _lock_for_review(session, actor, code)
    text = clean_text(text)
    target, parent = comment_target(session, dossier, on, reply_to)
    return write_comment(session, dossier, actor, target, parent, text, now)


def step_checklist(procedure: Procedure, ev: Event) -> tuple[str, list[str]] | None:
    """The step ended by `ev` and that step's checklist, if the procedure has one."""
    if ev.kind in INLINE_KINDS or not ev.from_state or ev.from_state == ev.to_state:
        return None
    items = procedure.checklists.get(ev.from_state)
    return (ev.from_state, list(items)) if items else None


def score_step(
    session: Session,
    *,
    actor: User,
    code: str,
    on: int | str | None,
    marks: Sequence[tuple[str, str]],
    now: datetime | None = None,
) -> Event:
    """Score the checklist of the step ended by event `on`: one (mark, note) per item, in the
    checklist's order; mark is ``ok`` (đạt) or ``not_ok`` (chưa đạt)."""
    now = now or utcnow()
    dossier = _lock_for_review(session, actor, code)
    _practice_only(dossier, "chấm điểm")
    _, procedure = procedure_of(session, dossier)
    target = _event(session, dossier, on)
    found = step_checklist(procedure, target)
    if found is None:
        raise ValidationFailed(
            "Bước này không có danh sách điểm cần kiểm tra.", fields={"on": "Không có."}
        )
    state, items = found
    errors: dict[str, str] = {}
    scored = []
    for i, item in enumerate(items):
        mark, note = marks[i] if i < len(marks) else ("", "")
        if mark not in ("ok", "not_ok"):
            errors[f"mark_{i}"] = "Chọn «Đạt» hoặc «Chưa đạt»."
        if len(note) > MAX_NOTE:
            errors[f"note_{i}"] = f"Ghi chú tối đa {MAX_NOTE} ký tự."
        scored.append({"item": item, "ok": mark == "ok", "note": note.strip()})
    if errors:
        raise ValidationFailed("Chưa lưu được điểm: chấm đủ mọi điểm cần kiểm tra.", fields=errors)
    ev = record_event(
        session,
        dossier=dossier,
        kind=ReviewKind.score,
        at=now,
        actor_id=actor.id,
        payload={
            "on": target.seq,
            "state": state,
            "items": scored,
            "passed": sum(1 for s in scored if s["ok"]),
            "total": len(scored),
        },
    )
    session.add(dossier)
    _commit(session, code)
    return ev


def redo_choices(session: Session, dossier: Dossier, procedure: Procedure) -> list[tuple[str, str]]:
    """Earlier steps the dossier can be sent back to: those it has been through (Mẫu 06 rows),
    except the current one and final ones, in the order first entered."""
    seen: list[str] = []
    for state in session.exec(
        select(StepRecord.state)
        .where(StepRecord.dossier_id == dossier.id)
        .order_by(col(StepRecord.ordinal))
    ).all():
        s = procedure.states.get(state)
        if state not in seen and state != dossier.state and s is not None and not s.final:
            seen.append(state)
    return [(s, procedure.states[s].label) for s in seen]


def give_verdict(
    session: Session,
    *,
    actor: User,
    code: str,
    verdict: str,
    to_state: str | None = None,
    note: str = "",
    now: datetime | None = None,
    calendars: CalendarSource | None = None,
    levels: Catalog | None = None,
) -> Event:
    """Pass the practice dossier, or send it back to redo from `to_state` (see module doc); the
    run's officers' stored levels follow in the same transaction (`levels`: the catalogue)."""
    now = now or utcnow()
    dossier = _lock_for_review(session, actor, code)
    _practice_only(dossier, "trả về làm lại hay nhận xét đạt")
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise ValidationFailed("Nhận xét quá dài.", fields={"note": f"Tối đa {MAX_TEXT} ký tự."})
    _, procedure = procedure_of(session, dossier)
    before = dossier.state
    if verdict == Verdict.passed:
        return write_pass(session, dossier, actor, note, now, levels)
    if verdict != Verdict.redo:
        raise ValidationFailed("Chọn nhận xét.", fields={"verdict": "Đạt hoặc làm lại."})
    if dossier.data.get("replaced_by"):  # a practice attempt the trainee started again
        raise ActionNotAllowed(
            f"Hồ sơ {code} đã được làm lại từ đầu thành {dossier.data['replaced_by']}; "
            "hãy nhận xét trên hồ sơ mới."
        )
    choices = dict(redo_choices(session, dossier, procedure))
    if not to_state or to_state not in choices:
        raise ValidationFailed(
            "Chưa trả về được: chọn một bước hồ sơ đã đi qua.",
            fields={"to_state": "Chọn bước để làm lại."},
        )
    if not note:
        raise ValidationFailed(
            "Chưa trả về được: ghi lý do để học viên biết cần làm lại gì.",
            fields={"note": "Ghi lý do trả về làm lại."},
        )
    clock = _move_back(session, dossier, procedure, to_state, actor, now, calendars)
    queue_index.sync(session, dossier, procedure)
    target = procedure.states[to_state]
    ev = record_event(
        session,
        dossier=dossier,
        kind=ReviewKind.review,
        at=now,
        actor_id=actor.id,
        action=Verdict.redo.value,
        from_state=before,
        to_state=to_state,
        payload={
            "label": f"Trả về làm lại từ bước «{target.label}»",
            "verdict": "redo",
            "note": note,
            "national_status": target.national_status,
            "clock": clock,
        },
    )
    cal = (calendars or default_calendars()).for_unit(session, dossier.handling_unit_id)
    play_colleagues(session, dossier=dossier, procedure=procedure, now=now, tz=cal.tz, cal=cal)
    session.add(dossier)
    session.flush()
    refresh_run(session, dossier.id, levels)
    _commit(session, code)
    return ev


def write_pass(
    session: Session,
    dossier: Dossier,
    actor: User,
    note: str,
    now: datetime,
    levels: Catalog | None = None,
) -> Event:
    """Record a "pass" verdict, refresh the run's officers' levels, and commit (the caller holds
    the dossier's lock)."""
    ev = record_event(
        session,
        dossier=dossier,
        kind=ReviewKind.review,
        at=now,
        actor_id=actor.id,
        action=Verdict.passed.value,
        payload={"label": "Nhận xét: đạt", "verdict": "pass", "state": dossier.state, "note": note},
    )
    session.add(dossier)
    session.flush()
    refresh_run(session, dossier.id, levels)
    _commit(session, dossier.code)
    return ev


def _move_back(
    session: Session,
    dossier: Dossier,
    procedure: Procedure,
    to_state: str,
    actor: User,
    now: datetime,
    calendars: CalendarSource | None,
) -> dict[str, Any]:
    """Put the dossier in `to_state`: state columns, pause and step rows (the caller commits)."""
    cal = (calendars or default_calendars()).for_unit(session, dossier.handling_unit_id)
    target = procedure.states[to_state]
    summary: dict[str, Any] = {}
    pause = session.exec(
        select(ClockPause).where(
            ClockPause.dossier_id == dossier.id, col(ClockPause.ended_at).is_(None)
        )
    ).first()
    if pause is not None:
        pause.ended_at = now
        pause.closed_by_id = actor.id
        session.add(pause)
        session.flush()
        dossier.paused_since = None
        summary["pause_closed"] = True
        result = clockwork.legal_due(dossier, procedure, clockwork.pauses_of(session, dossier), cal)
        if result is not None:
            dossier.due_at = result.due
            if dossier.extensions == 0:
                dossier.appointment_at = result.due
    clockwork._close_step(session, dossier, REDO_ACTION, actor.id, now, cal)
    clockwork._open_step(
        session, dossier, target, to_state, now, actor.id, cal,
        clockwork._step_count(session, dossier) + 1,
    )  # fmt: skip
    if target.paused:
        assert dossier.id is not None
        session.add(
            ClockPause(
                dossier_id=dossier.id,
                state=to_state,
                kind="other",
                started_at=now,
                reason="Trả về làm lại theo nhận xét của cán bộ hướng dẫn",
                legal_basis=target.clock_basis or "",
                opened_by_id=actor.id,
            )
        )
        dossier.paused_since = now
        summary["pause_opened"] = True
    dossier.state = to_state
    script.rewind(dossier, to_state)  # a scenario's simulated colleagues act again from there
    dossier.national_status = target.national_status
    if target.national_status not in END_STATUSES and not target.final:
        if dossier.processing_ended_at is not None or dossier.finished_at is not None:
            summary["reopened"] = True
        dossier.finished_at = None
        dossier.processing_ended_at = None
        dossier.result_bucket = None
    dossier.version += 1
    dossier.updated_at = now
    return summary


# ---- verdicts of many dossiers ----------------------------------------------------------------


def latest_verdicts(session: Session, dossier_ids: Sequence[int]) -> dict[int, Event]:
    """The last verdict event of each dossier."""
    if not dossier_ids:
        return {}
    last = (
        select(Event.dossier_id, func.max(Event.seq).label("seq"))
        .where(col(Event.dossier_id).in_(dossier_ids), Event.kind == ReviewKind.review.value)
        .group_by(col(Event.dossier_id))
        .subquery()
    )
    rows = session.exec(
        select(Event).join(
            last, and_(col(Event.dossier_id) == last.c.dossier_id, col(Event.seq) == last.c.seq)
        )
    ).all()
    return {e.dossier_id: e for e in rows}


# ---- what the dossier page shows --------------------------------------------------------------


@dataclass
class CommentNode:
    event: Event
    replies: list[CommentNode] = field(default_factory=list)


@dataclass
class StepScore:
    state: str
    label: str
    items: list[str]
    latest: Event | None


@dataclass
class ReviewView:
    """Comments and scores per event, the verdict, the run's submission, and what the viewer may
    do."""

    is_reviewer: bool
    is_practice: bool
    comments: dict[int, list[CommentNode]]
    scores: dict[int, StepScore]
    verdict: Event | None
    verdict_current: bool
    redo_choices: list[tuple[str, str]]
    run: RunStatus
    #: the viewer did some of this run's work (a trainee of it): they submit and reply
    is_trainee: bool = False
    #: why the trainee cannot submit now (None: they can)
    submit_refusal: str | None = None
    #: working days the latest submission has waited (while it waits)
    waited_days: float | None = None
    inline_kinds: frozenset[str] = INLINE_KINDS

    @property
    def can_score(self) -> bool:
        return self.is_reviewer and self.is_practice

    @property
    def can_judge(self) -> bool:
        return self.is_reviewer and self.is_practice

    @property
    def can_reply(self) -> bool:
        """Mentors reply anywhere they comment; a trainee in the threads of their practice run."""
        return self.is_reviewer or (self.is_trainee and self.is_practice)

    @property
    def remind_after(self) -> int:
        return REMIND_AFTER_DAYS


def review_view(
    session: Session, user: User, dossier: Dossier, procedure: Procedure, events: Sequence[Event]
) -> ReviewView:
    comments: dict[int, list[CommentNode]] = {}
    nodes: dict[int, CommentNode] = {}
    scores: dict[int, StepScore] = {}
    for ev in events:
        found = step_checklist(procedure, ev)
        if found is not None:
            state, items = found
            scores[ev.seq] = StepScore(state, procedure.states[state].label, items, None)
    for ev in events:
        if ev.kind == ReviewKind.comment:
            node = nodes[ev.seq] = CommentNode(ev)
            parent = nodes.get(ev.payload.get("reply_to") or 0)
            if parent is not None:
                parent.replies.append(node)
            else:
                comments.setdefault(int(ev.payload.get("on", 0)), []).append(node)
        elif ev.kind == ReviewKind.score and ev.payload.get("on") in scores:
            scores[ev.payload["on"]].latest = ev
    run = run_status(events)
    reviewer = is_reviewer(session, user, dossier)
    practice = dossier.mode == Mode.practice
    trainee = practice and user.is_active and user.id in trainee_ids(events)
    waited = None
    if practice and run.waiting and run.submitted is not None:
        cal = default_calendars().for_unit(session, dossier.handling_unit_id)
        waited = waited_days(cal, run.submitted.at, utcnow())
    return ReviewView(
        is_reviewer=reviewer,
        is_practice=practice,
        comments=comments,
        scores=scores,
        verdict=run.verdict,
        verdict_current=run.verdict_current,
        redo_choices=redo_choices(session, dossier, procedure) if reviewer and practice else [],
        run=run,
        is_trainee=trainee,
        submit_refusal=submit_refusal(dossier, procedure, run) if trainee else None,
        waited_days=waited,
    )
