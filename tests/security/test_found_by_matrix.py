"""Access bugs the exact access matrix found (issue 8), pinned one by one.

The matrix (`test_access_matrix.py`) catches them too; these say what each one was.
"""

from __future__ import annotations

import logging

from sqlmodel import func, select

from casework.accounts import service as accounts
from casework.dossiers.models import Dossier
from casework.reviews.models import MentorAssignment
from casework.scenarios import service as scenarios
from tests.factories import TZ
from tests.security.unsafe_requests import PROCEDURE, SCENARIO


def _open(client, token, procedure=PROCEDURE):  # type: ignore[no-untyped-def]
    form = {
        "csrf_token": token, "procedure": procedure, "mode": "practice", "channel": "in_person",
        "kind": "person", "applicant_name": "Người nộp không được mở",
    }  # fmt: skip
    return client.post("/dossiers", data=form, follow_redirects=False)


def test_opening_a_procedure_the_user_may_not_open_is_a_logged_403(
    client, session, world, sign_in, caplog
):
    """It was a 422 form error ("Chọn thủ tục."), not logged, for a handler, an auditor, a
    commune's staff… (the form never offers it; DESIGN §6: a refusal is a logged 403/404)."""
    for name in ("hni.handler", "hni.auditor", "bo.mentor", "badinh.receiver"):
        token = sign_in(world[name])
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="casework.access"):
            r = _open(client, token)
        assert r.status_code == 403, (name, r.status_code)
        assert any("status=403 path=/dossiers " in m for m in caplog.messages), name
    assert session.exec(select(func.count()).select_from(Dossier)).one() == 0
    # an unknown procedure is still a form error, and a receiver still opens one
    token = sign_in(world["hni.receiver"])
    assert _open(client, token, procedure="0.000000").status_code == 422
    assert _open(client, token).status_code == 303


def test_a_mentors_own_unit_shows_them_no_scenario_run(
    app, client, session, world, registry, sign_in
):
    """The scenario page listed every scenario run of the user's unit, code and applicant, to a
    mentor of that unit who is not assigned to it (and so may not read them, DESIGN §6)."""
    mentor = accounts.create_user(
        session, username="hni.mentor", full_name="Cán bộ hướng dẫn", unit=world.hni,
        roles=["mentor"],
    )  # fmt: skip
    scenario = app.state.scenarios.get(SCENARIO)
    run = scenarios.start(
        session, actor=world["hni.receiver"], scenario=scenario, procedures=registry, tz=TZ
    )
    sign_in(mentor)
    page = client.get("/scenarios").text
    assert run.code not in page
    # the briefing may name the made-up applicant; the unit's runs are not listed at all
    assert "Bài đã làm ở đơn vị" not in page
    assert f"— {scenario.applicant.name} ·" not in page
    sign_in(world["hni.receiver"])
    assert run.code in client.get("/scenarios").text
    # assigned to the unit, the mentor reads its practice dossiers, and sees the run listed
    session.add(MentorAssignment(mentor_id=mentor.id, unit_id=world.hni.id))
    session.commit()
    sign_in(mentor)
    assert run.code in client.get("/scenarios").text
