"""Amateur radio station licence renewal and amendment, recognition of certificate-issuing
organisations: paths, allotments, dues."""

from __future__ import annotations

import pytest

from casework.procedures.sources import recheck_values
from tests.procedures.library import (
    application_paths,
    check_allotments,
    check_due,
    check_path,
    library,
)

GH = "KHCN-VTD-ND-GH"  # gia hạn giấy phép đài nghiệp dư, 10 ngày làm việc, chờ nộp phí
SD = "KHCN-VTD-ND-SD"  # sửa đổi, bổ sung giấy phép đài nghiệp dư, 10 ngày làm việc, chờ nộp phí
CN = "KHCN-VTD-ND-CN"  # công nhận tổ chức cấp chứng chỉ nghiệp dư, 20 ngày lịch

CODES = [GH, SD, CN]

# The main line of each procedure, from acceptance to the leader's desk.
TO_SIGNING = {
    GH: ["accept", "request_fee", "record_fee_paid"],
    SD: ["accept", "request_fee", "record_fee_paid"],
    CN: ["accept", "submit_for_signing"],
}

PATHS = application_paths(TO_SIGNING)
PATHS += [
    # Renewal and amendment: the applicant may walk away, or the officer stop, while the fee is due.
    (GH, "withdrawn while the fee is due", ["accept", "request_fee", "withdraw"], "withdrawn", 7),
    (SD, "stopped while the fee is due", ["accept", "request_fee", "stop"], "stopped", 8),
    # Refusal proposed straight from the appraisal (no fee asked for).
    (
        GH,
        "refusal proposed",
        ["accept", "submit_for_signing", "refuse", "return_refusal"],
        "refusal_returned",
        10,
    ),
]

# (code, received "YYYY-MM-DDTHH:MM" local, due) — by hand, with workflows/calendars/2026.toml:
DUES = [
    # 10 working days. Mon 09/11/2026 09:00 → R = Mon 09/11. Counting from Tue 10/11: 10, 11, 12,
    # 13, 16, 17, 18, 19, 20, 23/11 → 17:00 Mon 23/11/2026.
    (GH, "2026-11-09T09:00", "2026-11-23T17:00"),
    # 10 working days. Thu 15/10/2026 15:30 is after the 15:00 cut-off → R = Fri 16/10. Counting
    # from Mon 19/10: 19, 20, 21, 22, 23, 26, 27, 28, 29, 30/10 → 17:00 Fri 30/10/2026.
    (SD, "2026-10-15T15:30", "2026-10-30T17:00"),
    # 20 calendar days. Wed 02/12/2026 10:00 → R = Wed 02/12; D = 02/12 + 20 = Tue 22/12 (a
    # working day) → 17:00 Tue 22/12/2026.
    (CN, "2026-12-02T10:00", "2026-12-22T17:00"),
]


@pytest.mark.parametrize(
    ("code", "actions", "state", "national"),
    [pytest.param(c, a, s, n, id=f"{c}-{name}") for c, name, a, s, n in PATHS],
)
def test_path(code: str, actions: list[str], state: str, national: int) -> None:
    check_path(code, actions, state, national)


@pytest.mark.parametrize("code", CODES)
def test_allotments(code: str) -> None:
    check_allotments(code)


@pytest.mark.parametrize(("code", "received", "due"), DUES, ids=[d[0] for d in DUES])
def test_due(code: str, received: str, due: str) -> None:
    assert library()[code].clock_starts == "on_valid_dossier"
    check_due(code, received, due)


@pytest.mark.parametrize("code", CODES)
def test_waiting_states_pause_the_clock(code: str) -> None:
    p = library()[code]
    waiting = [sid for sid in ("awaiting_supplement", "awaiting_fee") if sid in p.states]
    assert "awaiting_supplement" in waiting
    for sid in waiting:
        assert p.states[sid].paused
        assert p.states[sid].clock_basis
        assert p.transition(sid, "extend") is None


@pytest.mark.parametrize("code", CODES)
def test_every_value_is_sourced_or_named_as_unconfirmed(code: str) -> None:
    """Local codes; each file says what it could not confirm, value by value."""
    p = library()[code]
    assert p.code_kind == "local"
    assert p.level == "province"
    assert p.sources
    assert {"limit", "documents", "fee", "steps"} <= recheck_values(p.needs_recheck)


def test_renewal_is_not_the_amendment_and_not_the_new_licence() -> None:
    """The renewal's reception step sends a late or changed request to the right procedure."""
    text = library()[GH].guidance["received"]
    assert "30 ngày" in text and "KHCN-VTD-ND-GP" in text and "KHCN-VTD-ND-SD" in text
    assert "Điều 22" in text
