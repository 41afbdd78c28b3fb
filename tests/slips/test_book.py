"""The tracking book (Mẫu 07) of a unit for a period: rows, exclusions, access, PDF and XLSX."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from casework.dossiers import service, slip_views, slips
from tests.factories import TZ, open_xray

#: The declaration's name in the 2026 radiation set (issue 18), as the slips print it.
XRAY_NAME = (
    "Khai báo thiết bị X-quang chẩn đoán y tế, thiết bị chụp cắt lớp vi tính tích hợp với PET "
    "(PET/CT), SPECT (SPECT/CT), sử dụng thiết bị phát tia X (trừ thiết bị chụp ảnh phóng xạ công "
    "nghiệp)"
)


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def act(session, actor, dossier, action, when, **data):
    return service.fire_action(
        session, actor=actor, code=dossier.code, action=action, data=data, tz=TZ, now=when
    )


@pytest.fixture
def march(session, world, xray):
    """HNI: two real dossiers in March (one returned), one practice in March, one real in
    February; KHA: one real in March."""
    hni, kha = world["hni.receiver"], world["kha.receiver"]
    returned = service.open_dossier(
        session, actor=hni, procedure=xray, tz=TZ, received_at=at(2, 3, 9), now=at(2, 3, 9),
        applicant=service.Applicant(
            name="Nguyễn Văn An", address="12 Phố Huế, Hà Nội", phone="0912 345 678"
        ),
    )  # fmt: skip
    act(session, hni, returned, "accept", at(2, 3, 11))
    act(
        session, world["hni.handler"], returned, "submit_for_signing", at(3, 3, 9),
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Xác nhận 01 máy",
    )  # fmt: skip
    act(session, world["hni.leader"], returned, "sign", at(4, 3, 10), decision_number="12/XN")
    act(session, hni, returned, "return_result", at(5, 3, 15))
    refused = open_xray(
        session, xray, hni, received_at=at(20, 3, 14), now=at(20, 3, 14), name="Công ty Ánh Dương"
    )
    act(session, hni, refused, "refuse_reception", at(20, 3, 14, 30), reason="Sai thẩm quyền")
    practice = open_xray(
        session, xray, hni, mode="practice", received_at=at(3, 3, 9), now=at(3, 3, 9),
        name="Bệnh viện Làm Thử",
    )  # fmt: skip
    february = open_xray(
        session, xray, hni, received_at=at(27, 2, 9), now=at(27, 2, 9), name="Phòng khám Tháng Hai"
    )
    other = open_xray(
        session, xray, kha, received_at=at(4, 3, 9), now=at(4, 3, 9), name="Bệnh viện Khánh Hòa"
    )
    return {
        "returned": returned,
        "refused": refused,
        "practice": practice,
        "february": february,
        "other": other,
    }


def book_of(session, world, unit, start=date(2026, 3, 1), end=date(2026, 3, 31)):
    user = world["hni.receiver"]
    found, visible = slip_views.book_unit(session, user, unit.code)
    entries = slips.load_book(session, unit=found, visible=visible, start=start, end=end, tz=TZ)
    return slips.book(found, entries, start=start, end=end, tz=TZ)


def test_book_rows_for_a_period(session, world, march):
    b = book_of(session, world, world.hni)
    assert b.title == "SỔ THEO DÕI HỒ SƠ"
    assert b.period_text == "Từ ngày 01/03/2026 đến ngày 31/03/2026"
    assert [r.code for r in b.rows] == [march["returned"].code, march["refused"].code]
    first, second = b.rows
    assert first.number == 1
    assert first.procedure_name == XRAY_NAME
    assert first.sets == 1
    assert first.applicant == "Nguyễn Văn An"
    assert first.address_phone == "12 Phố Huế, Hà Nội; ĐT: 0912 345 678"
    assert first.handling_unit == "Sở KH&CN Hà Nội"
    assert first.texts == {
        "received": "02/03/2026 09:00",
        "appointment": "09/03/2026 17:00",
        "result": "04/03/2026 10:00",
        "returned": "05/03/2026 15:00",
    }
    assert first.note == ""
    assert second.note == "Từ chối tiếp nhận"
    assert second.appointment_at is None
    assert second.returned_at is None


def test_book_days_are_local_and_both_ends_count(session, world, march):
    only_the_20th = book_of(session, world, world.hni, date(2026, 3, 20), date(2026, 3, 20))
    assert [r.code for r in only_the_20th.rows] == [march["refused"].code]


def test_book_page_excludes_practice_and_other_units(session, world, march, sign_in):
    r = sign_in("hni.receiver").get("/units/SKHCN.HNI/book?from=2026-03-01&to=2026-03-31")
    assert r.status_code == 200, r.text
    page = r.text
    assert "SỔ THEO DÕI HỒ SƠ" in page
    assert "Mẫu số 07 — Thông tư 03/2025/TT-VPCP" in page
    for column in slips.BOOK_COLUMNS:
        assert f'<th scope="col">{column}</th>' in page
    assert march["returned"].code in page
    assert march["refused"].code in page
    assert "Bệnh viện Làm Thử" not in page
    assert "LT-" not in page
    assert "LÀM THỬ" not in page
    assert "Bệnh viện Khánh Hòa" not in page
    assert "Phòng khám Tháng Hai" not in page
    assert "/units/SKHCN.HNI/book.xlsx?from=2026-03-01&amp;to=2026-03-31" in page


def test_book_xlsx_has_the_vietnamese_header_row(session, world, march, sign_in):
    r = sign_in("hni.receiver").get("/units/SKHCN.HNI/book.xlsx?from=2026-03-01&to=2026-03-31")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = r.headers["content-disposition"]
    assert 'filename="so-theo-doi-SKHCN.HNI-20260301-20260331.xlsx"' in disposition
    ws = load_workbook(BytesIO(r.content)).active
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    header = rows.index(slips.BOOK_COLUMNS)
    assert rows[header][:3] == ["STT", "Mã hồ sơ", "Tên thủ tục hành chính"]
    data = rows[header + 1 :]
    assert [row[1] for row in data] == [march["returned"].code, march["refused"].code]
    assert data[0][7] == datetime(2026, 3, 2, 9, 0)  # local time, as Excel shows it
    assert data[0][10] == datetime(2026, 3, 5, 15, 0)
    assert ws.cell(row=header + 2, column=8).number_format == "dd/mm/yyyy hh:mm"
    assert "Từ ngày 01/03/2026 đến ngày 31/03/2026" in [r[0] for r in rows[:header]]


def test_book_pdf_is_a4_landscape(session, world, march, sign_in, monkeypatch):
    from weasyprint import CSS, HTML

    rendered: list[tuple[str, str]] = []
    real = slip_views.html_to_pdf

    def spy(html: str, css: str) -> bytes:
        rendered.append((html, css))
        return real(html, css)

    monkeypatch.setattr(slip_views, "html_to_pdf", spy)
    r = sign_in("hni.receiver").get("/units/SKHCN.HNI/book.pdf?from=2026-03-01&to=2026-03-31")
    assert r.status_code == 200
    assert r.content.startswith(b"%PDF")
    html, css = rendered[0]
    page = HTML(string=html).render(stylesheets=[CSS(string=css)]).pages[0]
    mm = 25.4 / 96
    assert (round(page.width * mm), round(page.height * mm)) == (297, 210)


@pytest.mark.parametrize("username", ["hni.auditor", "bo.auditor", "hni.handler"])
def test_staff_and_auditors_above_read_the_book(session, world, march, sign_in, username):
    r = sign_in(username).get("/units/SKHCN.HNI/book?from=2026-03-01&to=2026-03-31")
    assert r.status_code == 200
    assert march["returned"].code in r.text


@pytest.mark.parametrize("username", ["kha.receiver", "bo.mentor", "badinh.receiver"])
def test_others_get_404(session, world, march, sign_in, username):
    client = sign_in(username)
    for suffix in ("", ".pdf", ".xlsx"):
        r = client.get(f"/units/SKHCN.HNI/book{suffix}?from=2026-03-01&to=2026-03-31")
        assert r.status_code == 404
        assert "Không tìm thấy sổ theo dõi hồ sơ của đơn vị SKHCN.HNI." in r.text
        assert "Nguyễn Văn An" not in r.text


def test_an_unknown_unit_is_404_too(session, world, sign_in):
    r = sign_in("bo.auditor").get("/units/KHONG.CO/book")
    assert r.status_code == 404


def test_a_backwards_period_is_refused(session, world, sign_in):
    r = sign_in("hni.receiver").get("/units/SKHCN.HNI/book?from=2026-03-31&to=2026-03-01")
    assert r.status_code == 422
    assert "«đến ngày» phải sau" in r.text
    r = sign_in("hni.receiver").get("/units/SKHCN.HNI/book?from=2025-01-01&to=2026-03-01")
    assert r.status_code == 422


def test_book_without_dates_shows_the_current_month(session, world, sign_in):
    r = sign_in("hni.receiver").get("/units/SKHCN.HNI/book")
    assert r.status_code == 200
    today = datetime.now(TZ).date()
    assert f"Từ ngày 01/{today:%m/%Y} đến ngày {today:%d/%m/%Y}" in r.text
    assert "Không có hồ sơ nào" in r.text


def test_book_needs_sign_in(client, world):
    r = client.get("/units/SKHCN.HNI/book.xlsx", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")
