"""Benchmark of the mentors' review queue (/reviews) at national scale (issue 19, item 4).

    .venv/bin/python bench/reviews.py [--seconds 10] [--warmup 3] [--connections 2]
        [--workers 2] [--repeat 5] [--sqlite-only | --no-sqlite] [--no-baselines]

On a fresh database per backend (the demo world: the real tree of 34 provinces and 3,321
communes), it adds 30,000 officers spread over the communes and departments, and 30,000 practice
runs of the commune procedures (a third of them scenario runs), each by one of its unit's
officers over the last 60 days: opened and one action, then 60% submitted for review ("Nộp để
nhận xét"), of which a quarter judged since and a twentieth withdrawn; ~110,000 events; the runs
left waiting get their `waiting_since`, as `record_event` keeps it. The demo's
mentor (bo.mentor) is assigned the ministry, so the queue covers the whole country. On
PostgreSQL it then runs ANALYZE, as autovacuum would within a minute of such a load.

Then, as bench/national.py says (the HTTP runs with wrk, their baselines and the in-process
figures), signed in as bo.mentor:

- in process: `reviews.queue.review_queue` (the count and one page of rows, no cards) of the
  default tab and of the trainee filter, beside reading every unit row;
- over HTTP: the default tab (submitted, oldest first) / every run, page 50 / one province /
  a trainee's name / waiting more than 2 working days — aim p95 ≤ 100 ms.

Results: bench/out/reviews.json.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote_plus

import national
from harness import registry
from national import Bench, main
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from casework.accounts.models import Unit, User
from casework.accounts.security import hash_password
from casework.db import utcnow
from casework.dossiers.catalog import version_row_for
from casework.dossiers.models import Dossier, Event
from casework.reviews import queue
from casework.reviews.models import MentorAssignment
from casework.scenarios.service import SCENARIO_KEY

READER = "bo.mentor"
PASSWORD = "bench-reviews-1"  # the bench officers' (they do not sign in)
OFFICERS = 30_000
RUNS = 30_000
SCENARIOS = {
    "XA-DL-KTNN": "xa-kiem-tra-can-dat",
    "XA-DL-HDGS": "xa-hang-dong-goi-dat",
    "XA-CL-HHLT": "xa-chat-luong-dat",
}
ROLES = ("receiver", "handler", "leader")
#: the name searched for: officer 7 and every officer whose number starts with 7 (1,111 of the
#: 30,000, ~1,080 runs), as a name typed in part does
TRAINEE = "Nguyễn Thị Bench 7"


def _event(dossier_id: int, seq: int, at: Any, actor: int, kind: str, **extra: Any) -> dict:
    return {
        "dossier_id": dossier_id, "seq": seq, "at": at, "actor_id": actor, "kind": kind,
        "action": None, "from_state": None, "to_state": None, "payload": {}, "prev_hash": "",
        "hash": f"r{dossier_id}-{seq}", **extra,
    }  # fmt: skip


def fill(session: Session) -> dict[str, int]:
    rng = random.Random(19)
    now = utcnow()
    places = national.places(session)
    shared = hash_password(PASSWORD)
    users = [
        {"username": f"bench.r{i}", "full_name": f"Nguyễn Thị Bench {i}",
         "unit_id": places[i % len(places)], "roles": [ROLES[i % 3]], "password_hash": shared,
         "is_active": True, "created_at": now}
        for i in range(OFFICERS)
    ]  # fmt: skip
    national.bulk(session, User, users)
    staff: dict[int, list[int]] = {}
    for user_id, uid, name in session.execute(select(User.id, User.unit_id, User.username)):
        if name.startswith("bench.r"):
            staff.setdefault(uid, []).append(user_id)
    mentor = session.execute(select(User.id).where(User.username == READER)).scalar_one()
    root = session.execute(select(Unit.id).where(Unit.parent_id.is_(None))).scalar_one()  # type: ignore[union-attr]
    session.add(MentorAssignment(mentor_id=mentor, unit_id=root, can_view_real=False))
    procedures = {c: registry().get(c) for c in SCENARIOS}
    versions = {c: version_row_for(session, p).id for c, p in procedures.items()}
    dossiers, plans = [], []
    for i in range(RUNS):
        uid = rng.choice(list(staff))
        code = rng.choice(list(SCENARIOS))
        first = procedures[code].transitions_from(procedures[code].initial_state)[0]
        start = now - timedelta(days=rng.uniform(0, 60))
        dossiers.append(
            {"code": f"LT-BENCH-{i}", "procedure_version_id": versions[code],
             "procedure_code": code, "mode": "practice", "state": first.target,
             "national_status": 1, "applicant_name": "Cơ sở thực hành", "receiving_unit_id": uid,
             "handling_unit_id": uid, "received_at": start, "updated_at": start,
             "search_text": "", "supplement_requests": 0, "extensions": 0, "digitised": False,
             "data": {SCENARIO_KEY: SCENARIOS[code]} if i % 3 == 0 else {}}
        )  # fmt: skip
        plans.append((rng.choice(staff[uid]), start, first, procedures[code].initial_state))
    national.bulk(session, Dossier, dossiers)
    ids = session.execute(
        select(Dossier.id).where(Dossier.code.startswith("LT-BENCH-")).order_by(Dossier.id)  # type: ignore[union-attr]
    ).scalars()
    events: list[dict[str, Any]] = []
    waiting: list[dict[str, Any]] = []  # the runs left waiting: `waiting_since`, as record_event
    for dossier_id, (trainee, start, first, initial) in zip(ids, plans, strict=True):
        hour = timedelta(hours=1)
        events.append(_event(dossier_id, 1, start, trainee, "opened", to_state=initial))
        events.append(
            _event(dossier_id, 2, start + hour, trainee, "action", action=first.action,
                   from_state=initial, to_state=first.target, payload={"data": {}})
        )  # fmt: skip
        draw = rng.random()
        if draw < 0.6:
            events.append(_event(dossier_id, 3, start + 2 * hour, trainee, "submitted"))
            if draw < 0.15:
                events.append(
                    _event(dossier_id, 4, start + 26 * hour, mentor, "review",
                           payload={"label": "Nhận xét: đạt", "verdict": "pass",
                                    "state": first.target, "note": "Đạt"})
                )  # fmt: skip
            elif draw < 0.18:
                events.append(_event(dossier_id, 4, start + 3 * hour, trainee, "withdrawn"))
            else:
                waiting.append({"dossier": dossier_id, "since": start + 2 * hour})
    national.bulk(session, Event, events)
    table = Dossier.__table__  # type: ignore[attr-defined]
    session.execute(
        update(table)
        .where(table.c.id == bindparam("dossier"))
        .values(waiting_since=bindparam("since")),
        waiting,
    )
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))
        session.commit()
    return {"officers": len(users), "practice_runs": len(dossiers), "events": len(events)}


def functions(engine: Engine) -> dict[str, Callable[[], None]]:
    def listing(**filters: Any) -> Callable[[], None]:
        def run() -> None:
            with Session(engine) as s:
                user = s.execute(select(User).where(User.username == READER)).scalar_one()
                queue.review_queue(s, user=user, filters=queue.Filters(**filters))

        return run

    return {
        "queue query: count and one page (no cards)": listing(),
        "queue query: one trainee by name (no cards)": listing(status="all", trainee=TRAINEE),
    }


PAGES = {
    "page: submitted, oldest first": "/reviews",
    "page: every run, page 50": "/reviews?status=all&page=50",
    "page: Thành phố HCM's runs": "/reviews?unit=SKHCN.HCM",
    "page: one trainee by name": f"/reviews?status=all&trainee={quote_plus(TRAINEE)}",
    "page: waiting more than 2 working days": "/reviews?waiting=2",
}

if __name__ == "__main__":
    sys.exit(main(Bench("reviews", READER, fill, PAGES, functions), __doc__ or ""))
