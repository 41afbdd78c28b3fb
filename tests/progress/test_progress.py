"""Progress on both databases: who sees a trainee's progress, scenarios done with scores and
verdicts, the unit page and the dashboard by province, points and badges, the leaderboard and a
unit's opt-out. Signing off, revoking and the certificate: tests/signoffs."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from casework.dossiers.clockwork import CalendarSource
from casework.progress import service
from casework.progress.models import UnitOptOut
from casework.reviews import service as reviews
from casework.scenarios import service as scenarios_service
from casework.scenarios.schema import ScenarioRegistry
from casework.settings import PROJECT_ROOT
from casework.signoffs.models import SignOffEntry
from tests.factories import TZ, fire
from tests.signoffs.factories import grant

XRAY = "2.002131"


@pytest.fixture(scope="module")
def scenarios(registry):
    return ScenarioRegistry.from_directory(PROJECT_ROOT / "workflows" / "scenarios", registry)


def sign(client, csrf, username, code=XRAY, note="Làm tốt cả 3 bài"):
    return client.post(
        f"/progress/users/{username}/sign-offs",
        data={"csrf_token": csrf, "procedure_code": code, "note": note},
        follow_redirects=False,
    )


def play_right(session, world, scenarios, registry):
    """hni.receiver opens the X-ray scenario and the unit plays it to the end, all right."""
    d = scenarios_service.start(
        session, actor=world["hni.receiver"], scenario=scenarios.get("xquang-thieu-so-seri"),
        procedures=registry, tz=TZ,
    )  # fmt: skip
    fire(session, world["hni.receiver"], d, "accept")
    fire(
        session, world["hni.handler"], d, "request_supplement",
        reason="Phiếu khai báo thiếu số sê-ri của máy", missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    fire(session, world["hni.receiver"], d, "receive_supplement")
    fire(
        session, world["hni.handler"], d, "submit_for_signing",
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Xác nhận 01 máy",
    )  # fmt: skip
    fire(session, world["hni.leader"], d, "sign", decision_number="1/XN")
    fire(session, world["hni.receiver"], d, "return_result")
    return d


def test_signed_out_goes_to_login(client):
    r = client.get("/progress/users/hni.receiver", follow_redirects=False)
    assert r.status_code in (302, 303, 307)
    assert r.headers["location"].startswith("/login?next=")


# ---- progress, unit page, dashboard -----------------------------------------------------------


def test_progress_counts_scenarios_scores_verdicts_and_points(
    client, session, assigned, scenarios, registry, sign_in
):
    world = assigned
    d = play_right(session, world, scenarios, registry)
    # a second run, opened by a colleague: not hni.receiver's
    scenarios_service.start(
        session, actor=world["hni.receiver2"], scenario=scenarios.get("xquang-thieu-so-seri"),
        procedures=registry, tz=TZ,
    )  # fmt: skip
    reviews.give_verdict(session, actor=world["bo.mentor"], code=d.code, verdict="pass")
    got = service.progress_of(
        session, [world["hni.receiver"], world["hni.receiver2"]],
        scenarios=scenarios, calendars=CalendarSource(),
    )  # fmt: skip
    mine = got[world["hni.receiver"].id]
    assert [(r.dossier.code, r.score, r.finished) for r in mine.runs] == [(d.code, 100, True)]
    assert (mine.finished, mine.passes, mine.redos) == (1, 1, 0)
    assert mine.score.points == 10 + 10
    assert mine.score.badges == ["Bài đầu tiên", "Điểm tuyệt đối"]
    theirs = got[world["hni.receiver2"].id]
    assert len(theirs.runs) == 1 and not theirs.runs[0].finished
    assert theirs.score.points == 0 and theirs.score.badges == []

    csrf = sign_in(world["bo.mentor"])
    page = client.get("/progress/users/hni.receiver").text
    assert d.code in page and "100/100" in page
    assert "Đạt: 1 · Làm lại: 0" in page
    assert re.search(r'data-testid="points">20 điểm<', page)
    sign(client, csrf, "hni.receiver")
    unit = client.get("/progress/units/SKHCN.HNI")
    assert unit.status_code == 200
    row = re.search(r'<tr data-testid="trainee-hni.receiver">(.*?)</tr>', unit.text, re.S)
    assert row is not None
    assert re.findall(r"<td>(\d+)</td>", row.group(1)) == ["1", "1", "1", "50"]


def test_dashboard_lists_the_mentors_units(client, session, assigned, sign_in):
    world = assigned
    sign_in(world["bo.mentor"])
    page = client.get("/progress")
    assert page.status_code == 200
    assert "Tiến độ học viên — Hà Nội" in page.text  # one province: its units straight away
    assert "/progress/units/SKHCN.HNI" in page.text and "/progress/units/HNI.BADINH" in page.text
    assert "Khánh Hòa" not in page.text and "SKHCN.KHA" not in page.text
    row = re.search(r'<tr data-unit="SKHCN.HNI">(.*?)</tr>', page.text, re.S)
    assert row is not None
    # receiver, receiver2, handler, leader; not the auditor (more in tests/progress/test_dashboard)
    assert re.findall(r"<td>([^<]*)</td>", row.group(1))[0] == "4"
    # the unit page of another province is a 404 to this mentor
    assert client.get("/progress/units/SKHCN.KHA").status_code == 404
    # a trainee's /progress is their own page
    sign_in(world["hni.receiver"])
    r = client.get("/progress", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/progress/users/hni.receiver"


# ---- points, badges, leaderboard, opt-out -----------------------------------------------------


def test_points_and_badges_are_computed():
    from casework.progress.service import Run, score_of

    def run(sid, score, finished=True):  # type: ignore[no-untyped-def]
        return Run(dossier=None, scenario_id=sid, title=sid, score=score, finished=finished)  # type: ignore[arg-type]

    assert score_of([], []).points == 0
    # a replay counts once, at its best score; unfinished runs count nothing
    got = score_of([run("a", 60), run("a", 80), run("b", 100, finished=False)], [])
    assert (got.points, got.badges) == (18, ["Bài đầu tiên"])
    signed = SignOffEntry(trainee_id=2, procedure_code="x", seq=1, kind="signed", mentor_id=1)
    got = score_of([run("a", 100)], [signed])
    assert (got.points, got.badges) == (
        10 + 10 + 30,
        ["Bài đầu tiên", "Điểm tuyệt đối", "Làm được độc lập"],
    )


def test_leaderboard_by_province_and_opt_out(client, session, assigned, hni_admin, sign_in):
    world = assigned
    mentor = world["bo.mentor"]
    grant(session, trainee=world["hni.receiver"], mentor=mentor, code=XRAY)
    grant(session, trainee=world["badinh.receiver"], mentor=mentor, code=XRAY)
    second = next(p.code for p in client.app.state.registry.all() if p.code != XRAY)
    grant(session, trainee=world["badinh.receiver"], mentor=mentor, code=second)
    sign_in(mentor)
    board = client.get("/progress/leaderboard?province=Hà Nội")
    assert board.status_code == 200
    assert 'data-testid="rank-hni.receiver"' in board.text
    assert 'data-testid="rank-badinh.receiver"' in board.text
    # ranked by the learning path: a larger share of a shorter (commune) path, and more points
    assert board.text.index("rank-badinh.receiver") < board.text.index("rank-hni.receiver")
    assert 'data-testid="rank-hni.receiver2"' not in board.text  # no points, not listed
    assert "Khánh Hòa" in board.text  # offered in the province choice

    # the admin of Sở KH&CN Hà Nội takes the unit off the board
    csrf = sign_in(hni_admin)
    page = client.get("/progress/units/SKHCN.HNI")
    assert 'action="/progress/units/SKHCN.HNI/opt-out"' in page.text
    r = client.post(
        "/progress/units/SKHCN.HNI/opt-out", data={"csrf_token": csrf, "opted_out": "1"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    session.rollback()
    assert [o.unit_id for o in session.exec(select(UnitOptOut)).all()] == [world.hni.id]
    board = client.get("/progress/leaderboard?province=Hà Nội").text
    assert 'data-testid="rank-hni.receiver"' not in board
    assert 'data-testid="rank-badinh.receiver"' in board  # the commune did not opt out
    standings = service.leaderboard(
        session, province="Hà Nội", scenarios=client.app.state.scenarios,
        calendars=CalendarSource(), procedures=client.app.state.registry,
        quizzes=client.app.state.quizzes,
    )  # fmt: skip
    assert [s.progress.user.username for s in standings] == ["badinh.receiver"]
    assert standings[0].rank == 1

    # a mentor sees the unit page but cannot opt it out
    csrf = sign_in(world["bo.mentor"])
    assert (
        'action="/progress/units/SKHCN.HNI/opt-out"'
        not in client.get("/progress/units/SKHCN.HNI").text
    )
    r = client.post(
        "/progress/units/SKHCN.HNI/opt-out", data={"csrf_token": csrf, "opted_out": "0"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 403

    # the admin puts it back
    csrf = sign_in(hni_admin)
    client.post("/progress/units/SKHCN.HNI/opt-out", data={"csrf_token": csrf, "opted_out": "0"})
    session.rollback()
    assert session.exec(select(UnitOptOut)).all() == []
    assert (
        'data-testid="rank-hni.receiver"'
        in client.get("/progress/leaderboard?province=Hà Nội").text
    )


def test_leaderboard_ranks_ties_together(session, assigned, registry):
    world = assigned
    from casework.learning.quizzes import QuizRegistry

    for name in ("hni.receiver", "hni.receiver2"):  # the same role: the same path
        grant(session, trainee=world[name], mentor=world["bo.mentor"], code=XRAY)
    standings = service.leaderboard(
        session, province="Hà Nội",
        scenarios=ScenarioRegistry.from_directory(PROJECT_ROOT / "workflows" / "scenarios", registry),
        calendars=CalendarSource(), procedures=registry,
        quizzes=QuizRegistry.from_directory(PROJECT_ROOT / "workflows" / "quizzes", registry),
    )  # fmt: skip
    assert [s.rank for s in standings] == [1, 1]
    assert {s.progress.user.username for s in standings} == {"hni.receiver", "hni.receiver2"}


def test_progress_pages_in_english(client, assigned, sign_in):
    sign_in(assigned["bo.mentor"])
    page = client.get("/progress/users/hni.receiver?lang=en").text
    assert "Points and badges" in page and "0 points" in page
    assert "Trainee progress" in client.get("/progress").text
    assert "Leaderboard" in client.get("/progress/leaderboard").text
