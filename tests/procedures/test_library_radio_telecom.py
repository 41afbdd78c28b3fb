"""Amateur radio (certificate, station licence) and local telecom licences: paths, allotments, dues."""

from __future__ import annotations

import pytest

from tests.procedures.library import (
    application_paths,
    check_allotments,
    check_due,
    check_path,
    library,
)

CC = "KHCN-VTD-ND-CC"  # chứng chỉ vô tuyến điện viên nghiệp dư, 10 ngày làm việc
GP = "KHCN-VTD-ND-GP"  # giấy phép tần số cho đài nghiệp dư, 10 ngày làm việc, chờ nộp phí
GPDV = "KHCN-VT-GPDV"  # giấy phép cung cấp dịch vụ viễn thông, 30 ngày lịch
SD = "KHCN-VT-GPDV-SD"  # sửa đổi, bổ sung giấy phép đó, 05 ngày làm việc rồi 15 ngày lịch

CODES = [CC, GP, GPDV, SD]

# The main line of each procedure, from acceptance to the leader's desk.
TO_SIGNING = {
    CC: ["accept", "schedule_exam", "submit_for_signing"],
    GP: ["accept", "request_fee", "record_fee_paid"],
    GPDV: ["accept", "submit_for_review", "submit_for_signing"],
    SD: ["accept", "confirm_valid", "submit_for_signing"],
}
# After the leader sends the draft back: the way to the leader's desk again. The certificate goes
# back to the exam step; the station licence fee is already paid, so it is submitted directly.
RESUBMIT = {
    CC: ["submit_for_signing"],
    GP: ["submit_for_signing"],
    GPDV: ["submit_for_review", "submit_for_signing"],
    SD: ["submit_for_signing"],
}

PATHS = application_paths(TO_SIGNING, RESUBMIT)
PATHS += [
    # The station licence: the applicant may walk away while the fee is due.
    (GP, "withdrawn while the fee is due", ["accept", "request_fee", "withdraw"], "withdrawn", 7),
    (GP, "stopped while the fee is due", ["accept", "request_fee", "stop"], "stopped", 8),
    # Telecom: the head of division sends the draft back before it reaches the signer.
    (
        GPDV,
        "division sends back",
        [
            "accept",
            "submit_for_review",
            "send_back",
            *TO_SIGNING[GPDV][1:],
            "sign",
            "return_result",
        ],
        "returned",
        10,
    ),
]

