"""The practice content covers the library (issue 16, item 4): every procedure has a clean and a
trap scenario, every commune inspection three, and every acting role at each level can start at
least three on its own; every step says why; a trap scenario says what is wrong about the tempting
choices or checks what is written; no script placeholder is left; and every scenario's model
answer, played as written, finishes with 100 points."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest

from casework.accounts.models import Unit, User
from casework.dossiers import script
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.service import utcnow
from casework.inspections import service as inspections
from casework.inspections.service import TeamLine
from casework.scenarios import service
from casework.scenarios.schema import Scenario, ScenarioRegistry
from casework.settings import PROJECT_ROOT
from tests.factories import TZ, fire
from tests.inspections.helpers import build_team

SCENARIOS = PROJECT_ROOT / "workflows" / "scenarios"
ACTING = ("receiver", "handler", "leader")
UNIT_KIND = {"province": "department", "commune": "commune"}
PLACEHOLDER = "(mô phỏng)"


@pytest.fixture(scope="module")
def scenarios(registry):  # type: ignore[no-untyped-def]
    return ScenarioRegistry.from_directory(SCENARIOS, registry)


def by_procedure(scenarios: ScenarioRegistry) -> dict[str, list[Scenario]]:
    out: dict[str, list[Scenario]] = defaultdict(list)
    for s in scenarios.all():
        out[s.procedure].append(s)
    return out


def test_every_procedure_has_a_clean_and_a_trap_scenario(scenarios, registry):
    found = by_procedure(scenarios)
    lacking = {
        p.code: sorted(s.trap for s in found[p.code])
        for p in registry.all()
        if len(found[p.code]) < 2
        or not any(s.trap == "clean" for s in found[p.code])
        or not any(s.trap != "clean" for s in found[p.code])
    }
    assert lacking == {}


def test_every_commune_inspection_has_three_scenarios(scenarios, registry):
    found = by_procedure(scenarios)
    inspections = [p for p in registry.all() if p.level == "commune" and p.kind == "inspection"]
    assert {p.code for p in inspections} >= {"XA-DL-KTNN", "XA-DL-HDGS", "XA-CL-HHLT"}
    assert {p.code: len(found[p.code]) for p in inspections if len(found[p.code]) < 3} == {}
    for p in inspections:  # a clean one, a violation, and one more trap
        traps = [s.trap for s in found[p.code]]
        assert "clean" in traps and "violation" in traps, (p.code, traps)


@pytest.mark.parametrize("level", ["province", "commune"])
@pytest.mark.parametrize("role", ACTING)
def test_every_acting_role_at_each_level_can_start_three_scenarios_alone(
    scenarios, registry, level, role
):
    """A commune centre receives province dossiers too: its receivers start the reception-only
    scenarios (`plays: [receiver]`, `at: [province, commune]`); its handlers and leaders the
    inspections."""
    unit = Unit(code=f"T.{level}", name=f"Đơn vị {level}", kind=UNIT_KIND[level])
    trainee = User(username=f"t.{role}", full_name="Học viên", unit_id=1, roles=[role])
    startable = [
        s.id
        for s in scenarios.all()
        if service.refusal(unit, trainee, s, registry.get(s.procedure)) is None
    ]
    assert len(startable) >= 3, startable


def test_every_step_says_why(scenarios):
    silent = [
        f"{s.id} #{i + 1}" for s in scenarios.all() for i, e in enumerate(s.expected) if not e.why
    ]
    assert silent == []


def test_clean_scenarios_are_easy_and_traps_are_harder(scenarios):
    assert [s.id for s in scenarios.all() if s.trap == "clean" and s.difficulty != 1] == []
    assert [s.id for s in scenarios.all() if s.trap != "clean" and s.difficulty < 2] == []


def test_every_trap_names_its_wrong_choices_or_checks_the_content(scenarios):
    def teaches(s: Scenario) -> bool:
        return any(
            e.wrong
            or any(
                o.missing_documents is not None or o.reason_contains or o.fields for o in e.options
            )
            for e in s.expected
        )

    assert [s.id for s in scenarios.all() if s.trap != "clean" and not teaches(s)] == []


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in strings(v)]
    if isinstance(value, list):
        return [t for v in value for t in strings(v)]
    return []


def test_no_script_placeholder_is_left(scenarios):
    left = [
        f"{s.id} #{i + 1}"
        for s in scenarios.all()
        for i, e in enumerate(s.expected)
        for o in e.options
        if any(PLACEHOLDER in t for t in strings(o.data))
    ]
    assert left == []


def model_answer(session, world, scenario: Scenario, registry, team) -> int:  # type: ignore[no-untyped-def]
    """Start the scenario at a unit of its first level and play the trainee's steps of the right
    path with their first option and data, each by an officer holding the step's role (the
    system plays the rest); a decision that must name a certified team is signed on the
    inspection's decision form with one. Return the score."""
    procedure = registry.get(scenario.procedure)
    if scenario.levels(procedure)[0] == "commune":
        actors = dict.fromkeys(ACTING, world["badinh.receiver"])
    else:
        actors = {r: world[f"hni.{r}"] for r in ACTING}
    playable = scenario.playable_roles(procedure)
    d = service.start(
        session, actor=actors[playable[0]], scenario=scenario, procedures=registry, tz=TZ,
        together=True,
    )  # fmt: skip
    calendars = CalendarSource()
    for step in scenario.expected:
        option = step.options[0]
        t = procedure.transition(step.state, option.action)
        assert t is not None
        if not set(t.roles) & set(playable):
            continue  # the system played it
        assert d.state == step.state, (scenario.id, d.state, step.state)
        if option.team_certified:
            d = inspections.issue_decision(
                session, actor=actors["leader"], code=d.code,
                decision_number=str(option.data["decision_number"]),
                inspection_at=utcnow() + timedelta(hours=2), place=scenario.applicant.address,
                team=[TeamLine(team.head.id, "head"), TeamLine(team.tech.id, "technical")], tz=TZ,
            )  # fmt: skip
            continue
        data = dict(option.data)
        if option.missing_documents is not None:
            data["missing_documents"] = list(option.missing_documents)
        data = script.resolve(data, d, calendars.for_unit(session, d.handling_unit_id), utcnow())
        d = fire(session, actors[t.roles[0]], d, option.action, **data)
    assert procedure.states[d.state].final, (scenario.id, d.state)
    one = ScenarioRegistry([scenario])
    _, fb = service.feedback(session, dossier=d, scenarios=one, calendars=calendars)
    assert fb.finished, scenario.id
    return fb.score


