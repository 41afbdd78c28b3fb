"""The certificate pages as their users reach them (both databases)."""

from __future__ import annotations

import io
import re

from sqlmodel import select

from casework.certificates.models import Certificate
from tests.certificates.helpers import FIELD, admin_of, record, values

PDF = b"%PDF-1.4\n% evidence\n"


def test_my_certificates_page(client, session, world, sign_in, up):
    admin = admin_of(session, world.hni, "hni.admin")
    officer = world["badinh.receiver"]
    record(session, admin, officer, up, "DL-55", valid_until="2025-12-31")
    sign_in(officer)
    r = client.get("/certificates/mine")
    assert r.status_code == 200
    assert "DL-55" in r.text and "Hết hạn" in r.text
    assert 'href="/certificates/mine"' in client.get("/").text  # the nav link
    sign_in(world["hni.handler"])
    r = client.get("/certificates/mine")
    assert "DL-55" not in r.text and "chưa có chứng chỉ nào" in r.text


def test_admin_adds_one_through_the_form(client, session, world, sign_in, app):
    admin = admin_of(session, world.hni, "hni.admin")
    token = sign_in(admin)
    form = {**values("DL-77"), "username": "badinh.receiver", "csrf_token": token}
    files = {"doc_evidence": ("cc.pdf", PDF, "application/pdf")}
    r = client.post("/certificates", data=form, files=files, follow_redirects=False)
    assert r.status_code == 303, r.text
    cert = session.exec(select(Certificate).where(Certificate.number == "DL-77")).one()
    assert r.headers["location"] == f"/certificates/{cert.id}?saved=1"
    page = client.get(r.headers["location"])
    assert "Đã lưu chứng chỉ" in page.text and "cc.pdf" in page.text
    ev = client.get(f"/certificates/{cert.id}/evidence")
    assert ev.status_code == 200 and ev.content == PDF
    assert "sandbox" in ev.headers["content-security-policy"]


def test_a_refused_form_keeps_what_was_typed(client, session, world, sign_in):
    admin = admin_of(session, world.hni, "hni.admin")
    token = sign_in(admin)
    form = {**values("DL-78", course="Khóa tháng 10", issued_on="2025-13-40"),
            "username": "kha.handler", "csrf_token": token}  # fmt: skip
    r = client.post("/certificates", data=form)
    assert r.status_code == 422
    assert 'value="Khóa tháng 10"' in r.text and 'value="DL-78"' in r.text
    assert 'id="err-username"' in r.text and 'id="err-issued_on"' in r.text
    assert session.exec(select(Certificate)).all() == []


def test_edit_and_revoke_through_the_pages(client, session, world, sign_in, up):
    admin = admin_of(session, world.hni, "hni.admin")
    cert = record(session, admin, world["hni.handler"], up)
    token = sign_in(admin)
    form = {**values("DL-001B"), "version": "1", "csrf_token": token}
    r = client.post(f"/certificates/{cert.id}", data=form, follow_redirects=False)
    assert r.status_code == 303
    stale = client.post(f"/certificates/{cert.id}", data={**form, "number": "X"})
    assert stale.status_code == 409 and "người khác sửa" in stale.text
    r = client.post(f"/certificates/{cert.id}/revoke", data={"reason": "", "csrf_token": token})
    assert r.status_code == 422 and 'id="err-reason"' in r.text
    r = client.post(f"/certificates/{cert.id}/revoke",
                    data={"reason": "Cấp nhầm", "version": "2", "csrf_token": token},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    page = client.get(f"/certificates/{cert.id}").text
    assert "Đã thu hồi" in page and "Cấp nhầm" in page and "DL-001" in page  # history kept
    assert f'action="/certificates/{cert.id}/revoke"' not in page


def test_unit_list_filters_pages_and_exports(client, session, world, sign_in, up):
    admin = admin_of(session, world.hni, "hni.admin")
    for i in range(30):
        record(session, admin, world["hni.handler"], up, f"N{i:02d}")
    record(
        session,
        admin,
        world["badinh.receiver"],
        up,
        '=HYPERLINK("x")',
        issued_on="2024-01-01",
        valid_until="2025-01-01",
    )
    sign_in(world["hni.auditor"])
    r = client.get("/certificates")
    assert r.status_code == 200 and "31 chứng chỉ" in r.text and "trang 1/2" in r.text
    r = client.get(f"/certificates?status=expired&unit={world.commune.id}")
    assert "1 chứng chỉ" in r.text and "HYPERLINK" in r.text
    r = client.get("/certificates?q=n05")
    assert "1 chứng chỉ" in r.text and "N05" in r.text
    r = client.get("/certificates?field=" + FIELD, headers={"HX-Request": "true"})
    assert r.text.lstrip().startswith('<section id="results"')
    csv = client.get("/certificates.csv?status=expired").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv
    from openpyxl import load_workbook

    xlsx = client.get("/certificates.xlsx")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [c for row in ws.iter_rows() for c in row]
    (link,) = [c for c in cells if c.value == '=HYPERLINK("x")']  # kept as text, never a formula
    assert link.data_type == "s" and link.quotePrefix
    assert not any(c.data_type == "f" for c in cells)
    printed = client.get("/certificates/print")
    assert printed.status_code == 200 and "DANH SÁCH" in printed.text
    assert '=HYPERLINK("x")' in printed.text.replace("&#34;", '"')
    # another department's auditor does not see Hà Nội's, and cannot choose its units
    sign_in(world["kha.auditor"] if "kha.auditor" in world.users else world["bo.mentor"])
    assert client.get("/certificates").status_code == 403
    assert (
        client.get(f"/certificates/{session.exec(select(Certificate.id)).first()}").status_code
        == 404
    )


def test_foreign_unit_in_the_filter_is_404(client, session, world, sign_in):
    from casework.accounts import service as accounts

    auditor = accounts.create_user(session, username="kha.auditor", full_name="KT Khánh Hòa",
                                   unit=world.kha, roles=["auditor"])  # fmt: skip
    sign_in(auditor)
    assert client.get(f"/certificates?unit={world.hni.id}").status_code == 404
    assert client.get("/certificates").status_code == 200
    assert re.search(r"0 chứng chỉ", client.get("/certificates").text)


def test_another_certificate_for_the_same_officer(client, session, world, sign_in, up):
    admin = admin_of(session, world.hni, "hni.admin")
    cert = record(session, admin, world["hni.handler"], up)
    sign_in(admin)
    page = client.get(f"/certificates/{cert.id}").text
    assert 'href="/certificates/new?username=hni.handler"' in page
    form = client.get("/certificates/new?username=hni.handler").text
    assert 'name="username" value="hni.handler"' in form


def test_a_capped_export_says_so(client, session, world, sign_in, up, monkeypatch):
    from casework.certificates import service

    admin = admin_of(session, world.hni, "hni.admin")
    for i in range(3):
        record(session, admin, world["hni.handler"], up, f"CAP-{i}")
    monkeypatch.setattr(service, "EXPORT_CAP", 2)
    sign_in(admin)
    csv = client.get("/certificates.csv").content.decode("utf-8-sig")
    assert csv.count("CAP-") == 2
    printed = client.get("/certificates/print").text
    assert "Chỉ có 2 dòng đầu trong 3 chứng chỉ" in printed
