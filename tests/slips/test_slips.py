"""The official slips Mẫu 01–06 of a dossier walked through the real service: every field the
form carries, in the HTML page and in the builder's output; PDF; practice watermark; access."""

from __future__ import annotations

from datetime import datetime

import pytest
import segno
from sqlmodel import Session

from casework.dossiers import service, slip_views, slips
from casework.dossiers.catalog import procedure_of
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import Attachment, Dossier
from tests.factories import TZ, fire, open_xray

#: The declaration's name in the 2026 radiation set (issue 18), as the slips print it.
XRAY_NAME = (
    "Khai báo thiết bị X-quang chẩn đoán y tế, thiết bị chụp cắt lớp vi tính tích hợp với PET "
    "(PET/CT), SPECT (SPECT/CT), sử dụng thiết bị phát tia X (trừ thiết bị chụp ảnh phóng xạ công "
    "nghiệp)"
)


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def act(session, actor, dossier, action, when, **data) -> Dossier:
    return service.fire_action(
        session, actor=actor, code=dossier.code, action=action, data=data, tz=TZ, now=when
    )


def facts_of(session: Session, dossier: Dossier, now: datetime) -> slips.Facts:
    _, procedure = procedure_of(session, dossier)
    return slips.load_facts(
        session, dossier=dossier, procedure=procedure, cal=CalendarSource().base, now=now
    )


def open_full(session, world, xray, *, mode="real", received_at=None, now=None) -> Dossier:
    """An X-ray declaration from a person with every applicant field filled in."""
    return service.open_dossier(
        session,
        actor=world["hni.receiver"],
        procedure=xray,
        applicant=service.Applicant(
            name="Nguyễn Văn An",
            kind="person",
            id_number="001085012345",
            address="12 Phố Huế, Hai Bà Trưng, Hà Nội",
            phone="0912 345 678",
            email="an.nguyen@example.vn",
        ),
        mode=mode,
        received_at=received_at,
        now=now,
        tz=TZ,
    )


def attach(session, dossier: Dossier, key: str) -> None:
    session.add(
        Attachment(
            dossier_id=dossier.id, document_key=key, filename=f"{key}.pdf",
            content_type="application/pdf", size=10, sha256="0" * 64, storage_key=f"x/{key}",
        )
    )  # fmt: skip
    session.commit()


@pytest.fixture
def received(session, world, xray) -> Dossier:
    """DESIGN §5 example: received Fri 13/02/2026 16:20 → due 17:00 Mon 02/03/2026; accepted."""
    d = open_full(session, world, xray, received_at=at(13, 2, 16, 20), now=at(13, 2, 16, 25))
    attach(session, d, "phieu_khai_bao")
    return act(session, world["hni.receiver"], d, "accept", at(13, 2, 16, 30))


@pytest.fixture
def accepted(session, world, xray) -> Dossier:
    """Received Mon 02/03/2026 09:00, accepted 11:00 → due 17:00 Mon 09/03/2026."""
    d = open_full(session, world, xray, received_at=at(2, 3, 9), now=at(2, 3, 9))
    act(session, world["hni.receiver"], d, "accept", at(2, 3, 11))
    assert d.due_at == at(9, 3, 17)
    return d


# ---- Mẫu 01 ---------------------------------------------------------------------------------


def test_receipt_fields(session, world, received):
    slip = slips.receipt(facts_of(session, received, at(16, 2, 9)))
    assert slip.header.form_no == "01"
    assert slip.header.title == "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
    assert slip.header.agency == "SỞ KH&CN HÀ NỘI"
    assert slip.header.number == f"Số: {received.code}/TN"
    assert slip.code == received.code == "SKHCN.HNI-260213-0001"
    assert slip.applicant.name == "Nguyễn Văn An"
    assert slip.applicant.id_number == "001085012345"
    assert slip.applicant.address == "12 Phố Huế, Hai Bà Trưng, Hà Nội"
    assert slip.applicant.phone == "0912 345 678"
    assert slip.applicant.email == "an.nguyen@example.vn"
    assert slip.procedure_name == XRAY_NAME
    assert [(d.name, d.copies, d.received) for d in slip.documents] == [
        ("Phiếu khai báo thiết bị X-quang chẩn đoán trong y tế", "01 bản chính", True),
    ] + [(d.name, d.copies, False) for d in slip.documents[1:]]
    assert slip.sets == 1
    assert slip.legal_time == "5 ngày làm việc"
    assert slip.received_text == "16 giờ 20 phút, ngày 13/02/2026"
    assert slip.appointment_at == at(2, 3, 17)
    assert slip.appointment_text == "17 giờ 00 phút, ngày 02/03/2026"
    assert slip.collect_at == "Bộ phận Tiếp nhận và Trả kết quả — Sở KH&CN Hà Nội"
    assert slip.fee == "Không thu phí"
    assert (slip.book_volume, slip.book_number) == ("260213", "0001")
    assert slip.officer == "Cán bộ hni.receiver"
    assert "<svg" in slip.qr