# (code, received "YYYY-MM-DDTHH:MM" local, actions fired before the clock starts, due) — by hand,
# with workflows/calendars/2026.toml over the `holidays` package:
DUES = [
    # 10 working days. Wed 29/04/2026 15:20 is after the 15:00 cut-off; Thu 30/04 and Fri 01/05
    # are holidays, then the weekend, so R = Mon 04/05. Counting from Tue 05/05: 05, 06, 07, 08,
    # 11, 12, 13, 14, 15, 18/05 → 17:00 Mon 18/05/2026.
    (CC, "2026-04-29T15:20", "", "2026-05-18T17:00"),
    # 10 working days. Fri 21/08/2026 09:00 → R = Fri 21/08. Sat 22/08 is worked (swap for Mon
    # 31/08): 22, 24, 25, 26, 27, 28/08 = 6 days; Sat 29/08 – Wed 02/09 off (National Day); then
    # Thu 03, Fri 04, Mon 07, Tue 08/09 = days 7–10 → 17:00 Tue 08/09/2026.
    (GP, "2026-08-21T09:00", "", "2026-09-08T17:00"),
    # 30 calendar days. Wed 14/10/2026 15:30 is after the cut-off → R = Thu 15/10.
    # D = 15/10 + 30 = Sat 14/11 (not a working day); Sun 15/11 neither → 17:00 Mon 16/11/2026.
    (GPDV, "2026-10-14T15:30", "", "2026-11-16T17:00"),
    # 05 working days, then 15 calendar days from the end of them (Điều 47 Nghị định
    # 163/2024/NĐ-CP). Thu 25/06/2026 16:00 is after the cut-off → R = Fri 26/06. Working days
    # 29/06, 30/06, 01/07, 02/07, 03/07 → the first part ends 17:00 Fri 03/07. D = 03/07 + 15 =
    # Sat 18/07; Sun 19/07 is off too → 17:00 Mon 20/07/2026.
    (SD, "2026-06-25T16:00", "", "2026-07-20T17:00"),
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


@pytest.mark.parametrize(
    ("code", "received", "before_clock", "due"), DUES, ids=[d[0] for d in DUES]
)
def test_due(code: str, received: str, before_clock: str, due: str) -> None:
    # All four start the clock on a valid dossier: nothing is fired before it starts.
    assert library()[code].clock_starts == "on_valid_dossier"
    assert before_clock == ""
    check_due(code, received, due)


@pytest.mark.parametrize("code", CODES)
def test_every_code_has_a_due_row(code: str) -> None:
    assert code in {d[0] for d in DUES}


@pytest.mark.parametrize("code", CODES)
def test_supplement_state_pauses_the_clock(code: str) -> None:
    p = library()[code]
    waiting = p.states["awaiting_supplement"]
    assert waiting.paused
    assert waiting.national_status == 5
    assert waiting.clock_basis
    assert p.transition("awaiting_supplement", "extend") is None
    t = p.transition("reviewing", "request_supplement")
    assert t is not None
    assert t.slip == "supplement_request"


def test_station_licence_waits_for_the_fee_with_the_clock_stopped() -> None:
    p = library()[GP]
    fee = p.states["awaiting_fee"]
    assert fee.paused
    assert fee.national_status == 6
    assert p.transition("awaiting_fee", "extend") is None
    assert p.transition("awaiting_fee", "record_fee_paid").target == "signing"  # type: ignore[union-attr]


@pytest.mark.parametrize("code", CODES)
def test_written_refusal_is_signed_by_a_leader_and_printed(code: str) -> None:
    t = library()[code].transition("signing", "refuse")
    assert t is not None
    assert t.roles == ["leader"]
    assert t.slip == "result"
    assert t.requires == ["reason", "decision_number"]


@pytest.mark.parametrize("code", CODES)
def test_recorded_facts_are_flagged_for_recheck(code: str) -> None:
    p = library()[code]
    assert p.level == "province"
    assert p.fee is not None
    assert p.fee.amount_vnd is None
    # the unknown fee is named as a gap, every source is a public page read on a given day
    assert "Phí, lệ phí" in {name for name, _ in p.recheck}
    assert p.sources and all(s.url and s.checked.isoformat() == "2026-12-05" for s in p.sources)
    assert p.code_kind == "local" and p.version == {SD: 4}.get(code, 3) and p.changes


def test_telecom_amendment_checks_validity_for_five_working_days_first() -> None:
    """Decree 163/2024 Art. 47 (HCMC DOST's page): 05 working days to check validity, then 15
    days from the end of that period. The check is a step with its own Mẫu 06 deadline, and
    the dossier's limit has the same two parts (version 4; the gap is gone from needs_recheck)."""
    p = library()[SD]
    assert p.transition("received", "accept").target == "checking"  # type: ignore[union-attr]
    checking = p.states["checking"]
    assert (checking.allot, checking.roles) == (5, ["handler"])
    back = p.transition("checking", "request_supplement")
    assert back is not None and back.target == "awaiting_completion"
    assert back.slip == "supplement_request"
    assert p.states["awaiting_completion"].paused
    assert "Điều 47" in (p.states["awaiting_completion"].clock_basis or "")
    assert p.transition("checking", "confirm_valid").target == "reviewing"  # type: ignore[union-attr]
    assert p.transition("checking", "submit_for_signing") is None
    assert (p.limit.value, p.limit.unit, p.clock_starts) == (15, "days", "on_valid_dossier")
    assert p.limit.parts == (
        (5, "working_days", "xét tính hợp lệ của hồ sơ"),
        (15, "days", p.limit.label),
    )
    assert "Thời hạn giải quyết" not in {name for name, _ in p.recheck}
    assert any("dost.hochiminhcity.gov.vn" in (s.url or "") for s in p.sources if "limit" in s.what)


def test_amateur_certificate_is_marked_doubtful_with_both_sources() -> None:
    p = library()[CC]
    steps = [why for name, why in p.recheck if name == "Trình tự các bước"]
    assert steps and "tổ chức được công nhận" in steps[0]
    assert p.guidance["received"].startswith("**Lưu ý — thủ tục đang được đối chiếu:**")
    urls = {s.url for s in p.sources}
    assert any("vnanet.vn" in (u or "") for u in urls)  # Decree 63/2023: recognised organisations
    assert any("dientuungdung.vn" in (u or "") for u in urls)  # 16/06/2025: the province
