"""Mentor review on both databases: assignments decide visibility, comments and replies under
their event, checklist scores, verdicts (pass / redo from an earlier step), refusals, and the
trainee's notifications."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from casework.accounts import service as accounts
from casework.dossiers import audit
from casework.dossiers.models import Dossier, Event, StepRecord
from casework.errors import NotFound, PermissionDenied, ValidationFailed
from casework.notifications import service as notifications
from casework.reviews import queue, service
from casework.reviews.models import MentorAssignment
from tests.factories import fire, open_xray


def practice_at_signing(session, xray, world, receiver: str = "hni.receiver"):
    """A practice dossier of Hà Nội opened and accepted by `receiver`, taken to the leader's
    signature (steps received → reviewing → signing)."""
    d = open_xray(session, xray, world[receiver], mode="practice")
    fire(session, world[receiver], d, "accept")
    fire(
        session, world["hni.handler"], d, "submit_for_signing",
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Một máy X-quang",
    )  # fmt: skip
    return d


def queue_page(session, mentor, status, page=1, per_page=20):
    found, _ = queue.review_queue(
        session, user=mentor, filters=queue.Filters(status=status, page=page), per_page=per_page
    )
    return found


def events(session, kind, **where):
    """Committed events of `kind` (a new transaction, so what the app just wrote is seen)."""
    session.rollback()
    query = select(Event).where(Event.kind == kind)
    for key, value in where.items():
        query = query.where(getattr(Event, key) == value)
    return session.exec(query.order_by(Event.seq)).all()


def dossier(session, code):
    session.rollback()
    query = select(Dossier).where(Dossier.code == code)
    return session.exec(query.execution_options(populate_existing=True)).one()


def badge(client):
    m = re.search(r">(\d+)</span>", client.get("/notifications/badge").text)
    return int(m.group(1)) if m else 0


def seq_of(session, d, action):
    return session.exec(
        select(Event.seq).where(Event.dossier_id == d.id, Event.action == action)
    ).one()


def timeline_item(html, seq):
    """The <li id="ev-N"> of the timeline, up to the next top-level event."""
    start = html.index(f'<li id="ev-{seq}"')
    nxt = re.search(r'<li id="ev-\d+" ', html[start + 10 :])
    return html[start : start + 10 + nxt.start()] if nxt else html[start:]


# ---- visibility -------------------------------------------------------------------------------


def test_assignment_grants_practice_only_and_another_mentor_gets_404(
    client, session, world, xray, sign_in
):
    practice = open_xray(session, xray, world["hni.receiver"], mode="practice")
    real = open_xray(session, xray, world["hni.receiver"])
    other = accounts.create_user(
        session, username="bo.mentor2", full_name="Cán bộ hướng dẫn 2", unit=world.ministry,
        roles=["mentor"],
    )  # fmt: skip
    session.add(MentorAssignment(mentor_id=world["bo.mentor"].id, unit_id=world.hni.id))
    session.add(MentorAssignment(mentor_id=other.id, unit_id=world.kha.id))
    session.commit()

    sign_in(world["bo.mentor"])
    assert client.get(f"/dossiers/{practice.code}").status_code == 200
    assert client.get(f"/dossiers/{real.code}").status_code == 404  # no can_view_real
    queue = client.get("/reviews?status=all")
    assert queue.status_code == 200
    assert practice.code in queue.text and f'"/dossiers/{real.code}"' not in queue.text

    token = sign_in(other)
    assert client.get(f"/dossiers/{practice.code}").status_code == 404
    r = client.post(
        f"/dossiers/{practice.code}/reviews/comments",
        data={"csrf_token": token, "on": "1", "text": "Góp ý lạc đơn vị"},
    )
    assert r.status_code == 404
    assert practice.code not in client.get("/reviews?status=all").text


def test_a_commune_below_the_assigned_unit_is_included(session, world, registry, assigned):
    mentor = world["bo.mentor"]
    procedure = next(p for p in registry.all() if p.level == "commune")
    d = open_xray(session, procedure, world["badinh.receiver"], mode="practice")
    page = queue_page(session, mentor, "all")
    assert [x.code for x in page.items] == [d.code]


def test_can_view_real_is_read_only(client, session, world, xray, sign_in, assigned):
    real = open_xray(session, xray, world["hni.receiver"])
    assigned.can_view_real = True
    session.add(assigned)
    session.commit()
    token = sign_in(world["bo.mentor"])
    page = client.get(f"/dossiers/{real.code}")
    assert page.status_code == 200
    assert "Hồ sơ thật: chỉ góp ý" in page.text
    assert "/reviews/verdict" not in page.text
    r = client.post(f"/dossiers/{real.code}/actions/accept", data={"csrf_token": token})
    assert r.status_code == 403
    # a comment is fine, a verdict is not
    r = client.post(
        f"/dossiers/{real.code}/reviews/comments",
        data={"csrf_token": token, "on": "1", "text": "Nhớ hẹn đúng mốc 15 giờ."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"/dossiers/{real.code}/reviews/verdict",
        data={"csrf_token": token, "verdict": "pass"},
    )
    assert r.status_code == 403
    assert real.code not in client.get("/reviews?status=all").text  # the queue is practice only


def test_a_real_dossier_cannot_be_sent_back(session, world, xray, assigned):
    assigned.can_view_real = True
    session.add(assigned)
    session.commit()
    real = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], real, "accept")
    with pytest.raises(PermissionDenied):
        service.give_verdict(
            session, actor=world["bo.mentor"], code=real.code, verdict="redo",
            to_state="received", note="Làm lại",
        )  # fmt: skip
    fresh = dossier(session, real.code)
    assert fresh.state == "reviewing"
    assert events(session, "review") == []


def test_a_receiver_cannot_comment_as_mentor(client, session, world, xray, sign_in, assigned):
    d = open_xray(session, xray, world["hni.receiver"], mode="practice")
    token = sign_in(world["hni.receiver"])
    r = client.post(
        f"/dossiers/{d.code}/reviews/comments",
        data={"csrf_token": token, "on": "1", "text": "Tự khen"},
    )
    assert r.status_code == 403
    assert client.get("/reviews").status_code == 403
    assert events(session, "comment") == []


def test_mentor_without_assignment_sees_nothing(session, world, xray):
    open_xray(session, xray, world["hni.receiver"], mode="practice")
    assert queue_page(session, world["bo.mentor"], "all").total == 0
    with pytest.raises(NotFound):
        service.add_comment(session, actor=world["bo.mentor"], code="LT-X", on=1, text="…")


# ---- comments and scores ----------------------------------------------------------------------


def test_comment_and_reply_appear_under_their_event(
    client, session, world, xray, sign_in, assigned
):
    d = practice_at_signing(session, xray, world)
    accept = seq_of(session, d, "accept")
    token = sign_in(world["bo.mentor"])
    r = client.post(
        f"/dossiers/{d.code}/reviews/comments",
        data={"csrf_token": token, "on": str(accept), "text": "Hẹn trả phải tính mốc 15 giờ."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/dossiers/{d.code}#ev-{accept}"
    (first,) = events(session, "comment")
    r = client.post(
        f"/dossiers/{d.code}/reviews/comments",
        data={"csrf_token": token, "reply_to": str(first.seq), "text": "Xem lại Mẫu 01."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    reply = events(session, "comment")[1]
    assert reply.payload == {"on": accept, "reply_to": first.seq, "text": "Xem lại Mẫu 01."}

    # the trainee sees both, in place, under the accept event, the reply inside the thread
    sign_in(world["hni.receiver"])
    html = client.get(f"/dossiers/{d.code}").text
    item = timeline_item(html, accept)
    assert "Hẹn trả phải tính mốc 15 giờ." in item
    assert "Xem lại Mẫu 01." in item
    assert item.index("Hẹn trả phải") < item.index("Xem lại Mẫu 01.")
    assert f"trả lời #{first.seq}" in item
    timeline = html.split('id="timeline"')[1].split("</ol>")[0]
    assert f'<li id="ev-{first.seq}" ' not in timeline.replace(item, "")  # not an entry of its own
    assert "/reviews/comments" not in html  # no mentor forms for the trainee
    assert audit.verify(session).ok


def test_an_empty_comment_is_refused_and_nothing_is_written(
    client, session, world, xray, sign_in, assigned
):
    d = open_xray(session, xray, world["hni.receiver"], mode="practice")
    token = sign_in(world["bo.mentor"])
    r = client.post(
        f"/dossiers/{d.code}/reviews/comments", data={"csrf_token": token, "on": "1", "text": " "}
    )
    assert r.status_code == 422
    assert "Chưa gửi được góp ý." in r.text
    assert events(session, "comment") == []


def test_checklist_scores_are_stored_and_shown(client, session, world, xray, sign_in, assigned):
    d = practice_at_signing(session, xray, world)
    accept = seq_of(session, d, "accept")  # ends the step "received": three checklist items
    token = sign_in(world["bo.mentor"])
    page = client.get(f"/dossiers/{d.code}").text
    assert "Chấm điểm bước «Tiếp nhận hồ sơ»" in page
    data = {
        "csrf_token": token, "on": str(accept),
        "mark_0": "ok", "note_0": "",
        "mark_1": "not_ok", "note_1": "Thiếu số sê-ri máy thứ hai",
        "mark_2": "ok", "note_2": "",
    }  # fmt: skip
    r = client.post(f"/dossiers/{d.code}/reviews/scores", data=data, follow_redirects=False)
    assert r.status_code == 303
    (ev,) = events(session, "score")
    assert ev.payload["state"] == "received"
    assert (ev.payload["passed"], ev.payload["total"]) == (2, 3)
    assert ev.payload["items"][1] == {
        "item": "Ghi đủ hãng, model, số sê-ri, nơi đặt của từng thiết bị",
        "ok": False,
        "note": "Thiếu số sê-ri máy thứ hai",
    }
    sign_in(world["hni.receiver"])
    item = timeline_item(client.get(f"/dossiers/{d.code}").text, accept)
    assert "đạt 2/3" in item
    assert "Thiếu số sê-ri máy thứ hai" in item
    assert "score-not-ok" in item

    # every item must be scored
    with pytest.raises(ValidationFailed) as exc:
        service.score_step(
            session, actor=world["bo.mentor"], code=d.code, on=accept, marks=[("ok", "")]
        )
    assert set(exc.value.fields) == {"mark_1", "mark_2"}


# ---- verdicts ---------------------------------------------------------------------------------


def test_redo_moves_a_practice_dossier_back_and_the_trainee_acts_again(
    client, session, world, xray, sign_in, assigned
):
    d = practice_at_signing(session, xray, world)
    token = sign_in(world["bo.mentor"])
    page = client.get(f"/dossiers/{d.code}").text
    assert '<option value="reviewing">Thẩm định hồ sơ</option>' in page
    assert '<option value="received">Tiếp nhận hồ sơ</option>' in page
    r = client.post(
        f"/dossiers/{d.code}/reviews/verdict",
        data={
            "csrf_token": token,
            "verdict": "redo",
            "to_state": "reviewing",
            "note": "Kết luận thẩm định chưa khớp phiếu khai báo.",
        },  # fmt: skip
        follow_redirects=False,
    )
    assert r.status_code == 303
    fresh = dossier(session, d.code)
    assert fresh.state == "reviewing"
    assert fresh.national_status == 4
    (ev,) = events(session, "review")
    assert (ev.action, ev.from_state, ev.to_state) == ("redo", "signing", "reviewing")
    assert ev.seq == fresh.event_count
    steps = session.exec(
        select(StepRecord).where(StepRecord.dossier_id == d.id).order_by(StepRecord.ordinal)
    ).all()
    assert [s.state for s in steps] == ["received", "reviewing", "signing", "reviewing"]
    assert steps[2].left_action == "review_redo" and steps[2].left_at is not None
    assert steps[3].left_at is None
    assert audit.verify(session).ok

    # the trainee sees the verdict on top and can act from the chosen step again
    sign_in(world["hni.handler"])
    html = client.get(f"/dossiers/{d.code}").text
    top = html[: html.index('id="h-summary"')]
    assert "Nhận xét của cán bộ hướng dẫn:" in top and "Làm lại" in top
    assert "Kết luận thẩm định chưa khớp phiếu khai báo." in top
    assert 'id="action-submit_for_signing"' in html
    fire(
        session, world["hni.handler"], d.code, "submit_for_signing",
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Hai máy X-quang",
    )  # fmt: skip
    fire(session, world["hni.leader"], d.code, "sign", decision_number="12/GXN-SKHCN")
    assert audit.verify(session).ok
    # the replay follows the chain back and forth
    replayed = client.get(f"/dossiers/{d.code}?after={ev.seq}")
    assert replayed.status_code == 200
    assert '<dd id="state"><strong>Thẩm định hồ sơ</strong></dd>' in replayed.text
    # after the new work the verdict no longer counts as the current one: back to "pending"
    pending = queue_page(session, world["bo.mentor"], "pending")
    assert [x.code for x in pending.items] == [d.code]


def test_redo_reopens_a_finished_practice_dossier(session, world, xray, assigned):
    d = practice_at_signing(session, xray, world)
    fire(session, world["hni.leader"], d, "sign", decision_number="1/GXN")
    fire(session, world["hni.receiver"], d, "return_result")
    service.give_verdict(
        session, actor=world["bo.mentor"], code=d.code, verdict="redo", to_state="received",
        note="Làm lại từ khâu tiếp nhận.",
    )  # fmt: skip
    fresh = dossier(session, d.code)
    assert fresh.state == "received"
    assert fresh.finished_at is None and fresh.processing_ended_at is None
    fire(session, world["hni.receiver"], d.code, "accept")
    assert audit.verify(session).ok


def test_redo_needs_an_earlier_step_and_a_reason(session, world, xray, assigned):
    d = practice_at_signing(session, xray, world)
    mentor = world["bo.mentor"]
    for to_state, note in (("signing", "x"), ("returned", "x"), (None, "x"), ("reviewing", "")):
        with pytest.raises(ValidationFailed):
            service.give_verdict(
                session, actor=mentor, code=d.code, verdict="redo", to_state=to_state, note=note
            )
        session.rollback()
    assert events(session, "review") == []


def test_pass_is_shown_and_the_queue_filters(client, session, world, xray, sign_in, assigned):
    done = practice_at_signing(session, xray, world)
    waiting = open_xray(session, xray, world["hni.receiver"], mode="practice", name="Phòng khám B")
    token = sign_in(world["bo.mentor"])
    r = client.post(
        f"/dossiers/{done.code}/reviews/verdict",
        data={"csrf_token": token, "verdict": "pass", "note": "Làm tốt."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    pending = client.get("/reviews?status=pending").text
    assert waiting.code in pending and done.code not in pending
    reviewed = client.get("/reviews?status=reviewed").text
    assert done.code in reviewed and waiting.code not in reviewed
    assert "Nhận xét:" in reviewed
    sign_in(world["hni.handler"])
    html = client.get(f"/dossiers/{done.code}").text
    assert 'id="verdict"' in html and "Làm tốt." in html


def test_the_queue_pages(session, world, xray, assigned):
    for i in range(3):
        open_xray(session, xray, world["hni.receiver"], mode="practice", name=f"Cơ sở {i}")
    mentor = world["bo.mentor"]
    first = queue_page(session, mentor, "pending", page=1, per_page=2)
    second = queue_page(session, mentor, "pending", page=2, per_page=2)
    assert (first.total, first.pages, len(first.items), len(second.items)) == (3, 2, 2, 1)
    assert not {d.code for d in first.items} & {d.code for d in second.items}


# ---- notifications ----------------------------------------------------------------------------


def test_the_trainee_is_notified_of_a_new_comment(client, session, world, xray, sign_in, assigned):
    d = practice_at_signing(session, xray, world)
    receiver = world["hni.receiver"]
    notifications.mark_seen(session, user=receiver)
    sign_in(receiver)
    before = badge(client)
    service.add_comment(
        session, actor=world["bo.mentor"], code=d.code, on=2, text="Kiểm tra lại mốc 15 giờ."
    )
    after = badge(client)
    assert after == before + 1
    found = notifications.collect(session, user=receiver, calendars=client.app.state.calendars)
    assert [n.event.payload["text"] for n in found.reviews] == ["Kiểm tra lại mốc 15 giờ."]
    assert found.reviews[0].new and found.reviews_new == 1
    # someone who never worked on the dossier is not told
    other = notifications.collect(
        session, user=world["hni.receiver2"], calendars=client.app.state.calendars
    )
    assert other.reviews == []
    # the mentor is not notified of their own comment
    mine = notifications.collect(
        session, user=world["bo.mentor"], calendars=client.app.state.calendars
    )
    assert mine.reviews == []


# ---- assignments page -------------------------------------------------------------------------


def test_ministry_admin_assigns_a_mentor(client, session, world, sign_in):
    admin = accounts.create_user(
        session, username="bo.admin", full_name="Quản trị Bộ", unit=world.ministry,
        roles=["admin"],
    )  # fmt: skip
    token = sign_in(admin)
    page = client.get("/reviews/assignments")
    assert page.status_code == 200
    assert "Cán bộ bo.mentor" in page.text
    r = client.post(
        "/reviews/assignments",
        data={
            "csrf_token": token,
            "mentor_id": str(world["bo.mentor"].id),
            "unit_id": str(world.kha.id),
            "can_view_real": "1",
        },  # fmt: skip
        follow_redirects=False,
    )
    assert r.status_code == 303
    session.rollback()
    row = session.exec(select(MentorAssignment)).one()
    assert (row.mentor_id, row.unit_id, row.can_view_real) == (
        world["bo.mentor"].id,
        world.kha.id,
        True,
    )
    assert "Sở KH&amp;CN Khánh Hòa" in client.get("/reviews/assignments").text
    # not a mentor: refused with the reason
    r = client.post(
        "/reviews/assignments",
        data={
            "csrf_token": token,
            "mentor_id": str(world["hni.receiver"].id),
            "unit_id": str(world.kha.id),
        },
    )
    assert r.status_code == 422
    r = client.post(
        f"/reviews/assignments/{row.id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    session.rollback()
    assert session.exec(select(MentorAssignment)).all() == []


def test_only_ministry_admins_assign(client, session, world, sign_in):
    hni_admin = accounts.create_user(
        session, username="hni.admin", full_name="Quản trị Sở", unit=world.hni, roles=["admin"]
    )
    sign_in(hni_admin)
    assert client.get("/reviews/assignments").status_code == 403
    sign_in(world["bo.mentor"])
    assert client.get("/reviews/assignments").status_code == 403
