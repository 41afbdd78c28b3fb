"""One input layer for forms and the API (issue 17, finding 7).

Every text a person sends — an HTML form or a JSON body — is read by the same rule here, so the two
doors give the same verdict with the same Vietnamese message naming the field:

- **lengths** from `LIMITS`, one table shared by the services, the API's OpenAPI description and
  the forms' `maxlength` attributes (counted in characters after trimming, as PostgreSQL counts
  a VARCHAR);
- **control characters** refused: NUL and the other C0 controls, DEL, the C1 controls, lone
  surrogates (a JSON `"\\ud800"`) and the non-characters U+FFFE/U+FFFF. A several-line text keeps
  its line feeds and tabs (a browser's CR LF becomes LF); a one-line text has neither;
- **bidi overrides and isolates** (U+202A–U+202E, U+2066–U+2069) refused in every text: they make
  "exe.txt" read as "txt.exe" and no Vietnamese text needs them (the marks U+200E/U+200F stay);
- **numbers** finite and within ±`MAX_NUMBER` (`NaN`, `Infinity`, `1e400` and a 400-digit integer
  are refused, not stored or crashed on).

`check` answers the reason (or None); `clean` answers the cleaned text or raises `ValueError`
with the reason; `read` collects the reason into a form's `errors` under the field's name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The longest text each kind of field holds, in characters. Columns are at least this wide.
LIMITS: dict[str, int] = {
    "name": 255,  # a person's or an organisation's name, a unit's name, a user's full name
    "id_number": 64,  # CCCD, tax code
    "address": 500,
    "phone": 32,
    "email": 255,
    "username": 64,
    "unit_code": 64,
    "province": 64,
    "field_text": 5000,  # an action's text field (note, reason, a procedure's own field)
    "question": 4000,
    "answer": 8000,
    "certificate_text": 255,  # course, issuer
    "certificate_number": 64,
    "reason": 1000,  # a certificate's revocation reason
    "day_name": 255,  # a calendar day's name, its instrument, the reason to remove one
    "day_article": 128,  # a calendar day's article and clause
    "day_source": 500,  # a calendar day's public address or the title of its text
}

#: The largest magnitude of a number field (a thousand trillion: above any fee in đồng).
MAX_NUMBER = 10**15

#: Bidi embedding, override and isolate controls (the marks LRM/RLM are not among them).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_KEPT_IN_TEXT = frozenset("\n\t")


def _bad_char(ch: str, *, multiline: bool) -> bool:
    code = ord(ch)
    if code < 0x20:
        return not (multiline and ch in _KEPT_IN_TEXT)
    return 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF)


@dataclass(frozen=True)
class Rule:
    """How one field is read: its Vietnamese label (for the messages), its limit, whether it
    holds several lines, and the message when it is required and empty."""

    label: str
    limit: str  # a key of LIMITS
    multiline: bool = False
    required: str | None = None  # the message when empty, or None when it may be empty

    @property
    def max_len(self) -> int:
        return LIMITS[self.limit]


def _fmt(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def check(text: str, rule: Rule) -> str | None:
    """Why `text` (already trimmed) cannot be taken, in Vietnamese, or None."""
    for ch in text:
        if ch in BIDI_CONTROLS:
            return (
                f"{rule.label} có ký tự đảo chiều chữ (U+{ord(ch):04X}), có thể dùng để giả mạo "
                "cách hiển thị; hãy gõ lại không có ký tự này."
            )
        if _bad_char(ch, multiline=rule.multiline):
            if ch in "\n\r\t":
                return f"{rule.label} chỉ được viết trên một dòng."
            return (
                f"{rule.label} có ký tự điều khiển không được phép (U+{ord(ch):04X}); "
                "hãy gõ lại nội dung này."
            )
    if len(text) > rule.max_len:
        return f"{rule.label} dài quá {_fmt(rule.max_len)} ký tự (đang có {_fmt(len(text))} ký tự)."
    if rule.required and not text:
        return rule.required
    return None


def normalise(value: Any, rule: Rule) -> str:
    """The text as it will be checked and stored: trimmed, CR LF (and a lone CR) → LF in a
    several-line text. A non-text value becomes its `str` (the caller decides if that is right)."""
    text = "" if value is None else value if isinstance(value, str) else str(value)
    if rule.multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def clean(value: Any, rule: Rule) -> str:
    """The cleaned text; `ValueError` with the reason when it cannot be taken."""
    text = normalise(value, rule)
    problem = check(text, rule)
    if problem:
        raise ValueError(problem)
    return text


def read(values: Mapping[str, Any], key: str, rule: Rule, errors: dict[str, str]) -> str:
    """The field `key` of a form or body, cleaned; a problem goes to `errors[key]` (the text as
    sent is returned then, so the form can show it again)."""
    raw = values.get(key)
    text = normalise(raw, rule)
    problem = check(text, rule)
    if problem:
        errors.setdefault(key, problem)
    return text


def number_problem(number: float) -> str | None:
    """Why a number (already parsed) cannot be stored: not finite, or beyond ±MAX_NUMBER."""
    if not math.isfinite(number):
        return "phải là một số hữu hạn (không nhận NaN, Infinity)"
    if abs(number) > MAX_NUMBER:
        return f"vượt quá giới hạn {_fmt(MAX_NUMBER)}"
    return None


def to_number(value: Any) -> float:
    """`float(value)` that never overflows: a 400-digit integer or '1e400' is a ValueError."""
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"vượt quá giới hạn {_fmt(MAX_NUMBER)}") from None
    except (TypeError, ValueError):
        raise ValueError("phải là số") from None
    problem = number_problem(number)
    if problem:
        raise ValueError(problem)
    return number


#: what `screen` calls a field it has no label for
_ANY = "field_text"


def screen(values: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> None:
    """The input layer's floor for a whole form whose own rules check meaning, not characters
    (inspections, findings, classes): every text field, several lines allowed, at most
    LIMITS["field_text"] characters, without NUL, other control characters or bidi overrides.
    Raises `ValidationFailed` naming each bad field, so the view shows its form again (422)."""
    from casework.errors import ValidationFailed

    errors: dict[str, str] = {}
    for key, value in values.items():
        if key == "csrf_token" or not isinstance(value, str):
            continue
        label = (labels or {}).get(key) or f"Ô «{key[:64]}»"
        read(values, key, Rule(label, _ANY, multiline=True), errors)
    if errors:
        raise ValidationFailed(
            "Có ô chứa ký tự không hợp lệ hoặc quá dài: xem các ô báo lỗi.", fields=errors
        )
