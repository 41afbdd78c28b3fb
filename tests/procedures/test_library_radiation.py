"""Radiation-safety procedures delegated to the Sở KH&CN (X-ray licence, extension, amendment,
safety-officer certificate, facility emergency plan): paths, allotments and one hand-worked due.
"""

from __future__ import annotations

import pytest

from casework.procedures.schema import pre_clock_states
from tests.procedures.library import check_allotments, check_due, check_path, library
from tests.procedures.support import Dossier

CP = "KHCN-BX-CP"  # cấp giấy phép X-quang, 25 ngày, từ khi nộp phí
GH = "KHCN-BX-GH"  # gia hạn giấy phép X-quang, 25 ngày, từ khi nộp phí
SD = "KHCN-BX-SD"  # sửa đổi giấy phép X-quang, 10 ngày làm việc, từ khi nộp phí
CCNV = "2.002379"  # chứng chỉ người phụ trách an toàn, 10 ngày làm việc, từ khi nộp lệ phí
UPSC = "KHCN-BX-UPSC"  # phê duyệt kế hoạch ứng phó sự cố, 10 ngày làm việc, từ hồ sơ hợp lệ

FEE_FIRST = [CP, GH, SD, CCNV]
WITH_SITE_VISIT = [CP, GH, SD]
ALL = [*FEE_FIRST, UPSC]

# Up to the moment the clock starts (fee-first procedures).
PAID = ["accept", "notify_fee", "record_fee_paid"]
SIGNED = ["submit_for_signing", "sign", "return_result"]
REFUSED = ["refuse", "return_refusal"]


def _fee_first_paths(code: str) -> list[tuple[str, str, list[str], str, int]]:
    rows = [
        (code, "happy", [*PAID, *SIGNED], "returned", 10),
        (
            code,
            "supplement before the fee",
            [
                "accept",
                "request_supplement",
                "receive_supplement",
                "notify_fee",
                "record_fee_paid",
                *SIGNED,
            ],
            "returned",
            10,
        ),
        (
            code,
            "supplement during appraisal",
            [*PAID, "request_supplement", "receive_supplement", *SIGNED],
            "returned",
            10,
        ),
        (
            code,
            "sent back by the leader",
            [*PAID, "submit_for_signing", "send_back", *SIGNED],
            "returned",
            10,
        ),
        (code, "refused at reception", ["refuse_reception"], "refused", 3),
        (code, "withdrawn before paying", ["accept", "notify_fee", "withdraw"], "withdrawn", 7),
        (
            code,
            "withdrawn awaiting supplement",
            ["accept", "request_supplement", "withdraw"],
            "withdrawn",
            7,
        ),
        (code, "stopped during appraisal", [*PAID, "stop"], "stopped", 8),
        (code, "written refusal after appraisal", [*PAID, *REFUSED], "refusal_returned", 10),
        (
            code,
            "written refusal at signing",
            [*PAID, "submit_for_signing", *REFUSED],
            "refusal_returned",
            10,
        ),
    ]
    if code in WITH_SITE_VISIT:
        rows += [
            (
                code,
                "happy with a site visit",
                [*PAID, "start_site_appraisal", *SIGNED],
                "returned",
                10,
            ),
            (
                code,
                "correction found on site",
                [
                    *PAID,
                    "start_site_appraisal",
                    "request_supplement",
                    "receive_supplement",
                    *SIGNED,
                ],
                "returned",
                10,
            ),
            (
                code,
                "written refusal after the site visit",
                [*PAID, "start_site_appraisal", *REFUSED],
                "refusal_returned",
                10,
            ),
            (
                code,
                "stopped during the site visit",
                [*PAID, "start_site_appraisal", "stop"],
                "stopped",
                8,
            ),
        ]
    return rows


