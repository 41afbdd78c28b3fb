"""Practice scenarios in the workshop (issue 20), on both databases: the files stored at start-up,
a scenario draft opened from the published text, its dry run (against the procedure's draft or the
version in force, step by step), its changes, four eyes, publication as a version the practice
pages serve at once, a changed repository file imported as a draft (never published), and the
export back to files."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from casework.errors import Conflict, DraftInvalid, PermissionDenied
from casework.scenarios.schema import ScenarioRegistry
from casework.workshop import live, publish, scenario_store, service
from casework.workshop.models import ProcedureDraft, ScenarioVersion
from casework.workshop.scenario_check import dry_run, scenario_impact
from tests.workshop.conftest import XRAY

SID = "xquang-khai-bao-du"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CHOICE = "ket_qua_tham_dinh: Đủ điều kiện xác nhận khai báo"


@pytest.fixture
def files(published, workflows_dir: Path) -> ScenarioRegistry:  # type: ignore[no-untyped-def]
    return ScenarioRegistry.from_directory(workflows_dir / "scenarios", published)


@pytest.fixture
def stored(session: Session, files: ScenarioRegistry, workflows_dir: Path) -> ScenarioRegistry:
    """The scenario files stored into the empty table (the bootstrap at start-up)."""
    assert scenario_store.sync_scenarios(session, files, workflows_dir) == []
    return files


def _retitled(text: str, title: str) -> str:
    out = text.replace("title: Khai báo X-quang — hồ sơ đủ, tiếp nhận và trả kết quả", title, 1)
    assert out != text
    return out


def _draft(session: Session, editor, workflows_dir: Path, text: str | None = None):  # type: ignore[no-untyped-def]
    draft = service.open_draft(
        session, actor=editor, code=SID, kind="scenario", workflows_dir=workflows_dir
    )
    if text is not None:
        draft = service.save_draft(
            session, actor=editor, draft_id=draft.id, yaml_text=text, revision=draft.revision
        )
    return draft


def _publish(session, editors, published, workflows_dir, text):  # type: ignore[no-untyped-def]
    author, reviewer = editors
    draft = _draft(session, author, workflows_dir, text)
    service.submit_draft(
        session, actor=author, draft_id=draft.id, revision=draft.revision,
        workflows_dir=workflows_dir, registry=published,
    )  # fmt: skip
    service.approve_draft(session, actor=reviewer, draft_id=draft.id)
    return draft, publish.publish_scenario_draft(
        session, actor=reviewer, draft_id=draft.id, workflows_dir=workflows_dir,
        registry=published, reason="Đổi tên bài cho rõ",
    )  # fmt: skip


def test_the_files_are_stored_once_at_start_up(session: Session, stored, workflows_dir: Path):
    rows = session.exec(select(ScenarioVersion)).all()
    assert {r.scenario_id for r in rows} == {s.id for s in stored.all()}
    assert {r.version for r in rows} == {1}
    row = next(r for r in rows if r.scenario_id == SID)
    assert row.source_file == "workflows/scenarios/xquang-khai-bao-du.yaml"
    assert row.yaml_text == (workflows_dir / "scenarios" / f"{SID}.yaml").read_text("utf-8")
    assert scenario_store.sync_scenarios(session, stored, workflows_dir) == []
    assert len(session.exec(select(ScenarioVersion)).all()) == len(rows)


def test_a_draft_opens_from_the_published_text_and_keeps_its_id(
    session: Session, editors, published, stored, workflows_dir: Path
):
    draft = _draft(session, editors[0], workflows_dir)
    assert draft.kind == "scenario" and draft.code == SID
    assert draft.yaml_text == scenario_store.latest_version(session, SID).yaml_text  # type: ignore[union-attr]
    renamed = draft.yaml_text.replace(f"id: {SID}", "id: bai-khac", 1)
    checked = service.check_text(
        session, kind="scenario", yaml_text=renamed, workflows_dir=workflows_dir,
        registry=published, scenario_id=SID,
    )  # fmt: skip
    assert checked.errors[0].line == 1 and "Không đổi mã bài" in checked.errors[0].message


def test_the_dry_run_says_which_steps_pass(
    session: Session, editors, published, stored, workflows_dir: Path
):
    text = _draft(session, editors[0], workflows_dir).yaml_text
    ok = dry_run(session, text=text, registry=published, workflows_dir=workflows_dir, tz=TZ)
    assert ok.ok and not ok.on_draft and ok.against == f"thủ tục {XRAY} đang công bố"
    assert [s.ok for s in ok.steps] == [True] * 4
    assert ok.steps[0].label and ok.steps[1].actions == "submit_for_signing"

    # a model answer the action's form refuses: that step fails, the walk goes on
    bad_choice = text.replace(CHOICE, "ket_qua_tham_dinh: Đạt", 1)
    run = dry_run(session, text=bad_choice, registry=published, workflows_dir=workflows_dir, tz=TZ)
    assert [s.ok for s in run.steps] == [True, False, True, True] and not run.ok
    assert "ket_qua_tham_dinh" in run.steps[1].problems[0]

    # an action that cannot be taken where the walk stands: the steps after it are not reached
    wrong = text.replace("action: submit_for_signing", "action: sign", 1)
    run = dry_run(session, text=wrong, registry=published, workflows_dir=workflows_dir, tz=TZ)
    assert [s.ok for s in run.steps] == [True, False, None, None]
    assert "không làm được" in run.steps[1].problems[0]


def test_the_dry_run_follows_the_procedures_open_draft(
    session: Session, editors, published, stored, workflows_dir: Path
):
    author, _ = editors
    proc = service.open_draft(session, actor=author, code=XRAY, workflows_dir=workflows_dir)
    renamed = proc.yaml_text.replace(
        "choices: [Đủ điều kiện xác nhận khai báo,", "choices: [Đủ điều kiện,", 1
    )
    assert renamed != proc.yaml_text
    service.save_draft(
        session, actor=author, draft_id=proc.id, yaml_text=renamed, revision=proc.revision
    )
    text = _draft(session, author, workflows_dir).yaml_text
    on_draft = dry_run(session, text=text, registry=published, workflows_dir=workflows_dir, tz=TZ)
    assert on_draft.on_draft and f"bản nháp số {proc.id}" in on_draft.against
    assert [s.ok for s in on_draft.steps] == [True, False, True, True]
    current = dry_run(
        session, text=text, registry=published, workflows_dir=workflows_dir, tz=TZ,
        use_draft=False,
    )  # fmt: skip
    assert current.ok and current.draft_id == proc.id


def test_four_eyes_then_published_as_the_next_version_served_at_once(
    session: Session, editors, published, stored, workflows_dir: Path
):
    author, reviewer = editors
    title = "title: Khai báo X-quang — phòng khám nộp đủ hồ sơ (bản mới)"
    draft = _draft(session, author, workflows_dir)
    new_text = _retitled(draft.yaml_text, title)
    found = scenario_impact(session, SID, new_text)
    assert found.version == 1 and found.changes[0].startswith("Tên bài: «Khai báo X-quang")
    assert any(line.startswith("+title:") for line in found.diff)
    draft = service.save_draft(
        session, actor=author, draft_id=draft.id, yaml_text=new_text, revision=draft.revision
    )
    service.submit_draft(
        session, actor=author, draft_id=draft.id, revision=draft.revision,
        workflows_dir=workflows_dir, registry=published,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        service.approve_draft(session, actor=author, draft_id=draft.id)
    session.rollback()
    service.approve_draft(session, actor=reviewer, draft_id=draft.id)
    before = live.generation(session)
    row = publish.publish_scenario_draft(
        session, actor=reviewer, draft_id=draft.id, workflows_dir=workflows_dir,
        registry=published, reason="Đổi tên bài",
    )  # fmt: skip
    assert (row.version, row.published_by_id, row.draft_id) == (2, reviewer.id, draft.id)
    assert live.generation(session) == before + 1
    assert session.get(ProcedureDraft, draft.id).status == "published"  # type: ignore[union-attr]
    assert [e.action for e in service.draft_events(session, draft.id)][-1] == "published"

    # the practice pages' registry: the new title, every other scenario as before
    state = SimpleNamespace(file_registry=published, file_scenarios=stored)
    live.load(state, session)
    assert state.scenarios.get(SID).title == title.removeprefix("title: ")
    assert state.scenarios.get(SID).expected[0].state  # walked against the procedures
    assert {s.id for s in state.scenarios.all()} == {s.id for s in stored.all()}

    # the same text again: nothing new to publish
    _, reviewer2 = editors
    again = _draft(session, author, workflows_dir)
    assert again.yaml_text == new_text  # opened from the version just published
    service.submit_draft(
        session, actor=author, draft_id=again.id, revision=again.revision,
        workflows_dir=workflows_dir, registry=published,
    )  # fmt: skip
    service.approve_draft(session, actor=reviewer2, draft_id=again.id)
    with pytest.raises(Conflict):
        publish.publish_scenario_draft(
            session, actor=reviewer2, draft_id=again.id, workflows_dir=workflows_dir,
            registry=published,
        )  # fmt: skip


def test_an_invalid_scenario_draft_is_not_submitted(
    session: Session, editors, published, stored, workflows_dir: Path
):
    author, _ = editors
    text = _draft(session, author, workflows_dir).yaml_text
    draft = _draft(session, author, workflows_dir, text.replace("action: sign\n", "action: x\n"))
    with pytest.raises(DraftInvalid) as refused:
        service.submit_draft(
            session, actor=author, draft_id=draft.id, revision=draft.revision,
            workflows_dir=workflows_dir, registry=published,
        )  # fmt: skip
    assert refused.value.problems[0][0] is not None  # at its line


def test_a_changed_file_becomes_a_draft_never_published(
    session: Session, editors, published, stored, workflows_dir: Path, tmp_path: Path
):
    repo = tmp_path / "workflows"
    (repo / "scenarios").mkdir(parents=True)
    body = (workflows_dir / "scenarios" / f"{SID}.yaml").read_text("utf-8")
    changed = _retitled(body, "title: Khai báo X-quang — sửa trong kho mã nguồn")
    (repo / "scenarios" / f"{SID}.yaml").write_text(changed, "utf-8")
    files = ScenarioRegistry.from_directory(repo / "scenarios", published)
    drafts = scenario_store.sync_scenarios(session, files, repo)
    assert [(d.code, d.kind, d.status, d.author_id) for d in drafts] == [
        (SID, "scenario", "draft", None)
    ]
    assert scenario_store.latest_version(session, SID).version == 1  # type: ignore[union-attr]
    assert scenario_store.sync_scenarios(session, files, repo) == []  # imported once
    state = SimpleNamespace(file_registry=published, file_scenarios=files)
    live.load(state, session)
    assert state.scenarios.get(SID).title.startswith("Khai báo X-quang — hồ sơ đủ")


def test_export_writes_the_published_scenarios_back(
    session: Session, editors, published, stored, workflows_dir: Path, tmp_path: Path
):
    text = _retitled(
        _draft(session, editors[0], workflows_dir).yaml_text, "title: Bài đã xuất ra tệp"
    )
    service.abandon_draft(
        session,
        actor=editors[0],
        draft_id=service.open_draft_for(session, SID, "scenario").id,  # type: ignore[union-attr]
    )
    _publish(session, editors, published, workflows_dir, text)
    shutil.copytree(workflows_dir / "scenarios", tmp_path / "scenarios")  # the repository's
    written, kept = scenario_store.export_scenarios(session, tmp_path, workflows_dir)
    assert [p.name for p in written] == [f"{SID}.yaml"] and kept == len(stored.all()) - 1
    assert written[0].read_text("utf-8") == text
    assert scenario_store.export_scenarios(session, tmp_path, workflows_dir) == ([], kept + 1)


def test_the_pages_open_dry_run_diff_review_and_the_trainee_sees_it(  # type: ignore[no-untyped-def]
    client, sign_in, session: Session, world, editors, published, monkeypatch
) -> None:
    monkeypatch.setattr(live, "CHECK_EVERY", 0.0)  # the once-a-second throttle, for the test
    author, reviewer = editors
    csrf = sign_in(author)
    listing = client.get("/workshop")
    assert 'data-testid="open-scenario-draft"' in listing.text and f'value="{SID}"' in listing.text
    r = client.post(
        "/workshop/drafts",
        data={"kind": "scenario", "code": SID, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:500]
    draft_id = int(r.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/workshop/drafts/{draft_id}")
    assert page.status_code == 200 and 'data-testid="valid"' in page.text
    session.commit()
    text = session.exec(select(ProcedureDraft.yaml_text).where(ProcedureDraft.id == draft_id)).one()
    session.commit()  # no read snapshot kept across the app's writes (SQLite)
    title = "title: Khai báo X-quang — bài đã sửa trong xưởng"
    saved = client.post(
        f"/workshop/drafts/{draft_id}",
        data={"csrf_token": csrf, "yaml_text": _retitled(text, title), "revision": "1"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text[:500]

    preview = client.get(f"/workshop/drafts/{draft_id}/preview")
    assert preview.status_code == 200 and 'data-testid="dry-run-ok"' in preview.text
    assert preview.text.count('data-ok="yes"') == 4
    impact = client.get(f"/workshop/drafts/{draft_id}/impact")
    assert impact.status_code == 200 and "Tên bài" in impact.text and "bài đã sửa" in impact.text
    submitted = client.post(
        f"/workshop/drafts/{draft_id}/submit",
        data={"csrf_token": csrf, "revision": "2"},
        follow_redirects=False,
    )
    assert submitted.status_code == 303, submitted.text[:500]

    csrf = sign_in(reviewer)
    review = client.get(f"/workshop/drafts/{draft_id}/review")
    assert 'data-testid="approve"' in review.text and 'id="effective_date"' not in review.text
    approved = client.post(
        f"/workshop/drafts/{draft_id}/approve",
        data={"csrf_token": csrf, "reason": "Tên bài rõ hơn"},
        follow_redirects=False,
    )
    assert approved.status_code == 303, approved.text[:500]
    assert "published" in approved.headers["location"]
    history = client.get(f"/workshop/history/{SID}?kind=scenario")
    assert history.status_code == 200 and 'data-testid="versions"' in history.text
    assert reviewer.full_name in history.text and "Tên bài rõ hơn" in history.text
    assert "Tên bài: «" in history.text and "tệp trong kho mã nguồn" in history.text  # v2, v1

    sign_in(world["hni.receiver"])
    practice = client.get("/scenarios")
    assert practice.status_code == 200
    assert "bài đã sửa trong xưởng" in practice.text
    assert "hồ sơ đủ, tiếp nhận và trả kết quả" not in practice.text


def test_a_run_in_progress_is_scored_on_the_version_it_started(
    session: Session, world, editors, published, stored, workflows_dir: Path
):
    from casework.dossiers.clockwork import CalendarSource
    from casework.scenarios import service as practice

    run = practice.start(
        session, actor=world["hni.receiver"], scenario=stored.get(SID), procedures=published,
        tz=TZ, together=True,
    )  # fmt: skip
    before = stored.get(SID)
    text = _draft(session, editors[0], workflows_dir).yaml_text
    changed = _retitled(text, "title: Khai báo X-quang — bản sau khi đã bắt đầu").replace(
        before.expected[0].why.split(",")[0], "Lời giải thích mới", 1
    )
    assert changed.count("Lời giải thích mới") == 1
    service.abandon_draft(
        session,
        actor=editors[0],
        draft_id=service.open_draft_for(session, SID, "scenario").id,  # type: ignore[union-attr]
    )
    _publish(session, editors, published, workflows_dir, changed)
    state = SimpleNamespace(file_registry=published, file_scenarios=stored)
    live.load(state, session)
    assert state.scenarios.get(SID).title.endswith("bản sau khi đã bắt đầu")

    scenario, _ = practice.feedback(
        session, dossier=run, scenarios=state.scenarios, calendars=CalendarSource()
    )
    assert scenario.title == before.title and scenario.expected[0].why == before.expected[0].why
    assert scenario.expected[0].state  # walked against the run's procedure version
    # a scenario the practice pages no longer serve: its run is still scored, on its version
    scenario, _ = practice.feedback(
        session, dossier=run, scenarios=ScenarioRegistry([]), calendars=CalendarSource()
    )
    assert scenario.title == before.title
    fresh = practice.start(
        session, actor=world["hni.receiver"], scenario=state.scenarios.get(SID),
        procedures=published, tz=TZ, together=True,
    )  # fmt: skip
    scenario, _ = practice.feedback(
        session, dossier=fresh, scenarios=state.scenarios, calendars=CalendarSource()
    )
    assert scenario.title.endswith("bản sau khi đã bắt đầu")
    assert scenario.expected[0].why.startswith("Lời giải thích mới")


def test_a_failing_dry_run_and_an_invalid_draft_are_shown_not_a_500(  # type: ignore[no-untyped-def]
    client, sign_in, session: Session, editors, published, workflows_dir: Path
) -> None:
    csrf = sign_in(editors[0])
    draft = _draft(session, editors[0], workflows_dir)
    wrong = draft.yaml_text.replace("action: submit_for_signing", "action: sign", 1)
    draft = service.save_draft(
        session, actor=editors[0], draft_id=draft.id, yaml_text=wrong, revision=draft.revision
    )
    session.commit()
    preview = client.get(f"/workshop/drafts/{draft.id}/preview")
    assert preview.status_code == 200 and 'data-testid="dry-run-failed"' in preview.text
    assert [preview.text.count(f'data-ok="{k}"') for k in ("yes", "no", "unreached")] == [1, 1, 2]
    impact = client.get(f"/workshop/drafts/{draft.id}/impact")
    assert impact.status_code == 200 and 'data-testid="draft-invalid"' in impact.text
    review = client.post(
        f"/workshop/drafts/{draft.id}/submit",
        data={"csrf_token": csrf, "revision": str(draft.revision)},
    )
    assert review.status_code == 422 and "lỗi" in review.text
    broken = client.post(
        f"/workshop/drafts/{draft.id}",
        data={"csrf_token": csrf, "yaml_text": "id: [", "revision": str(draft.revision)},
        follow_redirects=False,
    )
    assert broken.status_code == 303
    preview = client.get(f"/workshop/drafts/{draft.id}/preview")
    assert preview.status_code == 200 and 'data-testid="dry-run-problems"' in preview.text
