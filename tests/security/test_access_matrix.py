"""The access matrix, generated from the app's own route table (issue G, DESIGN §6).

Every route (method + path) must have a rule in `RULES`; a new route without one fails
`test_every_route_has_a_rule`, so no future route slips through. `expected()` turns a rule into an
exact allow or deny for each kind of user in `PEOPLE` — staff of the dossier's unit (a receiver, a
handler), of a unit below it, of a foreign unit; the unit's, a foreign and the ministry's
auditors; the unit's and the ministry's admins; a mentor assigned to the unit and one who is not
(whose own unit is the dossier's); and nobody.

`test_matrix` requests every route as every one of them, against a real dossier and a practice
one (a scenario run) of Sở KH&CN Hà Nội, an unanswered question and the progress of the unit's
receiver, and checks the expected allow or deny. A denial is 401/403/404 (or the sign-in redirect
for pages), never carries the dossier's applicant, and is logged on `casework.access`; no answer,
allowed or not, shows the applicant of a dossier the user may not read. Unsafe requests (POST) are
sent here only where the rule says "denied", with a valid body (so it is the access check that
refuses, not the form), and must change nothing.

`test_allowed_unsafe_requests` sends every POST route as every user its rule allows, each on fresh
data made for that one request (`unsafe_requests.BUILDERS`), and checks the answer and that the
change is stored. A POST route without a builder fails it.

`test_role_grants` (issue 17, finding 1) goes inside the admin routes' rule: which roles an admin
of each level may grant or remove, for users of which level, oneself and peers
(`tests/security/grants_matrix.py`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from casework.accounts import service as accounts
from casework.accounts.models import Unit, User
from casework.certificates.models import Certificate, CertificateChange
from casework.dossiers import service
from casework.dossiers.attachments import Upload
from casework.dossiers.models import Attachment, CalendarOverride, Dossier, Event
from casework.learning.models import QuizAttempt
from casework.notifications.models import NotificationSeen
from casework.progress.models import UnitOptOut
from casework.questions import service as questions
from casework.questions.models import Question
from casework.reports import audit_log
from casework.reports.models import AuditCheck
from casework.reviews.models import MentorAssignment
from casework.scenarios import service as scenarios
from casework.signoffs.models import SignOffEntry
from tests.accounts.matrix import matrix_session
from tests.certificates.matrix import matrix_certificate
from tests.checkpoints.matrix import matrix_checkpoint
from tests.classes.matrix import matrix_class
from tests.factories import TZ
from tests.learning.matrix import attempt_for
from tests.security import grants_matrix
from tests.security.unsafe_requests import BUILDERS, PDF, PROCEDURE, SCENARIO, Kit
from tests.signoffs.factories import grant
from tests.workshop.matrix import matrix_draft

REAL_APPLICANT = "Bệnh viện Ma Trận Thật"
TRAINEE = "hni.receiver"  # whose progress the matrix reads; also the asker of its question


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


# ---- who ---------------------------------------------------------------------------------------

ACTING = frozenset({"receiver", "handler", "leader"})
#: The dossiers, the question and the trainee are Sở KH&CN Hà Nội's (HNI); the ministry (BO) is
#: above it, Sở KH&CN Khánh Hòa (KHA) beside it, and the commune Ba Đình (BADINH) below it.
AT_OR_ABOVE_HNI = ("BO", "HNI")
PROVINCE_LEVEL = ("HNI", "KHA")  # departments: where procedure 2.002131 is handled


@dataclass(frozen=True)
class Who:
    name: str  # username, or "anonymous"
    unit: str = ""  # BO, HNI, KHA or BADINH
    roles: frozenset[str] = frozenset()
    coaches: tuple[str, ...] = ()  # units the mentor is assigned to (practice dossiers only)

    @property
    def signed_in(self) -> bool:
        return self.name != "anonymous"

    @property
    def staff(self) -> bool:  # receiver, handler or leader of any unit
        return bool(self.roles & ACTING)

    @property
    def staff_here(self) -> bool:
        return self.staff and self.unit == "HNI"

    @property
    def reader(self) -> bool:  # auditor or admin of any unit
        return bool(self.roles & {"auditor", "admin"})

    @property
    def reader_here(self) -> bool:
        return self.reader and self.unit in AT_OR_ABOVE_HNI

    @property
    def admin(self) -> bool:
        return "admin" in self.roles

    @property
    def admin_here(self) -> bool:
        return self.admin and self.unit in AT_OR_ABOVE_HNI

    @property
    def ministry_admin(self) -> bool:
        return self.admin and self.unit == "BO"

    @property
    def mentor(self) -> bool:
        return "mentor" in self.roles

    @property
    def mentor_here(self) -> bool:
        return self.mentor and any(u in AT_OR_ABOVE_HNI for u in self.coaches)

    @property
    def answerer(self) -> bool:  # has a queue of questions to the ministry
        return self.mentor or self.ministry_admin

    @property
    def answerer_here(self) -> bool:  # answers a question of HNI: its mentors, ministry admins
        return self.mentor_here or self.ministry_admin

    @property
    def opener(self) -> bool:  # opens a dossier of 2.002131 (its first step is the receiver's)
        return "receiver" in self.roles and self.unit in PROVINCE_LEVEL


def _who(name: str, unit: str = "", roles: str = "", coaches: tuple[str, ...] = ()) -> Who:
    return Who(name, unit, frozenset(roles.split()), coaches)


PEOPLE = [
    _who("anonymous"),
    _who("hni.receiver", "HNI", "receiver"),
    _who("hni.handler", "HNI", "handler"),
    _who("hni.auditor", "HNI", "auditor"),
    _who("bo.auditor", "BO", "auditor"),
    _who("hni.admin", "HNI", "admin"),
    _who("bo.admin", "BO", "admin"),
    _who("kha.receiver", "KHA", "receiver"),
    _who("kha.auditor", "KHA", "auditor"),
    _who("badinh.receiver", "BADINH", "receiver handler leader"),
    _who("bo.mentor", "BO", "mentor", coaches=("HNI",)),
    # a mentor whose own unit is Hà Nội but who coaches Khánh Hòa: their unit gives them nothing
    _who("hni.mentor", "HNI", "mentor", coaches=("KHA",)),
    # a ministry catalogue editor (issue 20): the workshop, nothing of any dossier
    _who("bo.editor", "BO", "catalogue_editor"),
]


def may_read(who: Who, practice: bool) -> bool:
    """DESIGN §6: own-unit staff, auditors and admins at or above, assigned mentors (practice)."""
    return who.staff_here or who.reader_here or (who.mentor_here and practice)


# ---- the rules -------------------------------------------------------------------------------------
#
# Each rule is a test on (who, practice dossier?) → allowed. Signed out, only `public` is allowed.

RULE_TESTS: dict[str, Callable[[Who, bool], bool]] = {
    # anyone, signed out too
    "public": lambda w, p: True,
    # any signed-in user (pages: signed out → sign-in redirect; API: 401); lists show only what
    # the user may read
    "signed_in": lambda w, p: True,
    # the dossier's readers only (DESIGN §6); everybody else 404 with nothing leaked
    "dossier": may_read,
    # a scenario run's feedback: its readers; a dossier that is not a scenario run: 404 for all
    "feedback": lambda w, p: p and may_read(w, p),
    # an action on a dossier: staff of its unit holding the action's role (the matrix fires
    # `accept`, a receiver's: the unit's handler gets 403); readers 403, everybody else 404
    "act": lambda w, p: w.staff_here and "receiver" in w.roles,
    # documents added to an open dossier: staff of its unit, any acting role
    "attach": lambda w, p: w.staff_here,
    # start a practice dossier again: a fresh copy for the unit's receivers (the first step's
    # role; the matrix's scenario run is played alone by the receiver, so its handler 403 too);
    # a real one never (409 to its readers)
    "reset": lambda w, p: p and w.staff_here and "receiver" in w.roles,
    # start a scenario of 2.002131 (province level): staff of a department holding a role the
    # scenario lets a trainee play (any acting role: the system plays the others); a commune's
    # staff and non-staff 403
    "practise": lambda w, p: w.staff and w.unit in PROVINCE_LEVEL,
    # open a dossier, or start a scenario, of procedure 2.002131 (province level): receivers of a
    # department; a handler, a commune's staff and non-staff 403
    "open": lambda w, p: w.opener,
    # a mentor's comment, score or verdict: mentors assigned to the unit (or above), practice
    # only here (comments on real dossiers need `can_view_real`, which no one here has)
    "review": lambda w, p: p and w.mentor_here,
    # a practice run's trainee side: submitting it for review, replying in a mentor's thread —
    # the officers who did its work (the matrix's run: opened by TRAINEE); its other readers 403
    # (a real dossier: 403 to all its readers), everybody else 404
    "run": lambda w, p: p and w.name == TRAINEE,
    # auditors and admins anywhere (reports, audit log: over their own subtree); others 403
    "reader": lambda w, p: w.reader,
    # an integrity check of the unit: auditors and admins at or above it
    "check": lambda w, p: w.reader_here,
    # admins only (their own subtree); others 403
    "admin": lambda w, p: w.admin,
    # the unit's tracking book: the unit's staff and the readers above it (never mentors)
    "book": lambda w, p: w.staff_here or w.reader_here,
    # ask the ministry a question: staff (receiver, handler, leader) of any unit; others 403
    "staff": lambda w, p: w.staff,
    # the open-question queue: mentors and admins of a ministry unit (each sees the questions
    # they may answer); others 403
    "answerer": lambda w, p: w.answerer,
    # answering HNI's question: the mentors assigned to HNI or above, and the ministry's admins;
    # another mentor 404 (as for none: HNI has a mentor, so its question is not on the desk);
    # others 403
    "answer": lambda w, p: w.answerer_here,
    # an unanswered question: its asker and those who may answer it; everybody else 404
    "question": lambda w, p: w.name == TRAINEE or w.answerer_here,
    # the review queue: the mentor role (it lists only their units' practice dossiers)
    "mentor": lambda w, p: w.mentor,
    # mentor assignments: admins of a ministry unit; a department's admin and others 403
    "ministry_admin": lambda w, p: w.ministry_admin,
    # a trainee's progress and certificate: the trainee, mentors assigned at or above their unit,
    # admins at or above it; everybody else 404
    "trainee": lambda w, p: w.name == TRAINEE or w.mentor_here or w.admin_here,
    # the progress tables as files: auditors and admins (their own unit and below) and mentors
    # (their assigned units; every mentor here has one); trainees 403 (their page is their own)
    "progress_tables": lambda w, p: w.reader or w.mentor,
    # sign a trainee off, or revoke it: mentors assigned at or above the trainee's unit; the
    # trainee's other viewers (themselves, admins) 403, others 404
    "sign_off": lambda w, p: w.mentor_here,
    # a unit's trainees: mentors assigned at or above it, admins at or above it; others 404
    "coached": lambda w, p: w.mentor_here or w.admin_here,
    # take the unit off the leaderboard: admins at or above it; its mentors 403, others 404
    "unit_admin": lambda w, p: w.admin_here,
    # a certificate of the trainee (tests/certificates/matrix.py): the trainee and the auditors
    # and admins at or above their unit; everybody else 404, as for none
    "certificate": lambda w, p: w.name == TRAINEE or w.reader_here,
    # correct or revoke it: admins at or above the officer's unit; others 403 (non-admins) or 404
    "certificate_admin": lambda w, p: w.admin_here,
    # the readiness map: the ministry's auditors, admins and mentors (every province) and a
    # department's staff of any role (their own province); communes and others 403
    "readiness": lambda w, p: (
        w.unit in PROVINCE_LEVEL
        or (w.unit == "BO" and bool(w.roles & {"auditor", "admin", "mentor"}))
    ),
    # an inspection's finding rows and handling: the unit's handlers and leaders (the team's
    # recorders); its receiver and readers 403, everybody else 404
    "record": lambda w, p: w.staff_here and bool(w.roles & {"handler", "leader"}),
    # plan and open an inspection: the handlers and leaders of a commune (the roles the
    # inspection procedures name; BADINH's); everyone else 403 (a foreign plan: 404)
    "inspector": lambda w, p: w.unit == "BADINH" and bool(w.roles & {"handler", "leader"}),
    # sign an inspection's decision with its team: the commune's leader (tests/inspections)
    "commune_leader": lambda w, p: w.unit == "BADINH" and "leader" in w.roles,
    # the decision form of an inspection: the matrix's dossiers are none, so 404 for everyone
    # (who may open the form of a real inspection: tests/inspections/test_pages.py)
    "no_inspection": lambda w, p: False,
    # the periodic inspection report: staff (their own unit) and readers (their subtree)
    "inspection_report": lambda w, p: w.staff or w.reader,
    # a quiz attempt (tests/learning/matrix.py): its taker only; everybody else 404, as for none
    "attempt": lambda w, p: w.name == TRAINEE,
    # end one signed-in session (tests/accounts/matrix.py: one of TRAINEE's): its own user only;
    # everybody else 404, as for a session that does not exist
    "own_session": lambda w, p: w.name == TRAINEE,
    # the procedure workshop (issue 20): catalogue editors only; everybody else 403
    "editor": lambda w, p: "catalogue_editor" in w.roles,
}
PUBLIC, SIGNED_IN, DOSSIER, FEEDBACK, ACT, ATTACH, RESET, OPEN, REVIEW = (
    "public", "signed_in", "dossier", "feedback", "act", "attach", "reset", "open", "review",
)  # fmt: skip
READER, CHECK, ADMIN, BOOK, PRACTISE = "reader", "check", "admin", "book", "practise"
STAFF, ANSWERER, QUESTION, MENTOR, MINISTRY_ADMIN = (
    "staff", "answerer", "question", "mentor", "ministry_admin",
)  # fmt: skip
TRAINEE_RULE, SIGN_OFF, COACHED, UNIT_ADMIN = "trainee", "sign_off", "coached", "unit_admin"
RECORD, INSPECTION_REPORT = "record", "inspection_report"
EDITOR = "editor"

RULES: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/static/{path}"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/favicon.ico"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): SIGNED_IN,
    # one's own account (issue 17): the sessions page, ending the others, changing one's password
    ("GET", "/account/sessions"): SIGNED_IN,
    ("POST", "/account/sessions/end-others"): SIGNED_IN,
    ("POST", "/account/sessions/{session_id}/end"): "own_session",
    ("GET", "/account/password"): SIGNED_IN,
    ("POST", "/account/password"): SIGNED_IN,
    ("GET", "/procedures"): PUBLIC,
    ("GET", "/procedures/{code}"): PUBLIC,
    ("GET", "/procedures/{code}/diagram.svg"): PUBLIC,
    # the printed handbook (issue 18): one procedure, a field's booklet (HTML and PDF)
    ("GET", "/procedures/{code}/booklet"): PUBLIC,
    ("GET", "/procedures/{code}/booklet.pdf"): PUBLIC,
    ("GET", "/procedures/fields/{field_slug}/booklet"): PUBLIC,
    ("GET", "/procedures/fields/{field_slug}/booklet.pdf"): PUBLIC,
    ("GET", "/questions"): PUBLIC,
    ("GET", "/questions/{question_id}"): QUESTION,
    # API (token)
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("GET", "/api/v1/procedures"): SIGNED_IN,
    ("GET", "/api/v1/procedures/{code}"): SIGNED_IN,
    ("GET", "/api/v1/dossiers"): SIGNED_IN,
    ("POST", "/api/v1/dossiers"): OPEN,
    ("GET", "/api/v1/dossiers/{code}"): DOSSIER,
    ("GET", "/api/v1/dossiers/{code}/events"): DOSSIER,
    ("GET", "/api/v1/dossiers/{code}/replay/{seq}"): DOSSIER,
    ("POST", "/api/v1/dossiers/{code}/actions/{action}"): ACT,
    # the workspace
    ("GET", "/dossiers"): SIGNED_IN,
    ("GET", "/dossiers/new"): SIGNED_IN,  # offers only the procedures the user may open
    ("POST", "/dossiers"): OPEN,
    ("GET", "/dossiers/{code}"): DOSSIER,
    ("POST", "/dossiers/{code}/actions/{action}"): ACT,
    ("POST", "/dossiers/{code}/attachments"): ATTACH,
    ("GET", "/dossiers/{code}/attachments/{attachment_id}"): DOSSIER,
    ("GET", "/dossiers/{code}/slips/{name}"): DOSSIER,
    ("GET", "/dossiers/{code}/feedback"): FEEDBACK,
    ("POST", "/dossiers/{code}/reset"): RESET,
    ("POST", "/dossiers/{code}/reviews/comments"): REVIEW,
    ("POST", "/dossiers/{code}/reviews/scores"): REVIEW,
    ("POST", "/dossiers/{code}/reviews/verdict"): REVIEW,
    ("POST", "/dossiers/{code}/reviews/submit"): "run",
    ("POST", "/dossiers/{code}/reviews/replies"): "run",
    ("POST", "/dossiers/{code}/reviews/withdraw"): "run",
    # inspections (issue 15)
    ("GET", "/inspections"): SIGNED_IN,  # the unit's plans; opening only for who may
    ("GET", "/inspections/new"): SIGNED_IN,  # offers only the inspections the user may open
    ("POST", "/inspections/plans"): "inspector",
    ("POST", "/inspections/plans/{plan_id}/items"): "inspector",
    ("POST", "/inspections"): "inspector",
    ("GET", "/inspections/{code}/decision"): "no_inspection",
    ("POST", "/inspections/{code}/decision"): "commune_leader",
    ("GET", "/dossiers/{code}/findings"): DOSSIER,  # a dossier that is no inspection says so
    ("POST", "/dossiers/{code}/findings"): RECORD,
    ("POST", "/dossiers/{code}/findings/{row_id}"): RECORD,
    ("POST", "/dossiers/{code}/findings/{row_id}/delete"): RECORD,
    ("POST", "/dossiers/{code}/handling"): RECORD,
    ("GET", "/findings/report"): INSPECTION_REPORT,
    ("GET", "/findings/report.{fmt}"): INSPECTION_REPORT,
    ("GET", "/units/{unit_code}/book"): BOOK,
    ("GET", "/units/{unit_code}/book.pdf"): BOOK,
    ("GET", "/units/{unit_code}/book.xlsx"): BOOK,
    # training
    ("GET", "/scenarios"): SIGNED_IN,
    ("POST", "/scenarios/{scenario_id}/start"): PRACTISE,
    ("GET", "/questions/new"): STAFF,
    ("POST", "/questions"): STAFF,
    ("GET", "/questions/mine"): SIGNED_IN,
    ("POST", "/questions/mine/read"): SIGNED_IN,
    ("GET", "/questions/queue"): ANSWERER,
    ("GET", "/questions/badge"): PUBLIC,  # an empty badge when signed out
    ("POST", "/questions/{question_id}/answer"): "answer",
    ("GET", "/reviews"): MENTOR,
    ("POST", "/reviews/bulk-pass"): MENTOR,  # each run checked on its own (tests/reviews)
    ("GET", "/reviews/assignments"): MINISTRY_ADMIN,
    ("POST", "/reviews/assignments"): MINISTRY_ADMIN,
    ("POST", "/reviews/assignments/{assignment_id}/delete"): MINISTRY_ADMIN,
    ("GET", "/progress"): SIGNED_IN,  # a dashboard, or a redirect to one's own progress
    ("GET", "/progress.{fmt}"): "progress_tables",
    ("GET", "/progress/users/{username}"): TRAINEE_RULE,
    ("POST", "/progress/users/{username}/sign-offs"): SIGN_OFF,
    ("POST", "/progress/users/{username}/sign-offs/{code}/revoke"): SIGN_OFF,
    ("GET", "/progress/users/{username}/certificate"): TRAINEE_RULE,
    ("GET", "/verify/{number}"): PUBLIC,  # a certificate number's holder, unit, procedure, status
    ("GET", "/progress/units/{code}"): COACHED,
    ("POST", "/progress/units/{code}/opt-out"): UNIT_ADMIN,
    ("GET", "/progress/leaderboard"): SIGNED_IN,
    # the learning path (issue 16): one's own paths for everyone signed in (a page of rules for
    # non-trainees); quizzes for staff of any unit (others 403); an attempt for its taker
    ("GET", "/learning"): SIGNED_IN,
    ("GET", "/learning/quizzes/{code}"): STAFF,
    ("POST", "/learning/quizzes/{code}"): STAFF,
    ("GET", "/learning/quizzes/{code}/attempts/{attempt_id}"): "attempt",
    ("GET", "/notifications"): SIGNED_IN,
    ("GET", "/notifications/badge"): PUBLIC,  # an empty badge when signed out
    ("POST", "/notifications/seen"): SIGNED_IN,
    # admin
    ("GET", "/admin"): ADMIN,
    ("GET", "/admin/users"): ADMIN,
    ("GET", "/admin/users/new"): ADMIN,
    ("POST", "/admin/users"): ADMIN,
    ("GET", "/admin/users/{user_id}"): ADMIN,
    ("POST", "/admin/users/{user_id}"): ADMIN,  # which roles, to whom: test_role_grants
    ("POST", "/admin/users/{user_id}/active"): ADMIN,
    ("POST", "/admin/users/{user_id}/password"): ADMIN,
    ("POST", "/admin/users/{user_id}/tokens/revoke"): ADMIN,
    # one session of a user in the admin's scope (issue 17); the matrix's ids do not match, so
    # even an allowed admin is a 404 there — tests/accounts/matrix.py sends a real one
    ("POST", "/admin/users/{user_id}/sessions/{session_id}/end"): ADMIN,
    # the unit picker's results: units at or below the user's own unit
    ("GET", "/units/search"): SIGNED_IN,
    ("GET", "/admin/units"): ADMIN,
    ("POST", "/admin/units"): ADMIN,
    ("GET", "/admin/calendar"): ADMIN,
    ("POST", "/admin/calendar/days"): ADMIN,
    ("POST", "/admin/calendar/days/remove"): ADMIN,
    # a day's legal basis (issue 18): an admin confirms their own unit's days, the ministry's the
    # national ones; only the ministry's admin removes a day of the `holidays` package
    ("POST", "/admin/calendar/days/confirm"): ADMIN,
    ("POST", "/admin/calendar/days/reject"): MINISTRY_ADMIN,
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
    # signed checkpoints (issue 17): they cover every dossier's chain, so any reader may print one
    ("GET", "/audit/checkpoints"): READER,
    # the accounts' history of the reader's subtree (issue 17, item 4)
    ("GET", "/audit/accounts"): READER,
    ("GET", "/audit/checkpoints/{checkpoint_id}"): READER,
    ("GET", "/audit/checkpoints/{checkpoint_id}.pdf"): READER,
    # the readiness map (issue 15)
    ("GET", "/readiness"): "readiness",
    ("GET", "/readiness.{fmt}"): "readiness",
    # training certificates (issue 15; tests/certificates): one's own for everyone signed in;
    # the unit lists, exports and print for auditors and admins (their subtree); recording and
    # the XLSX import for admins (their subtree)
    ("GET", "/certificates/mine"): SIGNED_IN,
    ("GET", "/certificates"): READER,
    ("GET", "/certificates.{fmt}"): READER,
    ("GET", "/certificates/print"): READER,
    ("GET", "/certificates/new"): ADMIN,
    ("POST", "/certificates"): ADMIN,
    ("GET", "/certificates/import"): ADMIN,
    ("POST", "/certificates/import"): ADMIN,
    ("POST", "/certificates/import/confirm"): ADMIN,
    ("GET", "/certificates/{certificate_id}"): "certificate",
    ("GET", "/certificates/{certificate_id}/evidence"): "certificate",
    ("POST", "/certificates/{certificate_id}"): "certificate_admin",
    ("POST", "/certificates/{certificate_id}/revoke"): "certificate_admin",
    # certificate classes (tests/classes/matrix.py): the list and a class for everyone signed
    # in (seats shown by scope); demand and priority lists for department and ministry admins;
    # opening, filling, attendance, completion and cancelling for the ministry's admin
    ("GET", "/classes"): SIGNED_IN,
    ("GET", "/classes/export.{fmt}"): SIGNED_IN,
    ("GET", "/classes/new"): MINISTRY_ADMIN,
    ("POST", "/classes"): MINISTRY_ADMIN,
    ("GET", "/classes/priority"): ADMIN,
    ("GET", "/classes/priority.{fmt}"): ADMIN,
    ("GET", "/classes/{class_id}"): SIGNED_IN,
    ("GET", "/classes/{class_id}/demand"): ADMIN,
    ("POST", "/classes/{class_id}/demand"): ADMIN,
    ("POST", "/classes/{class_id}/fill"): MINISTRY_ADMIN,
    ("POST", "/classes/{class_id}/attendance"): MINISTRY_ADMIN,
    ("POST", "/classes/{class_id}/complete"): MINISTRY_ADMIN,
    ("POST", "/classes/{class_id}/cancel"): MINISTRY_ADMIN,
    ("POST", "/classes/{class_id}/seats/{seat_id}"): ADMIN,  # a seat asked as a number
    ("GET", "/workshop"): EDITOR,
    ("POST", "/workshop/drafts"): EDITOR,
    ("GET", "/workshop/drafts/{draft_id}"): EDITOR,
    ("POST", "/workshop/drafts/{draft_id}/check"): EDITOR,
    ("POST", "/workshop/drafts/{draft_id}"): EDITOR,
    ("GET", "/workshop/drafts/{draft_id}/preview"): EDITOR,
    ("GET", "/workshop/drafts/{draft_id}/diagram.svg"): EDITOR,
    ("GET", "/workshop/drafts/{draft_id}/handbook"): EDITOR,
    ("GET", "/workshop/drafts/{draft_id}/booklet"): EDITOR,
    ("GET", "/workshop/drafts/{draft_id}/booklet.pdf"): EDITOR,
    ("GET", "/workshop/drafts/{draft_id}/impact"): EDITOR,
    ("GET", "/workshop/drafts/{draft_id}/review"): EDITOR,
    ("POST", "/workshop/drafts/{draft_id}/{step}"): EDITOR,  # the matrix's step: submit
    ("GET", "/workshop/history/{code}"): EDITOR,  # the code: the dossier's (no version: empty)
    ("GET", "/workshop/import"): EDITOR,
    ("POST", "/workshop/import"): EDITOR,
}

#: Query strings a route needs to be more than a 422 (a form for one procedure).
QUERIES = {("GET", "/questions/new"): f"?procedure={PROCEDURE}"}


def expected(rule: str, who: Who, practice: bool) -> bool:
    """True: allowed; False: denied. Every rule decides for every user: none is left open."""
    if not who.signed_in:
        return rule == PUBLIC
    return RULE_TESTS[rule](who, practice)


def test_every_route_has_a_rule(app):
    routes = set(app_routes(app))
    missing = sorted(routes - set(RULES))
    stale = sorted(set(RULES) - routes)
    assert not missing, f"routes without an access rule (add them to RULES): {missing}"
    assert not stale, f"rules for routes that no longer exist: {stale}"
    assert set(RULES.values()) <= set(RULE_TESTS), "a rule without a test in RULE_TESTS"


# ---- the cast --------------------------------------------------------------------------------------


@dataclass
class Cast:
    people: dict[str, User]
    units: dict[str, Unit]
    dossiers: dict[str, Dossier]  # "real", and "practice": a scenario run
    applicants: dict[str, str]  # mode → applicant name
    check: AuditCheck
    question: Question  # unanswered, asked by TRAINEE
    assignment: MentorAssignment  # bo.mentor → HNI
    sign_off: SignOffEntry  # hni.receiver's, of PROCEDURE


@pytest.fixture
def cast(app, session: Session, world, registry) -> Cast:
    """The people of `PEOPLE` (those `build_world` lacks are made here, with the roles and
    assignments `PEOPLE` says), and what of Hà Nội the matrix is about."""
    units = {"BO": world.ministry, "HNI": world.hni, "KHA": world.kha, "BADINH": world.commune}
    people: dict[str, User] = dict(world.users)
    assignments = {}
    for who in PEOPLE:
        if not who.signed_in:
            continue
        if who.name not in people:
            people[who.name] = accounts.create_user(
                session, username=who.name, full_name=f"Cán bộ {who.name}",
                unit=units[who.unit], roles=sorted(who.roles),
            )  # fmt: skip
        user = people[who.name]
        assert (set(user.roles), user.unit_id) == (set(who.roles), units[who.unit].id), who
        for unit in who.coaches:
            row = MentorAssignment(mentor_id=user.id, unit_id=units[unit].id)
            session.add(row)
            assignments[who.name, unit] = row
    session.commit()
    receiver = people["hni.receiver"]
    upload_dir = app.state.settings.upload_dir
    procedure = registry.get(PROCEDURE)
    real = service.open_dossier(
        session, actor=receiver, procedure=procedure,
        applicant=service.Applicant(name=REAL_APPLICANT, kind="organisation"),
        mode="real", tz=TZ, uploads=[Upload("phieu_khai_bao", "phieu.pdf", PDF)],
        upload_dir=upload_dir,
    )  # fmt: skip
    scenario = app.state.scenarios.get(SCENARIO)
    practice = scenarios.start(
        session, actor=receiver, scenario=scenario, procedures=registry, tz=TZ, together=False
    )
    service.add_attachments(
        session, actor=receiver, code=practice.code, upload_dir=upload_dir,
        uploads=[Upload("phieu_khai_bao", "phieu.pdf", PDF)],
    )  # fmt: skip
    check, _ = audit_log.start_check(session, user=people["hni.auditor"], unit=world.hni)
    question = questions.ask(
        session, user=receiver, procedure=procedure, values={"text": "Phiếu có cần dấu không?"}
    )
    # a certificate exists only once something is signed off (its number: the public /verify)
    sign_off = grant(session, trainee=receiver, mentor=people["bo.mentor"], code=PROCEDURE)
    session.commit()
    return Cast(
        people=people,
        units=units,
        dossiers={"real": real, "practice": practice},
        applicants={"real": REAL_APPLICANT, "practice": scenario.applicant.name},
        check=check,
        question=question,
        assignment=assignments["bo.mentor", "HNI"],
        sign_off=sign_off,
    )


def fill(path: str, dossier: Dossier, values: dict[str, Any]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "code":
            if path.startswith(
                ("/procedures", "/api/v1/procedures", "/progress/users", "/learning")
            ):
                return PROCEDURE
            if path.startswith("/progress/units"):
                return "SKHCN.HNI"
            return dossier.code
        if name == "name" and path.startswith("/reports/"):
            return "timeliness"
        return str(values[name])

    return re.sub(r"\{(\w+)\}", one, path)


def denied_body(method: str, path: str, c: Cast) -> dict[str, Any]:
    """A valid body for the POSTs whose form is read before the access check, so that the
    refusal the matrix sees is the access check's and not a form error."""
    applicant = "Người nộp bị từ chối"
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/api/v1/dossiers"): {
            "procedure_code": PROCEDURE, "mode": "practice", "applicant": {"name": applicant},
        },
        ("POST", "/dossiers"): {
            "procedure": PROCEDURE, "mode": "practice", "channel": "in_person",
            "kind": "person", "applicant_name": applicant,
        },
        ("POST", "/questions"): {"procedure": PROCEDURE, "text": "Một câu hỏi bị từ chối"},
        ("POST", "/questions/{question_id}/answer"): {
            "answer": "Trả lời bị từ chối", "public": "1", "version": str(c.question.version),
        },
        ("POST", "/reviews/assignments"): {
            "mentor_id": str(c.people["bo.mentor"].id), "unit_id": str(c.units["KHA"].id),
        },
        ("POST", "/progress/users/{username}/sign-offs"): {"procedure_code": PROCEDURE},
        ("POST", "/progress/users/{username}/sign-offs/{code}/revoke"): {"reason": "Bị từ chối"},
        ("POST", "/progress/units/{code}/opt-out"): {"opted_out": "1"},
        ("POST", "/dossiers/{code}/reviews/comments"): {"on": "1", "text": "Góp ý bị từ chối"},
        ("POST", "/dossiers/{code}/reviews/verdict"): {"verdict": "pass"},
    }  # fmt: skip
    return bodies.get((method, path), {})