PATHS: list[tuple[str, str, list[str], str, int]] = [
    row for code in FEE_FIRST for row in _fee_first_paths(code)
] + [
    (UPSC, "happy", ["accept", *SIGNED], "returned", 10),
    (
        UPSC,
        "supplement loop",
        ["accept", "request_supplement", "receive_supplement", *SIGNED],
        "returned",
        10,
    ),
    (
        UPSC,
        "sent back by the leader",
        ["accept", "submit_for_signing", "send_back", *SIGNED],
        "returned",
        10,
    ),
    (UPSC, "refused at reception", ["refuse_reception"], "refused", 3),
    (
        UPSC,
        "withdrawn awaiting supplement",
        ["accept", "request_supplement", "withdraw"],
        "withdrawn",
        7,
    ),
    (UPSC, "stopped during appraisal", ["accept", "stop"], "stopped", 8),
    (UPSC, "written refusal after appraisal", ["accept", *REFUSED], "refusal_returned", 10),
    (
        UPSC,
        "written refusal at signing",
        ["accept", "submit_for_signing", *REFUSED],
        "refusal_returned",
        10,
    ),
]

# (code, received — for on_fee_paid: the payment instant —, actions up to the clock start, due)
DUES: list[tuple[str, str, str, str]] = [
    # CP, 25 calendar days. Paid online Sat 04/04/2026 09:00: not a working day → R = Mon 06/04.
    # D = 06/04 + 25 days = Fri 01/05/2026 (Labour Day, holiday); Sat 02/05, Sun 03/05 → next
    # working day Mon 04/05. Due 17:00 Mon 04/05/2026.
    (CP, "2026-04-04T09:00", "accept notify_fee record_fee_paid", "2026-05-04T17:00"),
    # GH, 25 calendar days. Paid Thu 06/08/2026 09:15 (working day, before 15:00) → R = Thu 06/08.
    # D = 06/08 + 25 = Mon 31/08/2026, off (swapped for Sat 22/08); Tue 01/09 and Wed 02/09 are
    # the National Day holidays → next working day Thu 03/09. Due 17:00 Thu 03/09/2026.
    (GH, "2026-08-06T09:15", "accept notify_fee record_fee_paid", "2026-09-03T17:00"),
    # SD, 10 working days. Paid Tue 28/04/2026 at exactly 15:00 (the cut-off still counts) →
    # R = Tue 28/04. Count from Wed 29/04 (1); Thu 30/04 and Fri 01/05 holidays, weekend; Mon 04/05
    # (2), Tue 05 (3), Wed 06 (4), Thu 07 (5), Fri 08 (6), Mon 11 (7), Tue 12 (8), Wed 13 (9),
    # Thu 14/05 (10). Due 17:00 Thu 14/05/2026.
    (SD, "2026-04-28T15:00", "accept notify_fee record_fee_paid", "2026-05-14T17:00"),
    # CCNV, 10 working days. Paid Wed 11/02/2026 10:00 → R = Wed 11/02. Count Thu 12/02 (1),
    # Fri 13/02 (2); Tết 14/02–22/02 off; Mon 23/02 (3), Tue 24 (4), Wed 25 (5), Thu 26 (6),
    # Fri 27 (7), Mon 02/03 (8), Tue 03 (9), Wed 04/03 (10). Due 17:00 Wed 04/03/2026.
    (CCNV, "2026-02-11T10:00", "accept notify_fee record_fee_paid", "2026-03-04T17:00"),
    # UPSC, 10 working days from a valid dossier. Received Tue 30/12/2025 16:00, after 15:00 →
    # R = Wed 31/12/2025. Thu 01/01/2026 holiday, Fri 02/01 off (swapped), weekend; Mon 05/01 (1),
    # Tue 06 (2), Wed 07 (3), Thu 08 (4), Fri 09 (5), Sat 10/01 worked in exchange (6), Mon 12 (7),
    # Tue 13 (8), Wed 14 (9), Thu 15/01 (10). Due 17:00 Thu 15/01/2026.
    (UPSC, "2025-12-30T16:00", "", "2026-01-15T17:00"),
]


