"""Inspections as their own kind of work (issue 15 items 1–2), on both databases: opened from a
plan line or ad hoc with an establishment, never with the applicant form; the decision names a
certified team or is refused naming each person (and the refusal is in the history); the
on-site record is not dated before the decision's inspection time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from casework.db import utcnow
from casework.dossiers import service as dossiers
from casework.dossiers.models import Event, EventKind
from casework.errors import PermissionDenied, ValidationFailed
from casework.inspections import service
from casework.inspections.models import Inspection, InspectionPlanItem, TeamMember
from casework.inspections.service import Establishment
from tests.factories import TZ, fire
from tests.inspections.helpers import DL, build_team, decide, open_planned


@pytest.fixture
def team(session: Session, world):  # type: ignore[no-untyped-def]
    return build_team(session, world)


def test_open_from_plan_records_the_establishment(session, world, registry, team) -> None:
    d = open_planned(session, registry, team.head)
    assert d.procedure_code == DL and d.state == "decision"
    assert d.applicant_name == "Chợ Ngọc Hà"  # the queue and search read the establishment
    insp = session.exec(select(Inspection).where(Inspection.dossier_id == d.id)).one()
    assert (insp.origin, insp.business_code, insp.trades) == ("plan", "01A8012345", "Rau quả, thịt")
    item = session.get(InspectionPlanItem, insp.plan_item_id)
    assert item is not None and item.dossier_id == d.id
    opened = session.exec(select(Event).where(Event.dossier_id == d.id)).one()
    assert "applicant" not in opened.payload and "channel" not in opened.payload
    assert opened.payload["inspection"]["establishment"]["name"] == "Chợ Ngọc Hà"
    # a plan line opens once
    with pytest.raises(ValidationFailed) as exc:
        service.open_inspection(
            session, actor=team.head, procedures=registry.all(), procedure_code="",
            establishment=Establishment(""), plan_item_id=item.id, tz=TZ,
        )  # fmt: skip
    assert "plan_item" in exc.value.fields


def test_open_ad_hoc_needs_its_trigger(session, world, registry, team) -> None:
    args = {
        "actor": team.leader, "procedures": registry.all(), "procedure_code": DL,
        "establishment": Establishment("Cửa hàng Minh Phát", "12 Đội Cấn"), "tz": TZ,
    }  # fmt: skip
    with pytest.raises(ValidationFailed) as exc:
        service.open_inspection(session, **args)  # type: ignore[arg-type]
    assert set(exc.value.fields) == {"trigger", "trigger_note"}
    d = service.open_inspection(
        session, trigger="complaint", trigger_note="Người mua phản ánh cân thiếu", **args
    )  # type: ignore[arg-type]
    insp = session.exec(select(Inspection).where(Inspection.dossier_id == d.id)).one()
    assert (insp.origin, insp.trigger, insp.plan_item_id) == ("ad_hoc", "complaint", None)


def test_who_may_open(session, world, registry, team) -> None:
    proc = registry.get(DL)
    # commune handlers and leaders (the roles the procedure names) may; a department may not
    assert dossiers.opening_refusal(world.commune, team.member, proc) is None
    assert dossiers.opening_refusal(world.commune, team.leader, proc) is None
    assert dossiers.opening_refusal(world.hni, world["hni.handler"], proc) is not None
    with pytest.raises(PermissionDenied):
        service.open_inspection(
            session, actor=world["hni.handler"], procedures=registry.all(), procedure_code=DL,
            establishment=Establishment("X"), trigger="other", trigger_note="n", tz=TZ,
        )  # fmt: skip
    assert dossiers.applicant_form_refusal(proc) is not None
    assert dossiers.applicant_form_refusal(registry.get("2.002131")) is None


def test_certified_team_signs_and_is_recorded(session, world, registry, team) -> None:
    d = open_planned(session, registry, team.head)
    lines = [(team.head, "head"), (team.tech, "technical"), (world["hni.handler"], "member"),
             (team.seconded, "technical")]  # fmt: skip
    d = decide(session, team.leader, d, lines)
    assert d.state == "inspecting" and d.data["decision_number"] == "27/QĐ-UBND"
    ev = session.exec(select(Event).where(Event.dossier_id == d.id, Event.kind == "action")).one()
    assert ev.payload["team_check"]["passed"] is True
    assert [m["name"] for m in ev.payload["team"]] == [u.full_name for u, _ in lines]
    members = session.exec(select(TeamMember).order_by(TeamMember.position)).all()
    assert [(m.role, m.unit_name) for m in members][-1] == ("technical", "Sở KH&CN Hà Nội")


def test_uncertified_or_expired_team_is_refused_naming_each(session, world, registry, team) -> None:
    d = open_planned(session, registry, team.head)
    with pytest.raises(ValidationFailed) as exc:
        decide(session, team.leader, d, [(team.member, "head"), (team.expired, "technical"),
                                          (team.tech, "technical")])  # fmt: skip
    fields = exc.value.fields
    assert set(fields) == {"member_0", "member_1"}
    assert "Hoàng Thị Mới" in fields["member_0"] and "trưởng đoàn" in fields["member_0"]
    assert "Vũ Văn Cũ" in fields["member_1"] and "DL-2024-017" in fields["member_1"]
    assert "31/03/2026" in fields["member_1"]
    assert "Hoàng Thị Mới" in exc.value.message and "Vũ Văn Cũ" in exc.value.message
    session.expire_all()
    again = session.get(type(d), d.id)
    assert again is not None and again.state == "decision"  # nothing signed
    assert session.exec(select(TeamMember)).all() == []
    refused = session.exec(
        select(Event).where(Event.dossier_id == d.id, Event.kind == EventKind.audit)
    ).one()  # the attempt is in the history, for the auditors
    assert refused.action == service.REFUSED_ACTION and refused.actor_id == team.leader.id
    assert refused.payload["team_check"]["passed"] is False
    # the generic action form cannot bypass the check
    with pytest.raises(ValidationFailed):
        fire(session, team.leader, d.code, "issue_decision", decision_number="1/QĐ")


def test_team_shape_is_checked(session, world, registry, team) -> None:
    d = open_planned(session, registry, team.head)
    with pytest.raises(ValidationFailed) as exc:
        decide(
            session, team.leader, d, [(team.head, "technical"), (world["kha.handler"], "member")]
        )
    assert "team" in exc.value.fields and "member_1" in exc.value.fields  # no head; foreign unit
    with pytest.raises(PermissionDenied):  # a handler does not sign the decision
        decide(session, team.head, d, [(team.head, "head"), (team.tech, "technical")])


def test_record_not_before_inspection_time(session, world, registry, team) -> None:
    d = open_planned(session, registry, team.head)
    at = utcnow() + timedelta(days=1)
    decide(session, team.leader, d, [(team.head, "head"), (team.tech, "technical")], at=at)
    with pytest.raises(ValidationFailed) as exc:
        fire(session, team.head, d.code, "finish_inspection", co_so="Chợ", so_phuong_tien_do=3)
    assert "inspection_at" in exc.value.fields
    later = at + timedelta(hours=1)
    dossiers.fire_action(
        session, actor=team.head, code=d.code, action="finish_inspection",
        data={"co_so": "Chợ", "so_phuong_tien_do": 3}, tz=TZ, now=later,
    )  # fmt: skip
    d = dossiers.fire_action(
        session, actor=team.head, code=d.code, action="sign_record",
        data={"ket_luan": "Đạt yêu cầu"}, tz=TZ, now=later + timedelta(hours=1),
    )  # fmt: skip
    assert d.state == "handling"


def test_practice_records_the_failed_check_and_goes_on(  # fmt: skip
    session, world, registry, team, client, sign_in
) -> None:
    d = service.open_inspection(
        session, actor=team.head, procedures=registry.all(), procedure_code=DL,
        establishment=Establishment("Chợ tập"), trigger="other", trigger_note="Tập huấn",
        mode="practice", tz=TZ,
    )  # fmt: skip
    d = decide(session, team.leader, d, [(team.member, "head"), (team.tech, "technical")])
    assert d.state == "inspecting"
    events = session.exec(select(Event).where(Event.dossier_id == d.id)).all()
    decision = next(e for e in events if e.action == "issue_decision")
    assert decision.payload["team_check"]["passed"] is False
    assert not [e for e in events if e.kind == EventKind.audit]
    sign_in(team.head)
    page = client.get(f"/dossiers/{d.code}").text
    assert "đoàn chưa đủ chứng chỉ nghiệp vụ kiểm tra nhà nước về đo lường" in page


def test_a_dossier_opened_before_inspections_signs_with_a_team(session, world, registry, team):
    # demo data and scenarios open an inspection procedure directly (no Inspection row): the team
    # form works for it too, and the team is in the decision event
    d = dossiers.open_dossier(
        session, actor=team.leader, procedure=registry.get(DL),
        applicant=dossiers.Applicant(name="Chợ cũ", kind="organisation"), tz=TZ,
    )  # fmt: skip
    d = decide(session, team.leader, d, [(team.head, "head"), (team.tech, "technical")])
    ev = session.exec(select(Event).where(Event.dossier_id == d.id, Event.kind == "action")).one()
    assert [m["role"] for m in ev.payload["team"]] == ["head", "technical"]
