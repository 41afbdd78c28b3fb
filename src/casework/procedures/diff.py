"""What changed between two versions of a procedure, in Vietnamese, one line per change."""

from __future__ import annotations

from typing import Any

from casework.procedures.schema import Procedure
from casework.procedures.sources import SourceRef

_TOP = {
    "name": "Tên thủ tục",
    "level": "Cấp",
    "kind": "Loại",
    "field": "Lĩnh vực",
    "legal_basis": "Căn cứ pháp lý",
    "limit": "Thời hạn",
    "clock_starts": "Thời điểm bắt đầu tính hạn",
    "fee": "Phí, lệ phí",
    "code_kind": "Loại mã (quốc gia/địa phương)",
    "source": "Nguồn",
    "verified_on": "Ngày đối chiếu",
    "needs_recheck": "Cần kiểm tra lại",
    "replaces": "Thay cho mã",
}


def _dump(value: Any) -> Any:
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


def diff(old: Procedure, new: Procedure) -> list[str]:
    """Human-readable differences from `old` to `new` (empty when equivalent)."""
    out: list[str] = []
    for key, label in _TOP.items():
        a, b = _dump(getattr(old, key)), _dump(getattr(new, key))
        if a != b:
            out.append(f"{label}: {a} → {b}")
    out += _keyed(
        "Thành phần hồ sơ",
        {d.key: d.model_dump(mode="json") for d in old.documents},
        {d.key: d.model_dump(mode="json") for d in new.documents},
    )
    out += _keyed(
        "Bước",
        {k: s.model_dump(mode="json") for k, s in old.states.items()},
        {k: s.model_dump(mode="json") for k, s in new.states.items()},
    )

    def actions(p: Procedure) -> dict[str, Any]:
        return {
            f"{t.action} ({', '.join(t.source)} → {t.target})": t.model_dump(mode="json")
            for t in p.transitions
        }

    out += _keyed("Thao tác", actions(old), actions(new))
    out += _sources(old, new)
    out += _keyed("Hướng dẫn bước", dict(old.guidance), dict(new.guidance))
    out += _keyed("Danh mục kiểm tra của bước", dict(old.checklists), dict(new.checklists))
    return out


def _sources(old: Procedure, new: Procedure) -> list[str]:
    """Sources added or dropped (by citation), and a source read again on another day."""
    a = {s.cite: s for s in old.sources}
    b = {s.cite: s for s in new.sources}

    def told(s: SourceRef) -> str:
        return f"«{s.cite}» ({', '.join(s.labels)}; kiểm tra {s.checked:%d/%m/%Y})"

    out = [f"Nguồn: thêm {told(s)}" for cite, s in b.items() if cite not in a]
    out += [f"Nguồn: bỏ {told(s)}" for cite, s in a.items() if cite not in b]
    out += [
        f"Nguồn: {told(s)} (trước: {', '.join(a[cite].labels)}; {a[cite].checked:%d/%m/%Y})"
        for cite, s in b.items()
        if cite in a and a[cite] != s
    ]
    return out


def _keyed(label: str, a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    out = [f"{label} «{k}»: thêm mới" for k in b if k not in a]
    out += [f"{label} «{k}»: bỏ" for k in a if k not in b]
    for k in a:
        if k in b and a[k] != b[k]:
            if isinstance(a[k], dict) and isinstance(b[k], dict):
                changes = [
                    f"{f}: {a[k].get(f)} → {b[k].get(f)}"
                    for f in sorted(set(a[k]) | set(b[k]))
                    if a[k].get(f) != b[k].get(f)
                ]
                out.append(f"{label} «{k}»: " + "; ".join(changes))
            else:
                out.append(f"{label} «{k}»: đã sửa")
    return out
