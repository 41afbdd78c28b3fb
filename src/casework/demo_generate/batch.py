"""One batch: whole days of dossiers, simulated, numbered, hashed and written in one transaction.

Phase A (`build`) draws and simulates the dossiers of the batch's days and gives them their codes
(the per-unit, per-day counters continue from what the database already has). Phase B (`emit`)
gets the first free id of each table, numbers every row, computes the event hash chains exactly as
`events.record_event` does, and hands the rows to a sink: COPY text for PostgreSQL, plain rows for
SQLAlchemy `executemany` elsewhere.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from json import JSONEncoder
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any, Protocol

from casework.demo_generate.plan import Batch, Day
from casework.demo_generate.simulate import (
    MIX,
    Life,
    Mix,
    ProcPlan,
    Sim,
    Skeleton,
    add_work,
    draw_applicant,
)
from casework.demo_generate.world import LEVEL_SHARE, UnitInfo, World
from casework.dossiers.models import Channel, Mode
from casework.dossiers.service import PRACTICE_PREFIX
from casework.text import fold


def _canonical_encoder() -> Callable[[Any], str]:
    """`events.canonical_json`: the same settings, so the same text, with CPython's C encoder
    made once (each `json.dumps` call with these settings makes a new one)."""
    encoder = JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if c_make_encoder is None:  # pragma: no cover - other Pythons
        return encoder.encode
    make = c_make_encoder(
        None, encoder.default, encode_basestring, None, ":", ",", True, False, True
    )

    def canonical(value: Any) -> str:
        return "".join(make(value, 0))

    return canonical


_CANONICAL = _canonical_encoder()

#: Online filings by local hour (people file in the evening too).
HOUR_WEIGHTS = (
    0.3, 0.2, 0.1, 0.1, 0.1, 0.3, 0.8, 1.5, 3.0, 3.5, 3.5, 3.0,
    2.0, 2.2, 3.0, 3.0, 2.8, 2.0, 1.5, 1.5, 1.8, 1.6, 1.0, 0.6,
)  # fmt: skip
HOUR_CUM = list(accumulate(HOUR_WEIGHTS))
TABLES = ("dossier", "event", "step_record", "clock_pause", "attachment")


class Chooser:
    """Weighted choice with precomputed cumulative weights (one bisect per draw)."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1] if self.cum else 0.0

    def __bool__(self) -> bool:
        return bool(self.items) and self.total > 0

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


@dataclass
class Context:
    """Read-only inputs of every batch (a forked worker inherits them)."""

    world: World
    now: datetime
    seed: int
    mix: Mix = MIX
    plans: list[ProcPlan] = field(default_factory=list)
    working_pool: Chooser = field(default_factory=lambda: Chooser([], []))
    day_off_pool: Chooser = field(default_factory=lambda: Chooser([], []))
    units: dict[str, Chooser] = field(default_factory=dict)
    online: float = 0.4
    digitised: dict[str, float] = field(default_factory=dict)
    #: days that already had dossier codes in the database before this run
    numbered_days: set[date] = field(default_factory=set)

    @classmethod
    def make(cls, world: World, now: datetime, seed: int, mix: Mix = MIX) -> Context:
        units: dict[str, list[UnitInfo]] = {}
        for u in world.units:
            if world.staff.get(u.id):
                units.setdefault(u.level, []).append(u)
        plans = [
            ProcPlan(info) for info in world.procedures if units.get(info.procedure.level)
        ]  # fmt: skip
        levels = {p.level for p in plans}
        share = LEVEL_SHARE
        level_total = sum(share.get(lv, 0.1) for lv in levels) or 1.0
        weights = []
        for p in plans:
            same = sum(q.info.weight for q in plans if q.level == p.level)
            weights.append(share.get(p.level, 0.1) / level_total * p.info.weight / same)
        applications = sum(w for p, w in zip(plans, weights, strict=True) if not p.inspection)
        total = sum(weights) or 1.0
        app_share = applications / total
        ctx = cls(world=world, now=now, seed=seed, mix=mix, plans=plans)
        ctx.working_pool = Chooser(plans, weights)
        ctx.day_off_pool = Chooser(
            [p for p in plans if not p.inspection],
            [w for p, w in zip(plans, weights, strict=True) if not p.inspection],
        )
        ctx.units = {
            lv: Chooser(us, [u.weight for u in us]) for lv, us in units.items() if us
        }  # fmt: skip
        # online is a share of all dossiers; inspections are never filed online
        ctx.online = min(0.85, mix.online / app_share) if app_share else 0.0
        # digitised: nearly every online filing; desk and post filings fill up the target
        insp = 1 - app_share
        desk = (mix.digitised - insp * 0.45 - app_share * ctx.online * 0.97) / max(
            1e-9, app_share * (1 - ctx.online)
        )
        desk = min(0.95, max(0.2, desk))
        ctx.digitised = {Channel.online: 0.97, Channel.in_person: desk, Channel.post: desk}
        return ctx


