"""Walk each shipped procedure through its real paths: final state and national status."""

from __future__ import annotations

import pytest
from statemachine import StateMachine

from casework.procedures import Procedure, load_directory
from tests.procedures.support import WORKFLOWS, Dossier

XRAY = "2.002131"
DDL = "KHCN-TDC-DDL"
INSPECTION = "XA-DL-KTNN"


@pytest.fixture(scope="module")
def procs() -> dict[str, Procedure]:
    return {p.code: p for p in load_directory(WORKFLOWS)}


def walk(p: Procedure, actions: list[str]) -> tuple[Dossier, StateMachine]:
    dossier = Dossier()
    sm = p.machine_class()(model=dossier, state_field="state")
    assert dossier.state == p.initial_state
    for action in actions:
        assert p.transition(dossier.state, action) is not None, (dossier.state, action)
        sm.send(action)
    return dossier, sm


def ends(p: Procedure, actions: list[str], state: str, national: int) -> None:
    dossier, sm = walk(p, actions)
    assert dossier.state == state
    assert p.states[state].national_status == national
    assert state in p.final_states
    assert sm.is_terminated


APPLICATIONS = [XRAY, DDL]
HAPPY = ["accept", "submit_for_signing", "sign", "return_result"]


@pytest.mark.parametrize("code", APPLICATIONS)
def test_happy_path(procs: dict[str, Procedure], code: str) -> None:
    ends(procs[code], HAPPY, "returned", 10)
    assert procs[code].states["returned"].outcome == "issued"


@pytest.mark.parametrize("code", APPLICATIONS)
def test_result_ready_is_national_9(procs: dict[str, Procedure], code: str) -> None:
    dossier, _ = walk(procs[code], HAPPY[:-1])
    assert dossier.state == "result_ready"
    assert procs[code].states["result_ready"].national_status == 9


@pytest.mark.parametrize("code", APPLICATIONS)
def test_supplement_loop_pauses_the_clock(procs: dict[str, Procedure], code: str) -> None:
    p = procs[code]
    dossier, sm = walk(p, ["accept", "request_supplement"])
    assert dossier.state == "awaiting_supplement"
    assert p.states["awaiting_supplement"].paused
    assert p.states["awaiting_supplement"].national_status == 5
    t = p.transition("reviewing", "request_supplement")
    assert t is not None
    assert t.slip == "supplement_request"
    assert t.requires == ["reason", "missing_documents"]
    # no apology/extension while the clock stands still
    assert p.transition("awaiting_supplement", "extend") is None
    sm.send("receive_supplement")
    assert dossier.state == "reviewing"
    for action in HAPPY[1:]:
        sm.send(action)
    assert dossier.state == "returned"


@pytest.mark.parametrize("code", APPLICATIONS)
def test_refusal_at_reception(procs: dict[str, Procedure], code: str) -> None:
    p = procs[code]
    ends(p, ["refuse_reception"], "refused", 3)
    t = p.transition("received", "refuse_reception")
    assert t is not None
    assert (t.roles, t.requires, t.slip) == (["receiver"], ["reason"], "refusal")
    assert p.transition("reviewing", "refuse_reception") is None


@pytest.mark.parametrize("code", APPLICATIONS)
@pytest.mark.parametrize("before", ["reviewing", "signing"])
def test_written_refusal_of_the_result(procs: dict[str, Procedure], code: str, before: str) -> None:
    p = procs[code]
    path = ["accept"] if before == "reviewing" else ["accept", "submit_for_signing"]
    dossier, sm = walk(p, [*path, "refuse"])
    assert dossier.state == "not_issued"
    assert p.states["not_issued"].national_status == 9
    sm.send("return_refusal")
    assert dossier.state == "refusal_returned"
    assert p.states["refusal_returned"].national_status == 10
    assert p.states["refusal_returned"].outcome == "not_issued"


@pytest.mark.parametrize("code", APPLICATIONS)
def test_withdrawal_while_waiting_for_supplement(procs: dict[str, Procedure], code: str) -> None:
    p = procs[code]
    ends(p, ["accept", "request_supplement", "withdraw"], "withdrawn", 7)
    t = p.transition("awaiting_supplement", "withdraw")
    assert t is not None
    assert t.roles == ["receiver"]
    assert t.requires == ["reason"]


@pytest.mark.parametrize("code", APPLICATIONS)
def test_stop_from_every_active_state(procs: dict[str, Procedure], code: str) -> None:
    p = procs[code]
    active = [sid for sid, s in p.states.items() if not s.final]
    for sid in active:
        t = p.transition(sid, "stop")
        assert t is not None, sid
        assert (t.target, t.roles, t.slip) == ("stopped", ["handler", "leader"], "stop_notice")
    ends(p, [p.transitions_from(p.initial_state)[0].action, "stop"], "stopped", 8)


@pytest.mark.parametrize("code", APPLICATIONS)
def test_extend_stays_in_place(procs: dict[str, Procedure], code: str) -> None:
    p = procs[code]
    first = p.transitions_from(p.initial_state)[0].action
    dossier, sm = walk(p, [first])
    here = dossier.state
    t = p.transition(here, "extend")
    assert t is not None
    assert (t.source, t.target) == ([here], here)
    assert t.requires == ["reason", "new_appointment"]
    assert t.slip == "apology_extension"
    sm.send("extend")
    assert dossier.state == here


def test_the_leader_stops_an_inspection_from_every_active_state(
    procs: dict[str, Procedure],
) -> None:
    p = procs[INSPECTION]
    assert "stop" not in p.actions and "extend" not in p.actions  # the one-stop desk's, not ours
    for sid in (sid for sid, s in p.states.items() if not s.final):
        t = p.transition(sid, "cancel_inspection")
        assert t is not None, sid
        assert (t.target, t.roles, t.requires, t.slip) == (
            "cancelled",
            ["leader"],
            ["reason"],
            None,
        )
    ends(p, ["issue_decision", "cancel_inspection"], "cancelled", 8)


INSPECTION_START = ["issue_decision", "finish_inspection", "sign_record"]


def test_inspection_compliant_branch(procs: dict[str, Procedure]) -> None:
    p = procs[INSPECTION]
    ends(p, [*INSPECTION_START, "conclude_compliant", "send_report"], "closed", 10)


def test_inspection_violation_branch(procs: dict[str, Procedure]) -> None:
    p = procs[INSPECTION]
    dossier, sm = walk(p, [*INSPECTION_START, "handle_violation"])
    assert dossier.state == "violation_handling"
    assert p.transition("violation_handling", "finish_violation_handling").roles == ["leader"]  # type: ignore[union-attr]
    sm.send("finish_violation_handling")
    sm.send("send_report")
    assert dossier.state == "closed"
    assert p.states["closed"].national_status == 10
    assert p.transition("handling", "send_report") is None
