"""Procedure versions: a changed file becomes a new stored version, running dossiers keep the one
they started on, `workflows diff` says what changed, and the page lists the history."""

from __future__ import annotations

import shutil
from typing import Any

from sqlmodel import Session
from typer.testing import CliRunner

from casework import cli
from casework.dossiers.catalog import procedure_of, sync_procedures, versions_of
from casework.procedures import Procedure, ProcedureRegistry
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
    assert changed.version == old.version == 4  # the file kept its number…
    assert changed.content_hash != old.content_hash
    sync_procedures(session, [changed])
    rows = versions_of(session, "2.002131")
    assert [r.version for r in rows] == [5, 4]  # …so the stored version was bumped

    fire(session, world["hni.receiver"], d, "accept")  # the old dossier runs on version 4
    row, procedure = procedure_of(session, d)
    assert row.version == 4
    assert procedure.states["signing"].label == "Trình ký"
    new = open_xray(session, changed, world["hni.receiver"])
    assert procedure_of(session, new)[0].version == 5


def test_workflows_diff_names_the_changes(engine, session, world, registry, tmp_path, monkeypatch):
    sync_procedures(session, [registry.get("2.002131")])
    edited = edited_copy(tmp_path)
    sync_procedures(session, [ProcedureRegistry.from_directory(edited).get("2.002131")])
    monkeypatch.setattr(cli, "_engine", lambda: engine)
    monkeypatch.setenv("CASEWORK_WORKFLOWS_DIR", str(edited))
    cli.get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, ["workflows", "diff", "2.002131", "4", "5"])
    finally:
        cli.get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "2.002131: phiên bản 4 → 5" in result.output
    assert "Bước «signing»: allot: 1.0 → 1.5; label: Trình ký → Trình lãnh đạo ký" in result.output
    assert "Bước «reviewing»: allot: 3.0 → 2.5" in result.output
    missing = CliRunner().invoke(cli.app, ["workflows", "diff", "2.002131", "4", "9"])
    assert missing.exit_code == 1
    assert "không có phiên bản 9" in missing.output


def test_the_procedure_page_lists_versions_with_their_changes(client, engine, registry, tmp_path):
    with Session(engine) as s:
        sync_procedures(
            s, [ProcedureRegistry.from_directory(edited_copy(tmp_path)).get("2.002131")]
        )
    html = client.get("/procedures/2.002131").text
    assert "<td>4 (đang dùng)</td>" in html
    assert "<td>5</td>" in html
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


def stored_before_sources(current: Procedure) -> dict[str, Any]:
    """A version as stored before issue 18: the local code, a free-text source, a bare flag, and
    none of the fields added since (as the JSON of such a row reads)."""
    data = current.model_dump(mode="json", by_alias=True)
    for key in ("sources", "code_kind", "changes", "replaces"):
        data.pop(key)
    return {
        **data,
        "code": "KHCN-BX-CCNV",
        "version": 1,
        "fee": {"amount_vnd": None, "note": "Phí thẩm định (chưa xác minh)"},
        "source": "https://dulieuphapluat.vn",
        "verified_on": "2026-11-22",
        "needs_recheck": True,
    }


def test_a_version_bump_keeps_pinned_dossiers_and_the_page_says_why(
    session, world, registry, client
):
    """Issue 18: the re-versioned certificate (new code 2.002379, lệ phí 200.000 đ) is a new
    stored version; a dossier opened on the old definition (old code, old fee) stays on it and
    still runs; the history page shows the `changes` note of the new version."""
    current = registry.get("2.002379")
    old = Procedure.model_validate(stored_before_sources(current))
    assert (old.needs_recheck, old.sources, old.code_kind) == (True, [], None)  # rebuilds
    d = open_xray(session, old, world["hni.receiver"])
    sync_procedures(session, [current])
    assert [r.version for r in versions_of(session, "2.002379")] == [4]
    assert [r.version for r in versions_of(session, "KHCN-BX-CCNV")] == [1]

    fire(session, world["hni.receiver"], d, "accept")  # the old dossier runs on its version
    row, pinned = procedure_of(session, d)
    assert (row.code, row.version, pinned.fee.amount_vnd) == ("KHCN-BX-CCNV", 1, None)  # type: ignore[union-attr]
    new = open_xray(session, current, world["hni.receiver"])
    row, procedure = procedure_of(session, new)
    assert (row.code, row.version, procedure.fee.amount_vnd) == ("2.002379", 4, 200_000)  # type: ignore[union-attr]

    html = client.get("/procedures/2.002379").text
    assert "<td>4 (đang dùng)</td>" in html
    assert "Lý do, nguồn:" in html
    assert "đổi mã KHCN-BX-CCNV (mã địa phương) sang mã quốc gia 2.002379" in html


def test_diff_names_sources_added_and_a_new_changes_note(registry):
    from casework.procedures.diff import diff

    current = registry.get("2.002379")
    old = Procedure.model_validate(stored_before_sources(current))
    lines = diff(old, current)
    assert "Loại mã (quốc gia/địa phương): None → national" in lines
    assert any(line.startswith("Nguồn: thêm «Cổng DVC Đà Nẵng") for line in lines)
    assert any(line.startswith("Phí, lệ phí: ") and "200000" in line for line in lines)
    assert "Nguồn: https://dulieuphapluat.vn → None" in lines


def test_workflows_diff_does_not_publish_an_edited_file(
    engine, session, registry, tmp_path, monkeypatch
):
    """Issue 20: a file edited in the repository is imported as a workshop draft, never stored
    as a version by the CLI."""
    from sqlmodel import select

    from casework.workshop.models import ProcedureDraft

    sync_procedures(session, registry.all())
    monkeypatch.setattr(cli, "_engine", lambda: engine)
    monkeypatch.setenv("CASEWORK_WORKFLOWS_DIR", str(edited_copy(tmp_path)))
    cli.get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, ["workflows", "diff", "2.002131", "4", "5"])
    finally:
        cli.get_settings.cache_clear()
    assert result.exit_code == 1 and "không có phiên bản 5" in result.output
    assert [r.version for r in versions_of(session, "2.002131")] == [4]
    session.rollback()
    drafts = session.exec(select(ProcedureDraft)).all()
    assert [(d.code, d.status) for d in drafts] == [("2.002131", "draft")]
