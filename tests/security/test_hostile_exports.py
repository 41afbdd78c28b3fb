"""Issue 17, findings 2 and 3 over HTTP, on both databases: an applicant (and an officer) named
`=HYPERLINK("http://evil.example/x","Click")`, or with a vertical tab and a NUL in the name,
opened through the form and through the API. The tracking book (Mẫu 07), the reports' dossier list
and the audit log, as XLSX and CSV, for the province's auditor and the ministry's, answer 200: no
cell is a formula, and the name is kept less the characters a spreadsheet cannot hold. (A NUL that
the database refuses at input is a 422 there; the exports never see it.)"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlmodel import select

from casework.db import utcnow
from casework.dossiers.models import Dossier
from tests.factories import TZ
from tests.security.test_export_cells import csv_text, sheet_cells, xlsx_text

FORMULA = '=HYPERLINK("http://evil.example/x","Click")'
CONTROL = "Nguyễn\x0bVăn\x00 A"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def open_by_form(client, token, name, received):  # type: ignore[no-untyped-def]
    data = {
        "csrf_token": token, "procedure": "2.002131", "mode": "real", "kind": "organisation",
        "applicant_name": name, "applicant_phone": "0243 927 5568", "channel": "in_person",
        "received_at": received.strftime("%Y-%m-%dT%H:%M"),
    }  # fmt: skip
    files = {"doc_phieu_khai_bao": ("phieu.pdf", PDF, "application/pdf")}
    return client.post("/dossiers", data=data, files=files, follow_redirects=False)


def open_by_api(client, headers, name, received):  # type: ignore[no-untyped-def]
    body = {
        "procedure_code": "2.002131", "channel": "online",
        "received_at": received.strftime("%Y-%m-%dT%H:%M:%S"),
        "applicant": {"name": name, "kind": "organisation", "phone": "0243 927 5568"},
    }  # fmt: skip
    return client.post("/api/v1/dossiers", json=body, headers=headers)


@pytest.mark.parametrize("name", [FORMULA, CONTROL], ids=["formula", "control"])
@pytest.mark.parametrize("channel", ["form", "api"])
def test_hostile_names_leave_safe_exports(
    client, session, world, sign_in, token_for, channel, name
):
    receiver = world["hni.receiver"]
    receiver.full_name = name.replace("\x00", "")  # the officer's name is in the audit log
    session.add(receiver)
    session.commit()
    received = (utcnow() - timedelta(hours=2)).astimezone(TZ)
    if channel == "form":
        r = open_by_form(client, sign_in(receiver), name, received)
        opened = r.status_code == 303
    else:
        r = open_by_api(client, token_for(receiver), name, received)
        opened = r.status_code == 201
    if not opened:  # only a NUL may be refused, at input, with a clear 422
        assert "\x00" in name and r.status_code == 422, r.text
        return
    session.expire_all()
    stored = session.exec(select(Dossier.applicant_name)).one()
    assert cell_text(stored) == cell_text(name.strip())

    start = received.date() - timedelta(days=40)
    months = f"from={start:%Y-%m}&to={received:%Y-%m}"
    exports = [
        f"/units/SKHCN.HNI/book.xlsx?from={start}&to={received.date()}",
        f"/reports/dossiers.xlsx?{months}",
        f"/reports/dossiers.csv?{months}",
        "/audit/events.xlsx",
        "/audit/events.csv",
    ]
    for auditor in ("hni.auditor", "bo.auditor"):  # the province's and the ministry's
        sign_in(world[auditor])
        for url in exports:
            r = client.get(url)
            assert r.status_code == 200, (auditor, url, r.text[:300])
            who = stored if "/audit/" not in url else receiver.full_name
            if url.split("?")[0].endswith(".xlsx"):
                found = sheet_cells(r.content)
                assert any(c.value == xlsx_text(who) for c in found), (auditor, url)
            else:
                rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
                assert any(csv_text(who) in row for row in rows), (auditor, url)
                assert not any(f.startswith(("=", "@")) for row in rows for f in row)


def cell_text(text: str) -> str:
    """What both databases keep of a name with control characters (a NUL may be refused)."""
    return text.replace("\x00", "")
