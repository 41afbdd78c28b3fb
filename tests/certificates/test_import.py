"""Importing a class's attendee list: the preview names every row's problems, nothing is written
until confirmed, and confirming writes all rows or none (both databases)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from casework.accounts import service as accounts
from casework.certificates import importer
from casework.certificates.models import Certificate, Source
from casework.errors import NotFound, PermissionDenied, ValidationFailed
from tests.certificates.helpers import ISSUER, admin_of, record, xlsx

COURSE = "Lớp nghiệp vụ kiểm tra đo lường, Tây Ninh 10/2025"


def _row(name, username, unit, number, issued="15/10/2025", until="", field="Đo lường"):  # type: ignore[no-untyped-def]
    return [name, username, unit, field, COURSE, ISSUER, number, issued, until]


def test_preview_lists_every_problem_and_writes_nothing(session, world, up):
    admin = admin_of(session, world.hni, "hni.admin")
    accounts.create_user(session, username="badinh.b", full_name="Cán bộ badinh.receiver",
                         unit=world.commune, roles=["handler"])  # fmt: skip
    record(session, admin, world["hni.leader"], up, "TAKEN")
    data = xlsx([
        _row("Cán bộ hni.handler", "", "SKHCN.HNI", "C-1", datetime(2025, 10, 15)),  # ok, by name
        _row("", "hni.receiver", "skhcn.hni", "C-2", "2025-10-15", "31/12/2027"),  # ok, username
        _row("Ai Đó", "", "XA.KHONGCO", "C-3"),  # unknown unit
        _row("Người Lạ", "", "SKHCN.HNI", "C-4"),  # unknown person
        _row("Cán bộ badinh.receiver", "", "HNI.BADINH", "C-5"),  # two of that name
        _row("Cán bộ kha.handler", "kha.handler", "SKHCN.KHA", "C-6"),  # outside the scope
        _row("Cán bộ hni.leader", "", "SKHCN.HNI", "C-1"),  # repeated in the file
        _row("Cán bộ hni.auditor", "", "SKHCN.HNI", "TAKEN"),  # already recorded
        _row("Cán bộ hni.receiver2", "", "SKHCN.HNI", "C-9", "32/13/2025"),  # bad date
        _row("Cán bộ hni.receiver2", "", "SKHCN.HNI", "", "15/10/2025", "", "Tin học"),
    ])  # fmt: skip
    p = importer.preview(session, actor=admin, filename="lop.xlsx", data=data,
                         import_dir=up / "imports")  # fmt: skip
    assert (len(p.rows), p.good, p.bad) == (10, 2, 8), [(r.line, r.problems) for r in p.rows]
    problems = {r.line: " ".join(r.problems) for r in p.rows}
    assert problems[2] == "" and problems[3] == ""
    assert "XA.KHONGCO" in problems[4]
    assert "Không tìm thấy cán bộ «Người Lạ»" in problems[5]
    assert "Có 2 cán bộ" in problems[6] and "Tên đăng nhập" in problems[6]
    assert "SKHCN.KHA" in problems[7]  # not named as existing: outside the admin's scope
    assert "trùng với dòng 2" in problems[8]
    assert "đã có trong hệ thống" in problems[9]
    assert "Ngày cấp" in problems[10]
    assert "Thiếu «Số chứng chỉ»" in problems[11] and "Lĩnh vực" in problems[11]
    assert session.exec(select(Certificate)).all()[0].number == "TAKEN"  # only the old one
    with pytest.raises(ValidationFailed):
        importer.confirm(session, actor=admin, token=p.token, import_dir=up / "imports",
                         upload_dir=up)  # fmt: skip
    session.rollback()
    assert len(session.exec(select(Certificate)).all()) == 1


def test_confirm_writes_every_row_from_the_stored_file(session, world, up):
    admin = admin_of(session, world.hni, "hni.admin")
    data = xlsx([_row("Cán bộ hni.handler", "", "SKHCN.HNI", "C-1"),
                 _row("", "badinh.receiver", "HNI.BADINH", "C-2", "01/11/2025", "01/11/2030")])  # fmt: skip
    p = importer.preview(session, actor=admin, filename="lop.xlsx", data=data,
                         import_dir=up / "imports")  # fmt: skip
    assert p.bad == 0
    other = admin_of(session, world.ministry, "bo.admin")
    with pytest.raises(NotFound):  # only the uploader confirms their preview
        importer.confirm(session, actor=other, token=p.token, import_dir=up / "imports",
                         upload_dir=up)  # fmt: skip
    n = importer.confirm(session, actor=admin, token=p.token, import_dir=up / "imports",
                         upload_dir=up)  # fmt: skip
    assert n == 2
    rows = session.exec(select(Certificate).order_by(Certificate.number)).all()
    assert [(c.number, c.user_id, c.source) for c in rows] == [
        ("C-1", world["hni.handler"].id, Source.imported),
        ("C-2", world["badinh.receiver"].id, Source.imported),
    ]
    assert rows[1].valid_until == date(2030, 11, 1) and rows[1].evidence_name == "lop.xlsx"
    assert (up / rows[0].evidence_key).read_bytes() == data
    with pytest.raises(NotFound):  # the preview is gone once written
        importer.confirm(session, actor=admin, token=p.token, import_dir=up / "imports",
                         upload_dir=up)  # fmt: skip


def test_confirm_rechecks_and_writes_none_if_a_row_went_bad(session, world, up):
    admin = admin_of(session, world.hni, "hni.admin")
    data = xlsx([_row("Cán bộ hni.handler", "", "SKHCN.HNI", "C-1"),
                 _row("Cán bộ hni.leader", "", "SKHCN.HNI", "C-2")])  # fmt: skip
    p = importer.preview(session, actor=admin, filename="lop.xlsx", data=data,
                         import_dir=up / "imports")  # fmt: skip
    record(session, admin, world["hni.auditor"], up, "C-2", course=COURSE)  # meanwhile
    with pytest.raises(ValidationFailed) as caught:
        importer.confirm(session, actor=admin, token=p.token, import_dir=up / "imports",
                         upload_dir=up)  # fmt: skip
    assert "1 dòng có lỗi" in caught.value.message
    session.rollback()
    assert [c.number for c in session.exec(select(Certificate)).all()] == ["C-2"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "rỗng"),
        (b"%PDF-1.4 not a sheet", "không phải bảng tính"),
        (b"PK\x03\x04broken", "không phải bảng tính"),
    ],
)
def test_files_that_are_not_lists_are_refused(session, world, up, data, expected):
    admin = admin_of(session, world.hni, "hni.admin")
    with pytest.raises(ValidationFailed) as caught:
        importer.preview(session, actor=admin, filename="x.xlsx", data=data,
                         import_dir=up / "imports")  # fmt: skip
    assert expected in caught.value.fields["file"]
    assert not (up / "imports").exists() or not any((up / "imports").iterdir())


def test_wrong_columns_name_the_expected_ones(session, world, up):
    admin = admin_of(session, world.hni, "hni.admin")
    data = xlsx([["A", "B"]], header=["Tên", "Đơn vị"])
    with pytest.raises(ValidationFailed) as caught:
        importer.preview(session, actor=admin, filename="x.xlsx", data=data, import_dir=up / "i")
    message = caught.value.fields["file"]
    assert "Thiếu cột «Họ và tên»" in message and "«Số chứng chỉ»" in message
    assert "«Có giá trị đến» (không bắt buộc)" in message
    headers_without_accents = ["ho va ten", "ma don vi", "LINH VUC", "Khoa hoc", "noi cap",
                               "so chung chi", "ngay cap"]  # fmt: skip
    ok = xlsx([["Cán bộ hni.handler", "SKHCN.HNI", "Đo lường", COURSE, ISSUER, "X1", "15/10/2025"]],
              header=headers_without_accents)  # fmt: skip
    p = importer.preview(session, actor=admin, filename="x.xlsx", data=ok, import_dir=up / "i")
    assert p.bad == 0


def test_too_many_rows_is_one_clear_message(session, world, up, monkeypatch):
    admin = admin_of(session, world.hni, "hni.admin")
    monkeypatch.setattr(importer, "MAX_ROWS", 5)
    data = xlsx([_row("X", "", "SKHCN.HNI", f"N{i}") for i in range(6)])
    with pytest.raises(ValidationFailed) as caught:
        importer.preview(session, actor=admin, filename="x.xlsx", data=data, import_dir=up / "i")
    assert "hơn 5 dòng" in caught.value.fields["file"]


def test_ten_thousand_rows_are_refused(session, world, up):
    admin = admin_of(session, world.hni, "hni.admin")
    data = xlsx([_row("X", "", "SKHCN.HNI", f"N{i}") for i in range(10_000)])
    with pytest.raises(ValidationFailed) as caught:
        importer.preview(session, actor=admin, filename="x.xlsx", data=data, import_dir=up / "i")
    assert "hơn 5.000 dòng" in caught.value.fields["file"]


def test_control_characters_and_formulas_do_not_break_the_preview(session, world, up):
    admin = admin_of(session, world.hni, "hni.admin")
    data = xlsx([_row("Cán bộ hni.handler", "", "SKHCN.HNI", "=1+1"),
                 ["Cán bộ\n hni.leader", "", "SKHCN.HNI", "Đo lường", COURSE, ISSUER, "X\t2",
                  "15/10/2025", ""]])  # fmt: skip
    p = importer.preview(session, actor=admin, filename="x.xlsx", data=data, import_dir=up / "i")
    # a formula is read as its computed value: none saved in the file → the cell counts as empty
    assert [r.problems for r in p.rows] == [["Thiếu «Số chứng chỉ»."], []]
    assert p.rows[1].cells["number"] == "X 2"
    assert p.rows[1].cells["full_name"] == "Cán bộ hni.leader"


def test_spreadsheet_cells_are_made_safe():
    from casework.cells import csv_cell
    from tests.factories import TZ

    assert csv_cell("=1+1", TZ) == "'=1+1"
    assert csv_cell("@SUM(A1)", TZ) == "'@SUM(A1)"
    assert csv_cell("-2", TZ) == "'-2" and csv_cell("+84 912", TZ) == "'+84 912"
    assert csv_cell("a\x07b\x00c", TZ) == "abc"
    assert csv_cell("Nguyễn Văn A", TZ) == "Nguyễn Văn A"


def test_only_admins_import(session, world, up):
    data = xlsx([_row("Cán bộ hni.handler", "", "SKHCN.HNI", "C-1")])
    with pytest.raises(PermissionDenied):
        importer.preview(session, actor=world["hni.auditor"], filename="x.xlsx", data=data,
                         import_dir=up / "i")  # fmt: skip


def test_a_zip_bomb_is_refused_before_it_is_unpacked(session, world, up, monkeypatch):
    admin = admin_of(session, world.hni, "hni.admin")
    monkeypatch.setattr(importer, "MAX_UNPACKED", 1000)
    data = xlsx([_row("Cán bộ hni.handler", "", "SKHCN.HNI", "C-1")])
    with pytest.raises(ValidationFailed) as caught:
        importer.preview(session, actor=admin, filename="x.xlsx", data=data, import_dir=up / "i")
    assert "giải nén" in caught.value.fields["file"]
