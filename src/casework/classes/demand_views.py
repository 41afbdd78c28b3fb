"""The demand form of a department (per commune under it) and the priority lists.

Thin views over `classes.demand`. The demand form is one commune at a time: choosing the commune
(a GET form; htmx swaps the `officers` block) shows its officers to tick and the seats wanted.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from casework import inputs
from casework.accounts.models import Unit, UnitKind, User
from casework.classes import demand, ranking, service
from casework.classes.access import demand_root
from casework.classes.models import FIELDS, STATUS_LABELS, ClassStatus, TrainingClass
from casework.errors import Conflict, NotFound, ValidationFailed
from casework.ids import CountQuery, IdPath
from casework.paging import Page
from casework.reports import exports
from casework.units import search
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import RegistryDep, SessionDep
from casework.web.forms import form_texts
from casework.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

PRIORITY_PER_PAGE = 50


def _priority(
    session: Session, registry: RegistryDep, user: User, field: str | None, province: str | None
) -> tuple[demand.Priority, dict[str, str], list[Unit]]:
    root = demand_root(session, user)
    chosen = field if field in FIELDS else FIELDS[0]
    ministry = root.kind == UnitKind.ministry
    provinces = sorted(_departments(session, root), key=lambda u: u.name) if ministry else []
    prov = next((p for p in provinces if str(p.id) == province), None)
    prio = demand.field_priority(session, registry, actor=user, field=chosen, within=prov)
    form = {"field": chosen, "province": str(prov.id) if prov else ""}
    return prio, form, provinces


def _departments(session: Session, root: Unit) -> list[Unit]:
    return list(
        session.exec(
            select(Unit).where(
                col(Unit.path).startswith(root.path), Unit.kind == UnitKind.department
            )
        ).all()
    )


@router.get("/classes/priority")
def priority_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    field: Annotated[str | None, Query(max_length=64)] = None,
    province: Annotated[str | None, Query(max_length=12)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    prio, form, provinces = _priority(session, registry, user, field, province)
    total = len(prio.ranked)
    start = (page - 1) * PRIORITY_PER_PAGE
    paged = Page(prio.ranked[start : start + PRIORITY_PER_PAGE], total, page, PRIORITY_PER_PAGE)
    context = {
        "fields": FIELDS,
        "prio": prio,
        "page": paged,
        "form": form,
        "query": urlencode(form),
        "provinces": provinces,
        "rule": ranking.RULE,
        "untrained": sum(1 for r in prio.ranked if r.candidate.certified == 0),
    }
    blocks = ["priority"] if is_htmx(request) else None
    return render(request, "classes/priority.html", context, user=user, block_names=blocks)


@router.get("/classes/priority.{fmt}")
def export_priority(
    fmt: str,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    field: Annotated[str | None, Query(max_length=64)] = None,
    province: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise NotFound("Không có định dạng này (csv hoặc xlsx).")
    prio, form, _ = _priority(session, registry, user, field, province)
    headers = ["Thứ tự", "Mã đơn vị", "Xã, phường", "Người có chứng chỉ"]
    headers += ["Kiểm tra kế hoạch/đang làm", "Cơ sở được kiểm tra", "Số chỗ đăng ký", "Lý do"]
    table = exports.Table(
        f"Danh sách ưu tiên — {prio.field}", headers, notes=[f"{i}. {r}" for i, r in
        enumerate(ranking.RULE, start=1)],
    )  # fmt: skip
    for r in prio.ranked:
        c, u = r.candidate, prio.units[r.candidate.commune_id]
        table.rows.append([
            r.position, u.code, u.name, c.certified, c.inspections,
            c.establishments if c.establishments is not None else "chưa có số liệu",
            c.seats, r.reason,
        ])  # fmt: skip
    return exports.download(table, fmt, "danh-sach-uu-tien")


def _demand_page(
    request: Request,
    session: Session,
    user: User,
    klass: TrainingClass,
    commune_id: str | None,
    *,
    values: dict[str, Any] | None = None,
    officers: list[str] | None = None,
    error: ValidationFailed | Conflict | None = None,
    message: str | None = None,
) -> Response:
    root = demand_root(session, user)
    assert klass.id is not None
    rows = demand.demands_of(session, klass.id, root)
    mine = {d.commune_id: d for d in rows}
    # the commune is picked by code (the unit picker's, or typed) or by id (links, the form)
    commune, problem = search.pick(session, root, commune_id, kinds=[UnitKind.commune.value])
    wanted = {d.commune_id for d in rows}
    by_id = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(wanted))).all()}
    has_communes = session.exec(
        select(Unit.id).where(col(Unit.path).startswith(root.path), Unit.kind == UnitKind.commune)
    ).first()
    staff = demand.officers_of(session, [commune.id]) if commune and commune.id else {}
    current = mine.get(commune.id or 0) if commune else None
    if values is None:
        values = {
            "commune": str(commune.id) if commune else "",
            "seats": str(current.seats) if current else "",
            "note": current.note if current else "",
        }
    if officers is None:
        officers = [str(i) for i in current.officer_ids] if current else []
    context = {
        "k": klass,
        "statuses": STATUS_LABELS,
        "open": klass.status == ClassStatus.open,
        "has_communes": has_communes is not None,
        "units": by_id,
        "commune_value": commune.code if commune else (commune_id or "").strip(),
        "commune_error": problem,
        "rows": rows,
        "commune": commune,
        "staff": staff.get(commune.id or 0, []) if commune else [],
        "values": values,
        "officers": officers,
        "errors": error.fields if isinstance(error, ValidationFailed) else {},
        "message": error.message if error else message,
        "message_kind": "error" if error else "notice",
    }
    status = error.status if error else 422 if problem else 200
    blocks = ["officers"] if is_htmx(request) and error is None else None
    return render(
        request, "classes/demand.html", context, user=user, status_code=status, block_names=blocks
    )


@router.get("/classes/{class_id}/demand")
def demand_page(
    class_id: IdPath,
    request: Request,
    session: SessionDep,
    user: PageUser,
    commune: Annotated[str | None, Query(max_length=100)] = None,
    saved: CountQuery = None,
) -> Response:
    demand_root(session, user)
    klass = service.get_class(session, class_id)
    message = "Đã lưu nhu cầu." if saved else None
    return _demand_page(request, session, user, klass, commune, message=message)


@router.post("/classes/{class_id}/demand")
async def save_demand(
    class_id: IdPath, request: Request, session: SessionDep, user: PageUser
) -> Response:
    demand_root(session, user)
    form = await request.form()
    values = form_texts(form)
    officers = [v for v in form.getlist("officers") if isinstance(v, str)]
    try:
        inputs.screen(values)
        demand.save_demand(
            session, actor=user, class_id=class_id, values=values, officer_ids=officers
        )
    except (ValidationFailed, Conflict) as exc:
        session.rollback()
        klass = service.get_class(session, class_id)
        commune = str(values.get("commune") or "")
        return _demand_page(
            request, session, user, klass, commune, values=values, officers=officers, error=exc
        )
    return RedirectResponse(f"/classes/{class_id}/demand?saved=1", status_code=303)
