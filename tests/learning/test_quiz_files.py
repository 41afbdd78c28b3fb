"""Quiz files: the shipped ones load; every rule names the file and the field when broken; the
app and `casework workflows check` refuse a broken quiz."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from casework.errors import ProcedureErrors
from casework.learning.quizzes import PASS_PERCENT, TEAM_NOTE_RE, QuizRegistry
from casework.procedures.cli import workflows_app
from casework.settings import PROJECT_ROOT

WORKFLOWS = PROJECT_ROOT / "workflows"
QUIZZES = WORKFLOWS / "quizzes"
#: The đo lường and chất lượng procedures each have a quiz (issue 16 item 5).
REQUIRED = {
    "kiem_tra_do_luong_xa": "XA-DL-KTNN",
    "kiem_tra_hang_dong_goi_san_xa": "XA-DL-HDGS",
    "kiem_tra_chat_luong_hang_hoa_xa": "XA-CL-HHLT",
    "dau_dinh_luong_cong_bo": "KHCN-TDC-DDL",
    "cong_bo_hop_quy": "KHCN-TDC-CBHQ",
}

GOOD_QUESTION = """
  - text: {text}
    choices: [Một, Hai, Ba]
    answer: Hai
    explanation: Vì hai.
    source: Luật X, Điều 1
"""


def quiz_text(n: int = 5, procedure: str = "XA-DL-KTNN", extra: str = "") -> str:
    body = "".join(GOOD_QUESTION.format(text=f"Câu hỏi {i}?") for i in range(n))
    return f"procedure: {procedure}\nverified_on: 2026-12-05\n{extra}questions:{body}"


def tmp_workflows(tmp_path: Path, files: dict[str, str]) -> Path:
    """A workflows directory with the shipped XA-DL-KTNN file and the given quiz files."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copy(WORKFLOWS / "kiem_tra_do_luong_xa.yaml", tmp_path / "kiem_tra_do_luong_xa.yaml")
    shutil.copytree(WORKFLOWS / "common", tmp_path / "common")
    (tmp_path / "quizzes").mkdir()
    for name, text in files.items():
        (tmp_path / "quizzes" / name).write_text(text, encoding="utf-8")
    return tmp_path


def problems(tmp_path: Path, registry, text: str, name: str = "kiem_tra_do_luong_xa.yaml"):  # type: ignore[no-untyped-def]
    directory = tmp_workflows(tmp_path, {name: text})
    with pytest.raises(ProcedureErrors) as err:
        QuizRegistry.from_directory(directory / "quizzes", registry)
    return [e.message for e in err.value.errors]


def test_shipped_quizzes_load_and_cover_measurement_and_quality(registry):
    quizzes = QuizRegistry.from_directory(QUIZZES, registry)
    assert set(REQUIRED.values()) <= quizzes.codes()
    for stem, code in REQUIRED.items():
        assert (QUIZZES / f"{stem}.yaml").is_file()
        quiz = quizzes.get(code)
        assert 5 <= len(quiz.questions) <= 8
        for q in quiz.questions:
            assert q.answer in q.choices and q.explanation and q.source
            assert q.step is None or q.step in registry.get(code).states
    assert PASS_PERCENT == 80
    # every shipped question cites a public source, never a team note
    for code in quizzes.codes():
        for q in quizzes.get(code).questions:
            assert not TEAM_NOTE_RE.search(q.source), (code, q.source)


#: Every field of the catalogue as of 05/12/2026 has at least one quiz on its learning path.
FIELDS_WITH_QUIZZES = {
    "Đo lường", "Chất lượng sản phẩm, hàng hóa", "Tiêu chuẩn, Đo lường, Chất lượng",
    "Hoạt động khoa học và công nghệ", "An toàn bức xạ và hạt nhân", "Viễn thông và Internet",
    "Tần số vô tuyến điện",
}  # fmt: skip


def test_every_field_has_a_quiz(registry):
    quizzes = QuizRegistry.from_directory(QUIZZES, registry)
    covered = {registry.get(code).field for code in quizzes.codes()}
    assert covered >= FIELDS_WITH_QUIZZES, FIELDS_WITH_QUIZZES - covered


def test_a_valid_minimal_quiz_loads(tmp_path, registry):
    directory = tmp_workflows(tmp_path, {"kiem_tra_do_luong_xa.yaml": quiz_text()})
    quiz = QuizRegistry.from_directory(directory / "quizzes", registry).get("XA-DL-KTNN")
    assert [q.answer_index for q in quiz.questions] == [1] * 5
    assert len(quiz.digest) == 16


def test_a_missing_directory_is_no_quiz(tmp_path, registry):
    assert QuizRegistry.from_directory(tmp_path / "none", registry).codes() == set()


