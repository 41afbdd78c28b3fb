"""What a procedure's kind forbids, checked when its file is loaded: an inspection has no
applicant, so it includes no one-stop part (refuse_at_reception, withdraw, stop, extend) and prints
no slip addressed to an applicant; an application does not include an inspection's part. Each
refusal names the file, the field and its line, in Vietnamese. A stored older definition that
breaks the rule is still rebuilt (dossiers opened on it keep working)."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.procedures import Procedure, load_directory, load_procedure_file
from casework.procedures.schema import APPLICANT_SLIPS, ONE_STOP_PARTS
from tests.procedures.support import WORKFLOWS, edit, errors_of, write_workdir

# Line numbers matter: the tests point at them.
INSPECTION = """\
code: "XA-THU"
version: 1
name: Kiểm tra thử
level: commune
kind: inspection
field: Đo lường
legal_basis: [Luật Đo lường 2011]
limit: {value: 5, unit: working_days}
include: [cancel_inspection]
states:
  decision: {label: Ra quyết định, national_status: 2, roles: [leader], allot: 1, initial: true}
  inspecting: {label: Kiểm tra, national_status: 4, roles: [handler], allot: 3}
  closed: {label: Kết thúc, national_status: 10, final: true, outcome: closed}
transitions:
  - {action: issue_decision, label: Ký quyết định, from: decision, to: inspecting, slip: inspection_decision}
  - {action: send_report, label: Gửi báo cáo, from: inspecting, to: closed, slip: inspection_report}
code_kind: local
"""  # noqa: E501
NAME = "kiem_tra_thu.yaml"


def _load(tmp_path: Path, text: str) -> Procedure:
    return load_procedure_file(write_workdir(tmp_path, {NAME: text}) / NAME)


def test_an_inspection_stops_with_its_own_part(tmp_path: Path) -> None:
    p = _load(tmp_path, INSPECTION)
    t = p.transition("inspecting", "cancel_inspection")
    assert t is not None
    assert (t.label, t.target, t.roles, t.requires, t.slip) == (
        "Dừng cuộc kiểm tra", "cancelled", ["leader"], ["reason"], None,
    )  # fmt: skip
    assert p.transition("decision", "cancel_inspection") is not None  # before the decision too
    assert p.states["cancelled"].final and p.states["cancelled"].outcome == "cancelled"


@pytest.mark.parametrize("part", sorted(ONE_STOP_PARTS))
def test_an_inspection_including_a_one_stop_part_is_refused(tmp_path: Path, part: str) -> None:
    text = edit(
        INSPECTION, ("include: [cancel_inspection]", f"include: [cancel_inspection, {part}]")
    )
    path = write_workdir(tmp_path, {NAME: text}) / NAME
    errors = errors_of(path)
    assert len(errors) == 1, errors  # one mistake, one message (not one per added transition)
    (error,) = errors
    assert (error.file, error.path, error.line) == (str(path), "include[1]", 9)
    assert f"không dùng phần dùng chung «{part}»" in error.problem
    assert "Thủ tục kiểm tra (kind: inspection)" in error.problem
    assert "cancel_inspection" in error.problem
    assert f"{path}:9 [include[1]]:" in str(error)


@pytest.mark.parametrize("slip", APPLICANT_SLIPS)
def test_an_inspection_printing_an_applicants_slip_is_refused(tmp_path: Path, slip: str) -> None:
    text = edit(INSPECTION, ("to: closed, slip: inspection_report", f"to: closed, slip: {slip}"))
    path = write_workdir(tmp_path, {NAME: text}) / NAME
    (error,) = errors_of(path)
    assert (error.path, error.line) == ("transitions[1].slip", 16)
    assert f"không in «{slip}»" in error.problem and "gửi người nộp" in error.problem


def test_a_part_that_prints_an_applicants_slip_is_refused_in_the_part_file(
    tmp_path: Path,
) -> None:
    part = """\
part: nhac_nho
transitions:
  - {action: remind, label: Nhắc, from: "@active", to: "@same", roles: [handler], slip: receipt}
"""
    text = edit(
        INSPECTION, ("include: [cancel_inspection]", "include: [cancel_inspection, nhac_nho]")
    )
    workdir = write_workdir(tmp_path, {NAME: text, "common/nhac_nho.yaml": part})
    (error,) = errors_of(workdir / NAME)  # once, though the part adds it to two steps
    assert error.file == str(workdir / "common" / "nhac_nho.yaml")
    assert (error.path, error.line) == ("transitions[0].slip", 3)
    assert "không in «receipt»" in error.problem


def test_an_application_does_not_include_the_inspections_part(tmp_path: Path) -> None:
    from tests.procedures.support import BASE

    text = edit(BASE, ("clock_starts: on_valid_dossier\n",
                       "clock_starts: on_valid_dossier\ninclude: [cancel_inspection]\n"))  # fmt: skip
    path = write_workdir(tmp_path, {"thu_tuc.yaml": text}) / "thu_tuc.yaml"
    (error,) = errors_of(path)
    assert (error.path, error.line) == ("include[0]", 10)
    assert "chỉ dùng cho thủ tục kiểm tra" in error.problem


def test_shipped_inspections_keep_to_their_kind() -> None:
    inspections = [p for p in load_directory(WORKFLOWS) if p.kind == "inspection"]
    assert {p.code for p in inspections} == {"XA-DL-KTNN", "XA-DL-HDGS", "XA-CL-HHLT"}
    for p in inspections:
        assert not {"stop", "extend", "withdraw", "refuse_reception"} & set(p.actions), p.code
        assert not {t.slip for t in p.transitions} & set(APPLICANT_SLIPS), p.code
        assert "cancel_inspection" in p.actions and p.version >= 2


def test_a_stored_older_inspection_with_stop_is_still_rebuilt(tmp_path: Path) -> None:
    """Dossiers opened on version 1 (stop, extend) keep their definition: the kind's check runs
    on files only; firing those actions is refused by the inspection rules instead."""
    text = edit(INSPECTION, ("include: [cancel_inspection]", "include: [stop, extend]"))
    path = write_workdir(tmp_path / "v1", {NAME: text}) / NAME
    assert errors_of(path)
    stored = _load(tmp_path / "v2", INSPECTION).model_dump(mode="json", by_alias=True)
    stored["transitions"].append(
        {"action": "stop", "label": "Dừng giải quyết hồ sơ", "from": ["inspecting"],
         "to": "cancelled", "roles": ["leader"], "requires": ["reason"], "slip": "stop_notice"}
    )  # fmt: skip
    rebuilt = Procedure.model_validate(stored)
    assert rebuilt.transition("inspecting", "stop") is not None
