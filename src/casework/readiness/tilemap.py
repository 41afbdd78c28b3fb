"""A tile-grid map of the 34 provinces: one square per province, placed roughly where it lies
(north at the top), shaded by its level. Positions are by official province code; a province
not listed (a later rearrangement) goes to a spare row at the bottom.
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.readiness.rules import LEVEL_COLOURS, Level
from casework.readiness.tables import Row

TILE = 46
GAP = 4

#: official code → (column, row)
TILES: dict[int, tuple[int, int]] = {
    12: (1, 0), 15: (2, 0), 8: (3, 0), 4: (4, 0),  # Lai Châu, Lào Cai, Tuyên Quang, Cao Bằng
    11: (0, 1), 14: (1, 1), 25: (2, 1), 19: (3, 1), 20: (4, 1),  # Điện Biên … Lạng Sơn
    1: (2, 2), 24: (3, 2), 22: (4, 2),  # Hà Nội, Bắc Ninh, Quảng Ninh
    37: (2, 3), 33: (3, 3), 31: (4, 3),  # Ninh Bình, Hưng Yên, Hải Phòng
    38: (2, 4), 40: (2, 5), 42: (3, 6), 44: (3, 7),  # Thanh Hóa, Nghệ An, Hà Tĩnh, Quảng Trị
    46: (4, 8), 48: (4, 9), 51: (4, 10), 52: (4, 11),  # Huế, Đà Nẵng, Quảng Ngãi, Gia Lai
    66: (4, 12), 68: (3, 13), 56: (4, 13),  # Đắk Lắk, Lâm Đồng, Khánh Hòa
    80: (1, 14), 79: (2, 14), 75: (3, 14),  # Tây Ninh, TP. Hồ Chí Minh, Đồng Nai
    91: (0, 15), 82: (1, 15), 86: (2, 15),  # An Giang, Đồng Tháp, Vĩnh Long
    96: (0, 16), 92: (1, 16),  # Cà Mau, Cần Thơ
}  # fmt: skip
COLUMNS, ROWS = 5, 17


@dataclass(frozen=True)
class Tile:
    x: int
    y: int
    code: str  # the department's unit code (the link)
    abbr: str
    name: str
    level: Level
    fill: str
    text: str  # label colour
    share: float | None  # communes at ready or above


def tiles(rows: list[Row], field: str) -> tuple[list[Tile], int, int]:
    """The tiles of the provinces in `rows`, and the map's width and height in pixels."""
    out = []
    spare = 0
    for r in sorted(rows, key=lambda r: r.unit.official_code or 0):
        place = TILES.get(r.unit.official_code or -1)
        if place is None:
            place = (spare % COLUMNS, ROWS + spare // COLUMNS)
            spare += 1
        level = r.levels.get(field, Level.not_ready)
        out.append(
            Tile(
                x=place[0] * (TILE + GAP),
                y=place[1] * (TILE + GAP),
                code=r.unit.code,
                abbr=r.unit.code.split(".", 1)[-1][:4],
                name=r.unit.province or r.unit.name,
                level=level,
                fill=LEVEL_COLOURS[level],
                text="#fff" if level in (Level.not_ready, Level.performing) else "#111",
                share=r.share_ready(field),
            )
        )
    rows_used = ROWS + (-(-spare // COLUMNS))
    return out, COLUMNS * (TILE + GAP), rows_used * (TILE + GAP)
