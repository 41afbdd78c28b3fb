"""Sign-off on evidence, on both databases: the evidence rule (no run, a run sent back to redo, a
colleague's passed run: refused with what is missing; a passed run: signed, with its code kept),
the rule on the form, the history kept through revoking (a reason required) and signing again,
who signs and revokes, and the certificate with a number and QR code per procedure."""

from __future__ import annotations

import re

import pytest
from sqlmodel import col, select

from casework.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from casework.reviews import service as reviews
from casework.signoffs import service
from casework.signoffs.models import SignOffEntry
from casework.signoffs.numbers import normalize
from tests.factories import fire
from tests.signoffs.factories import grant, passed_run, practice_run

XRAY = "2.002131"
NO_RUN = "Chưa có bài thực hành nào của thủ tục 2.002131 được nhận xét Đạt"


def sign(client, csrf, username="hni.receiver", code=XRAY, note="Làm tốt"):
    return client.post(
        f"/progress/users/{username}/sign-offs",
        data={"csrf_token": csrf, "procedure_code": code, "note": note},
        follow_redirects=False,
    )


def revoke(client, csrf, username="hni.receiver", code=XRAY, reason="Làm sai hai hồ sơ thật"):
    return client.post(
        f"/progress/users/{username}/sign-offs/{code}/revoke",
        data={"csrf_token": csrf, "reason": reason},
        follow_redirects=False,
    )


def passed_xray(session, world, registry, trainee="hni.receiver"):
    """An X-ray practice run of `trainee`, passed by bo.mentor: the evidence."""
    return passed_run(
        session, trainee=world[trainee], mentor=world["bo.mentor"], procedure=registry.get(XRAY)
    )


def entries(session, user=None):
    session.rollback()
    query = select(SignOffEntry).order_by(col(SignOffEntry.id))
    if user is not None:
        query = query.where(SignOffEntry.trainee_id == user.id)
    return list(session.exec(query).all())


# ---- the evidence rule ------------------------------------------------------------------------


def test_without_a_run_the_sign_off_is_refused_saying_what_is_missing(
    client, session, assigned, sign_in
):
    csrf = sign_in(assigned["bo.mentor"])
    page = client.get("/progress/users/hni.receiver")
    # the rule is printed on the form, and each procedure says how many passed runs it has
    assert "Chỉ ký xác nhận khi học viên có ít nhất một bài thực hành" in page.text
    assert re.search(rf'<option value="{XRAY}"[^>]*>{XRAY} — [^<]*\(0 bài Đạt\)', page.text)
    r = sign(client, csrf, note="giữ lại ghi chú")
    assert r.status_code == 422
    assert "Chưa ký xác nhận được." in r.text
    assert NO_RUN in r.text and "học viên chưa làm bài thực hành nào" in r.text
    assert "giữ lại ghi chú" in r.text  # the form is kept
    assert entries(session) == []


def test_a_run_sent_back_to_redo_is_no_evidence(client, session, assigned, registry, sign_in):
    world = assigned
    run = practice_run(session, trainee=world["hni.receiver"], procedure=registry.get(XRAY))
    fire(session, world["hni.receiver"], run, "accept")
    reviews.give_verdict(
        session, actor=world["bo.mentor"], code=run.code, verdict="pass", note="Tốt"
    )
    reviews.give_verdict(
        session, actor=world["bo.mentor"], code=run.code, verdict="redo", to_state="received",
        note="Xem lại: thiếu số sê-ri",
    )  # fmt: skip
    csrf = sign_in(world["bo.mentor"])
    r = sign(client, csrf)
    assert r.status_code == 422
    assert NO_RUN in r.text and "1 bài đã làm chưa bài nào được nhận xét Đạt" in r.text
    assert entries(session) == []


def test_a_colleagues_passed_run_is_not_the_trainees(client, session, assigned, registry):
    world = assigned
    passed_xray(session, world, registry, "hni.receiver2")
    with pytest.raises(ValidationFailed) as refused:
        service.sign_off(
            session, mentor=world["bo.mentor"], trainee=world["hni.receiver"],
            procedure_code=XRAY, note="", procedures=registry,
        )  # fmt: skip
    assert NO_RUN in refused.value.fields["procedure_code"]


