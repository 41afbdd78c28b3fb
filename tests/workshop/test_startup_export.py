"""Same files, one truth: the bootstrap, a changed repository file imported as a draft (never
published), and `casework workflows export` writing published versions that load to the same
content hash."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from sqlmodel import Session, select

from casework.db import utcnow
from casework.dossiers.catalog import current_versions
from casework.dossiers.models import ProcedureVersion
from casework.procedures import ProcedureRegistry
from casework.procedures.loader import load_procedure_file
from casework.workshop.export import export_published, to_yaml
from casework.workshop.models import DraftEvent, DraftStatus, ProcedureDraft
from casework.workshop.startup import files_by_code, sync_repository
from tests.workshop.conftest import XRAY, changed_xray, publish_changed_xray


def _copy(workflows_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "workflows"
    shutil.copytree(workflows_dir, target)
    return target


def test_a_changed_file_becomes_a_draft_never_published(
    session: Session, engine, workflows_dir, tmp_path, caplog
):
    folder = _copy(workflows_dir, tmp_path)
    first = ProcedureRegistry.from_directory(folder)
    assert sync_repository(session, first.all(), folder) == []  # bootstrap
    published = session.exec(select(ProcedureVersion)).all()
    assert len(published) == len(first.all())

    xray_file = folder / "x_quang_khai_bao.yaml"
    xray_file.write_text(changed_xray(xray_file.read_text("utf-8")), encoding="utf-8")
    second = ProcedureRegistry.from_directory(folder)
    with caplog.at_level(logging.WARNING, logger="casework.workshop"):
        drafts = sync_repository(session, second.all(), folder)
    assert [d.code for d in drafts] == [XRAY]
    draft = drafts[0]
    assert draft.status == DraftStatus.draft and draft.author_id is None
    assert draft.yaml_text == xray_file.read_text("utf-8")
    event = session.exec(select(DraftEvent).where(DraftEvent.draft_id == draft.id)).one()
    assert event.action == "imported" and "x_quang_khai_bao.yaml" in event.note
    assert "procedure_file_imported_as_draft code=2.002131" in caplog.text
    # nothing published: the version in force is still the old one
    assert len(session.exec(select(ProcedureVersion)).all()) == len(published)
    assert current_versions(session, utcnow())[XRAY].content_hash == first.get(XRAY).content_hash
    # a restart imports nothing twice
    assert sync_repository(session, second.all(), folder) == []
    assert len(session.exec(select(ProcedureDraft)).all()) == 1


def test_an_app_restart_on_a_changed_file_serves_the_published_version(
    engine, workflows_dir, tmp_path
):
    from fastapi.testclient import TestClient

    from casework.main import create_app
    from casework.settings import Settings

    folder = _copy(workflows_dir, tmp_path)

    def app():  # type: ignore[no-untyped-def]
        settings = Settings(
            env="test", database_url="sqlite://", upload_dir=tmp_path / "up", workflows_dir=folder
        )
        return create_app(settings, engine=engine)

    first = app()
    with TestClient(first):
        old = first.state.registry.get(XRAY).limit.value
    xray_file = folder / "x_quang_khai_bao.yaml"
    xray_file.write_text(changed_xray(xray_file.read_text("utf-8")), encoding="utf-8")
    second = app()
    with TestClient(second):
        assert second.state.file_registry.get(XRAY).limit.value == 7
        assert second.state.registry.get(XRAY).limit.value == old == 5
    with Session(engine) as session:
        draft = session.exec(select(ProcedureDraft)).one()
        assert draft.code == XRAY and draft.status == DraftStatus.draft


def test_export_round_trip_gives_the_same_hash(
    session: Session, editors, published, workflows_dir, tmp_path
):
    _, row = publish_changed_xray(session, editors, published, workflows_dir)
    current = current_versions(session, utcnow())
    assert current[XRAY].id == row.id
    out = tmp_path / "exported"
    written, kept = export_published(
        out, current, existing=files_by_code(workflows_dir), workflows_dir=workflows_dir
    )
    assert kept == [] and len(written) == len(current)
    for path in written:
        proc = load_procedure_file(path, parts={})
        assert proc.content_hash == current[proc.code].content_hash, path.name
    assert (out / "x_quang_khai_bao.yaml").is_file()  # the repository's file name kept
    # exporting over the repository's own files keeps those that already hold the version
    repo = _copy(workflows_dir, tmp_path)
    written, kept = export_published(
        repo, current, existing=files_by_code(repo), workflows_dir=repo
    )
    assert [p.name for p in written] == ["x_quang_khai_bao.yaml"]
    assert len(kept) == len(current) - 1
    again = ProcedureRegistry.from_directory(repo)
    assert again.get(XRAY).content_hash == row.content_hash
    assert sync_repository(session, again.all(), repo) == []  # files and database agree


def test_to_yaml_of_every_shipped_procedure_loads_to_its_hash(registry, tmp_path):
    for proc in registry.all():
        path = tmp_path / "p.yaml"
        path.write_text(to_yaml(proc.model_dump(mode="json", by_alias=True)), encoding="utf-8")
        assert load_procedure_file(path, parts={}).content_hash == proc.content_hash


def test_export_cli(engine, registry, workflows_dir, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from casework.cli import app as cli
    from casework.settings import get_settings

    with Session(engine) as s:
        sync_repository(s, registry.all(), workflows_dir)
    monkeypatch.setenv("CASEWORK_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["workflows", "export", "--out", str(tmp_path / "o")])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert f"{len(registry.all())} tệp ghi mới" in result.output


def test_a_procedure_the_catalogue_never_had_is_published_from_its_file(
    session: Session, workflows_dir, tmp_path
):
    folder = _copy(workflows_dir, tmp_path)
    full = ProcedureRegistry.from_directory(folder)
    others = [p for p in full.all() if p.code != XRAY]
    sync_repository(session, others, folder)  # a catalogue from before the X-ray file
    assert sync_repository(session, full.all(), folder) == []
    assert current_versions(session, utcnow())[XRAY].content_hash == full.get(XRAY).content_hash
    assert session.exec(select(ProcedureDraft)).all() == []
