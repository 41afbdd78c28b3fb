"""The workshop's pages (`/workshop`): the drafts, a draft's editor with its checks as it is typed,
its preview (diagram, handbook page) and its impact. Review, publication and the version history
are in `review_views`.

Only a catalogue editor (`catalogue_editor`, a ministry role) comes in; anyone else gets a 403
with a Vietnamese message. Views are thin: the drafts are written by `workshop.service`, the text
is checked by `workshop.validation` (the checks of `casework workflows check`), the structured
form writes into the text by `workshop.form`.
"""

from __future__ import annotations

import difflib
import itertools
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, func, select

from casework import inputs
from casework.accounts.models import User
from casework.errors import Conflict, NotFound, ValidationFailed
from casework.ids import IdPath
from casework.paging import Page
from casework.procedures import Procedure, diagrams
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import RegistryDep, SessionDep
from casework.web.forms import form_texts
from casework.web.i18n import N_
from casework.web.templating import is_htmx, render
from casework.workshop import form, preview, service
from casework.workshop.impact import draft_impact
from casework.workshop.models import STATUS_LABELS, DraftKind, DraftStatus, ProcedureDraft
from casework.workshop.scenario_check import scenario_impact
from casework.workshop.service import get_draft, require_editor
from casework.workshop.validation import Problem

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
PER_PAGE = 20
TABS = {
    "edit": N_("Soạn"),
    "preview": N_("Xem trước"),
    "impact": N_("Tác động"),
    "review": N_("Duyệt, công bố"),
}


#: The longest YAML text a draft holds (the longest shipped file is about a twentieth of it).
MAX_YAML = 200_000


def screen(values: dict[str, str]) -> None:
    """The input layer's floor: no control characters or bidi overrides in any field, each text
    within its limit; the YAML text (longer than any other field) by its own limit."""
    inputs.screen({k: v for k, v in values.items() if k != "yaml_text"})
    text = values.get("yaml_text", "")
    if len(text) > MAX_YAML:
        problem = f"Tệp YAML dài quá {MAX_YAML:,} ký tự (đang có {len(text):,}).".replace(",", ".")
    else:
        bad = next((ch for ch in text if _bad_char(ch)), None)
        problem = (
            f"Tệp YAML có ký tự điều khiển hoặc đảo chiều chữ (U+{ord(bad):04X}); hãy xóa ký tự đó."
            if bad is not None
            else ""
        )
    if problem:
        raise ValidationFailed(problem, fields={"yaml_text": problem})


def _bad_char(ch: str) -> bool:
    code = ord(ch)
    if ch in inputs.BIDI_CONTROLS:
        return True
    if code < 0x20:
        return ch not in "\n\r\t"
    return 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF)


def checked(
    request: Request, session: Session, draft: ProcedureDraft, text: str
) -> tuple[Procedure | None, list[Problem], list[Problem]]:
    """(the procedure the text defines, or None; its problems; its warnings)."""
    state = request.app.state
    result = service.check_text(
        session, kind=draft.kind, yaml_text=text, workflows_dir=state.settings.workflows_dir,
        registry=state.registry, base_version_id=draft.base_version_id,
        scenario_id=draft.code if draft.kind == DraftKind.scenario else None,
    )  # fmt: skip
    return result.procedure, list(result.errors), list(result.warnings)


