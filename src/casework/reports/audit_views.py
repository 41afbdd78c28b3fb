"""The auditor's pages: the audit log (with exports), the integrity checks, and the signed
checkpoints (`casework.checkpoints`: a list, and each one as a record to print or send upward,
in HTML and PDF).

Thin views over `reports.audit_log`. Auditors and admins only (others: 403), over their own
subtree (a unit or a check outside it: 404). The log's filter form is a plain GET form; htmx swaps
the `results` block and the field messages. A check is started with a POST (CSRF) that redirects
to its page, whose `progress` block htmx polls until the check is finished.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from casework import capabilities
from casework.admin import history
from casework.checkpoints import keys
from casework.checkpoints import service as checkpoints
from casework.dossiers.slip_views import PDF_NOTE, html_to_pdf
from casework.errors import NotFound, ValidationFailed
from casework.ids import IdPath, parse_id
from casework.reports import audit_log
from casework.reports.access import reader_root, unit_in_subtree
from casework.reports.exports import PRIVATE, download
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import RegistryDep, SessionDep, TzDep
from casework.web.forms import form_text
from casework.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
#: ids beyond this are no checkpoint's (and would overflow SQLite's integers)
MAX_ID = 2**31 - 1


def _query(form: dict[str, str], **extra: Any) -> str:
    """The filter as a query string (empty values left out)."""
    values = {k: v for k, v in form.items() if v and not (k == "mode" and v == "real")}
    return urlencode({**values, **{k: v for k, v in extra.items() if v is not None}})


@router.get("/audit")
def log_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    tz: TzDep,
    registry: RegistryDep,
    before: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    root = reader_root(session, user)
    filters, errors, form = audit_log.parse_filter(session, root, request.query_params)
    before_id = parse_id(before)
    if errors:
        page = audit_log.LogPage(rows=[], next_before=None, first=before_id is None)
    else:
        page = audit_log.list_events(session, filters, tz=tz, before=before_id)
    query = _query(form)
    latest = audit_log.latest_check(session, filters.unit)
    context = {
        "section": "log",
        "root": root,
        "unit": filters.unit,
        "form": form,
        "errors": errors,
        "filter_fields": audit_log.FILTER_FIELDS,
        "page": page,
        "query": query,
        "next_url": f"/audit?{_query(form, before=page.next_before)}",
        "first_url": f"/audit?{query}" if query else "/audit",
        "action_choices": audit_log.action_choices(registry),
        "latest": latest,
        "latest_interrupted": latest is not None and audit_log.is_interrupted(latest),
        "htmx": is_htmx(request),
        "per_page": audit_log.PER_PAGE,
        "export_limit": audit_log.EXPORT_LIMIT,
    }
    blocks = ["results"] if is_htmx(request) else None
    return render(
        request, "audit/log.html", context, user=user, block_names=blocks,
        status_code=422 if errors else 200, headers=PRIVATE,
    )  # fmt: skip


def _export(request: Request, session: SessionDep, user: PageUser, tz: TzDep, fmt: str) -> Response:
    root = reader_root(session, user)
    filters, errors, _form = audit_log.parse_filter(session, root, request.query_params)
    if errors:
        raise ValidationFailed("Bộ lọc chưa đúng: " + " ".join(errors.values()), fields=errors)
    if filters.mode == "practice":
        raise ValidationFailed(
            "Hồ sơ làm thử không bao giờ được xuất ra ngoài hệ thống.",
            fields={"mode": "Chọn hồ sơ thật."},
        )
    table = audit_log.export_table(session, filters, tz=tz)
    return download(table, fmt, f"nhat-ky-{filters.unit.code}")


@router.get("/audit/events.csv")
def export_csv(request: Request, session: SessionDep, user: PageUser, tz: TzDep) -> Response:
    return _export(request, session, user, tz, "csv")


@router.get("/audit/events.xlsx")
def export_xlsx(request: Request, session: SessionDep, user: PageUser, tz: TzDep) -> Response:
    return _export(request, session, user, tz, "xlsx")


@router.post("/audit/checks")
async def start_check(
    request: Request, background: BackgroundTasks, session: SessionDep, user: PageUser
) -> Response:
    root = reader_root(session, user)
    raw = form_text(await request.form(), "unit").strip()
    unit_id = parse_id(raw)
    if raw and unit_id is None:
        raise NotFound("Không tìm thấy đơn vị này trong phạm vi của bạn.")
    unit = unit_in_subtree(session, root, unit_id)
    check, created = audit_log.start_check(session, user=user, unit=unit)
    if not created:
        return RedirectResponse(f"/audit/checks/{check.id}?already=1", status_code=303)
    assert check.id is not None
    settings = request.app.state.settings
    background.add_task(audit_log.run_check, request.app.state.engine, check.id, settings)
    return RedirectResponse(f"/audit/checks/{check.id}", status_code=303)


@router.get("/audit/checks")
def checks_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    root = reader_root(session, user)
    result = audit_log.list_checks(session, root, page=page)
    users, units = audit_log.names_for(session, result.items)
    context = {
        "section": "checks",
        "root": root,
        "page": result,
        "users": users,
        "units": units,
        "interrupted": {c.id for c in result.items if audit_log.is_interrupted(c)},
        "seconds": {c.id: audit_log.duration_seconds(c) for c in result.items},
    }
    return render(request, "audit/checks.html", context, user=user, headers=PRIVATE)


@router.get("/audit/checks/{check_id}")
def check_page(
    check_id: IdPath,
    request: Request,
    session: SessionDep,
    user: PageUser,
    already: bool = False,
) -> Response:
    root = reader_root(session, user)
    check = audit_log.check_in_scope(session, root, check_id)
    context = {
        "section": "checks",
        "root": root,
        "view": audit_log.check_view(session, check),
        "already": already,
        "problem_limit": audit_log.PROBLEM_LIMIT,
    }
    blocks = ["progress"] if is_htmx(request) else None
    return render(
        request, "audit/check.html", context, user=user, block_names=blocks, headers=PRIVATE
    )


# ---- the accounts' history (admin.history, chained by admin.history_chain) ---------------------


@router.get("/audit/accounts")
def accounts_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Every grant, removal, move, lock, reset, session ended and token revoked for the accounts
    of the reader's subtree, by an admin or on the server's command line."""
    root = reader_root(session, user)
    context = {"section": "accounts", "root": root, "page": history.audit_page(session, root, page)}
    return render(request, "audit/accounts.html", context, user=user, headers=PRIVATE)


