"""The staff pages on both databases: queues, a new dossier with uploads, the dossier page,
actions (plain form and htmx), errors that keep what was typed, conflicts, replay, downloads."""

from __future__ import annotations

import io
import re
import zipfile

from sqlmodel import func, select

from casework.db import utcnow
from casework.dossiers import service
from casework.dossiers.models import Attachment, Dossier
from tests.factories import TZ

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def open_via_form(client, token, **extra):
    data = {
        "csrf_token": token,
        "procedure": "2.002131",
        "mode": "real",
        "kind": "organisation",
        "applicant_name": "Bệnh viện Đa khoa Hồng Ngọc",
        "applicant_phone": "0243 927 5568",
        "channel": "in_person",
        "received_at": "2026-02-13T16:20",
        **extra,
    }
    files = {"doc_phieu_khai_bao": ("phieu khai bao.pdf", PDF, "application/pdf")}
    return client.post("/dossiers", data=data, files=files, follow_redirects=False)


def test_pages_need_sign_in(client):
    r = client.get("/dossiers?queue=overdue", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fdossiers%3Fqueue%3Doverdue"
    hx = client.get("/dossiers", headers={"HX-Request": "true"}, follow_redirects=False)
    assert hx.headers["HX-Redirect"].startswith("/login")


def test_open_a_dossier_with_an_upload_then_see_it(client, session, world, sign_in, app, tmp_path):
    token = sign_in(world["hni.receiver"])
    form = client.get("/dossiers/new?procedure=2.002131&mode=practice")
    assert "Phiếu khai báo thiết bị X-quang chẩn đoán trong y tế" in form.text
    assert 'value="practice" checked' in form.text
    r = open_via_form(client, token)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/dossiers/SKHCN.HNI-260213-0001?opened=1"
    page = client.get(r.headers["location"]).text
    assert "Tiếp nhận hồ sơ" in page  # the next step: accept, then print Mẫu 01
    assert "17:00 02/03/2026" in page  # the due of the design example
    assert "Vì sao là ngày này?" in page
    assert "Tết" in page  # the trace explains the skipped days
    assert "<strong>Kiểm tra:</strong>" in page  # guidance of the current step
    assert "phieu khai bao.pdf" in page
    row = session.exec(select(Attachment)).one()
    assert row.sha256 == __import__("hashlib").sha256(PDF).hexdigest()
    assert "/" in row.storage_key
    assert "phieu" not in row.storage_key  # the user's name never reaches a path
    stored = app.state.settings.upload_dir / row.storage_key
    assert stored.read_bytes() == PDF
    dl = client.get(f"/dossiers/SKHCN.HNI-260213-0001/attachments/{row.id}")
    assert dl.content == PDF
    assert dl.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in dl.headers["content-disposition"]


def test_a_disguised_file_is_refused_nothing_is_kept_and_the_form_keeps_its_data(
    client, session, world, sign_in, app
):
    token = sign_in(world["hni.receiver"])
    r = client.post(
        "/dossiers",
        data={
            "csrf_token": token, "procedure": "2.002131", "mode": "real", "kind": "person",
            "applicant_name": "Nguyễn Văn Bình", "applicant_phone": "0912 345 678", "channel": "post",
        },
        files={"doc_phieu_khai_bao": ("phieu.pdf", b"<html><script>alert(1)</script></html>", "application/pdf")},
    )  # fmt: skip
    assert r.status_code == 422
    assert "không phải PDF" in r.text
    assert 'value="Nguyễn Văn Bình"' in r.text
    assert 'value="0912 345 678"' in r.text
    assert "Hãy chọn lại các tệp" in r.text
    assert session.exec(select(func.count()).select_from(Dossier)).one() == 0
    upload_dir = app.state.settings.upload_dir
    assert not upload_dir.exists() or not [p for p in upload_dir.rglob("*") if p.is_file()]


def test_missing_name_is_named_and_nothing_written(client, session, world, sign_in):
    token = sign_in(world["hni.receiver"])
    r = open_via_form(client, token, applicant_name="  ", applicant_email="khong-hop-le")
    assert r.status_code == 422
    assert "Cần nhập tên người nộp" in r.text
    assert "Thư điện tử chưa đúng dạng" in r.text
    assert session.exec(select(func.count()).select_from(Dossier)).one() == 0


def version_on_page(client, code):
    return re.search(
        r'name="expected_version" value="(\d+)"', client.get(f"/dossiers/{code}").text
    ).group(1)


def act(client, token, code, action, htmx=False, **data):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        f"/dossiers/{code}/actions/{action}",
        data={"csrf_token": token, **data},
        headers=headers,
        follow_redirects=False,
    )


