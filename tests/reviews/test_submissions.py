"""The trainee's side of review on both databases: "Nộp để nhận xét" (who may, when, the event it
writes, resubmission after a redo) and replies in a mentor's thread (who may, where they show,
"có trả lời mới"); on the services and on the dossier page."""

from __future__ import annotations

import pytest
from sqlmodel import select

from casework.dossiers import audit
from casework.dossiers.catalog import procedure_of
from casework.dossiers.models import Dossier, Event
from casework.errors import ActionNotAllowed, NotFound, PermissionDenied, ValidationFailed
from casework.reviews import queue, service, submissions
from casework.reviews.runs import run_status, submit_refusal
from tests.factories import fire, open_xray
from tests.reviews.test_reviews import events, practice_at_signing, seq_of, timeline_item


def waiting_codes(session, mentor):
    found, _ = queue.review_queue(session, user=mentor)
    return [d.code for d in found.items]


def status_of(session, code):
    session.rollback()
    d = session.exec(select(Dossier).where(Dossier.code == code)).one()
    return run_status(
        session.exec(select(Event).where(Event.dossier_id == d.id).order_by(Event.seq)).all()
    )


# ---- submitting -------------------------------------------------------------------------------


def test_a_trainee_submits_and_the_run_waits_for_a_verdict(session, world, xray, assigned):
    d = practice_at_signing(session, xray, world)
    mentor = world["bo.mentor"]
    assert waiting_codes(session, mentor) == []  # worked on, not submitted: not in the default tab
    ev = submissions.submit(
        session, actor=world["hni.handler"], code=d.code, note="Em chưa chắc bước thẩm định."
    )
    assert ev.kind == "submitted" and ev.actor_id == world["hni.handler"].id
    assert ev.payload == {
        "label": "Nộp để nhận xét", "state": "signing", "round": 1,
        "note": "Em chưa chắc bước thẩm định.",
    }  # fmt: skip
    assert audit.verify(session).ok  # hash-chained like every event
    assert waiting_codes(session, mentor) == [d.code]
    fresh = status_of(session, d.code)
    assert fresh.waiting and fresh.submissions == 1
    # waiting: not again
    with pytest.raises(ActionNotAllowed, match="đang chờ cán bộ hướng dẫn nhận xét"):
        submissions.submit(session, actor=world["hni.receiver"], code=d.code)
    session.rollback()
    assert len(events(session, "submitted")) == 1


def test_only_a_trainee_of_the_run_submits_it(session, world, xray, assigned):
    d = practice_at_signing(session, xray, world)
    real = open_xray(session, xray, world["hni.receiver"])
    refusals = [
        (world["hni.receiver2"], d.code, PermissionDenied),  # same unit, did none of the work
        (world["bo.mentor"], d.code, PermissionDenied),  # the mentor reads it, did no work
        (world["kha.receiver"], d.code, NotFound),  # may not even see it
        (world["hni.receiver"], real.code, PermissionDenied),  # a real dossier
    ]
    for who, code, error in refusals:
        with pytest.raises(error):
            submissions.submit(session, actor=who, code=code)
        session.rollback()
    assert events(session, "submitted") == []
    with pytest.raises(ValidationFailed) as exc:
        submissions.submit(session, actor=world["hni.receiver"], code=d.code, note="x" * 1001)
    assert set(exc.value.fields) == {"note"}


def test_after_a_redo_the_trainee_redoes_and_submits_again(session, world, xray, assigned):
    d = practice_at_signing(session, xray, world)
    handler, mentor = world["hni.handler"], world["bo.mentor"]
    submissions.submit(session, actor=handler, code=d.code)
    service.give_verdict(
        session, actor=mentor, code=d.code, verdict="redo", to_state="reviewing",
        note="Kết luận thẩm định chưa khớp.",
    )  # fmt: skip
    assert waiting_codes(session, mentor) == []
    with pytest.raises(ActionNotAllowed, match="làm lại bước đó rồi nộp lại"):
        submissions.submit(session, actor=handler, code=d.code)
    session.rollback()
    fire(
        session, handler, d.code, "submit_for_signing",
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Hai máy X-quang",
    )  # fmt: skip
    ev = submissions.submit(session, actor=handler, code=d.code)
    assert ev.payload["round"] == 2
    assert waiting_codes(session, mentor) == [d.code]
    service.give_verdict(session, actor=mentor, code=d.code, verdict="pass", note="Tốt.")
    with pytest.raises(ActionNotAllowed, match="đã được nhận xét đạt"):
        submissions.submit(session, actor=handler, code=d.code)
    session.rollback()
    assert audit.verify(session).ok