# ---- phase A: draw and simulate -----------------------------------------------------------------


def _office_time(rng: random.Random) -> timedelta:
    """A desk time: mornings a little busier; about a fifth after the 15:00 cut-off."""
    if rng.random() < 0.55:
        start, span = 8 * 3600, 3 * 3600 + 50 * 60
    else:
        start, span = 13 * 3600, 3 * 3600 + 55 * 60
    return timedelta(seconds=start + rng.randrange(span))


def _online_time(rng: random.Random) -> timedelta:
    hour = bisect.bisect_right(HOUR_CUM, rng.random() * HOUR_CUM[-1])
    return timedelta(seconds=hour * 3600 + rng.randrange(3600))


def _skeletons(ctx: Context, day: Day, rng: random.Random, first_index: int) -> list[Skeleton]:
    world, mix, now = ctx.world, ctx.mix, ctx.now
    working = world.national.is_working_day(day.day)
    pool = ctx.working_pool if working else ctx.day_off_pool
    if not pool:
        return []
    out: list[Skeleton] = []
    for i in range(day.count):
        plan: ProcPlan = pool.pick(rng)
        unit: UnitInfo = ctx.units[plan.level].pick(rng)
        cal = world.calendar(unit.id)
        midnight = datetime.combine(day.day, datetime.min.time(), tzinfo=cal.tz)
        mode = Mode.practice if rng.random() < mix.practice else Mode.real
        if plan.inspection:
            channel = Channel.in_person
        elif not working:
            channel = Channel.online
        else:
            x = rng.random()
            online = ctx.online
            channel = (
                Channel.online
                if x < online
                else Channel.post
                if x < online + mix.post
                else Channel.in_person
            )
        draw = _online_time if channel == Channel.online else _office_time
        received = midnight + draw(rng)
        tries = 0
        while received > now and tries < 20:
            received = midnight + draw(rng)
            tries += 1
        if received > now:
            received = max(midnight, now.astimezone(cal.tz) - timedelta(minutes=rng.randint(1, 60)))
        received = received.replace(microsecond=0)
        if channel == Channel.online:
            opened = add_work(received, rng.uniform(10, 300), cal)
        elif channel == Channel.post:
            opened = add_work(received, rng.uniform(20, 240), cal)
        else:
            opened = received.astimezone(UTC)
        if opened > now:  # filed a moment ago: the receiver is on it right now
            opened = (received + (now - received) * rng.random()).astimezone(UTC)
            opened = opened.replace(microsecond=0)
            opened = max(opened, received.astimezone(UTC))
        out.append(Skeleton(first_index + i, unit, plan, mode, channel, received, opened))
    return out


@dataclass
class Built:
    sims: list[Sim]
    codes: list[str]
    #: (unit id, day, mode) → last counter value after this batch
    counters: dict[tuple[int, date, str], int]
    existing: set[tuple[int, date, str]]

    def counts(self) -> tuple[int, int, int, int, int, int]:
        """Rows per table (in `TABLES` order), then the practice dossiers."""
        return (
            len(self.sims),
            sum(len(s.events) for s in self.sims),
            sum(len(s.steps) for s in self.sims),
            sum(len(s.pauses) for s in self.sims),
            sum(len(s.attachments) for s in self.sims),
            sum(s.sk.mode == Mode.practice for s in self.sims),
        )