@pytest.mark.parametrize(
    ("code", "name", "actions", "state", "national"),
    PATHS,
    ids=[f"{row[0]}-{row[1]}" for row in PATHS],
)
def test_path(code: str, name: str, actions: list[str], state: str, national: int) -> None:
    check_path(code, actions, state, national)


@pytest.mark.parametrize("code", ALL)
def test_allotments(code: str) -> None:
    check_allotments(code)


@pytest.mark.parametrize(
    ("code", "received", "before_clock", "due"), DUES, ids=[row[0] for row in DUES]
)
def test_due(code: str, received: str, before_clock: str, due: str) -> None:
    p = library()[code]
    actions = before_clock.split()
    if p.clock_starts == "on_fee_paid":
        # the payment action, and only it, starts the clock
        assert actions
        dossier = Dossier()
        machine = p.machine_class()(model=dossier, state_field="state")
        for i, action in enumerate(actions):
            t = p.transition(dossier.state, action)
            assert t is not None, (code, dossier.state, action)
            assert t.starts_clock == (i == len(actions) - 1), (code, action)
            machine.send(action)
    else:
        assert actions == []
    check_due(code, received, due)


def test_every_procedure_has_a_due_row() -> None:
    assert sorted(row[0] for row in DUES) == sorted(ALL)


@pytest.mark.parametrize("code", ALL)
def test_facts(code: str) -> None:
    p = library()[code]
    assert (p.level, p.kind, p.field) == ("province", "application", "An toàn bức xạ và hạt nhân")
    # what is still unconfirmed is said, not just flagged (the 2026 set's decision number)
    assert any("2026" in why for _, why in p.recheck)
    # the 2025 Atomic Energy Law, not the 2008 one (in force 01/01/2026)
    assert p.legal_basis[0] == "Luật Năng lượng nguyên tử số 94/2025/QH15 (hiệu lực 01/01/2026)"
    assert not any("18/2008" in b or "1915" in b or "142/2020" in b for b in p.legal_basis)
    law = [s for s in p.sources if "94/2025/QH15" in s.cite]
    assert law and law[0].checked.isoformat() == "2026-12-05" and law[0].url
    # version 4 (05/12/2026): Quyết định 248/QĐ-BKHCN named; signing steps cite Điều 37 Nghị
    # định 142/2020/NĐ-CP (the licence's term)
    assert p.version == 4 and p.changes
    expected = {
        CP: (25, "days", "on_fee_paid"),
        GH: (25, "days", "on_fee_paid"),
        SD: (10, "working_days", "on_fee_paid"),
        CCNV: (10, "working_days", "on_fee_paid"),
        UPSC: (10, "working_days", "on_valid_dossier"),
    }[code]
    assert (p.limit.value, p.limit.unit, p.clock_starts) == expected
    for sid, state in p.states.items():
        if not state.final:
            assert sid in p.guidance, (code, sid)
            assert 2 <= len(p.checklists.get(sid, [])) <= 4, (code, sid)


@pytest.mark.parametrize("code", FEE_FIRST)
def test_fee_first_shape(code: str) -> None:
    p = library()[code]
    assert p.states["awaiting_fee"].national_status == 6
    assert not p.states["awaiting_fee"].paused
    pay = p.transition("awaiting_fee", "record_fee_paid")
    assert pay is not None and pay.starts_clock and pay.target == "reviewing"
    # before the clock starts nothing counts toward the limit; only the 2026 amendment's 03
    # working days to check completeness (Huế's portal) are a step deadline of their own (Mẫu 06)
    assert {"received", "checking", "awaiting_completion", "awaiting_fee"} <= pre_clock_states(p)
    for sid in ("received", "awaiting_fee"):
        assert p.states[sid].allot is None, (code, sid)
    assert p.states["checking"].allot == (3 if code == SD else None)
    for sid in ("awaiting_completion", "awaiting_supplement"):
        assert p.states[sid].paused and p.states[sid].national_status == 5
        assert p.states[sid].clock_basis
        assert p.transition(sid, "extend") is None
        assert p.transition(sid, "withdraw") is not None
    for sid in ("checking", "reviewing"):
        t = p.transition(sid, "request_supplement")
        assert t is not None
        assert (t.requires, t.slip) == (["reason", "missing_documents"], "supplement_request")