def test_receipt_page_shows_every_field_with_a_qr_of_the_code(
    session, world, received, sign_in, monkeypatch
):
    given: list[str] = []
    real_make = segno.make

    def spy(content, *args, **kwargs):  # type: ignore[no-untyped-def]
        given.append(content)
        return real_make(content, *args, **kwargs)

    monkeypatch.setattr(segno, "make", spy)  # slips imports segno when it draws a QR
    client = sign_in("hni.receiver")
    r = client.get(f"/dossiers/{received.code}/slips/receipt")
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    page = r.text
    for text in (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Mẫu số 01 — Thông tư 03/2025/TT-VPCP",
        "SỞ KH&amp;CN HÀ NỘI",
        "SKHCN.HNI-260213-0001",
        "Nguyễn Văn An",
        "001085012345",
        "12 Phố Huế, Hai Bà Trưng, Hà Nội",
        "0912 345 678",
        "an.nguyen@example.vn",
        XRAY_NAME,
        "Phiếu khai báo thiết bị X-quang chẩn đoán trong y tế",
        "✓ Đã nhận",
        "5 ngày làm việc",
        "16 giờ 20 phút, ngày 13/02/2026",
        "17 giờ 00 phút, ngày 02/03/2026",
        'Quyển số: <span class="field">260213</span>',
        'Số thứ tự: <span class="field">0001</span>',
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Cán bộ hni.receiver",
        "/static/css/print.css",
    ):
        assert text in page, text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert 'class="qr"' in page
    assert given == [received.code]
    assert "LÀM THỬ" not in page


def test_receipt_of_a_fee_first_procedure_before_the_fee_says_so(session, world, registry):
    licence = registry.get("KHCN-BX-CP")
    d = open_xray(session, licence, world["hni.receiver"])
    fire(session, world["hni.receiver"], d, "accept")
    slip = slips.receipt(facts_of(session, d, at(16, 11, 9)))
    assert slip.appointment_at is None
    assert slip.appointment_text == "Tính từ khi nhận đủ hồ sơ hợp lệ và phí, lệ phí"
    assert slip.legal_time == "25 ngày"


def test_no_receipt_before_the_dossier_is_accepted(session, world, xray, sign_in):
    d = open_xray(session, xray, world["hni.receiver"])
    r = sign_in("hni.receiver").get(f"/dossiers/{d.code}/slips/receipt")
    assert r.status_code == 404
    assert "chưa được tiếp nhận" in r.text


def test_receipt_pdf(session, world, received, sign_in):
    r = sign_in("hni.receiver").get(f"/dossiers/{received.code}/slips/receipt.pdf")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert f'filename="{received.code}-receipt.pdf"' in r.headers["content-disposition"]


# ---- Mẫu 02–05 ------------------------------------------------------------------------------