def build(
    ctx: Context, batch: Batch, existing: dict[tuple[int, date, str], int]
) -> Built:  # fmt: skip
    """Simulate the batch's dossiers; `existing` holds the code counters already in the database
    for the batch's days."""
    sims: list[Sim] = []
    index = 0
    for day in batch.days:
        rng = random.Random(f"{ctx.seed}:{day.day.isoformat()}")
        for sk in _skeletons(ctx, day, rng, index):
            cal = ctx.world.calendar(sk.unit.id)
            applicant = draw_applicant(rng, sk.unit, sk.plan, sk.channel == Channel.online)
            sim = Sim(sk, cal, applicant)
            life = Life(
                sim, rng, ctx.world.staff[sk.unit.id], ctx.now, ctx.mix, ctx.digitised
            )  # fmt: skip
            life.run()
            sims.append(sim)
        index += day.count
    # codes and ids follow the order in which the dossiers were opened
    sims.sort(key=lambda s: (s.sk.opened_at, s.sk.index))
    counters = dict(existing)
    codes = []
    for sim in sims:
        sk = sim.sk
        local_day = sk.received_at.astimezone(sim.cal.tz).date()
        key = (sk.unit.id, local_day, sk.mode)
        seq = counters.get(key, 0) + 1
        counters[key] = seq
        code = f"{sk.unit.code}-{local_day:%y%m%d}-{seq:04d}"
        codes.append(PRACTICE_PREFIX + code if sk.mode == Mode.practice else code)
    return Built(sims, codes, counters, set(existing))


# ---- phase B: number, hash, write ---------------------------------------------------------------


