"""The work queue's filter choices: the procedures and the steps its form offers, as `<option>`
lines rendered once per process for each list and selection (issue 19, item 3). A province
handler is offered 160-odd options; through the template they were about 40 % of the queue page's
rendering, and they are the same on every page of the same filters."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from markupsafe import Markup

from casework.procedures import Procedure

#: option lists kept per process (each list of choices with each selection)
OPTIONS_KEPT = 512
_OPTION = Markup('<option value="{}" {}>{}</option>')


def procedure_choices(shown: Sequence[Procedure]) -> tuple[tuple[str, str], ...]:
    """(code, name) of each procedure offered, in the registry's order."""
    return tuple((p.code, p.name) for p in shown)


def step_choices(shown: Sequence[Procedure], procedure: str | None) -> tuple[tuple[str, str], ...]:
    """(state id, label) of the steps of the procedures offered (of `procedure` alone when one
    is chosen), each pair once, by label."""
    steps = {
        (sid, s.label)
        for p in shown
        if not procedure or p.code == procedure
        for sid, s in p.states.items()
    }
    return tuple(sorted(steps, key=lambda item: item[1]))


@lru_cache(maxsize=OPTIONS_KEPT)
def options(choices: tuple[tuple[str, str], ...], selected: str) -> Markup:
    """The `<option>` lines of `choices`, `selected` marked (what the template's loop wrote)."""
    return Markup("").join(
        _OPTION.format(value, "selected" if selected == value else "", label)
        for value, label in choices
    )
