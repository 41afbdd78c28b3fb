"""The quiz file format (`workflows/quizzes/<procedure file stem>.yaml`) and the quiz registry.

A quiz sits next to its procedure: `workflows/quizzes/kiem_tra_do_luong_xa.yaml` is the quiz of
the procedure in `workflows/kiem_tra_do_luong_xa.yaml`. Every question cites the public source of
its fact (a law, decree or circular with its article, or a portal page, with the day it was
checked), never a team note (docs/…, domain-vn.md…): the trainee must be able to look it up. A
fact that could not be confirmed is marked `unverified: true` and its source says what is missing.

```yaml
procedure: XA-DL-KTNN              # the code in the procedure file of the same name
verified_on: 2026-12-06            # when the questions were checked against their sources
questions:                         # 5 to 8, single choice, in this order
  - text: Ai ký quyết định kiểm tra?
    choices: [Chủ tịch UBND xã, Trưởng ban quản lý chợ, Công an xã]
    answer: Chủ tịch UBND xã       # the exact text of one choice
    explanation: Vì sao (shown after the attempt, right or wrong).
    source: Luật Đo lường 2011, Điều 44
    step: decision                 # optional: the handbook step (a state of the procedure)
    unverified: false              # true: the page says "chưa xác minh" beside the source
```

The app refuses to start on an invalid file (like procedures and scenarios): each error names the
file and the field, e.g. ``quizzes/x.yaml [questions[2].answer]: Đáp án «…» không có trong các
lựa chọn.``
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from casework.errors import NotFound, ProcedureErrors, ProcedureFileError
from casework.procedures import Procedure, ProcedureRegistry
from casework.procedures.loader import PROCEDURE_SUFFIXES
from casework.procedures.yamlsafe import fast_load

MIN_QUESTIONS = 5
MAX_QUESTIONS = 8
MIN_CHOICES = 2
MAX_CHOICES = 6
#: a team note cited as a question's source (the trainee cannot read it): refused
TEAM_NOTE_RE = re.compile(r"docs/|\.md\b|domain-vn|legal-findings|helper-preamble", re.IGNORECASE)
#: The passing mark: at least this share of the answers right (4 of 5, 5 of 6, 6 of 7, 7 of 8).
PASS_PERCENT = 80


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1)
    choices: list[str]
    answer: str = Field(min_length=1)
    explanation: str = Field(min_length=1)
    source: str = Field(min_length=1)
    step: str | None = None
    unverified: bool = False

    @property
    def answer_index(self) -> int:
        return self.choices.index(self.answer)


class Quiz(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    procedure: str = Field(min_length=1)
    verified_on: dt.date
    questions: list[Question]

    def order(self, i: int) -> list[int]:
        """The order the choices of question `i` are shown in: shuffled with a seed of this
        version of the quiz, so the same for everyone and every visit, and the right answer has
        no favourite place whatever the order in the file."""
        shown = list(range(len(self.questions[i].choices)))
        random.Random(f"{self.digest}:{i}").shuffle(shown)
        return shown

    @property
    def digest(self) -> str:
        """A short hash of the content: an attempt remembers which version it answered."""
        text = json.dumps(self.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# ---- checking ---------------------------------------------------------------------------------

#: pydantic's error types, in Vietnamese (anything else keeps pydantic's own words).
_MESSAGES = {
    "missing": "Thiếu trường bắt buộc.",
    "extra_forbidden": "Trường này không có trong định dạng bài trắc nghiệm.",
    "string_too_short": "Không được để trống.",
    "string_type": 'Phải là một đoạn chữ (đặt trong ngoặc kép nếu là số, ví dụ mã "2.002131", '
    "hoặc có dấu «: »).",
    "list_type": "Phải là một danh sách.",
    "bool_type": "Phải là true hoặc false.",
    "bool_parsing": "Phải là true hoặc false.",
    "date_type": "Phải là một ngày dạng YYYY-MM-DD.",
    "date_from_datetime_parsing": "Phải là một ngày dạng YYYY-MM-DD.",
    "date_parsing": "Phải là một ngày dạng YYYY-MM-DD.",
    "model_type": "Phải là một bảng khóa: giá trị.",
    "model_attributes_type": "Phải là một bảng khóa: giá trị.",
}


def _problem(file: str, path: str, problem: str) -> ProcedureFileError:
    return ProcedureFileError(file=file, path=path, line=None, problem=problem)


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _code_of_file(directory: Path, stem: str) -> tuple[Path | None, str | None]:
    """The procedure file `stem` in `directory` and the code it declares (None if unreadable)."""
    for suffix in PROCEDURE_SUFFIXES:
        path = directory / f"{stem}{suffix}"
        if path.is_file():
            try:
                data = fast_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError:
                return path, None
            code = data.get("code") if isinstance(data, dict) else None
            return path, str(code) if code is not None else None
    return None, None


def check_questions(quiz: Quiz, procedure: Procedure, file: str) -> list[ProcedureFileError]:
    """The rules the file format cannot say: how many questions and choices, the answer among
    the choices, nothing twice, the step a state of the procedure."""
    errors: list[ProcedureFileError] = []
    n = len(quiz.questions)
    if not MIN_QUESTIONS <= n <= MAX_QUESTIONS:
        errors.append(
            _problem(
                file,
                "questions",
                f"Cần từ {MIN_QUESTIONS} đến {MAX_QUESTIONS} câu hỏi (đang có {n}).",
            )
        )
    seen: dict[str, int] = {}
    for i, q in enumerate(quiz.questions):
        at = f"questions[{i}]"
        if q.text.strip() in seen:
            errors.append(
                _problem(file, f"{at}.text", f"Trùng câu hỏi thứ {seen[q.text.strip()] + 1}.")
            )
        seen.setdefault(q.text.strip(), i)
        if not MIN_CHOICES <= len(q.choices) <= MAX_CHOICES:
            errors.append(
                _problem(
                    file,
                    f"{at}.choices",
                    f"Cần từ {MIN_CHOICES} đến {MAX_CHOICES} lựa chọn (đang có {len(q.choices)}).",
                )
            )
        twice = sorted({c for c in q.choices if q.choices.count(c) > 1})
        if twice:
            errors.append(
                _problem(file, f"{at}.choices", f"Lựa chọn bị trùng: «{'», «'.join(twice)}».")
            )
        if any(not c.strip() for c in q.choices):
            errors.append(_problem(file, f"{at}.choices", "Có lựa chọn để trống."))
        if q.answer not in q.choices:
            errors.append(
                _problem(file, f"{at}.answer", f"Đáp án «{q.answer}» không có trong các lựa chọn.")
            )
        if TEAM_NOTE_RE.search(q.source):
            errors.append(
                _problem(
                    file,
                    f"{at}.source",
                    "Không dẫn ghi chú nội bộ của nhóm (docs/…, domain-vn.md…) làm nguồn: ghi văn "
                    "bản pháp luật (số, điều, khoản) hoặc trang cổng công khai và ngày kiểm tra.",
                )
            )
        if q.step is not None and q.step not in procedure.states:
            errors.append(
                _problem(file, f"{at}.step", f"Thủ tục {procedure.code} không có bước «{q.step}».")
            )
    return errors


def load_quiz(
    path: Path, procedures: ProcedureRegistry
) -> tuple[Quiz | None, list[ProcedureFileError]]:
    """One quiz file, checked against the procedure file of the same name and its procedure."""
    name = f"quizzes/{path.name}"
    try:
        data = fast_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return None, [_problem(name, "", f"Lỗi cú pháp YAML: {exc}")]
    if not isinstance(data, dict):
        return None, [
            _problem(name, "", "Tệp phải là một bảng khóa: giá trị (procedure, questions…).")
        ]
    try:
        quiz = Quiz.model_validate(data)
    except ValidationError as exc:
        return None, [
            _problem(name, _where(err["loc"]), _MESSAGES.get(err["type"], err["msg"]))
            for err in exc.errors()
        ]
    file_path, declared = _code_of_file(path.parent.parent, path.stem)
    if file_path is None:
        return None, [
            _problem(
                name,
                "",
                f"Không có tệp thủ tục workflows/{path.stem}.yaml: tên tệp bài trắc nghiệm phải "
                "trùng tên tệp thủ tục.",
            )
        ]
    if quiz.procedure not in procedures:
        return None, [_problem(name, "procedure", f"Không có thủ tục «{quiz.procedure}».")]
    if declared != quiz.procedure:
        return None, [
            _problem(
                name,
                "procedure",
                f"Tệp workflows/{file_path.name} là thủ tục «{declared}», không phải "
                f"«{quiz.procedure}».",
            )
        ]
    errors = check_questions(quiz, procedures.get(quiz.procedure), name)
    return (None if errors else quiz), errors


class QuizRegistry:
    """The quizzes by procedure code."""

    def __init__(self, quizzes: list[Quiz]) -> None:
        self._by_code = {q.procedure: q for q in quizzes}

    @classmethod
    def from_directory(cls, directory: Path, procedures: ProcedureRegistry) -> QuizRegistry:
        """Load every `*.yaml` of `directory` (none if it does not exist); any invalid file
        raises `ProcedureErrors` naming each file and field."""
        quizzes: list[Quiz] = []
        errors: list[ProcedureFileError] = []
        paths = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
        for path in paths:
            quiz, problems = load_quiz(path, procedures)
            errors += problems
            if quiz is not None:  # one quiz per procedure: the file names its procedure file
                quizzes.append(quiz)
        if errors:
            raise ProcedureErrors(errors)
        return cls(quizzes)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def codes(self) -> set[str]:
        return set(self._by_code)

    def get(self, code: str) -> Quiz:
        if code not in self._by_code:
            raise NotFound(f"Thủ tục «{code}» chưa có bài trắc nghiệm.")
        return self._by_code[code]