def test_supplement_request_names_the_missing_document(session, world, accepted, sign_in):
    act(
        session, world["hni.handler"], accepted, "request_supplement", at(4, 3, 10),
        reason="Thiếu số sê-ri của máy", missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    slip = slips.supplement_request(facts_of(session, accepted, at(4, 3, 11)))
    assert slip.header.form_no == "02"
    assert [d.name for d in slip.missing] == [
        "Phiếu khai báo thiết bị X-quang chẩn đoán trong y tế"
    ]
    assert slip.missing[0].copies == "01 bản chính"
    assert slip.reason == "Thiếu số sê-ri của máy"
    assert slip.officer == "Cán bộ hni.handler"
    assert slip.request_no == 1
    assert slip.requested_text == "10 giờ 00 phút, ngày 04/03/2026"
    page = sign_in("hni.handler").get(f"/dossiers/{accepted.code}/slips/supplement_request")
    assert page.status_code == 200
    for text in (
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "Phiếu khai báo thiết bị X-quang chẩn đoán trong y tế",
        "Thiếu số sê-ri của máy",
        "NGƯỜI HƯỚNG DẪN",
        "Cán bộ hni.handler",
        "Nguyễn Văn An",
    ):
        assert text in page.text, text


def test_refusal_gives_the_reason(session, world, xray, sign_in):
    d = open_full(session, world, xray, received_at=at(2, 3, 9), now=at(2, 3, 9))
    act(
        session, world["hni.receiver"], d, "refuse_reception", at(2, 3, 9, 30),
        reason="Thiết bị không thuộc diện khai báo (thiết bị X-quang thú y)",
    )  # fmt: skip
    slip = slips.refusal(facts_of(session, d, at(2, 3, 10)))
    assert slip.header.form_no == "03"
    assert slip.reason == "Thiết bị không thuộc diện khai báo (thiết bị X-quang thú y)"
    assert slip.officer == "Cán bộ hni.receiver"
    assert slip.refused_text == "09 giờ 30 phút, ngày 02/03/2026"
    page = sign_in("hni.receiver").get(f"/dossiers/{d.code}/slips/refusal").text
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in page
    assert "Thiết bị không thuộc diện khai báo (thiết bị X-quang thú y)" in page


def test_apology_gives_the_old_and_new_dates(session, world, accepted, sign_in):
    act(
        session, world["hni.handler"], accepted, "extend", at(9, 3, 10),
        reason="Cần xác minh tại cơ sở", new_appointment="2026-03-12T17:00",
    )  # fmt: skip
    slip = slips.apology_extension(facts_of(session, accepted, at(9, 3, 11)))
    assert slip.header.form_no == "04"
    assert slip.legal_due == at(9, 3, 17)
    assert slip.old_appointment == at(9, 3, 17)
    assert slip.old_appointment_text == "17 giờ 00 phút, ngày 09/03/2026"
    assert slip.new_appointment == at(12, 3, 17)
    assert slip.new_appointment_text == "17 giờ 00 phút, ngày 12/03/2026"
    assert slip.reason == "Cần xác minh tại cơ sở"
    assert slip.status == "Thẩm định hồ sơ"
    assert slip.signer == "Cán bộ hni.handler"
    # a second extension apologises for the first new date
    act(
        session, world["hni.leader"], accepted, "extend", at(12, 3, 10),
        reason="Chờ ý kiến chuyên gia", new_appointment="2026-03-16T17:00",
    )  # fmt: skip
    second = slips.apology_extension(facts_of(session, accepted, at(12, 3, 11)))
    assert second.old_appointment == at(12, 3, 17)
    assert second.new_appointment == at(16, 3, 17)
    assert second.legal_due == at(9, 3, 17)
    assert [h.new_appointment for h in second.history] == [
        "17:00 ngày 12/03/2026",
        "17:00 ngày 16/03/2026",
    ]
    page = sign_in("hni.handler").get(f"/dossiers/{accepted.code}/slips/apology_extension").text
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in page
    assert "17 giờ 00 phút, ngày 12/03/2026" in page
    assert "17 giờ 00 phút, ngày 16/03/2026" in page
    assert "Chờ ý kiến chuyên gia" in page


def test_stop_notice_gives_the_reason_and_the_step_reached(session, world, accepted, sign_in):
    act(
        session, world["hni.handler"], accepted, "stop", at(3, 3, 14),
        reason="Cơ sở đề nghị dừng để thay thiết bị khác",
    )  # fmt: skip
    slip = slips.stop_notice(facts_of(session, accepted, at(3, 3, 15)))
    assert slip.header.form_no == "05"
    assert slip.step_reached == "Thẩm định hồ sơ"
    assert slip.reason == "Cơ sở đề nghị dừng để thay thiết bị khác"
    assert slip.stopped_text == "14 giờ 00 phút, ngày 03/03/2026"
    assert slip.fee_settlement == "Thủ tục không thu phí, lệ phí."
    page = sign_in("hni.handler").get(f"/dossiers/{accepted.code}/slips/stop_notice").text
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in page
    assert "Thẩm định hồ sơ" in page
    assert "Cơ sở đề nghị dừng để thay thiết bị khác" in page


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("supplement_request", "chưa có yêu cầu bổ sung"),
        ("refusal", "không bị từ chối tiếp nhận"),
        ("apology_extension", "chưa có văn bản xin lỗi"),
        ("stop_notice", "không bị dừng giải quyết"),
        ("khong_co", "Không có loại phiếu «khong_co»"),
    ],
)
def test_a_slip_without_its_event_is_404(session, world, accepted, sign_in, kind, message):
    r = sign_in("hni.receiver").get(f"/dossiers/{accepted.code}/slips/{kind}")
    assert r.status_code == 404
    assert message in r.text


