"""A draft procedure from a procedure record of the national public-service portal.

Input: a saved «Chi tiết thủ tục hành chính» page of Cổng Dịch vụ công quốc gia (or of the
national TTHC database, or a province's portal on the same platform), or the portal's export when
it is HTML inside (``portal_page`` reads the page). Output: the YAML text of a draft in the
procedure file format, and the list of what could not be mapped.

What is mapped, and only when the page says it plainly:

- code (Mã thủ tục / Ký hiệu thủ tục, or ``ma_thu_tuc=d.dddddd`` in the page's address; a
  province's ``2.002131.000.00.00.H58`` gives the national ``2.002131``), name, level (Cấp Bộ /
  Cấp Tỉnh / Cấp Xã, one of them), field (Lĩnh vực);
- limit (Thời hạn giải quyết: the same value and unit on every channel; ngày làm việc, ngày, giờ)
  and when the clock starts («kể từ … hồ sơ hợp lệ và phí, lệ phí» → on_fee_paid, «kể từ … đủ hồ
  sơ» → on_valid_dossier);
- fee (Phí, lệ phí: one amount, or all zero; otherwise the amount stays empty and the page's
  words go into the fee note);
- documents (Thành phần hồ sơ: name, originals and copies), legal_basis (Căn cứ pháp lý).

Everything else the page says is returned in ``unmapped`` (field, the page's label, raw text,
why), never guessed: the forms (the procedure file has no place for a template file), the steps
(«Trình tự thực hiện» is prose; the state machine cannot come from it), the deciding body,
conditions, result and so on. The draft's steps are a minimal one-stop skeleton, marked in
``needs_recheck`` and at the top of the file as needing an editor. The source of the record and
the date of the import go into ``sources``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import yaml

from casework.errors import ValidationFailed
from casework.procedures.sources import NATIONAL_CODE_RE, WHAT_LABELS
from casework.workshop import portal_fields as pf
from casework.workshop.portal_page import PortalRecord, fold, read_record
from casework.workshop.portal_skeleton import skeleton

#: what the page must give for the draft to validate (the schema's required values)
REQUIRED = {
    "code": "Mã thủ tục",
    "name": "Tên thủ tục",
    "level": "Cấp thực hiện",
    "field": "Lĩnh vực",
    "legal_basis": "Căn cứ pháp lý",
    "limit": "Thời hạn giải quyết",
    "documents": "Thành phần hồ sơ",  # the skeleton's request for a supplement names them
}
#: parts of the record with no place in a procedure file (listed with their text)
_NO_PLACE = "Tệp thủ tục không có trường tương ứng; giữ để người biên tập đọc."
_EMPTY = {"khong co thong tin", "chua co thong tin", ""}


@dataclass(frozen=True)
class Unmapped:
    field: str  # the record's part (code, steps, forms, agency, …)
    label: str  # its label on the page, in Vietnamese
    raw: str  # what the page says, verbatim
    reason: str  # why it is not in the draft (Vietnamese)


@dataclass
class PortalDraft:
    yaml_text: str
    code: str | None
    name: str | None
    source: str  # the citation written into ``sources``
    mapped: dict[str, Any] = field(default_factory=dict)
    unmapped: list[Unmapped] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # Vietnamese labels of absent values


def origin(url: str | None) -> tuple[str, str | None]:
    """(the portal's name for the citation, ``ma_thu_tuc`` of the address if any)."""
    if not url:
        return "Trang thủ tục đã lưu (không rõ địa chỉ)", None
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    values = parse_qs(parsed.query).get("ma_thu_tuc")
    param = values[0] if values else None
    if host == "csdl.dichvucong.gov.vn":
        return "Cơ sở dữ liệu quốc gia về thủ tục hành chính", param
    if host == "dichvucong.gov.vn" or host.endswith(".dichvucong.gov.vn"):
        return "Cổng Dịch vụ công quốc gia", param
    if host.startswith("dichvucong."):
        return f"Cổng dịch vụ công {host}", param
    return f"Trang {host}", param


def _code(rec: PortalRecord, param: str | None, out: PortalDraft) -> str | None:
    part = rec.first("code")
    if part is not None and part.lines:
        raw = part.lines[0]
        found = re.match(r"^(\d\.\d{6})((?:\.[0-9A-Za-z]+)*)$", raw.strip())
        if found:
            if found.group(2):
                out.mapped["code_note"] = f"«{raw}» là mã của địa phương; mã quốc gia {found[1]}"
            return found.group(1)
        out.unmapped.append(
            Unmapped("code", part.label, raw, "Không có dạng mã TTHC quốc gia d.dddddd.")
        )
        return None
    if param and NATIONAL_CODE_RE.match(param):
        out.mapped["code_note"] = "mã lấy từ địa chỉ trang (ma_thu_tuc)"
        return param
    if param:
        out.unmapped.append(
            Unmapped(
                "code",
                "ma_thu_tuc trong địa chỉ trang",
                param,
                "Là số hiệu nội bộ của Cổng, không phải mã TTHC; trang không ghi mã thủ tục.",
            )
        )
    return None


def _cite(portal: str, name: str | None, code: str | None, rec: PortalRecord, url: str | None,
          filename: str | None) -> str:  # fmt: skip
    text = portal
    if name:
        text += f", «{name}»"
    if code:
        text += f" (mã {code})"
    decision = rec.first("decision")
    if decision is not None and decision.lines:
        text += f", quyết định công bố {decision.lines[0]}"
    if url:
        text += f" — {url}"
    elif filename:
        text += f" — tệp «{filename}»"
    return text


def draft_from_portal(
    raw: bytes | str,
    *,
    source_url: str | None = None,
    filename: str | None = None,
    today: dt.date | None = None,
    code: str | None = None,
    version: int = 1,
) -> PortalDraft:
    """The draft of one portal record. ``source_url`` overrides the address the saved page
    carries; ``code`` sets the code when the page has none (a local code: code_kind local)."""
    today = today or dt.date.today()
    if source_url and not re.match(r"^https?://[^\s/]+\S*$", source_url):
        raise ValidationFailed(
            "Địa chỉ trang phải là một địa chỉ web đầy đủ.",
            fields={"url": "Ghi đủ địa chỉ, bắt đầu bằng https://"},
        )
    if code is not None and not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", code):
        raise ValidationFailed(
            "Mã thủ tục chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang (tối đa 64 ký tự).",
            fields={"code": "Ví dụ 2.002131 hoặc KHCN-BX-GH."},
        )
    rec = read_record(raw)
    url = source_url or rec.url
    portal, param = origin(url)
    out = PortalDraft(yaml_text="", code=None, name=None, source="")
    data: dict[str, Any] = {}
    what: list[str] = []
    recheck: list[Any] = []

    found_code = _code(rec, param, out)
    if code:
        found_code = code
    if found_code:
        data["code"] = found_code
        data["code_kind"] = "national" if NATIONAL_CODE_RE.match(found_code) else "local"
        if not code:
            what.append("code")
    data["version"] = version

    name_part = rec.first("name")
    name = name_part.lines[0] if name_part is not None and name_part.lines else None
    if name is None and rec.title and "dich vu cong" not in fold(rec.title):
        name = re.sub(r"^Mức độ \d+\s*", "", rec.title).strip()  # the portal's badge
    if name:
        data["name"] = name
        what.append("name")

    level = pf.level(rec, out.unmapped)
    if level:
        data["level"] = level
        what.append("level")
    data["kind"] = "application"  # a TTHC record is, by definition, filed by an applicant
    field_part = rec.first("field")
    if field_part is not None and field_part.lines:
        data["field"] = field_part.lines[0]
    legal = pf.legal_basis(rec)
    if legal:
        data["legal_basis"] = legal
        what.append("legal_basis")
    limit, clock = pf.limit(rec, out.unmapped)
    if limit:
        data["limit"] = limit
        what.append("limit")
    if clock:
        data["clock_starts"] = clock
    fee = pf.fee(rec, out.unmapped)
    if fee is not None:
        data["fee"] = fee
        what.append("fee")
    documents = pf.documents(rec, out.unmapped)
    if documents:
        data["documents"] = documents
        what.append("documents")
    steps = pf.others(rec, out.unmapped, _NO_PLACE, _EMPTY)

    out.code, out.name = found_code, name
    out.missing = [label for key, label in REQUIRED.items() if key not in data]
    out.source = _cite(portal, name, found_code if "code" in what else None, rec, url, filename)
    data.update(skeleton(clock))
    data["sources"] = [
        {
            "what": what or ["name"],
            "cite": out.source,
            "checked": today,
            "note": f"Nhập tự động ngày {today:%d/%m/%Y} từ trang đã lưu; chưa đối chiếu với "
            "văn bản công bố thủ tục.",
        }
    ]
    recheck.append(
        {
            "steps": "Các bước, vai trò và thao tác là khung tối thiểu do công cụ nhập tạo, không "
            "lấy từ Cổng: người biên tập viết lại theo «Trình tự thực hiện» (chép ở đầu tệp)."
        }
    )
    for u in out.unmapped:
        if u.field in WHAT_LABELS and u.field != "steps":
            recheck.append({u.field: f"{u.label}: {u.reason}"})
        elif u.field == "clock_starts":
            recheck.append(
                "Thời hạn tính từ lúc nào trang không ghi rõ: bản nháp để mặc định (từ khi nhận "
                "đủ hồ sơ hợp lệ); người biên tập xác nhận «clock_starts»."
            )
    for key, label in REQUIRED.items():
        if key not in data and key in WHAT_LABELS and not any(u.field == key for u in out.unmapped):
            recheck.append({key: f"{label}: trang nguồn không ghi; cần bổ sung và dẫn nguồn."})
    data["needs_recheck"] = recheck
    data["changes"] = (
        f"Bản nháp nhập từ {portal} ngày {today:%d/%m/%Y}. Các bước là khung tối thiểu, cần "
        "biên tập trước khi gửi duyệt."
    )
    out.mapped.update({k: data[k] for k in ("code", "name", "level", "field") if k in data})
    out.mapped.update({k: data[k] for k in ("limit", "clock_starts", "fee") if k in data})
    out.mapped["documents"] = len(documents)
    out.mapped["legal_basis"] = len(legal)
    out.yaml_text = _render(data, out, portal, today, steps)
    return out


def _comment(text: str, indent: str = "#   ") -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        words, line = para.split(), ""
        for word in words:
            if line and len(line) + len(word) + 1 > 92:
                lines.append(indent + line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        if line:
            lines.append(indent + line)
    return lines


def _render(data: dict[str, Any], out: PortalDraft, portal: str, today: dt.date,
            steps: str | None) -> str:  # fmt: skip
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    head = [f"# Bản nháp nhập từ {portal} ngày {today:%d/%m/%Y}."]
    head.append("# CẦN BIÊN TẬP: các bước (states, transitions) là khung tối thiểu, không lấy từ")
    head.append("# trang nguồn. Giá trị trang không ghi thì để trống, không đoán.")
    if out.missing:
        head.append("# Trang nguồn không ghi: " + ", ".join(out.missing) + ".")
    if out.unmapped:
        head.append("# Chưa chuyển vào bản nháp (nhãn trên trang: nội dung):")
        for u in out.unmapped:
            if u.field != "steps":
                short = u.raw if len(u.raw) <= 160 else u.raw[:157] + "…"
                head += _comment(f"- {u.label}: {short}")
    steps_block: list[str] = []
    if steps:
        steps_block = ["# Trình tự thực hiện theo trang nguồn (để viết các bước):"]
        steps_block += _comment(steps)
    text = "\n".join(head) + "\n" + body
    if steps_block:
        text = text.replace("\nstates:\n", "\n" + "\n".join(steps_block) + "\nstates:\n", 1)
    return text
