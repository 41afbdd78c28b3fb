"""The readiness level of a unit in a field, and of a province: pure functions, printed on the
page as they are written here (`RULES`), so the rule an officer reads is the rule applied.

A unit's level in a field (đo lường; chất lượng sản phẩm, hàng hóa), from its active officers:

- **đang thực hiện** (performing): ready, and at least one real dossier or inspection of the
  field finished in the last 90 days;
- **sẵn sàng** (ready): at least one officer holds a valid certificate of the field and at least
  one officer is signed off by a ministry mentor on a procedure of the field ("có thể làm độc
  lập"). In đo lường the certificate is the law's condition for heading a team (TT 28/2013/
  TT-BKHCN Điều 5 khoản 4, 7: the head is the commune's own manager and holds it; members another
  body sends need none). In chất lượng it is a training course the committee runs: no law found
  requires it — the team needs half kiểm soát viên chất lượng (Luật Chất lượng sản phẩm, hàng
  hóa 2007 Điều 48 khoản 2), usually the department's — so the count says "trained", and the
  level is about capacity, not the legal condition of a team (docs/readiness.md);
- **đang học** (learning): not ready, but something has begun — a certificate, a sign-off, or a
  practice run of the field in the last 90 days;
- **chưa sẵn sàng** (not ready): none of that.

A province's level in a field is the median of its communes' levels: the highest level that at
least half of its communes reach.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

WINDOW_DAYS = 90

#: the two fields (the procedures' own `field:` values, as certificates store them)
FIELDS: dict[str, str] = {"dl": "Đo lường", "cl": "Chất lượng sản phẩm, hàng hóa"}
FIELD_LABELS: dict[str, str] = {"dl": "Đo lường", "cl": "Chất lượng hàng hóa"}


class Level(IntEnum):
    not_ready = 0
    learning = 1
    ready = 2
    performing = 3

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self]

    @property
    def key(self) -> str:
        return self.name


LEVEL_LABELS = {
    Level.not_ready: "Chưa sẵn sàng",
    Level.learning: "Đang học",
    Level.ready: "Sẵn sàng",
    Level.performing: "Đang thực hiện",
}

#: fill colours of the map and the level badges (colour-blind safe, dark to light text)
LEVEL_COLOURS = {
    Level.not_ready: "#b2182b",
    Level.learning: "#ef8a62",
    Level.ready: "#67a9cf",
    Level.performing: "#2166ac",
}

RULES: list[tuple[Level, str]] = [
    (
        Level.performing,
        "Sẵn sàng, và đã hoàn thành ít nhất một hồ sơ hoặc cuộc kiểm tra thật của lĩnh vực "
        f"trong {WINDOW_DAYS} ngày qua.",
    ),
    (
        Level.ready,
        "Có ít nhất một cán bộ có chứng chỉ nghiệp vụ còn hiệu lực của lĩnh vực (đo lường: "
        "trưởng đoàn kiểm tra là cán bộ của xã và phải có; chất lượng: chứng chỉ tập huấn, "
        "không phải điều kiện luật định của đoàn) và ít nhất một cán bộ được cán bộ hướng dẫn "
        "của Bộ xác nhận «có thể làm độc lập» một thủ tục của lĩnh vực.",
    ),
    (
        Level.learning,
        "Chưa sẵn sàng nhưng đã bắt đầu: có chứng chỉ, hoặc có xác nhận, hoặc đã làm thử hồ sơ "
        f"của lĩnh vực trong {WINDOW_DAYS} ngày qua.",
    ),
    (Level.not_ready, "Chưa có gì ở trên."),
]
PROVINCE_RULE = (
    "Mức của một tỉnh trong một lĩnh vực là mức trung vị của các xã, phường: mức cao nhất mà ít "
    "nhất một nửa số xã, phường của tỉnh đạt."
)


@dataclass(frozen=True)
class FieldFacts:
    """What the rule looks at, for one unit and one field."""

    certified: int = 0  # officers with a valid certificate of the field
    signed_off: int = 0  # officers signed off on a procedure of the field
    practice: int = 0  # practice dossiers of the field started in the window
    done: int = 0  # real dossiers / inspections of the field finished in the window


def unit_level(facts: FieldFacts) -> Level:
    if facts.certified >= 1 and facts.signed_off >= 1:
        return Level.performing if facts.done >= 1 else Level.ready
    if facts.certified or facts.signed_off or facts.practice:
        return Level.learning
    return Level.not_ready


def province_level(levels: Iterable[Level]) -> Level:
    """The highest level reached by at least half of the communes (none: not ready)."""
    ordered = sorted(levels, reverse=True)
    if not ordered:
        return Level.not_ready
    return ordered[(len(ordered) + 1) // 2 - 1]
