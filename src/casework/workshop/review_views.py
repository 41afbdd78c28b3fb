"""The workshop's review (four eyes: submit, return with a comment, approve with an effective date,
publish) and the version history of a procedure (who, what, why, which source)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from casework.accounts.models import User
from casework.dossiers.catalog import procedure_of_version
from casework.dossiers.models import ProcedureVersion
from casework.errors import ActionNotAllowed, Conflict, PermissionDenied, ValidationFailed
from casework.ids import IdPath
from casework.procedures.diff import diff
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import SessionDep, TzDep
from casework.web.forms import form_texts
from casework.web.i18n import N_
from casework.web.templating import render
from casework.workshop import publish, scenario_store, service
from casework.workshop.history import scenario_history, version_history
from casework.workshop.models import ACTION_LABELS, DraftKind, ProcedureDraft, ScenarioVersion
from casework.workshop.scenario_check import changes as scenario_changes
from casework.workshop.service import get_draft, require_editor

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

DONE = {
    "submitted": N_("Đã gửi duyệt. Một biên tập viên khác sẽ duyệt hoặc trả lại."),
    "returned": N_("Đã trả lại bản nháp kèm ý kiến."),
    "approved": N_("Đã duyệt nhưng chưa công bố: xem lỗi, sửa rồi công bố."),
    "published": N_("Đã duyệt và công bố phiên bản mới."),
    "abandoned": N_("Đã hủy bản nháp. Muốn sửa thủ tục này thì mở bản nháp mới."),
}


def _review_page(
    request: Request,
    session: Session,
    user: User,
    draft: ProcedureDraft,
    *,
    values: dict[str, str] | None = None,
    message: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> Response:
    from casework.workshop.views import _users, draft_context, draft_procedure

    events = service.draft_events(session, draft.id or 0)
    procedure, problems = draft_procedure(request, session, draft)
    context = draft_context(
        request, session, draft, "review",
        events=events, actors=_users(session, {e.actor_id for e in events}),
        action_labels={str(k): v for k, v in ACTION_LABELS.items()},
        problems=problems, valid=procedure is not None or draft.kind != "procedure",
        values=values or {}, message=message, errors=errors or {},
        done=DONE.get(done or ""), is_author=draft.author_id == user.id,
    )  # fmt: skip
    return render(request, "workshop/review.html", context, user=user, status_code=status_code)


@router.get("/workshop/drafts/{draft_id}/review")
def review_page(
    draft_id: IdPath, request: Request, session: SessionDep, user: PageUser, done: str | None = None
) -> Response:
    require_editor(user)
    draft = get_draft(session, draft_id)
    return _review_page(request, session, user, draft, done=(done or "")[:16])


def _effective(values: dict[str, str], tz: ZoneInfo) -> datetime | None:
    """The effective date (local midnight of the day given), or None for "from publication"."""
    raw = values.get("effective_date", "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            "Ngày hiệu lực không đúng dạng.",
            fields={"effective_date": "Ngày hiệu lực phải là một ngày (dd/mm/yyyy)."},
        ) from None
    return publish.start_of_day(day, tz)


@router.post("/workshop/drafts/{draft_id}/{step}")
async def review_step(
    draft_id: IdPath, step: str, request: Request, session: SessionDep, user: PageUser, tz: TzDep
) -> Response:
    """submit · return (with a comment) · approve (with an effective date and its reason) ·
    publish · abandon. A refusal keeps what was typed and says why."""
    require_editor(user)
    if step not in ("submit", "return", "approve", "publish", "abandon"):
        raise ValidationFailed("Không có bước duyệt này.")
    draft = get_draft(session, draft_id)
    values = form_texts(await request.form())
    state = request.app.state
    where = {"workflows_dir": state.settings.workflows_dir, "registry": state.registry}
    from casework.workshop.views import screen

    try:
        screen(values)
        if step == "submit":
            revision = values.get("revision", "")
            service.submit_draft(
                session, actor=user, draft_id=draft_id,
                revision=int(revision) if revision.isdigit() and len(revision) < 10 else 0,
                **where,
            )  # fmt: skip
        elif step == "abandon":
            service.abandon_draft(
                session, actor=user, draft_id=draft_id, note=values.get("note", "")
            )
        elif step == "return":
            service.return_draft(
                session, actor=user, draft_id=draft_id, comment=values.get("comment", "")
            )
        elif draft.kind == DraftKind.scenario:  # approve and publish: no effective date
            if step == "approve":
                service.approve_draft(session, actor=user, draft_id=draft_id)
            publish.publish_scenario_draft(
                session, actor=user, draft_id=draft_id, reason=values.get("reason", ""),
                source_note=values.get("source_note", ""), **where,
            )  # fmt: skip
        else:  # approve (the approver publishes with the effective date) or publish again
            effective = _effective(values, tz)
            if step == "approve":
                service.approve_draft(session, actor=user, draft_id=draft_id)
            publish.publish_draft(
                session, actor=user, draft_id=draft_id, effective_from=effective,
                reason=values.get("reason", ""), source_note=values.get("source_note", ""),
                **where,
            )  # fmt: skip
    except (ValidationFailed, Conflict, ActionNotAllowed, PermissionDenied) as exc:
        session.rollback()
        draft = get_draft(session, draft_id)
        return _review_page(
            request, session, user, draft, values=values, message=exc.message,
            errors=getattr(exc, "fields", {}), status_code=exc.status,
        )  # fmt: skip
    done = {"submit": "submitted", "return": "returned", "abandon": "abandoned"}.get(
        step, "published"
    )
    return RedirectResponse(f"/workshop/drafts/{draft_id}/review?done={done}", status_code=303)


@router.get("/workshop/history/{code}")
def history_page(
    code: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    kind: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """Every published version of a procedure (`kind=scenario`: of a practice scenario): when,
    effective from, who published it, why, with which source, what changed; and the audit trail
    of its drafts."""
    require_editor(user)
    code = code[:64]
    scenario = kind == DraftKind.scenario
    entries = scenario_history(session, code) if scenario else version_history(session, code)
    versions = []
    for i, entry in enumerate(entries):
        older = entries[i + 1].row if i + 1 < len(entries) else None
        versions.append((entry, _changes(older, entry.row) if older is not None else []))
    first = entries[0].row if entries else None
    context: dict[str, Any] = {
        "code": code,
        "name": (first.title if isinstance(first, ScenarioVersion) else first.name)
        if first is not None
        else code,
        "scenario": scenario,
        "versions": versions,
        "action_labels": {str(k): v for k, v in ACTION_LABELS.items()},
    }
    return render(request, "workshop/history.html", context, user=user)


def _changes(
    older: ProcedureVersion | ScenarioVersion, newer: ProcedureVersion | ScenarioVersion
) -> list[str]:
    if isinstance(older, ProcedureVersion) and isinstance(newer, ProcedureVersion):
        return diff(procedure_of_version(older), procedure_of_version(newer))
    assert isinstance(older, ScenarioVersion) and isinstance(newer, ScenarioVersion)
    before, after = scenario_store.parse(older.yaml_text), scenario_store.parse(newer.yaml_text)
    return scenario_changes(before, after) if before is not None and after is not None else []
