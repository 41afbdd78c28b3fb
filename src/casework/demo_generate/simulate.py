"""One generated dossier: its path through the procedure's real state machine, in memory.

`Sim` keeps every column the dossier service keeps, the same way (`service.open_dossier`,
`service.fire_action`, `service.add_attachments`, `clockwork.on_open` / `on_transition`,
`stats.processing_ended` / `step_closed` / `documents_changed` / `rated`), with the same clock
functions, but without a database round trip per action: a whole batch is simulated first, then
numbered and written in bulk. The tests replay generated dossiers through the real services and
compare every column, step, pause and event hash.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from casework import clock
from casework.clock import LimitUnit, WorkCalendar, compute_due_parts, finished_bucket, step_due
from casework.clock.deadlines import _Line
from casework.demo import SIDE_ACTIONS
from casework.demo_generate import names
from casework.demo_generate.world import ProcInfo, UnitInfo
from casework.dossiers.clockwork import END_STATUSES, pause_kind
from casework.dossiers.models import EventKind
from casework.findings.conclusion import COMPLIANT_ACTIONS, CONCLUSION_KEY, VIOLATION
from casework.procedures import Procedure, StateDef, TransitionDef
from casework.procedures import schema as _schema
from casework.reports import stats

#: Actions that leave the straight path (the small demo's list).
SIDE = SIDE_ACTIONS
WORKING_DAYS = LimitUnit.WORKING_DAYS
#: Optional fields offered when the result is handed over (absent in older releases).
RETURN_FIELDS: tuple[str, ...] = tuple(getattr(_schema, "RETURN_FIELDS", ()))
RATING = "satisfaction"


# ---- knobs: shares of each kind of path ----------------------------------------------------------


@dataclass(frozen=True)
class Mix:
    practice: float = 0.01
    online: float = 0.40  # of all real dossiers (inspections are never online)
    post: float = 0.04
    digitised: float = 0.70  # target over all dossiers
    refuse_reception: float = 0.03
    withdraw: float = 0.012
    stop: float = 0.008
    completion_request: float = 0.15  # fee-first: incomplete at the completeness check
    supplement_one: float = 0.13
    supplement_two: float = 0.02
    refuse: float = 0.03
    send_back: float = 0.04
    extension: float = 0.035
    stuck: float = 0.035  # one step takes several times its allotment
    late_step: float = 0.11
    abandon: float = 0.06  # of the waits on the applicant
    rating: float = 0.6  # of hand-overs, when the release asks for a rating


MIX = Mix()

REASONS = {
    "refuse_reception": (
        "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan.",
        "Người nộp không xuất trình được giấy tờ tùy thân theo quy định.",
        "Thủ tục đề nghị không đúng với nội dung hồ sơ.",
    ),
    "withdraw": (
        "Người nộp có đơn xin rút hồ sơ.",
        "Tổ chức đề nghị rút hồ sơ để bổ sung sau.",
    ),
    "stop": (
        "Người nộp không bổ sung hồ sơ trong thời hạn yêu cầu.",
        "Cơ sở đã ngừng hoạt động.",
        "Có văn bản của cơ quan có thẩm quyền đề nghị tạm dừng.",
    ),
    "request_supplement": (
        "Thiếu bản sao giấy tờ pháp lý; phiếu khai chưa ghi đủ thông tin.",
        "Tài liệu kỹ thuật chưa thống nhất với phiếu khai; đề nghị hoàn thiện.",
        "Đề nghị bổ sung bản chính để đối chiếu.",
    ),
    "refuse": (
        "Kết quả thẩm định không đạt yêu cầu.",
        "Hồ sơ không đáp ứng điều kiện theo quy định.",
    ),
    "send_back": (
        "Đề nghị rà soát lại kết luận thẩm định.",
        "Dự thảo kết quả còn sai thông tin của tổ chức; sửa lại.",
    ),
    "extend": (
        "Cần thêm thời gian thẩm định thực tế tại cơ sở.",
        "Phải lấy ý kiến của cơ quan liên quan.",
        "Khối lượng hồ sơ tăng cao trong kỳ.",
    ),
}
RATINGS = (("Hài lòng", 0.82), ("Bình thường", 0.14), ("Không hài lòng", 0.04))


# ---- per-procedure facts ----------------------------------------------------------------------


class ProcPlan:
    """What the simulation needs to know about one procedure, computed once."""

    def __init__(self, info: ProcInfo) -> None:
        p = info.procedure
        self.info = info
        self.procedure: Procedure = p
        self.code = p.code
        self.level = p.level
        self.inspection = p.kind == "inspection"
        self.states: dict[str, StateDef] = dict(p.states)
        self.initial = p.initial_state
        self.limit_value = p.limit.value
        self.limit_unit = LimitUnit(p.limit.unit)
        self.limit_parts = p.limit.parts
        self.fee_first = p.clock_starts == "on_fee_paid"
        self.required = tuple(d.key for d in p.documents if d.required)
        self.required_set = frozenset(self.required)
        self.documents = tuple(d.key for d in p.documents)
        self.optional = tuple(d.key for d in p.documents if not d.required)
        self.main: dict[str, list[TransitionDef]] = {}
        self.side: dict[str, dict[str, TransitionDef]] = {}
        for sid in p.states:
            out = p.transitions_from(sid)
            self.main[sid] = [t for t in out if t.action not in SIDE and t.target != sid]
            self.side[sid] = {t.action: t for t in out if t.action in SIDE}
        self.opened_procedure = {"code": p.code, "version": info.version, "hash": info.content_hash}
        self.name_short = p.name if len(p.name) <= 80 else p.name[:77] + "..."


# ---- the in-memory rows -----------------------------------------------------------------------


@dataclass(slots=True)
class GEvent:
    at: datetime
    actor: int | None
    kind: str
    action: str | None
    from_state: str | None
    to_state: str | None
    payload: dict[str, Any]
    #: index in the dossier's attachments for an attachment event (its id goes in the payload)
    attachment: int = -1


@dataclass(slots=True)
class GStep:
    ordinal: int
    state: str
    entered_at: datetime
    entered_by: int | None
    allot: float | None
    due_at: datetime | None
    left_at: datetime | None = None
    left_by: int | None = None
    left_action: str | None = None
    bucket: str | None = None
    spent: float | None = None


@dataclass(slots=True)
class GPause:
    state: str
    kind: str
    started_at: datetime
    reason: str
    legal_basis: str
    opened_by: int | None
    ended_at: datetime | None = None
    closed_by: int | None = None


@dataclass(slots=True)
class GAttachment:
    document_key: str
    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str
    uploaded_by: int | None
    uploaded_at: datetime
    event: int  # index in the dossier's events


@dataclass(slots=True)
class Skeleton:
    """Who, what, when: drawn first for a whole day, so codes follow the opening order."""

    index: int
    unit: UnitInfo
    plan: ProcPlan
    mode: str
    channel: str
    received_at: datetime  # local time (as a desk officer types it)
    opened_at: datetime  # UTC


@dataclass(slots=True)
class Sim:
    sk: Skeleton
    cal: WorkCalendar
    applicant: dict[str, str]
    state: str = ""
    national_status: int = 0
    version: int = 1
    data: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    finished_at: datetime | None = None
    clock_started_at: datetime | None = None
    due_at: datetime | None = None
    appointment_at: datetime | None = None
    processing_ended_at: datetime | None = None
    result_bucket: str | None = None
    supplement_requests: int = 0
    extensions: int = 0
    paused_since: datetime | None = None
    step_entered_at: datetime | None = None
    step_due_at: datetime | None = None
    end_status: int | None = None
    elapsed: float | None = None
    digitised: bool = False
    satisfaction: int | None = None
    events: list[GEvent] = field(default_factory=list)
    steps: list[GStep] = field(default_factory=list)
    pauses: list[GPause] = field(default_factory=list)
    attachments: list[GAttachment] = field(default_factory=list)

    # -- the clock, as clockwork does it --

    def _iso(self, value: datetime | None) -> str | None:
        return value.astimezone(self.cal.tz).isoformat() if value else None

    def _legal_due(self) -> datetime:
        assert self.clock_started_at is not None
        plan = self.sk.plan
        spans = [(p.started_at, p.ended_at) for p in self.pauses if p.ended_at is not None]
        return compute_due_parts(
            self.clock_started_at,
            plan.limit_parts,
            self.cal,
            pauses=spans,
            explain=False,
        ).due

    def _start_clock(self, at: datetime) -> None:
        self.clock_started_at = at
        self.due_at = self.appointment_at = self._legal_due()

    def _open_step(self, sid: str, at: datetime, actor: int | None) -> None:
        state = self.sk.plan.states[sid]
        due = step_due(at, state.allot, self.cal, explain=False).due if state.allot else None
        self.steps.append(GStep(len(self.steps) + 1, sid, at, actor, state.allot, due))
        self.step_entered_at = at
        self.step_due_at = due

    def _close_step(self, action: str, actor: int | None, at: datetime) -> None:
        step = self.steps[-1]
        step.left_at = at
        step.left_by = actor
        step.left_action = action
        if step.allot:
            assert step.due_at is not None
            step.bucket = finished_bucket(step.due_at, at, calendar=self.cal).value
            step.spent = clock.elapsed(step.due_at, at, step.allot, WORKING_DAYS, self.cal)

    # -- use cases --

    def open(self, actor: int, at: datetime) -> None:
        plan = self.sk.plan
        self.state = plan.initial
        self.national_status = plan.states[plan.initial].national_status
        self.created_at = self.updated_at = at
        if not plan.fee_first:
            self._start_clock(self.sk.received_at)
        self._open_step(plan.initial, at, actor)
        a = self.applicant
        self.events.append(
            GEvent(
                at, actor, EventKind.opened, None, None, self.state,
                {
                    "procedure": plan.opened_procedure,
                    "mode": self.sk.mode,
                    "channel": self.sk.channel,
                    "received_at": self.sk.received_at.isoformat(),
                    "applicant": {
                        "kind": a["kind"], "name": a["name"], "id_number": a["id_number"],
                        "address": a["address"], "phone": a["phone"], "email": a["email"],
                    },
                    "national_status": self.national_status,
                    "clock": {"due": self._iso(self.due_at)},
                },
            )
        )  # fmt: skip

    def attach(
        self, keys: list[str], actor: int, at: datetime, rng: random.Random, *, opening: bool
    ) -> None:
        """`add_attachments` (or the uploads of `open_dossier` when `opening`)."""
        for key in keys:
            # a document is one file, sometimes a few (scanned pages, annexes)
            x = rng.random()
            files = 1 if x < 0.55 else 2 if x < 0.88 else 3
            for part in range(1, files + 1):
                self._attach_one(key, part, actor, at, rng)
        if not self.digitised and self.sk.plan.required_set <= {
            a.document_key for a in self.attachments
        }:
            self.digitised = True
        if not opening:
            self.version += 1
            self.updated_at = at

    def _attach_one(
        self, key: str, part: int, actor: int, at: datetime, rng: random.Random
    ) -> None:
        ext, ctype = ("pdf", "application/pdf") if rng.random() < 0.85 else ("jpg", "image/jpeg")
        att = GAttachment(
            document_key=key,
            filename=f"{key}.{ext}" if part == 1 else f"{key}_{part}.{ext}",
            content_type=ctype,
            size=40_000 + int(rng.random() * 3_960_000),
            sha256=rng.randbytes(32).hex(),
            storage_key=f"demo-generated/{at.year}/{at.month:02d}/{rng.randbytes(16).hex()}",
            uploaded_by=actor,
            uploaded_at=at,
            event=len(self.events),
        )
        self.events.append(
            GEvent(
                at, actor, EventKind.attachment, None, None, None,
                {
                    "attachment_id": None,  # filled in when ids are given out
                    "document_key": key,
                    "filename": att.filename,
                    "sha256": att.sha256,
                    "size": att.size,
                },
                attachment=len(self.attachments),
            )
        )  # fmt: skip
        self.attachments.append(att)

    def fire(self, t: TransitionDef, data: dict[str, Any], actor: int, at: datetime) -> None:
        """`fire_action` with `on_transition`: state, clock, pause, step and event."""
        plan = self.sk.plan
        before = self.state
        source, target = plan.states[before], plan.states[t.target]
        self.state = t.target
        self.national_status = target.national_status
        self.data = {**self.data, **data}
        self.version += 1
        self.updated_at = at
        if target.final:
            self.finished_at = at
        changed = self.state != before
        summary: dict[str, Any] = {}
        due_before = self.due_at
        if t.starts_clock and self.clock_started_at is None:
            self._start_clock(at)
            summary["clock_started"] = self._iso(at)
        if changed and source.paused:
            for pause in self.pauses:
                if pause.ended_at is None:
                    pause.ended_at = at
                    pause.closed_by = actor
                    break
            self.paused_since = None
            summary["pause_closed"] = True
        if changed and target.paused:
            self.pauses.append(
                GPause(
                    state=self.state,
                    kind=pause_kind(t, target),
                    started_at=at,
                    reason=str(data.get("reason") or t.label),
                    legal_basis=target.clock_basis or "",
                    opened_by=actor,
                )
            )
            self.paused_since = at
            summary["pause_opened"] = True
        if t.slip == "supplement_request" and self.clock_started_at is not None:
            self.supplement_requests += 1
        if t.slip == "apology_extension" and "new_appointment" in data:
            self.extensions += 1
            self.appointment_at = datetime.fromisoformat(data["new_appointment"])
            summary["appointment"] = data["new_appointment"]
        if summary.get("pause_closed") and self.clock_started_at is not None:
            self.due_at = self._legal_due()
            if self.extensions == 0:
                self.appointment_at = self.due_at
        if changed:
            self._close_step(t.action, actor, at)
            self._open_step(self.state, at, actor)
        if (
            changed
            and self.processing_ended_at is None
            and (target.national_status in END_STATUSES or target.final)
        ):
            self.processing_ended_at = at
            if self.due_at is not None:
                self.result_bucket = finished_bucket(
                    self.due_at, at, supplement_requests=self.supplement_requests, calendar=self.cal
                ).value
            self.end_status = target.national_status
            if target.national_status in stats.RESULT_STATUSES and self.due_at is not None:
                self.elapsed = clock.elapsed(
                    self.due_at, at, plan.limit_value, plan.limit_unit, self.cal
                )
            summary["processing_ended"] = self._iso(at)
        if self.due_at != due_before:
            summary["due"] = self._iso(self.due_at)
        if RATING in data:
            self.satisfaction = stats.SATISFACTION[data[RATING]]
        self.events.append(
            GEvent(
                at, actor, EventKind.action, t.action, before, self.state,
                {
                    "label": t.label,
                    "data": data,
                    "national_status": target.national_status,
                    "slip": t.slip,
                    "clock": summary,
                },
            )
        )  # fmt: skip


# ---- drawing a dossier's life -------------------------------------------------------------------


def add_work(at: datetime, minutes: float, cal: WorkCalendar) -> datetime:
    """The instant `minutes` (at least one) of office time after `at`, counted from the next
    office window: `compute_due(at, minutes / 60, "hours")` without the bookkeeping. Only for
    drawing when things happen; every deadline comes from the clock functions themselves."""
    line = _Line.get(cal, at.year - 1)
    return line.instant(line.pos(line.local(at)) + max(60, int(minutes * 60)))


def _role_for(t: TransitionDef, source: StateDef) -> str:
    for role in source.roles:
        if role in t.roles:
            return role
    return t.roles[0]


class Life:
    """Draws and runs one dossier's path up to `now` (what has not happened yet stays open)."""

    def __init__(
        self,
        sim: Sim,
        rng: random.Random,
        staff: dict[str, list[int]],
        now: datetime,
        mix: Mix,
        digitised_share: dict[str, float],
    ) -> None:
        self.sim = sim
        self.rng = rng
        self.now = now
        self.mix = mix
        self.plan = sim.sk.plan
        self.cal = sim.cal
        self.actors = {role: rng.choice(ids) for role, ids in staff.items() if ids}
        self.digitised_share = digitised_share
        self.last = sim.sk.opened_at
        self.stopped = False
        # the story of this dossier, drawn up front
        r = rng.random
        inspection = self.plan.inspection
        self.refuse_reception = not inspection and r() < mix.refuse_reception
        self.early_end: str | None = None
        x = r()
        if x < mix.withdraw and not inspection:
            self.early_end = "withdraw"
        elif x < mix.withdraw + mix.stop:  # an inspection is stopped by its leader, not Mẫu 05
            self.early_end = "cancel_inspection" if inspection else "stop"
        self.early_at = rng.randint(1, 4)
        self.completion = self.plan.fee_first and r() < mix.completion_request
        x = r()
        self.supplements = 2 if x < mix.supplement_two else 1 if x < mix.supplement_one else 0
        self.refuse = r() < mix.refuse
        self.send_back = r() < mix.send_back
        self.extension = r() < mix.extension
        self.stuck = r() < mix.stuck
        self.stuck_at = rng.randint(1, 4)
        self.missing: list[str] = []
        self.visited = 0
        self.docs_uploaded = 0
        self.upload_docs = r() < 0.85
        #: asked for a supplement or the fee, the applicant never comes back
        self.abandons = r() < mix.abandon

    # -- times --

    def _step_end(self, sid: str, state: StateDef, entered: datetime) -> datetime:
        rng, cal = self.rng, self.cal
        if state.allot:
            if self.stuck and self.visited == self.stuck_at:
                # mostly a few times the allotment; some forgotten for weeks (the backlog)
                f = rng.uniform(1.5, 5.0) if rng.random() < 0.7 else rng.uniform(8.0, 60.0)
            elif (
                self.extension and self.sim.clock_started_at is not None and not self.sim.extensions
            ):
                f = rng.uniform(0.9, 2.2)  # the step that needs the extension
            elif rng.random() < self.mix.late_step:
                f = 1.0 + min(2.0, rng.expovariate(1 / 0.45))
            else:
                f = 0.02 + 0.97 * rng.betavariate(1.7, 2.0)
            return add_work(entered, f * state.allot * cal.day_minutes, cal)
        if state.paused or state.national_status == 6:  # the applicant's turn
            if self.abandons:  # never comes back; the unit stops the dossier much later
                days = rng.uniform(20.0, 120.0)
            else:
                days = 1 + min(40.0, rng.expovariate(1 / 5))
            return add_work(entered + timedelta(days=days), rng.uniform(5, 200), cal)
        if sid == self.plan.initial:
            return add_work(entered, rng.uniform(5, 240), cal)
        return add_work(entered, rng.uniform(0.2, 2.5) * cal.day_minutes, cal)

    def _between(self, entered: datetime, end: datetime, share: float) -> datetime:
        at = entered + (end - entered) * share
        at = at.replace(microsecond=0)
        return max(at, entered + timedelta(minutes=1))

    # -- data of an action --

    def _data(self, t: TransitionDef, at: datetime) -> dict[str, Any]:
        rng, p = self.rng, self.plan.procedure
        local = at.astimezone(self.cal.tz)
        out: dict[str, Any] = {}
        for key in t.requires:
            spec = p.field_spec(key)
            if key == "reason":
                out[key] = rng.choice(REASONS.get(t.action, REASONS["send_back"]))
            elif key == "missing_documents":
                pool = list(self.plan.required or self.plan.documents)
                picked = rng.sample(pool, k=min(len(pool), rng.randint(1, 3)))
                out[key] = list(dict.fromkeys(picked))
            elif key == "new_appointment":
                base = self.sim.appointment_at or self.sim.due_at or at
                day = self.cal.add_working_days(
                    base.astimezone(self.cal.tz).date(), rng.randint(3, 10)
                )
                close = datetime.combine(day, self.cal.closing, tzinfo=self.cal.tz)
                out[key] = close.isoformat(timespec="seconds")
            elif key == "decision_number":
                issuer = "UBND" if self.sim.sk.unit.kind == "commune" else "SKHCN"
                out[key] = f"{rng.randint(1, 2999)}/QĐ-{issuer}"
            elif key == "result_summary":
                out[key] = f"{self.plan.name_short} — {self.sim.applicant['name']}"
            elif key == "co_so":
                out[key] = self.sim.applicant["name"]
            elif spec.type == "number":
                big = any(w in key for w in ("phi", "tien"))
                # whole numbers, as the service stores them
                out[key] = rng.choice((1, 2, 3, 5)) * (1_000_000 if big else 1)
            elif spec.type == "date":
                out[key] = (local.date() + timedelta(days=rng.randint(0, 5))).isoformat()
            elif spec.type == "datetime":
                out[key] = local.replace(microsecond=0).isoformat(timespec="seconds")
            elif spec.type == "choice":
                choices = list(spec.choices or [])
                out[key] = choices[0] if rng.random() < 0.8 else rng.choice(choices)
            elif spec.type == "documents":
                out[key] = [self.plan.documents[0]] if self.plan.documents else []
            elif spec.type == "textarea":
                out[key] = f"{spec.label}: đã thực hiện theo quy định."
            else:
                out[key] = f"Số {rng.randint(1, 9999):04d}/{local.year}"
        hands_over = not self.plan.inspection and self.plan.states[t.target].national_status == 10
        if RATING in RETURN_FIELDS and hands_over and rng.random() < self.mix.rating:
            x, acc = rng.random(), 0.0
            out[RATING] = RATINGS[0][0]
            for choice, share in RATINGS:
                acc += share
                if x < acc:
                    out[RATING] = choice
                    break
        return out

    # -- acting --

    def _actor(self, t: TransitionDef, source: StateDef) -> int:
        return self.actors[_role_for(t, source)]

    def _fire(self, t: TransitionDef, at: datetime) -> datetime | None:
        """Fire `t` at `at` (or just after the last event); None if that is after now: the
        dossier then stays where it is."""
        at = max(at, self.last + timedelta(minutes=1))
        if at > self.now:
            self.stopped = True
            return None
        source = self.plan.states[self.sim.state]
        data = self._data(t, at)
        if t.action == "request_supplement":
            self.missing = list(data.get("missing_documents", []))
        self.sim.fire(t, data, self._actor(t, source), at)
        self.last = at
        return at

    def _upload_before(self, keys: list[str], at: datetime, role: str) -> bool:
        """Attach files a few minutes before an action at `at`; False if that is after now."""
        when = max(self.last, at - timedelta(minutes=self.rng.randint(1, 30)))
        if not keys or when > self.now:
            return False
        self.sim.attach(keys, self.actors[role], when, self.rng, opening=False)
        self.last = when
        return True

    def opening_uploads(self) -> list[str]:
        plan, rng = self.plan, self.rng
        if plan.inspection or not plan.documents:
            return []
        share = self.digitised_share[self.sim.sk.channel]
        if rng.random() < share:
            keys = list(plan.required)
            keys += [k for k in plan.optional if rng.random() < 0.3]
            return keys or list(plan.documents[:1])
        if len(plan.required) > 1 and rng.random() < 0.5:  # some, not all
            return rng.sample(list(plan.required), k=rng.randint(1, len(plan.required) - 1))
        return []

    def run(self) -> None:
        sim, plan, rng = self.sim, self.plan, self.rng
        opener_roles = plan.states[plan.initial].roles
        opener = next(self.actors[r] for r in opener_roles if r in self.actors)
        sim.open(opener, sim.sk.opened_at)
        keys = self.opening_uploads()
        if keys:
            sim.attach(keys, opener, sim.sk.opened_at, rng, opening=True)
        entered = sim.sk.opened_at
        sent_back = False
        guard = 0
        while not plan.states[sim.state].final and not self.stopped and guard < 40:
            guard += 1
            sid = sim.state
            state = plan.states[sid]
            self.visited += 1
            end = max(self._step_end(sid, state, entered), self.last + timedelta(minutes=1))
            side = plan.side[sid]
            options = plan.main[sid]
            if plan.inspection and sim.data.get(CONCLUSION_KEY) == VIOLATION:
                # a record signed "Có vi phạm" goes to handling, never to "đạt yêu cầu"
                options = [t for t in options if t.action not in COMPLIANT_ACTIONS] or options
            # an apology and a new appointment, while the step runs late
            if (
                self.extension
                and not sim.extensions
                and "extend" in side
                and sim.clock_started_at is not None
                and state.allot
            ):
                at = self._between(entered, end, rng.uniform(0.3, 0.7))
                if self._fire(side["extend"], at) is None:
                    break
            chosen: TransitionDef | None = None
            at = end
            if self.abandons and (state.paused or state.national_status == 6) and "stop" in side:
                chosen = side["stop"]
                self.abandons = False
            elif self.refuse_reception and "refuse_reception" in side:
                chosen = side["refuse_reception"]
                at = sim.sk.opened_at + timedelta(minutes=rng.randint(5, 40))
            elif self.early_end and self.visited >= self.early_at and self.early_end in side:
                chosen = side[self.early_end]
                at = self._between(entered, end, rng.uniform(0.2, 0.9))
                self.early_end = None
            elif "request_supplement" in side and (
                (self.completion and sim.clock_started_at is None)
                or (self.supplements and sim.clock_started_at is not None)
            ):
                chosen = side["request_supplement"]
                at = self._between(entered, end, rng.uniform(0.3, 0.9))
                if sim.clock_started_at is None:
                    self.completion = False
                else:
                    self.supplements -= 1
            elif (
                self.refuse
                and "refuse" in side
                and (
                    rng.random() < 0.6 or not any("refuse" in plan.side[t.target] for t in options)
                )
            ):
                chosen = side["refuse"]
                self.refuse = False
            elif self.send_back and not sent_back and "send_back" in side:
                chosen = side["send_back"]
                at = self._between(entered, end, rng.uniform(0.3, 0.9))
                sent_back = True
            else:
                if not options:  # nothing leads on (should not happen: the schema checks)
                    break
                chosen = options[0]
                if len(options) > 1 and rng.random() < 0.3:
                    chosen = rng.choice(options[1:])
            # documents handed in with the supplement, scanned inspection papers
            if chosen.action == "receive_supplement" and self.missing:
                self._upload_before(self.missing, at, "receiver")
            elif plan.inspection and self.upload_docs and chosen in plan.main[sid]:
                left = len(plan.required) - self.docs_uploaded
                if plan.states[chosen.target].final:
                    n = left
                else:
                    n = 1 if self.visited >= 2 and left > 1 else 0
                keys = list(plan.required[self.docs_uploaded : self.docs_uploaded + n])
                if self._upload_before(keys, at, "handler"):
                    self.docs_uploaded += n
            fired = self._fire(chosen, at)
            if fired is None:
                break
            entered = fired


