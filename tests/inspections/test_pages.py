"""The inspection pages as a commune officer uses them, on both databases: the plan, opening from
it and ad hoc, the applicant form refusing an inspection, the decision form (refused for an
uncertified team, the form kept and each person named; signed for a certified one), the
inspection's page without the one-stop bits, and the three documents in HTML and PDF."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from casework import capabilities
from casework.db import utcnow
from casework.dossiers import service as dossiers
from casework.dossiers.models import Dossier
from casework.errors import ValidationFailed
from casework.inspections.models import InspectionPlanItem
from tests.factories import TZ
from tests.inspections.helpers import DL, build_team, decide, open_planned


@pytest.fixture
def team(session: Session, world):  # type: ignore[no-untyped-def]
    return build_team(session, world)


def _code(location: str) -> str:
    found = re.search(r"/dossiers/([^?]+)", location)
    assert found, location
    return found.group(1)


def test_plan_then_open_from_it(client, session, world, team, sign_in) -> None:
    token = sign_in(team.leader)
    assert "/inspections" in client.get("/dossiers").text  # «+ Cuộc kiểm tra», the nav link
    r = client.post("/inspections/plans", data={"csrf_token": token, "year": "2026",
                    "number": "", "approved_on": "2026-01-10", "approved_by": "Lê Văn Lãnh"})  # fmt: skip
    assert r.status_code == 422 and "Cần nhập số, ký hiệu" in r.text
    assert 'value="Lê Văn Lãnh"' in r.text  # kept
    r = client.post("/inspections/plans", data={"csrf_token": token, "year": "2026",
                    "number": "15/KH-UBND", "approved_on": "2026-01-10",
                    "approved_by": "Lê Văn Lãnh"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    plan_id = re.search(r"/inspections/plans/(\d+)/items", page).group(1)  # type: ignore[union-attr]
    r = client.post(f"/inspections/plans/{plan_id}/items", data={"csrf_token": token,
                    "procedure": DL, "month": "13", "establishment_name": "Chợ Ngọc Hà"})  # fmt: skip
    assert r.status_code == 422 and "Tháng kiểm tra" in r.text
    r = client.post(f"/inspections/plans/{plan_id}/items", data={"csrf_token": token,
                    "procedure": DL, "month": "3", "establishment_name": "Chợ Ngọc Hà",
                    "establishment_address": "Hoàng Hoa Thám"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    item = session.exec(select(InspectionPlanItem)).one()
    assert f"/inspections/new?item={item.id}" in client.get("/inspections").text
    form = client.get(f"/inspections/new?item={item.id}")
    assert form.status_code == 200 and "Chợ Ngọc Hà" in form.text
    r = client.post("/inspections", data={"csrf_token": token, "item": str(item.id),
                    "mode": "real"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "Cơ sở được kiểm tra" in page and "Chợ Ngọc Hà" in page
    assert "Theo kế hoạch kiểm tra năm 2026 số 15/KH-UBND" in page
    for one_stop in ("Mẫu 01", "Người nộp", "Tiếp nhận hồ sơ", "Xin lỗi", "hài lòng"):
        assert one_stop not in page, one_stop
    assert f"/inspections/{_code(r.headers['location'])}/decision" in page


def test_ad_hoc_and_the_applicant_form_refuses(client, session, world, team, sign_in) -> None:
    token = sign_in(team.head)
    assert DL not in client.get("/dossiers/new").text  # not offered on the applicant form
    r = client.post("/dossiers", data={"csrf_token": token, "procedure": DL, "mode": "real",
                    "channel": "in_person", "kind": "person", "applicant_name": "Bà Ba"})  # fmt: skip
    assert r.status_code == 422 and "là một cuộc kiểm tra" in r.text
    assert session.exec(select(Dossier)).first() is None
    r = client.post("/inspections", data={"csrf_token": token, "procedure": DL, "trigger": "",
                    "establishment_name": "Cửa hàng Minh Phát"})  # fmt: skip
    assert r.status_code == 422 and "Chọn căn cứ kiểm tra đột xuất" in r.text
    assert 'value="Cửa hàng Minh Phát"' in r.text
    r = client.post("/inspections", data={"csrf_token": token, "procedure": DL,
                    "trigger": "province_signal", "trigger_note": "Công văn 45/SKHCN",
                    "establishment_name": "Cửa hàng Minh Phát", "mode": "real"},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert "Đột xuất" in client.get(r.headers["location"]).text


def test_decision_form_refuses_then_signs(client, session, registry, world, team, sign_in) -> None:
    d = open_planned(session, registry, team.head)
    token = sign_in(team.leader)
    assert client.get(f"/inspections/{d.code}/decision").status_code == 200
    at = (utcnow() + timedelta(hours=3)).astimezone(TZ).strftime("%Y-%m-%dT%H:%M")
    form = {"csrf_token": token, "decision_number": "27/QĐ-UBND", "inspection_at": at,
            "place": "Chợ Ngọc Hà", "member_0": str(team.member.id), "role_0": "head",
            "member_2": str(team.expired.id), "role_2": "technical"}  # fmt: skip
    r = client.post(f"/inspections/{d.code}/decision", data=form)
    assert r.status_code == 422
    assert "Hoàng Thị Mới" in r.text and "Vũ Văn Cũ" in r.text
    assert 'id="err-member_2"' in r.text  # the message sits by the form's own line
    assert 'value="27/QĐ-UBND"' in r.text
    form |= {"member_0": str(team.head.id), "member_2": str(team.tech.id)}
    r = client.post(f"/inspections/{d.code}/decision", data=form, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "Trần Thị Trưởng (Trưởng đoàn)" in page
    # a handler does not sign
    sign_in(team.head)
    assert client.get(f"/inspections/{d.code}/decision").status_code in (403, 409)


def test_every_document_prints(client, session, registry, world, team, sign_in) -> None:
    d = open_planned(session, registry, team.head)
    now = utcnow()
    decide(session, team.leader, d, [(team.head, "head"), (team.seconded, "technical")],
           at=now - timedelta(hours=2), now=now - timedelta(hours=3))  # fmt: skip
    for action, data in (
        ("finish_inspection", {"co_so": "Chợ Ngọc Hà", "so_phuong_tien_do": 4}),
        ("sign_record", {"ket_luan": "Đạt yêu cầu"}),
        ("conclude_compliant", {}),
        ("send_report", {"result_summary": "04 cân đạt yêu cầu."}),
    ):
        dossiers.fire_action(session, actor=team.head, code=d.code, action=action, data=data, tz=TZ)
    sign_in(team.leader)
    page = client.get(f"/dossiers/{d.code}").text
    for kind, words, form in (
        ("inspection_decision", ["QUYẾT ĐỊNH", "27/QĐ-UBND", "Đỗ Thị Sở", "Thành viên kỹ thuật"],
         "Mẫu 4. QĐKTĐL"),
        ("inspection_record", ["BIÊN BẢN KIỂM TRA", "Trần Thị Trưởng", 'id="findings"'],
         "Mẫu 5. BBKT"),
        ("inspection_report", ["BÁO CÁO KẾT QUẢ KIỂM TRA", "04 cân đạt yêu cầu"], None),
    ):  # fmt: skip
        assert f"/dossiers/{d.code}/slips/{kind}" in page  # the button the page shows…
        r = client.get(f"/dossiers/{d.code}/slips/{kind}")  # …leads to the document
        assert r.status_code == 200, kind
        for word in words:
            assert word in r.text, (kind, word)
        assert "<svg" in r.text  # the QR code
        # the annex form of TT 28/2013 (its number only: the layout is unverified, said in docs)
        if form:
            assert f'<p class="form-no" id="form-number">{form}</p>' in r.text, kind
        else:  # the report has no prescribed form
            assert 'id="form-number"' not in r.text and "Mẫu" not in r.text
        assert "chưa xác minh" not in r.text
        if capabilities.pdf_available():
            pdf = client.get(f"/dossiers/{d.code}/slips/{kind}.pdf")
            assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
            assert pdf.content.startswith(b"%PDF")


def test_the_auditor_sees_the_refused_attempt(client, session, registry, world, team, sign_in):
    d = open_planned(session, registry, team.head)
    with pytest.raises(ValidationFailed):
        decide(session, team.leader, d, [(team.member, "head"), (team.tech, "technical")])
    sign_in(world["hni.auditor"])  # the department's auditor reads its communes' history
    r = client.get("/audit?kind=audit&action=team_refused")
    assert r.status_code == 200
    assert d.code in r.text and "đoàn chưa đủ chứng chỉ" in r.text


def test_queue_and_api_offer_no_applicant_path(client, session, world, team, sign_in, token_for):
    sign_in(team.head)
    queue = client.get("/dossiers").text
    assert 'href="/dossiers/new"' not in queue  # a ward opens no citizen procedure…
    assert 'href="/inspections"' in queue  # …but inspections
    assert 'value="2.002131"' not in queue and f'value="{DL}"' in queue  # its level's filters
    r = client.post(
        "/api/v1/dossiers",
        json={"procedure_code": DL, "applicant": {"name": "Bà Ba"}},
        headers=token_for(team.head),
    )
    assert r.status_code == 422 and "/inspections/new" in r.text
    assert session.exec(select(Dossier)).first() is None


def test_a_directly_opened_inspection_links_to_the_team_form(client, session, registry, world,
                                                            team, sign_in):  # fmt: skip
    d = dossiers.open_dossier(
        session, actor=team.leader, procedure=registry.get(DL),
        applicant=dossiers.Applicant(name="Chợ cũ", kind="organisation"), tz=TZ,
    )  # fmt: skip
    sign_in(team.leader)
    page = client.get(f"/dossiers/{d.code}").text
    assert f'href="/inspections/{d.code}/decision"' in page
    assert f'action="/dossiers/{d.code}/actions/issue_decision"' not in page
    assert client.get(f"/inspections/{d.code}/decision").status_code == 200
