"""Benchmark of the readiness map at national scale (issue 15, item 7).

    .venv/bin/python bench/readiness.py [--repeat 5] [--sqlite-only]

On a fresh database per backend (the demo world: the real tree of 34 provinces and 3,321
communes), it adds three officers in every commune and department (~10,100 users), certificates
for a fifth of the communes, sign-offs for a tenth, and 60,000 finished real dossiers plus 3,000
practice runs of the commune procedures. Then, median of `--repeat` runs after one warm-up:

- baseline: reading every unit row (what any page listing the 3,355 units must do at least);
- figures: `readiness.queries.figures` for the whole country (the grouped queries);
- national page / every commune of the country, page 30 / one province sorted by level,
  filtered: the whole GET through the app;
- the CSV export of every commune of the country's biggest province.

The target is 1 s per page. The figures go to bench/out/readiness.json.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from datetime import date, timedelta

import national
from harness import TZ, registry
from national import Bench, main
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from casework.accounts.models import User
from casework.accounts.security import hash_password
from casework.certificates.models import Certificate
from casework.db import utcnow
from casework.dossiers.catalog import version_row_for
from casework.dossiers.models import Dossier
from casework.readiness import queries
from casework.readiness.rules import FIELDS
from casework.signoffs.models import SignOffEntry

PASSWORD = "bench-readiness-1"  # the bench officers' (they do not sign in)
READER = "bo.auditor"  # the ministry's auditor: the whole country
COMMUNE_PROCEDURES = ("XA-DL-KTNN", "XA-DL-HDGS", "XA-CL-HHLT")


def fill(session: Session) -> dict[str, int]:
    rng = random.Random(15)
    now = utcnow()
    places = national.places(session)
    shared = hash_password(PASSWORD)
    users = [
        {"username": f"bench.{uid}.{role}", "full_name": "Cán bộ", "unit_id": uid,
         "roles": [role], "password_hash": shared, "is_active": True, "created_at": now}
        for uid in places for role in ("receiver", "handler", "leader")
    ]  # fmt: skip
    session.execute(insert(User), users)
    handlers = {
        uid: user_id
        for user_id, uid, name in session.execute(select(User.id, User.unit_id, User.username))
        if name.startswith("bench.") and name.endswith(".handler")
    }
    mentor = session.execute(select(User.id).where(User.username == "bo.mentor")).scalar_one()
    certs, signs = [], []
    for n, uid in enumerate(places):
        if rng.random() < 0.2:
            field = rng.choice(list(FIELDS.values()))
            certs.append(
                {"user_id": handlers[uid], "field": field, "course": "Khóa", "issuer": "UB TĐC",
                 "number": f"B{n}", "issued_on": date(2026, 1, 1), "source": "manual",
                 "recorded_at": now, "revoked": False, "version": 1}
            )  # fmt: skip
        if rng.random() < 0.1:
            signs.append(
                {"mentor_id": mentor, "trainee_id": handlers[uid], "note": "", "seq": 1,
                 "kind": "signed", "procedure_code": rng.choice(COMMUNE_PROCEDURES), "at": now,
                 "number": None, "evidence": []}
            )  # fmt: skip
    session.execute(insert(Certificate), certs)
    session.execute(insert(SignOffEntry), signs)
    versions = {c: version_row_for(session, registry().get(c)).id for c in COMMUNE_PROCEDURES}
    rows = []
    for i in range(63_000):
        uid, code = rng.choice(places), rng.choice(COMMUNE_PROCEDURES)
        practice = i >= 60_000
        ended = now - timedelta(days=rng.uniform(0, 180))
        rows.append(
            {"code": f"BENCH-{i}", "procedure_version_id": versions[code], "procedure_code": code,
             "mode": "practice" if practice else "real", "state": "done", "national_status": 10,
             "applicant_name": "Cơ sở", "receiving_unit_id": uid, "handling_unit_id": uid,
             "received_at": ended - timedelta(days=3), "processing_ended_at": ended,
             "result_bucket": rng.choice(("early", "on_time", "late")), "search_text": "",
             "supplement_requests": 0, "extensions": 0, "digitised": False}
        )  # fmt: skip
    for start in range(0, len(rows), 5000):
        session.execute(insert(Dossier), rows[start : start + 5000])
    session.commit()
    return {"users": len(users), "certificates": len(certs), "sign_offs": len(signs),
            "dossiers": len(rows)}  # fmt: skip


def functions(engine: Engine) -> dict[str, Callable[[], None]]:
    def figures() -> None:
        with Session(engine) as s:
            queries.figures(s, procedures=registry(), department=None, now=utcnow(),
                            today=utcnow().astimezone(TZ).date())  # fmt: skip

    return {"figures of every unit (grouped queries)": figures}


PAGES = {
    "page: national map and 34 provinces": "/readiness",
    "page: Thành phố HCM's 168 communes by level": "/readiness?province=SKHCN.HCM&sort=-level_dl",
    "page: Đồng Tháp, nobody certified in đo lường": (
        "/readiness?province=SKHCN.DTH&uncertified=1&page=2"
    ),
    "page: all 3,321 communes by level, page 30": "/readiness?communes=1&sort=-level_dl&page=30",
    "CSV: Thành phố HCM's communes": "/readiness.csv?province=SKHCN.HCM",
}

if __name__ == "__main__":
    sys.exit(main(Bench("readiness", READER, fill, PAGES, functions), __doc__ or ""))