def test_every_model_answer_plays_to_the_end_with_full_marks(session, world, scenarios, registry):
    """The data of every step is valid for its action (choices spelled exactly, numbers, dates),
    the path walks on a real dossier, and the model answer meets every content check."""
    team = build_team(session, world)  # certified officers of the commune, for a decision
    scores = {s.id: model_answer(session, world, s, registry, team) for s in scenarios.all()}
    assert {k: v for k, v in scores.items() if v != 100} == {}


def test_a_decision_naming_an_uncertified_team_head_is_caught(session, world, scenarios, registry):
    """The team trap: the leader signs with the proposed head who has no certificate; the step
    is marked down with the certificate rule (TT 28/2013 Điều 5 khoản 7) and the system goes on."""
    team = build_team(session, world)
    scenario = scenarios.get("xa-kiem-tra-doan-chua-chung-chi")
    d = service.start(session, actor=team.leader, scenario=scenario, procedures=registry, tz=TZ)
    d = inspections.issue_decision(
        session, actor=team.leader, code=d.code, decision_number="27/QĐ-UBND",
        inspection_at=utcnow() + timedelta(hours=2), place="Chợ Bến",
        team=[TeamLine(team.member.id, "head"), TeamLine(team.tech.id, "technical")], tz=TZ,
    )  # fmt: skip
    assert d.state == "violation_handling"  # the simulated handler inspected and recorded
    _, fb = service.feedback(session, dossier=d, scenarios=scenarios, calendars=CalendarSource())
    first = fb.steps[0]
    assert first.status == "partial"
    assert any(
        "Đoàn kiểm tra chưa đúng quy định" in n
        and "người của cơ quan thực hiện kiểm tra phải có chứng chỉ" in n
        for n in first.notes
    ), first.notes
    assert "Điều 5 khoản 7" in first.legal


def test_the_team_note_states_the_rule_of_the_procedures_field():
    """A quality inspection's team is judged by the controllers' share, not by certificates."""
    from casework.scenarios.feedback import _team_miss

    quality = _team_miss("Chất lượng sản phẩm, hàng hóa", wanted_certified=True)
    assert "kiểm soát viên chất lượng" in quality and "Điều 48 khoản 2" in quality
    assert "chứng chỉ" not in quality
    measurement = _team_miss("Đo lường", wanted_certified=True)
    assert "Thông tư 28/2013/TT-BKHCN" in measurement
    assert "để thấy quyết định bị từ chối" in _team_miss("Đo lường", wanted_certified=False)
