"""What the admin pages share: the context every one of them has, reading a form, and the unit a
picker field names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session
from starlette.datastructures import FormData

from casework.accounts.models import ROLE_LABELS, Role, Unit, UnitKind, User
from casework.admin import grants, service
from casework.units import search
from casework.web.forms import form_texts


def texts(form: FormData) -> dict[str, Any]:
    values = form_texts(form)
    values["roles"] = [r for r in form.getlist("roles") if isinstance(r, str)]
    return values


def base(scope: service.Scope, section: str) -> dict[str, Any]:
    return {
        "section": section,
        "root": scope.root,
        "role_labels": ROLE_LABELS,
        "kind_labels": service.KIND_LABELS,
    }


def picked(
    session: Session, scope: service.Scope, values: dict[str, Any], name: str
) -> Unit | None:
    """The unit the picker field `name` of a form names (for its label), if any; the field then
    holds its code (a form sent with an id shows the code again)."""
    unit = search.lookup(session, scope.root, str(values.get(name) or ""))
    if unit is not None:
        values[name] = unit.code
    return unit


@dataclass(frozen=True)
class RoleChoice:
    """One box of the roles fieldset: a role this admin may grant somewhere in their scope, or
    one the user holds that the admin may not touch (shown ticked, disabled, and kept)."""

    key: str
    label: str
    checked: bool
    disabled: bool
    hint: str = ""


def _hint(scope: service.Scope, role: Role) -> str:
    if role in grants.MINISTRY_ONLY:
        return "chỉ cho người dùng thuộc Bộ"
    if role == Role.admin and UnitKind(scope.root.kind) != UnitKind.ministry:
        return "chỉ cho người dùng của đơn vị cấp dưới"
    return ""


def role_choices(
    scope: service.Scope, target: User | None, chosen: list[str], *, frozen: bool = False
) -> list[RoleChoice]:
    """The boxes the user form shows (`grants.offered`), and the roles the user already holds
    that this admin may not grant (kept as they are). `frozen`: one's own account, or a peer
    admin's — every box disabled."""
    offered = set(grants.offered(scope.root))
    held = set(target.roles) if target is not None else set()
    out = []
    for role in Role:
        if role not in offered and role not in held:
            continue
        out.append(
            RoleChoice(
                key=role.value,
                label=ROLE_LABELS[role],
                checked=role.value in chosen,
                disabled=frozen or role not in offered,
                hint=_hint(scope, role),
            )
        )
    return out