def test_actions_plain_and_htmx_errors_and_conflicts(client, world, sign_in):
    token = sign_in(world["hni.receiver"])
    code = open_via_form(client, token).headers["location"].split("?")[0].rsplit("/", 1)[1]
    page = client.get(f"/dossiers/{code}").text
    assert 'id="action-accept"' in page
    assert 'id="action-sign"' not in page  # only what this user may do now
    r = act(client, token, code, "accept", expected_version=version_on_page(client, code))
    assert r.status_code == 303  # plain form: post/redirect/get

    token = sign_in(world["hni.handler"])
    seen = version_on_page(client, code)
    r = act(
        client, token, code, "request_supplement", htmx=True, expected_version=seen,
        reason="Thiếu số sê-ri",
    )  # fmt: skip
    assert r.status_code == 422
    assert 'id="dossier"' in r.text
    assert "<h1>" in r.text  # the dossier block, not the whole page
    assert "<header" not in r.text
    assert "Cần nhập" in r.text
    assert "Thiếu số sê-ri</textarea>" in r.text  # what was typed is kept
    r = act(
        client, token, code, "request_supplement", htmx=True, expected_version=seen,
        reason="Thiếu số sê-ri", missing_documents="phieu_khai_bao",
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert "Chờ bổ sung hồ sơ" in r.text
    assert "Đã thực hiện: Yêu cầu bổ sung hồ sơ" in r.text
    stale = act(client, token, code, "stop", expected_version=seen, reason="x")
    assert stale.status_code == 409
    assert "Cán bộ hni.handler" in stale.text  # who changed it
    replay = client.get(f"/dossiers/{code}?after=3").text
    assert "như ngay sau dòng nhật ký #3" in replay
    assert "Thẩm định hồ sơ" in replay


def test_queues_count_and_filter(client, world, sign_in):
    token = sign_in(world["hni.receiver"])
    code = open_via_form(client, token).headers["location"].split("?")[0].rsplit("/", 1)[1]
    open_via_form(client, token, mode="practice", applicant_name="Tập huấn")
    page = client.get("/dossiers").text
    assert re.search(r'data-testid="count-mine">2<', page)
    assert re.search(r'data-testid="count-overdue">2<', page)  # received in Feb 2026, still open
    assert re.search(r"(?<!\d)2 hồ sơ", page)  # the page's total: the queue's own count
    assert re.search(r"(?<!\d)0 hồ sơ", client.get("/dossiers", params={"queue": "finished"}).text)
    assert "LÀM THỬ" in page
    block = client.get(
        "/dossiers", params={"q": "hong ngoc", "mode": "real"}, headers={"HX-Request": "true"}
    )
    assert block.text.lstrip().startswith('<section id="queue"')
    assert code in block.text
    assert "Tập huấn" not in block.text
    assert "1 hồ sơ" in block.text


def test_another_unit_gets_404_on_pages_and_files(client, session, world, sign_in):
    token = sign_in(world["hni.receiver"])
    code = open_via_form(client, token).headers["location"].split("?")[0].rsplit("/", 1)[1]
    att = session.exec(select(Attachment)).one()
    sign_in(world["kha.receiver"])
    assert client.get(f"/dossiers/{code}").status_code == 404
    assert client.get(f"/dossiers/{code}/attachments/{att.id}").status_code == 404
    assert code not in client.get("/dossiers?queue=unit").text


def test_timeline_shows_names_and_local_times_and_only_printable_slips(
    client, world, sign_in, xray
):
    token = sign_in(world["hni.receiver"])
    code = open_via_form(client, token).headers["location"].split("?")[0].rsplit("/", 1)[1]
    act(client, token, code, "accept")
    token = sign_in(world["hni.handler"])
    # a new appointment must be a future working day (the close of the third from today)
    today = utcnow().astimezone(TZ).date()
    day = service.default_calendars().base.add_working_days(today, 3)
    act(client, token, code, "extend", reason="Cần xác minh", new_appointment=f"{day}T17:00")
    act(
        client, token, code, "submit_for_signing",
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Xác nhận 01 máy",
    )  # fmt: skip
    token = sign_in(world["hni.leader"])
    act(client, token, code, "sign", decision_number="12/XN")
    page = client.get(f"/dossiers/{code}").text
    assert f"17:00 {day:%d/%m/%Y}" in page  # not the raw ISO text
    assert f"{day}T17:00:00+07:00" not in page
    assert f"/dossiers/{code}/slips/apology_extension" in page
    assert f"/dossiers/{code}/slips/result" not in page  # no such printable slip
    assert "current=signing" not in page
    # the diagram of the version the dossier is pinned to, at its current step
    assert (
        f"/procedures/2.002131/diagram.svg?version={xray.version}&amp;current=result_ready" in page
    )


def test_each_queue_count_is_its_list_total(session, world, xray):
    """The page reuses a queue's count as its total: the two must count the same dossiers."""
    from datetime import timedelta

    from casework.db import utcnow
    from casework.dossiers import queries, service
    from tests.factories import TZ, open_xray

    receiver = world["hni.receiver"]
    codes = [open_xray(session, xray, receiver, name=f"Phòng khám {i}").code for i in range(4)]
    service.fire_action(session, actor=receiver, code=codes[0], action="accept", tz=TZ)
    service.fire_action(
        session, actor=receiver, code=codes[1], action="refuse_reception", data={"reason": "Sai"},
        tz=TZ,
    )  # fmt: skip
    open_xray(session, xray, world["kha.receiver"])  # another unit's: counted nowhere here
    now = utcnow()
    soon = now + timedelta(days=1)
    for user in (receiver, world["hni.handler"]):
        counts = queries.queue_counts(session, user=user, now=now, soon=soon)
        assert sum(counts.values()) > 0
        for queue in queries.QUEUES:
            page = queries.list_dossiers(
                session, user=user, filters=queries.DossierFilter(queue=queue), now=now, soon=soon
            )
            assert page.total == counts[queue], (user.username, queue)


def test_choosing_a_procedure_shows_its_documents_as_htmx_and_as_a_page(client, world, sign_in):
    """The first form of the main journey: + Hồ sơ mới, choose a procedure with documents. The
    htmx answer (the `documents` block rendered alone) once failed on a macro it could not see."""
    sign_in(world["hni.receiver"])
    url = "/dossiers/new?procedure=2.002131&mode=real"
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200, fragment.text[:500]
    assert fragment.text.lstrip().startswith('<fieldset id="documents">')
    assert 'type="file"' in fragment.text and 'name="doc_phieu_khai_bao"' in fragment.text
    page = client.get(url)
    assert page.status_code == 200
    assert fragment.text.strip() in page.text
