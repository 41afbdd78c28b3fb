"""Practice dossiers: a trainee starts one again from the beginning; history is kept."""

from __future__ import annotations

import pytest
from sqlmodel import select

from casework.dossiers import audit
from casework.dossiers.models import Dossier, Event
from casework.dossiers.practice import reset_practice
from casework.errors import ActionNotAllowed, NotFound
from tests.factories import TZ, fire, open_xray


def test_reset_opens_a_fresh_copy_and_closes_the_old_attempt(session, world, xray):
    old = open_xray(session, xray, world["hni.receiver"], mode="practice", name="Tập huấn A")
    fire(session, world["hni.receiver"], old, "accept")
    fresh = reset_practice(session, actor=world["hni.receiver"], code=old.code, tz=TZ)
    assert fresh.code.startswith("LT-SKHCN.HNI-")
    assert fresh.code != old.code
    assert (fresh.state, fresh.mode, fresh.applicant_name) == ("received", "practice", "Tập huấn A")
    assert fresh.procedure_version_id == old.procedure_version_id
    session.expire_all()
    old = session.get(Dossier, old.id)
    assert old.finished_at is not None
    assert old.data["replaced_by"] == fresh.code
    last = session.exec(
        select(Event).where(Event.dossier_id == old.id).order_by(Event.seq.desc())
    ).first()
    assert (last.action, last.payload["replaced_by"]) == ("reset", fresh.code)
    assert audit.verify(session).ok
    with pytest.raises(ActionNotAllowed, match="đã được làm lại"):
        reset_practice(session, actor=world["hni.receiver"], code=old.code, tz=TZ)


def test_real_dossiers_cannot_be_reset(session, world, xray):
    real = open_xray(session, xray, world["hni.receiver"])
    with pytest.raises(ActionNotAllowed, match="hồ sơ thật"):
        reset_practice(session, actor=world["hni.receiver"], code=real.code, tz=TZ)


def test_another_unit_cannot_reset(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"], mode="practice")
    with pytest.raises(NotFound):
        reset_practice(session, actor=world["kha.receiver"], code=d.code, tz=TZ)


def test_reset_through_the_page(client, world, sign_in):
    token = sign_in(world["hni.receiver"])
    r = client.post(
        "/dossiers",
        data={"csrf_token": token, "procedure": "2.002131", "mode": "practice", "kind": "person",
              "applicant_name": "Tập huấn B", "channel": "in_person"},
        follow_redirects=False,
    )  # fmt: skip
    code = r.headers["location"].split("?")[0].rsplit("/", 1)[1]
    assert f'action="/dossiers/{code}/reset"' in client.get(f"/dossiers/{code}").text
    sign_in(world["hni.handler"])  # starting again opens a dossier: the receiver's step
    assert f'action="/dossiers/{code}/reset"' not in client.get(f"/dossiers/{code}").text
    token = sign_in(world["hni.receiver"])
    r = client.post(f"/dossiers/{code}/reset", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/dossiers/LT-SKHCN.HNI-")
    assert r.headers["location"] != f"/dossiers/{code}?opened=1"
