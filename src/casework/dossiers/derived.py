"""Every column of a dossier row that its events determine, replayed from the events alone and
compared with what the row, its step rows (Mẫu 06) and its pause rows say (issue 17, finding 5).

The hash chain proves the events were not edited; it says nothing of the dossier row, which the
reports read: a bare `UPDATE dossier SET state = …, finished_at = …` or a changed applicant
leaves every event intact. So the integrity check folds the events the way the services wrote
them — `service.open_dossier` / `_apply`, `clockwork.on_transition`, the calendar's due
recompute, a mentor's redo, a practice reset — and names each column that differs, with the
stored and the expected value.

What the events record is taken as recorded (the due instants, the appointment of an extension,
the end of processing). What they do not record is computed again with the procedure version
the dossier pinned and the unit's calendar as it is today: the result bucket, the processing
time (`elapsed`), each step's due, bucket and time spent, and the due after a mentor's redo
closed a pause. A calendar day added or removed after the fact, between such a step's or
dossier's instants, therefore shows here too (docs/security.md says how to read it).
The columns kept for speed — `step_count`, `current_roles`, `queue_bucket` — are checked too
(`dossiers.kept`), and `waiting_since` (the review queue's) against the review events. Not
checked: `data` (scenario bookkeeping writes it outside events), `version`, `updated_at` and
`assignee_id`, which no report reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from casework import clock
from casework.clock import WorkCalendar, compute_due_parts, finished_bucket, step_due
from casework.dossiers import kept
from casework.dossiers.clockwork import END_STATUSES
from casework.dossiers.events import waiting_since
from casework.dossiers.models import ApplicantKind, Channel, EventKind
from casework.procedures import Procedure
from casework.reports import stats
from casework.text import fold

#: review verdicts and the practice reset (kept as strings: `reviews` builds on `dossiers`)
REDO = ("review", "redo")
REDO_ACTION = "review_redo"
RESET = (EventKind.audit.value, "reset")
PRACTICE_PREFIX = "LT-"
#: float columns compared to this many decimals (they are stored rounded to two)
PLACES = 4


@dataclass(frozen=True)
class ColumnProblem:
    """A column of a dossier (or of one of its step or pause rows) that its events contradict."""

    dossier_code: str
    column: str
    stored: str
    expected: str

    @property
    def problem(self) -> str:
        return f"cột {self.column} đang ghi «{self.stored}», theo nhật ký phải là «{self.expected}»"

    def __str__(self) -> str:
        return f"{self.dossier_code}: {self.problem}"


@dataclass
class _Step:
    state: str
    entered_at: datetime
    entered_by_id: int | None
    left_at: datetime | None = None
    left_by_id: int | None = None
    left_action: str | None = None


@dataclass
class Replayed:
    """The dossier as its events say it must be."""

    columns: dict[str, Any] = field(default_factory=dict)
    steps: list[_Step] = field(default_factory=list)
    #: (started, ended) of each clock pause
    pauses: list[list[datetime | None]] = field(default_factory=list)
    #: things the events themselves get wrong (no opening event, an unknown state)
    broken: list[str] = field(default_factory=list)


def _instant(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def replay(code: str, events: Sequence[Any], procedure: Procedure, cal: WorkCalendar) -> Replayed:
    """Fold one dossier's events (Event rows or rows with the same attributes, in seq order)."""
    out = Replayed()
    if not events or events[0].kind != EventKind.opened:
        out.broken.append("nhật ký không bắt đầu bằng dòng mở hồ sơ")
        return out
    opened = events[0]
    p = opened.payload
    c = out.columns
    proc = p.get("procedure") or {}
    c["procedure_code"] = proc.get("code")
    c["mode"] = p.get("mode")
    c["received_at"] = _instant(p.get("received_at"))
    c["created_at"] = opened.at
    facts = p.get("inspection")
    if isinstance(facts, dict):
        place = facts.get("establishment") or {}
        applicant = {"kind": ApplicantKind.organisation.value, "name": place.get("name", "")}
        applicant |= {"address": place.get("address", "")}
        c["channel"] = Channel.in_person.value
    else:
        applicant = p.get("applicant") or {}
        c["channel"] = p.get("channel")
    c["applicant_kind"] = applicant.get("kind", ApplicantKind.person.value)
    for key in ("name", "id_number", "address", "phone", "email"):
        c[f"applicant_{key}"] = applicant.get(key, "")
    c["search_text"] = fold(f"{code} {c['applicant_name']}")
    c["state"] = opened.to_state
    c["national_status"] = p.get("national_status")
    due = _instant((p.get("clock") or {}).get("due"))
    c["due_at"] = c["appointment_at"] = due
    c["clock_started_at"] = c["received_at"] if due is not None else None
    c |= dict.fromkeys(("paused_since", "finished_at", "processing_ended_at", "result_bucket"))
    c |= dict.fromkeys(("end_status", "elapsed", "satisfaction"))
    c |= {"supplement_requests": 0, "extensions": 0}
    documents: set[str] = set()
    attached = False
    out.steps.append(_Step(opened.to_state, opened.at, opened.actor_id))
    for ev in events[1:]:
        if ev.kind == EventKind.action:
            _action(out, ev, procedure, cal)
        elif (ev.kind, ev.action) == REDO:
            _redo(out, ev, procedure, cal)
        elif ev.kind == EventKind.clock and "new_due" in ev.payload:
            c["due_at"] = _instant(ev.payload["new_due"])
            if c["extensions"] == 0:
                c["appointment_at"] = c["due_at"]
        elif (ev.kind, ev.action) == RESET:
            c["finished_at"] = c["finished_at"] or ev.at
        elif ev.kind == EventKind.attachment:
            attached = True
            documents.add(str(ev.payload.get("document_key") or ""))
    required = {d.key for d in procedure.documents if d.required}
    c["digitised"] = attached and required <= documents
    if out.steps and c["state"] in procedure.states:
        last = out.steps[-1]
        c["step_entered_at"] = last.entered_at
        allot = procedure.states[last.state].allot
        c["step_due_at"] = (
            step_due(last.entered_at, allot, cal, explain=False).due if allot else None
        )
    return out


