"""The work queue's filter choices: the procedures and the steps its form offers, as `<option>`
lines rendered once per process for each list and selection (issue 19, item 3). A province
handler is offered 160-odd options; through the template they were about 40 % of the queue page's
rendering, and they are the same on every page of the same filters. The choices themselves, and
whether the page offers to open a dossier or an inspection, are worked out once per process for
each list of procedures (the registry's objects) and kind of viewer, too."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from markupsafe import Markup

from casework.accounts.models import Unit, User
from casework.dossiers import service
from casework.procedures import Procedure

#: option lists kept per process (each list of choices with each selection)
OPTIONS_KEPT = 512
_OPTION = Markup('<option value="{}" {}>{}</option>')


class Procedures:
    """A list of procedures as a cache key: equal when it holds the same objects in the same
    order (a registry's procedures are new objects when it is loaded again; the key holds them,
    so an id is never reused while it is kept)."""

    __slots__ = ("items", "_ids")

    def __init__(self, items: Sequence[Procedure]) -> None:
        self.items = tuple(items)
        self._ids = tuple(map(id, self.items))

    def __hash__(self) -> int:
        return hash(self._ids)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Procedures) and self._ids == other._ids


def procedure_choices(shown: Sequence[Procedure]) -> tuple[tuple[str, str], ...]:
    """(code, name) of each procedure offered, in the registry's order."""
    return _procedure_choices(Procedures(shown))


@lru_cache(maxsize=OPTIONS_KEPT)
def _procedure_choices(shown: Procedures) -> tuple[tuple[str, str], ...]:
    return tuple((p.code, p.name) for p in shown.items)


def step_choices(shown: Sequence[Procedure], procedure: str | None) -> tuple[tuple[str, str], ...]:
    """(state id, label) of the steps of the procedures offered (of `procedure` alone when one
    is chosen), each pair once, by label."""
    return _step_choices(Procedures(shown), procedure)


@lru_cache(maxsize=OPTIONS_KEPT)
def _step_choices(shown: Procedures, procedure: str | None) -> tuple[tuple[str, str], ...]:
    steps = {
        (sid, s.label)
        for p in shown.items
        if not procedure or p.code == procedure
        for sid, s in p.states.items()
    }
    return tuple(sorted(steps, key=lambda item: item[1]))


def openable(procedures: Sequence[Procedure], unit: Unit | None, user: User) -> list[Procedure]:
    """The procedures of which `user` may open a dossier or an inspection in `unit`."""
    if unit is None:
        return []
    return [p for p in procedures if service.opening_refusal(unit, user, p) is None]


def can_open(procedures: Sequence[Procedure], unit: Unit | None, user: User) -> tuple[bool, bool]:
    """Whether `user` may open a dossier (not an inspection) of one of `procedures` in their
    `unit`, and an inspection: `service.opening_refusal`, which reads nothing of the unit but its
    kind and of the user but their roles, so the answer is kept per list, unit kind and roles."""
    if unit is None:
        return False, False
    key = (Procedures(procedures), unit.kind, frozenset(user.roles))
    found = _OPENABLE.get(key)
    if found is None:
        allowed = openable(procedures, unit, user)
        found = (
            any(p.kind != "inspection" for p in allowed),
            any(p.kind == "inspection" for p in allowed),
        )
        if len(_OPENABLE) >= OPTIONS_KEPT:  # bounded: start again (a registry loaded again)
            _OPENABLE.clear()
        _OPENABLE[key] = found
    return found


_OPENABLE: dict[tuple[Procedures, str, frozenset[str]], tuple[bool, bool]] = {}


@lru_cache(maxsize=OPTIONS_KEPT)
def options(choices: tuple[tuple[str, str], ...], selected: str) -> Markup:
    """The `<option>` lines of `choices`, `selected` marked (what the template's loop wrote)."""
    return Markup("").join(
        _OPTION.format(value, "selected" if selected == value else "", label)
        for value, label in choices
    )
