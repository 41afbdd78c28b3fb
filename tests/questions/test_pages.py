"""Question pages on both databases: ask from the procedure page, the mentors' queue with the
waiting time, answering, the FAQ on the procedure page with the time to answer, search without
accents, private answers, refusals, and the form keeping what was typed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlmodel import select

from casework.clock import default_calendar
from casework.db import utcnow
from casework.questions import service
from casework.questions.models import Question
from tests.factories import TZ

XRAY = "2.002131"
TEXT = "Thiết bị X-quang răng đã kiểm định có cần đo liều lại khi thẩm định không?"


def fresh(session):
    """Forget what the test session holds: the app wrote meanwhile."""
    session.rollback()
    session.expire_all()


def ask(client, token, text=TEXT, step="reviewing"):
    return client.post(
        "/questions",
        data={"csrf_token": token, "procedure": XRAY, "step": step, "text": text},
        follow_redirects=False,
    )


def version_of(page: str) -> str:
    return re.search(r'name="version" value="(\d+)"', page).group(1)


def test_ask_queue_answer_and_faq(client, session, world, sign_in):
    token = sign_in(world["hni.handler"])
    page = client.get(f"/procedures/{XRAY}").text
    assert f'href="/questions/new?procedure={XRAY}&amp;step=reviewing"' in page
    assert "Đặt câu hỏi về bước này" in page
    form = client.get(f"/questions/new?procedure={XRAY}&step=reviewing").text
    assert '<option value="reviewing" selected>' in form

    r = ask(client, token)
    assert r.status_code == 303, r.text
    q = session.exec(select(Question)).one()
    assert r.headers["location"] == f"/questions/{q.id}?asked=1"
    assert (q.state, q.unit_id, q.status) == ("reviewing", world.hni.id, "open")
    assert "Đã gửi câu hỏi lên Bộ" in client.get(r.headers["location"]).text
    mine = client.get("/questions/mine").text
    assert TEXT in mine and "Chưa có trả lời." in mine

    # it has waited since yesterday: the queue shows it with its waiting time
    q.asked_at = utcnow() - timedelta(days=1)
    session.add(q)
    session.commit()
    sign_in(world["bo.mentor"])
    queue = client.get("/questions/queue").text
    assert TEXT in queue and "Sở KH&amp;CN Hà Nội" in queue and "Cán bộ hni.handler" in queue
    assert 'data-testid="waited">đã chờ ' in queue
    badge = client.get("/questions/badge").text
    assert 'aria-label="1 câu hỏi, câu trả lời cần xem">1<' in badge

    token = sign_in(world["bo.mentor"])
    detail = client.get(f"/questions/{q.id}").text
    r = client.post(
        f"/questions/{q.id}/answer",
        data={"csrf_token": token, "answer": "Không cần đo lại nếu giấy chứng nhận kiểm định "
              "còn hiệu lực.", "public": "1", "version": version_of(detail)},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text
    fresh(session)
    q = session.get(Question, q.id)
    assert q.status == "answered" and q.public and q.answer_minutes is not None
    took = service.Working.of(q.answer_minutes)
    assert "Không có câu hỏi nào đang chờ trả lời." in client.get("/questions/queue").text

    # the FAQ on the procedure page, under its step, with the time to answer (even signed out)
    client.cookies.clear()
    page = client.get(f"/procedures/{XRAY}").text
    faq = page[page.index('id="faq"') : page.index("Lịch sử phiên bản")]
    assert "Bước: Thẩm định hồ sơ" in faq and TEXT in faq
    assert "giấy chứng nhận kiểm định" in faq
    assert "trả lời sau " in faq and str(took.vi()).split()[0] in faq
    assert "Cán bộ hni.handler" not in page  # the FAQ never names the asker

    # search without accents, on the page, as an htmx fragment, and across procedures
    found = client.get(f"/procedures/{XRAY}", params={"faq_q": "KIEM DINH rang"}).text
    assert TEXT in found and 'value="KIEM DINH rang"' in found
    none = client.get(f"/procedures/{XRAY}", params={"faq_q": "le phi"}).text
    assert TEXT not in none and "Không có câu hỏi nào khớp." in none
    fragment = client.get(
        f"/procedures/{XRAY}", params={"faq_q": "do lieu"}, headers={"HX-Request": "true"}
    ).text
    assert TEXT in fragment and "<html" not in fragment and 'id="faq-results"' in fragment
    listed = client.get("/questions", params={"q": "thiet bi x-quang"}).text
    assert TEXT in listed and "1 câu hỏi đã trả lời" in listed
    assert TEXT not in client.get("/questions", params={"q": "thiet bi le phi"}).text

    # the asker is told, and can mark the answer read
    token = sign_in(world["hni.handler"])
    assert 'aria-label="1 câu hỏi, câu trả lời cần xem">1<' in client.get("/questions/badge").text
    mine = client.get("/questions/mine").text
    assert "MỚI" in mine and "giấy chứng nhận kiểm định" in mine
    drawn = re.search(r'name="drawn_at" value="([^"]+)"', mine).group(1)
    r = client.post(
        "/questions/mine/read",
        data={"csrf_token": token, "drawn_at": drawn},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "question-count" not in client.get("/questions/badge").text


def test_time_to_answer_is_shown_in_working_days_and_hours(client, session, world, xray):
    q = service.ask(
        session, user=world["hni.handler"], procedure=xray, values={"text": TEXT, "step": "signing"}
    )
    q.asked_at = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
    session.add(q)
    session.commit()
    service.answer(
        session, user=world["bo.mentor"], question_id=q.id, calendar=default_calendar(),
        now=datetime(2026, 3, 3, 12, 0, tzinfo=TZ),
        values={"answer": "Trình ký theo mẫu.", "public": "1", "version": str(q.version)},
    )  # fmt: skip
    page = client.get(f"/procedures/{XRAY}").text
    assert "Bước: Trình ký" in page
    assert 'data-testid="took">trả lời sau 1 ngày 3 giờ</span>' in page
    en = client.get(f"/procedures/{XRAY}?lang=en").text
    assert "answered after 1 d 3 h" in en


def test_private_answer_is_not_in_the_faq(client, session, world, sign_in):
    token = sign_in(world["hni.handler"])
    ask(client, token, text="Hồ sơ của Bệnh viện Hồng Ngọc thiếu giấy phép, xử lý sao?")
    q = session.exec(select(Question)).one()
    token = sign_in(world["bo.mentor"])
    r = client.post(
        f"/questions/{q.id}/answer",
        data={"csrf_token": token, "answer": "Yêu cầu bổ sung theo Mẫu 02.", "version": "1"},
        follow_redirects=False,
    )  # no "public": kept private
    assert r.status_code == 303
    assert "Hồng Ngọc" in client.get("/questions").text  # answerers see it, marked private
    assert "không công khai" in client.get("/questions").text

    client.cookies.clear()
    assert "Hồng Ngọc" not in client.get(f"/procedures/{XRAY}").text
    assert "Hồng Ngọc" not in client.get("/questions").text
    assert client.get(f"/questions/{q.id}").status_code == 404
    sign_in(world["kha.receiver"])
    assert client.get(f"/questions/{q.id}").status_code == 404
    sign_in(world["hni.handler"])  # the asker still reads it
    page = client.get(f"/questions/{q.id}").text
    assert "Yêu cầu bổ sung theo Mẫu 02." in page and "không công khai" in page


def test_only_mentors_and_ministry_admins_answer(client, session, world, admins, sign_in):
    token = sign_in(world["hni.handler"])
    ask(client, token)
    q = session.exec(select(Question)).one()
    for name in ("hni.receiver", "hni.leader", "hni.admin", "bo.auditor"):
        user = admins[name] if name in admins else world[name]
        token = sign_in(user)
        r = client.post(
            f"/questions/{q.id}/answer",
            data={"csrf_token": token, "answer": "Tôi trả lời", "public": "1", "version": "1"},
        )
        assert r.status_code == 403, name
        assert client.get("/questions/queue").status_code == 403, name
        assert 'name="answer"' not in client.get(f"/questions/{q.id}").text
    fresh(session)
    assert session.get(Question, q.id).status == "open"

    token = sign_in(admins["bo.admin"])
    r = client.post(
        f"/questions/{q.id}/answer",
        data={"csrf_token": token, "answer": "Bộ trả lời", "public": "1", "version": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    # mentors and auditors do not ask
    for name in ("bo.mentor", "bo.auditor"):
        sign_in(world[name])
        assert client.get(f"/questions/new?procedure={XRAY}").status_code == 403
        assert "Đặt câu hỏi về bước này" not in client.get(f"/procedures/{XRAY}").text


def test_empty_question_is_rejected_keeping_the_step(client, session, world, sign_in):
    token = sign_in(world["hni.handler"])
    r = ask(client, token, text="   ", step="signing")
    assert r.status_code == 422
    assert '<option value="signing" selected>' in r.text
    assert "Cần nhập nội dung câu hỏi." in r.text and 'aria-invalid="true"' in r.text
    r = ask(client, token, text="Câu hỏi dài " + "x" * 4000, step="signing")
    assert r.status_code == 422 and "dài quá 4.000 ký tự" in r.text
    assert "Câu hỏi dài xxx" in r.text  # what was typed is kept
    assert session.exec(select(Question)).first() is None
    assert ask(client, "wrong-token").status_code == 403  # CSRF


def test_a_stale_answer_form_is_a_conflict_that_keeps_the_text(client, session, world, sign_in):
    token = sign_in(world["hni.handler"])
    ask(client, token)
    q = session.exec(select(Question)).one()
    token = sign_in(world["bo.mentor"])
    first = {"csrf_token": token, "answer": "Trả lời thứ nhất", "public": "1", "version": "1"}
    assert client.post(f"/questions/{q.id}/answer", data=first).status_code == 200
    second = {**first, "answer": "Trả lời thứ hai"}  # drawn before the first was saved
    r = client.post(f"/questions/{q.id}/answer", data=second)
    assert r.status_code == 409
    assert "vừa được người khác trả lời" in r.text
    assert "Trả lời thứ hai</textarea>" in r.text and version_of(r.text) == "2"
    r = client.post(f"/questions/{q.id}/answer", data={**second, "answer": ""})
    assert r.status_code == 422 and "Cần nhập nội dung trả lời." in r.text
    fresh(session)
    assert session.get(Question, q.id).answer == "Trả lời thứ nhất"
