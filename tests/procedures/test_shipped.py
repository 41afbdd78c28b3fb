"""The shipped procedures load, and `casework workflows check` says so."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casework.procedures import Procedure, load_directory, load_procedure_file
from casework.procedures.cli import workflows_app
from casework.procedures.loader import procedure_files
from tests.procedures.support import BASE, WORKFLOWS, edit, write_workdir

#: Procedures whose file these tests pin by name; the library holds many more (issue C: ≥ 15).
SHIPPED = {
    "2.002131": "x_quang_khai_bao.yaml",
    "KHCN-TDC-DDL": "dau_dinh_luong_cong_bo.yaml",
    "XA-DL-KTNN": "kiem_tra_do_luong_xa.yaml",
}
LIBRARY_MINIMUM = 15


@pytest.fixture(scope="module")
def shipped() -> dict[str, Procedure]:
    return {p.code: p for p in load_directory(WORKFLOWS)}


def test_every_shipped_file_loads(shipped: dict[str, Procedure]) -> None:
    assert set(SHIPPED) <= set(shipped)
    assert len(shipped) == len(procedure_files(WORKFLOWS)) >= LIBRARY_MINIMUM
    assert {p.level for p in shipped.values()} == {"commune", "province"}  # both tiers
    for code, file in SHIPPED.items():
        assert load_procedure_file(WORKFLOWS / file) == shipped[code]


@pytest.mark.parametrize("code", sorted(SHIPPED))
def test_shipped_procedure_is_sound(shipped: dict[str, Procedure], code: str) -> None:
    p = shipped[code]
    assert p.include == []
    assert p.legal_basis
    # public sources with the day they were read; a free-text `source:` is gone from the files
    assert p.sources and p.source is None and p.verified_on is None
    assert p.checked_on is not None and p.code_kind in ("national", "local")
    if p.limit.unit == "working_days":
        assert sum(s.allot or 0 for s in p.states.values()) <= p.limit.value
    for sid, state in p.states.items():
        if not state.final:
            assert p.transitions_from(sid), sid
            assert sid in p.guidance, f"{code}: no guidance for {sid}"
    for t in p.transitions:
        assert t.roles
        assert set(t.roles) <= {"receiver", "handler", "leader"}
        for key in t.requires:
            assert p.field_spec(key).label
    cls = p.machine_class()
    assert cls is p.machine_class()  # cached per instance
    assert {s.value for s in cls.states} == set(p.states)


def test_facts_of_shipped_procedures(shipped: dict[str, Procedure]) -> None:
    xray = shipped["2.002131"]
    assert (xray.level, xray.kind, xray.limit.value, xray.limit.unit) == (
        "province",
        "application",
        5,
        "working_days",
    )
    assert xray.fee is not None
    assert xray.fee.amount_vnd == 0
    ddl = shipped["KHCN-TDC-DDL"]
    assert ddl.needs_recheck
    assert ddl.level == "province"
    inspection = shipped["XA-DL-KTNN"]
    assert (inspection.level, inspection.kind, bool(inspection.needs_recheck)) == (
        "commune",
        "inspection",
        True,
    )
    # Nothing of the one-stop desk: the leader stops an inspection with its own action.
    assert not {"withdraw", "refuse_reception", "stop", "extend"} & set(inspection.actions)
    assert "cancel_inspection" in inspection.actions
    slips = {t.slip for t in inspection.transitions}
    assert {"inspection_decision", "inspection_record", "inspection_report"} <= slips


def test_check_cli_lists_each_procedure() -> None:
    result = CliRunner().invoke(workflows_app, ["check", str(WORKFLOWS)])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(procedure_files(WORKFLOWS))
    assert next(line for line in lines if line.startswith("2.002131")).split("\t") == [
        "2.002131",
        "v4",
        "11 bước",
        "13 thao tác",
        "Khai báo thiết bị X-quang chẩn đoán y tế, thiết bị chụp cắt lớp vi tính tích hợp với PET "
        "(PET/CT), SPECT (SPECT/CT), sử dụng thiết bị phát tia X (trừ thiết bị chụp ảnh phóng xạ "
        "công nghiệp)",
    ]
    codes = [line.split("\t")[0] for line in lines]
    assert codes == sorted(codes)
    assert set(SHIPPED) <= set(codes)


def test_check_cli_defaults_to_the_settings_directory() -> None:
    result = CliRunner().invoke(workflows_app, ["check"])
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(procedure_files(WORKFLOWS))


def test_check_cli_accepts_single_files() -> None:
    path = WORKFLOWS / SHIPPED["XA-DL-KTNN"]
    result = CliRunner().invoke(workflows_app, ["check", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"XA-DL-KTNN\tv{load_procedure_file(path).version}\t")


def test_check_cli_bad_directory_exits_1_naming_file_and_line(tmp_path: Path) -> None:
    shutil.copy(WORKFLOWS / SHIPPED["2.002131"], tmp_path / SHIPPED["2.002131"])
    bad = edit(BASE, ("from: received, to: reviewing,", "from: received, to: reviewng,"))
    write_workdir(tmp_path, {"bad.yaml": bad})
    result = CliRunner().invoke(workflows_app, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{tmp_path / 'bad.yaml'}:21 [transitions[0].to]: " in result.stderr
    assert "1 lỗi" in result.stderr


def test_diagram_cli_prints_mermaid() -> None:
    result = CliRunner().invoke(workflows_app, ["diagram", "2.002131", "--format", "mermaid"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("stateDiagram-v2")
    assert "received --> reviewing : Tiếp nhận hồ sơ" in result.stdout
    assert "reviewing --> reviewing : Xin lỗi và gia hạn" in result.stdout


def test_diagram_cli_unknown_code() -> None:
    result = CliRunner().invoke(workflows_app, ["diagram", "9.999999"])
    assert result.exit_code == 1
    assert "Không tìm thấy thủ tục có mã «9.999999»" in result.stderr
