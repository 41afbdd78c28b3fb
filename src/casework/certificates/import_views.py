"""Importing a class's attendee list (XLSX): the upload form, the preview, the confirm step.

The preview is drawn in answer to the upload (POST, no redirect: there is nothing to show at a
GET address, the file is kept server-side under a token, see `importer`). Confirming sends only
the token; the rows are read again from the stored file, so what is written is what was shown.
Included by `views.router` before its `/certificates/{certificate_id}` routes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from casework.accounts.models import User
from casework.certificates import importer, service
from casework.errors import NotFound, ValidationFailed
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import SessionDep
from casework.web.forms import form_text
from casework.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _dir(request: Request) -> Any:
    return request.app.state.settings.upload_dir / "imports"


def _page(
    request: Request,
    user: User,
    *,
    preview: importer.Preview | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "preview": preview,
        "columns": importer.COLUMNS,
        "max_rows": f"{importer.MAX_ROWS:,}".replace(",", "."),
        "max_mb": importer.MAX_BYTES // (1024 * 1024),
        "errors": errors or {},
        "message": message,
    }
    return render(request, "certificates/import.html", context, user=user, status_code=status_code)


@router.get("/certificates/import")
def import_form(request: Request, session: SessionDep, user: PageUser) -> Response:
    service.manager_root(session, user)
    return _page(request, user)


@router.post("/certificates/import")
async def import_preview(request: Request, session: SessionDep, user: PageUser) -> Response:
    service.manager_root(session, user)  # refuse before reading the file
    item = (await request.form()).get(importer.FILE_FIELD)
    if not isinstance(item, UploadFile) or not item.filename:
        errors = {importer.FILE_FIELD: "Chọn tệp danh sách học viên (.xlsx)."}
        return _page(request, user, errors=errors, message="Chưa chọn tệp.", status_code=422)
    data = await item.read(importer.MAX_BYTES + 1)
    try:
        preview = importer.preview(
            session, actor=user, filename=item.filename, data=data, import_dir=_dir(request)
        )
    except ValidationFailed as exc:
        return _page(request, user, errors=exc.fields, message=exc.message, status_code=422)
    status = 422 if preview.bad else 200
    return _page(request, user, preview=preview, status_code=status)


@router.post("/certificates/import/confirm")
async def import_confirm(request: Request, session: SessionDep, user: PageUser) -> Response:
    service.manager_root(session, user)
    token = form_text(await request.form(), "token")
    settings = request.app.state.settings
    try:
        count = importer.confirm(
            session, actor=user, token=token, import_dir=_dir(request),
            upload_dir=settings.upload_dir,
        )  # fmt: skip
    except ValidationFailed as exc:
        session.rollback()
        try:
            preview = importer.load(session, actor=user, token=token, import_dir=_dir(request))
        except (NotFound, ValidationFailed):
            preview = None
        return _page(request, user, preview=preview, message=exc.message, status_code=422)
    return RedirectResponse(f"/certificates?imported={count}", status_code=303)
