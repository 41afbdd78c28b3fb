"""Read a procedure record of the national public-service portal out of a saved page.

The record pages seen (December 2026) all print the same labelled parts of a TTHC record, in
different markup:

- Cổng DVC quốc gia, «Chi tiết thủ tục hành chính»
  (``dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=<internal id>``
  and ``dvc-chi-tiet-thu-tuc-hanh-chinh.html?ma_thu_tuc=<code>``): the title, «Trình tự thực
  hiện», «Cách thức thực hiện» (a table «Hình thức nộp | Thời hạn giải quyết | Phí, lệ phí | Mô
  tả», one row per channel), «Thành phần hồ sơ» (a table of documents with «Bản chính», «Bản
  sao» and «Mẫu đơn, tờ khai»), «Cơ quan thực hiện», «Yêu cầu, điều kiện thực hiện», «Căn cứ
  pháp lý»;
- a record of the national TTHC database as mirrored by legal-text sites: label/value rows «Mã
  thủ tục», «Số quyết định», «Lĩnh vực», «Cấp thực hiện», «Loại thủ tục», «Đối tượng thực hiện»,
  «Cơ quan thực hiện», …, «Kết quả thực hiện», then the same parts;
- a province's portal on the same platform (``Ký hiệu thủ tục: 2.002131.000.00.00.H58``, «Lệ
  phí», «Phí» as their own parts).

So the reader does not depend on class names (which change with every portal release): it turns
the page into a list of text blocks and table rows, finds the known labels (compared without
accents and case), and keeps what follows each label up to the next one. The portal's «export»
(``export_word_detail_tthc.jsp``, a ``.doc``) is read the same way when it is HTML inside; a
binary Word file is refused with a message saying how to save it as a web page. A page saved «as
a single file» (MHTML) is unwrapped first; its snapshot header gives the page's address.

Nothing here interprets values; ``portal_import`` maps them to a procedure draft.
"""

from __future__ import annotations

import email
import email.policy
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

from casework.errors import ValidationFailed
from casework.workshop.portal_labels import COLUMN_WORDS, DOCUMENT_COLUMNS, LABELS, STEP_RE, fold

_BLOCK_TAGS = {
    "p", "div", "li", "ul", "ol", "section", "article", "header", "footer", "h1", "h2", "h3",
    "h4", "h5", "h6", "dt", "dd", "dl", "table", "tr", "form", "blockquote", "main", "aside",
    "nav", "label", "legend", "fieldset",
}  # fmt: skip
_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "select", "button"}


@dataclass
class Cell:
    text: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, href)


@dataclass
class Item:
    """A text block (one cell) or a table row (its cells)."""

    cells: list[Cell]
    heading: bool = False
    row: bool = False

    @property
    def text(self) -> str:
        return " | ".join(c.text for c in self.cells if c.text)

    @property
    def links(self) -> list[tuple[str, str]]:
        return [link for c in self.cells for link in c.links]


@dataclass
class Part:
    """What the page says under one label: cells on the label's own row, then following items."""

    label: str
    inline: list[Cell] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        out = [c.text for c in self.inline if c.text]
        out += [line for it in self.items for line in it.text.split("\n")]
        return [line.strip() for line in out if line.strip()]

    @property
    def raw(self) -> str:
        return "\n".join(self.lines)


@dataclass
class PortalRecord:
    title: str | None
    url: str | None
    parts: dict[str, list[Part]]

    def first(self, key: str) -> Part | None:
        found = self.parts.get(key)
        return found[0] if found else None


