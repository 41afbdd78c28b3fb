"""The access matrix, generated from the app's own route table (issue G, DESIGN §6).

Every route (method + path) must have a rule in `RULES`; a new route without one fails
`test_every_route_has_a_rule`, so no future route slips through. `test_matrix` then requests
every route as every kind of user — staff of the dossier's unit, of a unit below it, of a foreign
unit, the unit's and the ministry's auditors, an admin, a mentor assigned to the unit (practice
only), and nobody — against a real and a practice dossier of Sở KH&CN Hà Nội, and checks the
expected allow or deny. A denial is 401/403/404 (or the sign-in redirect for pages), never
carries the dossier's applicant, and is logged on `casework.access`.

Safe methods are requested for every user. Unsafe ones (POST) are requested only where the rule
says "denied", so the matrix never changes data it checks later; the services' own tests cover
what an allowed POST does.

Rules whose expectations are not written out yet (`signed_in` families: reviews, progress,
questions, scenarios, notifications) only assert that nobody signed out gets in and that nothing
of a dossier outside the user's reach shows (see the issue note).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session, select

from casework.accounts import service as accounts
from casework.accounts.models import User
from casework.dossiers import service
from casework.dossiers.attachments import Upload
from casework.dossiers.models import Attachment, Dossier
from casework.reports import audit_log
from casework.reviews.models import MentorAssignment
from tests.factories import TZ

PDF = b"%PDF-1.4\n% matrix\n"
APPLICANTS = {"real": "Bệnh viện Ma Trận Thật", "practice": "Phòng khám Ma Trận Thử"}


def app_routes(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every route, through included routers; HEAD left out."""
    out: list[tuple[str, str]] = []

    def walk(routes: Any) -> None:
        for r in routes:
            if type(r).__name__ == "_IncludedRouter":
                walk(r.original_router.routes)
            elif hasattr(r, "methods") and r.methods:
                out.extend((m, r.path) for m in sorted(r.methods) if m != "HEAD")
            elif type(r).__name__ == "Mount":
                out.append(("GET", r.path + "/{path}"))

    walk(app.routes)
    return out


# ---- the rules -------------------------------------------------------------------------------------
#
# public      anyone, signed out too
# signed_in   any signed-in user (pages: signed out → sign-in redirect; API: 401)
# dossier     the dossier's readers only (DESIGN §6: own-unit staff, auditors and admins above,
#             assigned mentors for practice); everybody else 404 with nothing leaked
# act         a POST on a dossier: denied to readers who may not act (auditors, admins, mentors,
#             other units); staff of the unit are not requested (it would change the dossier)
# reader      auditors and admins anywhere (reports, audit log: over their own subtree); others 403
# admin       admins only; others 403
# review      a mentor's comment, score or verdict: mentors assigned to the unit, practice only
# check       an integrity check of the unit: auditors and admins at or above it
# book        the unit's tracking book: the unit's staff and the readers above it

PUBLIC, SIGNED_IN, DOSSIER, ACT, REVIEW, READER, CHECK, ADMIN, BOOK = (
    "public", "signed_in", "dossier", "act", "review", "reader", "check", "admin", "book",
)  # fmt: skip

