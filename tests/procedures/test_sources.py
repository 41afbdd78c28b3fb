"""Sources in procedure files (issue 18): the `sources:` list, `code_kind`, `needs_recheck` that
says what is unconfirmed, the `changes` note — every refusal names the file, the field and the
line in Vietnamese; values without a source are warnings of `casework workflows check`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casework.errors import ProcedureErrors
from casework.procedures import Procedure, load_procedure_file
from casework.procedures.cli import workflows_app
from casework.procedures.loader import check_directory, check_procedure_file
from casework.procedures.sources import WHAT_LABELS, recheck_lines, unsourced
from tests.procedures.support import BASE, WORKFLOWS, edit, errors_of, write_workdir

NAME = "thu_tuc.yaml"
# BASE is 30 lines; what a case appends starts at line 31.
SOURCES = """\
sources:
  - what: [limit, steps]
    cite: "Cổng DVC tỉnh X, thủ tục thử — https://dichvucong.example.gov.vn/tt?id=1"
    checked: 2026-12-01
"""
SOURCED = BASE + SOURCES


def put(tmp_path: Path, text: str) -> Path:
    """The procedure file in a workflows-like folder (the shared parts copied once)."""
    if (tmp_path / "common").is_dir():
        (tmp_path / NAME).write_text(text, encoding="utf-8")
    else:
        write_workdir(tmp_path, {NAME: text})
    return tmp_path / NAME


def problems(tmp_path: Path, text: str) -> list[tuple[str, int | None, str]]:
    return [(e.path, e.line, e.problem) for e in errors_of(put(tmp_path, text))]


def test_a_sourced_file_loads_with_its_sources(tmp_path: Path) -> None:
    write_workdir(tmp_path, {NAME: SOURCED})
    p = load_procedure_file(tmp_path / NAME)
    (s,) = p.sources
    assert (s.what, s.checked, s.note) == (["limit", "steps"], dt.date(2026, 12, 1), None)
    assert s.url == "https://dichvucong.example.gov.vn/tt?id=1"
    assert s.text == "Cổng DVC tỉnh X, thủ tục thử"
    assert s.labels == ["Thời hạn giải quyết", "Trình tự các bước"]
    assert p.checked_on == dt.date(2026, 12, 1)  # the later of the source and verified_on
    assert p.source_summary == s.cite
    assert p.code_kind == "local"


# (case id, file content, expected path, expected line, a piece of the Vietnamese problem)
CASES: list[tuple[str, str, str, int, str]] = [
    (
        "code_kind_missing",
        edit(SOURCED, ("code_kind: local\n", "")),
        "code_kind",
        1,
        "Thiếu «code_kind»: national (mã TTHC quốc gia, có nguồn) hoặc local",
    ),
    (
        "code_kind_unknown",
        edit(SOURCED, ("code_kind: local", "code_kind: tinh")),
        "code_kind",
        30,
        "Giá trị «tinh» không hợp lệ; chỉ được là: 'national'",
    ),
    (
        "national_code_badly_shaped",
        edit(SOURCED, ("code_kind: local", "code_kind: national")),
        "code",
        1,
        "Mã TTHC quốc gia có dạng d.dddddd",
    ),
    (
        "local_code_looks_national",
        edit(SOURCED, ('code: "T.001"', 'code: "2.002131"')),
        "code_kind",
        30,
        "có dạng mã quốc gia: đặt code_kind: national",
    ),
    (
        "free_text_source",
        SOURCED + 'source: "https://example.gov.vn"\n',
        "source",
        35,
        "«source» (một dòng chữ) đã thay bằng danh sách «sources»",
    ),
    (
        "needs_recheck_bare_true",
        SOURCED + "needs_recheck: true\n",
        "needs_recheck",
        35,
        "không nói điều gì chưa xác minh",
    ),
    (
        "needs_recheck_blank_sentence",
        SOURCED + 'needs_recheck: ["  "]\n',
        "needs_recheck[0]",
        35,
        "Ghi rõ điều gì chưa xác minh",
    ),
    (
        "needs_recheck_unknown_value",
        SOURCED + "needs_recheck:\n  - phi: Mức phí chưa đọc được.\n",
        "needs_recheck[0].phi",
        36,
        "«phi» không phải giá trị của thủ tục",
    ),
    (
        "needs_recheck_two_values_in_one_line",
        SOURCED + "needs_recheck:\n  - {fee: Mức phí., limit: Thời hạn.}\n",
        "needs_recheck[0]",
        36,
        "chỉ ghi một giá trị",
    ),
    (
        "needs_recheck_value_without_reason",
        SOURCED + 'needs_recheck:\n  - fee: ""\n',
        "needs_recheck[0].fee",
        36,
        "không để trống",
    ),
    (
        "source_what_unknown",
        edit(SOURCED, ("what: [limit, steps]", "what: [limit, buoc]")),
        "sources[0].what[1]",
        32,
        "Giá trị «buoc» không hợp lệ",
    ),
    (
        "source_what_empty",
        edit(SOURCED, ("what: [limit, steps]", "what: []")),
        "sources[0].what",
        32,
        "Ghi ít nhất một giá trị mà nguồn này xác nhận",
    ),
    (
        "source_what_repeated",
        edit(SOURCED, ("what: [limit, steps]", "what: [limit, limit]")),
        "sources[0].what[1]",
        32,
        "«limit» bị lặp trong «what»",
    ),
    (
        "source_cite_blank",
        edit(
            SOURCED,
            (
                'cite: "Cổng DVC tỉnh X, thủ tục thử — https://dichvucong.example.gov.vn/tt?id=1"',
                'cite: " "',
            ),
        ),
        "sources[0].cite",
        33,
        "Không được để trống",
    ),
    (
        "source_cite_missing",
        edit(
            SOURCED,
            (
                '    cite: "Cổng DVC tỉnh X, thủ tục thử — https://dichvucong.example.gov.vn/tt?id=1"\n',
                "",
            ),
        ),
        "sources[0].cite",
        32,
        "Thiếu trường bắt buộc «cite»",
    ),
    (
        "source_checked_missing",
        edit(SOURCED, ("    checked: 2026-12-01\n", "")),
        "sources[0].checked",
        32,
        "Thiếu trường bắt buộc «checked»",
    ),
    (
        "source_checked_not_a_date",
        edit(SOURCED, ("checked: 2026-12-01", "checked: 01/12/2026")),
        "sources[0].checked",
        34,
        "Ngày «01/12/2026» không hợp lệ; viết theo dạng YYYY-MM-DD",
    ),
    (
        "source_checked_in_the_future",
        edit(SOURCED, ("checked: 2026-12-01", "checked: 2999-01-01")),
        "sources[0].checked",
        34,
        "ở tương lai",
    ),
    (
        "source_key_typo",
        edit(SOURCED, ("    checked: 2026-12-01\n", "    checked: 2026-12-01\n    nte: x\n")),
        "sources[0].nte",
        35,
        "Có phải là «note»?",
    ),
    (
        "team_note_in_a_source",
        edit(SOURCED, ("Cổng DVC tỉnh X, thủ tục thử", "domain-vn.md §7 dòng 3")),
        "sources[0].cite",
        33,
        "Không dẫn ghi chú nội bộ của nhóm",
    ),
    (
        "team_note_in_guidance",
        edit(
            SOURCED, ("  received: Kiểm tra đơn.", "  received: Kiểm tra đơn (domain-vn.md §6.1).")
        ),
        "guidance.received",
        26,
        "Không dẫn ghi chú nội bộ của nhóm",
    ),
]


@pytest.mark.parametrize(
    ("text", "path", "line", "piece"),
    [pytest.param(t, p, n, m, id=i) for i, t, p, n, m in CASES],
)
def test_each_sources_problem_names_file_field_and_line(
    tmp_path: Path, text: str, path: str, line: int, piece: str
) -> None:
    found = problems(tmp_path, text)
    assert any(p == path and n == line and piece in m for p, n, m in found), found
    with pytest.raises(ProcedureErrors) as info:
        load_procedure_file(tmp_path / NAME)
    assert f"{tmp_path / NAME}:{line} [{path}]: " in str(info.value)


def test_an_old_format_file_is_refused_with_every_change_to_make(tmp_path: Path) -> None:
    """The format before sources (no code_kind, a free-text source, a bare flag, a team note) is
    refused in one run that lists each change; a stored version of that format still rebuilds."""
    old = (
        edit(BASE, ("code_kind: local\n", "")) + 'source: "domain-vn.md §7"\nneeds_recheck: true\n'
    )
    found = problems(tmp_path, old)
    assert [(p, n) for p, n, _ in found] == [
        ("code_kind", 1),
        ("source", 30),
        ("needs_recheck", 31),
        ("source", 30),
    ]
    assert "ghi chú nội bộ" in found[-1][2]
    stored = load_procedure_file(put(tmp_path, BASE)).model_dump(mode="json", by_alias=True)
    for key in ("code_kind", "sources", "changes", "replaces"):
        stored.pop(key)
    rebuilt = Procedure.model_validate({**stored, "source": "x", "needs_recheck": True})
    assert (rebuilt.needs_recheck, rebuilt.code_kind, rebuilt.source_summary) == (True, None, "x")


def test_needs_recheck_reads_a_sentence_a_list_and_named_gaps(tmp_path: Path) -> None:
    text = SOURCED + "needs_recheck: Mức phí 2026 chưa đọc được.\n"
    assert load_procedure_file(put(tmp_path, text)).needs_recheck == ["Mức phí 2026 chưa đọc được."]
    text = SOURCED + "needs_recheck:\n  - fee: Mức phí chưa đọc được.\n  - Một việc khác.\n"
    p = load_procedure_file(put(tmp_path, text))
    assert p.recheck == [("Phí, lệ phí", "Mức phí chưa đọc được."), (None, "Một việc khác.")]
    # a stored version from before keeps its plain flag, and says so when shown
    assert recheck_lines(True) == [(None, "Một số thông tin cần đối chiếu lại (chưa ghi cụ thể).")]
    assert recheck_lines(False) == []


def test_values_without_a_source_are_warnings_naming_each_value(tmp_path: Path) -> None:
    # sourced format (code_kind given), but no sources at all
    _, warnings = check_procedure_file(put(tmp_path, BASE))
    # local code: no source needed; no fee stated: none needed; documents and steps and limit are
    assert [w.problem.split("»")[0].lstrip("«") for w in warnings] == [
        "Thời hạn giải quyết",
        "Thành phần hồ sơ",
        "Trình tự các bước",
    ]
    assert all((w.path, w.line) == ("sources", 1) for w in warnings)
    assert "thêm một mục sources có «what: limit»" in warnings[0].problem
    assert "needs_recheck («- limit: …»)" in warnings[0].problem
    # a source or a named gap silences each
    named = BASE + SOURCES + "needs_recheck:\n  - documents: Danh mục chưa đọc được.\n"
    assert check_procedure_file(put(tmp_path, named))[1] == []


def test_a_national_code_and_a_stated_fee_need_a_source() -> None:
    p = Procedure.model_validate(
        {
            **load_procedure_file(WORKFLOWS / "x_quang_khai_bao.yaml").model_dump(),
            "sources": [],
            "needs_recheck": False,
        }
    )
    assert [loc for loc, _ in unsourced(p)] == [("sources",)] * 5
    assert set(WHAT_LABELS) >= {"code", "limit", "fee", "documents", "steps"}


def test_a_new_version_without_changes_is_a_warning(tmp_path: Path) -> None:
    text = (
        edit(SOURCED, ("version: 1", "version: 2")) + "needs_recheck:\n  - documents: Chưa đọc.\n"
    )
    _, warnings = check_procedure_file(put(tmp_path, text))
    assert [(w.path, w.line) for w in warnings] == [("version", 2)]
    assert "chưa có «changes»" in warnings[0].problem
    changed = text + "changes: Sửa thời hạn theo quyết định mới.\n"
    assert check_procedure_file(put(tmp_path, changed))[1] == []


def test_shipped_files_cite_no_team_notes() -> None:
    for path in [*sorted(WORKFLOWS.glob("*.yaml")), *sorted((WORKFLOWS / "common").glob("*.yaml"))]:
        assert "domain-vn" not in path.read_text(encoding="utf-8"), path.name


def test_check_cli_warns_and_strict_fails(tmp_path: Path) -> None:
    put(tmp_path, BASE)
    result = CliRunner().invoke(workflows_app, ["check", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("T.001\tv1\t")
    assert (
        f"Cảnh báo: {tmp_path / NAME}:1 [sources]: «Thời hạn giải quyết» (limit)" in result.stderr
    )
    assert "3 cảnh báo: giá trị chưa có nguồn" in result.stderr
    strict = CliRunner().invoke(workflows_app, ["check", "--strict", str(tmp_path)])
    assert strict.exit_code == 1
    assert "3 cảnh báo" in strict.stderr
    put(tmp_path, SOURCED + "needs_recheck:\n  - documents: Chưa đọc.\n")
    clean = CliRunner().invoke(workflows_app, ["check", "--strict", str(tmp_path)])
    assert clean.exit_code == 0, clean.stderr
    assert "Cảnh báo" not in clean.stderr


def test_every_shipped_value_is_sourced_or_its_gap_named() -> None:
    """`casework workflows check --strict` passes on the shipped library (issue 18's «done»)."""
    procedures, warnings = check_directory(WORKFLOWS)
    assert [w.message for w in warnings] == []
    assert all(p.code_kind and p.sources and p.changes for p in procedures)
    result = CliRunner().invoke(workflows_app, ["check", "--strict", str(WORKFLOWS)])
    assert result.exit_code == 0, result.stderr


def test_an_old_code_finds_the_procedure_that_replaced_it(tmp_path: Path) -> None:
    """The certificate's local code KHCN-BX-CCNV became 2.002379: links and look-ups by the old
    code (a dossier opened before, a question) find the new procedure."""
    from casework.procedures import ProcedureRegistry

    registry = ProcedureRegistry.from_directory(WORKFLOWS)
    assert registry.get("KHCN-BX-CCNV").code == "2.002379"
    assert registry.get("KHCN-HDKH-DNKHCN-TD").code == "1.014446"
    assert "KHCN-BX-CCNV" in registry
    assert "KHCN-BX-CCNV" not in {p.code for p in registry.all()}
    # an old code that is still a code in use is refused, at its line
    put(tmp_path, SOURCED)
    (tmp_path / "b.yaml").write_text(
        edit(SOURCED, ('code: "T.001"', 'code: "T.002"')) + "replaces: [T.001]\n", encoding="utf-8"
    )
    with pytest.raises(ProcedureErrors) as info:
        check_directory(tmp_path)
    assert f"{tmp_path / 'b.yaml'}:35 [replaces[0]]: «T.001» là mã của thủ tục trong" in str(
        info.value
    )
