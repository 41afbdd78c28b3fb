"""A trainee's withdrawal of a submission and a mentor told of trainees' replies, on both
databases: withdrawing takes the run out of the queue and the reminders and writes the history;
it is refused once a mentor commented, and when nothing waits; the run can be submitted again. A
trainee's reply in a mentor's thread is a new notification for that mentor (badge, page, link to
the thread); another mentor who never touched the run is not told, nor is the trainee."""

from __future__ import annotations

import re

import pytest

from casework.dossiers import audit
from casework.errors import ActionNotAllowed
from casework.notifications import service as notifications
from casework.reviews import service, submissions
from casework.reviews.notes import mentor_replies
from tests.reviews.test_reviews import events, practice_at_signing, seq_of
from tests.reviews.test_submissions import status_of, waiting_codes


def test_a_submission_no_mentor_started_is_withdrawn(session, world, xray, assigned):
    d = practice_at_signing(session, xray, world)
    mentor, trainee = world["bo.mentor"], world["hni.handler"]
    submissions.submit(session, actor=trainee, code=d.code)
    assert status_of(session, d.code).untouched
    ev = submissions.withdraw(session, actor=world["hni.receiver"], code=d.code)  # a co-trainee
    assert ev.kind == "withdrawn"
    assert ev.payload == {"label": "Rút lại bài nộp để nhận xét", "round": 1}
    assert audit.verify(session).ok
    assert waiting_codes(session, mentor) == []  # out of the queue
    status = status_of(session, d.code)
    assert not status.waiting and status.withdrawn is not None and status.submissions == 1
    # nothing waits now: not twice
    with pytest.raises(ActionNotAllowed, match="không ở trong hàng chờ"):
        submissions.withdraw(session, actor=trainee, code=d.code)
    session.rollback()
    # submitted again: waits again, round 2
    again = submissions.submit(session, actor=trainee, code=d.code)
    assert again.payload["round"] == 2 and waiting_codes(session, mentor) == [d.code]
    assert status_of(session, d.code).withdrawn is None


def test_once_a_mentor_commented_it_cannot_be_withdrawn(session, world, xray, assigned):
    d = practice_at_signing(session, xray, world)
    submissions.submit(session, actor=world["hni.handler"], code=d.code)
    step = seq_of(session, d, "submit_for_signing")
    service.add_comment(session, actor=world["bo.mentor"], code=d.code, on=step, text="Xem lại")
    assert not status_of(session, d.code).untouched
    with pytest.raises(ActionNotAllowed, match="đã bắt đầu xem"):
        submissions.withdraw(session, actor=world["hni.handler"], code=d.code)
    session.rollback()
    assert events(session, "withdrawn") == []
    assert waiting_codes(session, world["bo.mentor"]) == [d.code]


def test_withdraw_on_the_dossier_page(client, session, world, xray, sign_in, assigned):
    d = practice_at_signing(session, xray, world)
    csrf = sign_in(world["hni.handler"])
    r = client.post(f"/dossiers/{d.code}/reviews/submit", data={"csrf_token": csrf, "note": ""})
    assert r.status_code == 200  # followed to the page
    page = client.get(f"/dossiers/{d.code}").text
    assert "Rút lại bài nộp" in page and "/reviews/withdraw" in page
    r = client.post(
        f"/dossiers/{d.code}/reviews/withdraw", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"].endswith("#submit-review")
    page = client.get(f"/dossiers/{d.code}").text
    assert 'data-testid="withdrawn"' in page and "Rút lại bài nộp để nhận xét" in page  # history
    # refused a second time: the page again with the reason, nothing written
    r = client.post(f"/dossiers/{d.code}/reviews/withdraw", data={"csrf_token": csrf})
    assert r.status_code == 409 and "không ở trong hàng chờ" in r.text
    # the mentor cannot withdraw a trainee's run
    csrf = sign_in(world["bo.mentor"])
    submissions.submit(session, actor=world["hni.handler"], code=d.code)
    r = client.post(f"/dossiers/{d.code}/reviews/withdraw", data={"csrf_token": csrf})
    assert r.status_code == 403


def test_a_trainees_reply_notifies_the_mentor_of_the_thread(
    client, session, world, xray, sign_in, assigned
):
    d = practice_at_signing(session, xray, world)
    mentor = world["bo.mentor"]
    step = seq_of(session, d, "submit_for_signing")
    comment = service.add_comment(session, actor=mentor, code=d.code, on=step, text="Vì sao?")
    assert mentor_replies(session, user=mentor, seen_at=None)[1] == 0
    csrf = sign_in(mentor)
    client.post("/notifications/seen", data={"csrf_token": csrf})
    before = notifications.badge_count(session, user=mentor, calendars=client.app.state.calendars)
    reply = submissions.reply(
        session, actor=world["hni.handler"], code=d.code, reply_to=comment.seq,
        text="Em tưởng phiếu đã đủ.",
    )  # fmt: skip
    notes, total, new = mentor_replies(session, user=mentor, seen_at=None)
    assert total == 1 and notes[0].event.seq == reply.seq
    after = notifications.badge_count(session, user=mentor, calendars=client.app.state.calendars)
    assert after == before + 1
    page = client.get("/notifications").text
    section = page[page.index('id="replies"') :]
    assert "Em tưởng phiếu đã đủ." in section
    link = re.search(r'href="(/dossiers/[^"#]+#ev-\d+)" data-testid="reply-link"', section)
    assert link and link.group(1) == f"/dossiers/{d.code}#ev-{step}"  # the thread
    # the mentor's own reply is not a notification for them; the trainee is not told as a mentor
    service.add_comment(
        session, actor=mentor, code=d.code, on=None, reply_to=reply.seq, text="Xem lại dòng 3."
    )
    assert mentor_replies(session, user=mentor, seen_at=None)[1] == 1
    assert mentor_replies(session, user=world["hni.handler"], seen_at=None)[1] == 0
