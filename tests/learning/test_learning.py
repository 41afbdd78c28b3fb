"""The learning pages on both databases: a read is recorded when a trainee opens a handbook page,
a quiz is taken and its attempt stored and explained, bad answers are named and store nothing,
only acting roles take quizzes, an attempt is its owner's, the /learning page shows the path
moving, and the paths of many trainees take a fixed number of queries."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import event
from sqlmodel import select

from casework.dossiers.clockwork import CalendarSource
from casework.learning import path
from casework.learning import service as learning
from casework.learning.models import HandbookRead, QuizAttempt
from casework.progress import service as progress
from tests.factories import TZ

KTNN = "XA-DL-KTNN"
TRAINEE = "badinh.receiver"  # receiver, handler and leader of the commune Ba Đình


def answers(quiz, wrong: int = 0) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The right answer to every question, except the first `wrong` ones."""
    return {
        f"q{i}": str((q.answer_index + (1 if i <= wrong else 0)) % len(q.choices))
        for i, q in enumerate(quiz.questions, start=1)
    }


def post_quiz(client, csrf, quiz, values, code=KTNN):  # type: ignore[no-untyped-def]
    return client.post(
        f"/learning/quizzes/{code}",
        data={"csrf_token": csrf, "digest": quiz.digest, **values},
        follow_redirects=False,
    )


def test_opening_a_handbook_page_records_a_read_once_a_day(client, session, world, sign_in):
    sign_in(world[TRAINEE])
    assert client.get(f"/procedures/{KTNN}").status_code == 200
    assert client.get(f"/procedures/{KTNN}").status_code == 200
    # the FAQ search (htmx) is no new read, and neither is a mentor's or a visitor's
    client.get(f"/procedures/{KTNN}?faq_q=cân", headers={"HX-Request": "true"})
    sign_in(world["bo.mentor"])
    client.get(f"/procedures/{KTNN}")
    client.cookies.clear()
    client.get(f"/procedures/{KTNN}")
    session.rollback()
    rows = session.exec(select(HandbookRead)).all()
    assert [(r.user_id, r.procedure_code) for r in rows] == [(world[TRAINEE].id, KTNN)]
    assert rows[0].read_on == datetime.now(TZ).date()


def test_record_read_on_another_day_is_another_row(session, world):
    trainee = world[TRAINEE]
    for day in (1, 1, 2):
        learning.record_read(
            session, user=trainee, procedure_code=KTNN, tz=TZ,
            now=datetime(2026, 12, day, 9, tzinfo=TZ),
        )  # fmt: skip
    session.rollback()  # the reads are written in their own transactions
    days = session.exec(select(HandbookRead.read_on).order_by(HandbookRead.read_on)).all()
    assert [d.day for d in days] == [1, 2]


def test_a_trainee_takes_the_quiz_and_reads_why(client, session, world, sign_in, quizzes):
    quiz = quizzes.get(KTNN)
    csrf = sign_in(world[TRAINEE])
    page = client.get(f"/learning/quizzes/{KTNN}")
    assert page.status_code == 200
    assert f'name="digest" value="{quiz.digest}"' in page.text
    assert page.text.count('type="radio" name="q1"') == len(quiz.questions[0].choices)
    r = post_quiz(client, csrf, quiz, answers(quiz, wrong=1))
    assert r.status_code == 303
    session.rollback()
    attempt = session.exec(select(QuizAttempt)).one()
    assert r.headers["location"] == f"/learning/quizzes/{KTNN}/attempts/{attempt.id}"
    n = len(quiz.questions)
    assert (attempt.correct, attempt.total, attempt.passed) == (n - 1, n, True)
    assert attempt.quiz_digest == quiz.digest
    result = client.get(r.headers["location"]).text
    first = quiz.questions[0]
    assert f"Đúng {n - 1}/{n} câu" in result and "Đạt" in result
    block = result[result.index('data-testid="answer-1"') : result.index('data-testid="answer-2"')]
    assert "Sai" in block and first.answer in block
    assert first.explanation.split()[0] in block and "Căn cứ:" in block
    assert "chưa xác minh" in block  # the first question's source is marked unverified
    assert f'href="/procedures/{KTNN}#step-decision"' in block
    # the quiz page lists the attempt
    assert (
        f"/learning/quizzes/{KTNN}/attempts/{attempt.id}"
        in client.get(f"/learning/quizzes/{KTNN}").text
    )


def test_a_failed_attempt_is_stored_as_not_passed(client, session, world, sign_in, quizzes):
    quiz = quizzes.get(KTNN)
    csrf = sign_in(world[TRAINEE])
    r = post_quiz(client, csrf, quiz, answers(quiz, wrong=3))
    result = client.get(r.headers["location"]).text
    assert "Chưa đạt" in result
    session.rollback()
    assert session.exec(select(QuizAttempt.passed)).one() is False


