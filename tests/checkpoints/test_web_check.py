"""Issue 17, item 1: the integrity check started from /audit compares the chains with the latest
signed checkpoint too, as `casework audit verify --checkpoint` does, and its page says which
checkpoint it used; a chain rewritten after the checkpoint (every hash recomputed, so the chain
and the row agree) is reported on the page. Both databases."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from casework.checkpoints import keys
from casework.checkpoints import service as checkpoints
from casework.dossiers.models import Dossier, Event
from casework.reports.models import AuditCheck
from tests.dossiers.test_tamper import rewrite_chain
from tests.factories import fire, open_xray


@pytest.fixture
def setup(app, session, world, xray, tmp_path):
    """Two dossiers of Hà Nội and one of Khánh Hòa; the server's key and checkpoint folder."""
    hni = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], hni, "accept")
    fire(
        session, world["hni.handler"], hni, "request_supplement", reason="Thiếu số sê-ri",
        missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    other = open_xray(session, xray, world["hni.receiver"], name="Phòng khám Hà Đông")
    kha = open_xray(session, xray, world["kha.receiver"], name="Phòng khám Nha Trang")
    key = tmp_path / "keys" / "cp.pem"
    keys.generate(key)
    app.state.settings = app.state.settings.model_copy(
        update={"checkpoint_key": key, "checkpoint_dir": tmp_path / "cps"}
    )
    return {"hni": hni, "other": other, "kha": kha, "key": key, "dir": tmp_path / "cps"}


def take(session, setup):  # type: ignore[no-untyped-def]
    return checkpoints.take(session, key_path=setup["key"], out_dir=setup["dir"], by="cron")


def run(client, session, world, sign_in, who, unit):  # type: ignore[no-untyped-def]
    token = sign_in(world[who])
    r = client.post(
        "/audit/checks", data={"csrf_token": token, "unit": str(unit.id)}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    check_id = int(r.headers["location"].rsplit("/", 1)[1])
    session.rollback()  # a snapshot taken before the request (SQLite) would not see the check
    return session.get(AuditCheck, check_id), page


def line(page) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r'data-testid="checkpoint-line"[^>]*>(.*?)</p>', page.text, re.S)
    assert found, "the check's page has no checkpoint line"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


def test_an_intact_database_names_the_checkpoint_it_was_compared_with(
    client, session, world, setup, sign_in
):
    cp = take(session, setup)
    check, page = run(client, session, world, sign_in, "bo.auditor", world.ministry)
    assert check.status == "ok", check.problems
    entry = next(p["signed_checkpoint"] for p in check.problems if "signed_checkpoint" in p)
    assert entry["id"] == cp.id and entry["status"] == "ok"
    assert entry["chains"] == 4  # three dossiers and the accounts' history
    text = line(page)
    assert f"So với điểm kiểm chứng đã ký #{cp.id}" in text
    assert "4 chuỗi vẫn đúng như lúc ký" in text
    assert f'href="/audit/checkpoints/{cp.id}"' in page.text


def test_a_chain_rewritten_after_the_checkpoint_is_reported_on_the_page(
    client, session, world, setup, sign_in
):
    cp = take(session, setup)
    d = setup["hni"]
    ev = session.exec(select(Event).where(Event.dossier_id == d.id, Event.seq == 3)).one()
    payload = {**ev.payload, "data": {**ev.payload["data"], "reason": "Hồ sơ đã đủ"}}
    rewrite_chain(session, session.get(Dossier, d.id), 3, payload=payload)

    # Hà Nội's auditor: his subtree's chains only (Khánh Hòa's are not compared)
    check, page = run(client, session, world, sign_in, "hni.auditor", world.hni)
    assert check.status == "problems"
    rows = [p for p in check.problems if p.get("checkpoint") == cp.id]
    assert [(r["code"], "viết lại" in r["problem"]) for r in rows] == [(d.code, True)]
    entry = next(p["signed_checkpoint"] for p in check.problems if "signed_checkpoint" in p)
    assert (entry["status"], entry["chains"], entry["scope"]) == ("problems", 2, "units")
    assert "có chuỗi đã bị sửa, cắt, xóa hoặc viết lại sau khi ký" in line(page)
    assert f"so với điểm kiểm chứng #{cp.id}" in page.text
    assert d.code in page.text and "Hồ sơ đã đủ" not in page.text

    # a check of Khánh Hòa alone (by the ministry's auditor) sees nothing of it
    check, page = run(client, session, world, sign_in, "bo.auditor", world.kha)
    assert check.status == "ok", check.problems
    assert d.code not in page.text


def test_a_deleted_dossier_and_missing_files_are_problems_not_silence(
    client, session, world, setup, sign_in
):
    take(session, setup)
    kha = setup["kha"]
    from sqlalchemy import text

    for table in ("step_record", "event"):
        session.exec(text(f"DELETE FROM {table} WHERE dossier_id = :d").bindparams(d=kha.id))
    session.exec(text("DELETE FROM dossier WHERE id = :d").bindparams(d=kha.id))
    session.commit()
    check, page = run(client, session, world, sign_in, "bo.auditor", world.ministry)
    assert check.status == "problems"
    assert any(p.get("code") == kha.code and "xóa" in p["problem"] for p in check.problems), (
        check.problems
    )

    for path in setup["dir"].glob("checkpoint-*.json"):
        path.unlink()  # the files gone from the server's folder: said so, in red
    check, page = run(client, session, world, sign_in, "bo.auditor", world.ministry)
    entry = next(p["signed_checkpoint"] for p in check.problems if "signed_checkpoint" in p)
    assert entry["status"] == "unavailable" and check.status == "problems"
    assert "không so được" in line(page)


def test_without_a_checkpoint_the_page_says_so(client, session, world, setup, sign_in):
    check, page = run(client, session, world, sign_in, "bo.auditor", world.ministry)
    assert check.status == "ok", check.problems
    assert "Chưa có điểm kiểm chứng nào" in line(page)
