"""The checkpoint pages: the list under the audit tabs, and each checkpoint as a record to print
(HTML, and PDF when the server can make one) with its signature checked against the key the
server trusts; readers only, a checkpoint that does not exist is a 404."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from casework import capabilities
from casework.checkpoints import keys
from casework.checkpoints import service as checkpoints
from tests.factories import open_xray


@pytest.fixture
def signed(app, session, world, xray, tmp_path):
    open_xray(session, xray, world["hni.receiver"])
    key = tmp_path / "keys" / "cp.pem"
    keys.generate(key)
    settings = app.state.settings.model_copy(
        update={"checkpoint_key": key, "checkpoint_dir": tmp_path / "cps"}
    )
    app.state.settings = settings
    return checkpoints.take(session, key_path=key, out_dir=settings.checkpoint_dir, by="cron")


def test_the_list_and_the_printable_record(client, session, world, signed, sign_in):
    sign_in(world["hni.auditor"])
    listing = client.get("/audit/checkpoints")
    assert listing.status_code == 200
    assert f'href="/audit/checkpoints/{signed.id}"' in listing.text
    assert "Hợp lệ với khóa tin cậy" in listing.text
    assert 'href="/audit/checkpoints" aria-current="page"' in listing.text
    page = client.get(f"/audit/checkpoints/{signed.id}")
    assert page.status_code == 200
    html = page.text
    assert "ĐIỂM KIỂM CHỨNG NHẬT KÝ HỒ SƠ ĐÃ KÝ SỐ" in html
    assert keys.grouped(signed.root) in html and keys.grouped(signed.key_fingerprint) in html
    assert signed.signature in html and "BEGIN PUBLIC KEY" in html
    assert f"casework audit verify --checkpoint checkpoint-{signed.id:06d}.json" in html
    assert "Hợp lệ với khóa tin cậy" in html
    if capabilities.pdf_available():
        pdf = client.get(f"/audit/checkpoints/{signed.id}.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_an_edited_record_shows_its_signature_broken(client, session, world, signed, sign_in):
    signed.tree_size += 1
    session.add(signed)
    session.commit()
    sign_in(world["bo.auditor"])
    assert "Chữ ký không hợp lệ" in client.get(f"/audit/checkpoints/{signed.id}").text


def test_only_readers_and_only_real_ids(client, world, signed, sign_in):
    sign_in(world["hni.receiver"])
    assert client.get(f"/audit/checkpoints/{signed.id}").status_code == 403
    assert client.get("/audit/checkpoints").status_code == 403
    sign_in(world["hni.auditor"])
    for missing in (signed.id + 1, 0, 2**63 + 5):
        assert client.get(f"/audit/checkpoints/{missing}").status_code == 404, missing


def test_the_monthly_report_names_the_latest_checkpoint(client, world, signed, sign_in):
    sign_in(world["hni.auditor"])
    page = client.get("/reports/timeliness").text
    assert f'<a href="/audit/checkpoints/{signed.id}">số {signed.id}, lúc' in page
    book = load_workbook(BytesIO(client.get("/reports/timeliness.xlsx").content))
    cells = [str(c.value) for row in book.active.iter_rows() for c in row if c.value]
    assert any(f"Điểm kiểm chứng đã ký mới nhất: số {signed.id}, lúc" in c for c in cells)


def test_the_monthly_report_says_when_there_is_none(client, world, sign_in):
    sign_in(world["hni.auditor"])
    assert "Chưa có điểm kiểm chứng đã ký." in client.get("/reports/timeliness").text
