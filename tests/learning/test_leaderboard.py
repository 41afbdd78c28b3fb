"""The path on the trainee's progress page (for mentors too) and the provincial leaderboard
ranked by path progress, with opt-outs, on both databases."""

from __future__ import annotations

from datetime import datetime

from casework.dossiers.clockwork import CalendarSource
from casework.learning import service as learning
from casework.learning.models import QuizAttempt
from casework.progress import service as progress
from casework.progress.models import UnitOptOut
from tests.factories import TZ

KTNN, HDGS, CL = "XA-DL-KTNN", "XA-DL-HDGS", "XA-CL-HHLT"


def read(session, user, *codes):  # type: ignore[no-untyped-def]
    for code in codes:
        learning.record_read(session, user=user, procedure_code=code, tz=TZ)
    session.rollback()


def passed_quiz(session, user, code, quizzes):  # type: ignore[no-untyped-def]
    quiz = quizzes.get(code)
    session.add(
        QuizAttempt(
            user_id=user.id, procedure_code=code, quiz_digest=quiz.digest,
            answers=[q.answer_index for q in quiz.questions], correct=len(quiz.questions),
            total=len(quiz.questions), score=100, passed=True, submitted_at=datetime.now(TZ),
        )
    )  # fmt: skip
    session.commit()


def board(session, client):  # type: ignore[no-untyped-def]
    return progress.leaderboard(
        session, province="Hà Nội", scenarios=client.app.state.scenarios,
        calendars=CalendarSource(), procedures=client.app.state.registry,
        quizzes=client.app.state.quizzes,
    )  # fmt: skip


def test_a_mentor_sees_the_trainees_path_on_their_progress_page(
    client, session, assigned, sign_in, quizzes
):
    world = assigned
    trainee = world["badinh.receiver"]
    read(session, trainee, KTNN, HDGS)
    passed_quiz(session, trainee, KTNN, quizzes)
    sign_in(world["bo.mentor"])
    page = client.get("/progress/users/badinh.receiver").text
    assert "Lộ trình học theo lĩnh vực" in page
    assert page.index("Đo lường —") < page.index("Chất lượng sản phẩm, hàng hóa —")
    assert 'data-testid="path-procedure-XA-DL-KTNN"' in page
    assert "Làm quen" in page  # the rule, and the level of the đo lường field: both read
    assert "Tiếp theo:" not in page  # the mentor reads; the links to act are the trainee's
    assert "(cao nhất 100%)" in page
    # the trainee's own progress page has it too; a mentor's own page has no path
    sign_in(trainee)
    assert "Lộ trình học theo lĩnh vực" in client.get("/progress/users/badinh.receiver").text
    sign_in(world["bo.mentor"])
    assert "Lộ trình học theo lĩnh vực" not in client.get("/progress/users/bo.mentor").text


def test_the_leaderboard_ranks_by_path_progress(client, session, assigned, sign_in, quizzes):
    world = assigned
    read(session, world["badinh.receiver"], KTNN, HDGS, CL)
    passed_quiz(session, world["badinh.receiver"], KTNN, quizzes)
    read(session, world["hni.receiver"], "2.002131")
    read(session, world["kha.receiver"], "2.002131")  # Khánh Hòa: another province's board
    standings = board(session, client)
    assert [s.progress.user.username for s in standings] == ["badinh.receiver", "hni.receiver"]
    assert [s.rank for s in standings] == [1, 2]
    first = standings[0].path
    assert (first.done, first.percent) == (4, 4 * 100 // first.total)
    sign_in(world["hni.receiver"])
    page = client.get("/progress/leaderboard?province=Hà Nội").text
    assert page.index("rank-badinh.receiver") < page.index("rank-hni.receiver")
    assert f"lộ trình {first.percent}% (4/{first.total} bước)" in page
    assert 'data-testid="rank-hni.receiver2"' not in page  # nothing done: not listed
    assert 'href="/learning"' in page

    # the same progress shares a rank
    read(session, world["hni.receiver2"], "2.002131")
    assert [(s.progress.user.username, s.rank) for s in board(session, client)] == [
        ("badinh.receiver", 1), ("hni.receiver", 2), ("hni.receiver2", 2),
    ]  # fmt: skip

    # a unit that opted out never appears
    session.add(UnitOptOut(unit_id=world.commune.id))
    session.commit()
    assert [s.progress.user.username for s in board(session, client)] == [
        "hni.receiver", "hni.receiver2",
    ]  # fmt: skip
    assert (
        'data-testid="rank-badinh.receiver"'
        not in client.get("/progress/leaderboard?province=Hà Nội").text
    )


def test_a_run_played_together_counts_for_every_officer_who_acted(client, session, world, registry):
    from casework.scenarios import service as scenarios_service
    from tests.factories import fire

    receiver, handler, leader = (world[n] for n in ("hni.receiver", "hni.handler", "hni.leader"))
    run = scenarios_service.start(
        session, actor=receiver, scenario=client.app.state.scenarios.get("xquang-thieu-so-seri"),
        procedures=registry, tz=TZ, together=True,
    )  # fmt: skip
    fire(session, receiver, run, "accept")
    fire(
        session, handler, run, "request_supplement",
        reason="Phiếu khai báo thiếu số sê-ri của máy", missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    got = progress.progress_of(
        session, [receiver, handler, leader], scenarios=client.app.state.scenarios,
        calendars=CalendarSource(),
    )  # fmt: skip
    assert [r.dossier.id for r in got[receiver.id].runs] == [run.id]
    assert [r.dossier.id for r in got[handler.id].runs] == [run.id]  # acted: earns it too
    assert got[leader.id].runs == []  # has not acted yet
    assert got[receiver.id].runs[0].score == got[handler.id].runs[0].score