def _state_of(out: Replayed, ev: Any, procedure: Procedure) -> Any:
    target = procedure.states.get(ev.to_state or "")
    if target is None:
        out.broken.append(f"nhật ký #{ev.seq} chuyển đến bước không có trong thủ tục")
    return target


def _move_step(out: Replayed, ev: Any, action: str) -> None:
    last = out.steps[-1]
    last.left_at, last.left_by_id, last.left_action = ev.at, ev.actor_id, action
    out.steps.append(_Step(ev.to_state, ev.at, ev.actor_id))


def _action(out: Replayed, ev: Any, procedure: Procedure, cal: WorkCalendar) -> None:
    """`service._apply` and `clockwork.on_transition`, read back from the event."""
    c = out.columns
    target = _state_of(out, ev, procedure)
    if target is None:
        return
    s = ev.payload.get("clock") or {}
    changed = ev.to_state != ev.from_state
    c["state"] = ev.to_state
    c["national_status"] = ev.payload.get("national_status", target.national_status)
    if target.final:
        c["finished_at"] = ev.at
    if "clock_started" in s:
        c["clock_started_at"] = _instant(s["clock_started"])
    if s.get("pause_closed"):
        _close_pause(out, ev.at)
    if s.get("pause_opened"):
        _open_pause(out, ev.at)
    if ev.payload.get("slip") == "supplement_request" and c["clock_started_at"] is not None:
        c["supplement_requests"] += 1
    if "appointment" in s:
        c["extensions"] += 1
        c["appointment_at"] = _instant(s["appointment"])
    if "due" in s:
        c["due_at"] = _instant(s["due"])
        if c["extensions"] == 0:
            c["appointment_at"] = c["due_at"]
    if changed:
        _move_step(out, ev, ev.action or "")
    if "processing_ended" in s:
        _ended(c, ev.at, c["national_status"], procedure, cal)
    choice = (ev.payload.get("data") or {}).get("satisfaction")
    if choice in stats.SATISFACTION:
        c["satisfaction"] = stats.SATISFACTION[choice]