class _Walker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[Item] = []
        self.title = ""
        self.url: str | None = None
        self._skip = 0
        self._in_title = False
        self._buf: list[str] = []
        self._links: list[tuple[str, str]] = []
        self._heading = False
        self._rows: list[list[Cell] | None] = []  # one per open table: the open row's cells
        self._cell: list[Cell | None] = []  # one per open table: the open cell
        self._href: str | None = None
        self._link_text: list[str] = []

    # -- the text being collected goes to the open cell, or to a block outside tables ---------
    def _target(self) -> Cell | None:
        return self._cell[-1] if self._cell else None

    def _flush(self) -> None:
        text = _clean("".join(self._buf))
        if text:
            self.items.append(Item([Cell(text, self._links)], heading=self._heading))
        self._buf, self._links, self._heading = [], [], False

    def handle_comment(self, data: str) -> None:
        found = re.search(r"saved from url=\(\d+\)(\S+)", data)
        if found and self.url is None:
            self.url = found.group(1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in _SKIP_TAGS:
            self._skip += 1
            return
        if tag == "title":
            self._in_title = True
        elif tag == "link" and (a.get("rel") or "").lower() == "canonical" and a.get("href"):
            self.url = self.url or a["href"]
        elif tag == "meta" and a.get("property") == "og:url" and a.get("content"):
            self.url = self.url or a["content"]
        if self._skip:
            return
        if tag == "table":
            if not self._cell or self._cell[-1] is None:
                self._flush()
            self._rows.append(None)
            self._cell.append(None)
        elif tag == "tr" and self._rows:
            self._rows[-1] = []
        elif tag in ("td", "th") and self._rows:
            if self._rows[-1] is None:
                self._rows[-1] = []
            self._cell[-1] = Cell("")
        elif tag == "br" or (tag in _BLOCK_TAGS and tag != "table"):
            self._newline()
            if tag in ("h1", "h2", "h3", "h4") and self._target() is None:
                self._heading = True
        if tag == "a":
            self._href = a.get("href")
            self._link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
            return
        if tag == "title":
            self._in_title = False
        if self._skip:
            return
        if tag == "a" and self._href is not None:
            link = (_clean("".join(self._link_text)), self._href)
            target = self._target()
            (target.links if target is not None else self._links).append(link)
            self._href = None
        elif tag in ("td", "th") and self._cell and self._cell[-1] is not None:
            cell = self._cell[-1]
            cell.text = "\n".join(_clean(x) for x in cell.text.split("\n") if _clean(x))
            row = self._rows[-1]
            if row is not None:
                row.append(cell)
            self._cell[-1] = None
        elif tag == "tr" and self._rows:
            row = self._rows[-1]
            if row and any(c.text or c.links for c in row):
                self.items.append(Item(row, row=True))
            self._rows[-1] = None
        elif tag == "table" and self._rows:
            self._rows.pop()
            self._cell.pop()
        elif tag in _BLOCK_TAGS:
            self._newline()

    def _newline(self) -> None:
        target = self._target()
        if target is not None:
            target.text += "\n"
        else:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._skip:
            return
        if self._href is not None:
            self._link_text.append(data)
        target = self._target()
        if target is not None:
            target.text += data
        elif not self._rows:
            self._buf.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def _clean(text: str) -> str:
    return re.sub(r"[ \t\r\f\v\xa0]+", " ", text).strip()


def _label_key(text: str) -> str | None:
    return LABELS.get(fold(text).rstrip(":").strip())


def _is_header_row(item: Item) -> bool:
    texts = [fold(c.text).rstrip(":").strip() for c in item.cells if c.text]
    return len(texts) >= 2 and all(t in COLUMN_WORDS for t in texts)


#: the parts a page may show without their label, and how the import names them
UNLABELLED = {
    "steps": "Trình tự thực hiện (trang không ghi nhãn)",
    "documents": "Thành phần hồ sơ (trang không ghi nhãn)",
}


def _unlabelled_part(item: Item) -> str | None:
    if item.row and _is_header_row(item):
        if fold(item.cells[0].text).rstrip(":") in DOCUMENT_COLUMNS:
            return "documents"
        return None
    first = item.cells[0].text if item.cells else ""
    return "steps" if STEP_RE.match(fold(first)) and not item.row else None


def parts_key(parts: dict[str, list[Part]], part: Part) -> str | None:
    for key, found in parts.items():
        if any(p is part for p in found):
            return key
    return None


#: control characters (but tab and line breaks) and bidi overrides: never carried into a draft
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def decode(raw: bytes | str) -> str:
    """The page as clean text (NFC, no control character or bidi override)."""
    return _UNSAFE.sub("", unicodedata.normalize("NFC", _text(raw)))


def _text(raw: bytes | str) -> str:
    """UTF-8 (what browsers save), else the charset the page's meta names."""
    if isinstance(raw, str):
        return raw
    if raw.startswith(b"\xd0\xcf\x11\xe0") or raw.startswith(b"PK\x03\x04"):
        raise ValidationFailed(
            "Tệp là tài liệu Word nhị phân, không đọc được. Mở tệp bằng Word hoặc LibreOffice, "
            "chọn «Lưu thành» → «Trang web (.htm)», rồi nhập tệp .htm đó.",
            fields={"file": "Tệp Word nhị phân: lưu thành trang web (.htm) rồi nhập lại."},
        )
    head = raw[:4096].decode("ascii", "ignore")
    found = re.search(r"charset=[\"']?([\w-]+)", head, re.IGNORECASE)
    for enc in ("utf-8", found.group(1) if found else "cp1258"):
        try:
            return raw.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("utf-8", "replace")


def unwrap_mhtml(raw: bytes) -> tuple[bytes, str | None] | None:
    """(the HTML, the page's address) of a page saved «as a single file» (MHTML, RFC 2557: what
    Chrome and Edge write for «Trang web, một tệp»), or None when ``raw`` is not one."""
    head = raw[:4096].lower()
    if b"mime-version" not in head or b"multipart/related" not in head:
        return None
    message = email.message_from_bytes(raw, policy=email.policy.default)
    url = message.get("Snapshot-Content-Location")
    for part in message.walk():
        if part.get_content_type() == "text/html":
            body = part.get_payload(decode=True)
            if not isinstance(body, bytes):
                continue
            charset = part.get_content_charset() or "utf-8"
            meta = f'<meta charset="{charset}">'.encode("ascii", "ignore")
            address = re.sub(r"\s+", "", str(url or part.get("Content-Location") or ""))
            return meta + body, address or None  # (a long header is folded: no spaces in a URL)
    return None


def read_record(raw: bytes | str) -> PortalRecord:
    """The labelled parts of the page, in page order (a label seen twice keeps both parts)."""
    url: str | None = None
    if isinstance(raw, bytes):
        found = unwrap_mhtml(raw)
        if found is not None:
            raw, url = found
    walker = _Walker()
    walker.feed(decode(raw))
    walker.close()
    walker.url = url or walker.url  # the snapshot header names the address the user saved
    parts: dict[str, list[Part]] = {}
    current: Part | None = None
    title: str | None = None
    for item in walker.items:
        first = item.cells[0].text if item.cells else ""
        key = _label_key(first.split("\n")[0]) if first else None
        label_alone = key is not None and "\n" not in first.strip()
        if key is not None and label_alone and not _is_header_row(item):
            current = Part(first.strip().rstrip(":").strip(), inline=item.cells[1:])
            parts.setdefault(key, []).append(current)
            continue
        if key is not None and not item.row and not label_alone:
            # "Label\nvalue" in one block (a label and its value in one <div>)
            head, _, rest = first.partition("\n")
            current = Part(head.strip().rstrip(":").strip(), inline=[Cell(rest, item.links)])
            parts.setdefault(key, []).append(current)
            continue
        inline = re.match(r"^([^:\n]{2,40}):\s*(\S.*)$", first) if not item.row else None
        if inline and _label_key(inline.group(1)):
            label_key = _label_key(inline.group(1))
            assert label_key is not None
            current = Part(inline.group(1).strip(), inline=[Cell(inline.group(2), item.links)])
            parts.setdefault(label_key, []).append(current)
            continue
        if title is None and item.heading and current is None:
            title = item.text
            continue
        if current is None:
            continue
        # an unlabelled steps list or documents table (a tab whose title is drawn by script)
        # starts its own part instead of running on inside the previous one
        opens = _unlabelled_part(item)
        if opens is not None and opens != parts_key(parts, current):
            current = Part(UNLABELLED[opens])
            parts.setdefault(opens, []).append(current)
        current.items.append(item)
    page_title = _clean(walker.title) or None
    return PortalRecord(title=title or page_title, url=walker.url, parts=parts)