#: What no refused request may change (counted before and after the matrix).
WATCHED = (
    Dossier, Event, Attachment, Question, MentorAssignment, SignOffEntry, UnitOptOut,
    NotificationSeen, CalendarOverride, AuditCheck, User, Unit, Certificate, CertificateChange,
    QuizAttempt,
)  # fmt: skip


def _counts(session: Session) -> dict[str, int]:
    out = {t.__name__: session.exec(select(func.count()).select_from(t)).one() for t in WATCHED}
    answered = select(func.count()).select_from(Question).where(Question.status != "open")
    out["answered"] = session.exec(answered).one()
    session.commit()
    return out


def test_matrix(app, client, session, world, cast, sign_in, token_for, caplog):
    c = cast
    values = {
        "action": "accept",
        "name": "control",
        "seq": 1,
        "unit_code": "SKHCN.HNI",
        "scenario_id": SCENARIO,
        "question_id": c.question.id,
        "assignment_id": c.assignment.id,
        "user_id": c.people["hni.receiver"].id,
        "username": TRAINEE,
        "check_id": c.check.id,
        "checkpoint_id": matrix_checkpoint(session),
        "number": c.sign_off.number,
        "row_id": 1,  # refused before any row is looked up
        "plan_id": 1,  # no plan of the refused user's unit: 404
        "fmt": "csv",
        "class_id": matrix_class(session, c.people["bo.admin"]),
        "seat_id": 1,  # refused before any seat is looked up
        "certificate_id": matrix_certificate(session, c.people, app.state.settings.upload_dir),
        "attempt_id": attempt_for(session, c.people[TRAINEE], app.state.registry),
        "session_id": matrix_session(session, c.people[TRAINEE]),
        "path": "css/app.css",
        "field_slug": "an-toan-buc-xa-va-hat-nhan",
        "draft_id": matrix_draft(
            session, c.people["bo.editor"], app.state.registry, app.state.settings.workflows_dir
        ),
        "step": "submit",
    }
    attachment = {
        mode: session.exec(select(Attachment.id).where(Attachment.dossier_id == d.id)).one()
        for mode, d in c.dossiers.items()
    }
    before = _counts(session)  # also: no read transaction left open while the app writes
    failures: list[str] = []
    for who in PEOPLE:
        token = ""
        headers: dict[str, str] = {}
        if who.signed_in:
            token = sign_in(c.people[who.name])
            headers = token_for(c.people[who.name])
        else:
            client.cookies.clear()
        for mode, dossier in c.dossiers.items():
            practice = mode == "practice"
            local = {**values, "attachment_id": attachment[mode]}
            for (method, path), rule in RULES.items():
                if "{code}" not in path and mode == "practice":
                    continue  # routes without a dossier: once is enough
                want = expected(rule, who, practice)
                if method != "GET" and want:
                    continue  # allowed unsafe requests: test_allowed_unsafe_requests
                url = fill(path, dossier, local) + QUERIES.get((method, path), "")
                api = path.startswith("/api/")
                body = denied_body(method, path, c)
                caplog.clear()
                with caplog.at_level(logging.WARNING, logger="casework.access"):
                    if method == "GET":
                        r = client.get(url, headers=headers if api else {}, follow_redirects=False)
                    elif api:
                        r = client.post(url, json=body, headers=headers, follow_redirects=False)
                    else:
                        data = {**body, "csrf_token": token} if token else body
                        r = client.post(url, data=data, follow_redirects=False)
                failures.extend(
                    _judge(method, url, rule, who, want, r, dossier, c.applicants, caplog.records)
                )
    after = _counts(session)
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not failures, "access matrix:\n" + "\n".join(failures)
    assert not changed, f"refused requests changed data (before, after): {changed}"


