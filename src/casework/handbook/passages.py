"""What the handbook search indexes: the passages of a procedure and of a published answer, and
which steps' guidance cites no article.

A procedure gives one passage for its name (with code, level, field, limit and fee), one for its
legal bases, one for its sources (when it has any), one per document and one per step (the step's
guidance as plain text, its checklist, the pause's legal basis and the actions with the fields
they ask for). A published answer gives one passage: the question and the answer. Each passage
leads to the exact place: `/procedures/{code}#step-{state}`, `#doc-{key}`, `#legal-basis`,
`#sources`, or `/questions/{id}`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt

from casework.handbook.index import Passage
from casework.numbers import fmt_money, fmt_number
from casework.procedures import Procedure, diagrams
from casework.questions.models import Question
from casework.web.i18n import N_

LEVELS = {"commune": "Cấp xã", "province": "Cấp tỉnh (Sở KH&CN)", "ministry": "Cấp Bộ"}
UNITS = {"working_days": "ngày làm việc", "days": "ngày", "hours": "giờ làm việc"}
#: What a passage is, shown before its title (templates translate them: `|t`).
KIND_LABELS = {
    "procedure": N_("Thủ tục"),
    "step": N_("Bước"),
    "document": N_("Giấy tờ"),
    "legal": N_("Căn cứ pháp lý"),
    "source": N_("Nguồn"),
    "faq": N_("Hỏi đáp"),
}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False})


def plain(markdown: str) -> str:
    """The text of Markdown without its marks: a block per line, emphasis and links dropped."""
    lines: list[str] = []
    for token in _md.parse(markdown or ""):
        if token.type != "inline" or not token.children:
            continue
        parts = []
        for child in token.children:
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
        line = "".join(parts).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def source_lines(procedure: Procedure) -> list[str]:
    """The procedure's sources as lines to read: each structured source (what it backs, the
    citation, the day it was read, a note) when the procedure file has `sources`, else its
    one-line `source`; then the latest day a source was checked."""
    lines = [describe(entry) for entry in getattr(procedure, "sources", None) or []]
    if not lines and procedure.source:
        lines.append(procedure.source)
    checked = getattr(procedure, "checked_on", None) or procedure.verified_on
    if checked:
        lines.append(f"Kiểm tra nguồn gần nhất ngày {checked:%d/%m/%Y}")
    return [line for line in lines if line]


def describe(entry: Any) -> str:
    """One structured source as a line: «Thời hạn, Phí: citation (kiểm tra ngày …); note»."""
    cite = getattr(entry, "cite", None)
    if cite is None:  # a shape this module does not know: its values, in order
        data = entry.model_dump(exclude_none=True) if hasattr(entry, "model_dump") else entry
        if isinstance(data, dict):
            return " · ".join(str(v) for v in data.values() if v not in ("", None, [], False))
        return str(data)
    labels = ", ".join(getattr(entry, "labels", None) or [])
    checked = getattr(entry, "checked", None)
    line = f"{labels}: {cite}" if labels else str(cite)
    if checked:
        line += f" (kiểm tra ngày {checked:%d/%m/%Y})"
    note = getattr(entry, "note", None)
    return f"{line}; {note}" if note else line


def recheck_lines(procedure: Procedure) -> list[str]:
    """What is still unconfirmed about the procedure, one sentence per item."""
    named = getattr(procedure, "recheck", None)
    if named is not None:
        return [f"{name}: {why}" if name else why for name, why in named]
    if procedure.needs_recheck:
        return ["Một số thông tin cần đối chiếu lại với quyết định công bố hiện hành."]
    return []


def fee_text(procedure: Procedure) -> str:
    fee = procedure.fee
    if fee is None:
        return "Không ghi"
    amount = fmt_money(fee.amount_vnd) if fee.amount_vnd else ""
    return " — ".join(x for x in (amount, fee.note or "") if x) or "Không ghi"


def limit_text(procedure: Procedure) -> str:
    if procedure.limit.first is not None:  # both parts, in words
        return procedure.limit.text
    return f"{fmt_number(procedure.limit.value)} {UNITS[procedure.limit.unit]}"


def step_actions(procedure: Procedure, state: str) -> list[str]:
    """The actions of a step (not those offered at every step), each with what it asks for."""
    common = set(diagrams.everywhere_actions(procedure))
    out = []
    for t in procedure.transitions_from(state):
        if t.label in common:
            continue
        asks = [procedure.field_spec(k).label for k in t.requires]
        out.append(f"{t.label} (ghi: {', '.join(asks)})" if asks else t.label)
    return out


def procedure_passages(p: Procedure) -> list[Passage]:
    base = f"/procedures/{p.code}"

    def passage(kind: str, title: str, body: str, anchor: str = "") -> Passage:
        url = f"{base}#{anchor}" if anchor else base
        return Passage(kind, p.code, p.name, p.level, p.field, _nfc(title), _nfc(body), url)

    head = (
        f"Mã {p.code} · {LEVELS[p.level]} · Lĩnh vực: {p.field} · Thời hạn: {limit_text(p)}"
        f" · Phí, lệ phí: {fee_text(p)}"
    )
    out = [passage("procedure", p.name, head)]
    out.append(passage("legal", "Căn cứ pháp lý", "\n".join(p.legal_basis), "legal-basis"))
    sources = source_lines(p)
    if sources:
        out.append(passage("source", "Nguồn", "\n".join(sources), "sources"))
    for d in p.documents:
        detail = "Bắt buộc" if d.required else "Không bắt buộc"
        body = f"{detail}{' · ' + d.copies if d.copies else ''}"
        out.append(passage("document", d.name, body, f"doc-{d.key}"))
    for sid, s in p.states.items():
        parts = [plain(p.guidance.get(sid, ""))]
        if p.checklists.get(sid):
            parts.append("Điểm kiểm tra: " + "; ".join(p.checklists[sid]))
        if s.clock_basis:
            parts.append(f"Đồng hồ tạm dừng: {s.clock_basis}")
        actions = step_actions(p, sid)
        if actions:
            parts.append("Thao tác: " + "; ".join(actions))
        out.append(passage("step", s.label, "\n".join(x for x in parts if x), f"step-{sid}"))
    return out


def faq_passage(p: Procedure, q: Question) -> Passage:
    step = p.states[q.state].label if q.state in p.states else None
    return Passage(
        "faq",
        p.code,
        p.name + (f" — {step}" if step else ""),
        p.level,
        p.field,
        _nfc(q.text),
        _nfc(q.answer or ""),
        f"/questions/{q.id}",
    )


# ---- citations ---------------------------------------------------------------------------------

#: An article of a legal text: "Điều 44", "điều 5".
ARTICLE = re.compile(r"\b[Đđ]iều\s+\d+")
#: A legal instrument by number or name: "132/2025/NĐ-CP", "Luật Đo lường", "Thông tư 28/2013…".
INSTRUMENT = re.compile(r"\d+/\d{4}/[A-ZĐ]|\b(Luật|Nghị định|Thông tư|Quyết định)\b")
#: Team notes are not sources (issue 18): a citation of them does not count.
INTERNAL = re.compile(r"domain-vn\.md|§\s*\d")


@dataclass(frozen=True)
class Uncited:
    code: str
    state: str
    label: str
    problem: str  # no_guidance | no_citation | no_article | internal_note


PROBLEMS = {
    "no_guidance": "bước chưa có hướng dẫn",
    "no_citation": "hướng dẫn không dẫn văn bản hay điều khoản nào",
    "no_article": "hướng dẫn nêu văn bản nhưng không nêu điều khoản",
    "internal_note": "hướng dẫn dẫn ghi chú nội bộ (không phải nguồn công khai)",
}


def citation_problem(guidance: str) -> str | None:
    """None when the guidance cites an article; else what is missing."""
    if not guidance.strip():
        return "no_guidance"
    if INTERNAL.search(guidance):
        return "internal_note"
    if ARTICLE.search(guidance):
        return None
    return "no_article" if INSTRUMENT.search(guidance) else "no_citation"


def uncited_steps(procedures: Iterable[Procedure]) -> list[Uncited]:
    """Every step whose guidance does not cite the article it rests on, in file order. Final
    steps without guidance are left out (nothing to do there)."""
    out = []
    for p in procedures:
        for sid, s in p.states.items():
            text = p.guidance.get(sid, "")
            if s.final and not text.strip():
                continue
            problem = citation_problem(text)
            if problem:
                out.append(Uncited(p.code, sid, s.label, problem))
    return out