def _ended(
    c: dict[str, Any], at: datetime, status: int, procedure: Procedure, cal: WorkCalendar
) -> None:
    """`clockwork.on_transition` at the end of processing F, and `stats._set_end`."""
    due = c["due_at"]
    c["processing_ended_at"] = at
    c["end_status"] = status
    if due is not None:
        c["result_bucket"] = finished_bucket(
            due, at, supplement_requests=c["supplement_requests"], calendar=cal
        ).value
        if status in stats.RESULT_STATUSES:
            limit = procedure.limit
            c["elapsed"] = clock.elapsed(due, at, limit.value, limit.unit, cal)


def _redo(out: Replayed, ev: Any, procedure: Procedure, cal: WorkCalendar) -> None:
    """A mentor's redo (`reviews.service._move_back`): back to an earlier step."""
    c = out.columns
    target = _state_of(out, ev, procedure)
    if target is None:
        return
    s = ev.payload.get("clock") or {}
    if s.get("pause_closed"):
        _close_pause(out, ev.at)
        if c["clock_started_at"] is not None:  # the due is recomputed but not recorded
            spans = [(a, b) for a, b in out.pauses if a is not None and b is not None]
            c["due_at"] = compute_due_parts(
                c["clock_started_at"], procedure.limit.parts, cal, pauses=spans, explain=False
            ).due
            if c["extensions"] == 0:
                c["appointment_at"] = c["due_at"]
    _move_step(out, ev, REDO_ACTION)
    if s.get("pause_opened"):
        _open_pause(out, ev.at)
    c["state"] = ev.to_state
    c["national_status"] = target.national_status
    if target.national_status not in END_STATUSES and not target.final:
        c["finished_at"] = c["processing_ended_at"] = c["result_bucket"] = None


def _open_pause(out: Replayed, at: datetime) -> None:
    out.pauses.append([at, None])
    out.columns["paused_since"] = at


def _close_pause(out: Replayed, at: datetime) -> None:
    if out.pauses and out.pauses[-1][1] is None:
        out.pauses[-1][1] = at
    out.columns["paused_since"] = None


# ---- comparing ----------------------------------------------------------------------------------


def show(value: Any, cal: WorkCalendar) -> str:
    """A value as the problem list prints it: instants in local time, None as '(trống)'."""
    if value is None or value == "":
        return "(trống)"
    if isinstance(value, datetime):
        return value.astimezone(cal.tz).isoformat(timespec="microseconds")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _same(stored: Any, expected: Any) -> bool:
    if stored == expected:
        return True
    if isinstance(stored, float) or isinstance(expected, float):
        if stored is None or expected is None:
            return stored is expected
        return round(float(stored), PLACES) == round(float(expected), PLACES)
    if isinstance(stored, bool) or isinstance(expected, bool):
        return bool(stored) == bool(expected)
    return bool(stored == expected)


