"""`procedures.machine.next_state`: one kept machine per procedure version gives every action the
state the procedure's strict machine gives (issue 19: not built per action)."""

from __future__ import annotations

import pytest
from statemachine.exceptions import TransitionNotAllowed

from casework.procedures import ProcedureRegistry
from casework.procedures.machine import _IDLE, next_state


def test_every_transition_twice_with_kept_machines(registry: ProcedureRegistry) -> None:
    for procedure in registry.all():
        for _ in range(2):  # the second round runs on the machines the first one kept
            for t in procedure.transitions:
                for source in t.source:
                    assert next_state(procedure, source, t.action) == t.target, (
                        procedure.code,
                        source,
                        t.action,
                    )
        # one sequential caller: at most one machine kept (one per concurrent caller, not one
        # per action; none right after a final state)
        assert len(_IDLE.get(procedure.machine_class(), [])) <= 1


def test_a_refused_action_raises_and_the_next_one_still_works(registry: ProcedureRegistry) -> None:
    procedure = registry.all()[0]
    first = next(t for t in procedure.transitions if not procedure.states[t.target].final)
    elsewhere = next(s for s in procedure.states if s not in first.source)
    with pytest.raises(TransitionNotAllowed):
        next_state(procedure, elsewhere, first.action)
    assert next_state(procedure, first.source[0], first.action) == first.target
    kept = _IDLE[procedure.machine_class()]
    assert len(kept) == 1
    machine = kept[0]
    assert next_state(procedure, first.source[0], first.action) == first.target
    assert kept == [machine]  # the same machine again, not a new one per action


def test_a_final_state_does_not_stop_the_next_action(registry: ProcedureRegistry) -> None:
    """A machine that reached a final state has stopped; it is not kept for the next action."""
    for procedure in registry.all():
        final = [t for t in procedure.transitions if procedure.states[t.target].final]
        other = [t for t in procedure.transitions if not procedure.states[t.target].final]
        if final and other:
            assert next_state(procedure, final[0].source[0], final[0].action) == final[0].target
            assert next_state(procedure, other[0].source[0], other[0].action) == other[0].target
            return
    pytest.fail("no procedure with both a final and a non-final transition")
