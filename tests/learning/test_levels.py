"""Stored learning-path levels on both databases (`learning.levels`, issue 16 item 8): a trainee's
level per field follows every write of evidence in the same transaction — a handbook page read, a
quiz passed, a mentor's verdict (and a redo), a sign-off and its revocation, a practice run
reaching its end — and /progress counts it per unit and province, sorts by it and exports it."""

from __future__ import annotations

import csv
import io

from sqlmodel import select

from casework.dossiers.clockwork import CalendarSource
from casework.learning import levels
from casework.learning import service as learning
from casework.learning.models import LearningLevel
from casework.learning.quizzes import QuizRegistry
from casework.procedures import ProcedureRegistry
from casework.progress import figures
from casework.reviews import service as reviews
from casework.scenarios.schema import ScenarioRegistry
from casework.signoffs import service as signoffs
from tests.factories import TZ
from tests.learning.test_learning import answers, post_quiz
from tests.signoffs.factories import practice_run

XRAY = "2.002131"
RADIATION = "An toàn bức xạ và hạt nhân"
MEASUREMENT = "Đo lường"
TRAINEE = "badinh.receiver"


def stored(session, user) -> dict[str, int]:  # type: ignore[no-untyped-def]
    session.rollback()
    rows = session.exec(select(LearningLevel).where(LearningLevel.user_id == user.id)).all()
    return {r.field: r.level for r in rows}


def xray_only(registry) -> levels.Catalog:  # type: ignore[no-untyped-def]
    """A catalogue of the X-ray declaration alone, with no quiz and no scenario: its stages are
    read → review → sign-off, so each write moves the level."""
    return levels.Catalog(
        ProcedureRegistry([registry.get(XRAY)]), ScenarioRegistry([]), QuizRegistry([]),
        CalendarSource(),
    )  # fmt: skip


def test_each_write_of_evidence_moves_the_stored_level(session, assigned, registry):  # type: ignore[no-untyped-def]
    world = assigned
    trainee, mentor = world["hni.receiver"], world["bo.mentor"]
    cat = xray_only(registry)
    levels.refresh(session, [trainee.id], cat)
    session.commit()
    assert stored(session, trainee) == {RADIATION: 0}
    # a read: «Làm quen», and «Cơ bản» at once (no quiz to pass)
    assert learning.record_read(session, user=trainee, procedure_code=XRAY, tz=TZ, levels=cat)
    assert stored(session, trainee) == {RADIATION: 2}
    # a verdict «Đạt» on a run of it: «Thành thạo»; a redo of the same run takes it back
    run = practice_run(session, trainee=trainee, procedure=registry.get(XRAY))
    reviews.give_verdict(session, actor=mentor, code=run.code, verdict="pass", levels=cat)
    assert stored(session, trainee) == {RADIATION: 3}
    # signed off: «Độc lập»; revoked: back to «Thành thạo»
    signoffs.sign_off(
        session, mentor=mentor, trainee=trainee, procedure_code=XRAY, note="",
        procedures=cat.procedures, levels=cat,
    )  # fmt: skip
    assert stored(session, trainee) == {RADIATION: 4}
    signoffs.revoke_sign_off(
        session, mentor=mentor, trainee=trainee, procedure_code=XRAY, reason="Làm sai",
        levels=cat,
    )  # fmt: skip
    assert stored(session, trainee) == {RADIATION: 3}
    # /progress's query counts the trainee at level 3 in their unit
    counts = figures.learning_path_levels(session, figures.true())
    assert counts[world.hni.id] == {(RADIATION, 3): 1}


def test_a_redo_takes_the_level_back(session, assigned, registry):  # type: ignore[no-untyped-def]
    world = assigned
    trainee, mentor = world["hni.receiver"], world["bo.mentor"]
    cat = xray_only(registry)
    learning.record_read(session, user=trainee, procedure_code=XRAY, tz=TZ, levels=cat)
    session.rollback()  # the read was written by its own session: start a fresh snapshot
    run = practice_run(session, trainee=trainee, procedure=registry.get(XRAY))
    reviews.give_verdict(session, actor=mentor, code=run.code, verdict="pass", levels=cat)
    assert stored(session, trainee) == {RADIATION: 3}
    choices = reviews.redo_choices(session, run, registry.get(XRAY))
    if not choices:  # the run never left its first step: nothing to go back to
        return
    reviews.give_verdict(
        session, actor=mentor, code=run.code, verdict="redo", to_state=choices[0][0],
        note="Làm lại bước đầu", levels=cat,
    )  # fmt: skip
    assert stored(session, trainee) == {RADIATION: 2}


def test_without_a_catalogue_nothing_is_written_and_a_non_trainee_loses_the_rows(
    session, assigned, registry
):  # type: ignore[no-untyped-def]
    world = assigned
    trainee = world["hni.receiver"]
    learning.record_read(session, user=trainee, procedure_code=XRAY, tz=TZ)
    assert stored(session, trainee) == {}
    cat = xray_only(registry)
    levels.refresh(session, [trainee.id], cat)
    session.commit()
    assert stored(session, trainee) == {RADIATION: 2}
    trainee.roles = ["auditor"]
    session.add(trainee)
    session.commit()
    assert levels.rebuild(session, cat) >= 1
    assert stored(session, trainee) == {}


def _csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_quizzes_passed_over_http_show_on_progress(client, session, provinces, sign_in, quizzes):  # type: ignore[no-untyped-def]
    """The shipped catalogue: reading and passing the quizzes of every procedure of the trainee's
    «Đo lường» path moves the stored level to «Cơ bản»; the ministry's /progress counts it for
    Hà Nội and Ba Đình, and the CSV has the column."""
    world = provinces
    trainee = world[TRAINEE]
    cat = levels.catalog_of(client.app.state)
    paths = levels.computed(session, [trainee], cat)
    assert paths[trainee.id][MEASUREMENT] == 0
    from casework.learning.path import paths_of
    from casework.progress.service import progress_of

    progress = progress_of(session, [trainee], scenarios=cat.scenarios, calendars=cat.calendars)
    path = paths_of(
        session, progress, procedures=cat.procedures, scenarios=cat.scenarios, quizzes=cat.quizzes
    )[trainee.id]
    codes = [p.code for f in path.fields if f.field == MEASUREMENT for p in f.procedures]
    assert codes
    csrf = sign_in(trainee)
    for code in codes:
        assert client.get(f"/procedures/{code}").status_code == 200
    assert stored(session, trainee)[MEASUREMENT] == 1
    for code in codes:
        if code in quizzes:
            quiz = quizzes.get(code)
            assert post_quiz(client, csrf, quiz, answers(quiz), code=code).status_code == 303
    assert stored(session, trainee)[MEASUREMENT] == 2

    sign_in(world["bo.auditor"])
    page = client.get("/progress").text
    assert 'id="f-path"' in page and f'<option value="{MEASUREMENT}" selected>' in page
    assert "Từ «Cơ bản»" in page
    units = client.get(f"/progress?units=1&path={MEASUREMENT}&sort=-lv2").text
    first = units.index('<tr data-unit="')
    assert units[first : first + 60].count(world.commune.code) == 1  # Ba Đình sorts first
    rows = _csv(client.get(f"/progress.csv?units=1&path={MEASUREMENT}").content)
    header = rows[0]
    col = header.index(f"{MEASUREMENT} — từ «Cơ bản»")
    by_unit = {r[0]: r for r in rows[1:]}
    assert by_unit[world.commune.code][col] == "1"
    assert by_unit[world.commune.code][header.index(f"{MEASUREMENT} — từ «Thành thạo»")] == "0"
