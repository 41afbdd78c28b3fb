"""A practice dossier's script: what the system plays besides the trainee (data in the dossier).

A scenario writes two lists into the practice dossier's data when it starts:

- ``_applicant_script``: ``[{"after": action, "note": …}]`` — the applicant answers after an action
  (the supplement arrives, the fee is paid);
- ``_colleagues``: ``[{"i", "state", "action", "role", "data"}]`` — the right-path steps of the
  roles the trainee does not play, in path order (``i``: the step's place in ``_path_states``).
  After each action, while the dossier stands at the state of the next unplayed step, the system
  fires it as "Lãnh đạo (mô phỏng)" with the scripted data; a mentor's redo rewinds the plan.

The lists live in the dossier (not in the scenario file), so a run keeps the script it started
with even when the file changes, and the dossiers package needs nothing from scenarios.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from casework.clock import WorkCalendar
from casework.dossiers.models import Dossier
from casework.procedures import Procedure, TransitionDef

SCRIPT_KEY = "_applicant_script"
COLLEAGUES_KEY = "_colleagues"
#: the roles the trainee plays in this run (shown on the dossier page)
PLAYS_KEY = "_plays"
DONE_KEY = "_colleagues_done"
#: the states of the right path's steps, in order (a colleague entry's "i" indexes it)
PATH_KEY = "_path_states"
_RELATIVE = re.compile(r"@due\+(\d{1,2})")


@dataclass(frozen=True)
class ColleagueStep:
    transition: TransitionDef
    role: str
    data: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{simulated_role_label(self.role)}: {self.transition.label}"


#: short names for the colleague the system plays: "Lãnh đạo (mô phỏng) đã ký…"
_COLLEAGUE = {"receiver": "Cán bộ một cửa", "handler": "Chuyên viên thụ lý", "leader": "Lãnh đạo"}


def simulated_role_label(role: str) -> str:
    return f"{_COLLEAGUE.get(role, role)} (mô phỏng)"


def resolve(
    data: dict[str, Any], dossier: Dossier, cal: WorkCalendar, now: datetime
) -> dict[str, Any]:
    """Scripted values that depend on the run: ``"@due+N"`` is 9:00 on the N-th working day after
    the appointment in force (or after now, before the clock has one) — a new appointment that an
    extension rule accepts whenever the colleague acts."""
    out = dict(data)
    for key, value in data.items():
        if isinstance(value, str) and (m := _RELATIVE.fullmatch(value)):
            base = (dossier.due_at or now).astimezone(cal.tz).date()
            day = cal.add_working_days(base, int(m.group(1)))
            out[key] = datetime.combine(day, time(9, 0)).isoformat(timespec="minutes")
    return out


def applicant_responses(dossier: Dossier, action: str) -> list[str]:
    return [r["note"] for r in dossier.data.get(SCRIPT_KEY, []) if r.get("after") == action]


def colleague_steps(dossier: Dossier, procedure: Procedure) -> Iterator[ColleagueStep]:
    """Yield the unplayed steps to fire now, one at a time: the caller applies each (which moves
    the dossier) before the next is looked up. Each step is used once (``_colleagues_done``)."""
    plan = dossier.data.get(COLLEAGUES_KEY, [])
    while (done := int(dossier.data.get(DONE_KEY, 0))) < len(plan):
        head = plan[done]
        if head["state"] != dossier.state:
            return
        transition = procedure.transition(dossier.state, head["action"])
        if transition is None:  # pragma: no cover - the scenario check walks the same graph
            return
        dossier.data = {**dossier.data, DONE_KEY: done + 1}
        yield ColleagueStep(transition, head["role"], dict(head.get("data") or {}))


def rewind(dossier: Dossier, to_state: str) -> None:
    """A mentor returned the run to `to_state`: colleagues replay their steps from there.

    Like the scoring (the last time the dossier stood at that state), the redo starts at the
    latest step of the right path at `to_state` not after the colleagues' progress; the plan's
    steps from there on are played again."""
    plan = dossier.data.get(COLLEAGUES_KEY, [])
    path = dossier.data.get(PATH_KEY, [])
    done = int(dossier.data.get(DONE_KEY, 0))
    if not plan or not path or done == 0:
        return
    reached = plan[done - 1]["i"]
    starts = [k for k, state in enumerate(path) if state == to_state and k <= reached]
    if not starts:
        return
    again = sum(1 for entry in plan[:done] if entry["i"] < starts[-1])
    dossier.data = {**dossier.data, DONE_KEY: again}
