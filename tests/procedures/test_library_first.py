"""The first three shipped procedures: one due worked out by hand each, and allotments."""

from __future__ import annotations

import pytest

from tests.procedures.library import check_allotments, check_due

DUES = [
    # received Fri 13/02/2026 16:20 (after 15:00, then Tết 14–22/02) → R = Mon 23/02;
    # 5 working days from Tue 24/02: 24, 25, 26, 27/02, 02/03 → 17:00 Mon 02/03
    ("2.002131", "2026-02-13T16:20", "2026-03-02T17:00"),
    # received Wed 29/04/2026 10:00 → R = 29/04; skip 30/04–01/05 (holidays) and the weekend:
    # 04, 05, 06, 07, 08/05 → 17:00 Fri 08/05
    ("KHCN-TDC-DDL", "2026-04-29T10:00", "2026-05-08T17:00"),
    # inspection decided Thu 31/12/2026 09:00 → R = 31/12; the next day, Fri 01/01/2027, is New
    # Year's Day, so counting starts Mon 04/01: 04–08/01, 11–15/01 → 17:00 Fri 15/01/2027
    ("XA-DL-KTNN", "2026-12-31T09:00", "2027-01-15T17:00"),
]


@pytest.mark.parametrize(("code", "received", "due"), DUES)
def test_due_for_one_case(code, received, due):
    check_due(code, received, due)


@pytest.mark.parametrize("code", ["2.002131", "KHCN-TDC-DDL", "XA-DL-KTNN"])
def test_allotments_add_up_to_the_limit(code):
    check_allotments(code)
