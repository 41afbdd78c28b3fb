"""The review queue's trainee filter (issue 19): one SQL condition on the users' folded names
(`User.search_name`), which every write of a name keeps in step — the ORM's inserts and updates,
Core bulk inserts (the demo generator's, the benches'), the migration's backfill — and which finds
exactly the runs the old Python fold found (anyone who opened, worked or submitted the run)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import event, insert, text
from sqlmodel import select

from casework.accounts import service as accounts
from casework.accounts.models import User, search_name
from casework.demo_generate import world as generated
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import Dossier, Event
from casework.reviews import queue, submissions, trainees
from casework.text import fold
from tests.factories import TZ, fire, open_xray
from tests.reviews.test_reviews import practice_at_signing


def codes(session, mentor, trainee, status="all"):  # type: ignore[no-untyped-def]
    found, _ = queue.review_queue(
        session, user=mentor, filters=queue.Filters(status=status, trainee=trainee),
        calendars=CalendarSource(),
    )  # fmt: skip
    return sorted(d.code for d in found.items)


def stored(session, username):  # type: ignore[no-untyped-def]
    """The column as the database holds it (not the object's attribute)."""
    session.expire_all()
    return session.execute(
        text('SELECT search_name FROM "user" WHERE username = :u').bindparams(u=username)
    ).scalar_one()


def test_the_folded_name_follows_every_write(session, world, xray, assigned):
    officer = accounts.create_user(
        session, username="hv.a1", full_name="Trần Thị Huệ", unit=world.hni, roles=["receiver"]
    )
    assert stored(session, "hv.a1") == "hv.a1 tran thi hue"
    run = open_xray(session, xray, officer, mode="practice")
    mentor = world["bo.mentor"]
    assert codes(session, mentor, "TRẦN THỊ huệ") == [run.code]
    # renamed by an admin: the old name no longer finds the run, the new one does
    accounts.update_user(
        session, user=officer, full_name="Đỗ  Văn Minh", unit=world.hni, roles=["receiver"]
    )
    assert stored(session, "hv.a1") == "hv.a1 do van minh"
    assert codes(session, mentor, "tran thi") == []
    assert codes(session, mentor, "do van minh") == [run.code]
    # a Core bulk insert without the column (the demo's and the benches' rows) gets it too
    session.execute(
        insert(User),
        [
            {
                "username": f"bulk.{i}",
                "full_name": f"Lê Đức Anh {i}",
                "unit_id": world.hni.id,
                "roles": ["receiver"],
                "is_active": True,
                "created_at": datetime.now(TZ),
            }
            for i in range(3)
        ],  # fmt: skip
    )
    session.commit()
    assert [stored(session, f"bulk.{i}") for i in range(3)] == [
        f"bulk.{i} le duc anh {i}" for i in range(3)
    ]
    # the demo generator's officers (bulk rows of every department): every name in step
    assert generated.ensure_staff(session, datetime.now(TZ), communes=set()) > 0
    session.expire_all()
    users = session.exec(select(User)).all()
    assert len(users) > 20
    for u in users:
        assert u.search_name == search_name(u.username, u.full_name), u.username


@pytest.mark.parametrize("named_ids", [trainees.NAMED_IDS, 0])
def test_the_filter_finds_every_trainee_as_the_python_fold_did(
    session, world, registry, xray, assigned, monkeypatch, named_ids
):  # type: ignore[no-untyped-def]
    """Each needle finds exactly the runs in which someone whose folded "user name full name"
    contains it opened, worked or submitted — `%` and `_` are plain characters. Both ways of
    the query: the matching users' ids as a list, and (more users than `NAMED_IDS`) a subquery."""
    monkeypatch.setattr(trainees, "NAMED_IDS", named_ids)
    odd = accounts.create_user(
        session, username="hv_b2", full_name="Phạm 100% Đạt", unit=world.hni, roles=["receiver"]
    )
    mentor = world["bo.mentor"]
    worked = open_xray(session, xray, world["hni.receiver"], mode="practice")
    fire(session, world["hni.receiver"], worked, "accept")
    handed = practice_at_signing(session, xray, world, receiver="hni.receiver2")
    submissions.submit(session, actor=world["hni.handler"], code=handed.code)
    local = next(p for p in registry.all() if p.level == "commune")
    commune = open_xray(session, local, world["badinh.receiver"], mode="practice")
    percent = open_xray(session, xray, odd, mode="practice")
    real = open_xray(session, xray, world["hni.receiver2"])  # not a practice run: never listed
    needles = [
        "hni.receiver", "receiver2", "CÁN BỘ HNI.HANDLER", "handler", "badinh", "Ba Đình",
        "100%", "0%", "%", "hv_b", "_", "v_b", "pham 100% dat", "dat", "Đạt", "r2 can", "zzz",
        "cán bộ",
    ]  # fmt: skip
    trainee_kinds = set(trainees.TRAINEE_KINDS)
    names = {u.id: fold(f"{u.username} {u.full_name}") for u in session.exec(select(User)).all()}
    runs = session.exec(select(Dossier).where(Dossier.mode == "practice")).all()
    acted = {
        d.code: {
            e.actor_id
            for e in session.exec(select(Event).where(Event.dossier_id == d.id)).all()
            if e.kind in trainee_kinds and e.actor_id is not None
        }
        for d in runs
    }
    assert len(acted) == 4 and real.code not in acted
    for needle in needles:
        expected = sorted(
            c for c, ids in acted.items() if any(fold(needle) in names[i] for i in ids)
        )
        assert codes(session, mentor, needle) == expected, needle
    # the spot checks the reference relies on
    assert codes(session, mentor, "handler") == [handed.code]
    assert codes(session, mentor, "100%") == [percent.code]
    assert codes(session, mentor, "_") == [percent.code]
    assert codes(session, mentor, "handler", status="submitted") == [handed.code]
    assert codes(session, mentor, "BADINH") == [commune.code]
    assert worked.code in codes(session, mentor, "hni.receiver")


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_the_trainee_filter_reads_the_users_by_their_trigram_index(
    engine, session, world, xray, assigned
):  # type: ignore[no-untyped-def]
    """PostgreSQL with pg_trgm (migration 0030): among 30,000 officers the filter reads the few
    whose folded name contains the text through `ix_user_search_name_trgm`, then their events by
    actor — neither the user table nor the event table is scanned."""
    assert session.execute(
        text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_user_search_name_trgm'")
    ).first(), "pg_trgm is available here: migration 0030 must have built the index"
    session.execute(
        text(
            'INSERT INTO "user" (username, full_name, search_name, unit_id, roles, is_active, '
            "created_at) SELECT 'bench.t' || g, 'Nguyễn Văn ' || g, 'bench.t' || g || "
            "' nguyen van ' || g, :unit, '[]', true, now() FROM generate_series(1, 30000) AS g"
        ).bindparams(unit=world.hni.id)
    )
    session.execute(
        text(
            "INSERT INTO event (dossier_id, seq, at, actor_id, kind, action, payload, prev_hash, "
            "hash) SELECT :d, 100 + g, now(), NULL, 'action', 'accept', '{}', '', 'x' || g "
            "FROM generate_series(1, 50000) AS g"
        ).bindparams(d=open_xray(session, xray, world["hni.receiver"]).id)
    )
    run = open_xray(session, xray, world["hni.receiver2"], mode="practice")
    session.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))  # as autovacuum would (GIN's pending list merged)
    sent: list[tuple[str, object]] = []

    def note(_c, _cur, statement, params, _ctx, _many) -> None:  # type: ignore[no-untyped-def]
        if "search_name LIKE" in statement or "event.actor_id = ANY" in statement:
            sent.append((statement, params))

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert codes(session, world["bo.mentor"], "Cán bộ hni.receiver2") == [run.code]
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert len(sent) == 3  # the users, then the count and the page
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    plans = []
    for statement, params in sent:
        with raw.cursor() as cur:
            cur.execute("EXPLAIN " + statement, params)
            plans.append("\n".join(row[0] for row in cur.fetchall()))
    assert "ix_user_search_name_trgm" in plans[0], plans[0]
    assert 'Seq Scan on "user"' not in plans[0], plans[0]
    for plan in plans[1:]:
        assert "ix_event_actor_id" in plan and "Seq Scan on event" not in plan, plan


def test_the_page_filters_by_a_renamed_trainee(client, session, world, xray, sign_in, assigned):
    """Over HTTP (the page and its htmx block): the trainee's new name finds the run, the old
    one no longer does, and a `%` typed in the box is a plain character (no 500)."""
    officer = accounts.create_user(
        session, username="hv.c3", full_name="Vũ Thị Thu", unit=world.hni, roles=["receiver"]
    )
    run = open_xray(session, xray, officer, mode="practice")
    sign_in(world["bo.mentor"])
    assert run.code in client.get("/reviews?status=all&trainee=vu+thi+thu").text
    accounts.update_user(
        session, user=officer, full_name="Hoàng Thị Thu", unit=world.hni, roles=["receiver"]
    )
    found = client.get("/reviews?status=all&trainee=Ho%C3%A0ng+th%E1%BB%8B")
    assert found.status_code == 200 and run.code in found.text
    part = client.get("/reviews?status=all&trainee=vu+thi", headers={"HX-Request": "true"})
    assert part.status_code == 200 and part.text.lstrip().startswith('<section id="results"')
    assert run.code not in part.text
    odd = client.get("/reviews?status=all&trainee=%25")
    assert odd.status_code == 200 and run.code not in odd.text
