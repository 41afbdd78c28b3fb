"""Benchmark of /progress at national scale (issue 16, item 8).

    .venv/bin/python bench/progress.py [--seconds 10] [--warmup 3] [--connections 2]
        [--workers 2] [--repeat 5] [--sqlite-only | --no-sqlite] [--no-baselines]

On a fresh database per backend (the demo world: the real tree of 34 provinces and 3,321
communes), it adds three trainees in every commune and department (~10,100 users), 60,000 real
dossiers with three events each (work that never counts), 6,000 practice runs spread over the
last 90 days with their events (opened, actions, a third with a mentor's verdict), sign-offs
for a tenth of the units, and every trainee's stored learning-path level on the two commune fields
(~20,000 rows); on PostgreSQL it then runs ANALYZE, as autovacuum would within a minute
of such a load. Then, as bench/national.py says (the HTTP runs with wrk, their baselines and the
in-process figures):

- in process: `progress.figures.figures` for the whole country (the grouped queries), and the
  learning-path levels' query alone (`figures.learning_path_levels`), beside reading every unit
  row;
- over HTTP, signed in as the ministry's auditor: the national page (34 provinces) / Thành phố
  HCM's units by active share / every unit by share at «Cơ bản», page 2 / Đồng Tháp's units with
  no activity / every unit of the country with no activity, page 30 — aim p95 ≤ 100 ms; the CSV
  of every unit of the country and the XLSX of Thành phố HCM's units — ≤ 1 s.

Results: bench/out/progress.json.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import national
from harness import registry
from national import Bench, main
from sqlalchemy import insert, select, text, true
from sqlalchemy.engine import Engine
from sqlmodel import Session

from casework.accounts.models import User
from casework.accounts.security import hash_password
from casework.db import utcnow
from casework.dossiers.catalog import version_row_for
from casework.dossiers.models import Dossier, Event
from casework.learning.models import LearningLevel
from casework.progress import figures
from casework.signoffs.models import SignOffEntry

PASSWORD = "bench-progress-1"  # the bench trainees' (they do not sign in)
READER = "bo.auditor"  # the ministry's auditor: the whole country
COMMUNE_PROCEDURES = ("XA-DL-KTNN", "XA-DL-HDGS", "XA-CL-HHLT")
ROLES = ("receiver", "handler", "leader")


def _event(
    dossier_id: int, seq: int, at: Any, actor: int, kind: str, action: str | None
) -> dict[str, Any]:
    return {
        "dossier_id": dossier_id, "seq": seq, "at": at, "actor_id": actor, "kind": kind,
        "action": action, "payload": {}, "prev_hash": "", "hash": f"b{dossier_id}-{seq}",
    }  # fmt: skip


def fill(session: Session) -> dict[str, int]:
    rng = random.Random(16)
    now = utcnow()
    places = national.places(session)
    shared = hash_password(PASSWORD)
    users = [
        {"username": f"bench.{uid}.{role}", "full_name": "Học viên", "unit_id": uid,
         "roles": [role], "password_hash": shared, "is_active": True, "created_at": now}
        for uid in places for role in ROLES
    ]  # fmt: skip
    session.execute(insert(User), users)
    staff: dict[tuple[int, str], int] = {}
    for user_id, uid, name in session.execute(select(User.id, User.unit_id, User.username)):
        if name.startswith("bench."):
            staff[(uid, name.rsplit(".", 1)[1])] = user_id
    mentor = session.execute(select(User.id).where(User.username == "bo.mentor")).scalar_one()
    versions = {c: version_row_for(session, registry().get(c)).id for c in COMMUNE_PROCEDURES}
    dossiers = []
    for i in range(66_000):
        uid, code = rng.choice(places), rng.choice(COMMUNE_PROCEDURES)
        practice = i >= 60_000
        start = now - timedelta(days=rng.uniform(0, 90 if practice else 365))
        ended = start + timedelta(days=3) if not practice or rng.random() < 0.5 else None
        dossiers.append(
            {"code": f"BENCH-{i}", "procedure_version_id": versions[code], "procedure_code": code,
             "mode": "practice" if practice else "real", "state": "done", "national_status": 10,
             "applicant_name": "Cơ sở", "receiving_unit_id": uid, "handling_unit_id": uid,
             "received_at": start, "processing_ended_at": ended, "result_bucket": None,
             "search_text": "", "supplement_requests": 0, "extensions": 0, "digitised": False}
        )  # fmt: skip
    national.bulk(session, Dossier, dossiers)
    events = []
    signs = []
    rows = session.execute(
        select(Dossier.id, Dossier.handling_unit_id, Dossier.received_at, Dossier.mode).where(
            Dossier.code.startswith("BENCH-")  # type: ignore[union-attr]
        )
    ).all()
    for dossier_id, uid, start, mode in rows:
        events.append(_event(dossier_id, 1, start, staff[(uid, "receiver")], "opened", None))
        events.append(_event(dossier_id, 2, start + timedelta(hours=1), staff[(uid, "handler")],
                             "action", "accept"))  # fmt: skip
        events.append(_event(dossier_id, 3, start + timedelta(hours=2), staff[(uid, "leader")],
                             "action", "sign"))  # fmt: skip
        if mode == "practice" and rng.random() < 0.33:
            verdict = rng.choice(("pass", "redo"))
            events.append(_event(dossier_id, 4, start + timedelta(days=1), mentor, "review",
                                 verdict))  # fmt: skip
    for uid in places:
        if rng.random() < 0.1:
            signs.append(
                {"trainee_id": staff[(uid, "handler")], "procedure_code": rng.choice(
                    COMMUNE_PROCEDURES), "seq": 1, "kind": "signed", "mentor_id": mentor,
                 "at": now, "note": "", "number": None, "evidence": []}
            )  # fmt: skip
    # every trainee's stored level on the two commune fields' learning paths (0–4)
    levels = [
        {"user_id": user_id, "field": name, "level": rng.randint(0, 4), "updated_at": now}
        for user_id in staff.values()
        for name in ("Đo lường", "Chất lượng sản phẩm, hàng hóa")
    ]
    national.bulk(session, Event, events)
    national.bulk(session, SignOffEntry, signs)
    national.bulk(session, LearningLevel, levels)
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # the planner's statistics, as autovacuum gathers them within a minute of such a load
        # (measured at once, it would plan for the empty tables of the migration)
        session.execute(text("ANALYZE"))
        session.commit()
    return {"users": len(users), "dossiers": len(dossiers), "events": len(events),
            "sign_offs": len(signs), "learning_levels": len(levels)}  # fmt: skip


def functions(engine: Engine) -> dict[str, Callable[[], None]]:
    def whole_country() -> None:
        with Session(engine) as s:
            user = s.execute(select(User).where(User.username == READER)).scalar_one()
            figures.figures(s, scope=figures.reader_scope(s, user), now=utcnow())

    def path_levels() -> None:
        with Session(engine) as s:
            figures.learning_path_levels(s, true())

    return {
        "figures of every unit (grouped queries)": whole_country,
        "of which: path levels of every unit (one grouped query)": path_levels,
    }


PAGES = {
    "page: 34 provinces": "/progress",
    "page: Thành phố HCM's units by active share": (
        "/progress?province=SKHCN.HCM&sort=-active_share"
    ),
    "page: every unit by share at «Cơ bản» or above, page 2": "/progress?units=1&sort=-lv2&page=2",
    "page: Đồng Tháp, units with no activity": "/progress?province=SKHCN.DTH&inactive=1",
    "page: every unit, no activity, page 30": "/progress?units=1&inactive=1&sort=-trainees&page=30",
    "CSV: every unit of the country": "/progress.csv?units=1",
    "XLSX: Thành phố HCM's units": "/progress.xlsx?province=SKHCN.HCM",
}

if __name__ == "__main__":
    sys.exit(main(Bench("progress", READER, fill, PAGES, functions), __doc__ or ""))
