"""Library rows for the TĐC / S&T group: commune inspections (pre-packaged goods, goods quality),
conformity declaration, S&T enterprise certificate (new, amend/reissue), S&T task results."""

from __future__ import annotations

import pytest

from tests.procedures.library import check_allotments, check_due, check_path, library

HDGS = "XA-DL-HDGS"  # kiểm tra lượng hàng đóng gói sẵn (xã)
HHLT = "XA-CL-HHLT"  # kiểm tra chất lượng hàng hóa lưu thông (xã)
KTNN = "XA-DL-KTNN"  # kiểm tra đo lường tại chợ (xã), allotments fixed to add up to 10
CBHQ = "KHCN-TDC-CBHQ"  # đăng ký công bố hợp quy
DNKHCN = "1.014445"  # cấp GCN doanh nghiệp KH&CN (Nghị định 268/2025/NĐ-CP)
DNKHCN_TD = "1.014446"  # thay đổi nội dung, cấp lại GCN DN KH&CN (Nghị định 268/2025/NĐ-CP)
NVKHCN = "1.004473"  # đăng ký kết quả nhiệm vụ KH&CN

INSPECTIONS = [HDGS, HHLT]
APPLICATIONS = [CBHQ, DNKHCN, DNKHCN_TD, NVKHCN]
MINE = INSPECTIONS + APPLICATIONS

# The S&T enterprise certificate has a completeness step before appraisal.
VALID = {DNKHCN: ["accept", "confirm_valid"]}
SUPPLEMENT_FROM = {DNKHCN: ["accept"]}


def _into_review(code: str) -> list[str]:
    return VALID.get(code, ["accept"])


def _application_rows(code: str) -> list[tuple[str, str, list[str], str, int]]:
    review = _into_review(code)
    supplement = SUPPLEMENT_FROM.get(code, ["accept"])
    return [
        (code, "happy", [*review, "submit_for_signing", "sign", "return_result"], "returned", 10),
        (
            code,
            "supplement loop to the end",
            [
                *supplement,
                "request_supplement",
                "receive_supplement",
                *review[len(supplement) :],
                "submit_for_signing",
                "send_back",
                "submit_for_signing",
                "sign",
                "return_result",
            ],
            "returned",
            10,
        ),
        (code, "refused at reception", ["refuse_reception"], "refused", 3),
        (
            code,
            "withdrawn while waiting",
            [*supplement, "request_supplement", "withdraw"],
            "withdrawn",
            7,
        ),
        (code, "stopped while waiting", [*supplement, "request_supplement", "stop"], "stopped", 8),
        (code, "stopped in review", [*review, "stop"], "stopped", 8),
        (
            code,
            "written refusal in review",
            [*review, "refuse", "return_refusal"],
            "refusal_returned",
            10,
        ),
        (
            code,
            "written refusal at signing",
            [*review, "submit_for_signing", "refuse", "return_refusal"],
            "refusal_returned",
            10,
        ),
    ]


INSPECT = ["issue_decision", "finish_inspection", "sign_record"]
PATHS: list[tuple[str, str, list[str], str, int]] = [
    (HDGS, "compliant", [*INSPECT, "conclude_compliant", "send_report"], "closed", 10),
    (
        HDGS,
        "violation",
        [*INSPECT, "handle_violation", "finish_violation_handling", "send_report"],
        "closed",
        10,
    ),
    (HDGS, "stopped before the decision", ["cancel_inspection"], "cancelled", 8),
    (
        HDGS,
        "stopped while handling a violation",
        [*INSPECT, "handle_violation", "cancel_inspection"],
        "cancelled",
        8,
    ),
    (
        HHLT,
        "compliant without samples",
        [*INSPECT, "conclude_compliant", "send_report"],
        "closed",
        10,
    ),
    (
        HHLT,
        "compliant after testing",
        [
            "issue_decision",
            "finish_inspection",
            "take_samples",
            "receive_test_result",
            "conclude_compliant",
            "send_report",
        ],
        "closed",
        10,
    ),
    (
        HHLT,
        "violation without samples",
        [*INSPECT, "handle_violation", "finish_violation_handling", "send_report"],
        "closed",
        10,
    ),
    (
        HHLT,
        "violation after testing",
        [
            "issue_decision",
            "finish_inspection",
            "take_samples",
            "receive_test_result",
            "handle_violation",
            "finish_violation_handling",
            "send_report",
        ],
        "closed",
        10,
    ),
    (
        HHLT,
        "stopped while testing",
        ["issue_decision", "finish_inspection", "take_samples", "cancel_inspection"],
        "cancelled",
        8,
    ),
    *(row for code in APPLICATIONS for row in _application_rows(code)),
]

