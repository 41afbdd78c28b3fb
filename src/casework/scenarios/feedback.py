"""Checking a trainee's steps against a scenario's right path (pure: events in, feedback out).

The path is a graph walk, not a list by position: each step is keyed by the state it is taken
from, and the trainee's actions are matched to the step of the state they left. A wrong branch
therefore costs only its own step; actions off the path are listed, not held against the next
step. Each step the trainee plays is worth its option's credit (1 for the best choice): half a
point off for each content miss (documents named, reason words, recorded values), for being late,
and for wrong tries at that step before the right one. Steps the system played ("mô phỏng") are
not scored. A run whose dossier reached a final state is finished, whatever path it took.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from casework.clock import WorkCalendar, step_due
from casework.inspections import team as teams
from casework.procedures import Procedure
from casework.scenarios.schema import ExpectedStep, Option, Scenario
from casework.text import fold


@dataclass(frozen=True)
class TakenAction:
    """What was done on the dossier: an `action` event (``simulated`` when the system played it)."""

    action: str
    at: datetime
    data: dict[str, Any]
    from_state: str = ""
    to_state: str = ""
    simulated: bool = False
    #: the event's other facts, e.g. an inspection decision's ``team_check``
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepFeedback:
    expected: ExpectedStep
    expected_label: str
    handbook: str
    taken: TakenAction | None = None
    taken_label: str | None = None
    tries: list[TakenAction] = field(default_factory=list)
    points: float = 0.0
    worth: float = 1.0
    notes: list[str] = field(default_factory=list)
    why: str = ""
    legal: str = ""
    missed: bool = False

    @property
    def simulated(self) -> bool:
        return self.taken is not None and self.taken.simulated

    @property
    def status(self) -> str:
        if self.simulated:
            return "simulated"
        if self.taken is None:
            return "missed" if self.missed else "pending"
        if self.points >= self.worth:
            return "ok"
        return "partial" if self.points > 0 else "wrong"


@dataclass
class Feedback:
    steps: list[StepFeedback]
    #: actions taken from states that are not on the right path (after a wrong branch)
    off_path: list[tuple[TakenAction, str]] = field(default_factory=list)
    ended_in: str | None = None
    #: what should have happened, when the run ended off the right path
    should_have: str = ""

    @property
    def scored(self) -> list[StepFeedback]:
        return [s for s in self.steps if not s.simulated]

    @property
    def score(self) -> int:
        scored = self.scored
        if not scored:
            return 100
        return round(100 * sum(s.points for s in scored) / len(scored))

    @property
    def finished(self) -> bool:
        """The dossier ended, or the right path was walked to its last step (a wrong last step
        leaves the run open: the dossier goes on off the path until it ends)."""
        if self.ended_in is not None:
            return True
        return all(s.taken is not None for s in self.steps) and self.steps[-1].status != "wrong"


def _label(procedure: Procedure, action: str) -> str:
    return next((t.label for t in procedure.transitions if t.action == action), action)


def evaluate(
    scenario: Scenario,
    procedure: Procedure,
    opened_at: datetime,
    taken: Sequence[TakenAction],
    calendar: WorkCalendar,
    *,
    final_state: str | None = None,
) -> Feedback:
    """`final_state`: the dossier's state when it is final (the run is over), else None."""
    steps = [
        StepFeedback(
            expected=e,
            expected_label=_label(procedure, e.options[0].action),
            handbook=f"/procedures/{procedure.code}#step-{e.state}",
            why=e.why,
            legal=e.legal,
        )
        for e in scenario.expected
    ]
    waiting: dict[str, deque[StepFeedback]] = {}
    for s in steps:
        waiting.setdefault(s.expected.state, deque()).append(s)
    fb = Feedback(steps)
    for did in taken:
        queue = waiting.get(did.from_state)
        if not queue:
            fb.off_path.append((did, _label(procedure, did.action)))
            continue
        step = queue[0]
        step.tries.append(did)
        if _option(step.expected, did.action) is not None or did.to_state != did.from_state:
            queue.popleft()  # the step is decided: the right action, or a wrong one that moved on
            step.taken, step.taken_label = did, _label(procedure, did.action)
    previous = opened_at
    for step in steps:
        if step.taken is None:
            continue
        if not step.simulated:
            _judge(step, previous, calendar, procedure)
        previous = step.taken.at
    if final_state is not None:
        fb.ended_in = procedure.states[final_state].label
        missing = [s for s in steps if s.taken is None]
        for s in missing:
            s.missed = True
            s.notes.append("Chưa làm: hồ sơ đã kết thúc trước bước này.")
        if missing or any(s.status == "wrong" for s in steps):
            right_end = procedure.states[_end_state(scenario, procedure)].label
            fb.should_have = (
                f"Hồ sơ đã kết thúc ở «{fb.ended_in}». Đúng ra hồ sơ phải đi hết: "
                + " → ".join(s.expected_label for s in steps)
                + f", và kết thúc ở «{right_end}»."
            )
    return fb


