"""Findings pages on both databases: the link from the dossier page, adding rows as a plain form
post, a bad value kept in the form (422, row and column named), editing and deleting, signing
the record from the dossier page with the rows' conclusion, the handling form, and refusals."""

from __future__ import annotations

import re

from sqlmodel import select

from casework.dossiers.models import Dossier
from casework.findings.models import FindingRow, Handling
from tests.findings.conftest import GOOD, SHORT


def fresh(session):
    session.rollback()
    session.expire_all()


def post(client, url, token, **data):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def test_rows_conclusion_and_handling_through_the_pages(client, session, sign_in, officer,
                                                       inspection):  # fmt: skip
    token = sign_in(officer)
    code = inspection.code
    assert f'href="/dossiers/{code}/findings"' in client.get(f"/dossiers/{code}").text
    page = client.get(f"/dossiers/{code}/findings")
    assert page.status_code == 200
    assert "Kết quả kiểm tra" in page.text and "Chưa có dòng nào." in page.text
    assert "chưa xác minh" in page.text  # the sample plan's source is not confirmed

    r = post(client, f"/dossiers/{code}/findings", token, kind="packaged", **GOOD)
    assert r.status_code == 303, r.text
    shown = client.get(r.headers["location"]).text
    assert "Đã lưu dòng kết quả" in shown and "Đạt yêu cầu" in shown

    bad = {**SHORT, "luong_thuc": "510; abc"}
    r = post(client, f"/dossiers/{code}/findings", token, kind="packaged", **bad)
    assert r.status_code == 422
    assert "Dòng 2, cột «Lượng thực đo được»: giá trị thứ 2 («abc») không phải là số" in r.text
    assert "510; abc" in r.text and "Gạo ST25 túi 5 kg" in r.text  # the form kept
    assert 'aria-invalid="true" aria-describedby="err-luong_thuc"' in r.text

    r = post(client, f"/dossiers/{code}/findings", token, kind="packaged", **SHORT)
    assert r.status_code == 303
    shown = client.get(f"/dossiers/{code}/findings").text
    assert "Thiếu 31 g &gt; 2T = 30 g" in shown and "Có vi phạm" in shown

    fresh(session)
    first = session.exec(select(FindingRow).order_by(FindingRow.id)).first()
    edit = client.get(f"/dossiers/{code}/findings?edit={first.id}").text
    assert f'action="/dossiers/{code}/findings/{first.id}"' in edit
    r = post(client, f"/dossiers/{code}/findings/{first.id}", token, **{**GOOD, "co_lo": "0"})
    assert r.status_code == 422 and "số nguyên từ 1 trở lên" in r.text

    # the findings page offers the signing with the rows' conclusion chosen
    sheet = client.get(f"/dossiers/{code}/findings").text
    assert f'action="/dossiers/{code}/actions/sign_record"' in sheet
    assert '<option value="Có vi phạm" selected>' in sheet
    # the record, signed from the dossier page with the conclusion left empty: the rows decide
    version = re.search(
        r'name="expected_version" value="(\d+)"', client.get(f"/dossiers/{code}").text
    )
    data = {"ket_luan": "Đạt yêu cầu"}
    if version:
        data["expected_version"] = version.group(1)
    r = post(client, f"/dossiers/{code}/actions/sign_record", token, **data)
    assert r.status_code == 422 and "trái với bảng kết quả" in r.text
    data["ket_luan"] = ""
    r = post(client, f"/dossiers/{code}/actions/sign_record", token, **data)
    assert r.status_code == 303, r.text
    fresh(session)
    assert session.get(Dossier, inspection.id).data["ket_luan"] == "Có vi phạm"

    page = client.get(f"/dossiers/{code}/findings").text
    assert "Kết luận đã ký trong biên bản" in page and 'action="/dossiers/' in page
    assert "Thêm dòng" not in page  # rows are frozen
    assert f'href="/inspections/new?follow_up={code}"' in page
    follow = client.get(f"/inspections/new?follow_up={code}").text  # filled in for the check
    assert f'<option value="{inspection.procedure_code}" selected>' in follow
    assert '<option value="other" selected>' in follow
    assert f"Kiểm tra lại việc khắc phục vi phạm của cuộc kiểm tra {code}." in follow
    assert 'value="Tạp hóa Bà Tư"' in follow
    assert client.get("/inspections/new?follow_up=KHONG-CO-0001").status_code == 404
    r = post(client, f"/dossiers/{code}/handling", token, amount="ba triệu", decision_number="5")
    assert r.status_code == 422 and "ba triệu" in r.text and "err-amount" in r.text
    r = post(client, f"/dossiers/{code}/handling", token, decision_number="05/QĐ-XPHC",
             amount="3.000.000", remedy_deadline="2026-12-20", follow_up_on="2027-01-10")  # fmt: skip
    assert r.status_code == 303
    fresh(session)
    assert session.exec(select(Handling)).one().amount == 3_000_000
    timeline = client.get(f"/dossiers/{code}").text
    assert "Thêm dòng kết quả kiểm tra 2" in timeline and "Ghi xử lý vi phạm" in timeline


def test_readers_read_and_others_get_404(client, session, sign_in, world, inspection):
    sign_in(world["hni.auditor"])
    page = client.get(f"/dossiers/{inspection.code}/findings")
    assert page.status_code == 200 and "Thêm dòng" not in page.text
    token = sign_in(world["hni.auditor"])
    r = post(client, f"/dossiers/{inspection.code}/findings", token, kind="packaged", **GOOD)
    assert r.status_code == 403
    token = sign_in(world["kha.handler"])
    assert client.get(f"/dossiers/{inspection.code}/findings").status_code == 404
    r = post(client, f"/dossiers/{inspection.code}/findings", token, kind="packaged", **GOOD)
    assert r.status_code == 404 and "Tạp hóa Bà Tư" not in r.text
    fresh(session)
    assert session.exec(select(FindingRow)).all() == []
