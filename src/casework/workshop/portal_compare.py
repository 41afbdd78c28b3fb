"""What a portal record says that the published version of the same procedure does not.

An import of a procedure already in the catalogue does not become a draft (``portal_store``):
its skeleton would replace real steps. Instead the editor gets this list — value by value, the
portal's words beside the published version's — and copies what is right into the procedure's
own draft. Only values the import mapped are compared; what it could not map is in its own list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from casework.procedures import Procedure
from casework.workshop.portal_import import PortalDraft
from casework.workshop.portal_page import fold

_LEVELS = {"commune": "Cấp Xã", "province": "Cấp Tỉnh", "ministry": "Cấp Bộ"}
_UNITS = {"working_days": "ngày làm việc", "days": "ngày", "hours": "giờ"}
_CLOCK = {
    "on_valid_dossier": "từ khi nhận đủ hồ sơ hợp lệ",
    "on_fee_paid": "từ khi nhận đủ hồ sơ hợp lệ và phí, lệ phí",
}


@dataclass(frozen=True)
class Difference:
    label: str  # Vietnamese name of the value
    portal: str  # what the portal record says
    published: str  # what the published version says


def _name(text: str) -> str:
    folded = fold(text)
    return folded[len("thu tuc ") :] if folded.startswith("thu tuc ") else folded


def _limit(value: dict[str, Any] | None) -> str:
    if not value:
        return ""
    number = value["value"]
    shown = int(number) if float(number).is_integer() else number
    return f"{shown} {_UNITS.get(value['unit'], value['unit'])}"


def _amount(value: int | None) -> str:
    return "chưa rõ số tiền" if value is None else f"{value:,} đồng".replace(",", ".")


def _only_in(mine: list[str], theirs: list[str]) -> list[str]:
    seen = {fold(x) for x in theirs}
    return [x for x in mine if fold(x) not in seen]


def compare(result: PortalDraft, published: Procedure) -> list[Difference]:
    """The values the import mapped that differ from ``published`` (empty: they agree)."""
    data = yaml.safe_load(result.yaml_text) or {}
    out: list[Difference] = []
    add = out.append
    if data.get("name") and _name(data["name"]) != _name(published.name):
        add(Difference("Tên thủ tục", data["name"], published.name))
    if data.get("level") and data["level"] != published.level:
        add(Difference("Cấp thực hiện", _LEVELS[data["level"]], _LEVELS[published.level]))
    if data.get("field") and fold(data["field"]) != fold(published.field):
        add(Difference("Lĩnh vực", data["field"], published.field))
    mine = published.limit.model_dump()
    if data.get("limit") and _limit(data["limit"]) != _limit(mine):
        add(Difference("Thời hạn giải quyết", _limit(data["limit"]), _limit(mine)))
    if data.get("clock_starts") and data["clock_starts"] != published.clock_starts:
        add(
            Difference(
                "Thời hạn tính", _CLOCK[data["clock_starts"]], _CLOCK[published.clock_starts]
            )
        )
    fee = data.get("fee")
    theirs = published.fee.amount_vnd if published.fee is not None else None
    if fee and fee.get("amount_vnd") is not None and fee["amount_vnd"] != theirs:
        add(Difference("Phí, lệ phí", _amount(fee["amount_vnd"]), _amount(theirs)))
    names = [d["name"] for d in data.get("documents") or []]
    ours = [d.name for d in published.documents]
    if names and (_only_in(names, ours) or _only_in(ours, names)):
        add(
            Difference(
                "Thành phần hồ sơ",
                "\n".join(_only_in(names, ours)) or "(không thêm giấy tờ nào)",
                "\n".join(_only_in(ours, names)) or "(không bớt giấy tờ nào)",
            )
        )
    basis = list(data.get("legal_basis") or [])
    if basis and (_only_in(basis, published.legal_basis)):
        add(Difference("Căn cứ pháp lý", "\n".join(basis), "\n".join(published.legal_basis)))
    return out
