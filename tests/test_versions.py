"""Procedure versions: a changed file becomes a new stored version, running dossiers keep the one
they started on, `workflows diff` says what changed, and the page lists the history."""

from __future__ import annotations

import shutil

from sqlmodel import Session
from typer.testing import CliRunner

from casework import cli
from casework.dossiers.catalog import procedure_of, sync_procedures, versions_of
from casework.procedures import ProcedureRegistry
from casework.settings import PROJECT_ROOT
from tests.factories import fire, open_xray


def edited_copy(tmp_path):
    target = tmp_path / "workflows"
    shutil.copytree(PROJECT_ROOT / "workflows", target)
    path = target / "x_quang_khai_bao.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("allot: 3}", "allot: 2.5}", 1).replace(
        "  signing:             {label: Trình ký, national_status: 4, roles: [leader], allot: 1}",
        "  signing:             {label: Trình lãnh đạo ký, national_status: 4, roles: [leader], allot: 1.5}",
    )
    path.write_text(text, encoding="utf-8")
    return target


def test_a_changed_file_is_a_new_version_and_running_dossiers_keep_theirs(
    session, world, registry, tmp_path
):
    old = registry.get("2.002131")
    d = open_xray(session, old, world["hni.receiver"])
    changed = ProcedureRegistry.from_directory(edited_copy(tmp_path)).get("2.002131")
    assert changed.version == old.version == 1  # the file kept its number…
    assert changed.content_hash != old.content_hash
    sync_procedures(session, [changed])
    rows = versions_of(session, "2.002131")
    assert [r.version for r in rows] == [2, 1]  # …so the stored version was bumped

    fire(session, world["hni.receiver"], d, "accept")  # the old dossier runs on version 1
    row, procedure = procedure_of(session, d)
    assert row.version == 1
    assert procedure.states["signing"].label == "Trình ký"
    new = open_xray(session, changed, world["hni.receiver"])
    assert procedure_of(session, new)[0].version == 2


def test_workflows_diff_names_the_changes(engine, session, world, registry, tmp_path, monkeypatch):
    sync_procedures(session, [registry.get("2.002131")])
    monkeypatch.setattr(cli, "_engine", lambda: engine)
    monkeypatch.setenv("CASEWORK_WORKFLOWS_DIR", str(edited_copy(tmp_path)))
    cli.get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, ["workflows", "diff", "2.002131", "1", "2"])
    finally:
        cli.get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "2.002131: phiên bản 1 → 2" in result.output
    assert "Bước «signing»: allot: 1.0 → 1.5; label: Trình ký → Trình lãnh đạo ký" in result.output
    assert "Bước «reviewing»: allot: 3.0 → 2.5" in result.output
    missing = CliRunner().invoke(cli.app, ["workflows", "diff", "2.002131", "1", "9"])
    assert missing.exit_code == 1
    assert "không có phiên bản 9" in missing.output


def test_the_procedure_page_lists_versions_with_their_changes(client, engine, registry, tmp_path):
    with Session(engine) as s:
        sync_procedures(
            s, [ProcedureRegistry.from_directory(edited_copy(tmp_path)).get("2.002131")]
        )
    html = client.get("/procedures/2.002131").text
    assert "<td>1 (đang dùng)</td>" in html
    assert "<td>2</td>" in html
    assert "Bước «signing»" in html


def test_diagram_cli_svg_and_mermaid():
    runner = CliRunner()
    svg = runner.invoke(
        cli.app, ["workflows", "diagram", "2.002131", "--format", "svg", "--current", "signing"]
    )
    assert svg.exit_code == 0, svg.output
    assert "<svg" in svg.output
    assert "Trình ký" in svg.output
    mermaid = runner.invoke(cli.app, ["workflows", "diagram", "2.002131"])
    assert mermaid.output.startswith("stateDiagram-v2")
