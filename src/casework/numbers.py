"""Numbers as a Vietnamese reader writes them: "." between thousands, "," before decimals.

One place for every page, slip, chart and export cell shown as text: 4000000.0 is
"4.000.000", 2.0 is "2", 0.5 is "0,5", and money is "4.000.000 đ" ("đồng" in the official
forms' legal text).
"""

from __future__ import annotations

MONEY_UNIT = "đ"
LEGAL_MONEY_UNIT = "đồng"


def fmt_number(value: float | int, decimals: int = 2) -> str:
    """4000000.0 → '4.000.000'; 2.0 → '2'; 1234.5 → '1.234,5'; at most `decimals` decimals."""
    rounded = round(float(value), decimals)
    if rounded.is_integer():
        return f"{int(rounded):,}".replace(",", ".")
    whole, _, frac = f"{abs(rounded):,.{decimals}f}".partition(".")
    sign = "-" if rounded < 0 else ""
    return f"{sign}{whole.replace(',', '.')},{frac.rstrip('0')}"


def fmt_money(amount: float | int, unit: str = MONEY_UNIT) -> str:
    """4000000 → '4.000.000 đ' (`unit=LEGAL_MONEY_UNIT` for the official forms: '… đồng')."""
    return f"{fmt_number(amount, 0)} {unit}"


def fmt_size(size: int) -> str:
    """A file's size: 44 → '44 byte'; 12_800 → '12,5 KB'; 3_145_728 → '3 MB' (never '0 KB')."""
    if size < 1024:
        return f"{size} byte"
    if size < 1024 * 1024:
        return f"{fmt_number(size / 1024, 1)} KB"
    return f"{fmt_number(size / (1024 * 1024), 1)} MB"