def _judge(
    method: str, url: str, rule: str, who: Who, want: bool, r: Any, dossier: Dossier,
    applicants: dict[str, str], records: list[logging.LogRecord],
) -> list[str]:  # fmt: skip
    where = f"{method} {url} as {who.name} ({rule})"
    status = r.status_code
    signed_out = status == 401 or (
        status in (302, 303) and "/login" in r.headers.get("location", "")
    )
    denied = status in (401, 403, 404) or signed_out
    out: list[str] = []
    if status >= 500:
        out.append(f"{where}: {status}")
    # the applicant of a dossier the user may not read, anywhere (lists, badges, pages)
    for mode, name in applicants.items():
        if mode == "practice" and url == "/scenarios":
            continue  # a scenario's applicant is in its public briefing; the run's code is not
        if name in r.text and not may_read(who, mode == "practice"):
            out.append(f"{where}: shows the {mode} dossier the user may not read")
    if who.name == "anonymous" and not want and not (signed_out or status in (403, 404)):
        out.append(f"{where}: signed out but got {status}")
    if want and denied:
        out.append(f"{where}: expected to be allowed, got {status}")
    if not want and status == 409 and may_read(who, dossier.mode == "practice"):
        denied = True  # e.g. "only practice dossiers start again": true, and no secret to them
    if not want:
        if not denied:
            out.append(f"{where}: expected to be denied, got {status}")
        # a refusal shows nothing of the dossier (a 404 may repeat the code the user typed)
        if dossier.applicant_name in r.text:
            out.append(f"{where}: the denial shows the applicant")
        if status in (403, 404) and not records:
            out.append(f"{where}: the denial was not logged")
    return out


