"""Checking a trainee's steps against a scenario's expected ones (pure: events in, feedback out).

Each expected step is worth one point: the right action, with the right reason or missing
documents (half a point off for each miss), within its time (half a point off when late). A wrong
action gets no point and says what was expected. Steps not yet taken are "chưa làm".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from casework.clock import WorkCalendar, step_due
from casework.procedures import Procedure
from casework.scenarios.schema import ExpectedStep, Scenario
from casework.text import fold


@dataclass(frozen=True)
class TakenAction:
    """What the trainee did: an `action` event of the dossier."""

    action: str
    at: datetime
    data: dict[str, Any]


@dataclass
class StepFeedback:
    expected: ExpectedStep
    expected_label: str
    taken: TakenAction | None
    taken_label: str | None
    points: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.taken is None:
            return "pending"
        return "ok" if self.points == 1 else ("partial" if self.points > 0 else "wrong")


@dataclass
class Feedback:
    steps: list[StepFeedback]

    @property
    def score(self) -> int:
        return round(100 * sum(s.points for s in self.steps) / len(self.steps))

    @property
    def finished(self) -> bool:
        return all(s.taken is not None for s in self.steps)


def _label(procedure: Procedure, action: str) -> str:
    return next((t.label for t in procedure.transitions if t.action == action), action)


def evaluate(
    scenario: Scenario,
    procedure: Procedure,
    opened_at: datetime,
    taken: Sequence[TakenAction],
    calendar: WorkCalendar,
) -> Feedback:
    steps = []
    previous = opened_at
    for i, expected in enumerate(scenario.expected):
        did = taken[i] if i < len(taken) else None
        step = StepFeedback(
            expected=expected,
            expected_label=_label(procedure, expected.action),
            taken=did,
            taken_label=_label(procedure, did.action) if did else None,
        )
        if did is not None:
            _judge(step, did, previous, calendar, procedure)
            previous = did.at
        steps.append(step)
    return Feedback(steps)


def _judge(
    step: StepFeedback,
    did: TakenAction,
    previous: datetime,
    calendar: WorkCalendar,
    procedure: Procedure,
) -> None:
    expected = step.expected
    if did.action != expected.action:
        step.notes.append(
            f"Bạn đã chọn «{step.taken_label}»; ở bước này cần «{step.expected_label}»."
            + (f" Gợi ý: {expected.hint}" if expected.hint else "")
        )
        return
    step.points = 1.0
    if expected.missing_documents is not None:
        named = set(did.data.get("missing_documents") or [])
        wanted = set(expected.missing_documents)
        if named != wanted:
            names = {d.key: d.name for d in procedure.documents}
            step.points -= 0.5
            step.notes.append(
                "Giấy tờ cần bổ sung chưa đúng: cần ghi "
                + "; ".join(names.get(k, k) for k in sorted(wanted))
                + "."
            )
    if expected.reason_contains:
        reason = fold(str(did.data.get("reason") or ""))
        missing = [w for w in expected.reason_contains if fold(w) not in reason]
        if missing:
            step.points -= 0.5
            step.notes.append(f"Lý do nên nêu rõ: {', '.join(missing)}.")
    if expected.within_days is not None:
        due = step_due(previous, expected.within_days, calendar, explain=False).due
        if did.at > due:
            step.points = max(0.0, step.points - 0.5)
            step.notes.append(
                f"Làm chậm: bước này có {expected.within_days:g} ngày làm việc, hạn "
                f"{due.astimezone(calendar.tz):%H:%M %d/%m/%Y}."
            )
    if step.points == 1.0:
        step.notes.append("Đúng." + (f" {expected.hint}" if expected.hint else ""))
