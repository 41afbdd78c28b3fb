"""The team rule of each field at decision time, on both databases (legal review of 05/12/2026,
docs/inspection-guide.md §4):

- đo lường (TT 28/2013/TT-BKHCN Điều 5 khoản 4, 5, 7; Công văn 1693/TĐC-ĐL): the head is the
  commune's own and certified; technical members and the commune's own plain members must be
  certified; plain members another body sends (the department, police typed by name) need none;
- chất lượng (Luật Chất lượng sản phẩm, hàng hóa 2007 Điều 48 khoản 2): at least half of the team
  are kiểm soát viên chất lượng, declared on the form and remembered for the next decision; no
  certificate is asked.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from casework.accounts import service as accounts
from casework.db import utcnow
from casework.dossiers.models import Dossier, Event, EventKind
from casework.errors import ValidationFailed
from casework.inspections import service
from casework.inspections import team as teams
from casework.inspections.models import TeamMember
from casework.inspections.service import Establishment, OtherMember, TeamLine
from tests.factories import TZ
from tests.inspections.helpers import DL, build_team, decide, open_planned

CL = "XA-CL-HHLT"


@pytest.fixture
def team(session: Session, world):  # type: ignore[no-untyped-def]
    return build_team(session, world)


def _sign(session, leader, dossier, lines, others=()):  # type: ignore[no-untyped-def]
    return service.issue_decision(
        session, actor=leader, code=dossier.code, decision_number="31/QĐ-UBND",
        inspection_at=utcnow() + timedelta(hours=2), place="Chợ", tz=TZ,
        team=[TeamLine(u.id, role, qc) for u, role, qc in lines], others=list(others),
    )  # fmt: skip


def _quality(session, registry, actor, code: str = CL) -> Dossier:  # type: ignore[no-untyped-def]
    return service.open_inspection(
        session, actor=actor, procedures=registry.all(), procedure_code=code,
        establishment=Establishment("Cửa hàng Mũ bảo hiểm Phúc Lộc", "112 Nguyễn Huệ"),
        trigger="complaint", trigger_note="Phản ánh mũ vỡ", tz=TZ,
    )  # fmt: skip


def _refusal(session, dossier) -> Event:  # type: ignore[no-untyped-def]
    return session.exec(
        select(Event).where(Event.dossier_id == dossier.id, Event.kind == EventKind.audit)
    ).one()


# ---- đo lường ---------------------------------------------------------------------------------


def test_a_commune_member_without_certificate_is_refused_by_name(session, registry, team):
    d = open_planned(session, registry, team.head)
    with pytest.raises(ValidationFailed) as exc:
        decide(session, team.leader, d, [(team.head, "head"), (team.tech, "technical"),
                                          (team.member, "member")])  # fmt: skip
    assert set(exc.value.fields) == {"member_2"}
    why = exc.value.fields["member_2"]
    assert "Hoàng Thị Mới" in why and "chưa có chứng chỉ" in why
    assert "thành viên là người của UBND Phường Ba Đình" in why
    assert "Điều 5 khoản 4, 7" in exc.value.message and "Hoàng Thị Mới" in exc.value.message
    assert _refusal(session, d).payload["team_check"]["members"][2]["needs_certificate"] is True


def test_members_sent_by_other_bodies_need_no_certificate(session, registry, world, team):
    d = open_planned(session, registry, team.head)
    police = OtherMember("Trung úy Lê Văn Công", "Công an phường Ba Đình")
    d = decide(session, team.leader, d, [(team.head, "head"), (team.tech, "technical"),
                                          (world["hni.handler"], "member")])  # fmt: skip
    # the department's uncertified officer sits as a plain member: sent by another body
    members = session.exec(select(TeamMember).order_by(TeamMember.position)).all()
    assert [(m.name, m.other_body) for m in members][-1] == ("Cán bộ hni.handler", True)
    assert members[0].other_body is False and members[0].quality_controller is None
    # someone with no account, typed by name and body, in another inspection
    d2 = _quality(session, registry, team.head, code=DL)
    d2 = _sign(session, team.leader, d2, [(team.head, "head", False),
                                          (team.tech, "technical", False)], [police])  # fmt: skip
    ev = session.exec(
        select(Event).where(Event.dossier_id == d2.id, Event.action == "issue_decision")
    ).one()
    assert ev.payload["team_check"]["passed"] is True
    last = ev.payload["team"][-1]
    assert (last["user_id"], last["unit"], last["other_body"]) == (
        None, "Công an phường Ba Đình", True)  # fmt: skip
    row = session.exec(select(TeamMember).where(TeamMember.user_id == None)).one()  # noqa: E711
    assert (row.name, row.role, row.unit_name) == ("Trung úy Lê Văn Công", "member",
                                                   "Công an phường Ba Đình")  # fmt: skip


def test_a_department_officer_needs_the_certificate_as_technical_member(session, registry,
                                                                       world, team):  # fmt: skip
    d = open_planned(session, registry, team.head)
    with pytest.raises(ValidationFailed) as exc:
        decide(session, team.leader, d, [(team.head, "head"),
                                          (world["hni.handler"], "technical")])  # fmt: skip
    assert set(exc.value.fields) == {"member_1"}
    assert "Cán bộ hni.handler chưa có chứng chỉ" in exc.value.fields["member_1"]
    assert "(thành viên kỹ thuật)" in exc.value.fields["member_1"]


def test_the_head_is_the_commune_s_own(session, registry, team):
    d = open_planned(session, registry, team.head)
    with pytest.raises(ValidationFailed) as exc:  # certified, but of the department
        decide(session, team.leader, d, [(team.seconded, "head"), (team.tech, "technical")])
    why = exc.value.fields["member_0"]
    assert "Đỗ Thị Sở là cán bộ của Sở KH&CN Hà Nội" in why
    assert "cán bộ quản lý của cơ quan thực hiện kiểm tra (UBND Phường Ba Đình)" in why


def test_a_person_of_another_body_needs_a_name_and_a_body(session, registry, team):
    d = open_planned(session, registry, team.head)
    with pytest.raises(ValidationFailed) as exc:
        _sign(session, team.leader, d, [(team.head, "head", False), (team.tech, "technical", False)],
              [OtherMember("Nguyễn Văn Thị", ""), OtherMember("", "")])  # fmt: skip
    assert set(exc.value.fields) == {"other_0"}  # the blank line is skipped
    assert "Ghi cơ quan cử người này" in exc.value.fields["other_0"]
    assert session.exec(select(TeamMember)).all() == []


# ---- chất lượng -------------------------------------------------------------------------------


def test_quality_needs_half_controllers_not_certificates(session, registry, world, team):
    d = _quality(session, registry, team.head)
    lines = [(team.member, "head", True), (team.expired, "member", False),
             (world["hni.handler"], "member", False)]  # fmt: skip
    with pytest.raises(ValidationFailed) as exc:
        _sign(session, team.leader, d, lines)
    assert set(exc.value.fields) == {"team"}
    why = exc.value.fields["team"]
    assert "Đoàn có 3 người, 1 người là kiểm soát viên chất lượng: cần ít nhất 2" in why
    assert "Điều 48 khoản 2" in why and "Vũ Văn Cũ, Cán bộ hni.handler" in why
    assert "chứng chỉ" not in exc.value.message
    refused = _refusal(session, d)
    assert refused.payload["label"].endswith("đoàn chưa đủ kiểm soát viên chất lượng")
    assert refused.payload["team_check"]["rule"] == "quality_controllers"
    # half is enough: 2 of 3 (an inspector of the Sở typed by name counts too), none certified
    inspector = OtherMember("Trần Thị Kiểm", "Chi cục TĐC Hà Nội", quality_controller=True)
    d = _sign(session, team.leader, d, lines[:2], [inspector])
    assert d.state == "inspecting"
    ev = session.exec(
        select(Event).where(Event.dossier_id == d.id, Event.action == "issue_decision")
    ).one()
    check = ev.payload["team_check"]
    assert (check["passed"], check["size"], check["controllers"], check["needed"]) == (
        True, 3, 2, 2)  # fmt: skip
    assert [m["quality_controller"] for m in ev.payload["team"]] == [True, False, True]


def test_one_of_two_is_half(session, registry, team):
    d = _quality(session, registry, team.head)
    d = _sign(
        session, team.leader, d, [(team.member, "head", False), (team.expired, "member", True)]
    )
    assert d.state == "inspecting"


def test_the_declaration_is_remembered_for_the_next_decision(session, registry, world, team,
                                                            client, sign_in):  # fmt: skip
    d = _quality(session, registry, team.head)
    _sign(session, team.leader, d, [(team.member, "head", True), (team.expired, "member", False)])
    known = teams.remembered_controllers(session, [team.member.id, team.expired.id, team.tech.id])
    assert known == {team.member.id: True, team.expired.id: False}
    later = _quality(session, registry, team.head)
    sign_in(team.leader)
    page = client.get(f"/inspections/{later.code}/decision").text
    assert 'id="controllers"' in page and "Điều 48 khoản 2" in page
    assert f'name="qc" value="{team.member.id}" checked' in page
    assert f'name="qc" value="{team.expired.id}" >' in page  # remembered as not one
    assert "other_qc_0" in page
    # a measurement inspection asks nothing about controllers and prints its own rule
    dl = _quality(session, registry, team.head, code=DL)
    page = client.get(f"/inspections/{dl.code}/decision").text
    assert 'id="controllers"' not in page and "other_qc_0" not in page
    assert "Công văn 1693/TĐC-ĐL" in page and 'id="other-bodies"' in page


def test_the_form_records_the_ticks_and_keeps_them_on_refusal(session, registry, world, team,
                                                             client, sign_in):  # fmt: skip
    d = _quality(session, registry, team.head)
    token = sign_in(team.leader)
    at = (utcnow() + timedelta(hours=3)).astimezone(TZ).strftime("%Y-%m-%dT%H:%M")
    form = {"csrf_token": token, "decision_number": "31/QĐ-UBND", "inspection_at": at,
            "place": "Cửa hàng", "member_0": str(team.member.id), "role_0": "head",
            "member_1": str(team.expired.id), "role_1": "member",
            "member_2": str(team.tech.id), "role_2": "member",
            "other_name_0": "Lê Văn Công", "other_body_0": "Công an phường"}  # fmt: skip
    r = client.post(f"/inspections/{d.code}/decision", data={**form, "qc": str(team.member.id)})
    assert r.status_code == 422 and "cần ít nhất 2" in r.text
    assert f'name="qc" value="{team.member.id}" checked' in r.text  # kept
    assert 'value="Lê Văn Công"' in r.text
    r = client.post(f"/inspections/{d.code}/decision", follow_redirects=False,
                    data={**form, "qc": [str(team.member.id), str(team.tech.id)]})  # fmt: skip
    assert r.status_code == 303
    rows = session.exec(select(TeamMember).order_by(TeamMember.position)).all()
    assert [(r.name, r.quality_controller) for r in rows] == [
        ("Hoàng Thị Mới", True), ("Vũ Văn Cũ", False), ("Phạm Văn Kỹ", True),
        ("Lê Văn Công", False)]  # fmt: skip


def test_quality_practice_records_the_failed_check_and_goes_on(session, registry, world, team,
                                                               client, sign_in):  # fmt: skip
    d = service.open_inspection(
        session, actor=team.head, procedures=registry.all(), procedure_code=CL,
        establishment=Establishment("Cửa hàng tập"), trigger="other", trigger_note="Tập huấn",
        mode="practice", tz=TZ,
    )  # fmt: skip
    d = _sign(session, team.leader, d, [(team.member, "head", False), (team.tech, "member", False)])
    assert d.state == "inspecting"
    # the dossier page names the quality rule the team failed, not a certificate
    sign_in(team.head)
    page = client.get(f"/dossiers/{d.code}").text
    assert "đoàn chưa đủ kiểm soát viên chất lượng" in page
    assert "chưa đủ chứng chỉ" not in page
    other = accounts.create_user(session, username="x.y", full_name="X Y", unit=world.commune,
                                 roles=["handler"])  # fmt: skip
    assert teams.remembered_controllers(session, [other.id or 0]) == {}