@pytest.mark.parametrize("code", ALL)
def test_written_refusal_is_a_result(code: str) -> None:
    p = library()[code]
    t = p.transition("signing", "refuse")
    assert t is not None
    assert (t.target, t.slip, t.requires) == ("not_issued", "result", ["reason", "decision_number"])
    assert p.states["not_issued"].national_status == 9
    assert p.states["refusal_returned"].outcome == "not_issued"
    assert p.states["returned"].outcome == "issued"
    accept = p.transition("received", "accept")
    assert accept is not None and accept.slip == "receipt"


def test_safety_officer_certificate_code_fee_and_basis() -> None:
    """Finding of issue 18: the national code 2.002379, a lệ phí of 200.000 đ per certificate and
    no phí (Đà Nẵng's and Tiền Giang's portals), the later-dated source kept for the code."""
    p = library()[CCNV]
    assert (p.code, p.code_kind, p.version) == ("2.002379", "national", 4)
    assert p.fee is not None and p.fee.amount_vnd == 200_000
    assert p.fee.note and "Lệ phí" in p.fee.note and "không thu phí thẩm định" in p.fee.note
    assert p.fields["le_phi"].label == "Số lệ phí phải nộp (đồng)"
    assert p.states["awaiting_fee"].label == "Chờ nộp lệ phí"
    code_sources = [s for s in p.sources if "code" in s.what]
    assert code_sources and "2.002379.000.00.00.H17" in code_sources[0].cite
    assert code_sources[0].note and "1.000173" in code_sources[0].note  # the older code, not kept
    fee_sources = [s for s in p.sources if "fee" in s.what]
    assert len(fee_sources) == 2 and all("200.000" in s.cite for s in fee_sources)
    assert "KHCN-BX-CCNV" in (p.changes or "")


def test_declaration_takes_the_2026_name() -> None:
    p = library()["2.002131"]
    assert p.name.startswith("Khai báo thiết bị X-quang chẩn đoán y tế, thiết bị chụp cắt lớp")
    assert "PET/CT" in p.name and "SPECT/CT" in p.name
    assert any("iThuTuc=25139" in (s.url or "") for s in p.sources if "name" in s.what)


def test_emergency_plan_is_marked_as_outside_the_2026_set() -> None:
    p = library()[UPSC]
    level = [why for name, why in p.recheck if name == "Cấp thực hiện"]
    assert level and "không có trong 6 TTHC" in level[0]
    assert any("vnexpress.net" in (s.url or "") and s.note for s in p.sources)


def test_extension_code_is_not_changed_without_a_source() -> None:
    """2.002381 (Lào Cai) could not be read in any stored source: the file keeps its local code
    and says so."""
    p = library()[GH]
    assert (p.code, p.code_kind) == ("KHCN-BX-GH", "local")
    assert any("2.002381" in why for _, why in p.recheck)


RADIATION = [*ALL, "2.002131", "2.002383", "KHCN-BX-CL", "KHCN-BX-CCCL"]


@pytest.mark.parametrize("code", RADIATION)
def test_the_2026_set_is_named_by_its_decision(code: str) -> None:
    """Found on 05/12/2026 (LuatVietnam's English legal update): the 2026 set is Quyết định
    248/QĐ-BKHCN — 39 new procedures, 51 abolished, in force with Nghị định 332/2025/NĐ-CP on
    01/01/2026. No file says the number is unknown any more; its date and the contents of each
    procedure still are."""
    p = library()[code]
    cites = [s for s in p.sources if "248/QĐ-BKHCN" in s.cite]
    assert cites and cites[0].url and "english.luatvietnam.vn" in cites[0].url
    assert cites[0].checked.isoformat() == "2026-12-05"
    lines = " ".join(why for _, why in p.recheck)
    assert "Số hiệu và ngày của quyết định" not in lines
    assert "248/QĐ-BKHCN" in lines