# ---- allowed unsafe requests ---------------------------------------------------------------------


def _page_token(client: Any, *, signed_in: bool) -> str:
    page = client.get("/" if signed_in else "/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def test_allowed_unsafe_requests(app, client, engine, session, registry, cast, sign_in, token_for):
    """Every POST route, as every user its rule allows, on fresh data: the answer is the
    expected one and the change is stored."""
    unsafe = [key for key in RULES if key[0] != "GET"]
    missing = sorted(set(unsafe) - set(BUILDERS))
    stale = sorted(set(BUILDERS) - set(unsafe))
    assert not missing, f"POST routes without a request in unsafe_requests.BUILDERS: {missing}"
    assert not stale, f"requests for routes that are not POST routes of RULES: {stale}"
    # signing in, then out, last: they change the client's session
    unsafe.sort(key=lambda key: {"/login": 1, "/logout": 2}.get(key[1], 0))
    kit = Kit(
        session=session, engine=engine, people=cast.people, units=cast.units,
        procedures=registry, scenarios=app.state.scenarios,
        upload_dir=app.state.settings.upload_dir, client=client,
    )  # fmt: skip
    failures: list[str] = []
    sent: dict[tuple[str, str], int] = dict.fromkeys(unsafe, 0)
    for who in PEOPLE:
        user = cast.people.get(who.name)
        if user is not None:
            token = sign_in(user)
            headers = token_for(user)
        else:
            client.cookies.clear()
            token, headers = _page_token(client, signed_in=False), {}
        for method, path in unsafe:
            modes = ("real", "practice") if "{code}" in path else ("real",)
            for mode in modes:
                if not expected(RULES[method, path], who, mode == "practice"):
                    continue
                s = BUILDERS[method, path](kit, user, mode)
                session.commit()  # no read transaction left open while the app writes
                where = f"{method} {s.url} as {who.name} ({mode})"
                if s.json is not None:
                    r = client.post(s.url, json=s.json, headers=headers, follow_redirects=False)
                else:
                    data = {**s.form, "csrf_token": token}
                    r = client.post(s.url, data=data, files=s.files, follow_redirects=False)
                sent[method, path] += 1
                location = r.headers.get("location", "")
                if r.status_code != s.status:
                    failures.append(f"{where}: expected {s.status}, got {r.status_code}")
                    continue
                if s.location and not re.search(s.location, location):
                    failures.append(f"{where}: redirected to {location!r}")
                    continue
                with Session(engine) as db:
                    wrong = s.stored(db, r)
                if wrong:
                    failures.append(f"{where}: {wrong}")
                if path == "/login":
                    token = _page_token(client, signed_in=True)  # a new session, a new token
    never = sorted(key for key, n in sent.items() if not n)
    assert not failures, "allowed unsafe requests:\n" + "\n".join(failures)
    assert not never, f"POST routes nobody may use (a rule that allows nobody?): {never}"


# ---- role grants (issue 17, finding 1) -----------------------------------------------------------


def test_role_grants(client, session, world, sign_in, caplog):
    """Every admin level × user level × role, added, removed and created over HTTP; oneself and
    a peer admin (`grants_matrix.expected` states the rules)."""
    failures = grants_matrix.run(client, session, world, sign_in, caplog)
    assert not failures, "role grants:\n" + "\n".join(failures)
