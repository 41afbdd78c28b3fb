"""Table-driven checks for the procedure library: one row per path, one due check per procedure.

Each group of procedures has its own test module that lists
- PATHS: (code, path name, [actions…], expected final state, expected national status)
- DUES: (code, received "YYYY-MM-DDTHH:MM" local, fired actions before the clock starts or "",
  expected due "YYYY-MM-DDTHH:MM" local) — the due for one case per procedure, worked out by hand
and calls `check_path` / `check_due` from parametrized tests.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from casework.clock import compute_due_parts, default_calendar
from casework.procedures import Procedure, load_directory
from casework.procedures.schema import pre_clock_states
from tests.procedures.support import WORKFLOWS, Dossier

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@cache
def library() -> dict[str, Procedure]:
    return {p.code: p for p in load_directory(WORKFLOWS)}


Path = tuple[str, str, list[str], str, int]


def application_paths(
    to_signing: dict[str, list[str]], resubmit: dict[str, list[str]] | None = None
) -> list[Path]:
    """The seven paths every one-stop application has, for each code's main line from acceptance
    to the leader's desk: happy, a supplement loop, refused at reception, withdrawn while waiting,
    stopped at signing, a written refusal, and sent back then issued (`resubmit[code]` is the way
    back to the leader's desk, `submit_for_signing` unless given)."""
    supplement = ["request_supplement", "receive_supplement"]
    paths: list[Path] = []
    for code, main in to_signing.items():
        again = (resubmit or {}).get(code, ["submit_for_signing"])
        paths += [
            (code, "happy", [*main, "sign", "return_result"], "returned", 10),
            (
                code,
                "supplement loop",
                ["accept", *supplement, *main[1:], "sign", "return_result"],
                "returned",
                10,
            ),
            (code, "refused at reception", ["refuse_reception"], "refused", 3),
            (
                code,
                "withdrawn while waiting",
                ["accept", supplement[0], "withdraw"],
                "withdrawn",
                7,
            ),
            (code, "stopped at signing", [*main, "stop"], "stopped", 8),
            (code, "written refusal", [*main, "refuse", "return_refusal"], "refusal_returned", 10),
            (
                code,
                "sent back then issued",
                [*main, "send_back", *again, "sign", "return_result"],
                "returned",
                10,
            ),
        ]
    return paths


def check_path(code: str, actions: list[str], state: str, national: int) -> None:
    """Fire `actions` from the initial state; every step must be allowed; end where expected."""
    p = library()[code]
    dossier = Dossier()
    machine = p.machine_class()(model=dossier, state_field="state")
    for action in actions:
        assert p.transition(dossier.state, action) is not None, (
            f"{code}: '{action}' is not allowed in '{dossier.state}'"
        )
        machine.send(action)
    assert dossier.state == state
    assert p.states[state].national_status == national
    assert state in p.final_states, f"{code}: '{state}' is not final"


def check_due(code: str, received: str, expected: str) -> None:
    """The legal due of a dossier received (or, for on_fee_paid, paid) at `received`."""
    p = library()[code]
    start = datetime.fromisoformat(received).replace(tzinfo=TZ)
    result = compute_due_parts(start, p.limit.parts, default_calendar(WORKFLOWS), explain=False)
    assert result.due == datetime.fromisoformat(expected).replace(tzinfo=TZ), (
        f"{code}: due {result.due:%Y-%m-%d %H:%M}, expected {expected}"
    )


def check_allotments(code: str) -> None:
    """Step allotments (working days) add up to the limit for a working-days procedure; a step
    before the clock starts (a completeness check before the fee) has its own deadline only."""
    p = library()[code]
    before = pre_clock_states(p)
    total = sum(s.allot or 0 for sid, s in p.states.items() if sid not in before)
    if p.limit.unit == "working_days":
        assert abs(total - p.limit.value) < 1e-9, f"{code}: allot {total} ≠ limit {p.limit.value}"
    else:
        assert total > 0, f"{code}: no step allotments"
