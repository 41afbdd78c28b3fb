"""Text folding for search: Vietnamese without diacritics, case-insensitive.

"Kiểm tra Đo lường" and "kiem tra do luong" fold to the same string, so officers can type on any
keyboard. Stored folded copies (e.g. `Dossier.search_text`) make the search the same on SQLite,
whose `lower()` only knows ASCII, and on PostgreSQL.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped).strip().lower()