@router.get("/workshop")
def workshop_list(
    request: Request,
    session: SessionDep,
    registry: RegistryDep,
    user: PageUser,
    status: Annotated[str | None, Query(max_length=16)] = None,
    code: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    require_editor(user)
    status = status if status in STATUS_LABELS else None
    code = (code or "").strip() or None
    query = select(ProcedureDraft)
    counting = select(func.count()).select_from(ProcedureDraft)
    if status:
        query = query.where(ProcedureDraft.status == status)
        counting = counting.where(ProcedureDraft.status == status)
    if code:
        like = f"%{code}%"
        query = query.where(col(ProcedureDraft.code).ilike(like))
        counting = counting.where(col(ProcedureDraft.code).ilike(like))
    total = int(session.exec(counting).one())
    rows = session.exec(
        query.order_by(col(ProcedureDraft.updated_at).desc(), col(ProcedureDraft.id).desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    found = Page(list(rows), total, page, PER_PAGE)
    authors = _users(session, {d.author_id for d in rows} | {d.last_saved_by_id for d in rows})

    def url(**changes: object) -> str:
        values = {"status": status, "code": code, "page": page, **changes}
        kept = {k: v for k, v in values.items() if v not in (None, "", 1)}
        return "/workshop" + ("?" + urlencode(kept) if kept else "")

    context = {
        "found": found,
        "authors": authors,
        "status": status or "",
        "code": code or "",
        "statuses": STATUS_LABELS,
        "procedures": registry.all(),
        "scenarios": request.app.state.scenarios.all(),
        "url": url,
    }
    if is_htmx(request):
        return render(request, "workshop/list.html", context, user=user, block_names=["drafts"])
    return render(request, "workshop/list.html", context, user=user)


def _users(session: Session, ids: set[int | None]) -> dict[int, User]:
    wanted = [i for i in ids if i is not None]
    rows = session.exec(select(User).where(col(User.id).in_(wanted))).all() if wanted else []
    return {u.id: u for u in rows if u.id is not None}


@router.post("/workshop/drafts")
async def open_draft(request: Request, session: SessionDep, user: PageUser) -> Response:
    """Open a draft of a procedure (`kind=scenario`: of a practice scenario): the open one if
    there is one already (editors share it)."""
    require_editor(user)
    values = form_texts(await request.form())
    screen(values)
    kind = DraftKind.scenario if values.get("kind") == "scenario" else DraftKind.procedure
    code = values.get("code", "").strip()[:64]
    if not code:
        what = "bài thực hành" if kind == DraftKind.scenario else "thủ tục"
        raise ValidationFailed(f"Chọn {what} cần sửa.", fields={"code": f"Chưa chọn {what}."})
    draft = service.open_draft(
        session, actor=user, code=code, kind=kind,
        workflows_dir=request.app.state.settings.workflows_dir,
    )  # fmt: skip
    return RedirectResponse(f"/workshop/drafts/{draft.id}", status_code=303)


def draft_context(
    request: Request, session: Session, draft: ProcedureDraft, tab: str, **extra: Any
) -> dict[str, Any]:
    people = _users(session, {draft.author_id, draft.last_saved_by_id, draft.reviewer_id})
    return {
        "draft": draft,
        "tab": tab,
        "tabs": TABS,
        "people": people,
        "status_label": STATUS_LABELS.get(DraftStatus(draft.status), draft.status),
        "editable": draft.status in (DraftStatus.draft, DraftStatus.returned),
        **extra,
    }


def _edit_page(
    request: Request,
    session: Session,
    user: User,
    draft: ProcedureDraft,
    *,
    text: str,
    revision: int,
    values: dict[str, str] | None = None,
    message: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    saved: bool = False,
    conflict: list[str] | None = None,
) -> Response:
    _, problems, warnings = checked(request, session, draft, text)
    is_procedure = draft.kind == DraftKind.procedure
    context = draft_context(
        request, session, draft, "edit",
        text=text, revision=revision,
        values=values if values is not None else (form.values_of(text) if is_procedure else {}),
        documents=form.documents_of(text) if is_procedure else [],
        states=form.states_of(text) if is_procedure else {},
        checklists=form.checklists_of(text) if is_procedure else {},
        units=form.UNITS,
        problems=problems, warnings=warnings,
        message=message, errors=errors or {}, saved=saved, conflict=conflict or [],
    )  # fmt: skip
    return render(request, "workshop/draft.html", context, user=user, status_code=status_code)


@router.get("/workshop/drafts/{draft_id}")
def draft_page(
    draft_id: IdPath,
    request: Request,
    session: SessionDep,
    user: PageUser,
    done: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    require_editor(user)
    draft = get_draft(session, draft_id)
    return _edit_page(
        request, session, user, draft, text=draft.yaml_text, revision=draft.revision,
        saved=done == "saved",
    )  # fmt: skip


@router.post("/workshop/drafts/{draft_id}/check")
async def check_draft(
    draft_id: IdPath, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """The editor's text checked as it is typed (htmx, debounced): the list of problems."""
    require_editor(user)
    draft = get_draft(session, draft_id)
    values = form_texts(await request.form())
    try:
        screen(values)
    except ValidationFailed as exc:
        context = draft_context(
            request, session, draft, "edit", problems=[Problem(None, exc.message)], warnings=[]
        )
        return render(request, "workshop/draft.html", context, user=user, block_names=["problems"])
    _, problems, warnings = checked(request, session, draft, values.get("yaml_text", ""))
    context = draft_context(request, session, draft, "edit", problems=problems, warnings=warnings)
    return render(request, "workshop/draft.html", context, user=user, block_names=["problems"])


@router.post("/workshop/drafts/{draft_id}")
async def save_draft(
    draft_id: IdPath, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """Save the YAML text; with `apply=form`, the structured form's changed fields first."""
    require_editor(user)
    draft = get_draft(session, draft_id)
    values = form_texts(await request.form())
    text = values.get("yaml_text", "").replace("\r\n", "\n")
    revision_raw = values.get("revision", "")
    revision = int(revision_raw) if revision_raw.isdigit() and len(revision_raw) < 10 else 0
    applied = False  # the form's new document or source are in `text` now
    try:
        screen(values)
        if values.get("apply") == "form" and draft.kind == DraftKind.procedure:
            before = form.values_of(draft.yaml_text)
            # a browser sends a textarea's lines with CR LF
            typed = {k: v.replace("\r\n", "\n") for k, v in values.items()}
            changed = {
                k: v for k, v in typed.items() if k in before and v.strip() != before[k].strip()
            }
            changed |= {
                k: "" for k in before if k.endswith("-required") and before[k] and k not in values
            }
            text = form.apply(text, changed, values)
            applied = True
        service.save_draft(
            session, actor=user, draft_id=draft_id, yaml_text=text, revision=revision
        )
    except form.FormProblem as exc:
        return _edit_page(
            request, session, user, draft, text=text, revision=revision, values=values,
            message=str(exc), errors={exc.field: str(exc)}, status_code=422,
        )  # fmt: skip
    except (Conflict, ValidationFailed) as exc:
        session.rollback()
        draft = get_draft(session, draft_id)
        # once the form is written into `text`, the form shows that text (its lists renumbered
        # by the items added and taken out), not the fields as typed
        kept = form.values_of(text) if applied else values
        changes: list[str] = []
        if isinstance(exc, Conflict):
            # what differs between the version saved meanwhile and the typed text; saving again
            # (the newest revision now) keeps the typed text over it, after a look
            changes = conflict_lines(draft.yaml_text, text)
            revision = draft.revision
        return _edit_page(
            request, session, user, draft, text=text, revision=revision,
            values=kept if draft.kind == DraftKind.procedure else None, conflict=changes,
            message=exc.message, errors=getattr(exc, "fields", {}), status_code=exc.status,
        )  # fmt: skip
    return RedirectResponse(f"/workshop/drafts/{draft_id}?done=saved", status_code=303)


def conflict_lines(saved: str, typed: str, limit: int = 200) -> list[str]:
    """The unified diff from the text saved meanwhile to the typed one (at most `limit` lines)."""
    lines = difflib.unified_diff(
        saved.splitlines(), typed.splitlines(), "bản vừa được lưu", "nội dung của bạn",
        lineterm="", n=1,
    )  # fmt: skip
    return list(itertools.islice(lines, limit))


def draft_procedure(
    request: Request, session: Session, draft: ProcedureDraft
) -> tuple[Procedure | None, list[Problem]]:
    """The procedure the saved draft defines (None for a scenario or an invalid text)."""
    procedure, problems, _ = checked(request, session, draft, draft.yaml_text)
    return (procedure if draft.kind == DraftKind.procedure else None), problems


@router.get("/workshop/drafts/{draft_id}/preview")
def preview_page(
    draft_id: IdPath,
    request: Request,
    session: SessionDep,
    registry: RegistryDep,
    user: PageUser,
    against: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """A procedure draft's diagram and facts; a scenario draft's dry run (`against=published`:
    against the version in force even when the procedure has an open draft)."""
    require_editor(user)
    draft = get_draft(session, draft_id)
    procedure, problems = draft_procedure(request, session, draft)
    dry_run = preview.scenario_dry_run(request, session, draft, use_draft=against != "published")
    context = draft_context(
        request, session, draft, "preview", p=procedure, problems=problems,
        diagram=diagrams.dot_available(), dry_run=dry_run,
    )  # fmt: skip
    return render(request, "workshop/preview.html", context, user=user)


@router.get("/workshop/drafts/{draft_id}/diagram.svg")
def draft_diagram(
    draft_id: IdPath, request: Request, session: SessionDep, user: PageUser
) -> Response:
    require_editor(user)
    procedure, _ = draft_procedure(request, session, get_draft(session, draft_id))
    if procedure is None:
        raise NotFound("Bản nháp chưa hợp lệ nên chưa vẽ được sơ đồ; sửa các lỗi trước.")
    return Response(
        diagrams.to_svg(procedure),
        media_type="image/svg+xml",
        headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/workshop/drafts/{draft_id}/handbook")
def handbook_preview(
    draft_id: IdPath, request: Request, session: SessionDep, user: PageUser
) -> Response:
    """The handbook page of the procedure as it will look once the draft is published."""
    require_editor(user)
    draft = get_draft(session, draft_id)
    procedure, _ = draft_procedure(request, session, draft)
    if procedure is None:
        raise NotFound(
            "Bản nháp chưa hợp lệ nên chưa xem trước được trang sổ tay; sửa các lỗi trước."
        )
    context = preview.handbook_context(request, session, procedure)
    context |= {"draft": draft, "diagram_src": f"/workshop/drafts/{draft.id}/diagram.svg"}
    return render(request, "workshop/handbook.html", context, user=user)


@router.get("/workshop/drafts/{draft_id}/impact")
def impact_page(
    draft_id: IdPath, request: Request, session: SessionDep, registry: RegistryDep, user: PageUser
) -> Response:
    require_editor(user)
    draft = get_draft(session, draft_id)
    state = request.app.state
    found = draft_impact(
        session, draft_id=draft_id, workflows_dir=state.settings.workflows_dir,
        registry=state.registry, scenarios=state.scenarios, quizzes=state.quizzes,
    )  # fmt: skip
    scenario = (
        scenario_impact(session, draft.code, draft.yaml_text)
        if draft.kind == DraftKind.scenario
        else None
    )
    context = draft_context(
        request, session, draft, "impact", problems=found.checked.errors, impact=found,
        scenario=scenario,
    )  # fmt: skip
    return render(request, "workshop/impact.html", context, user=user)


from casework.workshop import print_views, review_views  # noqa: E402  (their routes after these)

router.include_router(review_views.router)
router.include_router(print_views.router)
