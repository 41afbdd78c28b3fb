"""The path's rules as pure functions: grading and the passing mark, the stages of each
procedure, levels, progress, badges, the order of fields and scenarios, who gets which procedure,
and streaks over working days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from casework.errors import ValidationFailed
from casework.learning import path
from casework.learning.path import Evidence, build_paths
from casework.learning.service import grade, parse_answers
from casework.learning.streaks import Streak, streak

KTNN, HDGS, CL = "XA-DL-KTNN", "XA-DL-HDGS", "XA-CL-HHLT"


@dataclass(frozen=True)
class FakeScenario:
    """The parts of a scenario the path reads (difficulty and plays, as issue 16 adds them)."""

    id: str
    procedure: str
    title: str
    difficulty: int = 1
    plays: tuple[str, ...] = ()


SCENARIOS = [
    FakeScenario("can-kho", KTNN, "Cân thiếu, chủ cơ sở không ký", difficulty=3),
    FakeScenario("can-de", KTNN, "Cân đủ, đạt", difficulty=1, plays=("handler",)),
    FakeScenario("can-lanh-dao", KTNN, "Ký quyết định", difficulty=2, plays=("leader",)),
    FakeScenario("goi-vua", HDGS, "Gạo thiếu lượng", difficulty=2),
]


def paths_for(registry, quizzes, evidence=Evidence(), roles=("handler",), level="commune"):  # type: ignore[no-untyped-def]
    return build_paths(
        roles=roles, level=level, procedures=registry.all(), scenarios=SCENARIOS,  # type: ignore[arg-type]
        quizzes=quizzes, evidence=evidence,
    )  # fmt: skip


# ---- grading ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "right", "passed"),
    [(5, 4, True), (5, 3, False), (6, 5, True), (6, 4, False), (7, 6, True), (7, 5, False),
     (8, 7, True), (8, 6, False), (5, 5, True)],
)  # fmt: skip
def test_the_passing_mark_is_80_percent(n, right, passed, quizzes):
    quiz = quizzes.get(KTNN).model_copy(update={"questions": quizzes.get(KTNN).questions[:1] * n})
    key = quiz.questions[0].answer_index
    graded = grade(quiz, [key] * right + [(key + 1) % 4] * (n - right))
    assert (graded.correct, graded.total, graded.passed) == (right, n, passed)
    assert graded.score == right * 100 // n


def test_answers_are_read_from_the_form_and_blanks_are_named(quizzes):
    quiz = quizzes.get(KTNN)
    values = {f"q{i}": "1" for i in range(1, len(quiz.questions) + 1)}
    assert parse_answers(quiz, values) == [1] * len(quiz.questions)
    with pytest.raises(ValidationFailed) as err:
        parse_answers(quiz, {**values, "q2": "", "q3": "9", "q4": "abc"})
    assert err.value.fields == {
        "q2": "Câu 2: chọn một đáp án.",
        "q3": "Câu 3: lựa chọn «9» không có trong câu hỏi.",
        "q4": "Câu 4: lựa chọn «abc» không có trong câu hỏi.",
    }
    assert err.value.message == "Còn 3 câu chưa có đáp án hợp lệ: chưa chấm bài."


# ---- the path ---------------------------------------------------------------------------------


def test_a_commune_handler_starts_with_measurement_then_quality(registry, quizzes):
    paths = paths_for(registry, quizzes)
    assert [f.field for f in paths.fields] == ["Đo lường", "Chất lượng sản phẩm, hàng hóa"]
    assert [p.code for p in paths.fields[0].procedures] == [HDGS, KTNN]
    ktnn = paths.fields[0].procedures[1]
    assert [s.key for s in ktnn.stages] == ["read", "quiz", "scenarios", "review", "sign_off"]
    # the leader's scenario is not the handler's; the others easy to hard
    assert [s.id for s in ktnn.scenarios] == ["can-de", "can-kho"]
    assert [s.difficulty_label for s in ktnn.scenarios] == ["Dễ", "Khó"]
    # no scenario of XA-CL-HHLT here: that stage is left out
    assert [s.key for s in paths.fields[1].procedures[0].stages] == [
        "read", "quiz", "review", "sign_off",
    ]  # fmt: skip
    assert (paths.done, paths.total, paths.percent, paths.top_level) == (0, 14, 0, 0)
    assert paths.fields[0].level_label == "Chưa bắt đầu"
    assert paths.badges == []


def test_province_staff_get_the_province_procedures_and_receivers_no_inspection(registry, quizzes):
    province = paths_for(registry, quizzes, roles=("receiver",), level="province")
    codes = {p.code for f in province.fields for p in f.procedures}
    assert {"KHCN-TDC-DDL", "KHCN-TDC-CBHQ", "2.002131"} <= codes
    assert province.fields[0].field == "Tiêu chuẩn, Đo lường, Chất lượng"  # first of its fields
    assert not {KTNN, HDGS, CL} & codes
    # a commune's one-stop desk acts in no inspection: no path (until a scenario is set there)
    assert paths_for(registry, quizzes, roles=("receiver",)).fields == ()
    assert paths_for(registry, quizzes, level=None).fields == ()  # the ministry: no path


def test_stages_levels_progress_and_badges(registry, quizzes):
    everything = Evidence(
        read=frozenset({KTNN, HDGS}),
        quiz_best={KTNN: 100, HDGS: 60},
        quiz_passed=frozenset({KTNN}),
        finished={"can-de": 90, "can-kho": 70},
        reviewed=frozenset({KTNN}),
        signed_off=frozenset({KTNN}),
    )
    measurement = paths_for(registry, quizzes, everything).fields[0]
    hdgs, ktnn = measurement.procedures
    assert ktnn.level == 4 and ktnn.next_stage is None and ktnn.quiz_best == 100
    assert [s.best for s in ktnn.scenarios] == [90, 70]
    # HDGS: read, quiz not passed (60 %): level 1; its next stage is the quiz
    assert hdgs.level == 1 and hdgs.next_stage is not None and hdgs.next_stage.key == "quiz"
    assert hdgs.next_scenario is not None and hdgs.next_scenario.id == "goi-vua"
    # the field is at its weakest procedure's level; progress counts every stage done
    assert (measurement.level, measurement.level_label) == (1, "Làm quen")
    assert (measurement.done, measurement.total, measurement.percent) == (6, 10, 60)
    assert measurement.badges == ["Đo lường · Làm quen"]


def test_a_level_needs_every_earlier_stage(registry, quizzes):
    # signed off and reviewed, but never read the handbook: still "Chưa bắt đầu" for KTNN
    skipped = Evidence(reviewed=frozenset({KTNN}), signed_off=frozenset({KTNN}))
    ktnn = paths_for(registry, quizzes, skipped).fields[0].procedures[1]
    assert (ktnn.level, ktnn.done) == (0, 2)
    assert ktnn.next_stage is not None and ktnn.next_stage.key == "read"


def test_levels_read_as_printed():
    assert [(lv.rank, lv.label) for lv in path.LEVELS] == [
        (1, "Làm quen"), (2, "Cơ bản"), (3, "Thành thạo"), (4, "Độc lập"),
    ]  # fmt: skip
    assert path.LEVEL_LABELS[0] == "Chưa bắt đầu"


# ---- streaks ----------------------------------------------------------------------------------


def weekdays(d: date) -> bool:
    return d.weekday() < 5


MON = date(2026, 11, 30)  # a Monday


@pytest.mark.parametrize(
    ("active", "today", "current", "best"),
    [
        ([], MON, 0, 0),
        ([MON], MON, 1, 1),
        # Mon–Fri, then the weekend off: still 5 on Sunday and on Monday before any activity
        ([MON + timedelta(i) for i in range(5)], MON + timedelta(6), 5, 5),
        ([MON + timedelta(i) for i in range(5)], MON + timedelta(7), 5, 5),
        # ... but a working day missed breaks it
        ([MON + timedelta(i) for i in range(5)], MON + timedelta(8), 0, 5),
        # Saturday's study neither counts nor breaks: Fri, (Sat), Mon = 2
        ([MON + timedelta(4), MON + timedelta(5), MON + timedelta(7)], MON + timedelta(7), 2, 2),
        # Tue missed: Mon = 1, then Wed, Thu = 2
        ([MON, MON + timedelta(2), MON + timedelta(3)], MON + timedelta(3), 2, 2),
        # the future is not counted
        ([MON + timedelta(3)], MON, 0, 0),
    ],
)
def test_streaks_count_consecutive_working_days(active, today, current, best):
    s = streak(active, today=today, is_working_day=weekdays)
    assert (s.current, s.best) == (current, best)


def test_streak_badges():
    assert Streak(0, 4).badges == ["Chuỗi 3 ngày học"]
    assert Streak(1, 20).badges == [
        "Chuỗi 3 ngày học", "Chuỗi 5 ngày học", "Chuỗi 10 ngày học", "Chuỗi 20 ngày học",
    ]  # fmt: skip


def test_a_holiday_does_not_break_a_streak():
    tet = {date(2026, 2, 16), date(2026, 2, 17)}

    def working(d: date) -> bool:
        return weekdays(d) and d not in tet

    s = streak(
        [date(2026, 2, 13), date(2026, 2, 18)], today=date(2026, 2, 18), is_working_day=working
    )
    assert (s.current, s.best) == (2, 2)


def test_rules_have_no_database(tmp_path: Path):
    """build_paths and streak are pure: they run without a session (this test has none)."""
    assert path.Paths().percent == 0


def test_choices_are_shown_shuffled_the_same_way_every_time(quizzes):
    """The file's order does not leak: the right answer shows at every place, and a page shown
    twice (or to two people) has the same order, so the posted numbers stay the file's."""
    places = []
    for code in sorted(quizzes.codes()):
        quiz = quizzes.get(code)
        for i, q in enumerate(quiz.questions):
            assert sorted(quiz.order(i)) == list(range(len(q.choices)))
            assert quiz.order(i) == quiz.model_copy().order(i)
            places.append(quiz.order(i).index(q.answer_index))
    assert set(places) == {0, 1, 2, 3}
