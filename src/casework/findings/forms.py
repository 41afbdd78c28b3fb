"""The columns of each kind of finding row, and the cleaning of what was typed.

A bad value is refused (`ValidationFailed`, 422) naming the row and the column, e.g. "Dòng 2,
cột «Lượng thực đo được»: giá trị thứ 3 («abc») không phải là số"; the form keeps what was typed.
Values are stored as typed (trimmed, numbers normalised), so the record prints what was measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from casework.errors import ValidationFailed
from casework.findings import tolerance
from casework.findings.models import RowKind
from casework.findings.tolerance import Outcome
from casework.numbers import fmt_money


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text | number | numbers | date | unit | choice | integer
    required: bool = False
    hint: str = ""


COLUMNS: dict[str, list[Column]] = {
    RowKind.instrument: [
        Column("loai", "Loại phương tiện đo", required=True, hint="Ví dụ: cân đồng hồ lò xo 60 kg"),
        Column("so_hieu", "Số hiệu (số sêri)"),
        Column("tem", "Số tem / giấy chứng nhận kiểm định"),
        Column("han_kiem_dinh", "Hiệu lực kiểm định đến ngày", "date"),
        Column("cap_chinh_xac", "Cấp chính xác", hint="Ví dụ: cấp 4 (IIII)"),
        Column(
            "mpe",
            "Sai số lớn nhất cho phép (MPE)",
            "number",
            hint="Để trống với cân không tự động: tính từ cấp chính xác, e và tải thử.",
        ),
        Column("e", "Giá trị độ chia kiểm (e) của cân", "number", hint="Ví dụ: 100 (g)"),
        Column("tai_thu", "Tải thử (quả cân chuẩn)", "number", hint="Cùng đơn vị với e"),
        Column("sai_so", "Sai số đo được", "number"),
        Column("don_vi", "Đơn vị của sai số", hint="Ví dụ: g"),
    ],
    RowKind.packaged: [
        Column("san_pham", "Tên hàng, nhãn, lô", required=True),
        Column("luong_danh_dinh", "Lượng danh định", "number", required=True),
        Column("don_vi", "Đơn vị", "unit", required=True, hint="g, kg, mL hoặc L"),
        Column("co_lo", "Cỡ lô (số đơn vị hàng của lô)", "integer", required=True),
        Column(
            "luong_thuc",
            "Lượng thực đo được",
            "numbers",
            required=True,
            hint="Lượng thực từng đơn vị mẫu (đã trừ bì), cùng đơn vị, cách nhau bởi dấu ; "
            "hoặc khoảng trắng. Ví dụ: 498,5; 501; 497,2",
        ),
    ],
    RowKind.quality: [
        Column("san_pham", "Tên hàng hóa", required=True),
        Column("mau", "Mẫu đã lấy", required=True, hint="Số lượng, lô, biên bản lấy mẫu"),
        Column("phong_thu_nghiem", "Tổ chức thử nghiệm"),
        Column("ket_qua", "Kết quả thử nghiệm", "choice", required=True),
        Column("ghi_chu", "Chỉ tiêu không đạt / ghi chú"),
    ],
}
KIND_LABELS: dict[str, str] = {
    RowKind.instrument: "Phương tiện đo",
    RowKind.packaged: "Hàng đóng gói sẵn",
    RowKind.quality: "Chất lượng hàng hóa",
}
MAX_TEXT = 500
MAX_VALUES = 500


def title(kind: str, values: dict[str, Any]) -> str:
    name = values.get("loai") or values.get("san_pham") or ""
    return f"{KIND_LABELS.get(kind, kind)} «{name}»" if name else KIND_LABELS.get(kind, kind)


def _clean_one(column: Column, raw: str) -> Any:
    if column.kind == "number":
        return str(tolerance.parse_number(raw))
    if column.kind == "integer":
        value = tolerance.parse_number(raw)
        if value != value.to_integral_value() or value < 1:
            raise ValueError("phải là số nguyên từ 1 trở lên")
        return str(int(value))
    if column.kind == "numbers":
        values = tolerance.parse_numbers(raw)
        if len(values) > MAX_VALUES:
            raise ValueError(f"nhiều nhất {MAX_VALUES} giá trị")
        if any(v < 0 for v in values):
            raise ValueError("lượng thực không được âm")
        return "; ".join(str(v) for v in values)
    if column.kind == "date":
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ValueError("phải là ngày dạng 2026-03-02") from None
    if column.kind == "unit":
        return tolerance.unit_of(raw)
    if column.kind == "choice":
        if raw not in tolerance.QUALITY_RESULTS:
            raise ValueError("chọn Đạt, Không đạt hoặc Chờ kết quả")
        return raw
    if len(raw) > MAX_TEXT:
        raise ValueError(f"dài quá {MAX_TEXT} ký tự")
    return raw


def clean(
    kind: str, form: dict[str, Any], *, position: int, today: date
) -> tuple[dict[str, Any], Outcome]:
    """The row's values and what the rules make of them; or `ValidationFailed` naming each bad
    column of row `position`."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for column in COLUMNS[kind]:
        raw = str(form.get(column.key) or "").strip()
        if not raw:
            if column.required:
                errors[column.key] = f"Dòng {position}, cột «{column.label}»: cần nhập."
            continue
        try:
            values[column.key] = _clean_one(column, raw)
        except ValueError as exc:
            errors[column.key] = f"Dòng {position}, cột «{column.label}»: {exc}."
    if kind == RowKind.instrument:
        _check_instrument(values, errors, position)
    if kind == RowKind.packaged and Decimal(values.get("luong_danh_dinh", "1")) <= 0:
        errors["luong_danh_dinh"] = f"Dòng {position}, cột «Lượng danh định»: phải lớn hơn 0."
    if errors:
        first = next(iter(errors.values()))
        raise ValidationFailed(f"Chưa lưu dòng {position}: {first}", fields=errors)
    return values, outcome_of(kind, values, today=today)