# ---- signed checkpoints (casework.checkpoints): the list and the printable record -------------


@router.get("/audit/checkpoints")
def checkpoints_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    root = reader_root(session, user)
    settings = request.app.state.settings
    result = checkpoints.page_of(session, page)
    context = {
        "section": "checkpoints",
        "root": root,
        "page": result,
        "seals": {c.id: checkpoints.seal_of(c, settings) for c in result.items},
        "directory": settings.checkpoint_dir,
    }
    return render(request, "audit/checkpoints.html", context, user=user, headers=PRIVATE)


def _checkpoint(request: Request, session: SessionDep, user: PageUser, checkpoint_id: int) -> Any:
    reader_root(session, user)  # the same readers as the audit log; a checkpoint covers all
    if not 1 <= checkpoint_id <= MAX_ID:
        raise NotFound(f"Không có điểm kiểm chứng #{checkpoint_id}.")
    row = checkpoints.get(session, checkpoint_id)
    settings = request.app.state.settings
    return {
        "cp": row,
        "seal": checkpoints.seal_of(row, settings),
        "statement": checkpoints.statement_of(row),
        "grouped": keys.grouped,
        "file": settings.checkpoint_dir / row.file_name,
        "page_title": f"Điểm kiểm chứng #{row.id}",
        "back_url": "/audit/checkpoints",
        "pdf_url": f"/audit/checkpoints/{row.id}.pdf",
        "practice": False,
    }


@router.get("/audit/checkpoints/{checkpoint_id}.pdf")
def checkpoint_pdf(
    checkpoint_id: IdPath, request: Request, session: SessionDep, user: PageUser
) -> Response:
    context = _checkpoint(request, session, user, checkpoint_id)
    capabilities.require_pdf()
    html = request.app.state.templates.env.get_template("audit/checkpoint.html").render(
        {**context, "pdf": True, "user": user, "request": request, "csrf_token": ""}
    )
    css = (request.app.state.settings.templates_dir / "static" / "css" / "print.css").read_text(
        encoding="utf-8"
    )
    name = f"diem-kiem-chung-{checkpoint_id}.pdf"
    return Response(
        html_to_pdf(html, css),
        media_type="application/pdf",
        headers={**PRIVATE, "Content-Disposition": f'inline; filename="{name}"'},
    )


@router.get("/audit/checkpoints/{checkpoint_id}")
def checkpoint_page(
    checkpoint_id: IdPath, request: Request, session: SessionDep, user: PageUser
) -> Response:
    context = _checkpoint(request, session, user, checkpoint_id)
    note = None if capabilities.pdf_available() else PDF_NOTE
    return render(
        request, "audit/checkpoint.html", {**context, "pdf": False, "pdf_note": note},
        user=user, headers=PRIVATE,
    )  # fmt: skip