def test_a_run_started_again_is_not_submitted(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"], mode="practice")
    d.data = {**d.data, "replaced_by": "LT-MOI"}
    _, procedure = procedure_of(session, d)
    assert "LT-MOI" in (submit_refusal(d, procedure, run_status([])) or "")


# ---- replies ----------------------------------------------------------------------------------


def test_the_trainee_replies_in_the_mentors_thread(session, world, xray, assigned):
    d = practice_at_signing(session, xray, world)
    step = seq_of(session, d, "submit_for_signing")
    comment = service.add_comment(
        session, actor=world["bo.mentor"], code=d.code, on=step, text="Vì sao trình ký ngay?"
    )
    assert not status_of(session, d.code).new_reply
    ev = submissions.reply(
        session, actor=world["hni.handler"], code=d.code, reply_to=comment.seq,
        text="Em tưởng phiếu đã đủ số sê-ri.",
    )  # fmt: skip
    assert ev.payload == {
        "on": step, "reply_to": comment.seq, "text": "Em tưởng phiếu đã đủ số sê-ri.",
        "by": "trainee",
    }  # fmt: skip
    assert status_of(session, d.code).new_reply
    # the mentor answers: the reply is no longer new
    service.add_comment(
        session, actor=world["bo.mentor"], code=d.code, on=None, reply_to=ev.seq,
        text="Xem lại dòng số sê-ri.",
    )  # fmt: skip
    assert not status_of(session, d.code).new_reply
    assert audit.verify(session).ok


def test_replies_are_refused_outside_a_thread_and_to_others(session, world, xray, assigned):
    d = practice_at_signing(session, xray, world)
    real = open_xray(session, xray, world["hni.receiver"])
    comment = service.add_comment(session, actor=world["bo.mentor"], code=d.code, on=2, text="?")
    handler = world["hni.handler"]
    for reply_to in (None, "", 2, 999):  # a top-level comment, an action, no such event
        with pytest.raises(ValidationFailed):
            submissions.reply(session, actor=handler, code=d.code, reply_to=reply_to, text="Dạ")
        session.rollback()
    with pytest.raises(ValidationFailed):
        submissions.reply(session, actor=handler, code=d.code, reply_to=comment.seq, text=" ")
    session.rollback()
    for who, code, error in (
        (world["hni.receiver2"], d.code, PermissionDenied),
        (world["kha.receiver"], d.code, NotFound),
        (world["hni.receiver"], real.code, PermissionDenied),
    ):
        with pytest.raises(error):
            submissions.reply(session, actor=who, code=code, reply_to=comment.seq, text="Dạ")
        session.rollback()
    assert len(events(session, "comment")) == 1


# ---- on the dossier page ----------------------------------------------------------------------


def test_submit_and_reply_on_the_dossier_page(client, session, world, xray, sign_in, assigned):
    d = practice_at_signing(session, xray, world)
    step = seq_of(session, d, "submit_for_signing")
    comment = service.add_comment(
        session, actor=world["bo.mentor"], code=d.code, on=step, text="Vì sao trình ký ngay?"
    )
    # someone of the unit who did none of the work sees neither button nor reply form
    sign_in(world["hni.receiver2"])
    html = client.get(f"/dossiers/{d.code}").text
    assert "/reviews/submit" not in html and "/reviews/replies" not in html

    token = sign_in(world["hni.handler"])
    html = client.get(f"/dossiers/{d.code}").text
    assert 'action="/dossiers/' + d.code + '/reviews/submit"' in html
    assert f'action="/dossiers/{d.code}/reviews/replies"' in timeline_item(html, step)
    r = client.post(
        f"/dossiers/{d.code}/reviews/replies",
        data={"csrf_token": token, "reply_to": str(comment.seq), "text": "Em thấy phiếu đủ."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    reply = events(session, "comment")[-1]
    assert r.headers["location"] == f"/dossiers/{d.code}#ev-{reply.seq}"
    r = client.post(
        f"/dossiers/{d.code}/reviews/submit",
        data={"csrf_token": token, "note": "Nhờ anh xem giúp."},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("#submit-review")
    html = client.get(f"/dossiers/{d.code}").text
    assert "Đã nộp, đang chờ cán bộ hướng dẫn nhận xét" in html
    assert "Nhờ anh xem giúp." in html
    assert "/reviews/submit" not in html  # waiting: no second submission
    # a second one sent anyway is refused with the reason, nothing written
    r = client.post(f"/dossiers/{d.code}/reviews/submit", data={"csrf_token": token})
    assert r.status_code == 409 and "đang chờ cán bộ hướng dẫn nhận xét" in r.text
    assert len(events(session, "submitted")) == 1

    # the mentor sees the reply in the thread, the submission on the page and on the card
    sign_in(world["bo.mentor"])
    html = client.get(f"/dossiers/{d.code}").text
    item = timeline_item(html, step)
    assert "Trả lời của học viên" in item and "Em thấy phiếu đủ." in item
    assert f'action="/dossiers/{d.code}/reviews/comments"' in item  # mentors reply as mentors
    assert "Đã nộp, đang chờ cán bộ hướng dẫn nhận xét" in html
    card = client.get("/reviews").text
    assert d.code in card and "Có trả lời mới" in card
    assert "Cán bộ hni.handler" in card and "Nhờ anh xem giúp." in card


def test_a_refused_reply_keeps_the_page_and_names_the_field(
    client, session, world, xray, sign_in, assigned
):
    d = practice_at_signing(session, xray, world)
    comment = service.add_comment(session, actor=world["bo.mentor"], code=d.code, on=2, text="?")
    token = sign_in(world["hni.handler"])
    r = client.post(
        f"/dossiers/{d.code}/reviews/replies",
        data={"csrf_token": token, "reply_to": str(comment.seq), "text": ""},
    )
    assert r.status_code == 422 and "Chưa gửi được góp ý." in r.text
    assert len(events(session, "comment")) == 1
