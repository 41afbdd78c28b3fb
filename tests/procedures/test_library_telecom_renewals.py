"""Telecom licence renewal and reissue, and the reissue of a lost content-connection certificate:
paths, allotments, dues, and the facts their public sources give (issue 18, item 3)."""

from __future__ import annotations

import pytest

from casework.handbook.passages import recheck_lines, uncited_steps
from tests.procedures.library import (
    application_paths,
    check_allotments,
    check_due,
    check_path,
    library,
)

GH = "KHCN-VT-GPDV-GH"  # gia hạn giấy phép dịch vụ viễn thông, 05 ngày làm việc + 15 ngày
CL = "KHCN-VT-GPDV-CL"  # cấp lại giấy phép đó (trong thời hạn hiệu lực), 05 ngày làm việc + 15 ngày
GCN = "KHCN-VT-GCNKN-CL"  # cấp lại giấy chứng nhận đăng ký kết nối (mất, hư hại), 05 ngày làm việc

CODES = [GH, CL, GCN]
LICENCES = [GH, CL]

TO_SIGNING = {
    GH: ["accept", "confirm_valid", "submit_for_signing"],
    CL: ["accept", "confirm_valid", "submit_for_signing"],
    GCN: ["accept", "submit_for_signing"],
}

PATHS = application_paths(TO_SIGNING)

# (code, received "YYYY-MM-DDTHH:MM" local, due) — by hand, with workflows/calendars/2026.toml:
DUES = [
    # 05 working days, then 15 calendar days from the end of them (Điều 47 Nghị định
    # 163/2024/NĐ-CP). Mon 02/11/2026 10:00 → R = Mon 02/11; working days 03, 04, 05, 06, 09/11 →
    # the first part ends 17:00 Mon 09/11; D = 09/11 + 15 = Tue 24/11, the Vietnamese Culture Day
    # off in 2026 (calendar file) → the next working day, 17:00 Wed 25/11/2026.
    (GH, "2026-11-02T10:00", "2026-11-25T17:00"),
    # Wed 07/10/2026 15:10 is after the cut-off → R = Thu 08/10; working days 09, 12, 13, 14,
    # 15/10 → the first part ends 17:00 Thu 15/10; D = 15/10 + 15 = Fri 30/10/2026.
    (CL, "2026-10-07T15:10", "2026-10-30T17:00"),
    # 5 working days. Mon 16/11/2026 09:00 → R = Mon 16/11; counting from Tue 17/11: 17, 18, 19,
    # 20, 23/11 → 17:00 Mon 23/11/2026.
    (GCN, "2026-11-16T09:00", "2026-11-23T17:00"),
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


@pytest.mark.parametrize("code", LICENCES)
def test_licence_checks_validity_for_five_working_days_then_decides(code: str) -> None:
    """Decree 163/2024 Art. 47: 05 working days to check validity (its own Mẫu 06 deadline),
    then 15 days to grant or refuse in writing; no second supplement round after validity."""
    p = library()[code]
    accept = p.transition("received", "accept")
    assert accept is not None and accept.target == "checking"
    assert (p.states["checking"].allot, p.states["checking"].roles) == (5, ["handler"])
    back = p.transition("checking", "request_supplement")
    assert back is not None and back.target == "awaiting_completion"
    assert back.slip == "supplement_request"
    assert p.states["awaiting_completion"].paused
    assert "Điều 47" in (p.states["awaiting_completion"].clock_basis or "")
    assert p.transition("reviewing", "request_supplement") is None
    assert (p.limit.value, p.limit.unit) == (15, "days")
    assert p.limit.first is not None
    assert (p.limit.first.value, p.limit.first.unit) == (5, "working_days")
    assert "Thời hạn giải quyết" not in {name for name, _ in p.recheck}


def test_renewal_states_its_filing_window_and_the_copies_it_sends() -> None:
    p = library()[GH]
    text = " ".join(p.guidance["received"].replace("**", "").split())
    assert "tối đa 90 ngày và ít nhất 30 ngày" in text
    assert "Bộ Công an" in p.guidance["result_ready"]
    assert any("dongdiep.dev/thu-tuc-hanh-chinh/gia-han" in (s.url or "") for s in p.sources)


def test_reissue_is_within_validity_not_for_a_lost_licence() -> None:
    p = library()[CL]
    text = p.guidance["received"].replace("**", "")
    assert "tối đa 90 ngày và ít nhất 60 ngày" in " ".join(text.split())
    assert "KHCN-VT-GPDV" in text  # an expired licence is sent to the new-licence procedure
    assert any("ma_thu_tuc=384679" in (s.url or "") for s in p.sources if "documents" in s.what)
    assert {d.key for d in p.documents if d.required} == {
        "don_de_nghi",
        "dieu_le",
        "ke_hoach_kinh_doanh",
        "ke_hoach_ky_thuat",
        "bao_cao_thuc_hien",
    }


def test_certificate_reissue_takes_five_working_days_from_a_valid_application() -> None:
    p = library()[GCN]
    assert (p.limit.value, p.limit.unit) == (5, "working_days")
    assert p.fields["ly_do_cap_lai"].choices == ["Bị mất", "Bị hư hại không còn sử dụng được"]
    assert any("dichvucong.laichau.gov.vn" in (s.url or "") for s in p.sources if "limit" in s.what)


@pytest.mark.parametrize("code", CODES)
def test_unconfirmed_facts_are_named(code: str) -> None:
    p = library()[code]
    assert p.level == "province" and p.code_kind == "local"
    assert p.version == (2 if code in LICENCES else 1)
    assert p.fee is not None and p.fee.amount_vnd is None
    gaps = {name for name, _ in p.recheck}
    assert {"Mã thủ tục", "Phí, lệ phí", "Thành phần hồ sơ"} <= gaps, gaps
    assert p.sources and all(s.url and s.checked.isoformat() == "2026-12-05" for s in p.sources)


def test_every_step_cites_its_article_or_names_the_gap() -> None:
    """The rule of tests/handbook/test_step_citations.py, held for these three from the start: a
    step whose guidance cites no article is named (by its label) under needs_recheck."""
    for code in CODES:
        p = library()[code]
        named = " ".join(recheck_lines(p))
        silent = [u.label for u in uncited_steps([p]) if u.label not in named]
        assert silent == [], (code, silent)
