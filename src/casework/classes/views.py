"""Class pages: the list (filters, paging, CSV/XLSX), opening a class, the class page with its
fill list, attendance and completion.

Thin views: parse, call one function of `classes.service`, pick a template. A refused form is
shown again with what was typed and why (422; 409 for a stale page, naming who changed the
class). The demand form and the priority list are in `classes.demand_views`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from casework import inputs
from casework.accounts.models import Unit, User
from casework.classes import demand, demand_views, ranking, service
from casework.classes.access import (
    demand_root,
    is_ministry_admin,
    require_ministry_admin,
    sees_unit,
)
from casework.classes.models import (
    FIELDS,
    MODE_LABELS,
    STATUS_LABELS,
    ClassSeat,
    ClassStatus,
    TrainingClass,
)
from casework.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from casework.ids import IdPath, IdQuery, parse_id, parse_int
from casework.procedures import ProcedureRegistry
from casework.reports import exports
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import RegistryDep, SessionDep
from casework.web.forms import form_texts
from casework.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

LABELS = {"fields": FIELDS, "modes": MODE_LABELS, "statuses": STATUS_LABELS}


def _filters(field: str | None, status: str | None, year: str | None) -> service.ClassFilter:
    return service.ClassFilter(
        field=field if field in FIELDS else None,
        status=status if status in STATUS_LABELS else None,
        year=parse_int(year, 2000, 2100),
    )


def _can_demand(session: Session, user: User) -> bool:
    try:
        demand_root(session, user)
    except PermissionDenied:
        return False
    return True


@router.get("/classes")
def classes_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    field: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    year: Annotated[str | None, Query(max_length=4)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    opened: IdQuery = None,
) -> Response:
    filters = _filters(field, status, year)
    found = service.list_classes(session, filters, page=page)
    form = {"field": filters.field or "", "status": filters.status or "", "year": year or ""}
    context = {
        **LABELS,
        "page": found,
        "form": form,
        "query": urlencode(form),
        "ministry": is_ministry_admin(session, user),
        "can_demand": _can_demand(session, user),
        "years": range(date.today().year + 1, date.today().year - 4, -1),
        "message": "Đã mở lớp." if opened else None,
    }
    blocks = ["classes"] if is_htmx(request) else None
    return render(request, "classes/list.html", context, user=user, block_names=blocks)


@router.get("/classes/export.{fmt}")
def export_classes(
    fmt: str,
    session: SessionDep,
    user: PageUser,
    field: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    year: Annotated[str | None, Query(max_length=4)] = None,
) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise NotFound("Không có định dạng này (csv hoặc xlsx).")
    found = service.list_classes(session, _filters(field, status, year), per_page=10_000)
    headers = ["Số", "Tên lớp", "Lĩnh vực", "Hình thức", "Địa điểm", "Từ ngày", "Đến ngày"]
    headers += ["Số chỗ", "Trạng thái"]
    table = exports.Table("Lớp tập huấn cấp chứng chỉ", headers)
    for k in found.items:
        table.rows.append([
            k.id, k.title, k.field, MODE_LABELS.get(k.mode, k.mode), k.place, k.start_date,
            k.end_date, k.capacity, STATUS_LABELS.get(ClassStatus(k.status), k.status),
        ])  # fmt: skip
    return exports.download(table, fmt, "lop-tap-huan")


def _new_form(
    request: Request, user: User, values: dict[str, Any], exc: ValidationFailed | None = None
) -> Response:
    context = {
        **LABELS,
        "values": values,
        "errors": exc.fields if exc else {},
        "message": exc.message if exc else None,
    }
    status = 422 if exc else 200
    return render(request, "classes/new.html", context, user=user, status_code=status)


@router.get("/classes/new")
def new_class(request: Request, session: SessionDep, user: PageUser) -> Response:
    require_ministry_admin(session, user)
    values = {"title": "", "field": FIELDS[0], "mode": "in_person", "place": "", "capacity": "40"}
    values |= {"start_date": "", "end_date": "", "note": ""}
    return _new_form(request, user, values)


@router.post("/classes")
async def create_class(request: Request, session: SessionDep, user: PageUser) -> Response:
    require_ministry_admin(session, user)
    values = form_texts(await request.form())
    try:
        inputs.screen(values)
        klass = service.open_class(session, actor=user, values=values)
    except ValidationFailed as exc:
        session.rollback()
        return _new_form(request, user, values, exc)
    return RedirectResponse(f"/classes/{klass.id}?done=opened", status_code=303)


# the demand form and the priority lists: before /classes/{class_id}, which would take them
router.include_router(demand_views.router)


DONE = {
    "opened": "Đã mở lớp. Các Sở có thể đăng ký nhu cầu cho xã, phường.",
    "filled": "Đã xếp chỗ. Lớp đã đóng đăng ký.",
    "attendance": "Đã lưu điểm danh.",
    "completed": "Đã hoàn thành lớp và cấp chứng chỉ cho những người có mặt.",
    "cancelled": "Đã hủy lớp.",
    "named": "Đã ghi tên vào chỗ.",
}


def _visible_seats(session: Session, user: User, seats: list[ClassSeat]) -> list[ClassSeat]:
    if is_ministry_admin(session, user):
        return seats
    paths = _units(session, {s.commune_id for s in seats})
    return [
        s
        for s in seats
        if s.user_id == user.id
        or (s.commune_id in paths and sees_unit(session, user, paths[s.commune_id].path))
    ]


def _units(session: Session, ids: set[int]) -> dict[int, Unit]:
    rows = session.exec(select(Unit).where(col(Unit.id).in_(list(ids)))).all() if ids else []
    return {u.id: u for u in rows if u.id is not None}


def _class_page(
    request: Request,
    session: Session,
    registry: ProcedureRegistry,
    user: User,
    klass: TrainingClass,
    *,
    message: str | None = None,
    error: CaseworkErrorLike | None = None,
    chosen: list[int] | None = None,
    marks: dict[int, str] | None = None,
) -> Response:
    assert klass.id is not None
    ministry = is_ministry_admin(session, user)
    all_seats = service.seats_of(session, klass.id)
    seats = _visible_seats(session, user, all_seats)
    demands = demand.demands_of(session, klass.id)
    priority = None
    if ministry and klass.status == ClassStatus.open:
        priority = demand.class_priority(session, registry, actor=user, klass=klass)
        if chosen is None:
            suggested = ranking.suggest(priority.ranked, klass.capacity)
            chosen = [r.candidate.demand_id or 0 for r in suggested]
    users = {
        u.id: u
        for u in session.exec(
            select(User).where(col(User.id).in_([s.user_id for s in seats if s.user_id]))
        )
    }
    nameable: list[ClassSeat] = []
    if klass.status in (ClassStatus.full, ClassStatus.held) and _can_demand(session, user):
        root = demand_root(session, user)
        where = _units(session, {s.commune_id for s in all_seats if s.user_id is None})
        nameable = [
            s for s in all_seats
            if s.user_id is None and s.commune_id in where
            and where[s.commune_id].path.startswith(root.path)
        ]  # fmt: skip
    context = {
        **LABELS,
        "k": klass,
        "nameable": nameable,
        "officers": demand.officers_of(session, list({s.commune_id for s in nameable})),
        "seat_units": _units(session, {s.commune_id for s in nameable}),
        "ministry": ministry,
        "can_demand": _can_demand(session, user) and klass.status == ClassStatus.open,
        "seats": seats,
        "seat_total": len(all_seats),
        "present_total": sum(1 for s in all_seats if s.attendance == "present"),
        "demand_total": sum(d.seats for d in demands),
        "demand_communes": len(demands),
        "priority": priority,
        "rule": ranking.RULE,
        "suggest_rule": ranking.SUGGEST_RULE,
        "chosen": chosen or [],
        "marks": marks or {s.id or 0: s.attendance or "" for s in seats},
        "users": users,
        "units": _units(session, {s.commune_id for s in seats}),
        "message": error.message if error else message,
        "message_kind": "error" if error else "notice",
        "errors": error.fields if isinstance(error, ValidationFailed) else {},
    }
    status = error.status if error else 200
    return render(request, "classes/detail.html", context, user=user, status_code=status)


CaseworkErrorLike = ValidationFailed | Conflict


@router.get("/classes/{class_id}")
def class_page(
    class_id: IdPath,
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    done: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    klass = service.get_class(session, class_id)
    return _class_page(request, session, registry, user, klass, message=DONE.get(done or ""))


@router.post("/classes/{class_id}/seats/{seat_id}")
async def name_seat(
    class_id: IdPath,
    seat_id: IdPath,
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
) -> Response:
    demand_root(session, user)  # a refusal before anything is read
    values = form_texts(await request.form())
    try:
        inputs.screen(values)
        demand.name_seat(session, actor=user, class_id=class_id, seat_id=seat_id, values=values)
    except (ValidationFailed, Conflict) as exc:
        session.rollback()
        klass = service.get_class(session, class_id)
        return _class_page(request, session, registry, user, klass, error=exc)
    return RedirectResponse(f"/classes/{class_id}?done=named", status_code=303)


async def _act(
    request: Request, session: Session, registry: ProcedureRegistry, user: User, class_id: int,
    what: str,
) -> Response:  # fmt: skip
    require_ministry_admin(session, user)
    form = await request.form()
    values = form_texts(form)
    version = values.get("version", "")
    chosen = [i for v in form.getlist("demand") if (i := parse_id(v)) is not None]
    marks = {
        i: str(v) for k, v in values.items() if k.startswith("seat-") and (i := parse_id(k[5:]))
    }
    try:
        inputs.screen(values)
        if what == "fill":
            klass = service.get_class(session, class_id)
            prio = demand.class_priority(session, registry, actor=user, klass=klass)
            ranks = {r.candidate.demand_id or 0: r.position for r in prio.ranked}
            service.fill(
                session, actor=user, class_id=class_id, demand_ids=chosen, version=version,
                ranks=ranks,
            )  # fmt: skip
        elif what == "attendance":
            service.record_attendance(
                session, actor=user, class_id=class_id, marks=marks, version=version
            )
        elif what == "completed":
            service.complete(session, actor=user, class_id=class_id, version=version)
        else:
            service.cancel(session, actor=user, class_id=class_id, version=version)
    except (ValidationFailed, Conflict) as exc:
        session.rollback()
        klass = service.get_class(session, class_id)
        return _class_page(
            request, session, registry, user, klass, error=exc, chosen=chosen,
            marks=marks or None,
        )  # fmt: skip
    done = "filled" if what == "fill" else what
    return RedirectResponse(f"/classes/{class_id}?done={done}", status_code=303)


@router.post("/classes/{class_id}/fill")
async def fill_class(
    class_id: IdPath, request: Request, session: SessionDep, user: PageUser, registry: RegistryDep
) -> Response:
    return await _act(request, session, registry, user, class_id, "fill")


@router.post("/classes/{class_id}/attendance")
async def attendance(
    class_id: IdPath, request: Request, session: SessionDep, user: PageUser, registry: RegistryDep
) -> Response:
    return await _act(request, session, registry, user, class_id, "attendance")


@router.post("/classes/{class_id}/complete")
async def complete_class(
    class_id: IdPath, request: Request, session: SessionDep, user: PageUser, registry: RegistryDep
) -> Response:
    return await _act(request, session, registry, user, class_id, "completed")


@router.post("/classes/{class_id}/cancel")
async def cancel_class(
    class_id: IdPath, request: Request, session: SessionDep, user: PageUser, registry: RegistryDep
) -> Response:
    return await _act(request, session, registry, user, class_id, "cancelled")
