"""The workshop's steps on both databases: open, save (conflict), check at lines, submit, return,
approve (four eyes), publish with an effective date, and which version a new dossier gets."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from casework.db import utcnow
from casework.dossiers.catalog import current_versions, procedure_of
from casework.dossiers.models import ProcedureVersion
from casework.errors import (
    ActionNotAllowed,
    Conflict,
    DraftInvalid,
    PermissionDenied,
    ValidationFailed,
)
from casework.procedures import Procedure, ProcedureRegistry
from casework.workshop import publish, service
from casework.workshop.impact import draft_impact
from casework.workshop.models import DraftEvent, DraftStatus
from tests.factories import open_xray
from tests.workshop.conftest import XRAY, changed_xray, publish_changed_xray


def _publish(session, editors, registry, workflows_dir, *, when, reason=""):  # type: ignore[no-untyped-def]
    return publish_changed_xray(
        session, editors, registry, workflows_dir,
        effective_from=when, reason=reason, source_note="Nghị định thử",
    )  # fmt: skip


def test_only_catalogue_editors_open_drafts(session, world, published, workflows_dir):
    with pytest.raises(PermissionDenied):
        service.open_draft(
            session, actor=world.users["bo.mentor"], code=XRAY, workflows_dir=workflows_dir
        )


def test_a_draft_starts_from_the_repository_file_and_is_shared(
    session: Session, editors, published, workflows_dir: Path
):
    a, b = editors
    draft = service.open_draft(session, actor=a, code=XRAY, workflows_dir=workflows_dir)
    assert draft.yaml_text == (workflows_dir / "x_quang_khai_bao.yaml").read_text("utf-8")
    assert draft.status == DraftStatus.draft and draft.base_version_id is not None
    again = service.open_draft(session, actor=b, code=XRAY, workflows_dir=workflows_dir)
    assert again.id == draft.id


def test_two_editors_on_one_draft_get_a_conflict_naming_who_saved(
    session, editors, published, workflows_dir
):
    a, b = editors
    draft = service.open_draft(session, actor=a, code=XRAY, workflows_dir=workflows_dir)
    opened = draft.revision
    service.save_draft(
        session, actor=a, draft_id=draft.id, yaml_text=draft.yaml_text + "\n", revision=opened
    )
    with pytest.raises(Conflict) as caught:
        service.save_draft(
            session, actor=b, draft_id=draft.id, yaml_text="code: x\n", revision=opened
        )
    assert "Biên tập viên 1" in caught.value.message
    assert caught.value.details["revision"] == opened + 1
    assert service.get_draft(session, draft.id).yaml_text.endswith("\n\n")  # a's edit kept


def test_errors_come_back_at_their_lines_and_block_submission(
    session, editors, published, workflows_dir
):
    a, _ = editors
    draft = service.open_draft(session, actor=a, code=XRAY, workflows_dir=workflows_dir)
    lines = draft.yaml_text.splitlines()
    limit_line = next(i for i, line in enumerate(lines, 1) if line.startswith("limit:"))
    broken = draft.yaml_text.replace(
        "limit: {value: 5, unit: working_days}", "limit: {value: 5, unit: weeks}"
    )
    draft = service.save_draft(
        session, actor=a, draft_id=draft.id, yaml_text=broken, revision=draft.revision
    )
    checked = service.validate_draft(
        session, draft_id=draft.id, workflows_dir=workflows_dir, registry=published
    )
    assert checked.procedure is None
    assert any(p.line == limit_line and "limit" in p.message for p in checked.errors)
    with pytest.raises(DraftInvalid) as caught:
        service.submit_draft(
            session, actor=a, draft_id=draft.id, revision=draft.revision,
            workflows_dir=workflows_dir, registry=published,
        )  # fmt: skip
    assert (limit_line, checked.errors[0].message) in caught.value.problems or caught.value.problems
    assert caught.value.details["problems"][0]["line"] is not None
    assert service.get_draft(session, draft.id).status == DraftStatus.draft


def test_yaml_syntax_error_has_its_line(session, editors, published, workflows_dir):
    checked = service.check_text(
        session, kind="procedure", yaml_text='code: "X"\nname: [\n', workflows_dir=workflows_dir,
        registry=published,
    )  # fmt: skip
    assert checked.errors and checked.errors[0].line in (2, 3)


def test_the_author_cannot_approve_and_a_return_needs_a_comment(
    session, editors, published, workflows_dir
):
    a, b = editors
    draft = service.open_draft(session, actor=a, code=XRAY, workflows_dir=workflows_dir)
    draft = service.save_draft(
        session, actor=a, draft_id=draft.id, yaml_text=changed_xray(draft.yaml_text),
        revision=draft.revision,
    )  # fmt: skip
    service.submit_draft(
        session, actor=a, draft_id=draft.id, revision=draft.revision,
        workflows_dir=workflows_dir, registry=published,
    )  # fmt: skip
    with pytest.raises(PermissionDenied, match="bốn mắt"):
        service.approve_draft(session, actor=a, draft_id=draft.id)
    with pytest.raises(ValidationFailed) as caught:
        service.return_draft(session, actor=b, draft_id=draft.id, comment="  ")
    assert "comment" in caught.value.fields
    returned = service.return_draft(session, actor=b, draft_id=draft.id, comment="Ghi nguồn.")
    assert returned.status == DraftStatus.returned and returned.review_comment == "Ghi nguồn."
    with pytest.raises(ActionNotAllowed):
        service.approve_draft(session, actor=b, draft_id=draft.id)
    again = service.save_draft(
        session, actor=a, draft_id=draft.id, yaml_text=returned.yaml_text,
        revision=returned.revision,
    )  # fmt: skip
    assert again.status == DraftStatus.draft


def test_publish_with_a_date_next_month_and_the_dossiers_on_each_side(
    session, world, editors, published, workflows_dir
):
    """The issue's "done when": dossiers received before the date keep the old limit (5 working
    days), dossiers received on or after it get the new one (7) and the new document."""
    receiver = world.users["hni.receiver"]
    before = open_xray(session, published.get(XRAY), receiver)
    old_row = session.get(ProcedureVersion, before.procedure_version_id)
    next_month = utcnow() + timedelta(days=30)
    draft, row = _publish(session, editors, published, workflows_dir, when=next_month)
    assert row.version == old_row.version + 1 and row.effective_from == next_month
    assert row.published_by_id == editors[1].id and row.source_note == "Nghị định thử"

    # the registry's procedure is still the old one: received now -> the old version
    now_dossier = open_xray(session, published.get(XRAY), receiver)
    assert now_dossier.procedure_version_id == old_row.id
    # received after the effective date (entered then): the new version, whatever the caller had
    later = open_xray(
        session, published.get(XRAY), receiver,
        received_at=next_month + timedelta(hours=1), now=next_month + timedelta(hours=2),
    )  # fmt: skip
    assert later.procedure_version_id == row.id
    _, proc = procedure_of(session, later)
    assert proc.limit.value == 7 and "giay_uy_quyen" in {d.key for d in proc.documents}
    _, old_proc = procedure_of(session, now_dossier)
    assert old_proc.limit.value == 5
    assert current_versions(session, utcnow())[XRAY].id == old_row.id
    assert current_versions(session, next_month)[XRAY].id == row.id

    actions = [
        e.action for e in session.exec(select(DraftEvent).where(DraftEvent.draft_id == draft.id))
    ]
    assert actions == ["created", "saved", "submitted", "approved", "published"]


def test_a_date_in_the_past_needs_a_reason_and_then_applies_back(
    session, world, editors, published, workflows_dir
):
    receiver = world.users["hni.receiver"]
    yesterday = utcnow() - timedelta(days=1)
    with pytest.raises(ValidationFailed) as caught:
        _publish(session, editors, published, workflows_dir, when=yesterday)
    assert "reason" in caught.value.fields
    draft = service.open_draft(session, actor=editors[0], code=XRAY, workflows_dir=workflows_dir)
    assert draft.status == DraftStatus.approved  # nothing published, still approved
    row = publish.publish_draft(
        session, actor=editors[1], draft_id=draft.id, workflows_dir=workflows_dir,
        registry=published, effective_from=yesterday, reason="Quyết định có hiệu lực hôm qua",
    )  # fmt: skip
    dossier = open_xray(session, published.get(XRAY), receiver)
    assert dossier.procedure_version_id == row.id


def test_impact_counts_open_dossiers_and_names_the_diff(
    session, world, editors, published, workflows_dir, registry
):
    from casework.learning.quizzes import QuizRegistry
    from casework.scenarios.schema import ScenarioRegistry

    receiver = world.users["hni.receiver"]
    for _ in range(2):
        open_xray(session, published.get(XRAY), receiver)
    a, _ = editors
    draft = service.open_draft(session, actor=a, code=XRAY, workflows_dir=workflows_dir)
    body = changed_xray(draft.yaml_text)
    service.save_draft(session, actor=a, draft_id=draft.id, yaml_text=body, revision=draft.revision)
    scenarios = ScenarioRegistry.from_directory(workflows_dir / "scenarios", registry)
    quizzes = QuizRegistry.from_directory(workflows_dir / "quizzes", registry)
    impact = draft_impact(
        session, draft_id=draft.id, workflows_dir=workflows_dir, registry=registry,
        scenarios=scenarios, quizzes=quizzes,
    )  # fmt: skip
    assert impact.base is not None and not impact.checked.errors
    assert [v.real for v in impact.open_dossiers] == [2]
    assert impact.open_dossiers[0].label == f"2 hồ sơ đang mở giữ phiên bản {impact.base.version}"
    assert any(c.startswith("Thời hạn") for c in impact.changes)
    assert any("giay_uy_quyen" in c for c in impact.changes)
    assert impact.broken == []  # the shipped scenarios still pass (no step removed)


def test_impact_names_a_scenario_that_no_longer_passes(registry, workflows_dir):
    from casework.scenarios.schema import ScenarioRegistry
    from casework.workshop.impact import broken_against

    scenarios = ScenarioRegistry.from_directory(workflows_dir / "scenarios", registry)
    used = next(s for s in scenarios.all())
    proc = registry.get(used.procedure)
    action = used.expected[0].options[0].action
    data = proc.model_dump(mode="json", by_alias=True)
    for t in data["transitions"]:
        if t["action"] == action:
            t["action"] = "renamed_in_draft"
    crippled = Procedure.model_validate(data)
    from casework.learning.quizzes import QuizRegistry

    broken = broken_against(
        crippled, ProcedureRegistry(registry.all()), scenarios, QuizRegistry([])
    )
    assert used.id in {b.key for b in broken if b.kind == "scenario"}


def test_a_new_procedure_may_not_take_a_code_in_use(session, editors, published, workflows_dir):
    a, _ = editors
    text = (workflows_dir / "x_quang_khai_bao.yaml").read_text("utf-8")
    draft = service.open_draft(
        session, actor=a, code=None, workflows_dir=workflows_dir, yaml_text=text
    )
    checked = service.validate_draft(
        session, draft_id=draft.id, workflows_dir=workflows_dir, registry=published
    )
    assert checked.errors and "đã có trong danh mục" in checked.errors[0].message
    assert checked.errors[0].line == next(
        i for i, line in enumerate(text.splitlines(), 1) if line.startswith("code:")
    )


def test_a_scenario_draft_is_checked_against_the_procedures_at_its_lines(
    session, editors, published, workflows_dir
):
    from casework.scenarios.schema import ScenarioRegistry

    scenario = ScenarioRegistry.from_directory(workflows_dir / "scenarios", published).all()[0]
    a, _ = editors
    draft = service.open_draft(
        session, actor=a, code=scenario.id, kind="scenario", workflows_dir=workflows_dir
    )
    assert draft.kind == "scenario" and f"id: {scenario.id}" in draft.yaml_text
    ok = service.validate_draft(
        session, draft_id=draft.id, workflows_dir=workflows_dir, registry=published
    )
    assert ok.errors == []
    action = scenario.expected[0].options[0].action
    broken = draft.yaml_text.replace(f"action: {action}", "action: khong_co_thao_tac_nay", 1)
    assert broken != draft.yaml_text
    line = next(
        i for i, text in enumerate(broken.splitlines(), 1) if "khong_co_thao_tac_nay" in text
    )
    checked = service.check_text(
        session, kind="scenario", yaml_text=broken, workflows_dir=workflows_dir,
        registry=published,
    )  # fmt: skip
    assert [p.line for p in checked.errors] == [line]
    assert "khong_co_thao_tac_nay" in checked.errors[0].message


def test_the_version_history_names_who_when_why_and_the_steps(
    session, editors, published, workflows_dir
):
    from casework.workshop.history import version_history

    when = utcnow() + timedelta(days=30)
    draft, row = _publish(
        session, editors, published, workflows_dir, when=when, reason="Nghị định mới"
    )
    entries = version_history(session, XRAY)
    assert entries[0].row.id == row.id and entries[0].since == when
    assert entries[0].published_by == "Biên tập viên 2" and entries[0].draft_id == draft.id
    assert [e.action for e in entries[0].events][-1] == "published"
    assert entries[0].events[0].actor == "Biên tập viên 1"
    assert entries[0].row.reason == "Nghị định mới"
    assert entries[1].draft_id is None and entries[1].published_by == "tệp trong kho mã nguồn"