RULES: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/static/{path}"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): SIGNED_IN,
    ("GET", "/procedures"): PUBLIC,
    ("GET", "/procedures/{code}"): PUBLIC,
    ("GET", "/procedures/{code}/diagram.svg"): PUBLIC,
    ("GET", "/questions"): PUBLIC,
    ("GET", "/questions/{question_id}"): SIGNED_IN,
    # API (token)
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("GET", "/api/v1/procedures"): SIGNED_IN,
    ("GET", "/api/v1/procedures/{code}"): SIGNED_IN,
    ("GET", "/api/v1/dossiers"): SIGNED_IN,
    ("POST", "/api/v1/dossiers"): SIGNED_IN,
    ("GET", "/api/v1/dossiers/{code}"): DOSSIER,
    ("GET", "/api/v1/dossiers/{code}/events"): DOSSIER,
    ("GET", "/api/v1/dossiers/{code}/replay/{seq}"): DOSSIER,
    ("POST", "/api/v1/dossiers/{code}/actions/{action}"): ACT,
    # the workspace
    ("GET", "/dossiers"): SIGNED_IN,
    ("GET", "/dossiers/new"): SIGNED_IN,
    ("POST", "/dossiers"): SIGNED_IN,
    ("GET", "/dossiers/{code}"): DOSSIER,
    ("POST", "/dossiers/{code}/actions/{action}"): ACT,
    ("POST", "/dossiers/{code}/attachments"): ACT,
    ("GET", "/dossiers/{code}/attachments/{attachment_id}"): DOSSIER,
    ("GET", "/dossiers/{code}/slips/{name}"): DOSSIER,
    ("GET", "/dossiers/{code}/feedback"): SIGNED_IN,  # scenario runs only: 404 for these two
    ("POST", "/dossiers/{code}/reset"): ACT,
    ("POST", "/dossiers/{code}/reviews/comments"): REVIEW,
    ("POST", "/dossiers/{code}/reviews/scores"): REVIEW,
    ("POST", "/dossiers/{code}/reviews/verdict"): REVIEW,
    ("GET", "/units/{unit_code}/book"): BOOK,
    ("GET", "/units/{unit_code}/book.pdf"): BOOK,
    ("GET", "/units/{unit_code}/book.xlsx"): BOOK,
    # training
    ("GET", "/scenarios"): SIGNED_IN,
    ("POST", "/scenarios/{scenario_id}/start"): SIGNED_IN,
    ("GET", "/questions/new"): SIGNED_IN,
    ("POST", "/questions"): SIGNED_IN,
    ("GET", "/questions/mine"): SIGNED_IN,
    ("POST", "/questions/mine/read"): SIGNED_IN,
    ("GET", "/questions/queue"): SIGNED_IN,
    ("GET", "/questions/badge"): PUBLIC,  # an empty badge when signed out
    ("POST", "/questions/{question_id}/answer"): SIGNED_IN,
    ("GET", "/reviews"): SIGNED_IN,
    ("GET", "/reviews/assignments"): SIGNED_IN,
    ("POST", "/reviews/assignments"): SIGNED_IN,
    ("POST", "/reviews/assignments/{assignment_id}/delete"): SIGNED_IN,
    ("GET", "/progress"): SIGNED_IN,
    ("GET", "/progress/users/{username}"): SIGNED_IN,
    ("POST", "/progress/users/{username}/sign-offs"): SIGNED_IN,
    ("POST", "/progress/users/{username}/sign-offs/{code}/revoke"): SIGNED_IN,
    ("GET", "/progress/users/{username}/certificate"): SIGNED_IN,
    ("GET", "/progress/units/{code}"): SIGNED_IN,
    ("POST", "/progress/units/{code}/opt-out"): SIGNED_IN,
    ("GET", "/progress/leaderboard"): SIGNED_IN,
    ("GET", "/notifications"): SIGNED_IN,
    ("GET", "/notifications/badge"): PUBLIC,  # an empty badge when signed out
    ("POST", "/notifications/seen"): SIGNED_IN,
    # admin
    ("GET", "/admin"): ADMIN,
    ("GET", "/admin/users"): ADMIN,
    ("GET", "/admin/users/new"): ADMIN,
    ("POST", "/admin/users"): ADMIN,
    ("GET", "/admin/users/{user_id}"): ADMIN,
    ("POST", "/admin/users/{user_id}"): ADMIN,
    ("POST", "/admin/users/{user_id}/active"): ADMIN,
    ("POST", "/admin/users/{user_id}/password"): ADMIN,
    ("POST", "/admin/users/{user_id}/tokens/revoke"): ADMIN,
    ("GET", "/admin/units"): ADMIN,
    ("POST", "/admin/units"): ADMIN,
    ("GET", "/admin/calendar"): ADMIN,
    ("POST", "/admin/calendar/days"): ADMIN,
    ("POST", "/admin/calendar/days/remove"): ADMIN,
    # auditors
    ("GET", "/reports"): READER,
    ("GET", "/reports/{name}.{fmt}"): READER,
    ("GET", "/reports/{name}"): READER,
    ("GET", "/audit"): READER,
    ("GET", "/audit/events.csv"): READER,
    ("GET", "/audit/events.xlsx"): READER,
    ("POST", "/audit/checks"): READER,
    ("GET", "/audit/checks"): READER,
    ("GET", "/audit/checks/{check_id}"): CHECK,
}