def test_blank_and_unknown_answers_are_named_and_nothing_is_stored(
    client, session, world, sign_in, quizzes
):
    quiz = quizzes.get(KTNN)
    csrf = sign_in(world[TRAINEE])
    values = {**answers(quiz), "q3": "", "q4": "42"}
    r = post_quiz(client, csrf, quiz, values)
    assert r.status_code == 422
    assert "Câu 3: chọn một đáp án." in r.text
    assert "Câu 4: lựa chọn «42» không có trong câu hỏi." in r.text
    assert 'id="q3" data-testid="question-3" aria-invalid="true"' in r.text
    # the answers given are kept
    assert re.search(rf'name="q1" value="{values["q1"]}" checked', r.text)
    session.rollback()
    assert session.exec(select(QuizAttempt)).all() == []


def test_answers_to_a_quiz_that_changed_are_refused(client, session, world, sign_in, quizzes):
    quiz = quizzes.get(KTNN)
    csrf = sign_in(world[TRAINEE])
    r = client.post(
        f"/learning/quizzes/{KTNN}",
        data={"csrf_token": csrf, "digest": "old", **answers(quiz)},
        follow_redirects=False,
    )
    assert r.status_code == 409
    assert "vừa được cập nhật" in r.text and f'value="{quiz.digest}"' in r.text
    session.rollback()
    assert session.exec(select(QuizAttempt)).all() == []


@pytest.mark.parametrize("who", ["bo.mentor", "hni.auditor", "bo.auditor"])
def test_only_acting_roles_take_quizzes(client, session, world, sign_in, quizzes, who):
    csrf = sign_in(world[who])
    assert client.get(f"/learning/quizzes/{KTNN}").status_code == 403
    assert post_quiz(client, csrf, quizzes.get(KTNN), answers(quizzes.get(KTNN))).status_code == 403
    assert client.get("/learning/quizzes/NOPE").status_code == 404
    page = client.get("/learning")
    assert page.status_code == 200 and "dành cho cán bộ tiếp nhận, thụ lý" in page.text
    session.rollback()
    assert session.exec(select(QuizAttempt)).all() == []


def test_a_visitor_is_sent_to_sign_in(client):
    r = client.get(f"/learning/quizzes/{KTNN}", follow_redirects=False)
    assert r.status_code in (302, 303) and "/login" in r.headers["location"]


def test_an_attempt_is_its_owners_only(client, session, world, sign_in, quizzes):
    quiz = quizzes.get(KTNN)
    csrf = sign_in(world[TRAINEE])
    location = post_quiz(client, csrf, quiz, answers(quiz)).headers["location"]
    sign_in(world["hni.handler"])
    assert client.get(location).status_code == 404
    sign_in(world["bo.mentor"])
    assert client.get(location).status_code == 404
    sign_in(world[TRAINEE])
    assert client.get(location.replace(KTNN, "XA-DL-HDGS")).status_code == 404


def test_the_learning_page_shows_the_path_moving(client, session, world, sign_in, quizzes):
    csrf = sign_in(world[TRAINEE])
    page = client.get("/learning").text
    assert page.index("Đo lường —") < page.index("Chất lượng sản phẩm, hàng hóa —")
    assert 'id="bar-1" max="100" value="0"' in page
    assert f"Đọc sổ tay thủ tục {KTNN}" in page  # the next step: read the handbook
    assert "Làm quen" in page and "Độc lập" in page  # the rule is printed
    client.get(f"/procedures/{KTNN}")
    page = client.get("/learning").text
    assert 'id="bar-1" max="100" value="0"' not in page
    assert f"Làm bài trắc nghiệm {KTNN}" in page  # the next step: the quiz
    post_quiz(client, csrf, quizzes.get(KTNN), answers(quizzes.get(KTNN)))
    session.rollback()
    summary = learning.summary(
        session, user=world[TRAINEE],
        progress=progress.progress_of(
            session, [world[TRAINEE]], scenarios=client.app.state.scenarios,
            calendars=CalendarSource(),
        )[world[TRAINEE].id],
        procedures=client.app.state.registry, scenarios=client.app.state.scenarios,
        quizzes=quizzes, calendars=CalendarSource(), tz=TZ,
    )  # fmt: skip
    ktnn = next(p for p in summary.paths.fields[0].procedures if p.code == KTNN)
    assert [s.key for s in ktnn.stages if s.done] == ["read", "quiz"]
    assert ktnn.level == 2 and ktnn.quiz_best == 100
    assert summary.streak.current == 1 or datetime.now(TZ).weekday() >= 5
    page = client.get("/learning").text
    assert "(cao nhất 100%)" in page


def test_paths_of_many_trainees_take_a_fixed_number_of_queries(
    session, world, engine, registry, quizzes
):
    from casework.scenarios.schema import ScenarioRegistry
    from casework.settings import PROJECT_ROOT

    scenarios = ScenarioRegistry.from_directory(PROJECT_ROOT / "workflows" / "scenarios", registry)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def queries_for(names: list[str]) -> int:
        users = [world[n] for n in names]
        got = progress.progress_of(session, users, scenarios=scenarios, calendars=CalendarSource())
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            path.paths_of(session, got, procedures=registry, scenarios=scenarios, quizzes=quizzes)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    assert queries_for(["badinh.receiver"]) == queries_for(
        ["badinh.receiver", "hni.receiver", "hni.handler", "hni.leader", "kha.receiver"]
    ) == 3  # fmt: skip
