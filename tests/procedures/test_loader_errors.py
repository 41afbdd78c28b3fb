"""Every kind of bad procedure file is refused with the file, the field path and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.errors import ProcedureErrors, ProcedureFileError
from casework.procedures import load_directory, load_parts, load_procedure_file
from tests.procedures.support import BASE, edit, errors_of, write_workdir

NAME = "thu_tuc.yaml"

# (case id, file content, expected path, expected line, a piece of the Vietnamese problem)
CASES: list[tuple[str, str | bytes, str, int | None, str]] = [
    (
        "yaml_syntax",
        edit(BASE, ("  reviewing: {label", "    reviewing: {label")),
        "",
        17,
        "Lỗi cú pháp YAML",
    ),
    (
        "yaml_unclosed_flow",
        edit(BASE, ("{value: 5, unit: working_days}", "{value: 5, unit: working_days")),
        "",
        9,
        "Lỗi cú pháp YAML",
    ),
    ("empty_file", "", "", None, "Tệp rỗng"),
    ("comments_only", "# chỉ có chú thích\n", "", None, "Tệp rỗng"),
    ("top_level_list", "- code: x\n- name: y\n", "", 1, "bảng"),
    ("top_level_scalar", "chỉ một dòng chữ\n", "", 1, "bảng"),
    (
        "duplicate_key",
        edit(
            BASE,
            (
                "  waiting: {label",
                "  reviewing: {label: Lặp, national_status: 4}\n  waiting: {label",
            ),
        ),
        "",
        18,
        "«reviewing» xuất hiện hai lần (lần đầu ở dòng 17)",
    ),
    (
        "duplicate_key_nested",
        edit(BASE, ("national_status: 5,", "national_status: 5, national_status: 6,")),
        "",
        18,
        "national_status",
    ),
    (
        "non_utf8",
        BASE.replace("Thẩm định", "Tham dinh").encode("utf-8").replace(b"Tham dinh", b"Th\xe2m"),
        "",
        17,
        "UTF-8",
    ),
    (
        "python_tag",
        edit(BASE, ("name: Thủ tục thử", 'name: !!python/object/apply:os.system ["ls"]')),
        "",
        3,
        "không được phép",
    ),
    ("missing_name", edit(BASE, ("name: Thủ tục thử\n", "")), "name", 1, "Thiếu trường bắt buộc"),
    ("version_not_int", edit(BASE, ("version: 1", "version: abc")), "version", 2, "số nguyên"),
    ("version_zero", edit(BASE, ("version: 1", "version: 0")), "version", 2, "lớn hơn hoặc bằng 1"),
    (
        "code_unquoted_number",
        edit(BASE, ('code: "T.001"', "code: 2.002131")),
        "code",
        1,
        "ngoặc kép",
    ),
    (
        "unknown_key_typo",
        edit(BASE, ("  reviewing: {label: Thẩm định,", "  reviewing: {lable: Thẩm định,")),
        "states.reviewing.lable",
        17,
        "Có phải là «label»?",
    ),
    (
        "unknown_top_key",
        edit(BASE, ("verified_on:", "verifed_on:")),
        "verifed_on",
        29,
        "không có trong định dạng",
    ),
    (
        "unknown_state_to",
        edit(BASE, ("from: received, to: reviewing,", "from: received, to: reviewng,")),
        "transitions[0].to",
        21,
        "«reviewng» không tồn tại",
    ),
    (
        "unknown_state_from",
        edit(BASE, ("from: waiting, to: reviewing}", "from: [waiting, wating], to: reviewing}")),
        "transitions[2].from[1]",
        23,
        "«wating» không tồn tại",
    ),
    (
        "no_initial",
        edit(BASE, (", allot: 1, initial: true}", ", allot: 1}")),
        "states",
        15,
        "Chưa có bước khởi đầu",
    ),
    (
        "two_initials",
        edit(BASE, ("roles: [handler], allot: 3}", "roles: [handler], allot: 3, initial: true}")),
        "states.reviewing.initial",
        17,
        "Chỉ được một bước khởi đầu",
    ),
    (
        "unreachable_state",
        edit(
            BASE,
            (
                "  done: {label",
                "  orphan: {label: Mồ côi, national_status: 4, roles: [handler]}\n  done: {label",
            ),
            (
                "guidance:",
                "  - {action: drop, label: Bỏ, from: orphan, to: done}\nguidance:",
            ),
        ),
        "states.orphan",
        19,
        "Không có thao tác nào dẫn tới bước «orphan»",
    ),
    (
        "no_way_out",
        edit(
            BASE,
            (
                "  done: {label",
                "  stuck: {label: Kẹt, national_status: 4, roles: [handler]}\n  done: {label",
            ),
            (
                "guidance:",
                "  - {action: park, label: Để đó, from: reviewing, to: stuck}\nguidance:",
            ),
        ),
        "states.stuck",
        19,
        "không có thao tác nào đi ra",
    ),
    (
        "no_final_state",
        edit(BASE, ("national_status: 10, final: true, outcome: issued}", "national_status: 10}")),
        "states",
        15,
        "Chưa có bước kết thúc",
    ),
    (
        "no_final_reachable",
        edit(BASE, ("from: reviewing, to: done,", "from: reviewing, to: waiting,")),
        "states.received",
        16,
        "không có đường nào tới một bước kết thúc",
    ),
    (
        "final_with_outgoing",
        edit(
            BASE,
            (
                "guidance:",
                "  - {action: reopen, label: Mở lại, from: done, to: reviewing}\nguidance:",
            ),
        ),
        "transitions[4].from[0]",
        25,
        "bước kết thúc, không được có thao tác đi ra",
    ),
    (
        "unknown_role",
        edit(BASE, ("roles: [receiver], allot: 1", "roles: [boss], allot: 1")),
        "states.received.roles[0]",
        16,
        "«boss» không tồn tại. Chỉ được dùng: receiver, handler, leader",
    ),
    (
        "non_acting_role",
        edit(
            BASE, ("roles: [handler], requires: [so_giay]", "roles: [mentor], requires: [so_giay]")
        ),
        "transitions[3].roles[0]",
        24,
        "«mentor» không thao tác trên hồ sơ. Chỉ được dùng: receiver, handler, leader",
    ),
    (
        "role_alias_non_acting",
        edit(BASE, ("roles: [receiver], allot: 1", "role: auditor, allot: 1")),
        "states.received.roles[0]",
        16,
        "«auditor» không thao tác",
    ),
    (
        "role_and_roles",
        edit(BASE, ("roles: [receiver], allot: 1", "role: receiver, roles: [receiver], allot: 1")),
        "states.received.role",
        16,
        "Chỉ dùng một trong hai",
    ),
    (
        "roles_cannot_default",
        edit(
            BASE,
            (
                "national_status: 5, roles: [receiver], clock: paused",
                "national_status: 5, clock: paused",
            ),
        ),
        "transitions[2]",
        23,
        "Không xác định được ai làm thao tác này",
    ),
    (
        "same_action_twice_from_state",
        edit(
            BASE,
            (
                "guidance:",
                "  - {action: accept, label: Tiếp nhận, from: received, to: waiting}\nguidance:",
            ),
        ),
        "transitions[4].from[0]",
        25,
        "«accept» từ bước «received» đã có ở transitions[0]",
    ),
    (
        "same_action_different_label",
        edit(
            BASE,
            ("guidance:", "  - {action: accept, label: Nhận, from: waiting, to: done}\nguidance:"),
        ),
        "transitions[4].label",
        25,
        "cùng một thao tác phải cùng nhãn",
    ),
    (
        "action_named_like_state",
        edit(BASE, ("{action: resume,", "{action: waiting,")),
        "transitions[2].action",
        23,
        "trùng mã với một bước",
    ),
    (
        "bad_limit_unit",
        edit(BASE, ("unit: working_days}", "unit: weeks}")),
        "limit.unit",
        8,
        "«weeks» không hợp lệ",
    ),
    (
        "national_status_out_of_range",
        edit(BASE, ("national_status: 10,", "national_status: 11,")),
        "states.done.national_status",
        19,
        "nhỏ hơn hoặc bằng 10",
    ),
    (
        "missing_label",
        edit(BASE, ("  reviewing: {label: Thẩm định, ", "  reviewing: {")),
        "states.reviewing.label",
        17,
        "Thiếu trường bắt buộc «label»",
    ),
    (
        "blank_transition_label",
        edit(BASE, ("label: Nhận bổ sung,", 'label: " ",')),
        "transitions[2].label",
        23,
        "Không được để trống",
    ),
    (
        "requires_unknown_field",
        edit(BASE, ("requires: [so_giay]", "requires: [so_giay_x]")),
        "transitions[3].requires[0]",
        24,
        "Trường «so_giay_x» không có",
    ),
    (
        "guidance_unknown_state",
        edit(BASE, ("  received: Kiểm tra đơn.", "  recieved: Kiểm tra đơn.")),
        "guidance.recieved",
        26,
        "«recieved» không tồn tại",
    ),
    (
        "checklist_unknown_state",
        edit(BASE, ("  reviewing: [Đủ giấy tờ]", "  reviewng: [Đủ giấy tờ]")),
        "checklists.reviewng",
        28,
        "«reviewng» không tồn tại",
    ),
    (
        "include_unknown_part",
        edit(BASE, ("states:", "include: [withdraw, withdrawl]\nstates:")),
        "include[1]",
        15,
        "Không có phần dùng chung «withdrawl»",
    ),
    (
        "part_state_collides",
        edit(
            BASE,
            ("states:", "include: [withdraw]\nstates:"),
            (
                "  done: {label",
                "  withdrawn: {label: Rút, national_status: 7, final: true}\n  done: {label",
            ),
        ),
        "states.withdrawn",
        20,
        "trùng với bước của phần dùng chung «withdraw»",
    ),
    (
        "allot_on_paused",
        edit(
            BASE,
            ("roles: [receiver], clock: paused}", "roles: [receiver], clock: paused, allot: 1}"),
        ),
        "states.waiting.allot",
        18,
        "clock: paused",
    ),
    (
        "allot_sum_over_limit",
        edit(BASE, ("roles: [handler], allot: 3}", "roles: [handler], allot: 4.5}")),
        "limit.value",
        8,
        "allot = 5.5 ngày làm việc) vượt thời hạn 5",
    ),
    (
        "duplicate_document_key",
        edit(BASE, ("{key: ban_sao,", "{key: don,")),
        "documents[1].key",
        12,
        "«don» bị trùng với documents[0]",
    ),
    (
        "unknown_slip",
        edit(BASE, ("slip: receipt}", "slip: receipts}")),
        "transitions[0].slip",
        21,
        "«receipts» không hợp lệ",
    ),
    (
        "bad_verified_on_date",
        edit(BASE, ("verified_on: 2026-11-22", "verified_on: 2026-13-45")),
        "verified_on",
        29,
        "YYYY-MM-DD",
    ),
    (
        "verified_on_vietnamese_order",
        edit(BASE, ("verified_on: 2026-11-22", "verified_on: 22/11/2026")),
        "verified_on",
        29,
        "YYYY-MM-DD",
    ),
    (
        "selector_outside_part",
        edit(BASE, ("from: waiting, to: reviewing}", 'from: "@active", to: reviewing}')),
        "transitions[2].from[0]",
        23,
        "chỉ dùng trong phần dùng chung",
    ),
    (
        "bad_state_id",
        edit(BASE, ("  waiting: {", "  Waiting-Room: {"), ("to: waiting,", "to: Waiting-Room,")),
        "states.Waiting-Room",
        18,
        "Mã bước «Waiting-Room» không hợp lệ",
    ),
    (
        "choice_without_choices",
        edit(BASE, ("type: text}", "type: choice}")),
        "fields.so_giay.choices",
        14,
        "choices",
    ),
    (
        "missing_documents_without_documents",
        edit(
            BASE,
            ("  - {key: don, name: Đơn đề nghị, required: true}\n", ""),
            ("  - {key: ban_sao, name: Bản sao, required: false}\n", ""),
            ("documents:\n", "documents: []\n"),
        ),
        "transitions[1].requires[1]",
        20,
        "cần danh sách «documents»",
    ),
    (
        "fee_start_without_a_starting_action",
        edit(BASE, ("clock_starts: on_valid_dossier", "clock_starts: on_fee_paid")),
        "clock_starts",
        9,
        "starts_clock: true",
    ),
    (
        "starts_clock_on_a_valid_dossier_procedure",
        edit(BASE, ("slip: receipt}", "slip: receipt, starts_clock: true}")),
        "transitions[0].starts_clock",
        21,
        "chỉ dùng khi «clock_starts: on_fee_paid»",
    ),
    (
        "clock_basis_on_a_running_state",
        edit(
            BASE, ("roles: [handler], allot: 3}", "roles: [handler], allot: 3, clock_basis: Luật}")
        ),
        "states.reviewing.clock_basis",
        17,
        "chỉ dùng cho bước «clock: paused»",
    ),
]


@pytest.mark.parametrize(
    ("content", "path", "line", "problem"),
    [pytest.param(c, p, ln, pr, id=i) for i, c, p, ln, pr in CASES],
)
def test_bad_file_is_refused_with_file_path_and_line(
    tmp_path: Path, content: str | bytes, path: str, line: int | None, problem: str
) -> None:
    workdir = write_workdir(tmp_path, {NAME: content})
    errors = errors_of(workdir / NAME)
    assert all(isinstance(e, ProcedureFileError) for e in errors)
    assert all(e.file == str(workdir / NAME) for e in errors), [e.message for e in errors]
    found = [e for e in errors if e.path == path and e.line == line and problem in e.problem]
    assert found, "\n".join(e.message for e in errors)


def test_base_fixture_is_valid(tmp_path: Path) -> None:
    workdir = write_workdir(tmp_path, {NAME: BASE})
    proc = load_procedure_file(workdir / NAME)
    assert proc.code == "T.001"
    # roles default to the roles of the source state
    assert proc.transition("received", "accept") is not None
    assert proc.transition("received", "accept").roles == ["receiver"]  # type: ignore[union-attr]


def test_error_message_reads_file_line_path_problem(tmp_path: Path) -> None:
    workdir = write_workdir(
        tmp_path, {NAME: edit(BASE, ("from: received, to: reviewing,", "from: received, to: x,"))}
    )
    err = errors_of(workdir / NAME)[0]
    assert err.message.startswith(f"{workdir / NAME}:21 [transitions[0].to]: ")


def test_several_errors_in_one_file_are_all_reported(tmp_path: Path) -> None:
    text = edit(
        BASE,
        ("version: 1", "version: abc"),
        ("unit: working_days}", "unit: weeks}"),
        ("slip: receipt}", "slip: nope}"),
    )
    workdir = write_workdir(tmp_path, {NAME: text})
    paths = {e.path for e in errors_of(workdir / NAME)}
    assert {"version", "limit.unit", "transitions[0].slip"} <= paths


def _line_with(path: Path, snippet: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, text in enumerate(lines, start=1) if snippet in text)


def test_error_in_a_part_transition_names_the_part_file(tmp_path: Path) -> None:
    workdir = write_workdir(
        tmp_path, {NAME: edit(BASE, ("states:", "include: [withdraw]\nstates:"))}
    )
    part = workdir / "common" / "withdraw.yaml"
    part.write_text(
        part.read_text(encoding="utf-8").replace("requires: [reason]", "requires: [reason, lydo]"),
        encoding="utf-8",
    )
    errors = errors_of(workdir / NAME)
    assert [(e.file, e.path) for e in errors] == [(str(part), "transitions[0].requires[1]")]
    assert errors[0].line == _line_with(part, "requires: [reason, lydo]")
    assert "«lydo» không có" in errors[0].problem


def test_bad_part_file_is_reported_against_itself(tmp_path: Path) -> None:
    workdir = write_workdir(tmp_path, {})
    part = workdir / "common" / "stop.yaml"
    part.write_text(
        part.read_text(encoding="utf-8").replace("roles: [handler, leader]", "roles: [admin]"),
        encoding="utf-8",
    )
    with pytest.raises(ProcedureErrors) as info:
        load_parts(workdir / "common")
    (err,) = info.value.errors
    line = _line_with(part, "roles: [admin]")
    assert (err.file, err.path, err.line) == (str(part), "transitions[0].roles[0]", line)
    assert "«admin» không thao tác" in err.problem


def test_part_name_must_match_file_name(tmp_path: Path) -> None:
    workdir = write_workdir(tmp_path, {})
    part = workdir / "common" / "stop.yaml"
    part.write_text(
        part.read_text(encoding="utf-8").replace("part: stop", "part: halt"), encoding="utf-8"
    )
    with pytest.raises(ProcedureErrors) as info:
        load_parts(workdir / "common")
    assert [(e.path, e.line) for e in info.value.errors] == [("part", 1)]


def test_duplicate_code_across_files_of_a_directory(tmp_path: Path) -> None:
    workdir = write_workdir(
        tmp_path, {"a.yaml": BASE, "b.yaml": edit(BASE, ("version: 1", "version: 2"))}
    )
    with pytest.raises(ProcedureErrors) as info:
        load_directory(workdir)
    (err,) = info.value.errors
    assert (err.file, err.path, err.line) == (str(workdir / "b.yaml"), "code", 1)
    assert str(workdir / "a.yaml") in err.problem


def test_directory_collects_errors_of_every_file(tmp_path: Path) -> None:
    workdir = write_workdir(
        tmp_path,
        {
            "a.yaml": edit(BASE, ("version: 1", "version: abc")),
            "b.yaml": edit(
                BASE, ('code: "T.001"', 'code: "T.002"'), ("unit: working_days}", "unit: weeks}")
            ),
            "c.yaml": edit(BASE, ('code: "T.001"', 'code: "T.003"')),
        },
    )
    with pytest.raises(ProcedureErrors) as info:
        load_directory(workdir)
    assert [(Path(e.file).name, e.path) for e in info.value.errors] == [
        ("a.yaml", "version"),
        ("b.yaml", "limit.unit"),
    ]


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ProcedureErrors):
        load_directory(tmp_path / "nope")
