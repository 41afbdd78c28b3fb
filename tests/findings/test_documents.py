"""What the printed documents of an inspection with a violation say, on both databases (found by
the full journey, tests/e2e/test_journey_inspection_full.py): the record (Biên bản) shows the data
as it stood when it was signed — not the handling and the report's summary written later — and
the report (Báo cáo) shows how the violation was handled: transfer, sanction decision, fine,
remedy deadline and the follow-up check. The page's history labels the rows' conclusion that
signing the record adds."""

from __future__ import annotations

from casework.findings import service
from tests.factories import fire
from tests.findings.conftest import open_inspection
from tests.findings.test_service import SHORT, add


def test_record_as_signed_and_report_with_the_handling(client, session, registry, officer,
                                                        inspection, sign_in) -> None:  # fmt: skip
    add(session, officer, inspection, SHORT)
    fire(session, officer, inspection, "sign_record")
    fire(session, officer, inspection, "handle_violation", bien_phap_xu_ly="Lập biên bản VPHC.")
    later = open_inspection(session, registry, officer)
    service.save_handling(session, actor=officer, code=inspection.code, form={
        "transferred_to": "Chủ tịch UBND phường", "decision_number": "05/QĐ-XPHC",
        "amount": "3.000.000", "remedy_deadline": "2026-12-20", "follow_up_on": "2027-01-10",
        "follow_up_code": later.code,
    })  # fmt: skip
    fire(session, officer, inspection, "finish_violation_handling",
         bien_phap_xu_ly="Phạt 3.000.000 đồng.")  # fmt: skip
    fire(session, officer, inspection, "send_report", result_summary="Một lô gạo thiếu lượng.")
    sign_in(officer)
    page = client.get(f"/dossiers/{inspection.code}").text
    assert "Kết luận theo bảng kết quả: Có vi phạm" in page  # the history names the key
    assert "ket_luan_theo_bang" not in page
    record = client.get(f"/dossiers/{inspection.code}/slips/inspection_record").text
    assert "Gạo ST25 túi 5 kg" in record and "Có vi phạm" in record
    for later_words in ("Một lô gạo thiếu lượng", "Phạt 3.000.000 đồng", "Lập biên bản VPHC"):
        assert later_words not in record, later_words
    report = client.get(f"/dossiers/{inspection.code}/slips/inspection_report").text
    for words in ("Một lô gạo thiếu lượng", "Chuyển người có thẩm quyền xử phạt",
                  "Chủ tịch UBND phường", "05/QĐ-XPHC", "3.000.000 đ", "20/12/2026",
                  "Ngày kiểm tra lại", "10/01/2027", later.code):  # fmt: skip
        assert words in report, words
