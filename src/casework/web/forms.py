"""Reading submitted forms: only text values (an upload under the same name is never text)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from casework.errors import ValidationFailed

#: what a percent-encoded byte sequence that is not UTF-8 decodes to (``%FF`` → U+FFFD)
_NOT_UTF8 = "\ufffd"


def _text(key: str, value: str) -> str:
    if _NOT_UTF8 in value:
        raise ValidationFailed(
            "Biểu mẫu gửi lên có dữ liệu không đúng bảng mã UTF-8; chưa lưu gì. "
            "Hãy gõ lại nội dung trường đó rồi gửi lại.",
            fields={key: "Có ký tự không đọc được (không phải UTF-8)."},
        )
    return value


def form_texts(form: FormData) -> dict[str, Any]:
    """Every text field of the form, by name (the last value of a repeated name)."""
    return {k: _text(k, v) for k, v in form.items() if isinstance(v, str)}


def form_text(form: FormData, key: str) -> str:
    """One text field, or "" when it is missing or not text."""
    value = form.get(key)
    return _text(key, value) if isinstance(value, str) else ""