def draw_applicant(
    rng: random.Random, unit: UnitInfo, plan: ProcPlan, online: bool
) -> dict[str, str]:
    if plan.inspection:
        name = names.inspected(rng, unit.name)
        return {
            "kind": "organisation",
            "name": name,
            "id_number": "",
            "address": names.address(rng, unit.name.removeprefix("UBND "), unit.province),
            "phone": names.phone(rng) if rng.random() < 0.5 else "",
            "email": "",
        }
    person = plan.code.startswith("KHCN-VTD") or rng.random() < 0.12
    if person:
        name = names.person(rng)
        id_number = f"0{rng.randint(0, 99_999_999_999):011d}"
        kind = "person"
    else:
        name = names.organisation(rng, plan.code)
        id_number = f"{rng.randint(0, 9_999_999_999):010d}"
        kind = "organisation"
    email = ""
    if online or rng.random() < 0.3:
        email = f"lienhe{rng.randint(1, 99999)}@{rng.choice(('gmail.com', 'yahoo.com', 'vnpt.vn'))}"
    return {
        "kind": kind,
        "name": name,
        "id_number": id_number,
        "address": names.address(rng, f"phường {names.place(rng)}", unit.province),
        "phone": names.phone(rng),
        "email": email,
    }


def local_midnight(day: date, cal: WorkCalendar) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=cal.tz)


__all__ = [
    "GAttachment",
    "GEvent",
    "GPause",
    "GStep",
    "Life",
    "MIX",
    "Mix",
    "ProcPlan",
    "Sim",
    "Skeleton",
    "draw_applicant",
    "local_midnight",
]