def test_every_route_has_a_rule(app):
    routes = set(app_routes(app))
    missing = sorted(routes - set(RULES))
    stale = sorted(set(RULES) - routes)
    assert not missing, f"routes without an access rule (add them to RULES): {missing}"
    assert not stale, f"rules for routes that no longer exist: {stale}"


# ---- who, and what they may do ---------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    name: str  # key in the world, or "anonymous"
    staff_here: bool = False  # receiver/handler/leader of the dossiers' unit
    reader_here: bool = False  # auditor or admin at or above the unit
    reader: bool = False  # auditor or admin of any unit
    admin: bool = False
    mentor_here: bool = False  # assigned to the unit, without real dossiers


PEOPLE = [
    Who("anonymous"),
    Who("hni.receiver", staff_here=True),
    Who("hni.handler", staff_here=True),
    Who("hni.auditor", reader_here=True, reader=True),
    Who("bo.auditor", reader_here=True, reader=True),
    Who("hni.admin", reader_here=True, reader=True, admin=True),
    Who("kha.receiver"),
    Who("kha.auditor", reader=True),
    Who("badinh.receiver"),
    Who("bo.mentor", mentor_here=True),
]


def may_read(who: Who, practice: bool) -> bool:
    return who.staff_here or who.reader_here or (who.mentor_here and practice)


def expected(rule: str, who: Who, practice: bool) -> bool | None:
    """True: allowed; False: denied; None: not asserted beyond "signed-out never gets in"."""
    if who.name == "anonymous":
        return rule == PUBLIC
    if rule in (PUBLIC,):
        return True
    if rule == SIGNED_IN:
        return None
    if rule == DOSSIER:
        return may_read(who, practice)
    if rule == ACT:
        return False if not who.staff_here else None
    if rule == REVIEW:
        return None if (who.mentor_here and practice) else False
    if rule == READER:
        return who.reader
    if rule == CHECK:
        return who.reader_here
    if rule == ADMIN:
        return who.admin
    if rule == BOOK:
        return who.staff_here or who.reader_here
    raise AssertionError(rule)


@pytest.fixture
def cast(session: Session, world, registry, tmp_path):
    """The extra people and the two dossiers of Hà Nội the matrix is about."""
    extra = {
        "hni.admin": (world.hni, ["admin"]),
        "kha.auditor": (world.kha, ["auditor"]),
    }
    people: dict[str, User] = dict(world.users)
    for name, (unit, roles) in extra.items():
        people[name] = accounts.create_user(
            session, username=name, full_name=f"Cán bộ {name}", unit=unit, roles=roles
        )
    session.add(MentorAssignment(mentor_id=people["bo.mentor"].id, unit_id=world.hni.id))
    session.commit()
    procedure = registry.get("2.002131")
    dossiers = {}
    for mode in ("real", "practice"):
        dossiers[mode] = service.open_dossier(
            session,
            actor=people["hni.receiver"],
            procedure=procedure,
            applicant=service.Applicant(name=APPLICANTS[mode], kind="organisation"),
            mode=mode,
            tz=TZ,
            uploads=[Upload("phieu_khai_bao", "phieu.pdf", PDF)],
            upload_dir=tmp_path / "uploads",
        )
    check, _ = audit_log.start_check(session, user=people["hni.auditor"], unit=world.hni)
    session.commit()
    return people, dossiers, check


