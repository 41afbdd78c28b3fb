"""Mentors answer the questions of the units assigned to them, or the ministry's question desk
(issue 17, finding 1), on both databases.

The finding: `hni.admin`, having made himself a mentor, read another province's private question
and published an answer on the public FAQ. Granting is now bounded (`tests/admin/test_grants.py`);
and a mentor, even a real one, only reaches the questions of their assigned units (and below) and
those on the desk — from units no active mentor is assigned to. Anything else is the 404 of a
question that does not exist: the page, the answer form, the queue, the badge, the list of
answered questions. The ministry's admins answer every question.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from casework.accounts import service as accounts
from casework.clock import default_calendar
from casework.questions import service
from casework.questions.models import Question
from casework.reviews.models import MentorAssignment


@pytest.fixture
def scene(session, world, xray):  # type: ignore[no-untyped-def]
    """bo.mentor coaches Hà Nội (and Ba Đình below it); kha.coach, a second ministry mentor,
    coaches Khánh Hòa; Đồng Tháp has no mentor: its questions are on the desk."""
    dth = accounts.create_unit(
        session, code="SKHCN.DTH", name="Sở KH&CN Đồng Tháp", kind="department",
        parent=world.ministry,
    )  # fmt: skip
    coach = accounts.create_user(
        session, username="kha.coach", full_name="Cán bộ hướng dẫn Khánh Hòa",
        unit=world.ministry, roles=["mentor"],
    )  # fmt: skip
    dth_receiver = accounts.create_user(
        session, username="dth.receiver", full_name="Cán bộ Đồng Tháp", unit=dth,
        roles=["receiver"],
    )  # fmt: skip
    session.add(MentorAssignment(mentor_id=world["bo.mentor"].id, unit_id=world.hni.id))
    session.add(MentorAssignment(mentor_id=coach.id, unit_id=world.kha.id))
    session.commit()

    def ask(user, text):  # type: ignore[no-untyped-def]
        return service.ask(session, user=user, procedure=xray, values={"text": text})

    questions = {
        "hni": ask(world["hni.receiver"], "Hà Nội hỏi: phiếu có cần dấu không?"),
        "badinh": ask(world["badinh.receiver"], "Ba Đình hỏi: hồ sơ nộp ở đâu?"),
        "kha": ask(world["kha.receiver"], "Khánh Hòa hỏi: phí bao nhiêu?"),
        "dth": ask(dth_receiver, "Đồng Tháp hỏi: thời hạn mấy ngày?"),
    }
    return {"coach": coach, "questions": questions}


def test_the_service_says_who_answers_what(session, world, admins, scene):
    q = scene["questions"]
    mentor, coach, bo_admin = world["bo.mentor"], scene["coach"], admins["bo.admin"]
    reach = {
        who.username: {k for k, v in q.items() if service.may_answer(session, who, v)}
        for who in (mentor, coach, bo_admin, admins["hni.admin"], world["hni.receiver"])
    }
    assert reach == {
        "bo.mentor": {"hni", "badinh", "dth"},
        "kha.coach": {"kha", "dth"},
        "bo.admin": {"hni", "badinh", "kha", "dth"},
        "hni.admin": set(),
        "hni.receiver": set(),
    }
    assert [service.on_desk(session, v) for v in q.values()] == [False, False, False, True]
    cal = default_calendar()
    queue = service.queue(session, user=coach, calendar=cal)
    assert [i.question.id for i in queue.items] == [q["kha"].id, q["dth"].id]
    assert queue.total == 2 and service.badge_count(session, user=coach) == 2
    assert service.badge_count(session, user=bo_admin) == 4


def test_a_mentor_not_assigned_gets_404_on_another_provinces_private_question(
    client, session, world, scene, sign_in
):
    q = scene["questions"]["hni"]
    token = sign_in(world["bo.mentor"])  # Hà Nội's mentor answers, privately
    r = client.post(
        f"/questions/{q.id}/answer",
        data={"csrf_token": token, "answer": "Cần đóng dấu.", "version": str(q.version)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]

    token = sign_in(scene["coach"])  # Khánh Hòa's mentor
    assert client.get(f"/questions/{q.id}").status_code == 404
    assert "Cần đóng dấu" not in client.get("/questions", params={"q": "dau"}).text
    queue = client.get("/questions/queue").text
    assert "Khánh Hòa hỏi" in queue and "Đồng Tháp hỏi" in queue and "Hà Nội hỏi" not in queue
    # publishing an answer to it on the public FAQ: the same 404, and nothing changes
    r = client.post(
        f"/questions/{q.id}/answer",
        data={"csrf_token": token, "answer": "Sửa trộm.", "public": "1", "version": "2"},
        follow_redirects=False,
    )
    assert r.status_code == 404
    session.expire_all()
    stored = session.get(Question, q.id)
    assert (stored.answer, stored.public) == ("Cần đóng dấu.", False)

    dth = scene["questions"]["dth"]  # the desk's question: any mentor answers it
    r = client.post(
        f"/questions/{dth.id}/answer",
        data={"csrf_token": token, "answer": "30 ngày.", "public": "1", "version": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    assert "30 ngày." in client.get(f"/questions/{dth.id}").text


def test_a_public_answer_is_read_by_everyone_but_edited_only_in_scope(
    client, session, world, scene, sign_in
):
    q = scene["questions"]["hni"]
    service.answer(
        session, user=world["bo.mentor"], question_id=q.id, calendar=default_calendar(),
        values={"answer": "Có, cần đóng dấu.", "public": "1", "version": str(q.version)},
    )  # fmt: skip
    sign_in(scene["coach"])
    page = client.get(f"/questions/{q.id}")
    assert page.status_code == 200 and "Có, cần đóng dấu." in page.text
    assert f'action="/questions/{q.id}/answer"' not in page.text  # no answer form
    assert "Cán bộ hni.receiver" not in page.text  # nor the asker, as for any reader
    sign_in(world["bo.mentor"])
    page = client.get(f"/questions/{q.id}").text
    assert f'action="/questions/{q.id}/answer"' in page and "Cán bộ hni.receiver" in page


def test_a_mentor_assignment_moves_a_question_off_the_desk(session, world, scene):
    dth_q = scene["questions"]["dth"]
    coach = scene["coach"]
    assert service.may_answer(session, world["bo.mentor"], dth_q)
    dth = session.exec(select(Question.unit_id).where(Question.id == dth_q.id)).one()
    session.add(MentorAssignment(mentor_id=coach.id, unit_id=dth))
    session.commit()
    assert not service.on_desk(session, dth_q)
    assert not service.may_answer(session, world["bo.mentor"], dth_q)
    assert service.may_answer(session, coach, dth_q)
    # an assigned mentor who is locked no longer holds the unit: back on the desk
    coach.is_active = False
    session.add(coach)
    session.commit()
    assert service.on_desk(session, dth_q)
    assert service.may_answer(session, world["bo.mentor"], dth_q)
