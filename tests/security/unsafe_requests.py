"""One valid request per unsafe route, against fresh data, with what it must store.

`test_access_matrix.test_allowed_unsafe_requests` sends, for every POST route of `RULES` and
every user the rule allows, the request built here — on data made for that one request through
the real services (a fresh dossier, question, trainee, unit, assignment…), so no request depends
on another. Each builder returns a `Sent`: the URL, the body, the answer expected (status and
where a redirect goes) and a check that reads the database afterwards and says whether the change
is really stored. A POST route with no builder in `BUILDERS` fails that test.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from casework.accounts import service as accounts
from casework.accounts.models import Unit, User
from casework.accounts.security import verify_password
from casework.admin import calendar_service
from casework.admin import service as admin
from casework.db import utcnow
from casework.dossiers import service
from casework.dossiers.attachments import Upload
from casework.dossiers.models import Attachment, CalendarOverride, Dossier, Event
from casework.notifications.models import NotificationSeen
from casework.procedures import ProcedureRegistry
from casework.progress.models import UnitOptOut
from casework.questions import service as questions
from casework.questions.models import Question
from casework.reports.models import AuditCheck
from casework.reviews import assignments as assigning
from casework.reviews.models import MentorAssignment
from casework.scenarios.schema import ScenarioRegistry
from casework.signoffs.models import SignOffEntry
from tests.factories import TZ
from tests.signoffs.factories import grant, passed_run

PDF = b"%PDF-1.4\n% matrix\n"
PROCEDURE = "2.002131"  # Khai báo X-quang: province level, opened by a receiver
SCENARIO = "xquang-thieu-so-seri"  # a scenario of that procedure
PASSWORD = "mat-khau-123"  # what the `sign_in` fixture gives everyone it signs in
NEW_PASSWORD = "Mat-khau-moi-2031!"
CODE = re.compile(r"/dossiers/((?:LT-)?[A-Z0-9.]+-\d{6}-\d{4})")


@dataclass
class Sent:
    """A request and what must come of it."""

    url: str
    form: dict[str, Any] = field(default_factory=dict)  # the CSRF token is added when sending
    json: dict[str, Any] | None = None  # an API request (sent with the user's token)
    files: dict[str, Any] | None = None
    status: int = 303
    location: str | None = None  # a regular expression the redirect's target must match
    #: reads the database (a fresh session) and the answer; returns what is wrong, "" if nothing
    stored: Callable[[Session, Any], str] = lambda db, r: ""


@dataclass
class Kit:
    """What builders need: the database, the people, and makers of fresh data."""

    session: Session
    engine: Engine
    people: dict[str, User]
    units: dict[str, Unit]  # BO, HNI, KHA, BADINH
    procedures: ProcedureRegistry
    scenarios: ScenarioRegistry
    upload_dir: Any
    client: Any
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fresh(self, stem: str) -> str:
        return f"{stem}{next(self.counter)}"

    def unit_of(self, user: User) -> Unit:
        unit = self.session.get(Unit, user.unit_id)
        assert unit is not None
        return unit

    def dossier(self, mode: str, *, accepted: bool = False) -> Dossier:
        """A fresh dossier of Hà Nội, opened by its receiver with one document."""
        receiver = self.people["hni.receiver"]
        d = service.open_dossier(
            self.session,
            actor=receiver,
            procedure=self.procedures.get(PROCEDURE),
            applicant=service.Applicant(name=self.fresh("Cơ sở mới "), kind="organisation"),
            mode=mode,
            tz=TZ,
            uploads=[Upload("phieu_khai_bao", "phieu.pdf", PDF)],
            upload_dir=self.upload_dir,
        )
        if accepted:
            d = service.fire_action(
                self.session, actor=receiver, code=d.code, action="accept", data={}, tz=TZ
            )
        return d

    def user(self, unit: Unit, roles: list[str], *, password: str | None = None) -> User:
        name = self.fresh("moi.")
        return accounts.create_user(
            self.session, username=name, full_name=f"Người mới {name}", unit=unit, roles=roles,
            password=password,
        )  # fmt: skip

    def commune(self, parent: Unit) -> Unit:
        code = self.fresh("XA.MOI")
        return accounts.create_unit(
            self.session, code=code, name=f"UBND {code}", kind="commune", parent=parent
        )

    def question(self, asker: User) -> Question:
        values = {"text": self.fresh("Hỏi về khai báo X-quang, lần ")}
        if questions.can_ask(asker):
            return questions.ask(
                self.session, user=asker, procedure=self.procedures.get(PROCEDURE), values=values
            )
        # asked while the user still held a staff role (roles change; their questions stay)
        q = Question(
            procedure_code=PROCEDURE, asker_id=asker.id or 0, unit_id=asker.unit_id,
            text=values["text"], asked_at=utcnow(),
        )  # fmt: skip
        self.session.add(q)
        self.session.commit()
        return q

    def answered(self, asker: User) -> Question:
        q = self.question(asker)
        assert q.id is not None
        return questions.answer(
            self.session,
            user=self.people["bo.admin"],  # the ministry's admins answer every unit's question
            question_id=q.id,
            values={"answer": "Trả lời thử.", "public": "1", "version": str(q.version)},
            calendar=service.default_calendars().for_unit(self.session, None),
        )


def _event(db: Session, code: str, **where: Any) -> Event | None:
    d = db.exec(select(Dossier).where(Dossier.code == code)).one()
    query = select(Event).where(Event.dossier_id == d.id)
    for key, value in where.items():
        query = query.where(getattr(Event, key) == value)
    return db.exec(query).first()


def _say(ok: bool, what: str) -> str:
    return "" if ok else what


# ---- the builders, one per POST route -----------------------------------------------------------

Builder = Callable[[Kit, Any, str], Sent]  # (kit, the user or None if signed out, mode)


def login(k: Kit, who: User | None, mode: str) -> Sent:
    if who is None:  # signed out: sign in as a fresh account
        who = k.user(k.units["HNI"], ["receiver"], password=NEW_PASSWORD)
        password = NEW_PASSWORD
    else:
        password = PASSWORD

    def stored(db: Session, r: Any) -> str:
        page = k.client.get("/notifications", follow_redirects=False)
        return _say(page.status_code == 200, f"not signed in as {who.username} after signing in")

    return Sent(
        "/login", {"username": who.username, "password": password, "next": "/dossiers"},
        location="^/dossiers$", stored=stored,
    )  # fmt: skip


def logout(k: Kit, who: User, mode: str) -> Sent:
    def stored(db: Session, r: Any) -> str:
        page = k.client.get("/notifications", follow_redirects=False)
        return _say("/login" in page.headers.get("location", ""), "still signed in")

    return Sent("/logout", location="^/login$", stored=stored)


def api_open(k: Kit, who: User, mode: str) -> Sent:
    name = k.fresh("Người nộp API ")
    body = {"procedure_code": PROCEDURE, "mode": mode, "applicant": {"name": name}}

    def stored(db: Session, r: Any) -> str:
        d = db.exec(select(Dossier).where(Dossier.code == r.json()["code"])).first()
        ok = d is not None and d.applicant_name == name and d.receiving_unit_id == who.unit_id
        return _say(ok, "no such dossier at the user's unit")

    return Sent("/api/v1/dossiers", json=body, status=201, stored=stored)


def api_act(k: Kit, who: User, mode: str) -> Sent:
    d = k.dossier(mode)

    def stored(db: Session, r: Any) -> str:
        ev = _event(db, d.code, action="accept", actor_id=who.id)
        return _say(ev is not None and r.json()["state"] == "reviewing", "no accept event")

    return Sent(
        f"/api/v1/dossiers/{d.code}/actions/accept", json={"expected_version": d.version},
        status=200, stored=stored,
    )  # fmt: skip


def page_open(k: Kit, who: User, mode: str) -> Sent:
    name = k.fresh("Người nộp trang ")
    form = {
        "procedure": PROCEDURE, "mode": mode, "channel": "in_person", "kind": "person",
        "applicant_name": name,
    }  # fmt: skip
    files = {"doc_phieu_khai_bao": ("phieu.pdf", PDF, "application/pdf")}

    def stored(db: Session, r: Any) -> str:
        found = CODE.search(r.headers["location"])
        d = db.exec(select(Dossier).where(Dossier.code == (found and found.group(1)))).first()
        if d is None or d.applicant_name != name or d.receiving_unit_id != who.unit_id:
            return "no such dossier at the user's unit"
        rows = db.exec(select(Attachment).where(Attachment.dossier_id == d.id)).all()
        return _say(len(rows) == 1, "the document was not stored")

    return Sent(
        "/dossiers", form, files=files, location=r"^/dossiers/\S+\?opened=1$", stored=stored
    )


def page_act(k: Kit, who: User, mode: str) -> Sent:
    d = k.dossier(mode)

    def stored(db: Session, r: Any) -> str:
        ok = _event(db, d.code, action="accept", actor_id=who.id) is not None
        return _say(ok, "no accept event")

    return Sent(
        f"/dossiers/{d.code}/actions/accept", {"expected_version": str(d.version)},
        location=f"^/dossiers/{re.escape(d.code)}$", stored=stored,
    )  # fmt: skip


def attach(k: Kit, who: User, mode: str) -> Sent:
    d = k.dossier(mode)
    files = {"doc_phieu_khai_bao": ("bo-sung.pdf", PDF, "application/pdf")}

    def stored(db: Session, r: Any) -> str:
        rows = db.exec(select(Attachment).where(Attachment.dossier_id == d.id)).all()
        ok = len(rows) == 2 and any(a.uploaded_by_id == who.id for a in rows)
        return _say(ok, f"{len(rows)} attachments, none by the user")

    return Sent(
        f"/dossiers/{d.code}/attachments", files=files,
        location=f"^/dossiers/{re.escape(d.code)}#attachments$", stored=stored,
    )  # fmt: skip


def reset(k: Kit, who: User, mode: str) -> Sent:
    d = k.dossier(mode)

    def stored(db: Session, r: Any) -> str:
        found = CODE.search(r.headers["location"])
        old = db.exec(select(Dossier).where(Dossier.code == d.code)).one()
        ok = found is not None and old.data.get("replaced_by") == found.group(1)
        ok = ok and _event(db, d.code, action="reset", actor_id=who.id) is not None
        return _say(ok, "the old attempt does not name its replacement")

    return Sent(
        f"/dossiers/{d.code}/reset", location=r"^/dossiers/LT-\S+\?opened=1$", stored=stored
    )


def comment(k: Kit, who: User, mode: str) -> Sent:
    d = k.dossier(mode)
    text = k.fresh("Góp ý thử ")

    def stored(db: Session, r: Any) -> str:
        ev = _event(db, d.code, kind="comment", actor_id=who.id)
        return _say(ev is not None and ev.payload["text"] == text, "no comment event")

    return Sent(
        f"/dossiers/{d.code}/reviews/comments", {"on": "1", "text": text},
        location=f"^/dossiers/{re.escape(d.code)}#ev-1$", stored=stored,
    )  # fmt: skip


def score(k: Kit, who: User, mode: str) -> Sent:
    d = k.dossier(mode, accepted=True)
    accept = _event(k.session, d.code, action="accept")
    assert accept is not None
    items = k.procedures.get(PROCEDURE).checklists["received"]
    form = {f"mark_{i}": "ok" for i in range(len(items))}

    def stored(db: Session, r: Any) -> str:
        ev = _event(db, d.code, kind="score", actor_id=who.id)
        ok = ev is not None and ev.payload["passed"] == len(items)
        return _say(ok, "no score event")

    return Sent(
        f"/dossiers/{d.code}/reviews/scores", {"on": str(accept.seq), **form},
        location=f"^/dossiers/{re.escape(d.code)}#ev-{accept.seq}$", stored=stored,
    )  # fmt: skip


def verdict(k: Kit, who: User, mode: str) -> Sent:
    d = k.dossier(mode, accepted=True)

    def stored(db: Session, r: Any) -> str:
        ev = _event(db, d.code, kind="review", action="pass", actor_id=who.id)
        return _say(ev is not None, "no verdict event")

    return Sent(
        f"/dossiers/{d.code}/reviews/verdict", {"verdict": "pass", "note": "Làm tốt."},
        location=f"^/dossiers/{re.escape(d.code)}#verdict$", stored=stored,
    )  # fmt: skip


def start_scenario(k: Kit, who: User, mode: str) -> Sent:
    def stored(db: Session, r: Any) -> str:
        found = CODE.search(r.headers["location"])
        d = db.exec(select(Dossier).where(Dossier.code == (found and found.group(1)))).first()
        ok = d is not None and d.data.get("_scenario") == SCENARIO and d.mode == "practice"
        return _say(ok and d is not None and d.receiving_unit_id == who.unit_id, "no scenario run")

    return Sent(
        f"/scenarios/{SCENARIO}/start", location=r"^/dossiers/LT-\S+\?opened=1$", stored=stored
    )


def ask(k: Kit, who: User, mode: str) -> Sent:
    text = k.fresh("Phiếu khai báo có cần đóng dấu không? Lần ")

    def stored(db: Session, r: Any) -> str:
        q = db.exec(select(Question).where(Question.text == text)).first()
        ok = (
            q is not None
            and q.asker_id == who.id
            and r.headers["location"] == (f"/questions/{q.id}?asked=1")
        )
        return _say(ok, "no such question by the user")

    return Sent(
        "/questions", {"procedure": PROCEDURE, "step": "received", "text": text}, stored=stored
    )


def mark_read(k: Kit, who: User, mode: str) -> Sent:
    q = k.answered(who)

    def stored(db: Session, r: Any) -> str:
        row = db.get(Question, q.id)
        return _say(row is not None and row.asker_seen_at is not None, "the answer is still unread")

    return Sent(
        "/questions/mine/read", {"drawn_at": utcnow().isoformat()},
        location=r"^/questions/mine\?read=1$", stored=stored,
    )  # fmt: skip


def answer(k: Kit, who: User, mode: str) -> Sent:
    q = k.question(k.people["hni.receiver"])
    text = k.fresh("Cần đóng dấu, trả lời số ")

    def stored(db: Session, r: Any) -> str:
        row = db.get(Question, q.id)
        ok = row is not None and row.answer == text and row.answered_by_id == who.id
        return _say(ok and row is not None and row.status == "answered", "no answer stored")

    return Sent(
        f"/questions/{q.id}/answer", {"answer": text, "public": "1", "version": str(q.version)},
        location=rf"^/questions/{q.id}\?answered=1$", stored=stored,
    )  # fmt: skip


def assign(k: Kit, who: User, mode: str) -> Sent:
    mentor = k.user(k.units["BO"], ["mentor"])
    unit = k.units["HNI"]

    def stored(db: Session, r: Any) -> str:
        row = db.exec(
            select(MentorAssignment).where(
                MentorAssignment.mentor_id == mentor.id, MentorAssignment.unit_id == unit.id
            )
        ).first()
        return _say(row is not None and row.created_by_id == who.id, "no assignment")

    return Sent(
        "/reviews/assignments", {"mentor_id": str(mentor.id), "unit_id": str(unit.id)},
        location=r"^/reviews/assignments\?done=saved$", stored=stored,
    )  # fmt: skip


def unassign(k: Kit, who: User, mode: str) -> Sent:
    mentor = k.user(k.units["BO"], ["mentor"])
    row = assigning.assign(
        k.session, scope=admin.scope_of(k.session, who), mentor_id=mentor.id,
        unit_id=k.units["HNI"].id, can_view_real=False,
    )  # fmt: skip

    def stored(db: Session, r: Any) -> str:
        return _say(db.get(MentorAssignment, row.id) is None, "the assignment is still there")

    return Sent(
        f"/reviews/assignments/{row.id}/delete",
        location=r"^/reviews/assignments\?done=removed$", stored=stored,
    )  # fmt: skip


def _sign_offs(db: Session, trainee: User) -> list[SignOffEntry]:
    return list(
        db.exec(
            select(SignOffEntry)
            .where(SignOffEntry.trainee_id == trainee.id)
            .order_by(col(SignOffEntry.seq))
        ).all()
    )


def sign_off(k: Kit, who: User, mode: str) -> Sent:
    """A fresh trainee with the evidence: a practice run of the procedure that `who` passed."""
    trainee = k.user(k.units["HNI"], ["receiver"])
    run = passed_run(k.session, trainee=trainee, mentor=who, procedure=k.procedures.get(PROCEDURE))

    def stored(db: Session, r: Any) -> str:
        rows = _sign_offs(db, trainee)
        ok = [(x.procedure_code, x.kind, x.mentor_id, x.evidence) for x in rows] == [
            (PROCEDURE, "signed", who.id, [run.code])
        ]
        return _say(ok and rows[0].number is not None, "no sign-off with its evidence")

    return Sent(
        f"/progress/users/{trainee.username}/sign-offs",
        {"procedure_code": PROCEDURE, "note": "Làm độc lập được."},
        location=rf"^/progress/users/{re.escape(trainee.username)}\?signed={PROCEDURE}#sign-offs$",
        stored=stored,
    )  # fmt: skip


def revoke(k: Kit, who: User, mode: str) -> Sent:
    trainee = k.user(k.units["HNI"], ["receiver"])
    grant(k.session, trainee=trainee, mentor=who, code=PROCEDURE)

    def stored(db: Session, r: Any) -> str:
        rows = _sign_offs(db, trainee)
        ok = [(x.kind, x.note) for x in rows] == [("signed", ""), ("revoked", "Làm sai 2 lần")]
        return _say(ok, "no revocation kept after the sign-off")

    return Sent(
        f"/progress/users/{trainee.username}/sign-offs/{PROCEDURE}/revoke",
        {"reason": "Làm sai 2 lần"},
        location=rf"^/progress/users/{re.escape(trainee.username)}\?revoked={PROCEDURE}#sign-offs$",
        stored=stored,
    )  # fmt: skip


def opt_out(k: Kit, who: User, mode: str) -> Sent:
    unit = k.commune(k.units["HNI"])

    def stored(db: Session, r: Any) -> str:
        row = db.exec(select(UnitOptOut).where(UnitOptOut.unit_id == unit.id)).first()
        return _say(row is not None and row.created_by_id == who.id, "no opt-out row")

    return Sent(
        f"/progress/units/{unit.code}/opt-out", {"opted_out": "1"},
        location=rf"^/progress/units/{re.escape(unit.code)}\?saved=out$", stored=stored,
    )  # fmt: skip


def seen(k: Kit, who: User, mode: str) -> Sent:
    at = utcnow() - timedelta(seconds=5)

    def stored(db: Session, r: Any) -> str:
        row = db.get(NotificationSeen, who.id)
        ok = row is not None and abs((row.seen_at - at).total_seconds()) < 1
        return _say(ok, "no 'seen' instant stored")

    return Sent(
        "/notifications/seen", {"drawn_at": at.isoformat()},
        location=r"^/notifications\?seen=1$", stored=stored,
    )  # fmt: skip


# -- admin


def create_user(k: Kit, who: User, mode: str) -> Sent:
    name = k.fresh("tao.moi.")
    unit = k.units["HNI"]
    form = {
        "username": name, "password": NEW_PASSWORD, "full_name": f"Người {name}",
        "unit_id": str(unit.id), "roles": ["receiver", "handler"],
    }  # fmt: skip

    def stored(db: Session, r: Any) -> str:
        u = db.exec(select(User).where(User.username == name)).first()
        ok = u is not None and u.unit_id == unit.id and sorted(u.roles) == ["handler", "receiver"]
        ok = ok and u is not None and r.headers["location"] == f"/admin/users/{u.id}?created=1"
        return _say(ok, "no such user")

    return Sent("/admin/users", form, stored=stored)


def update_user(k: Kit, who: User, mode: str) -> Sent:
    target = k.user(k.units["HNI"], ["receiver"])
    full_name = k.fresh("Tên đã sửa ")
    form = {"full_name": full_name, "unit_id": str(target.unit_id), "roles": ["leader"]}

    def stored(db: Session, r: Any) -> str:
        u = db.get(User, target.id)
        ok = u is not None and u.full_name == full_name and u.roles == ["leader"]
        return _say(ok, "the user is unchanged")

    return Sent(
        f"/admin/users/{target.id}", form,
        location=rf"^/admin/users/{target.id}\?done=saved$", stored=stored,
    )  # fmt: skip


def set_active(k: Kit, who: User, mode: str) -> Sent:
    target = k.user(k.units["HNI"], ["receiver"])

    def stored(db: Session, r: Any) -> str:
        u = db.get(User, target.id)
        return _say(u is not None and not u.is_active, "the user is still active")

    return Sent(
        f"/admin/users/{target.id}/active", {"active": "0"},
        location=rf"^/admin/users/{target.id}\?done=locked$", stored=stored,
    )  # fmt: skip


def set_password(k: Kit, who: User, mode: str) -> Sent:
    target = k.user(k.units["HNI"], ["receiver"])

    def stored(db: Session, r: Any) -> str:
        u = db.get(User, target.id)
        ok = u is not None and verify_password(NEW_PASSWORD, u.password_hash)
        return _say(ok, "the new password does not work")

    return Sent(
        f"/admin/users/{target.id}/password",
        {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        location=rf"^/admin/users/{target.id}\?done=password$", stored=stored,
    )  # fmt: skip


def revoke_tokens(k: Kit, who: User, mode: str) -> Sent:
    target = k.user(k.units["HNI"], ["receiver"])
    accounts.issue_token(k.session, user=target)

    def stored(db: Session, r: Any) -> str:
        u = db.get(User, target.id)
        assert u is not None
        return _say(accounts.count_active_tokens(db, user=u) == 0, "a token still works")

    return Sent(
        f"/admin/users/{target.id}/tokens/revoke",
        location=rf"^/admin/users/{target.id}\?done=revoked&n=1$", stored=stored,
    )  # fmt: skip


def create_unit(k: Kit, who: User, mode: str) -> Sent:
    code = k.fresh("XA.TAO")
    parent = k.units["HNI"]
    form = {"parent_id": str(parent.id), "code": code, "name": f"UBND {code}", "kind": "commune"}

    def stored(db: Session, r: Any) -> str:
        u = db.exec(select(Unit).where(Unit.code == code)).first()
        return _say(u is not None and u.parent_id == parent.id, "no such unit")

    return Sent("/admin/units", form, location=rf"^/admin/units\?created={code}$", stored=stored)


def _day(k: Kit) -> date:
    return date(2031, 3, 3) + timedelta(days=next(k.counter))


def add_day(k: Kit, who: User, mode: str) -> Sent:
    day = _day(k)
    scope = k.unit_of(who).code

    def stored(db: Session, r: Any) -> str:
        row = db.exec(
            select(CalendarOverride).where(
                CalendarOverride.scope == scope, CalendarOverride.day == day
            )
        ).first()
        return _say(row is not None, "no calendar change stored")

    form = {"day": day.isoformat(), "kind": "day_off", "name": "Nghỉ thử", "scope": "unit"}
    return Sent("/admin/calendar/days", form, status=200, stored=stored)


def remove_day(k: Kit, who: User, mode: str) -> Sent:
    day = _day(k)
    scope = k.unit_of(who).code
    calendar_service.set_day(
        k.session, admin.scope_of(k.session, who), service.default_calendars(),
        {"day": day.isoformat(), "kind": "day_off", "name": "Nghỉ thử", "scope": "unit"},
    )  # fmt: skip

    def stored(db: Session, r: Any) -> str:
        row = db.exec(
            select(CalendarOverride).where(
                CalendarOverride.scope == scope, CalendarOverride.day == day
            )
        ).first()
        return _say(row is None, "the calendar change is still there")

    form = {"day": day.isoformat(), "scope": "unit"}
    return Sent("/admin/calendar/days/remove", form, status=200, stored=stored)


def start_check(k: Kit, who: User, mode: str) -> Sent:
    own = k.unit_of(who)
    unit = k.commune(k.units["HNI"] if own.code == "BKHCN" else own)

    def stored(db: Session, r: Any) -> str:
        row = db.exec(
            select(AuditCheck)
            .where(AuditCheck.unit_id == unit.id)
            .order_by(col(AuditCheck.id).desc())
        ).first()
        ok = row is not None and row.started_by_id == who.id
        ok = ok and row is not None and r.headers["location"] == f"/audit/checks/{row.id}"
        return _say(ok, "no check of the unit started by the user")

    return Sent("/audit/checks", {"unit": str(unit.id)}, stored=stored)


# ---- an inspection's findings (issue 15) ------------------------------------------------------

PACKAGED_GOODS = {  # a pre-packaged product whose last unit is short by more than 2T
    "kind": "packaged", "san_pham": "Đường RE 500 g", "luong_danh_dinh": "500", "don_vi": "g",
    "co_lo": "5", "luong_thuc": "501; 502; 503; 504; 460",
}  # fmt: skip


def _inspection(
    k: Kit, who: User, mode: str, *, row: bool = False, signed: bool = False
) -> Dossier:
    """A commune's pre-packaged-goods inspection at its on-site record, opened and taken there by
    the commune's officer, then handed to `who`'s unit (inspections are commune work; the
    matrix's recorders are Hà Nội's): a row added, and the record signed, when asked."""
    from casework.findings import service as findings  # noqa: PLC0415

    officer = k.people["badinh.receiver"]  # receiver, handler and leader of the commune
    d = service.open_dossier(
        k.session, actor=officer, procedure=k.procedures.get("XA-DL-HDGS"),
        applicant=service.Applicant(name=k.fresh("Tạp hóa "), kind="organisation"),
        mode=mode, tz=TZ,
    )  # fmt: skip
    service.fire_action(k.session, actor=officer, code=d.code, action="issue_decision",
                        data={"decision_number": "1/QĐ"}, tz=TZ)  # fmt: skip
    service.fire_action(k.session, actor=officer, code=d.code, action="finish_inspection",
                        data={"co_so": "Tạp hóa", "mat_hang": "Đường", "so_mau": "5"}, tz=TZ)  # fmt: skip
    if row or signed:
        findings.add_row(k.session, actor=officer, code=d.code, kind="packaged",
                         form=PACKAGED_GOODS, tz=TZ)  # fmt: skip
    if signed:
        service.fire_action(k.session, actor=officer, code=d.code, action="sign_record",
                            data={}, tz=TZ)  # fmt: skip
    d = k.session.exec(select(Dossier).where(Dossier.code == d.code)).one()
    d.handling_unit_id = d.receiving_unit_id = who.unit_id
    k.session.add(d)
    k.session.commit()
    return d


def _finding_rows(db: Session, d: Dossier) -> list[Any]:
    from casework.findings.models import FindingRow  # noqa: PLC0415

    return list(db.exec(select(FindingRow).where(FindingRow.dossier_id == d.id)).all())


def add_finding(k: Kit, who: User, mode: str) -> Sent:
    d = _inspection(k, who, mode)

    def stored(db: Session, r: Any) -> str:
        rows = _finding_rows(db, d)
        ok = len(rows) == 1 and rows[0].passed is False
        ok = ok and _event(db, d.code, kind="finding", actor_id=who.id) is not None
        return _say(ok, "no failed row, or no event of it")

    return Sent(
        f"/dossiers/{d.code}/findings", PACKAGED_GOODS,
        location=rf"^/dossiers/{re.escape(d.code)}/findings\?saved=row#row-\d+$", stored=stored,
    )  # fmt: skip


def edit_finding(k: Kit, who: User, mode: str) -> Sent:
    d = _inspection(k, who, mode, row=True)
    row = _finding_rows(k.session, d)[0]
    good = {**PACKAGED_GOODS, "luong_thuc": "501; 502; 503; 504; 500"}

    def stored(db: Session, r: Any) -> str:
        rows = _finding_rows(db, d)
        ok = len(rows) == 1 and rows[0].passed is True
        ok = ok and _event(db, d.code, kind="finding", actor_id=who.id) is not None
        return _say(ok, "the row was not corrected, or no event of it")

    return Sent(
        f"/dossiers/{d.code}/findings/{row.id}", good,
        location=rf"^/dossiers/{re.escape(d.code)}/findings\?saved=row#row-{row.id}$",
        stored=stored,
    )  # fmt: skip


def delete_finding(k: Kit, who: User, mode: str) -> Sent:
    d = _inspection(k, who, mode, row=True)
    row = _finding_rows(k.session, d)[0]

    def stored(db: Session, r: Any) -> str:
        ok = _finding_rows(db, d) == []
        ok = ok and _event(db, d.code, kind="finding", actor_id=who.id) is not None
        return _say(ok, "the row is still there, or no event of it")

    return Sent(
        f"/dossiers/{d.code}/findings/{row.id}/delete",
        location=rf"^/dossiers/{re.escape(d.code)}/findings\?saved=deleted$", stored=stored,
    )  # fmt: skip


def save_handling(k: Kit, who: User, mode: str) -> Sent:
    from casework.findings.models import Handling  # noqa: PLC0415

    d = _inspection(k, who, mode, signed=True)

    def stored(db: Session, r: Any) -> str:
        h = db.exec(select(Handling).where(Handling.dossier_id == d.id)).first()
        ok = h is not None and h.amount == 2_000_000 and h.updated_by_id == who.id
        return _say(ok, "the handling is not stored")

    return Sent(
        f"/dossiers/{d.code}/handling", {"decision_number": "9/QĐ-XPHC", "amount": "2.000.000"},
        location=rf"^/dossiers/{re.escape(d.code)}/findings\?saved=handling#handling$",
        stored=stored,
    )  # fmt: skip


BUILDERS: dict[tuple[str, str], Builder] = {
    ("POST", "/login"): login,
    ("POST", "/logout"): logout,
    ("POST", "/api/v1/dossiers"): api_open,
    ("POST", "/api/v1/dossiers/{code}/actions/{action}"): api_act,
    ("POST", "/dossiers"): page_open,
    ("POST", "/dossiers/{code}/actions/{action}"): page_act,
    ("POST", "/dossiers/{code}/attachments"): attach,
    ("POST", "/dossiers/{code}/reset"): reset,
    ("POST", "/dossiers/{code}/reviews/comments"): comment,
    ("POST", "/dossiers/{code}/reviews/scores"): score,
    ("POST", "/dossiers/{code}/reviews/verdict"): verdict,
    ("POST", "/scenarios/{scenario_id}/start"): start_scenario,
    ("POST", "/questions"): ask,
    ("POST", "/questions/mine/read"): mark_read,
    ("POST", "/questions/{question_id}/answer"): answer,
    ("POST", "/reviews/assignments"): assign,
    ("POST", "/reviews/assignments/{assignment_id}/delete"): unassign,
    ("POST", "/progress/users/{username}/sign-offs"): sign_off,
    ("POST", "/progress/users/{username}/sign-offs/{code}/revoke"): revoke,
    ("POST", "/progress/units/{code}/opt-out"): opt_out,
    ("POST", "/notifications/seen"): seen,
    ("POST", "/admin/users"): create_user,
    ("POST", "/admin/users/{user_id}"): update_user,
    ("POST", "/admin/users/{user_id}/active"): set_active,
    ("POST", "/admin/users/{user_id}/password"): set_password,
    ("POST", "/admin/users/{user_id}/tokens/revoke"): revoke_tokens,
    ("POST", "/admin/units"): create_unit,
    ("POST", "/admin/calendar/days"): add_day,
    ("POST", "/admin/calendar/days/remove"): remove_day,
    ("POST", "/audit/checks"): start_check,
    ("POST", "/dossiers/{code}/findings"): add_finding,
    ("POST", "/dossiers/{code}/findings/{row_id}"): edit_finding,
    ("POST", "/dossiers/{code}/findings/{row_id}/delete"): delete_finding,
    ("POST", "/dossiers/{code}/handling"): save_handling,
}

# the classes' builders live with their tests (tests/classes/matrix.py)
from tests.classes.matrix import BUILDERS as CLASS_BUILDERS  # noqa: E402

BUILDERS.update(CLASS_BUILDERS)

# the certificates' builders live with their tests too (tests/certificates/matrix.py)
from tests.certificates.matrix import BUILDERS as CERTIFICATE_BUILDERS  # noqa: E402

BUILDERS.update(CERTIFICATE_BUILDERS)

# the inspections' builders live with their tests too (tests/inspections/matrix.py)
from tests.inspections.matrix import BUILDERS as INSPECTION_BUILDERS  # noqa: E402

BUILDERS.update(INSPECTION_BUILDERS)

# the learning path's builder lives with its tests too (tests/learning/matrix.py)
from tests.learning.matrix import BUILDERS as LEARNING_BUILDERS  # noqa: E402

BUILDERS.update(LEARNING_BUILDERS)

# the reviews' builders live with their tests too (tests/reviews/matrix.py)
from tests.reviews.matrix import BUILDERS as REVIEW_BUILDERS  # noqa: E402

BUILDERS.update(REVIEW_BUILDERS)

# the account pages' builders live with their tests too (tests/accounts/matrix.py)
from tests.accounts.matrix import BUILDERS as ACCOUNT_BUILDERS  # noqa: E402

BUILDERS.update(ACCOUNT_BUILDERS)

# the calendar sources' builders live with their tests too (tests/admin/calendar_matrix.py)
from tests.admin.calendar_matrix import BUILDERS as CALENDAR_BUILDERS  # noqa: E402

BUILDERS.update(CALENDAR_BUILDERS)

# the workshop's builders live with its tests too (tests/workshop/matrix.py)
from tests.workshop.matrix import BUILDERS as WORKSHOP_BUILDERS  # noqa: E402

BUILDERS.update(WORKSHOP_BUILDERS)
