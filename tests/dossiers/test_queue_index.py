"""The work queue's index (issue 19, item 3): the step's roles on the dossier, the tab counters
kept in each change's transaction, and the queue pages read range by range — all agreeing with
a recount from the dossier rows and with the one general query they replace."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from casework.accounts import service as accounts
from casework.accounts.models import Unit, User
from casework.db import utcnow
from casework.dossiers import queries, queue_index, worklist
from casework.dossiers.access import visible_filter
from casework.dossiers.catalog import procedure_of
from casework.dossiers.models import Dossier, QueueCounter
from casework.dossiers.practice import reset_practice
from casework.reviews import service as reviews
from casework.reviews.models import MentorAssignment
from casework.scenarios import service as scenarios_service
from casework.scenarios.schema import ScenarioRegistry
from casework.settings import PROJECT_ROOT
from tests.factories import TZ, fire, open_xray

SUPPLEMENT = {"reason": "Thiếu số sê-ri", "missing_documents": ["phieu_khai_bao"]}
SIGNING = {"ket_qua_tham_dinh": "Đủ điều kiện xác nhận khai báo", "result_summary": "01 máy"}


@pytest.fixture(scope="module")
def scenarios(registry):  # type: ignore[no-untyped-def]
    return ScenarioRegistry.from_directory(PROJECT_ROOT / "workflows" / "scenarios", registry)


def check_index(session: Session) -> None:
    """Every dossier's roles are its step's, and every counter equals a recount."""
    session.expire_all()
    for d in session.exec(select(Dossier)):
        _, procedure = procedure_of(session, d)
        assert d.current_roles == queue_index.roles_of(procedure, d.state), d.code
        assert d.queue_bucket == queue_index.bucket_of(d), d.code
    assert queue_index.stored(session) == queue_index.recount(session)


def busy_unit(session: Session, world: Any, xray: Any, registry: Any, scenarios: Any) -> None:
    """A day of work at HNI and in the commune: real and practice, waiting, finished, a reset,
    a scenario played alone (the system plays the colleagues) and a mentor's redo."""
    rec, handler, leader = world["hni.receiver"], world["hni.handler"], world["hni.leader"]
    d = [open_xray(session, xray, rec, name=f"Phòng khám {i}") for i in range(6)]
    check_index(session)
    for x in d[:5]:
        fire(session, rec, x, "accept")
    fire(session, handler, d[1], "request_supplement", **SUPPLEMENT)  # waiting
    fire(session, handler, d[2], "request_supplement", **SUPPLEMENT)
    fire(session, rec, d[2], "receive_supplement")
    fire(session, handler, d[3], "submit_for_signing", **SIGNING)
    fire(session, handler, d[4], "submit_for_signing", **SIGNING)
    fire(session, leader, d[4], "sign", decision_number="1/XN")
    fire(session, rec, d[4], "return_result")  # finished
    fire(session, rec, d[5], "refuse_reception", reason="Sai thủ tục")  # finished at once
    check_index(session)

    practice = open_xray(session, xray, rec, mode="practice")
    fire(session, rec, practice, "accept")
    fire(session, handler, practice, "submit_for_signing", **SIGNING)
    reset_practice(session, actor=rec, code=practice.code, tz=TZ)  # old finished, a fresh one
    session.add(MentorAssignment(mentor_id=world["bo.mentor"].id, unit_id=world.hni.id))
    session.commit()
    done = open_xray(session, xray, rec, mode="practice", name="Bài làm xong")
    fire(session, rec, done, "accept")
    fire(session, handler, done, "submit_for_signing", **SIGNING)
    fire(session, leader, done, "sign", decision_number="2/XN")
    fire(session, rec, done, "return_result")
    reviews.give_verdict(
        session, actor=world["bo.mentor"], code=done.code, verdict="redo",
        to_state="received", note="Làm lại từ khâu tiếp nhận.",
    )  # fmt: skip
    alone = scenarios_service.start(
        session, actor=rec, scenario=scenarios.get("xquang-thieu-so-seri"),
        procedures=registry, tz=TZ, together=False,
    )  # fmt: skip
    fire(session, rec, alone, "accept")  # the simulated handler answers in the same transaction
    fee = registry.get("2.002379")  # the clock starts when the fee is paid: waiting at once
    open_xray(session, fee, world["hni.receiver2"], name="Nguyễn Văn B")
    everyone = accounts.create_user(
        session, username="hni.all", full_name="Cán bộ ba vai", unit=world.hni,
        roles=["receiver", "handler", "leader"],
    )  # fmt: skip
    world.users["hni.all"] = everyone
    c = open_xray(session, xray, everyone, name="Trạm y tế")
    fire(session, everyone, c, "accept")
    open_xray(session, xray, world["kha.receiver"])  # another unit's
    check_index(session)