def test_the_licence_terms_are_cited_from_decree_142() -> None:
    """khoản 1 Điều 30 (extension filed at least 45 days before expiry, else a new licence) and
    Điều 37 (03 years; an extension runs from the old expiry; an amended, supplemented or
    reissued licence keeps the old term; a certificate has no term) of Nghị định 142/2020/NĐ-CP,
    said to be the rule before the 2025 law."""
    lib = library()
    gh = lib[GH]
    received = " ".join(gh.guidance["received"].split())
    assert "ít nhất 45 ngày" in received and "khoản 1 Điều 30 Nghị định 142/2020/NĐ-CP" in received
    for code, clause in [
        (GH, "Điều 37 khoản 1 điểm đ và khoản 3"),
        (CP, "Điều 37 khoản 1 điểm đ"),
        (SD, "Điều 37 khoản 4, 5"),
        ("2.002383", "Điều 37 khoản 4"),
        ("KHCN-BX-CL", "Điều 37 khoản 4"),
        (CCNV, "Điều 37 khoản 2"),
        ("KHCN-BX-CCCL", "Điều 37 khoản 2"),
    ]:
        signing = " ".join(lib[code].guidance["signing"].split())
        assert clause in signing and "chưa đối chiếu Nghị định 332/2025/NĐ-CP" in signing, code
        assert any(s.url and s.url.endswith("/dieu-37") for s in lib[code].sources), code
        named = " ".join(why for _, why in lib[code].recheck)
        assert lib[code].states["signing"].label not in named, code


def test_declaration_and_certificate_steps_cite_decree_142() -> None:
    """khoản 3 Điều 34 (declaration confirmed within 05 working days, Mẫu số 01 Phụ lục VI) and
    khoản 4 Điều 35 (certificate: 05 working days to check and notify the lệ phí, appraisal once
    the valid dossier and lệ phí are in) of Nghị định 142/2020/NĐ-CP, read 05/12/2026."""
    lib = library()

    def text(code: str, state: str) -> str:
        return " ".join(lib[code].guidance[state].split())

    assert "Điều 34 khoản 3" in text("2.002131", "reviewing")
    assert "Mẫu số 01 Phụ lục VI" in text("2.002131", "signing")
    assert "Điều 35 khoản 4 điểm a" in text(CCNV, "checking")
    for state in ("awaiting_fee", "reviewing"):
        assert "Điều 35 khoản 4 điểm b" in text(CCNV, state)
    gap = [why for name, why in lib[CCNV].recheck if "05 ngày làm việc" in why]
    assert gap and "Quyết định 248/QĐ-BKHCN" in gap[0]  # the 2026 step deadline is still unread


def test_supplement_documents_follow_decree_142() -> None:
    """khoản 4 Điều 32 Nghị định 142/2020/NĐ-CP (LawNet's English text, read 05/12/2026) replaces
    the author's guess: the original licence, not a copy; no inspection certificate of its own."""
    p = library()["2.002383"]
    docs = {d.key: d for d in p.documents}
    assert list(docs) == [
        "don_de_nghi", "giay_phep_dang_co", "phieu_khai_bao", "bao_cao_an_toan", "chung_chi_nhan_vien",
    ]  # fmt: skip
    assert "Mẫu số 07" in docs["don_de_nghi"].name and "gốc" in docs["giay_phep_dang_co"].copies
    assert not docs["chung_chi_nhan_vien"].required
    cited = [s for s in p.sources if "documents" in s.what]
    assert cited and cited[0].url and "lawnet.vn" in cited[0].url and cited[0].note
    gap = [why for name, why in p.recheck if "khoản 4 Điều 32" in why]
    assert gap and "2026" in gap[0]