def fill(path: str, dossier: Dossier, values: dict[str, Any]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "code":
            if path.startswith(("/procedures", "/api/v1/procedures")):
                return "2.002131"
            if path.startswith("/progress/units"):
                return "SKHCN.HNI"
            if path.startswith("/progress/users"):
                return "2.002131"
            return dossier.code
        if name == "name" and path.startswith("/reports/"):
            return "timeliness"
        return str(values[name])

    return re.sub(r"\{(\w+)\}", one, path)


def test_matrix(app, client, session, world, cast, sign_in, token_for, caplog):
    people, dossiers, check = cast
    values = {
        "action": "accept",
        "name": "control",
        "seq": 1,
        "unit_code": "SKHCN.HNI",
        "scenario_id": "none",
        "question_id": 1,
        "assignment_id": 1,
        "user_id": people["hni.receiver"].id,
        "username": "hni.receiver",
        "check_id": check.id,
        "fmt": "csv",
        "path": "css/app.css",
    }
    attachment = {
        mode: session.exec(select(Attachment.id).where(Attachment.dossier_id == d.id)).one()
        for mode, d in dossiers.items()
    }
    session.commit()  # no read transaction left open while the app writes (SQLite)
    failures: list[str] = []
    for who in PEOPLE:
        token = ""
        headers: dict[str, str] = {}
        if who.name != "anonymous":
            token = sign_in(people[who.name])
            headers = token_for(people[who.name])
        else:
            client.cookies.clear()
        for mode, dossier in dossiers.items():
            practice = mode == "practice"
            local = {**values, "attachment_id": attachment[mode]}
            for (method, path), rule in RULES.items():
                if "{code}" not in path and mode == "practice":
                    continue  # routes without a dossier: once is enough
                want = expected(rule, who, practice)
                if method != "GET" and want is not False:
                    continue  # never change data the matrix reads later
                url = fill(path, dossier, local)
                api = path.startswith("/api/")
                caplog.clear()
                with caplog.at_level(logging.WARNING, logger="casework.access"):
                    if method == "GET":
                        r = client.get(url, headers=headers if api else {}, follow_redirects=False)
                    elif api:
                        r = client.post(url, json={}, headers=headers, follow_redirects=False)
                    else:
                        data = {"csrf_token": token} if token else {}
                        r = client.post(url, data=data, follow_redirects=False)
                failures.extend(
                    _judge(method, url, rule, who, want, r, api, dossier, caplog.records)
                )
    assert not failures, "access matrix:\n" + "\n".join(failures)


def _judge(
    method: str, url: str, rule: str, who: Who, want: bool | None, r: Any, api: bool,
    dossier: Dossier, records: list[logging.LogRecord],
) -> list[str]:  # fmt: skip
    where = f"{method} {url} as {who.name} ({rule})"
    status = r.status_code
    signed_out = status == 401 or (
        status in (302, 303) and "/login" in r.headers.get("location", "")
    )
    denied = status in (401, 403, 404) or signed_out
    # the dossier's applicant: its data (a 404 may repeat the code the user typed: nothing new)
    leaks = dossier.applicant_name in r.text
    out: list[str] = []
    if who.name == "anonymous" and want is False and not (signed_out or status in (403, 404)):
        out.append(f"{where}: signed out but got {status}")
    if want is True and denied:
        out.append(f"{where}: expected to be allowed, got {status}")
    if want is False and status == 409 and may_read(who, "LT-" in dossier.code):
        denied = True  # e.g. "only practice dossiers start again": true, and no secret to them
    if want is False:
        if not denied:
            out.append(f"{where}: expected to be denied, got {status}")
        if leaks:
            out.append(f"{where}: the denial shows the applicant")
        if status in (403, 404) and not records:
            out.append(f"{where}: the denial was not logged")
    if (
        want is None
        and rule in (SIGNED_IN, ACT)
        and leaks
        and not may_read(who, "LT-" in dossier.code)
    ):
        out.append(f"{where}: shows a dossier the user may not read")
    return out
