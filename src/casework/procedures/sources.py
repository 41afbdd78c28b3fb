"""Where a procedure's facts come from: the ``sources:`` list, ``needs_recheck`` and the rules a
procedure *file* must follow about them.

A source is a public instrument or page (a decision that announces the procedure, a decree's
article, a portal page), never the team's own notes. Each entry says which values it supports
(``what``), the citation (``cite``: number, date and article, or page title and address) and the
day it was read (``checked``)::

    code_kind: national
    sources:
      - what: [code, fee]
        cite: Cổng DVC Đà Nẵng, thủ tục 2.002379.000.00.00.H17 — https://dichvucong.danang.gov.vn/…
        checked: 2026-12-05
    needs_recheck:
      - fee: Mức lệ phí của bộ TTHC 2026 chưa đọc được.
      - Thời điểm phải nộp hồ sơ gia hạn.

The models here are part of a stored procedure version (they must rebuild old versions, which
have none of them). What only a file must satisfy — ``code_kind`` given, no free-text ``source``,
no bare ``needs_recheck: true``, no team notes quoted — is :func:`file_problems`, run by the loader
like the kind's rules. :func:`unsourced` lists the values without a source or a named gap: the
warnings of ``casework workflows check``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator

if TYPE_CHECKING:
    from casework.procedures.schema import Procedure

Path = tuple[str | int, ...]

#: The values a source can back, in the order the handbook lists them, with their Vietnamese name.
WHAT_LABELS: dict[str, str] = {
    "code": "Mã thủ tục",
    "name": "Tên thủ tục",
    "level": "Cấp thực hiện",
    "legal_basis": "Căn cứ pháp lý",
    "limit": "Thời hạn giải quyết",
    "fee": "Phí, lệ phí",
    "documents": "Thành phần hồ sơ",
    "steps": "Trình tự các bước",
}
What = Literal["code", "name", "level", "legal_basis", "limit", "fee", "documents", "steps"]
#: A national TTHC code from the national database (the province's variant adds ``.000.00.00.Hnn``).
NATIONAL_CODE_RE = re.compile(r"^\d\.\d{6}$")
#: Team notes are not sources: a file quoting them is refused.
INTERNAL_NOTE_RE = re.compile(r"domain-vn|legal-findings|helper-preamble|\.md\s*§", re.IGNORECASE)
URL_RE = re.compile(r"https?://\S+")

_STRICT = ConfigDict(extra="forbid")


class SchemaProblems(ValueError):
    """Several problems found by one check; each has a path relative to where it was raised (the
    loader turns each into a line of the file)."""

    def __init__(self, problems: list[tuple[Path, str]]) -> None:
        super().__init__("; ".join(msg for _, msg in problems))
        self.problems = problems


def _nonblank(value: str) -> str:
    if not value.strip():
        raise ValueError("Không được để trống.")
    return value


Text = Annotated[str, AfterValidator(_nonblank)]


def as_list(value: Any) -> Any:
    """One item written alone (``what: fee``, ``roles: handler``) as a one-item list."""
    return [value] if isinstance(value, str) else value


class SourceRef(BaseModel):
    """One public source: the values it backs, the citation, the day it was read."""

    model_config = _STRICT
    what: list[What]
    cite: Text
    checked: dt.date
    #: Optional: where sources disagree, which one was kept and why (the later-dated one).
    note: str | None = None

    @field_validator("what", mode="before")
    @classmethod
    def _what_list(cls, value: Any) -> Any:
        return as_list(value)

    @field_validator("what")
    @classmethod
    def _what_items(cls, value: list[str]) -> list[str]:
        if not value:
            raise SchemaProblems(
                [((), "Ghi ít nhất một giá trị mà nguồn này xác nhận: " + _vocab() + ".")]
            )
        problems: list[tuple[Path, str]] = [
            ((i,), f"«{item}» bị lặp trong «what».")
            for i, item in enumerate(value)
            if item in value[:i]
        ]
        if problems:
            raise SchemaProblems(problems)
        return value

    @property
    def url(self) -> str | None:
        """The first web address in the citation, if any (the handbook makes it a link)."""
        found = URL_RE.search(self.cite)
        return found.group(0).rstrip(".,;)") if found else None

    @property
    def text(self) -> str:
        """The citation without its web address (shown beside a link to it)."""
        url = self.url
        if url is None:
            return self.cite
        return self.cite.replace(url, "").strip().rstrip("—–-:,; ").strip()

    @property
    def labels(self) -> list[str]:
        return [WHAT_LABELS[w] for w in self.what]


def _vocab() -> str:
    return ", ".join(WHAT_LABELS)


def _recheck_problems(i: int, value: Any) -> list[tuple[Path, str]]:
    """A named gap ``{fee: "…"}`` has exactly one key, a known value, and a reason; a sentence is
    not blank."""
    if isinstance(value, dict):
        if len(value) != 1:
            return [((i,), "Mỗi dòng «- giá trị: lý do» chỉ ghi một giá trị, ví dụ «- fee: …».")]
        key, why = next(iter(value.items()))
        if key not in WHAT_LABELS:
            return [((i, str(key)), f"«{key}» không phải giá trị của thủ tục. Dùng: {_vocab()}.")]
        if not isinstance(why, str) or not why.strip():
            return [((i, str(key)), "Ghi rõ điều gì chưa xác minh (một câu), không để trống.")]
        return []
    if not isinstance(value, str) or not value.strip():
        return [((i,), "Ghi rõ điều gì chưa xác minh (một câu), không để trống.")]
    return []


#: ``needs_recheck`` of a file: a sentence, or a list of sentences and ``{value: sentence}``.
#: Stored versions from before sources were structured keep their plain ``true``/``false``.
Recheck = bool | list[str | dict[str, str]]


def normalize_recheck(value: Any) -> Any:
    """A single sentence becomes a one-item list; ``None`` means nothing to re-check. Each item
    of a list is checked here, so a problem is reported once, at its own line."""
    if value is None:
        return False
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        problems = [p for i, item in enumerate(value) for p in _recheck_problems(i, item)]
        if problems:
            raise SchemaProblems(problems)
    return value


def recheck_lines(value: Recheck) -> list[tuple[str | None, str]]:
    """(Vietnamese name of the value or None, what is unconfirmed), for display."""
    if isinstance(value, bool):
        return [(None, "Một số thông tin cần đối chiếu lại (chưa ghi cụ thể).")] if value else []
    out: list[tuple[str | None, str]] = []
    for item in value:
        if isinstance(item, dict):
            key, why = next(iter(item.items()))
            out.append((WHAT_LABELS.get(key, key), why))
        else:
            out.append((None, item))
    return out


def recheck_values(value: Recheck) -> set[str]:
    """The values whose gap is named in ``needs_recheck`` (``{fee: …}``)."""
    if isinstance(value, bool):
        return set()
    return {key for item in value if isinstance(item, dict) for key in item}


# --------------------------------------------------------------------------------------------
# Rules for a file (not for a stored version)
# --------------------------------------------------------------------------------------------


def file_problems(p: Procedure, data: dict[str, Any], today: dt.date) -> list[tuple[Path, str]]:
    """What a procedure file must say about its sources. ``data`` is the file as read (to find
    keys a stored version may still carry, and every text to scan for team notes)."""
    problems: list[tuple[Path, str]] = []
    add = problems.append
    if "code_kind" not in data:
        add(
            (
                ("code_kind",),
                "Thiếu «code_kind»: national (mã TTHC quốc gia, có nguồn) hoặc local (mã địa "
                "phương tự đặt khi chưa có mã quốc gia).",
            )
        )
    elif p.code_kind == "national" and not NATIONAL_CODE_RE.match(p.code):
        add(
            (
                ("code",),
                f"Mã TTHC quốc gia có dạng d.dddddd (ví dụ 2.002131); «{p.code}» không phải. "
                "Sửa mã hoặc đặt code_kind: local.",
            )
        )
    elif p.code_kind == "local" and NATIONAL_CODE_RE.match(p.code):
        add(
            (
                ("code_kind",),
                f"«{p.code}» có dạng mã quốc gia: đặt code_kind: national và ghi nguồn của mã, "
                "hoặc dùng mã địa phương (ví dụ KHCN-BX-GH).",
            )
        )
    if "source" in data:
        add(
            (
                ("source",),
                "«source» (một dòng chữ) đã thay bằng danh sách «sources»: mỗi mục ghi what, "
                "cite, checked (xem docs/adding-a-procedure.md).",
            )
        )
    if data.get("needs_recheck") is True:
        add(
            (
                ("needs_recheck",),
                "«needs_recheck: true» không nói điều gì chưa xác minh; ghi một câu hoặc danh "
                "sách, ví dụ «- fee: Mức phí 2026 chưa đọc được.».",
            )
        )
    for i, source in enumerate(p.sources):
        if source.checked > today:
            add(
                (
                    ("sources", i, "checked"),
                    f"Ngày kiểm tra {source.checked:%d/%m/%Y} ở tương lai; ghi ngày đã đọc nguồn.",
                )
            )
    for loc, text in _texts(data, ()):
        if INTERNAL_NOTE_RE.search(text):
            add(
                (
                    loc,
                    "Không dẫn ghi chú nội bộ của nhóm (domain-vn.md, …) cho người dùng: ghi văn "
                    "bản hoặc trang công khai mà ghi chú đó tóm tắt, hoặc ghi «chưa xác minh».",
                )
            )
    return problems


def _texts(value: Any, loc: Path) -> list[tuple[Path, str]]:
    if isinstance(value, str):
        return [(loc, value)]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _texts(v, (*loc, str(k)))]
    if isinstance(value, list):
        return [t for i, v in enumerate(value) for t in _texts(v, (*loc, i))]
    return []


def unsourced(p: Procedure) -> list[tuple[Path, str]]:
    """The values a procedure states without a source or a named gap (the check's warnings):
    the code (a national one), the limit, the fee (when stated), the documents (when any), the
    steps; and a new version without a ``changes`` note."""
    backed = {w for s in p.sources for w in s.what} | recheck_values(p.needs_recheck)
    wanted: list[str] = []
    if p.code_kind != "local":
        wanted.append("code")
    wanted.append("limit")
    if p.fee is not None:
        wanted.append("fee")
    if p.documents:
        wanted.append("documents")
    wanted.append("steps")
    problems: list[tuple[Path, str]] = [
        (
            ("sources",),
            f"«{WHAT_LABELS[w]}» ({w}) chưa có nguồn: thêm một mục sources có «what: {w}», hoặc "
            f"ghi điều chưa xác minh vào needs_recheck («- {w}: …»).",
        )
        for w in wanted
        if w not in backed
    ]
    if p.version > 1 and not p.changes:
        problems.append(
            (
                ("version",),
                "Phiên bản mới chưa có «changes»: ghi vì sao có phiên bản này và theo nguồn nào "
                "(hiện ở lịch sử phiên bản).",
            )
        )
    return problems
