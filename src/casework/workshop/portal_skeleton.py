"""The minimal one-stop skeleton every imported draft gets (``portal_import``): the portal has no
state machine, so an editor writes the real steps; the skeleton only makes the draft loadable."""

from __future__ import annotations

from typing import Any


def skeleton(clock: str | None) -> dict[str, Any]:
    """The minimal one-stop skeleton every imported draft gets (the portal has no state machine);
    when the limit runs from the fee, a wait for the fee whose recording starts the clock."""
    out = {key: value.copy() for key, value in SKELETON.items()}
    if clock == "on_fee_paid":
        out["states"] = {"received": SKELETON["states"]["received"], **FEE_STATE, **{
            k: v for k, v in SKELETON["states"].items() if k != "received"}}  # fmt: skip
        out["transitions"] = [
            {**SKELETON["transitions"][0], "to": "awaiting_fee"},
            FEE_TRANSITION,
            *SKELETON["transitions"][1:],
        ]
    return out


FEE_STATE = {
    "awaiting_fee": {"label": "Chờ nộp phí, lệ phí", "national_status": 6, "roles": ["receiver"]}
}
FEE_TRANSITION = {
    "action": "record_fee_paid", "label": "Ghi nhận đã nộp phí (bắt đầu tính hạn)",
    "from": "awaiting_fee", "to": "reviewing", "roles": ["receiver"], "starts_clock": True,
}  # fmt: skip
SKELETON: dict[str, Any] = {
    "include": ["refuse_at_reception", "withdraw", "stop", "extend"],
    "states": {
        "received": {"label": "Tiếp nhận hồ sơ", "national_status": 2, "roles": ["receiver"],
                     "initial": True},
        "reviewing": {"label": "Thẩm định hồ sơ", "national_status": 4, "roles": ["handler"]},
        "awaiting_supplement": {"label": "Chờ bổ sung hồ sơ", "national_status": 5,
                                "roles": ["receiver"], "clock": "paused"},
        "signing": {"label": "Trình ký", "national_status": 4, "roles": ["leader"]},
        "result_ready": {"label": "Có kết quả, chờ trả", "national_status": 9,
                         "roles": ["receiver"]},
        "returned": {"label": "Đã trả kết quả", "national_status": 10, "final": True,
                     "outcome": "issued"},
    },
    "transitions": [
        {"action": "accept", "label": "Tiếp nhận hồ sơ", "from": "received", "to": "reviewing",
         "roles": ["receiver"], "slip": "receipt"},
        {"action": "request_supplement", "label": "Yêu cầu bổ sung hồ sơ", "from": "reviewing",
         "to": "awaiting_supplement", "roles": ["handler"],
         "requires": ["reason", "missing_documents"], "slip": "supplement_request"},
        {"action": "receive_supplement", "label": "Nhận hồ sơ bổ sung",
         "from": "awaiting_supplement", "to": "reviewing", "roles": ["receiver"]},
        {"action": "submit_for_signing", "label": "Trình ký", "from": "reviewing",
         "to": "signing", "roles": ["handler"], "requires": ["result_summary"]},
        {"action": "sign", "label": "Ký kết quả", "from": "signing", "to": "result_ready",
         "roles": ["leader"], "requires": ["decision_number"], "slip": "result"},
        {"action": "return_result", "label": "Trả kết quả", "from": "result_ready",
         "to": "returned", "roles": ["receiver"]},
    ],
}  # fmt: skip