def weighing_mpe(values: dict[str, Any]) -> tuple[Decimal, str] | None:
    """The MPE of a weighing instrument from its class, e and test load, when not typed."""
    accuracy = tolerance.weighing_class(values.get("cap_chinh_xac", ""))
    if "mpe" in values or accuracy is None or "e" not in values or "tai_thu" not in values:
        return None
    e, load = Decimal(values["e"]), Decimal(values["tai_thu"])
    mpe = tolerance.weighing_mpe(accuracy, e, load)
    in_e = tolerance.num(load / e, 1)
    how = f"cân cấp {accuracy}, tải {in_e}e, đang sử dụng: 2 × {tolerance.num(mpe / 2 / e)}e"
    return mpe, how


def _check_instrument(values: dict[str, Any], errors: dict[str, str], position: int) -> None:
    bad = [k for k in ("e", "tai_thu") if k in values and Decimal(values[k]) <= 0]
    for key in bad:
        label = _label(RowKind.instrument, key)
        errors[key] = f"Dòng {position}, cột «{label}»: phải lớn hơn 0."
    if bad:
        return
    has_mpe = "mpe" in values or weighing_mpe(values) is not None
    if has_mpe and "sai_so" not in values:
        errors["sai_so"] = f"Cần nhập «{_label(RowKind.instrument, 'sai_so')}» để so với MPE."
    elif "sai_so" in values and not has_mpe:
        errors["mpe"] = (
            "Cần nhập MPE, hoặc cấp chính xác (I, II, III, IIII), e và tải thử để tính MPE."
        )


def _label(kind: str, key: str) -> str:
    return next(c.label for c in COLUMNS[kind] if c.key == key)


