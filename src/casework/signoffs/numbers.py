"""Certificate numbers of sign-offs: ``XN-2026-7K3Q-9FMA-R``.

- ``XN`` (xác nhận): a sign-off, never mistaken for a training certificate's number;
- ``2026``: the year of signing (Vietnam time);
- ``7K3Q-9FMA``: 8 random characters (40 bits, `secrets`) of Crockford's base 32 alphabet, which
  has no I, L, O or U, so nothing reads as 1 or 0 and no word is spelled by chance. There is no
  running count: numbers cannot be guessed from one another, and 10,000 sign-offs fill one in
  a hundred million of the space;
- ``R``: a check character (Luhn mod 32 over year and random part), so a mistyped character or
  two swapped neighbours are caught before the database is asked.

`normalize` reads what a person typed: any case, with or without dashes or spaces, ``O`` for
``0`` and ``I``/``L`` for ``1``.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "XN"
RANDOM_LENGTH = 8
#: The longest number, with its dashes (the column's width).
LENGTH = len(f"{PREFIX}-2026-ABCD-EFGH-C")
_CONFUSED = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SHAPE = re.compile(rf"{PREFIX}(\d{{4}})([{ALPHABET}]{{{RANDOM_LENGTH}}})([{ALPHABET}])")


def check_character(payload: str) -> str:
    """Luhn mod N (N = 32) over `payload`, characters of `ALPHABET`."""
    n = len(ALPHABET)
    total, factor = 0, 2
    for ch in reversed(payload):
        addend = factor * ALPHABET.index(ch)
        total += addend // n + addend % n
        factor = 3 - factor
    return ALPHABET[-total % n]


def _format(year: str, body: str) -> str:
    check = check_character(year + body)
    return f"{PREFIX}-{year}-{body[:4]}-{body[4:]}-{check}"


def new_number(year: int) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return _format(f"{year:04d}", body)


def normalize(text: str) -> str | None:
    """The number in its printed form, or None if `text` is no well-formed number (wrong shape,
    or a check character that does not match)."""
    squeezed = re.sub(r"[\s\-–.]", "", text or "").upper()
    if not squeezed.startswith(PREFIX):
        return None
    squeezed = PREFIX + squeezed[len(PREFIX) :].translate(_CONFUSED)
    found = _SHAPE.fullmatch(squeezed)
    if found is None:
        return None
    year, body, check = found.groups()
    if check_character(year + body) != check:
        return None
    return _format(year, body)