# (code, received local, fired actions before the clock starts, expected due local).
# All six start the clock on receipt (on_valid_dossier), so no action comes first.
DUES = [
    # 10 WD. Fri 21/08/2026 16:00 is after the 15:00 cut-off → R = next working day = Sat 22/08
    # (worked in exchange for Mon 31/08). Count from Mon 24/08: 24, 25, 26, 27, 28 (5); Sat 29/08 –
    # Wed 02/09 off (31/08 swapped off, 01–02/09 National Day); Thu 03 (6), Fri 04 (7), Mon 07 (8),
    # Tue 08 (9), Wed 09/09 (10) → 17:00 Wed 09/09/2026.
    (HDGS, "2026-08-21T16:00", "", "2026-09-09T17:00"),
    # 15 WD. Thu 12/11/2026 10:00 → R = 12/11. Fri 13 (1); Mon 16 – Fri 20 (2–6); Mon 23 (7);
    # Tue 24/11 off (Ngày Văn hóa Việt Nam, in the holidays package); Wed 25 (8), Thu 26 (9),
    # Fri 27 (10); Mon 30/11 (11), Tue 01/12 (12), Wed 02 (13), Thu 03 (14), Fri 04/12 (15)
    # → 17:00 Fri 04/12/2026.
    (HHLT, "2026-11-12T10:00", "", "2026-12-04T17:00"),
    # 5 WD. Wed 29/04/2026 15:30 is after the cut-off; Thu 30/04 and Fri 01/05 are holidays, then
    # the weekend → R = Mon 04/05. Tue 05 (1), Wed 06 (2), Thu 07 (3), Fri 08 (4), Mon 11/05 (5)
    # → 17:00 Mon 11/05/2026.
    (CBHQ, "2026-04-29T15:30", "", "2026-05-11T17:00"),
    # 15 calendar days (Nghị định 268/2025/NĐ-CP). Tue 10/02/2026 14:00 → R = 10/02. D = 10/02 + 15
    # = Wed 25/02, a working day after Tết (14–22/02) → 17:00 Wed 25/02/2026.
    (DNKHCN, "2026-02-10T14:00", "", "2026-02-25T17:00"),
    # 10 calendar days. Mon 05/01/2026 10:00 → R = 05/01. D = Thu 15/01 → 17:00 Thu 15/01/2026.
    (DNKHCN_TD, "2026-01-05T10:00", "", "2026-01-15T17:00"),
    # 5 WD. Fri 28/08/2026 10:00 → R = 28/08. Sat 29/08 – Wed 02/09 off; Thu 03 (1), Fri 04 (2),
    # Mon 07 (3), Tue 08 (4), Wed 09/09 (5) → 17:00 Wed 09/09/2026.
    (NVKHCN, "2026-08-28T10:00", "", "2026-09-09T17:00"),
]


@pytest.mark.parametrize(
    ("code", "name", "actions", "state", "national"),
    PATHS,
    ids=[f"{row[0]}-{row[1]}" for row in PATHS],
)
def test_path(code: str, name: str, actions: list[str], state: str, national: int) -> None:
    check_path(code, actions, state, national)


@pytest.mark.parametrize("code", [*MINE, KTNN])
def test_allotments(code: str) -> None:
    check_allotments(code)


@pytest.mark.parametrize(("code", "received", "before", "expected"), DUES, ids=[d[0] for d in DUES])
def test_due(code: str, received: str, before: str, expected: str) -> None:
    assert before == ""
    assert library()[code].clock_starts == "on_valid_dossier"
    check_due(code, received, expected)


def test_every_procedure_has_paths_and_a_due() -> None:
    assert {row[0] for row in PATHS} == set(MINE)
    assert sorted(d[0] for d in DUES) == sorted(MINE)


@pytest.mark.parametrize("code", INSPECTIONS)
def test_inspections_have_nothing_of_the_one_stop_desk(code: str) -> None:
    p = library()[code]
    assert (p.level, p.kind, bool(p.needs_recheck)) == ("commune", "inspection", True)
    assert "cancel_inspection" in p.actions
    assert not {"withdraw", "refuse_reception", "stop", "extend"} & set(p.actions)
    slips = {t.slip for t in p.transitions}
    assert {"inspection_decision", "inspection_record", "inspection_report"} <= slips


@pytest.mark.parametrize("code", APPLICATIONS)
def test_applications_pause_while_waiting(code: str) -> None:
    p = library()[code]
    assert (p.level, p.kind) == ("province", "application")
    waiting = p.states["awaiting_supplement"]
    assert waiting.paused
    assert waiting.clock_basis
    assert waiting.national_status == 5


@pytest.mark.parametrize(
    ("code", "limit", "page"),
    [(DNKHCN, 15, "ma-thu-tuc=122010"), (DNKHCN_TD, 10, "ma-thu-tuc=122011")],
)
def test_st_enterprise_procedures_follow_decree_268_2025(code: str, limit: int, page: str) -> None:
    """Finding of issue 18: the S&T enterprise procedures are announced under Decree 268/2025 and
    the 2025 S&T law, with national codes 1.014445 / 1.014446 (Lào Cai's portal); the later
    source replaces Decree 13/2019's 3 + 10 and 5 working days, and the file says so."""
    p = library()[code]
    assert (p.code_kind, p.version) == ("national", 3)
    assert (p.limit.value, p.limit.unit) == (limit, "days")
    assert p.fee is not None and p.fee.amount_vnd == 0
    assert p.legal_basis[0].startswith(
        "Luật Khoa học, công nghệ và đổi mới sáng tạo số 93/2025/QH15"
    )
    assert p.legal_basis[1].startswith("Nghị định 268/2025/NĐ-CP")
    assert not any("29/2013" in b or "13/2019" in b for b in p.legal_basis)
    code_source = next(s for s in p.sources if "code" in s.what)
    assert page in (code_source.url or "") and code_source.note and "13/2019" in code_source.note
    assert "KHCN-HDKH-DNKHCN" in (p.changes or "")
