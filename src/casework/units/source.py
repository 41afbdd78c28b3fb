"""The official list of provinces and communes, read from the `vietnam-provinces` package.

Version 2025.10.1 (PyPI, 18/10/2025; checked 05/12/2026): 34 provinces and centrally-run cities
and 3,321 communes, wards and special zones after the rearrangement of 1 July 2025 (Resolution
202/2025/QH15 and the Standing Committee's resolutions on the communes), with the codes of the
General Statistics Office's list (`vietnam_provinces/data/nested-divisions.json`: name, code,
codename, division_type, wards[]).

Our unit codes stay what they were: `SKHCN.<ABBR>` for a province's Sở KH&CN and
`<ABBR>.<SLUG>` for a commune, the slug being the commune's short code name in capitals
(`phuong_ba_dinh` → `HNI.BADINH`); where two communes of a province share a slug (a xã and a
phường of the same name), each gets its official number after it (`DTH.MYTHO29869`).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from importlib import metadata, resources
from typing import Any

PACKAGE = "vietnam-provinces"

#: official province code → (our abbreviation, the name we show). The abbreviations are the
#: project's own (they predate the import and are in users' unit codes); names without
#: "Thành phố"/"Tỉnh", as in "Sở Khoa học và Công nghệ Hà Nội".
PROVINCES: dict[int, tuple[str, str]] = {
    1: ("HNI", "Hà Nội"), 4: ("CBA", "Cao Bằng"), 8: ("TQU", "Tuyên Quang"),
    11: ("DBI", "Điện Biên"), 12: ("LCH", "Lai Châu"), 14: ("SLA", "Sơn La"),
    15: ("LCA", "Lào Cai"), 19: ("TNG", "Thái Nguyên"), 20: ("LSO", "Lạng Sơn"),
    22: ("QNI", "Quảng Ninh"), 24: ("BNI", "Bắc Ninh"), 25: ("PTH", "Phú Thọ"),
    31: ("HPH", "Hải Phòng"), 33: ("HYE", "Hưng Yên"), 37: ("NBI", "Ninh Bình"),
    38: ("THO", "Thanh Hóa"), 40: ("NAN", "Nghệ An"), 42: ("HTI", "Hà Tĩnh"),
    44: ("QTR", "Quảng Trị"), 46: ("HUE", "Huế"), 48: ("DNG", "Đà Nẵng"),
    51: ("QNG", "Quảng Ngãi"), 52: ("GLA", "Gia Lai"), 56: ("KHA", "Khánh Hòa"),
    66: ("DLK", "Đắk Lắk"), 68: ("LDO", "Lâm Đồng"), 75: ("DNA", "Đồng Nai"),
    79: ("HCM", "TP. Hồ Chí Minh"), 80: ("TNI", "Tây Ninh"), 82: ("DTH", "Đồng Tháp"),
    86: ("VLO", "Vĩnh Long"), 91: ("AGI", "An Giang"), 92: ("CTO", "Cần Thơ"),
    96: ("CMA", "Cà Mau"),
}  # fmt: skip


@dataclass(frozen=True)
class Division:
    """One province or commune as the importer wants it."""

    official_code: int
    official_name: str
    division_type: str
    code: str  # our unit code
    name: str  # our unit name
    province: str  # the province's name as we show it
    parent_official_code: int | None = None  # the province of a commune


@dataclass(frozen=True)
class Tree:
    label: str  # e.g. "vietnam-provinces 2025.10.1"
    provinces: list[Division]
    communes: list[Division]


def department_code(abbr: str) -> str:
    return f"SKHCN.{abbr}"


def _short(official_name: str) -> str:
    for prefix in ("Thành phố ", "Tỉnh "):
        if official_name.startswith(prefix):
            return official_name.removeprefix(prefix)
    return official_name


def _abbr(code: int, codename: str) -> tuple[str, str | None]:
    known = PROVINCES.get(code)
    if known:
        return known
    return codename.replace("_", "").upper()[:8], None  # a province we do not know yet


def build(raw: list[dict[str, Any]], label: str) -> Tree:
    """The importer's view of the package's nested list (a pure function, for tests)."""
    provinces: list[Division] = []
    communes: list[Division] = []
    for p in raw:
        code = int(p["code"])
        abbr, shown = _abbr(code, str(p["codename"]))
        shown = shown if shown and _short(p["name"]) in shown else _short(p["name"])
        provinces.append(
            Division(
                official_code=code,
                official_name=p["name"],
                division_type=p["division_type"],
                code=department_code(abbr),
                name=f"Sở Khoa học và Công nghệ {shown}",
                province=shown,
            )
        )
        wards = p.get("wards") or []
        slugs = [
            str(w.get("short_codename") or w["codename"]).replace("_", "").upper() for w in wards
        ]
        twice = {s for s, n in Counter(slugs).items() if n > 1}
        for w, slug in zip(wards, slugs, strict=True):
            wcode = int(w["code"])
            communes.append(
                Division(
                    official_code=wcode,
                    official_name=w["name"],
                    division_type=w["division_type"],
                    code=f"{abbr}.{slug}{wcode if slug in twice else ''}",
                    name=f"UBND {w['name']}",
                    province=shown,
                    parent_official_code=code,
                )
            )
    return Tree(label=label, provinces=provinces, communes=communes)


def load() -> Tree:
    """The installed package's list."""
    text = (
        resources.files("vietnam_provinces")
        .joinpath("data/nested-divisions.json")
        .read_text(encoding="utf-8")
    )
    return build(json.loads(text), f"{PACKAGE} {metadata.version(PACKAGE)}")
