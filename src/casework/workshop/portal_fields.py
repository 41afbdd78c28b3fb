"""One function per value of a portal record (``portal_import``): each maps what the page says
plainly and appends to ``unmapped`` what it cannot map, with the page's own words."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from casework.workshop.portal_page import Item, Part, PortalRecord, fold

if TYPE_CHECKING:
    from casework.workshop.portal_import import Unmapped

_LEVELS = {"cap bo": "ministry", "cap tinh": "province", "cap xa": "commune"}
_UNITS = {"ngay lam viec": "working_days", "ngay": "days", "gio": "hours"}
_CHANNELS = ("truc tiep", "truc tuyen", "dich vu buu chinh", "buu chinh")
_LIMIT_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(ngay lam viec|ngay|gio|thang)\b")
_FEE_RE = re.compile(r"(Lệ phí|Phí)\s*:\s*([\d.,]*)\s*(?:Đồng|đồng|VNĐ|VND)?", re.IGNORECASE)
_BULLET = re.compile(r"^[\s•·\-+*–]+")


def _unmapped(field: str, label: str, raw: str, reason: str) -> Unmapped:
    from casework.workshop.portal_import import Unmapped

    return Unmapped(field, label, raw, reason)


def _all(rec: PortalRecord, key: str) -> list[Part]:
    return rec.parts.get(key, [])


def level(rec: PortalRecord, unmapped: list[Unmapped]) -> str | None:
    part = rec.first("level")
    if part is None or not part.lines:
        return None
    raw = " ".join(part.lines)
    found = [v for k, v in _LEVELS.items() if k in fold(raw)]
    if len(found) == 1 and fold(raw).count("cap ") == 1:
        return found[0]
    unmapped.append(
        _unmapped(
            "level",
            part.label,
            raw,
            "Không phải đúng một trong Cấp Bộ, Cấp Tỉnh, Cấp Xã: người biên tập chọn cấp.",
        )
    )
    return None


def _clean_line(line: str) -> str:
    return _BULLET.sub("", line).strip()


def legal_basis(rec: PortalRecord) -> list[str]:
    out: list[str] = []
    for part in _all(rec, "legal_basis"):
        columns: list[str] = []
        for cell in part.inline:
            out += [_clean_line(x) for x in cell.text.split("\n") if _clean_line(x)]
        for item in part.items:
            texts = [fold(c.text) for c in item.cells]
            if item.row and "so ky hieu" in texts:
                columns = texts
                continue
            if item.row and columns and len(item.cells) == len(columns):
                by = {col: c.text for col, c in zip(columns, item.cells, strict=True)}
                line = by.get("so ky hieu", "")
                if by.get("trich yeu"):
                    line += f" — {by['trich yeu']}"
                extra = [by[k] for k in ("ngay ban hanh", "co quan ban hanh") if by.get(k)]
                if extra:
                    line += f" ({', '.join(extra)})"
                out.append(line.strip(" —"))
                continue
            out += [_clean_line(x) for x in item.text.split("\n") if _clean_line(x)]
    return [
        x for x in dict.fromkeys(out) if fold(x) not in ("khong co thong tin", "chua co thong tin")
    ]


def _channel_rows(rec: PortalRecord) -> list[tuple[str, str, str, str]]:
    """(channel, limit text, fee text, description) per channel row of «Cách thức thực hiện»."""
    rows: list[tuple[str, str, str, str]] = []
    for part in _all(rec, "channels"):
        for item in part.items:
            if not item.row or not item.cells:
                continue
            head = fold(item.cells[0].text)
            if not head.startswith(_CHANNELS):
                continue
            cells = [c.text for c in item.cells] + ["", "", ""]
            if len(item.cells) >= 4:
                rows.append((cells[0], cells[1], cells[2], cells[3]))
            else:  # channel and limit together, fees in a list below: read the whole row
                rows.append((cells[0], item.text, item.text, ""))
    return rows


def _limit_of(text: str) -> tuple[float, str] | None:
    found = _LIMIT_RE.search(fold(text))
    if found is None:
        return None
    return float(found.group(1).replace(",", ".")), found.group(2)


def limit(rec: PortalRecord, unmapped: list[Unmapped]) -> tuple[dict[str, Any] | None, str | None]:
    rows = _channel_rows(rec)
    texts = [(r[0], r[1], r[3] or r[1]) for r in rows]
    label = "Cách thức thực hiện — Thời hạn giải quyết"
    if not texts:
        for part in _all(rec, "limit"):
            label = part.label
            lines = part.lines
            texts += [(line, line, " ".join(lines)) for line in lines if _limit_of(line)]
    if not texts:
        return None, None
    raw = "\n".join(f"{c}: {lim}" if c != lim else lim for c, lim, _ in texts)
    values = {_limit_of(lim) for _, lim, _ in texts}
    result: dict[str, Any] | None = None
    if len(values) == 1 and None not in values:
        value, unit = next(iter(values))  # type: ignore[misc]
        if unit in _UNITS:
            result = {"value": int(value) if value.is_integer() else value, "unit": _UNITS[unit]}
        else:
            unmapped.append(_unmapped("limit", label, raw, "Đơn vị «tháng» không có trong tệp."))
    else:
        unmapped.append(
            _unmapped("limit", label, raw, "Các cách nộp ghi thời hạn khác nhau: chọn một.")
        )
    descriptions = {fold(d) for _, _, d in texts}
    starts = {_clock_of(d) for d in descriptions}
    clock = next(iter(starts)) if len(starts) == 1 else None
    if clock is None:
        unmapped.append(
            _unmapped(
                "clock_starts",
                "Thời hạn giải quyết — Mô tả",
                "\n".join(dict.fromkeys(d for _, _, d in texts)),
                "Không đọc được thời hạn tính từ lúc nào (hồ sơ hợp lệ hay nộp phí).",
            )
        )
    return result, clock


def _clock_of(text: str) -> str | None:
    after = text.partition("ke tu")[2]
    if not after:
        return None
    if re.search(r"\bva (phi|le phi)\b", after):
        return "on_fee_paid"
    if "ho so" in after:
        return "on_valid_dossier"
    return None


def fee(rec: PortalRecord, unmapped: list[Unmapped]) -> dict[str, Any] | None:
    entries: list[tuple[str, int | None, str]] = []
    label = "Cách thức thực hiện — Phí, lệ phí"
    for _, _, text, _ in _channel_rows(rec):
        entries += _fees_in(text)
    if not entries:
        for part in _all(rec, "fee"):
            label = part.label
            raw = part.raw
            amount = re.sub(r"[.,\s]", "", raw)
            if amount.isdigit():
                entries.append((part.label, int(amount), ""))
            elif fold(raw) in ("khong", "mien phi", "khong thu"):
                entries.append((part.label, 0, raw))
            elif raw and fold(raw) not in ("khong co thong tin", "chua co thong tin"):
                entries.append((part.label, None, raw))
    entries = list(dict.fromkeys(entries))
    if not entries:
        return None
    note = "; ".join(
        f"{kind}: " + (f"{amount:,} đồng".replace(",", ".") if amount is not None else "")
        + (f" {detail}" if detail else "")
        for kind, amount, detail in entries
    ).replace(":  ", ": ")  # fmt: skip
    amounts = {a for _, a, _ in entries}
    if amounts == {0}:
        return {"amount_vnd": 0, "note": note}
    if len(entries) == 1 and None not in amounts:
        return {"amount_vnd": entries[0][1], "note": note}
    unmapped.append(
        _unmapped(
            "fee",
            label,
            note,
            "Không phải một số tiền duy nhất (nhiều mức hoặc tính theo tỷ lệ): số tiền để trống, "
            "lời của trang ghi ở «fee.note».",
        )
    )
    return {"amount_vnd": None, "note": note}


def _fees_in(text: str) -> list[tuple[str, int | None, str]]:
    out: list[tuple[str, int | None, str]] = []
    lines = [x.strip() for x in text.split("\n") if x.strip()]
    for i, line in enumerate(lines):
        for found in _FEE_RE.finditer(line):
            digits = re.sub(r"[.,]", "", found.group(2))
            rest = line[found.end() :].replace("Xem chi tiết", "").strip()
            if not rest and i + 1 < len(lines) and lines[i + 1].startswith("("):
                rest = lines[i + 1]
            kind = "Lệ phí" if fold(found.group(1)) == "le phi" else "Phí"
            out.append((kind, int(digits) if digits else None, rest.strip("() ")))
    return out


def _slug(name: str, taken: set[str]) -> str:
    words = re.sub(r"[^a-z0-9 ]", " ", fold(name)).split()
    key = "_".join(words[:6])[:40].strip("_") or "giay_to"
    if not key[0].isalpha():
        key = "gt_" + key
    base, n = key, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    taken.add(key)
    return key


def _copies(originals: int, copies: int) -> str | None:
    out = [f"{n:02d} {kind}" for n, kind in ((originals, "bản chính"), (copies, "bản sao")) if n]
    return ", ".join(out) or None


def _count(text: str) -> int:
    digits = re.sub(r"\D", "", text)
    return int(digits) if digits else 0


def documents(rec: PortalRecord, unmapped: list[Unmapped]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    taken: set[str] = set()
    groups: list[str] = []
    for part in _all(rec, "documents"):
        columns: list[str] = []
        for item in part.items:
            texts = [fold(c.text).rstrip(":") for c in item.cells]
            if item.row and ("ten giay to" in texts or "loai giay to" in texts):
                columns = texts
                continue
            if not item.row or len(item.cells) < 2:
                if item.text and fold(item.text) != "bao gom":
                    groups.append(item.text)
                continue
            out.append(_document(item, columns, taken, unmapped, part.label))
    if len(groups) > 1:
        unmapped.append(
            _unmapped(
                "documents",
                "Thành phần hồ sơ",
                "\n".join(groups),
                "Hồ sơ chia theo trường hợp; danh sách trong bản nháp gộp mọi trường hợp.",
            )
        )
    return out


def _document(item: Item, columns: list[str], taken: set[str], unmapped: list[Unmapped],
              label: str) -> dict[str, Any]:  # fmt: skip
    cells = dict(zip(columns, item.cells, strict=False))
    name = item.cells[0].text.split("\n")[0]
    text = item.text
    originals = re.search(r"Bản chính:\s*(\d+)", text)
    copies = re.search(r"Bản sao:\s*(\d+)", text)
    n_orig = int(originals.group(1)) if originals else _count(
        cells["ban chinh"].text if "ban chinh" in cells else "")  # fmt: skip
    n_copy = int(copies.group(1)) if copies else _count(
        cells["ban sao"].text if "ban sao" in cells else "")  # fmt: skip
    doc: dict[str, Any] = {
        "key": _slug(name, taken),
        "name": name,
        "required": "(neu co" not in fold(name),
    }
    if _copies(n_orig, n_copy):
        doc["copies"] = _copies(n_orig, n_copy)
    form = cells.get("mau don, to khai")
    form_text = form.text if form is not None else ""
    links = [f"{t} <{href}>" if t else href for t, href in item.links]
    texts = [form_text] if form_text and not any(t == form_text for t, _ in item.links) else []
    if texts or links:
        raw = f"{name}: " + "; ".join(texts + links)
        unmapped.append(
            _unmapped(
                "forms",
                "Mẫu đơn, tờ khai",
                raw,
                "Tệp thủ tục không có chỗ cho tệp mẫu: ghi số hiệu mẫu vào tên giấy tờ nếu cần.",
            )
        )
    return doc


#: record parts listed as they are (no place in a procedure file), in this order
OTHER_PARTS = (
    "decision", "type", "subjects", "agency", "authority", "delegated", "cooperating",
    "address", "result", "conditions", "forms", "related", "keywords",
)  # fmt: skip


def others(rec: PortalRecord, unmapped: list[Unmapped], reason: str, empty: set[str]) -> str | None:
    """List the parts with no place in the file; returns the steps' text (for a comment)."""
    steps = "\n".join(_steps_text(p) for p in _all(rec, "steps")).strip() or None
    if steps:
        unmapped.insert(
            0,
            _unmapped(
                "steps",
                "Trình tự thực hiện",
                steps,
                "Là lời văn: máy trạng thái không dựng được từ đó; bản nháp có khung tối thiểu.",
            ),
        )
    channels = _channels_text(rec)
    if channels:
        unmapped.append(
            _unmapped(
                "channels",
                "Cách thức thực hiện",
                channels,
                "Tệp thủ tục không ghi cách nộp và nơi nộp; thời hạn và phí đã lấy từ đây.",
            )
        )
    for key in OTHER_PARTS:
        for part in _all(rec, key):
            if fold(part.raw) not in empty:
                unmapped.append(_unmapped(key, part.label, part.raw, reason))
    field_parts = _all(rec, "field")[1:] + _all(rec, "name")[1:] + _all(rec, "code")[1:]
    for part in field_parts:
        unmapped.append(_unmapped("duplicate", part.label, part.raw, "Nhãn lặp lại trên trang."))
    return steps


def _channels_text(rec: PortalRecord) -> str:
    rows = [f"{c}: {d}" if d else c for c, _, _, d in _channel_rows(rec)]
    if not rows:
        rows = [line for part in _all(rec, "channels") for line in part.lines]
    return "\n".join(dict.fromkeys(_clean_line(r) for r in rows if _clean_line(r)))


def _steps_text(part: Part) -> str:
    """The steps as lines: no table header, no step number repeated in its own column."""
    lines = [c.text for c in part.inline if c.text]
    for item in part.items:
        texts = [c.text for c in item.cells if c.text]
        if item.row and all(fold(t) in ("ten buoc", "mo ta buoc") for t in texts):
            continue
        if len(texts) == 2 and texts[1].startswith(texts[0].rstrip(":")):
            texts = texts[1:]
        lines.append(" ".join(texts))
    return "\n".join(line for line in lines if line.strip())
