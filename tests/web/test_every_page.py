"""Every page and every htmx fragment, as every demo role, for every procedure, on both databases.

A new user found that choosing a procedure on "+ Hồ sơ mới" answered 500 to the htmx request
(a macro the fragment could not see) while every test was green: the tests had checked the
slices that were built, not what a user reaches. This test reaches what users reach. On the demo
data plus a dossier of every procedure at several steps (and a practice run, a mentor's comment, a
public answer), it signs in as each demo role and crawls from the home page (`tests/web/crawl.py`):
every link, every htmx GET as htmx sends it (a select once per option), every GET form once per
option of its selects. It fails on any 5xx (a Jinja undefined is one: the templates use
`StrictUndefined`), on a fragment that is not exactly a part of its page, on a link to nothing, on
an error logged by the app, and on any GET route that no role reached at all.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select
from starlette.routing import Match

from casework import demo
from casework.accounts.models import Unit, User
from casework.accounts.service import issue_token
from casework.dossiers import service
from casework.dossiers.attachments import Upload
from casework.dossiers.catalog import sync_procedures
from casework.questions import service as questions
from casework.reports import audit_log
from casework.reviews import service as reviews
from casework.reviews import submissions
from casework.scenarios import service as scenarios
from casework.scenarios.schema import ScenarioRegistry
from casework.settings import PROJECT_ROOT
from casework.signoffs import service as signoffs
from tests.checkpoints.matrix import matrix_checkpoint
from tests.factories import TZ
from tests.learning.matrix import attempt_for
from tests.security.test_access_matrix import app_routes
from tests.web.crawl import Crawl

ROLES = [
    "anonymous",
    "hni.receiver",
    "hni.handler",
    "hni.leader",
    "hni.auditor",
    "hni.admin",
    "badinh.receiver",
    "badinh.handler",
    "badinh.leader",
    "bo.mentor",
    "bo.auditor",
    "bo.admin",
    "bo.catalogue_editor",
]
#: Where a procedure of each level is handled in the demo data.
UNIT_OF_LEVEL = {"province": "SKHCN.HNI", "commune": "HNI.BADINH"}
#: GET routes no page links to, requested directly.
SEEDS = [
    "/healthz",
    "/readyz",
    "/openapi.json",
    "/docs",
    "/admin",
]
#: The API as a client with a personal token reads it: lists, then the first items of each.
API = ["/api/v1/me", "/api/v1/procedures", "/api/v1/dossiers"]
#: GET routes a signed-in page need not reach (none today: every route must be reached).
UNREACHED_OK: set[str] = set()


def _long_history(session: Session, registry: Any) -> None:
    """A dossier of 26 events and 26 steps (issue 19, item 2): its page shows the latest 20 and
    the «Xem thêm» batches of the timeline and of Mẫu 06 are htmx fragments to crawl."""
    users = {u.username: u for u in session.exec(select(User)).all()}
    d = service.open_dossier(
        session, actor=users["hni.receiver"], procedure=registry.get("2.002131"),
        applicant=service.Applicant(name="Cơ sở có lịch sử dài", kind="organisation"),
        mode="real", tz=TZ,
    )  # fmt: skip
    steps = [("hni.receiver", "accept", {})] + 12 * [
        ("hni.handler", "submit_for_signing", {
            "ket_qua_tham_dinh": "Đủ điều kiện xác nhận khai báo", "result_summary": "01 máy",
        }),
        ("hni.leader", "send_back", {"reason": "Ghi rõ nơi đặt máy"}),
    ]  # fmt: skip
    for who, action, data in steps:
        service.fire_action(session, actor=users[who], code=d.code, action=action, data=data, tz=TZ)


def _workshop(session: Session, workflows_dir: Path) -> None:
    """Drafts of the procedure workshop (issue 20): one that validates (its preview, impact
    and handbook page are drawn), one that does not (those pages say what to fix), and a practice
    scenario's (its dry run, its changes, its history)."""
    from casework.workshop import service as workshop

    editor = session.exec(select(User).where(User.username == "bo.catalogue_editor")).one()
    workshop.open_draft(session, actor=editor, code="2.002131", workflows_dir=workflows_dir)
    broken = workshop.open_draft(
        session, actor=editor, code="KHCN-TDC-CBHQ", workflows_dir=workflows_dir
    )
    assert broken.id is not None
    workshop.save_draft(
        session, actor=editor, draft_id=broken.id, revision=broken.revision,
        yaml_text=broken.yaml_text.replace("limit:", "limt:", 1),
    )  # fmt: skip
    workshop.open_draft(
        session, actor=editor, code="xquang-thieu-so-seri", kind="scenario",
        workflows_dir=workflows_dir,
    )  # fmt: skip