def test_a_passed_run_is_the_evidence_the_sign_off_keeps(
    client, session, assigned, registry, sign_in
):
    world = assigned
    run = passed_xray(session, world, registry)
    csrf = sign_in(world["bo.mentor"])
    assert re.search(r"\(1 bài Đạt\)", client.get("/progress/users/hni.receiver").text)
    r = sign(client, csrf)
    assert r.status_code == 303
    assert r.headers["location"] == f"/progress/users/hni.receiver?signed={XRAY}#sign-offs"
    [row] = entries(session)
    assert (row.trainee_id, row.mentor_id, row.procedure_code, row.kind, row.seq, row.note) == (
        world["hni.receiver"].id, world["bo.mentor"].id, XRAY, "signed", 1, "Làm tốt",
    )  # fmt: skip
    assert row.evidence == [run.code]
    assert row.number is not None and normalize(row.number) == row.number
    page = client.get(r.headers["location"]).text
    assert f'data-testid="sign-off-{XRAY}"' in page and row.number in page
    assert f'href="/dossiers/{run.code}"' in page  # the evidence, in the history
    assert "Làm được độc lập" in page  # the badge


def test_the_number_of_passed_runs_needed_is_a_setting(
    client, session, assigned, registry, sign_in
):
    from pydantic import ValidationError

    from casework.settings import Settings

    with pytest.raises(ValidationError):  # the rule cannot be switched off
        Settings(env="test", signoff_min_passed=0)
    world = assigned
    passed_xray(session, world, registry)
    settings = client.app.state.settings
    client.app.state.settings = settings.model_copy(update={"signoff_min_passed": 2})
    csrf = sign_in(world["bo.mentor"])
    assert (
        "có ít nhất 2 bài thực hành của thủ tục đó"
        in client.get("/progress/users/hni.receiver").text
    )
    r = sign(client, csrf)
    assert r.status_code == 422
    assert "Mới có 1 bài thực hành của thủ tục 2.002131 được nhận xét Đạt; cần ít nhất 2." in r.text
    assert entries(session) == []


# ---- history ----------------------------------------------------------------------------------


def test_revoking_needs_a_reason_and_the_history_is_kept_through_signing_again(
    client, session, assigned, registry, sign_in
):
    world = assigned
    passed_xray(session, world, registry)
    csrf = sign_in(world["bo.mentor"])
    assert sign(client, csrf).status_code == 303
    # signed already: a second signing is refused until it is revoked
    again = sign(client, csrf)
    assert again.status_code == 422 and "muốn ký lại thì thu hồi trước" in again.text
    # no reason: refused, the form open again with the error, nothing written
    r = revoke(client, csrf, reason="   ")
    assert r.status_code == 422
    assert "Chưa thu hồi được: ghi lý do thu hồi." in r.text
    assert re.search(r'<details class="action" open>\s*<summary>Thu hồi xác nhận 2.002131', r.text)
    assert [e.kind for e in entries(session)] == ["signed"]
    r = revoke(client, csrf)
    assert r.status_code == 303
    assert r.headers["location"] == f"/progress/users/hni.receiver?revoked={XRAY}#sign-offs"
    assert sign(client, csrf, note="Đã làm lại đúng").status_code == 303
    first, revoked, second = entries(session)
    assert [(e.seq, e.kind) for e in (first, revoked, second)] == [
        (1, "signed"), (2, "revoked"), (3, "signed"),
    ]  # fmt: skip
    assert revoked.note == "Làm sai hai hồ sơ thật" and revoked.number is None
    assert second.number != first.number
    # the page: what holds now, and the whole history with the reason
    page = client.get("/progress/users/hni.receiver").text
    history = page[page.index('data-testid="sign-off-history"') :]
    assert history.count("<tr class=") == 3
    assert "Làm sai hai hồ sơ thật" in history
    assert first.number in history and second.number in history
    # the trainee reads the same history
    sign_in(world["hni.receiver"])
    assert "Làm sai hai hồ sơ thật" in client.get("/progress/users/hni.receiver").text
    # the old number verifies as revoked, the new one as valid
    old, new = (service.verify(session, e.number or "") for e in (first, second))
    assert old is not None and old.revoked_at == revoked.at and not old.valid
    assert new is not None and new.valid


def test_revoking_what_is_not_signed_off_is_a_404(session, assigned, registry):
    world = assigned
    with pytest.raises(NotFound):
        service.revoke_sign_off(
            session, mentor=world["bo.mentor"], trainee=world["hni.receiver"],
            procedure_code=XRAY, reason="x",
        )  # fmt: skip