def outcome_of(kind: str, values: dict[str, Any], *, today: date) -> Outcome:
    if kind == RowKind.packaged:
        return tolerance.check_packaged(
            nominal=Decimal(values["luong_danh_dinh"]),
            unit=values["don_vi"],
            lot_size=int(values["co_lo"]),
            measured=tolerance.parse_numbers(values["luong_thuc"]),
        )
    if kind == RowKind.instrument:
        until = values.get("han_kiem_dinh")
        derived = weighing_mpe(values)
        return tolerance.check_instrument(
            valid_until=date.fromisoformat(until) if until else None,
            inspected_on=today,
            mpe=derived[0] if derived else Decimal(values["mpe"]) if "mpe" in values else None,
            measured_error=Decimal(values["sai_so"]) if "sai_so" in values else None,
            unit=values.get("don_vi", ""),
            mpe_how=derived[1] if derived else "",
        )
    return tolerance.check_quality(result=values["ket_qua"], lab=values.get("phong_thu_nghiem", ""))


HANDLING_FIELDS = {
    "transferred_to": "Chuyển người có thẩm quyền xử phạt",
    "decision_number": "Số quyết định xử phạt",
    "amount": "Số tiền phạt (đồng)",
    "remedy_deadline": "Hạn khắc phục",
    "follow_up_on": "Ngày kiểm tra lại",
    "follow_up_code": "Mã cuộc kiểm tra lại",
}


def clean_handling(form: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, label in HANDLING_FIELDS.items():
        raw = str(form.get(key) or "").strip()
        try:
            if key == "amount":
                values[key] = _money(raw) if raw else None
            elif key in ("remedy_deadline", "follow_up_on"):
                values[key] = date.fromisoformat(raw) if raw else None
            else:
                if len(raw) > (80 if key == "follow_up_code" else MAX_TEXT):
                    raise ValueError("dài quá")
                values[key] = raw
        except ValueError as exc:
            reason = str(exc) if key == "amount" else "phải là ngày dạng 2026-03-02"
            errors[key] = f"«{label}»: {reason}."
    if not errors and not (values["transferred_to"] or values["decision_number"]):
        errors["transferred_to"] = (
            "Ghi người có thẩm quyền đã chuyển hồ sơ đến, hoặc số quyết định xử phạt."
        )
    if errors:
        raise ValidationFailed("Chưa lưu được thông tin xử lý.", fields=errors)
    return values


def _money(raw: str) -> int:
    try:
        value = tolerance.parse_number(raw.replace("đồng", "").replace("đ", ""))
    except ValueError:
        raise ValueError("phải là số tiền, ví dụ 1.500.000") from None
    if value < 0 or value != value.to_integral_value():
        raise ValueError("phải là số tiền nguyên, không âm (đồng)")
    if value > 10**12:
        raise ValueError("số tiền quá lớn")
    return int(value)


def _shown(column: Column, value: str) -> str:
    if column.kind == "date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    if column.kind == "choice":
        return tolerance.QUALITY_RESULTS.get(value, value)
    if column.kind in ("number", "integer"):
        return tolerance.num(Decimal(value), 6)
    if column.kind == "numbers":
        return "; ".join(tolerance.num(v, 6) for v in tolerance.parse_numbers(value))
    return value


def display(kind: str, values: dict[str, Any]) -> list[tuple[str, str]]:
    """The row's values as (column label, text) as a Vietnamese reader writes them."""
    return [(c.label, _shown(c, values[c.key])) for c in COLUMNS[kind] if values.get(c.key)]


def display_handling(handling: Any) -> list[tuple[str, str, str]]:
    """(key, label, text) of the handling's filled fields."""
    out = []
    for key, label in HANDLING_FIELDS.items():
        value = getattr(handling, key)
        if value in (None, ""):
            continue
        if key == "amount":
            text = fmt_money(value)
        elif isinstance(value, date):
            text = value.strftime("%d/%m/%Y")
        else:
            text = str(value)
        out.append((key, label, text))
    return out
