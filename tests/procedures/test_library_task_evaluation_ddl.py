"""Library rows for the procedures added for issue 18 item 3: evaluation and acceptance of S&T
tasks (cấp tỉnh 2.002711, cấp cơ sở 2.002724 — two procedures on Lào Cai's portal) and the
amendment of a quantity-mark declaration (Thông tư 21/2014/TT-BKHCN Điều 14)."""

from __future__ import annotations

import pytest

from casework.procedures.sources import recheck_values
from tests.procedures.library import check_allotments, check_due, check_path, library

TINH = "2.002711"  # đánh giá, nghiệm thu nhiệm vụ KH&CN cấp tỉnh
CO_SO = "2.002724"  # đánh giá, nghiệm thu nhiệm vụ KH&CN cấp cơ sở
DDL_DC = "KHCN-TDC-DDL-DC"  # điều chỉnh nội dung bản công bố sử dụng dấu định lượng
EVALUATIONS = [TINH, CO_SO]
MINE = [*EVALUATIONS, DDL_DC]

COUNCIL = ["accept", "convene_council"]
PASSED = [*COUNCIL, "council_passed", "receive_completion", "submit_for_signing"]


def _evaluation_rows(code: str) -> list[tuple[str, str, list[str], str, int]]:
    return [
        (code, "passed", [*PASSED, "sign", "return_result"], "returned", 10),
        (
            code,
            "supplement, then passed after a send-back",
            [
                "accept",
                "request_supplement",
                "receive_supplement",
                "convene_council",
                "council_passed",
                "receive_completion",
                "submit_for_signing",
                "send_back",
                "submit_for_signing",
                "sign",
                "return_result",
            ],
            "returned",
            10,
        ),
        (
            code,
            "council says not passed",
            [*COUNCIL, "council_failed", "sign_failed_notice", "return_refusal"],
            "refusal_returned",
            10,
        ),
        (code, "wrong procedure at reception", ["refuse_reception"], "refused", 3),
        (
            code,
            "withdrawn while completing",
            [*COUNCIL, "council_passed", "withdraw"],
            "withdrawn",
            7,
        ),
        (code, "stopped while waiting", ["accept", "request_supplement", "stop"], "stopped", 8),
    ]


PATHS: list[tuple[str, str, list[str], str, int]] = [
    *(row for code in EVALUATIONS for row in _evaluation_rows(code)),
    (DDL_DC, "happy", ["accept", "submit_for_signing", "sign", "return_result"], "returned", 10),
    (
        DDL_DC,
        "supplement loop",
        [
            "accept",
            "request_supplement",
            "receive_supplement",
            "submit_for_signing",
            "sign",
            "return_result",
        ],
        "returned",
        10,
    ),
    (
        DDL_DC,
        "no supplement within 30 days: processing stopped",
        ["accept", "request_supplement", "stop"],
        "stopped",
        8,
    ),
    (DDL_DC, "written refusal", ["accept", "refuse", "return_refusal"], "refusal_returned", 10),
]

DUES = [
    # 30 WD (a tracking target: the portal says «Không quy định»). Mon 02/03/2026 10:00 → R =
    # 02/03. Tue 03 – Fri 06 (1–4); 09–13 (5–9); 16–20 (10–14); 23–27 (15–19); Mon 30 (20),
    # Tue 31/03 (21); Wed 01/04 – Fri 03 (22–24); Mon 06 – Fri 10 (25–29); Mon 13/04 (30)
    # → 17:00 Mon 13/04/2026.
    (TINH, "2026-03-02T10:00", "2026-04-13T17:00"),
    # 15 calendar days (the portal's «15 Ngày», an assumption). Mon 05/01/2026 10:00 → R = 05/01.
    # D = Tue 20/01 → 17:00 Tue 20/01/2026.
    (CO_SO, "2026-01-05T10:00", "2026-01-20T17:00"),
    # 5 WD (Thông tư 21/2014/TT-BKHCN Điều 12 khoản 3). Wed 10/06/2026 14:00 → R = 10/06. Thu 11
    # (1), Fri 12 (2), Mon 15 (3), Tue 16 (4), Wed 17/06 (5) → 17:00 Wed 17/06/2026.
    (DDL_DC, "2026-06-10T14:00", "2026-06-17T17:00"),
]


@pytest.mark.parametrize(
    ("code", "name", "actions", "state", "national"),
    PATHS,
    ids=[f"{row[0]}-{row[1]}" for row in PATHS],
)
def test_path(code: str, name: str, actions: list[str], state: str, national: int) -> None:
    check_path(code, actions, state, national)


@pytest.mark.parametrize("code", MINE)
def test_allotments(code: str) -> None:
    check_allotments(code)


@pytest.mark.parametrize(("code", "received", "expected"), DUES, ids=[d[0] for d in DUES])
def test_due(code: str, received: str, expected: str) -> None:
    assert library()[code].clock_starts == "on_valid_dossier"
    check_due(code, received, expected)


def test_every_procedure_has_paths_and_a_due() -> None:
    assert {row[0] for row in PATHS} == set(MINE)
    assert sorted(d[0] for d in DUES) == sorted(MINE)


@pytest.mark.parametrize("code", MINE)
def test_waiting_for_the_applicant_pauses_the_clock(code: str) -> None:
    p = library()[code]
    assert (p.level, p.kind) == ("province", "application")
    paused = [s for s in p.states.values() if s.paused]
    assert paused and all(s.national_status == 5 and s.clock_basis for s in paused)


@pytest.mark.parametrize("code", EVALUATIONS)
def test_a_failed_evaluation_is_never_signed_as_recognised(code: str) -> None:
    """«Không đạt» leads only to the notice of failure: no path from it reaches the recognition."""
    p = library()[code]
    assert p.transition("council", "council_failed").target == "failed_signing"
    assert {t.action for t in p.transitions if "failed_signing" in t.source} == {
        "sign_failed_notice",
        "withdraw",
        "stop",
        "extend",
    }
    assert p.transition("failed_signing", "sign_failed_notice").target == "not_issued"


def test_the_two_evaluations_are_distinct_national_procedures_with_their_gaps_named() -> None:
    tinh, co_so = library()[TINH], library()[CO_SO]
    assert (tinh.code_kind, co_so.code_kind) == ("national", "national")
    assert "cấp tỉnh" in tinh.name and "cấp cơ sở" in co_so.name
    for p, page in ((tinh, "ma-thu-tuc=116792"), (co_so, "ma-thu-tuc=116909")):
        assert any(page in s.cite for s in p.sources)
        assert p.legal_basis[0].startswith(
            "Luật Khoa học, công nghệ và đổi mới sáng tạo số 93/2025/QH15"
        )
        assert {"limit", "documents", "steps", "fee"} <= recheck_values(p.needs_recheck)
    assert (tinh.limit.value, tinh.limit.unit) == (30, "working_days")
    assert (co_so.limit.value, co_so.limit.unit) == (15, "days")


def test_the_amendment_follows_circular_21_2014_article_14() -> None:
    p = library()[DDL_DC]
    assert (p.code_kind, p.limit.value, p.limit.unit) == ("local", 5, "working_days")
    assert [d.copies for d in p.documents] == ["02 bản chính"]
    assert "Điều 14 khoản 2" in p.guidance["received"]
    assert "Điều 12 khoản 2" in p.guidance["reviewing"]
    assert p.field_spec("lan_tiep_nhan").type == "number"
