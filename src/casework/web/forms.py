"""Reading submitted forms: only text values (an upload under the same name is never text)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData


def form_texts(form: FormData) -> dict[str, Any]:
    """Every text field of the form, by name (the last value of a repeated name)."""
    return {k: v for k, v in form.items() if isinstance(v, str)}


def form_text(form: FormData, key: str) -> str:
    """One text field, or "" when it is missing or not text."""
    value = form.get(key)
    return value if isinstance(value, str) else ""