def _js(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _payload_json(kind: str, payload: dict[str, Any], attachment_id: int | None) -> str:
    """`canonical_json(payload)`, spelled out for the two common shapes (same text, faster)."""
    if kind == "attachment":
        return (
            f'{{"attachment_id":{attachment_id},'
            f'"document_key":{encode_basestring(payload["document_key"])},'
            f'"filename":{encode_basestring(payload["filename"])},'
            f'"sha256":"{payload["sha256"]}","size":{payload["size"]}}}'
        )
    if kind == "action" and len(payload) == 5:
        clock, data, slip = payload["clock"], payload["data"], payload["slip"]
        return (
            f'{{"clock":{_CANONICAL(clock) if clock else "{}"},'
            f'"data":{_CANONICAL(data) if data else "{}"},'
            f'"label":{encode_basestring(payload["label"])},'
            f'"national_status":{int(payload["national_status"])},"slip":{_js(slip)}}}'
        )
    return _CANONICAL(payload)


class Sink(Protocol):
    """Where numbered rows go: Python values, the event payload as its canonical JSON text."""

    def dossier(self, row: tuple[Any, ...]) -> None: ...

    def event(self, row: tuple[Any, ...]) -> None: ...

    def step(self, row: tuple[Any, ...]) -> None: ...

    def pause(self, row: tuple[Any, ...]) -> None: ...

    def attachment(self, row: tuple[Any, ...]) -> None: ...


DOSSIER_COLUMNS = (
    "id", "code", "procedure_version_id", "procedure_code", "mode", "state", "national_status",
    "applicant_kind", "applicant_name", "applicant_id_number", "applicant_address",
    "applicant_phone", "applicant_email", "search_text", "channel", "receiving_unit_id",
    "handling_unit_id", "assignee_id", "received_at", "created_at", "updated_at", "finished_at",
    "version", "event_count", "last_event_hash", "data", "clock_started_at", "due_at",
    "appointment_at", "processing_ended_at", "result_bucket", "supplement_requests", "extensions",
    "paused_since", "step_entered_at", "step_due_at", "end_status", "elapsed", "digitised",
    "satisfaction", "step_count",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "dossier_id", "seq", "at", "actor_id", "kind", "action", "from_state", "to_state",
    "payload", "prev_hash", "hash",
)  # fmt: skip
STEP_COLUMNS = (
    "id", "dossier_id", "ordinal", "state", "entered_at", "entered_by_id", "left_at",
    "left_by_id", "left_action", "allot", "due_at", "bucket", "spent",
)  # fmt: skip
PAUSE_COLUMNS = (
    "id", "dossier_id", "state", "kind", "started_at", "ended_at", "reason", "legal_basis",
    "opened_by_id", "closed_by_id",
)  # fmt: skip
ATTACHMENT_COLUMNS = (
    "id", "dossier_id", "event_id", "document_key", "filename", "content_type", "size", "sha256",
    "storage_key", "uploaded_by_id", "uploaded_at",
)  # fmt: skip
COLUMNS = {
    "dossier": DOSSIER_COLUMNS,
    "event": EVENT_COLUMNS,
    "step_record": STEP_COLUMNS,
    "clock_pause": PAUSE_COLUMNS,
    "attachment": ATTACHMENT_COLUMNS,
}


def emit(built: Built, bases: Sequence[int], sink: Sink) -> None:
    """Number the rows from `bases` (first id of dossier, event, step, pause, attachment) and
    hand them to `sink`, with the events' hash chains."""
    did, eid, sid, pid, aid = bases
    sha = hashlib.sha256
    utc_text: dict[datetime, str] = {}  # instants recur (an action ends one step, opens the next)
    folded: dict[str, str] = {}
    for sim, code in zip(built.sims, built.codes, strict=True):
        sk = sim.sk
        dossier_id = did
        did += 1
        code_js = encode_basestring(code)
        first_attachment = aid
        aid += len(sim.attachments)
        first_event = eid
        prev = ""
        for seq, ev in enumerate(sim.events, start=1):
            attachment_id = first_attachment + ev.attachment if ev.attachment >= 0 else None
            payload_json = _payload_json(ev.kind, ev.payload, attachment_id)
            at_text = utc_text.get(ev.at)
            if at_text is None:
                at_text = utc_text[ev.at] = ev.at.astimezone(UTC).isoformat(timespec="microseconds")
            body = (
                f'{{"action":{_js(ev.action)},"actor":{"null" if ev.actor is None else ev.actor},'
                f'"at":"{at_text}","dossier":{code_js},"from":{_js(ev.from_state)},'
                f'"kind":"{ev.kind}","payload":{payload_json},"prev":"{prev}","seq":{seq},'
                f'"to":{_js(ev.to_state)}}}'
            )
            digest = sha(body.encode()).hexdigest()
            sink.event(
                (eid, dossier_id, seq, ev.at, ev.actor, ev.kind, ev.action, ev.from_state,
                 ev.to_state, payload_json, prev, digest)
            )  # fmt: skip
            eid += 1
            prev = digest
        a = sim.applicant
        name = a["name"]
        fname = folded.get(name)
        if fname is None:
            fname = folded[name] = fold(name)
        # `fold(f"{code} {name}")`: codes are ASCII, so folding them is lowering them
        search = f"{code.lower() if code.isascii() else fold(code)} {fname}"
        sink.dossier(
            (
                dossier_id, code, sk.plan.info.version_id, sk.plan.code, sk.mode, sim.state,
                sim.national_status, a["kind"], name, a["id_number"], a["address"],
                a["phone"], a["email"], search, sk.channel, sk.unit.id,
                sk.unit.id, None, sk.received_at, sim.created_at, sim.updated_at,
                sim.finished_at, sim.version, len(sim.events), prev,
                sim.data, sim.clock_started_at, sim.due_at,
                sim.appointment_at, sim.processing_ended_at, sim.result_bucket,
                sim.supplement_requests, sim.extensions, sim.paused_since,
                sim.step_entered_at, sim.step_due_at, sim.end_status, sim.elapsed,
                sim.digitised, sim.satisfaction, max((st.ordinal for st in sim.steps), default=0),
            )
        )  # fmt: skip
        for st in sim.steps:
            sink.step(
                (sid, dossier_id, st.ordinal, st.state, st.entered_at, st.entered_by,
                 st.left_at, st.left_by, st.left_action, st.allot, st.due_at, st.bucket,
                 st.spent)
            )  # fmt: skip
            sid += 1
        for pa in sim.pauses:
            sink.pause(
                (pid, dossier_id, pa.state, pa.kind, pa.started_at, pa.ended_at, pa.reason,
                 pa.legal_basis, pa.opened_by, pa.closed_by)
            )  # fmt: skip
            pid += 1
        for i, at in enumerate(sim.attachments):
            sink.attachment(
                (first_attachment + i, dossier_id, first_event + at.event, at.document_key,
                 at.filename, at.content_type, at.size, at.sha256, at.storage_key,
                 at.uploaded_by, at.uploaded_at)
            )  # fmt: skip


# ---- sinks --------------------------------------------------------------------------------------

NULL = "\\N"


def _esc(text: str) -> str:
    """Text for COPY: backslash, tab and line breaks escaped (rarely present: checked first)."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def _opt(value: Any) -> str:
    return NULL if value is None else str(value)


class CopySink(Sink):
    """Rows as PostgreSQL COPY text, one buffer per table."""

    def __init__(self) -> None:
        self.lines: dict[str, list[str]] = {t: [] for t in TABLES}
        self._ts: dict[datetime, str] = {}

    def ts(self, value: datetime | None) -> str:
        if value is None:
            return NULL
        text = self._ts.get(value)
        if text is None:
            text = self._ts[value] = value.isoformat()
        return text

    def dossier(self, row: tuple[Any, ...]) -> None:
        (i, code, version_id, proc, mode, state, status, a_kind, a_name, a_id, a_address,
         a_phone, a_email, search, channel, receiving, handling, assignee, received, created,
         updated, finished, version, n_events, last_hash, data, clock_started, due,
         appointment, ended, bucket, supplements, extensions, paused, step_entered, step_due,
         end_status, elapsed, digitised, satisfaction, step_count) = row  # fmt: skip
        ts = self.ts
        self.lines["dossier"].append(
            f"{i}\t{code}\t{version_id}\t{_esc(proc)}\t{mode}\t{state}\t{status}\t{a_kind}\t"
            f"{_esc(a_name)}\t{_esc(a_id)}\t{_esc(a_address)}\t{_esc(a_phone)}\t"
            f"{_esc(a_email)}\t{_esc(search)}\t{channel}\t{receiving}\t{handling}\t"
            f"{_opt(assignee)}\t{ts(received)}\t{ts(created)}\t{ts(updated)}\t"
            f"{ts(finished)}\t{version}\t{n_events}\t{last_hash}\t{_esc(_CANONICAL(data))}\t"
            f"{ts(clock_started)}\t{ts(due)}\t{ts(appointment)}\t{ts(ended)}\t"
            f"{_opt(bucket)}\t{supplements}\t{extensions}\t{ts(paused)}\t"
            f"{ts(step_entered)}\t{ts(step_due)}\t{_opt(end_status)}\t{_opt(elapsed)}\t"
            f"{'t' if digitised else 'f'}\t{_opt(satisfaction)}\t{step_count}\n"
        )

    def event(self, row: tuple[Any, ...]) -> None:
        (i, d, seq, at, actor, kind, action, frm, to, payload, prev, digest) = row
        self.lines["event"].append(
            f"{i}\t{d}\t{seq}\t{self.ts(at)}\t{NULL if actor is None else actor}\t{kind}\t"
            f"{NULL if action is None else action}\t{NULL if frm is None else frm}\t"
            f"{NULL if to is None else to}\t{_esc(payload)}\t{prev}\t{digest}\n"
        )

    def step(self, row: tuple[Any, ...]) -> None:
        (i, d, ordinal, state, entered, entered_by, left, left_by, action, allot, due, bucket,
         spent) = row  # fmt: skip
        ts = self.ts
        self.lines["step_record"].append(
            f"{i}\t{d}\t{ordinal}\t{state}\t{ts(entered)}\t"
            f"{NULL if entered_by is None else entered_by}\t{ts(left)}\t"
            f"{NULL if left_by is None else left_by}\t{NULL if action is None else action}\t"
            f"{NULL if allot is None else allot}\t{ts(due)}\t{NULL if bucket is None else bucket}\t"
            f"{NULL if spent is None else spent}\n"
        )

    def pause(self, row: tuple[Any, ...]) -> None:
        (i, d, state, kind, started, ended, reason, basis, opened_by, closed_by) = row
        self.lines["clock_pause"].append(
            f"{i}\t{d}\t{state}\t{kind}\t{self.ts(started)}\t{self.ts(ended)}\t"
            f"{_esc(reason)}\t{_esc(basis)}\t{_opt(opened_by)}\t{_opt(closed_by)}\n"
        )

    def attachment(self, row: tuple[Any, ...]) -> None:
        (i, d, event_id, key, filename, ctype, size, sha, storage, by, at) = row
        self.lines["attachment"].append(
            f"{i}\t{d}\t{event_id}\t{key}\t{_esc(filename)}\t{ctype}\t{size}\t{sha}\t"
            f"{storage}\t{_opt(by)}\t{self.ts(at)}\n"
        )

    def write(self, cursor: Any) -> None:
        for table in TABLES:
            lines = self.lines[table]
            if not lines:
                continue
            cols = ", ".join(COLUMNS[table])
            with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for start in range(0, len(lines), 20_000):
                    copy.write("".join(lines[start : start + 20_000]))


class RowSink(Sink):
    """Rows as dictionaries for SQLAlchemy `insert(...)` executemany (SQLite, tests)."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}

    def _add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows[table].append(dict(zip(COLUMNS[table], row, strict=True)))

    def dossier(self, row: tuple[Any, ...]) -> None:
        self._add("dossier", row)

    def event(self, row: tuple[Any, ...]) -> None:
        values = list(row)
        values[9] = json.loads(values[9])  # the payload, as the JSON column stores it
        self._add("event", tuple(values))

    def step(self, row: tuple[Any, ...]) -> None:
        self._add("step_record", row)

    def pause(self, row: tuple[Any, ...]) -> None:
        self._add("clock_pause", row)

    def attachment(self, row: tuple[Any, ...]) -> None:
        self._add("attachment", row)
