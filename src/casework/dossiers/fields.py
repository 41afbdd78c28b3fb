"""Cleaning the data a user sends with an action: required fields present, values well formed.

Errors are collected per field, in Vietnamese, so a form can show each one beside its input. The
form and the API send their data through the same function, so they get the same verdict:

- only the fields the action **declares** (`declared_fields`: what it requires, a note, and the
  satisfaction rating when it hands the result over) — the same list the action's form renders;
  any other field, even one the procedure uses on another action, is refused;
- texts through `casework.inputs` (length, control characters, bidi controls; a `text` field is
  one line, a `textarea` several);
- numbers finite and bounded (`inputs.to_number`).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from casework import inputs
from casework.errors import ValidationFailed
from casework.procedures import Procedure, TransitionDef
from casework.procedures.schema import RETURN_FIELDS, FieldSpec

ALWAYS_ALLOWED: tuple[str, ...] = ("note",)


class FieldProblem(ValueError):
    """A reason that already names the field (the input layer's messages)."""


def declared_fields(procedure: Procedure, transition: TransitionDef) -> list[str]:
    """The fields an action takes, in the order its form shows them: what it requires, then a
    note, then (when it hands the result over) the applicant's satisfaction rating. The one rule
    for the form's inputs and for what `clean_action_data` accepts from the form and the API."""
    optional: tuple[str, ...] = ALWAYS_ALLOWED
    if hands_over(procedure, transition):
        optional = (*ALWAYS_ALLOWED, *RETURN_FIELDS)
    keys = list(transition.requires)
    return keys + [k for k in optional if k not in keys]


def _clean_one(procedure: Procedure, key: str, value: Any, tz: ZoneInfo) -> Any:
    spec = procedure.field_spec(key)
    kind = spec.type
    if kind in ("text", "textarea"):
        if not isinstance(value, str):
            raise ValueError("phải là chữ")
        rule = inputs.Rule(spec.label, "field_text", multiline=kind == "textarea")
        try:
            return inputs.clean(value, rule)
        except ValueError as exc:
            raise FieldProblem(str(exc)) from None
    if kind == "documents":
        if isinstance(value, str):
            value = [v for v in (x.strip() for x in value.split(",")) if v]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("phải là danh sách mã thành phần hồ sơ")
        known = {d.key for d in procedure.documents}
        unknown = [v for v in value if v not in known]
        if unknown:
            raise ValueError(
                f"không có thành phần hồ sơ {', '.join(unknown)} trong thủ tục này "
                f"(có: {', '.join(sorted(known))})"
            )
        return list(dict.fromkeys(value))
    if kind == "datetime":
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            raise ValueError("phải là ngày giờ dạng 2026-03-02T17:00") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        return parsed.isoformat(timespec="seconds")
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError("phải là ngày dạng 2026-03-02") from None
    if kind == "number":
        return _clean_number(spec, value)
    if kind == "choice":
        choices = list(spec.choices or [])
        if value not in choices:
            raise ValueError(f"phải là một trong: {', '.join(map(str, choices))}")
        return value
    raise ValueError(f"kiểu trường {kind} không hỗ trợ")  # pragma: no cover


def is_money(spec: FieldSpec) -> bool:
    """A number field holding an amount of money: its label names the unit, '… (đồng)'."""
    return spec.type == "number" and "(đồng)" in spec.label


def _clean_number(spec: FieldSpec, value: Any) -> int | float:
    """A whole number is stored as an int (4000000, not 4000000.0); money must be whole đồng.
    A typed text may carry Vietnamese thousands dots and a decimal comma ('4.000.000', '2,5')."""
    if isinstance(value, bool):
        raise ValueError("phải là số")
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if "," in text or text.count(".") > 1 or re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
            text = text.replace(".", "").replace(",", ".")
        value = text
    number = inputs.to_number(value)
    if is_money(spec) and (number < 0 or not number.is_integer()):
        raise ValueError("phải là số tiền nguyên, không âm (đồng)")
    return int(number) if number.is_integer() else number


def hands_over(procedure: Procedure, transition: TransitionDef) -> bool:
    """The action hands the result to the applicant (national status 10). An inspection has no
    applicant: its report closes it, and nobody rates it."""
    return (
        procedure.kind != "inspection" and procedure.states[transition.target].national_status == 10
    )


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def clean_action_data(
    procedure: Procedure, transition: TransitionDef, data: dict[str, Any] | None, tz: ZoneInfo
) -> dict[str, Any]:
    """Return the cleaned data, or raise `ValidationFailed` naming every bad field."""
    data = dict(data or {})
    allowed = set(declared_fields(procedure, transition))
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        if key not in allowed:
            errors[key] = (
                f"Trường «{key[:64]}» không dùng cho thao tác «{transition.label}» "
                f"(thao tác này nhận: {', '.join(sorted(allowed))})."
            )
            continue
        if _is_empty(value):
            continue
        try:
            cleaned[key] = _clean_one(procedure, key, value, tz)
        except FieldProblem as exc:
            errors[key] = str(exc)
        except ValueError as exc:
            errors[key] = f"{procedure.field_spec(key).label}: {exc}."
    for key in transition.requires:
        if key not in errors and _is_empty(cleaned.get(key)):
            errors[key] = f"Cần nhập {procedure.field_spec(key).label.lower()}."
    if errors:
        raise ValidationFailed(
            f"Chưa thực hiện được '{transition.label}': thông tin chưa đủ hoặc chưa đúng.",
            fields=errors,
        )
    return cleaned
