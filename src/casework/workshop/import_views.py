"""The workshop's import page (`/workshop/import`): a saved portal record becomes a new draft.

One POST: the file is read (`portal_import`), stored as a draft (`portal_store`), and the editor
lands on the draft, whose text lists at its top what the page had that the draft does not. A
refusal (no file, a binary Word file, no code, a procedure already in the catalogue) shows the
form again with the reason at its field and, when the page could be read, what was read.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from casework.accounts.models import User
from casework.errors import Conflict, ValidationFailed
from casework.inputs import screen
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import SessionDep
from casework.web.forms import form_text
from casework.web.templating import render
from casework.workshop.portal_compare import Difference, compare
from casework.workshop.portal_import import PortalDraft, draft_from_portal
from casework.workshop.portal_store import store_portal_draft
from casework.workshop.service import require_editor

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

FILE_FIELD = "file"
LABELS = {"url": "Địa chỉ trang", "code": "Mã thủ tục"}
MAX_BYTES = 5 * 1024 * 1024


def _page(
    request: Request,
    user: User,
    *,
    values: dict[str, str] | None = None,
    result: PortalDraft | None = None,
    differences: list[Difference] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "values": values or {"url": "", "code": ""},
        "result": result,
        "differences": differences,
        "errors": errors or {},
        "message": message,
        "max_mb": MAX_BYTES // (1024 * 1024),
    }
    return render(request, "workshop/import.html", context, user=user, status_code=status_code)


@router.get("/workshop/import")
def import_form(request: Request, user: PageUser) -> Response:
    require_editor(user)
    return _page(request, user)


@router.post("/workshop/import")
async def import_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    require_editor(user)  # refuse before reading the file
    form = await request.form()
    values = {"url": form_text(form, "url").strip(), "code": form_text(form, "code").strip()}
    try:
        screen(values, LABELS)
    except ValidationFailed as exc:
        shown = {k: v[:500] for k, v in values.items()}  # a million characters are not sent back
        return _page(request, user, values=shown, errors=exc.fields, message=exc.message,
                     status_code=422)  # fmt: skip
    item = form.get(FILE_FIELD)
    if not isinstance(item, UploadFile) or not item.filename:
        errors = {FILE_FIELD: "Chọn trang thủ tục đã lưu (.html, .htm)."}
        return _page(request, user, values=values, errors=errors, message="Chưa chọn tệp.",
                     status_code=422)  # fmt: skip
    data = await item.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        errors = {FILE_FIELD: f"Tệp lớn hơn {MAX_BYTES // (1024 * 1024)} MB."}
        return _page(request, user, values=values, errors=errors, message="Tệp quá lớn.",
                     status_code=422)  # fmt: skip
    result: PortalDraft | None = None
    try:
        result = draft_from_portal(
            data, source_url=values["url"] or None, filename=item.filename,
            code=values["code"] or None,
        )  # fmt: skip
        draft = store_portal_draft(
            session, actor=user, result=result,
            workflows_dir=request.app.state.settings.workflows_dir,
        )  # fmt: skip
    except (ValidationFailed, Conflict) as exc:
        session.rollback()
        errors = getattr(exc, "fields", {})
        registry = request.app.state.registry
        differences = None
        if isinstance(exc, Conflict) and result is not None and result.code in registry:
            differences = compare(result, registry.get(result.code))
        return _page(request, user, values=values, result=result, differences=differences,
                     errors=errors, message=exc.message, status_code=exc.status)  # fmt: skip
    return RedirectResponse(f"/workshop/drafts/{draft.id}", status_code=303)