# ---- Mẫu 06 ---------------------------------------------------------------------------------


def test_control_slip_has_one_row_per_step_with_its_result(session, world, xray, sign_in):
    d = open_full(session, world, xray, received_at=at(2, 3, 9), now=at(2, 3, 9))
    # received: 0.5 day from 09:00 → due 14:00 the same day; handed on at 11:00 → on time
    act(session, world["hni.receiver"], d, "accept", at(2, 3, 11))
    act(
        session, world["hni.handler"], d, "submit_for_signing", at(3, 3, 9),
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Xác nhận 01 máy",
    )  # fmt: skip  # reviewing: 3 days from 11:00 02/03 → due 11:00 05/03; done 03/03 → early
    # signing: 1 day from 09:00 03/03 → due 09:00 04/03; signed 16:00 04/03 → late
    act(session, world["hni.leader"], d, "sign", at(4, 3, 16), decision_number="12/XN")
    slip = slips.control(facts_of(session, d, at(4, 3, 16, 30)))
    assert slip.header.form_no == "06"
    rows = slip.rows
    assert [r.step for r in rows] == [
        "Tiếp nhận hồ sơ",
        "Thẩm định hồ sơ",
        "Trình ký",
        "Có kết quả, chờ trả",
    ]
    first, review, signing, ready = rows
    assert first.received_text == "09:00 02/03/2026"
    assert first.handed_over_text == "11:00 02/03/2026"
    assert (first.giver, first.receiver) == ("Cán bộ hni.receiver", "Cán bộ hni.receiver")
    assert (review.giver, review.receiver) == ("Cán bộ hni.receiver", "Cán bộ hni.handler")
    assert (signing.giver, signing.receiver) == ("Cán bộ hni.handler", "Cán bộ hni.leader")
    assert [r.bucket for r in rows[:3]] == ["on_time", "early", "late"]
    assert [r.result for r in rows[:3]] == ["Đúng hạn", "Trước hạn", "Quá hạn"]
    assert signing.due_text == "09:00 04/03/2026"
    assert review.allot == "3 ngày làm việc"
    assert first.note == "Tiếp nhận hồ sơ"
    assert ready.handed_over_at is None
    assert ready.result.startswith("Đang xử lý")
    page = sign_in("hni.leader").get(f"/dossiers/{d.code}/slips/control").text
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in page
    assert page.count('<tr class="step"') == 4
    for result in ("Đúng hạn", "Trước hạn", "Quá hạn"):
        assert f'<td class="center">{result}</td>' in page
    assert "Cán bộ hni.leader" in page