BROKEN = [
    ("questions: [\n", "", "Lỗi cú pháp YAML"),
    ("- a\n- b\n", "", "Tệp phải là một bảng khóa: giá trị"),
    (quiz_text().replace("verified_on: 2026-12-05\n", ""), "[verified_on]", "Thiếu trường bắt buộc."),
    (quiz_text(extra="author: Lan\n"), "[author]", "Trường này không có trong định dạng"),
    (quiz_text().replace("explanation: Vì hai.", "explanation: ''", 1),
     "[questions[0].explanation]", "Không được để trống."),
    (quiz_text().replace("verified_on: 2026-12-05", "verified_on: hôm qua"),
     "[verified_on]", "Phải là một ngày dạng YYYY-MM-DD."),
    (quiz_text().replace("choices: [Một, Hai, Ba]", "choices: Hai", 1),
     "[questions[0].choices]", "Phải là một danh sách."),
    (quiz_text(procedure="NOPE"), "[procedure]", "Không có thủ tục «NOPE»."),
    (quiz_text(procedure="2.002131"), "[procedure]", "Phải là một đoạn chữ (đặt trong ngoặc kép"),
    (quiz_text(procedure='"2.002131"'), "[procedure]",
     "Tệp workflows/kiem_tra_do_luong_xa.yaml là thủ tục «XA-DL-KTNN», không phải «2.002131»."),
    (quiz_text(n=4), "[questions]", "Cần từ 5 đến 8 câu hỏi (đang có 4)."),
    (quiz_text(n=9), "[questions]", "Cần từ 5 đến 8 câu hỏi (đang có 9)."),
    (quiz_text().replace("choices: [Một, Hai, Ba]", "choices: [Hai]", 1),
     "[questions[0].choices]", "Cần từ 2 đến 6 lựa chọn (đang có 1)."),
    (quiz_text().replace("choices: [Một, Hai, Ba]", "choices: [Hai, Hai, Ba]", 1),
     "[questions[0].choices]", "Lựa chọn bị trùng: «Hai»."),
    (quiz_text().replace("choices: [Một, Hai, Ba]", "choices: [' ', Hai, Ba]", 1),
     "[questions[0].choices]", "Có lựa chọn để trống."),
    (quiz_text().replace("answer: Hai", "answer: Bốn", 1),
     "[questions[0].answer]", "Đáp án «Bốn» không có trong các lựa chọn."),
    (quiz_text().replace("source: Luật X, Điều 1", "source: Luật X, Điều 1\n    step: nowhere", 1),
     "[questions[0].step]", "Thủ tục XA-DL-KTNN không có bước «nowhere»."),
    (quiz_text().replace("Câu hỏi 1?", "Câu hỏi 0?"), "[questions[1].text]", "Trùng câu hỏi thứ 1."),
    (quiz_text().replace("source: Luật X, Điều 1", "source: Luật X (docs/legal-clock.md)", 1),
     "[questions[0].source]", "Không dẫn ghi chú nội bộ của nhóm"),
    (quiz_text().replace("source: Luật X, Điều 1", "source: domain-vn.md §6.1", 1),
     "[questions[0].source]", "Không dẫn ghi chú nội bộ của nhóm"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "where", "says"), BROKEN)
def test_every_broken_rule_names_file_and_field(tmp_path, registry, text, where, says):
    found = problems(tmp_path, registry, text)
    assert any(
        m.startswith(f"quizzes/kiem_tra_do_luong_xa.yaml{' ' + where if where else ''}: ")
        and says in m
        for m in found
    ), found


def test_a_quiz_must_be_named_after_its_procedure_file(tmp_path, registry):
    found = problems(tmp_path, registry, quiz_text(), name="do_luong.yaml")
    assert found == [
        "quizzes/do_luong.yaml: Không có tệp thủ tục workflows/do_luong.yaml: tên tệp bài trắc "
        "nghiệm phải trùng tên tệp thủ tục."
    ]


def test_the_app_refuses_to_start_on_a_broken_quiz(tmp_path, engine):
    from casework.main import create_app
    from casework.settings import Settings

    directory = tmp_workflows(tmp_path / "wf", {"kiem_tra_do_luong_xa.yaml": quiz_text(n=3)})
    shutil.copytree(WORKFLOWS / "calendars", directory / "calendars")
    settings = Settings(env="test", database_url="sqlite://", workflows_dir=directory)
    with pytest.raises(ProcedureErrors, match=r"\[questions\]: Cần từ 5 đến 8 câu hỏi"):
        create_app(settings, engine=engine)


def test_workflows_check_reports_a_broken_quiz(tmp_path):
    directory = tmp_workflows(tmp_path, {"kiem_tra_do_luong_xa.yaml": quiz_text(n=3)})
    result = CliRunner().invoke(workflows_app, ["check", str(directory)])
    assert result.exit_code == 1
    assert "quizzes/kiem_tra_do_luong_xa.yaml [questions]: Cần từ 5 đến 8 câu hỏi" in result.stderr
    ok = tmp_workflows(tmp_path / "ok", {"kiem_tra_do_luong_xa.yaml": quiz_text()})
    assert CliRunner().invoke(workflows_app, ["check", str(ok)]).exit_code == 0