def test_counters_equal_a_recount_after_every_kind_of_change(
    session, world, xray, registry, scenarios
):
    busy_unit(session, world, xray, registry, scenarios)
    rows = session.exec(select(func.count()).select_from(QueueCounter)).one()
    assert rows >= 6
    # the rebuild writes the same counters, and puts right a row written behind the services' back
    session.execute(update(QueueCounter).values(n=QueueCounter.n + 5))
    session.execute(update(Dossier).values(current_roles="", queue_bucket=""))
    assert queue_index.rebuild(session)["queue_counter"] == len(queue_index.recount(session))
    session.commit()
    check_index(session)


def general_page(session: Session, user: User, queue: str, page: int, per_page: int, **at: Any):
    """The one general query the ranges replace (what `list_dossiers` ran before)."""
    unit = session.get(Unit, user.unit_id)
    where = [visible_filter(user, unit), worklist.queue_clause(user, queue, **at)]
    total = session.exec(select(func.count()).select_from(Dossier).where(*where)).one()
    codes = session.exec(
        select(Dossier.code)
        .where(*where)
        .order_by(col(Dossier.received_at).desc(), col(Dossier.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return total, list(codes)


def test_pages_and_counts_match_the_general_query(session, world, xray, registry, scenarios):
    busy_unit(session, world, xray, registry, scenarios)
    # a dossier received at HNI but handled by the commune: both see it, each in its own way
    forwarded = open_xray(session, xray, world["hni.receiver"], name="Chuyển xã")
    session.execute(
        update(Dossier)
        .where(col(Dossier.code) == forwarded.code)
        .values(handling_unit_id=world.commune.id)
    )
    queue_index.rebuild(session)
    session.commit()
    now = utcnow()
    at = {"now": now, "soon": now + timedelta(days=3)}
    users = [
        world[name]
        for name in (
            "hni.receiver", "hni.handler", "hni.leader", "hni.all", "badinh.receiver", "kha.receiver",
            "hni.auditor", "bo.auditor", "bo.mentor",
        )
    ]  # fmt: skip
    for user in users:
        counts = queries.queue_counts(session, user=user, **at)
        for queue in worklist.QUEUES:
            for page, per_page in ((1, 20), (1, 2), (2, 2), (3, 1)):
                total, codes = general_page(session, user, queue, page, per_page, **at)
                assert counts[queue] == total, (user.username, queue)
                got = queries.list_dossiers(
                    session, user=user, filters=queries.DossierFilter(queue=queue),
                    page=page, per_page=per_page, **at,
                )  # fmt: skip
                assert (got.total, [d.code for d in got.items]) == (total, codes), (
                    user.username, queue, page, per_page,
                )  # fmt: skip
    # the forwarded dossier is in both units' lists, and is the commune's to work on
    rec = queries.list_dossiers(
        session, user=world["hni.receiver"], filters=queries.DossierFilter(queue="mine"), **at
    )
    assert forwarded.code in [d.code for d in rec.items]
    commune = queries.list_dossiers(
        session, user=world["badinh.receiver"], filters=queries.DossierFilter(queue="mine"), **at
    )
    assert forwarded.code in [d.code for d in commune.items]


def test_filters_on_a_queue_keep_working(session, world, xray):
    rec = world["hni.receiver"]
    for i in range(3):
        open_xray(session, xray, rec, name=f"Phòng khám {i}")
    practice = open_xray(session, xray, rec, mode="practice", name="Phòng khám thử")
    filters = queries.DossierFilter(queue="mine", mode="practice")
    got = queries.list_dossiers(session, user=rec, filters=filters)
    assert [d.code for d in got.items] == [practice.code] and got.total == 1
    filters = queries.DossierFilter(queue="unit", q="phong kham 1")
    got = queries.list_dossiers(session, user=rec, filters=filters)
    assert got.total == 1 and got.items[0].applicant_name == "Phòng khám 1"
    assert queries.list_dossiers(session, user=world["hni.leader"], filters=filters).total == 1
    mine = queries.DossierFilter(queue="mine")
    assert queries.list_dossiers(session, user=world["hni.leader"], filters=mine).total == 0


def test_role_keys(xray):
    assert queue_index.roles_key(["leader", "handler", "leader"]) == "handler,leader"
    assert queue_index.roles_of(xray, "received") == "receiver"
    assert queue_index.roles_of(xray, "awaiting_supplement") == "receiver"  # the supplement desk
    assert queue_index.roles_of(xray, "returned") == ""
    assert queue_index.keys_sharing(["handler", "auditor"]) == [
        "handler", "handler,leader", "handler,receiver", "handler,leader,receiver",
    ]  # fmt: skip
    assert queue_index.keys_sharing(["auditor"]) == []
