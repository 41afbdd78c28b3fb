"""The labels of a portal record (``portal_page``): how the portals name each part of a TTHC
record and the columns of its tables, compared without accents or case (``fold``)."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Lower case, no accents, đ → d, one space between words (for comparing labels)."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D").replace("Ð", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).strip().lower()


#: label on the page (folded) -> key of the record part
LABELS: dict[str, str] = {
    "ma thu tuc": "code",
    "ma tthc": "code",
    "ky hieu thu tuc": "code",
    "so quyet dinh": "decision",
    "ten thu tuc": "name",
    "cap thuc hien": "level",
    "loai thu tuc": "type",
    "linh vuc": "field",
    "trinh tu thuc hien": "steps",
    "cach thuc thuc hien": "channels",
    "cach thuc hien": "channels",
    "thanh phan ho so": "documents",
    "thanh phan, so luong ho so": "documents",
    "thanh phan ho so can nop": "documents",
    "thoi han giai quyet": "limit",
    "thoi gian giai quyet": "limit",
    "doi tuong thuc hien": "subjects",
    "co quan thuc hien": "agency",
    "co quan co tham quyen": "authority",
    "co quan co tham quyen quyet dinh": "authority",
    "dia chi tiep nhan hs": "address",
    "dia chi tiep nhan ho so": "address",
    "co quan duoc uy quyen": "delegated",
    "co quan phoi hop": "cooperating",
    "ket qua thuc hien": "result",
    "can cu phap ly": "legal_basis",
    "yeu cau, dieu kien thuc hien": "conditions",
    "yeu cau, dieu kien": "conditions",
    "yeu cau dieu kien thuc hien": "conditions",
    "dieu kien thuc hien": "conditions",
    "phi, le phi": "fee",
    "le phi": "fee",
    "phi": "fee",
    "mau don, to khai": "forms",
    "ten mau don, mau to khai": "forms",
    "thu tuc hanh chinh lien quan": "related",
    "tu khoa": "keywords",
}
#: column headings of the record's tables (a row made only of these is a table's header)
COLUMN_WORDS = {
    "hinh thuc nop",
    "thoi han giai quyet",
    "thoi gian giai quyet",
    "phi, le phi",
    "mo ta",
    "ten giay to",
    "loai giay to",
    "ban chinh",
    "ban sao",
    "so luong",
    "mau don, to khai",
    "so ky hieu",
    "trich yeu",
    "ngay ban hanh",
    "co quan ban hanh",
    "ten buoc",
    "mo ta buoc",
    "thong tin",
    "noi dung",
}
#: a documents table's header names its first column so
DOCUMENT_COLUMNS = {"ten giay to", "loai giay to"}
STEP_RE = re.compile(r"^\W*buoc\s*\d")  # on folded text