def _enrich(session: Session, registry: Any, upload_dir: Path) -> None:
    """A dossier of every procedure at its start, halfway and at the end of its main path, one
    that waits for a supplement where the procedure has that branch, a scenario run with a
    mentor's comment and a sign-off, a dossier with an attached file, a finished integrity
    check, a signed checkpoint, and a question with a public answer."""
    for procedure in registry.all():
        unit = session.exec(select(Unit).where(Unit.code == UNIT_OF_LEVEL[procedure.level])).one()
        staff = session.exec(select(User).where(User.unit_id == unit.id)).all()
        actor_for = {u.roles[0]: u for u in staff}
        opener = actor_for[procedure.states[procedure.initial_state].roles[0]]
        path = demo._main_path(procedure)
        for steps, branch in ((0, None), (len(path) // 2, None), (len(path), None), (1, "s")):
            d = service.open_dossier(
                session,
                actor=opener,
                procedure=procedure,
                applicant=service.Applicant(name=f"Cơ sở {procedure.code}", kind="organisation"),
                mode="real",
                tz=TZ,
            )
            for action in path[:steps]:
                demo._act(session, actor_for, d, procedure, action, service.utcnow(), TZ)
            if branch:
                demo._act(
                    session, actor_for, d, procedure, "request_supplement", service.utcnow(), TZ
                )
    trainee = session.exec(select(User).where(User.username == "hni.receiver")).one()
    mentor = session.exec(select(User).where(User.username == "bo.mentor")).one()
    catalogue = ScenarioRegistry.from_directory(PROJECT_ROOT / "workflows" / "scenarios", registry)
    run = scenarios.start(
        session,
        actor=trainee,
        scenario=catalogue.get("xquang-thieu-so-seri"),
        procedures=registry,
        tz=TZ,
    )
    comment = reviews.add_comment(
        session, actor=mentor, code=run.code, on=1, text="Kiểm tra lại số sê-ri."
    )
    submissions.reply(
        session, actor=trainee, code=run.code, reply_to=comment.seq, text="Em đã xem lại."
    )
    submissions.submit(session, actor=trainee, code=run.code, note="Nhờ anh xem giúp.")
    # another run of the procedure, passed: the evidence to sign it off (then revoked and signed
    # off again, for a history); the certificate links the public /verify/{number} page
    passed = scenarios.start(
        session, actor=trainee, scenario=catalogue.get("xquang-nhan-sau-15h-truoc-tet"),
        procedures=registry, tz=TZ,
    )  # fmt: skip
    reviews.give_verdict(session, actor=mentor, code=passed.code, verdict="pass")
    signoffs.sign_off(
        session, mentor=mentor, trainee=trainee, procedure_code="2.002131", note="",
        procedures=registry,
    )  # fmt: skip
    signoffs.revoke_sign_off(
        session, mentor=mentor, trainee=trainee, procedure_code="2.002131", reason="Ký nhầm.",
    )  # fmt: skip
    signoffs.sign_off(
        session, mentor=mentor, trainee=trainee, procedure_code="2.002131",
        note="Làm độc lập được.", procedures=registry,
    )  # fmt: skip
    attempt_for(session, trainee, registry)  # a quiz attempt: its result page is reached
    _long_history(session, registry)
    service.open_dossier(
        session, actor=trainee, procedure=registry.get("2.002131"),
        applicant=service.Applicant(name="Cơ sở có tệp", kind="organisation"), mode="real", tz=TZ,
        uploads=[Upload("phieu_khai_bao", "phieu.pdf", b"%PDF-1.4\n%%EOF\n")],
        upload_dir=upload_dir,
    )  # fmt: skip
    auditor = session.exec(select(User).where(User.username == "hni.auditor")).one()
    unit = session.get(Unit, auditor.unit_id)
    assert unit is not None
    check, _ = audit_log.start_check(session, user=auditor, unit=unit)
    assert check.id is not None
    audit_log.run_check(session.get_bind(), check.id)
    matrix_checkpoint(session)  # a signed checkpoint: its page and PDF, linked from /audit
    q = questions.ask(
        session,
        user=trainee,
        procedure=registry.get("2.002131"),
        values={"text": "Phiếu khai báo có cần đóng dấu không?"},
    )
    assert q.id is not None
    questions.answer(
        session,
        user=mentor,
        question_id=q.id,
        values={"answer": "Có, đóng dấu của cơ sở.", "public": "1", "version": str(q.version)},
        calendar=service.default_calendars().for_unit(session, None),
    )


def _api(
    client: TestClient, route_of: Any, reached: set[str], session: Session, role: str
) -> list[str]:
    """Every API GET as `role` with a personal token: the lists, then each procedure and the
    first dossiers with their events and first replayed step."""
    user = session.exec(select(User).where(User.username == role)).one()
    headers = {"Authorization": f"Bearer {issue_token(session, user=user)}"}
    problems = []
    urls = list(API)
    while urls:
        url = urls.pop(0)
        r = client.get(url, headers=headers)
        reached.add(str(route_of(url.split("?")[0])))
        if r.status_code >= 500 or r.status_code == 401:
            problems.append(f"{role}: API {url}: {r.status_code}")
            continue
        if r.status_code != 200:
            continue
        body = r.json()
        if url == "/api/v1/procedures":
            urls += [f"/api/v1/procedures/{p['code']}" for p in body]
        if url == "/api/v1/dossiers":
            for d in body["items"][:3]:
                base = f"/api/v1/dossiers/{d['code']}"
                urls += [base, f"{base}/events", f"{base}/replay/1"]
    return problems


def _route_of(app: Any) -> Any:
    routes: list[Any] = []

    def walk(items: Any) -> None:
        for r in items:
            if type(r).__name__ == "_IncludedRouter":
                walk(r.original_router.routes)
            else:
                routes.append(r)

    walk(app.routes)

    def route_of(path: str) -> str | None:
        scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
        for r in routes:
            match, _ = r.matches(scope)
            if match == Match.FULL:
                return str(r.path) + ("/{path}" if type(r).__name__ == "Mount" else "")
        return None

    return route_of


def test_every_page_and_fragment_as_every_role(
    app, session, registry, test_password_hash, caplog
) -> None:
    sync_procedures(session, registry.all())
    demo.load(session, registry, TZ, upload_dir=app.state.settings.upload_dir)
    _enrich(session, registry, app.state.settings.upload_dir)
    _workshop(session, app.state.settings.workflows_dir)
    for user in session.exec(select(User)).all():
        user.password_hash = test_password_hash
        session.add(user)
    session.commit()

    route_of = _route_of(app)
    reached: set[str] = set()
    problems: list[str] = []
    caplog.set_level(logging.ERROR)
    for role in ROLES:
        with TestClient(app, raise_server_exceptions=False) as client:
            if role != "anonymous":
                page = client.get("/login").text
                token = re.search(r'name="csrf_token" value="([^"]+)"', page)
                assert token
                r = client.post(
                    "/login",
                    data={"username": role, "password": "mat-khau-123", "csrf_token": token[1]},
                    follow_redirects=False,
                )
                assert r.status_code == 303, (role, r.text[:300])
            crawl = Crawl(client, route_of)
            crawl.run(["/", *SEEDS])
            if role != "anonymous":
                problems += _api(client, route_of, reached, session, role)
            problems += [f"{role}: {p}" for p in crawl.problems]
            reached |= {r.split(" ")[0] for r in crawl.routes}
            assert crawl.statuses[200] > 5, (role, crawl.statuses)

    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not problems, "\n".join(problems[:40])
    assert not errors, "\n".join(errors[:10])
    gets = {path for method, path in app_routes(app) if method == "GET"}
    missing = sorted(gets - reached - UNREACHED_OK)
    assert not missing, f"GET routes no role reached: {missing}"
