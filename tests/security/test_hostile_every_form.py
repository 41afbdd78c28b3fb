# ruff: noqa: F811 - `cast` is the access matrix's fixture
"""Issue 17, items 2 and 6: every form of the app, hostile. For each POST route of the access
matrix, the request its builder makes for the first user allowed to send it (a valid form, on
fresh data — `unsafe_requests.BUILDERS`) is sent again with one field at a time replaced by a
NUL, a vertical tab, a bidi override, a million characters, `NaN`, `Infinity` and an id above
2⁶³. No answer is a 5xx (a NUL reaching PostgreSQL, an id overflowing SQLite, a NaN in a number
were all 500s), and afterwards no text column of any table holds a NUL, a vertical tab, a bidi
override or a text of a million characters: what a form does not refuse, it never stores. Both
databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, Text, func, inspect, select
from sqlmodel import Session, SQLModel

from tests.security.test_access_matrix import PEOPLE, RULES, cast, expected  # noqa: F401
from tests.security.unsafe_requests import BUILDERS, Kit

HOSTILE = {
    "NUL": "Ha\x00Noi",
    "vertical tab": "Ha\x0bNoi",
    "override": "Ha\u202eioN",
    "a million characters": "x" * 1_000_000,
    "NaN": "NaN",
    "Infinity": "Infinity",
    "2**63+1": str(2**63 + 1),
}
#: fields that are not the user's text: the session's own token, where to go next; passwords
#: (a wrong current password counts towards the sign-in throttle: tests/accounts)
SKIPPED = {"csrf_token", "next", "current_password", "password", "password_again"}
SKIPPED_ROUTES = {"/login", "/logout"}  # their hostile forms: tests/accounts/test_login*.py
#: the forms that read every text through the input layer's floor (`inputs.screen`): a refused
#: character or a million characters in any of their fields is a 422 naming it, the form kept
SCREENED = {
    "/inspections/plans", "/inspections/plans/{plan_id}/items", "/inspections",
    "/inspections/{code}/decision", "/dossiers/{code}/findings", "/dossiers/{code}/findings/{row_id}",
    "/dossiers/{code}/handling", "/classes", "/classes/{class_id}/demand",
    "/classes/{class_id}/fill", "/classes/{class_id}/attendance", "/classes/{class_id}/complete",
    "/classes/{class_id}/cancel",
}  # fmt: skip
REFUSED = {"NUL", "vertical tab", "override", "a million characters"}


def _stored_badly(db: Session) -> list[str]:
    """(table.column, what) for every text column holding a refused character or a huge text."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name not in inspect(db.get_bind()).get_table_names():
            continue
        for column in table.columns:
            if not isinstance(column.type, String | Text):
                continue
            pg = db.get_bind().dialect.name == "postgresql"
            for what, needle in (("NUL", "\x00"), ("VT", "\x0b"), ("RLO", "\u202e")):
                if pg and needle == "\x00":
                    continue  # PostgreSQL cannot hold one at all
                # not LIKE: SQLite ends a LIKE pattern at a NUL
                position = func.strpos(column, needle) if pg else func.instr(column, needle)
                n = db.execute(
                    select(func.count()).select_from(table).where(position > 0)
                ).scalar_one()
                if n:
                    found.append(f"{table.name}.{column.name}: {what}")
            longest = db.execute(select(func.max(func.length(column)))).scalar()
            if longest and longest >= 1_000_000:
                found.append(f"{table.name}.{column.name}: {longest} characters")
    return found


def test_every_form_hostile(app, client, engine, session, registry, cast, sign_in, token_for):
    kit = Kit(
        session=session, engine=engine, people=cast.people, units=cast.units,
        procedures=registry, scenarios=app.state.scenarios,
        upload_dir=app.state.settings.upload_dir, client=client,
    )  # fmt: skip
    failures: list[str] = []
    sent = 0
    for (method, path), rule in sorted(RULES.items()):
        if method != "POST" or path in SKIPPED_ROUTES:
            continue
        who = next((w for w in PEOPLE if w.name != "anonymous" and expected(rule, w, False)), None)
        if who is None:
            continue
        user = cast.people[who.name]
        token = sign_in(user)
        probe = BUILDERS[method, path](kit, user, "real")
        fields = [k for k, v in probe.form.items() if k not in SKIPPED and isinstance(v, str)]
        session.commit()
        for name in fields:
            for label, value in HOSTILE.items():
                s = BUILDERS[method, path](kit, user, "real")
                session.commit()
                if s.json is not None or name not in s.form:
                    continue
                data: dict[str, Any] = {**s.form, name: value, "csrf_token": token}
                r = client.post(s.url, data=data, files=s.files, follow_redirects=False)
                sent += 1
                if r.status_code >= 500:
                    failures.append(f"{s.url} [{name}] = {label}: {r.status_code}")
                elif path in SCREENED and label in REFUSED and r.status_code != 422:
                    failures.append(f"{s.url} [{name}] = {label}: {r.status_code}, not 422")
    with Session(engine) as db:
        failures += [f"stored: {x}" for x in _stored_badly(db)]
    assert sent > 100
    assert not failures, "hostile forms:\n" + "\n".join(failures)