def test_two_sign_offs_at_once_keep_one(session, assigned, registry, monkeypatch):
    world = assigned
    passed_xray(session, world, registry)
    kw = {"mentor": world["bo.mentor"], "trainee": world["hni.receiver"], "procedure_code": XRAY,
          "note": "", "procedures": registry}  # fmt: skip
    service.sign_off(session, **kw)
    # the second mentor read the history before the first one's row was written
    monkeypatch.setattr(service, "_latest", lambda *a: None)
    with pytest.raises(Conflict):
        service.sign_off(session, **kw)
    assert len(entries(session)) == 1


# ---- who signs --------------------------------------------------------------------------------


def test_only_the_trainees_mentors_sign_and_revoke(client, session, assigned, hni_admin, sign_in):
    from casework.accounts import service as accounts

    world = assigned
    registry = client.app.state.registry
    passed_xray(session, world, registry)
    other = accounts.create_user(
        session, username="bo.mentor2", full_name="Cán bộ hướng dẫn 2", unit=world.ministry,
        roles=["mentor"],
    )  # fmt: skip
    # a mentor of another unit: the trainee does not exist for them
    csrf = sign_in(other)
    assert sign(client, csrf).status_code == 404
    # the trainee and the unit's admin see the page, without the form, and may not sign
    for viewer in (world["hni.receiver"], hni_admin):
        csrf = sign_in(viewer)
        page = client.get("/progress/users/hni.receiver").text
        assert 'action="/progress/users/hni.receiver/sign-offs"' not in page
        assert sign(client, csrf).status_code == 403
    csrf = sign_in(world["bo.mentor"])
    # a commune's trainee is covered by the department's assignment: refused for the evidence
    # (no run), not for access
    r = sign(client, csrf, username="badinh.receiver")
    assert r.status_code == 422 and NO_RUN in r.text
    assert sign(client, csrf).status_code == 303
    # revoking: the same rule
    for viewer, status in ((other, 404), (world["hni.receiver"], 403), (hni_admin, 403)):
        csrf = sign_in(viewer)
        assert revoke(client, csrf).status_code == status
    with pytest.raises(PermissionDenied):
        service.revoke_sign_off(
            session, mentor=other, trainee=world["hni.receiver"], procedure_code=XRAY, reason="x"
        )
    with pytest.raises(ValidationFailed):  # a mentor is not a trainee
        service.sign_off(
            session, mentor=world["bo.mentor"], trainee=world["hni.auditor"], procedure_code=XRAY,
            note="", procedures=registry,
        )  # fmt: skip
    assert [e.kind for e in entries(session)] == ["signed"]
    # signed out: the forms send to the sign-in page
    client.cookies.clear()
    r = client.get("/progress/users/hni.receiver/certificate", follow_redirects=False)
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")


# ---- the certificate --------------------------------------------------------------------------


def test_the_certificate_has_a_number_and_a_qr_code_per_procedure(
    client, session, assigned, registry, sign_in
):
    world = assigned
    trainee, mentor = world["hni.receiver"], world["bo.mentor"]
    sign_in(mentor)
    assert client.get("/progress/users/hni.receiver/certificate").status_code == 404
    xray = grant(session, trainee=trainee, mentor=mentor, code=XRAY)
    other = next(p.code for p in registry.all() if p.code != XRAY)
    grant(session, trainee=trainee, mentor=mentor, code=other)
    service.revoke_sign_off(
        session, mentor=mentor, trainee=trainee, procedure_code=other, reason="Thử"
    )
    r = client.get("/progress/users/hni.receiver/certificate")
    assert r.status_code == 200
    assert "GIẤY CHỨNG NHẬN HOÀN THÀNH BỒI DƯỠNG" in r.text and "size: A4" in r.text
    assert trainee.full_name in r.text and registry.get(XRAY).name in r.text
    assert mentor.full_name in r.text
    row = re.search(rf'<tr data-testid="certificate-{XRAY}">(.*?)</tr>', r.text, re.S)
    assert row is not None
    assert f'href="/verify/{xray.number}"' in row.group(1)
    assert "<svg" in row.group(1) and f"Mã QR xác minh chứng nhận số {xray.number}" in row.group(1)
    assert f'data-testid="certificate-{other}"' not in r.text  # revoked: not on it
    # the trainee prints it too; a stranger does not
    sign_in(trainee)
    assert client.get("/progress/users/hni.receiver/certificate").status_code == 200
    sign_in(world["kha.receiver"])
    assert client.get("/progress/users/hni.receiver/certificate").status_code == 404
