"""The tile map: every province of the official list has its own square; a new one still shows."""

from __future__ import annotations

from casework.readiness.queries import Place
from casework.readiness.rules import LEVEL_COLOURS, Level
from casework.readiness.tables import Row
from casework.readiness.tilemap import TILES, tiles
from casework.units import source


def _row(code: int, abbr: str, level: Level) -> Row:
    place = Place(code, f"SKHCN.{abbr}", "Sở", "department", 1, abbr, code, "tỉnh")
    return Row(unit=place, levels={"dl": level, "cl": Level.not_ready}, communes=4, ready={"dl": 1})


def test_each_official_province_has_a_square_of_its_own():
    codes = {p.official_code for p in source.load().provinces}
    assert set(TILES) == codes
    assert len(set(TILES.values())) == 34


def test_tiles_are_shaded_by_level_and_link_to_the_province():
    rows = [
        _row(82, "DTH", Level.learning),
        _row(1, "HNI", Level.performing),
        _row(7, "NEW", Level.ready),
    ]
    out, width, height = tiles(rows, "dl")
    by_code = {t.code: t for t in out}
    assert by_code["SKHCN.DTH"].fill == LEVEL_COLOURS[Level.learning]
    assert by_code["SKHCN.HNI"].fill == LEVEL_COLOURS[Level.performing]
    assert by_code["SKHCN.HNI"].share == 0.25
    assert by_code["SKHCN.NEW"].y >= 17 * 50  # a province not on the grid: the spare row
    assert height > by_code["SKHCN.NEW"].y and width == 5 * 50
    assert {(t.x, t.y) for t in out} == {(t.x, t.y) for t in out if t.x < width}