def test_control_slip_marks_a_paused_step(session, world, accepted):
    act(
        session, world["hni.handler"], accepted, "request_supplement", at(4, 3, 10),
        reason="Thiếu phiếu", missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    act(session, world["hni.receiver"], accepted, "receive_supplement", at(5, 3, 10))
    rows = slips.control(facts_of(session, accepted, at(5, 3, 11))).rows
    waiting = rows[2]
    assert waiting.step == "Chờ bổ sung hồ sơ"
    assert waiting.bucket is None
    assert "không tính vào thời hạn" in waiting.note


# ---- practice dossiers, PDFs, access --------------------------------------------------------


def test_practice_slips_carry_the_watermark_in_html_and_pdf(
    session, world, xray, sign_in, monkeypatch
):
    d = open_full(session, world, xray, mode="practice", received_at=at(2, 3, 9), now=at(2, 3, 9))
    act(session, world["hni.receiver"], d, "accept", at(2, 3, 11))
    assert d.code.startswith("LT-")
    client = sign_in("hni.receiver")
    page = client.get(f"/dossiers/{d.code}/slips/receipt").text
    assert '<div class="watermark" aria-hidden="true">LÀM THỬ</div>' in page
    assert "HỒ SƠ LÀM THỬ" in page
    rendered: list[str] = []
    real = slip_views.html_to_pdf

    def spy(html: str, css: str) -> bytes:
        rendered.append(html)
        return real(html, css)

    monkeypatch.setattr(slip_views, "html_to_pdf", spy)
    for kind in ("receipt", "control"):
        r = client.get(f"/dossiers/{d.code}/slips/{kind}.pdf")
        assert r.content.startswith(b"%PDF")
    assert len(rendered) == 2
    assert all('<div class="watermark" aria-hidden="true">LÀM THỬ</div>' in h for h in rendered)
    assert all("/static/css/print.css" not in h for h in rendered)  # the CSS is given directly


def test_slip_pdf_pages_are_a5(session, world, received, sign_in, monkeypatch):
    from weasyprint import CSS, HTML

    rendered: list[tuple[str, str]] = []
    real = slip_views.html_to_pdf

    def spy(html: str, css: str) -> bytes:
        rendered.append((html, css))
        return real(html, css)

    monkeypatch.setattr(slip_views, "html_to_pdf", spy)
    sign_in("hni.receiver").get(f"/dossiers/{received.code}/slips/receipt.pdf")
    html, css = rendered[0]
    page = HTML(string=html).render(stylesheets=[CSS(string=css)]).pages[0]
    mm = 25.4 / 96
    assert (round(page.width * mm), round(page.height * mm)) == (148, 210)


#: (actor, action, data) fired at 03/03/2026 09:00 after acceptance, for each slip kind.
SLIP_ACTIONS = {
    "supplement_request": (
        "hni.handler", "request_supplement", {"reason": "Thiếu", "missing_documents": ["phieu_khai_bao"]}
    ),
    "apology_extension": (
        "hni.handler", "extend", {"reason": "Chậm", "new_appointment": "2026-03-12T17:00"}
    ),
    "stop_notice": ("hni.handler", "stop", {"reason": "Dừng"}),
    "control": None,
}  # fmt: skip


@pytest.mark.parametrize("kind", [*SLIP_ACTIONS, "refusal"])
def test_every_slip_has_a_pdf(session, world, xray, sign_in, kind):
    d = open_full(session, world, xray, received_at=at(2, 3, 9), now=at(2, 3, 9))
    if kind == "refusal":
        act(session, world["hni.receiver"], d, "refuse_reception", at(2, 3, 10), reason="Sai")
    else:
        act(session, world["hni.receiver"], d, "accept", at(2, 3, 11))
    if SLIP_ACTIONS.get(kind):
        actor, action, data = SLIP_ACTIONS[kind]
        act(session, world[actor], d, action, at(3, 3, 9), **data)
    r = sign_in("hni.handler").get(f"/dossiers/{d.code}/slips/{kind}.pdf")
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"%PDF")


def test_a_user_of_another_unit_gets_404(session, world, received, sign_in):
    client = sign_in("kha.receiver")
    for name in ("receipt", "receipt.pdf", "control"):
        r = client.get(f"/dossiers/{received.code}/slips/{name}")
        assert r.status_code == 404
        assert f"Không tìm thấy hồ sơ {received.code}." in r.text
        assert "Nguyễn Văn An" not in r.text


def test_an_auditor_above_reads_the_slips(session, world, received, sign_in):
    r = sign_in("bo.auditor").get(f"/dossiers/{received.code}/slips/receipt")
    assert r.status_code == 200
    assert "Nguyễn Văn An" in r.text


def test_not_signed_in_goes_to_login(session, world, received, client):
    r = client.get(f"/dossiers/{received.code}/slips/receipt", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")
    assert "slips" in r.headers["location"]


def test_the_receipt_never_prints_the_officers_fee_note(registry):
    """An unknown amount is stated plainly on Mẫu 01; the note (what was read, what is
    unconfirmed, what to do) stays in the handbook."""
    from casework.dossiers.slips import RECEIPT_FEE_UNKNOWN, fee_text, receipt_fee_text

    unknown = [p for p in registry.all() if p.fee is not None and p.fee.amount_vnd is None]
    assert unknown
    for p in unknown:
        assert receipt_fee_text(p) == RECEIPT_FEE_UNKNOWN
        if p.fee.note:
            assert fee_text(p) == p.fee.note  # the handbook keeps it
    known = [p for p in registry.all() if p.fee is None or p.fee.amount_vnd is not None]
    assert all(receipt_fee_text(p) == fee_text(p) for p in known)
