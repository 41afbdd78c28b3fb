"""The XLSX import as an admin walks it: upload, preview, confirm (both databases)."""

from __future__ import annotations

import re

from sqlmodel import select

from casework.certificates.models import Certificate
from tests.certificates.helpers import ISSUER, admin_of, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _token(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def test_upload_preview_confirm(client, session, world, sign_in):
    admin = admin_of(session, world.hni, "hni.admin")
    token = sign_in(admin)
    page = client.get("/certificates/import")
    assert page.status_code == 200 and "Số chứng chỉ" in page.text
    data = xlsx([["Cán bộ hni.handler", "", "SKHCN.HNI", "Đo lường", "Lớp 10/2025", ISSUER,
                  "TN-1", "15/10/2025", ""],
                 ["", "badinh.receiver", "HNI.BADINH", "đo lường", "Lớp 10/2025", ISSUER,
                  "TN-2", "15/10/2025", "15/10/2030"]])  # fmt: skip
    r = client.post("/certificates/import", data={"csrf_token": token},
                    files={"file": ("lớp tháng 10.xlsx", data, XLSX)})  # fmt: skip
    assert r.status_code == 200
    assert "hợp lệ: 2" in r.text and "TN-2" in r.text and "Ghi 2 chứng chỉ" in r.text
    assert session.exec(select(Certificate)).all() == []  # nothing written by the preview
    session.rollback()  # end the test's read transaction (SQLite keeps its snapshot)
    first = _token(r.text)
    r = client.post("/certificates/import/confirm",
                    data={"csrf_token": token, "token": first}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/certificates?imported=2"
    assert "Đã ghi 2 chứng chỉ" in client.get(r.headers["location"]).text
    assert len(session.exec(select(Certificate)).all()) == 2
    session.rollback()
    # the same list again: every row is now a duplicate, and there is no button to write it
    r = client.post("/certificates/import", data={"csrf_token": token},
                    files={"file": ("lop.xlsx", data, XLSX)})  # fmt: skip
    assert r.status_code == 422 and "đã có trong hệ thống" in r.text
    assert "Ghi 2 chứng chỉ" not in r.text
    # the written preview is gone: confirming it twice writes nothing twice
    assert client.post("/certificates/import/confirm",
                       data={"csrf_token": token, "token": first}).status_code == 404  # fmt: skip
    assert len(session.exec(select(Certificate)).all()) == 2


def test_a_bad_file_is_refused_with_one_message(client, session, world, sign_in):
    admin = admin_of(session, world.hni, "hni.admin")
    token = sign_in(admin)
    wrong = xlsx([["a", "b"]], header=["STT", "Tên"])
    r = client.post("/certificates/import", data={"csrf_token": token},
                    files={"file": ("sai.xlsx", wrong, XLSX)})  # fmt: skip
    assert r.status_code == 422
    assert "Thiếu cột «Họ và tên»" in r.text and 'id="err-file"' in r.text
    r = client.post("/certificates/import", data={"csrf_token": token})
    assert r.status_code == 422 and "Chọn tệp" in r.text
    r = client.post("/certificates/import", data={"csrf_token": token},
                    files={"file": ("a.pdf", b"%PDF-1.4", "application/pdf")})  # fmt: skip
    assert r.status_code == 422 and "không phải bảng tính" in r.text


def test_confirm_with_an_unknown_token_writes_nothing(client, session, world, sign_in):
    admin = admin_of(session, world.hni, "hni.admin")
    token = sign_in(admin)
    r = client.post("/certificates/import/confirm", data={"csrf_token": token, "token": "x" * 32})
    assert r.status_code == 404 and "tải tệp lên lại" in r.text.lower()
    r = client.post("/certificates/import/confirm", data={"csrf_token": token, "token": "../x"})
    assert r.status_code == 404
