"""Turn a checked :class:`Procedure` into a strict ``statemachine.StateMachine`` subclass.

Built with ``type(...)`` so the library's metaclass checks the graph once more. State values are
the state ids; each action is one ``Event`` whose display name is the action's label. Bind an
instance to a dossier row with ``cls(model=row, state_field="state")``: a new row starts in the
initial state, a saved row continues from its stored state. An action not allowed in the current
state raises ``statemachine.exceptions.TransitionNotAllowed`` (strict ``StateMachine`` defaults,
restated below so nobody flips them by accident).
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING, Any

from statemachine import Event, State, StateMachine

if TYPE_CHECKING:
    from casework.procedures.schema import Procedure


def class_name(procedure: Procedure) -> str:
    """A Python identifier naming the class, e.g. ``Procedure_2_002131_v1``."""
    code = re.sub(r"\W", "_", procedure.code)
    return f"Procedure_{code}_v{procedure.version}"


def build_machine_class(procedure: Procedure) -> type[StateMachine]:
    """Build the machine class for ``procedure`` (call :meth:`Procedure.machine_class` instead)."""
    states = {
        sid: State(s.label, value=sid, initial=s.initial, final=s.final)
        for sid, s in procedure.states.items()
    }
    attrs: dict[str, Any] = dict(states)
    transitions: dict[str, Any] = {}
    labels: dict[str, str] = {}
    for t in procedure.transitions:
        target = states[t.target]
        for src in t.source:
            tr = states[src].to.itself() if src == t.target else states[src].to(target)
            transitions[t.action] = (
                tr if t.action not in transitions else transitions[t.action] | tr
            )
        labels.setdefault(t.action, t.label)
    for action, tl in transitions.items():
        attrs[action] = Event(tl, name=labels[action])
    attrs.update(
        allow_event_without_transition=False,
        catch_errors_as_events=False,
        __module__=__name__,
        __doc__=f"{procedure.code} v{procedure.version}: {procedure.name}",
    )
    cls: type[StateMachine] = type(class_name(procedure), (StateMachine,), attrs)
    return cls


#: Idle machines by class, reused by `next_state` (building one costs ~0.4 ms: its callbacks are
#: bound per instance); weak, so a class of a reloaded registry goes with its procedure.
_IDLE: weakref.WeakKeyDictionary[type[StateMachine], list[StateMachine]] = (
    weakref.WeakKeyDictionary()
)


def next_state(procedure: Procedure, state: str, action: str) -> str:
    """The state `action` leads to from `state`, by the procedure's machine: raises
    ``TransitionNotAllowed`` as a machine bound to the row would. A machine is built once per
    procedure version and thread at most and set to `state` for each action (its state is
    only the value it is given); one that reached a final state has stopped, so is dropped."""
    cls = procedure.machine_class()
    idle = _IDLE.setdefault(cls, [])
    try:
        machine = idle.pop()
    except IndexError:
        machine = cls()
    machine.current_state_value = state
    machine.send(action)
    target: str = machine.current_state_value
    if not procedure.states[target].final:
        idle.append(machine)
    return target
