"""What the admin pages share: the context every one of them has, reading a form, and the unit a
picker field names."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.datastructures import FormData

from casework.accounts.models import ROLE_LABELS, Unit
from casework.admin import service
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
