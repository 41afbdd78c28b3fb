"""Sign-off routes: a mentor signs a procedure off or revokes it (on the trainee's progress page),
the printable certificate with a number and QR code per procedure, and the public verification
page the QR code opens.

Thin views: one service call, one template. A form posts and redirects back (post/redirect/get);
a refused sign-off or revocation shows the trainee's page again (422) with the reason on top and
what was typed kept. `/verify/{number}` needs no sign-in and shows nothing but what
`service.Verification` holds; an unknown number is a 404 page that says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.db import utcnow
from casework.dossiers.slips import qr_svg
from casework.errors import NotFound, ValidationFailed
from casework.learning.levels import catalog_of
from casework.procedures import ProcedureRegistry
from casework.progress.access import visible_trainee
from casework.progress.views import _trainee_page
from casework.signoffs import service
from casework.web.auth import OptionalUser, PageUser, verify_csrf
from casework.web.deps import CalendarsDep, RegistryDep, SessionDep, TzDep
from casework.web.forms import form_texts
from casework.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def min_passed(request: Request) -> int:
    value: int = request.app.state.settings.signoff_min_passed
    return value


def _procedure_name(procedures: ProcedureRegistry, code: str) -> str:
    return procedures.get(code).name if code in procedures else code


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form_texts(form).items() if k != "csrf_token"}


def _refused(
    request: Request, session: Session, user: User, trainee: User,
    procedures: ProcedureRegistry, calendars: Any, exc: ValidationFailed, values: dict[str, str],
) -> Response:  # fmt: skip
    """The trainee's page again (422): the reason on top, what was typed kept."""
    session.rollback()
    return _trainee_page(
        request, session, user, trainee, procedures, calendars,
        message=exc.message, errors=exc.fields, values=values, status_code=422,
    )  # fmt: skip


@router.post("/progress/users/{username}/sign-offs")
async def sign_off(
    username: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    procedures: RegistryDep,
    calendars: CalendarsDep,
    tz: TzDep,
) -> Response:
    trainee = visible_trainee(session, user, username)
    values = await _form(request)
    try:
        row = service.sign_off(
            session,
            mentor=user,
            trainee=trainee,
            procedure_code=values.get("procedure_code", ""),
            note=values.get("note", ""),
            procedures=procedures,
            min_passed=min_passed(request),
            tz=tz,
            levels=catalog_of(request.app.state),
        )
    except ValidationFailed as exc:
        return _refused(request, session, user, trainee, procedures, calendars, exc, values)
    return RedirectResponse(
        f"/progress/users/{trainee.username}?signed={row.procedure_code}#sign-offs",
        status_code=303,
    )


@router.post("/progress/users/{username}/sign-offs/{code}/revoke")
async def revoke_sign_off(
    username: str,
    code: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    procedures: RegistryDep,
    calendars: CalendarsDep,
) -> Response:
    trainee = visible_trainee(session, user, username)
    values = await _form(request)
    try:
        service.revoke_sign_off(
            session, mentor=user, trainee=trainee, procedure_code=code,
            reason=values.get("reason", ""), levels=catalog_of(request.app.state),
        )  # fmt: skip
    except ValidationFailed as exc:
        values["revoke"] = code  # which revoke form to open again
        return _refused(request, session, user, trainee, procedures, calendars, exc, values)
    return RedirectResponse(
        f"/progress/users/{trainee.username}?revoked={code}#sign-offs", status_code=303
    )


# ---- the certificate and its verification -----------------------------------------------------


def _vn_date(at: datetime, tz: Any) -> str:
    d = at.astimezone(tz)
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def verify_path(number: str) -> str:
    return f"/verify/{number}"


@router.get("/progress/users/{username}/certificate")
def certificate(
    username: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    procedures: RegistryDep,
    tz: TzDep,
) -> Response:
    """A4, Vietnamese, only once at least one procedure is signed off (404 before). Each
    procedure carries its certificate number and a QR code of its verification page."""
    trainee = visible_trainee(session, user, username)
    assert trainee.id is not None
    rows = service.sign_offs_of(session, [trainee.id])[trainee.id]
    if not rows:
        raise NotFound(
            f"{trainee.full_name} chưa được ký xác nhận thủ tục nào: chưa có chứng nhận."
        )
    mentors = {
        u.id: u
        for u in session.exec(
            select(User).where(col(User.id).in_({r.mentor_id for r in rows}))
        ).all()
    }
    base = str(request.base_url).rstrip("/")
    items = []
    for r in rows:
        number = r.number or ""
        items.append(
            {
                "code": r.procedure_code,
                "name": _procedure_name(procedures, r.procedure_code),
                "mentor": mentors[r.mentor_id].full_name if r.mentor_id in mentors else "",
                "date": r.at.astimezone(tz).strftime("%d/%m/%Y"),
                "number": number,
                "verify": verify_path(number),
                "qr": qr_svg(
                    base + verify_path(number),
                    size_mm=18,
                    title=f"Mã QR xác minh chứng nhận số {number}",
                ),
            }
        )
    context = {
        "trainee": trainee,
        "unit": session.get(Unit, trainee.unit_id),
        "items": items,
        "issued": _vn_date(utcnow(), tz),
    }
    return render(request, "progress/certificate.html", context, user=user)


@router.get("/verify/{number}")
def verify(
    number: str,
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    procedures: RegistryDep,
    tz: TzDep,
) -> Response:
    """Public: the holder's name and unit, the procedure, the date signed, and whether it still
    holds. An unknown or mistyped number: a 404 page in Vietnamese."""
    found = service.verify(session, number[:64])
    context: dict[str, Any] = {"number": number[:64], "found": found}
    if found is not None:
        context |= {
            "procedure_name": _procedure_name(procedures, found.procedure_code),
            "signed_on": found.signed_at.astimezone(tz).strftime("%d/%m/%Y"),
            "revoked_on": found.revoked_at.astimezone(tz).strftime("%d/%m/%Y")
            if found.revoked_at
            else None,
        }
    return render(
        request,
        "signoffs/verify.html",
        context,
        user=user,
        status_code=200 if found else 404,
        headers={"X-Robots-Tag": "noindex", "Cache-Control": "no-store"},
    )