def _end_state(scenario: Scenario, procedure: Procedure) -> str:
    last = scenario.expected[-1]
    t = procedure.transition(last.state, last.options[0].action)
    assert t is not None
    return last.state if t.target == "@same" else t.target


def _option(expected: ExpectedStep, action: str) -> Option | None:
    return next((o for o in expected.options if o.action == action), None)


def _judge(
    step: StepFeedback, previous: datetime, calendar: WorkCalendar, procedure: Procedure
) -> None:
    expected, did = step.expected, step.taken
    assert did is not None
    option = _option(expected, did.action)
    if option is None:
        wrong = next((w for w in expected.wrong if w.action == did.action), None)
        step.notes.append(
            f"Bạn đã chọn «{step.taken_label}»; ở bước này cần «{step.expected_label}»."
        )
        if wrong is not None:
            step.notes.append(wrong.why)
            step.legal = wrong.legal or step.legal
        if expected.hint:
            step.notes.append(f"Gợi ý: {expected.hint}")
        return
    step.points = option.credit
    if option.credit < 1:
        best = step.expected_label
        step.notes.append(f"Chấp nhận được, nhưng cách tốt hơn là «{best}».")
    for note in _content_misses(option, did, procedure):
        step.points -= 0.5
        step.notes.append(note)
    earlier = [t for t in step.tries if t is not did]
    if earlier:
        step.points -= 0.5
        step.notes.append(
            "Trước đó bạn đã chọn sai: "
            + ", ".join(f"«{_label(procedure, t.action)}»" for t in earlier)
            + "."
        )
    if expected.within_days is not None:
        due = step_due(previous, expected.within_days, calendar, explain=False).due
        if did.at > due:
            step.points -= 0.5
            step.notes.append(
                f"Làm chậm: bước này có {expected.within_days:g} ngày làm việc, hạn "
                f"{due.astimezone(calendar.tz):%H:%M %d/%m/%Y}."
            )
    step.points = max(0.0, step.points)
    if step.points >= step.worth:
        step.notes.insert(0, "Đúng." + (f" {expected.hint}" if expected.hint else ""))


def _content_misses(option: Option, did: TakenAction, procedure: Procedure) -> list[str]:
    misses = []
    if option.missing_documents is not None:
        named = set(did.data.get("missing_documents") or [])
        wanted = set(option.missing_documents)
        if named != wanted:
            names = {d.key: d.name for d in procedure.documents}
            misses.append(
                "Giấy tờ cần bổ sung chưa đúng: cần ghi "
                + "; ".join(names.get(k, k) for k in sorted(wanted))
                + "."
            )
    if option.reason_contains:
        reason = fold(str(did.data.get("reason") or ""))
        missing = [w for w in option.reason_contains if fold(w) not in reason]
        if missing:
            misses.append(f"Lý do nên nêu rõ: {', '.join(missing)}.")
    if option.team_certified is not None:
        passed = (did.extra.get("team_check") or {}).get("passed")
        if passed is not option.team_certified:
            misses.append(_team_miss(procedure.field, wanted_certified=option.team_certified))
    for key, value in option.fields.items():
        if not _field_matches(procedure, key, value, did.data.get(key)):
            label = procedure.field_spec(key).label
            got = did.data.get(key)
            misses.append(
                f"{label}: bạn ghi «{got}»; đúng ra là «{value}»."
                if got not in (None, "")
                else f"{label}: chưa ghi; cần nêu «{value}»."
            )
    return misses


#: What a team the step did not want is told: the rule of the procedure's field, as the decision
#: form prints it.
TEAM_RULES = {teams.MEASUREMENT: teams.MEASUREMENT_RULE, teams.QUALITY: teams.QUALITY_RULE}


def _team_miss(field: str, *, wanted_certified: bool) -> str:
    rule = TEAM_RULES.get(field, "Đoàn phải đúng quy định của lĩnh vực.")
    if wanted_certified:
        return f"Đoàn kiểm tra chưa đúng quy định. {rule}"
    return f"Bước này cần một đoàn chưa đúng quy định để thấy quyết định bị từ chối. {rule}"


def _field_matches(procedure: Procedure, key: str, wanted: str, got: Any) -> bool:
    """A number must be equal, a choice one of those the words name (accents and case aside), a
    text contain it."""
    kind = procedure.field_spec(key).type
    if got in (None, ""):
        return False
    if kind == "number":
        try:
            return float(str(got)) == float(wanted)
        except ValueError:
            return False
    if kind == "choice":  # the choice named whole, or the choices that contain the words
        choices = [fold(c) for c in procedure.field_spec(key).choices or []]
        named = [c for c in choices if c == fold(wanted)] or [
            c for c in choices if fold(wanted) in c
        ]
        return fold(str(got)) in named
    return fold(wanted) in fold(str(got))
