"""Certificate pages: one's own, the per-unit list (filters, paging, CSV/XLSX, print), one
certificate (details, history, the admin's edit and revoke forms), adding one, its evidence file.
The XLSX import lives in `import_views.py`.

Thin views: parse, call `certificates.service` / `queries`, pick a template. A refused form is
drawn again with what was typed and the reason beside each field (422); a stale edit is a 409.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from casework.accounts.models import Unit, User
from casework.certificates import import_views, queries, service
from casework.certificates.models import FIELDS, SOURCE_LABELS, Certificate
from casework.db import utcnow
from casework.dossiers import attachments
from casework.errors import Conflict, NotFound, ValidationFailed
from casework.ids import CountQuery, IdPath, parse_id, parse_int
from casework.paging import Page
from casework.reports import exports
from casework.units import search
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import SessionDep, TzDep
from casework.web.forms import form_texts
from casework.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
# before `/certificates/{certificate_id}`, which would otherwise take "/certificates/import"
router.include_router(import_views.router)

STATUSES = {"valid": "Còn hiệu lực", "expired": "Hết hạn", "revoked": "Đã thu hồi"}


def today(tz: Any) -> date:
    return utcnow().astimezone(tz).date()


def _common() -> dict[str, Any]:
    return {
        "fields": FIELDS,
        "statuses": STATUSES,
        "status_labels": queries.STATUS_LABELS,
        "source_labels": SOURCE_LABELS,
    }


async def evidence_upload(form: FormData) -> attachments.Upload | None:
    item = form.get(service.EVIDENCE_FIELD)
    if isinstance(item, UploadFile) and item.filename:
        data = await item.read(attachments.MAX_BYTES + 1)
        return attachments.Upload("evidence", item.filename, data)
    return None


# ---- one's own --------------------------------------------------------------------------------


@router.get("/certificates/mine")
def my_certificates(request: Request, session: SessionDep, user: PageUser, tz: TzDep) -> Response:
    context = {
        **_common(),
        "items": queries.mine(session, user=user),
        "on": today(tz),
        "status_of": queries.status_of,
        "is_reader": user.has_role("auditor", "admin"),
        "is_admin": user.has_role("admin"),
    }
    return render(request, "certificates/mine.html", context, user=user)


# ---- the per-unit list ----------------------------------------------------------------------


def _list_filter(
    session: Session, user: User, unit: str, field: str, status: str, q: str
) -> tuple[queries.Filter, dict[str, str], dict[str, str]]:
    """The list's filter, its values for the form and the problems by field: a unit is an id
    (links) or a code (the unit picker's, or typed; an unknown one is named)."""
    root = service.reader_root(session, user)
    chosen, errors = root, {}
    unit = unit.strip()
    unit_id = parse_id(unit)
    if unit_id is not None and unit_id != root.id:
        found = session.get(Unit, unit_id)
        if found is None or not found.path.startswith(root.path):
            raise NotFound("Không tìm thấy đơn vị này trong phạm vi của bạn.")
        chosen = found
    elif unit and parse_int(unit) is None:
        picked, problem = search.pick(session, root, unit)
        chosen = picked or root
        if problem:
            errors["unit"] = problem
    form = {
        "unit": unit if errors else chosen.code,
        "field": field if field in FIELDS else "",
        "status": status if status in STATUSES else "",
        "q": q.strip(),
    }
    f = queries.Filter(chosen, form["field"] or None, form["status"] or None, form["q"] or None)
    return f, form, errors


def _checked(f: queries.Filter, errors: dict[str, str]) -> queries.Filter:
    """The filter of an export or a print, refused when it names no unit."""
    if errors:
        raise ValidationFailed("Bộ lọc chưa đúng: " + " ".join(errors.values()), fields=errors)
    return f


UnitQ = Annotated[str, Query(max_length=100)]
FieldQ = Annotated[str, Query(max_length=64)]
StatusQ = Annotated[str, Query(max_length=16)]
TextQ = Annotated[str, Query(max_length=100)]


@router.get("/certificates")
def certificate_list(
    request: Request,
    session: SessionDep,
    user: PageUser,
    tz: TzDep,
    unit: UnitQ = "",
    field: FieldQ = "",
    status: StatusQ = "",
    q: TextQ = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    imported: CountQuery = None,
) -> Response:
    f, form, errors = _list_filter(session, user, unit, field, status, q)
    on = today(tz)
    found = (
        queries.search(session, f, on=on, page=page)
        if not errors
        else Page[Any]([], 0, 1, queries.PER_PAGE)
    )
    context = {
        **_common(),
        "page": found,
        "form": form,
        "errors": errors,
        "query": urlencode(form),
        "unit": f.unit,
        "on": on,
        "status_of": queries.status_of,
        "is_admin": user.has_role("admin"),
        "message": f"Đã ghi {imported} chứng chỉ từ danh sách lớp." if imported else None,
    }
    blocks = ["results"] if is_htmx(request) else None
    return render(
        request, "certificates/list.html", context, user=user, block_names=blocks,
        status_code=422 if errors else 200,
    )  # fmt: skip


def _notes(f: queries.Filter, on: date) -> list[str]:
    notes = [f"Đơn vị: {f.unit.name} ({f.unit.code}) và các đơn vị cấp dưới",
             f"Tình trạng tính đến ngày {on:%d/%m/%Y}"]  # fmt: skip
    if f.field:
        notes.append(f"Lĩnh vực: {f.field}")
    if f.status:
        notes.append(f"Tình trạng: {STATUSES[f.status]}")
    if f.q:
        notes.append(f"Tìm: {f.q}")
    return notes


def _all_rows(session: Session, f: queries.Filter, on: date, notes: list[str]) -> list[queries.Row]:
    found = queries.search(session, f, on=on, page=1, per_page=service.EXPORT_CAP)
    if found.total > service.EXPORT_CAP:
        cap = f"{service.EXPORT_CAP:,}".replace(",", ".")
        notes.append(f"Chỉ có {cap} dòng đầu trong {found.total} chứng chỉ: hãy lọc hẹp hơn.")
    return found.items


@router.get("/certificates.{fmt}")
def certificate_export(
    fmt: str,
    session: SessionDep,
    user: PageUser,
    tz: TzDep,
    unit: UnitQ = "",
    field: FieldQ = "",
    status: StatusQ = "",
    q: TextQ = "",
) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise NotFound("Chỉ xuất được CSV hoặc XLSX.")
    f, _form, errors = _list_filter(session, user, unit, field, status, q)
    f = _checked(f, errors)
    on = today(tz)
    notes = _notes(f, on)
    table = queries.table(_all_rows(session, f, on, notes), on=on, notes=notes)
    return exports.download(table, fmt, f"chung-chi-{f.unit.code}-{on:%Y%m%d}")


@router.get("/certificates/print")
def certificate_print(
    request: Request,
    session: SessionDep,
    user: PageUser,
    tz: TzDep,
    unit: UnitQ = "",
    field: FieldQ = "",
    status: StatusQ = "",
    q: TextQ = "",
) -> Response:
    f, form, errors = _list_filter(session, user, unit, field, status, q)
    f = _checked(f, errors)
    on = today(tz)
    notes = _notes(f, on)
    rows = _all_rows(session, f, on, notes)
    context = {
        "table": queries.table(rows, on=on, notes=notes),
        "unit": f.unit,
        "on": on,
        "query": urlencode(form),
    }
    return render(request, "certificates/print.html", context, user=user)


# ---- adding one -------------------------------------------------------------------------------


def _new_form(
    request: Request,
    user: User,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    message: str | None = None,
) -> Response:
    context = {**_common(), "values": values, "errors": errors or {}, "message": message,
               "allowed_label": attachments.ALLOWED_LABEL}  # fmt: skip
    status = 422 if errors or message else 200
    return render(request, "certificates/new.html", context, user=user, status_code=status)


@router.get("/certificates/new")
def new_certificate(
    request: Request,
    session: SessionDep,
    user: PageUser,
    username: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    service.manager_root(session, user)
    values = {"username": username, "field": next(iter(FIELDS))}
    return _new_form(request, user, values)


def _refill_hint(exc: ValidationFailed, form: FormData) -> str:
    if isinstance(form.get(service.EVIDENCE_FIELD), UploadFile):
        return exc.message + " Hãy chọn lại tệp minh chứng (trình duyệt không giữ tệp sau khi gửi)."
    return exc.message


@router.post("/certificates")
async def create_certificate(request: Request, session: SessionDep, user: PageUser) -> Response:
    service.manager_root(session, user)  # refuse before reading the upload
    form = await request.form()
    values = form_texts(form)
    try:
        cert = service.create(
            session, actor=user, username=str(values.get("username", "")), values=values,
            evidence=await evidence_upload(form),
            upload_dir=request.app.state.settings.upload_dir,
        )  # fmt: skip
    except ValidationFailed as exc:
        session.rollback()
        return _new_form(request, user, values, exc.fields, _refill_hint(exc, form))
    return RedirectResponse(f"/certificates/{cert.id}?saved=1", status_code=303)


# ---- one certificate --------------------------------------------------------------------------


def _detail(
    request: Request,
    session: Session,
    user: User,
    cert: Certificate,
    tz: Any,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    failed: str = "",
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    officer = session.get(User, cert.user_id)
    assert officer is not None
    base = {k: getattr(cert, k) for k in ("field", "course", "issuer", "number")}
    base |= {"issued_on": cert.issued_on.isoformat(), "version": str(cert.version),
             "valid_until": cert.valid_until.isoformat() if cert.valid_until else ""}  # fmt: skip
    context = {
        **_common(),
        "cert": cert,
        "officer": officer,
        "officer_unit": session.get(Unit, officer.unit_id),
        "status": queries.status_of(cert, today(tz)),
        "history": queries.history(session, cert),
        "can_manage": service.can_manage(session, user, officer),
        "values": {**base, **(values or {})},
        "errors": errors or {},
        "failed": failed,
        "message": message,
        "allowed_label": attachments.ALLOWED_LABEL,
    }
    return render(request, "certificates/detail.html", context, user=user, status_code=status_code)


@router.get("/certificates/{certificate_id}")
def certificate_page(
    certificate_id: IdPath,
    request: Request,
    session: SessionDep,
    user: PageUser,
    tz: TzDep,
    saved: bool = False,
) -> Response:
    cert = service.get_visible(session, user, certificate_id)
    message = "Đã lưu chứng chỉ." if saved else None
    return _detail(request, session, user, cert, tz, message=message)


@router.post("/certificates/{certificate_id}")
async def edit_certificate(
    certificate_id: IdPath, request: Request, session: SessionDep, user: PageUser, tz: TzDep
) -> Response:
    service.manager_root(session, user)
    form = await request.form()
    values = form_texts(form)
    try:
        service.edit(
            session, actor=user, certificate_id=certificate_id, values=values,
            evidence=await evidence_upload(form),
            upload_dir=request.app.state.settings.upload_dir,
        )  # fmt: skip
    except (ValidationFailed, Conflict) as exc:
        session.rollback()
        cert = service.get_visible(session, user, certificate_id)
        fields = exc.fields if isinstance(exc, ValidationFailed) else {}
        message = _refill_hint(exc, form) if isinstance(exc, ValidationFailed) else exc.message
        return _detail(request, session, user, cert, tz, values=values, errors=fields,
                       failed="edit", message=message, status_code=exc.status)  # fmt: skip
    return RedirectResponse(f"/certificates/{certificate_id}?saved=1", status_code=303)


@router.post("/certificates/{certificate_id}/revoke")
async def revoke_certificate(
    certificate_id: IdPath, request: Request, session: SessionDep, user: PageUser, tz: TzDep
) -> Response:
    service.manager_root(session, user)
    values = form_texts(await request.form())
    try:
        service.revoke(session, actor=user, certificate_id=certificate_id, values=values)
    except (ValidationFailed, Conflict) as exc:
        session.rollback()
        cert = service.get_visible(session, user, certificate_id)
        fields = exc.fields if isinstance(exc, ValidationFailed) else {}
        kept = {"reason": values.get("reason", "")}
        return _detail(request, session, user, cert, tz, values=kept, errors=fields,
                       failed="revoke", message=exc.message, status_code=exc.status)  # fmt: skip
    return RedirectResponse(f"/certificates/{certificate_id}?saved=1", status_code=303)


@router.get("/certificates/{certificate_id}/evidence")
def certificate_evidence(
    certificate_id: IdPath, request: Request, session: SessionDep, user: PageUser
) -> Response:
    cert = service.get_visible(session, user, certificate_id)
    path = request.app.state.settings.upload_dir / (cert.evidence_key or "")
    if not cert.evidence_key or not path.is_file():
        raise NotFound("Chứng chỉ này không có tệp minh chứng trên máy chủ.")
    return FileResponse(
        path,
        media_type=cert.evidence_type or "application/octet-stream",
        filename=cert.evidence_name or "minh-chung",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            **exports.PRIVATE,
        },
    )