def compare(
    row: Any,
    events: Sequence[Any],
    steps: Sequence[Any],
    pauses: Sequence[Any],
    procedure: Procedure,
    version: tuple[str, int, str] | None,
    unit_codes: dict[int, str],
    cal: WorkCalendar,
) -> list[ColumnProblem]:
    """Every column of `row` (and its step and pause rows) that the replay contradicts."""
    code = row.code
    found: list[ColumnProblem] = []

    def differ(column: str, stored: Any, expected: Any) -> None:
        if not _same(stored, expected):
            found.append(ColumnProblem(code, column, show(stored, cal), show(expected, cal)))

    done = replay(code, events, procedure, cal)
    for problem in done.broken:
        found.append(ColumnProblem(code, "(nhật ký)", problem, "một nhật ký đúng quy trình"))
    for column, have, want in kept.compare_row(row._mapping, done.columns, steps, procedure):
        found.append(ColumnProblem(code, column, have, want))  # the columns kept for speed
    differ("waiting_since", row.waiting_since, waiting_since(events))  # (the review queue's)
    if not done.columns:
        return found
    pinned = (events[0].payload.get("procedure") or {}) if events else {}
    if version is not None:
        opened = (pinned.get("code"), pinned.get("version"), pinned.get("hash"))
        differ("procedure_version_id", "/".join(map(str, version)), "/".join(map(str, opened)))
    stored = row._mapping
    for column, expected in done.columns.items():
        if stored[column] != expected:
            differ(column, stored[column], expected)
    unit = _unit_code_of(code)
    differ("receiving_unit_id", unit_codes.get(row.receiving_unit_id), unit)
    differ("handling_unit_id", unit_codes.get(row.handling_unit_id), unit)
    _compare_steps(found, code, steps, done.steps, procedure, cal)
    _compare_pauses(found, code, pauses, done.pauses, cal)
    return found


def _unit_code_of(code: str) -> str:
    """`<unit code>-YYMMDD-NNNN` (LT- first for practice): the unit that received it."""
    bare = code.removeprefix(PRACTICE_PREFIX)
    return bare.rsplit("-", 2)[0]


def _compare_steps(
    found: list[ColumnProblem], code: str, stored: Sequence[Any], expected: list[_Step],
    procedure: Procedure, cal: WorkCalendar,
) -> None:  # fmt: skip
    if len(stored) != len(expected):
        found.append(
            ColumnProblem(code, "step_record (số bước)", str(len(stored)), str(len(expected)))
        )
    for row, exp in zip(stored, expected, strict=False):
        state = procedure.states.get(exp.state)
        allot = state.allot if state is not None else None
        due = step_due(exp.entered_at, allot, cal, explain=False).due if allot else None
        bucket = spent = None
        if allot and due is not None and exp.left_at is not None:
            bucket = finished_bucket(due, exp.left_at, calendar=cal).value
            spent = clock.elapsed(due, exp.left_at, allot, "working_days", cal)
        values = (
            exp.state, exp.entered_at, exp.entered_by_id, exp.left_at, exp.left_by_id,
            exp.left_action, allot, due, bucket, spent,
        )  # fmt: skip
        m = row._mapping
        got = tuple(m[c] for c in STEP_COLUMNS)
        if got == values:
            continue
        for column, have, value in zip(STEP_COLUMNS, got, values, strict=True):
            if not _same(have, value):
                shown = show(have, cal), show(value, cal)
                found.append(ColumnProblem(code, f"step_record #{row.ordinal}.{column}", *shown))


#: the step row's columns the replay determines, in the order `_compare_steps` lists them
STEP_COLUMNS = (
    "state", "entered_at", "entered_by_id", "left_at", "left_by_id", "left_action", "allot",
    "due_at", "bucket", "spent",
)  # fmt: skip


def _compare_pauses(
    found: list[ColumnProblem], code: str, stored: Sequence[Any],
    expected: list[list[datetime | None]], cal: WorkCalendar,
) -> None:  # fmt: skip
    if len(stored) != len(expected):
        found.append(
            ColumnProblem(code, "clock_pause (số lần dừng)", str(len(stored)), str(len(expected)))
        )
    for i, (row, (start, end)) in enumerate(zip(stored, expected, strict=False), start=1):
        for column, value in (("started_at", start), ("ended_at", end)):
            if not _same(getattr(row, column), value):
                shown = show(getattr(row, column), cal), show(value, cal)
                found.append(ColumnProblem(code, f"clock_pause #{i}.{column}", *shown))
