"""Staff pages: work queues, a new dossier with uploads, the dossier page and its actions.

Every page works as plain forms with post/redirect/get; htmx swaps the `dossier` block after an
action and the `queue` block when filtering. Errors keep what was typed and say why.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BeforeValidator
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from casework.accounts.models import Role, Unit, UnitKind, User
from casework.caching.service import row_by_id
from casework.clock import step_due
from casework.db import utcnow
from casework.dossiers import (
    attachments,
    clockwork,
    page,
    queries,
    queue_filters,
    queue_rows,
    service,
)
from casework.dossiers.catalog import procedure_of
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.fields import declared_fields
from casework.dossiers.fragments import ActionForms, StepLines, review_slots
from casework.dossiers.models import Attachment, Dossier, Event
from casework.dossiers.slips import DOSSIER_SLIPS
from casework.errors import ActionNotAllowed, Conflict, NotFound, PermissionDenied, ValidationFailed
from casework.ids import IdPath, IdQuery, parse_int
from casework.inspections.slips import INSPECTION_SLIPS, ONE_STOP_SLIPS, inspection_view
from casework.learning import levels as learning_levels
from casework.procedures import Procedure, ProcedureRegistry, TransitionDef, diagrams
from casework.procedures.schema import BUILTIN_FIELDS
from casework.reviews import service as reviews
from casework.web.auth import PageUser, in_one_trip, verify_csrf
from casework.web.deps import CalendarsDep, RegistryDep, SessionDep, TzDep, get_registry
from casework.web.forms import form_texts
from casework.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

PER_PAGE = 20
CHANNEL_LABELS = {"in_person": "Trực tiếp", "online": "Trực tuyến", "post": "Bưu chính công ích"}
MODE_LABELS = {"real": "Hồ sơ thật", "practice": "Làm thử"}


# ---- work queues --------------------------------------------------------------------------


def _blank_is_none(value: Any) -> Any:
    """An empty field of a GET form ("received_from=") is no filter, not a bad date."""
    return None if value == "" else value


#: A filter day from the queue's form: the browser sends its empty date fields as "".
FilterDay = Annotated[date | None, BeforeValidator(_blank_is_none)]


def _local_day_start(d: date | None, tz: ZoneInfo) -> datetime | None:
    return datetime.combine(d, time(0), tzinfo=tz) if d else None


@router.get("/dossiers")
async def queue_page(
    request: Request,
    session: SessionDep,
    calendars: CalendarsDep,
    tz: TzDep,
    queue: Annotated[
        str, Query(pattern="^(mine|unit|due_soon|overdue|waiting|finished)$")
    ] = "mine",
    procedure: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(max_length=64)] = None,
    mode: Annotated[str | None, Query(pattern="^(real|practice)?$")] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    received_from: FilterDay = None,
    received_to: FilterDay = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The work queue, in one trip to the thread pool (`in_one_trip`)."""

    def work(user: User) -> Response:
        return _queue_page(
            request, session, user, calendars, tz, get_registry(request), queue, procedure,
            state, mode, q, received_from, received_to, page,
        )  # fmt: skip

    return await in_one_trip(request, session, work)


def _queue_page(
    request: Request,
    session: Session,
    user: User,
    calendars: CalendarSource,
    tz: ZoneInfo,
    registry: ProcedureRegistry,
    queue: str,
    procedure: str | None,
    state: str | None,
    mode: str | None,
    q: str | None,
    received_from: date | None,
    received_to: date | None,
    page: int,
) -> Response:
    now = utcnow()
    # the user's unit from the process cache (`casework.caching`), held for the whole request:
    # the counts, the list and the filters find it in the session instead of reading it
    unit = row_by_id(session, Unit, user.unit_id) if user.unit_id is not None else None
    soon = step_due(now, 1, calendars.for_unit(session, user.unit_id), explain=False).due
    filters = queries.DossierFilter(
        queue=queue,
        procedure_code=procedure or None,
        state=state or None,
        mode=mode or None,
        q=q or None,
        received_from=_local_day_start(_sane(received_from), tz),
        received_to=_local_day_start(_day_after(_sane(received_to)), tz),
    )
    counts = queries.queue_counts(session, user=user, now=now, soon=soon)
    # the filters offer what the user works on: staff, the procedures of their unit's level;
    # auditors, admins and mentors (who read across levels), every procedure
    shown = everything = registry.all()
    if unit is not None and not user.has_role(Role.auditor, Role.admin, Role.mentor):
        level = service.LEVEL_FOR_UNIT[UnitKind(unit.kind)]
        shown = [p for p in shown if p.level == level]
    result = queries.list_dossiers(
        session, user=user, filters=filters, page=page, per_page=PER_PAGE, now=now, soon=soon,
        total=counts[queue] if filters.queue_only else None, rows=True,
    )  # fmt: skip
    context = {
        "queues": queries.QUEUE_LABELS,
        "queue": queue,
        "counts": counts,
        "rows": queue_rows.rows_html(
            request.app.state.templates.env,
            queue_rows.queue_rows(session, result.items, now=now, calendars=calendars),
        ),
        "page": result,
        "filters": filters,
        "form": {
            "procedure": procedure or "",
            "state": state or "",
            "mode": mode or "",
            "q": q or "",
            "received_from": received_from.isoformat() if received_from else "",
            "received_to": received_to.isoformat() if received_to else "",
        },
        "procedure_options": queue_filters.options(
            queue_filters.procedure_choices(shown), procedure or ""
        ),
        "state_options": queue_filters.options(
            queue_filters.step_choices(shown, procedure), state or ""
        ),
    }
    context["can_open"], context["can_inspect"] = queue_filters.can_open(everything, unit, user)
    blocks = ["queue"] if is_htmx(request) else None
    return render(request, "dossiers/queue.html", context, user=user, block_names=blocks)


# ---- a new dossier --------------------------------------------------------------------------


def _new_context(
    session: Session,
    user: User,
    registry: Any,
    values: dict[str, str],
    tz: ZoneInfo,
    errors: dict[str, str] | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    # an inspection opens from the plan or ad hoc (/inspections/new), never from this form
    unit = session.get(Unit, user.unit_id)
    openable = queue_filters.openable(registry.all(), unit, user)
    choices = [p for p in openable if p.kind != "inspection"]
    chosen = next((p for p in choices if p.code == values.get("procedure")), None)
    return {
        "choices": choices,
        "chosen": chosen,
        "values": values,
        "errors": errors or {},
        "message": message,
        "channels": CHANNEL_LABELS,
        "now_local": utcnow().astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
        "max_mb": attachments.MAX_BYTES // (1024 * 1024),
        "allowed_label": attachments.ALLOWED_LABEL,
    }


@router.get("/dossiers/new")
def new_dossier_form(
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    tz: TzDep,
    procedure: Annotated[str | None, Query(max_length=64)] = None,
    mode: Annotated[str, Query(pattern="^(real|practice)$")] = "real",
) -> Response:
    values = {"procedure": procedure or "", "mode": mode, "channel": "in_person", "kind": "person"}
    context = _new_context(session, user, registry, values, tz)
    blocks = ["documents"] if is_htmx(request) else None
    return render(request, "dossiers/new.html", context, user=user, block_names=blocks)


async def _uploads(form: FormData, procedure: Procedure) -> list[attachments.Upload]:
    uploads = []
    for doc in procedure.documents:
        for item in form.getlist(f"doc_{doc.key}"):
            if isinstance(item, UploadFile) and item.filename:
                data = await item.read(attachments.MAX_BYTES + 1)
                uploads.append(attachments.Upload(doc.key, item.filename, data))
    return uploads


@router.post("/dossiers")
async def create_dossier(
    request: Request,
    session: SessionDep,
    user: PageUser,
    registry: RegistryDep,
    tz: TzDep,
    calendars: CalendarsDep,
) -> Response:
    form = await request.form()
    values = form_texts(form)
    errors: dict[str, str] = {}
    code = values.get("procedure", "")
    procedure = registry.get(code) if code in registry else None
    if procedure is not None:
        # a procedure the form never offers this user (another level, or not their role): a
        # refused access (logged 403, DESIGN §6), not a form error
        unit = session.get(Unit, user.unit_id)
        assert unit is not None
        refusal = service.opening_refusal(unit, user, procedure)
        if refusal is not None:
            raise PermissionDenied(f"Bạn không mở được hồ sơ thủ tục {code}: {refusal}")
    if procedure is None:
        errors["procedure"] = "Chọn thủ tục."
    elif (refused := service.applicant_form_refusal(procedure)) is not None:
        ctx = _new_context(session, user, registry, values, tz, refused.fields, refused.message)
        return render(request, "dossiers/new.html", ctx, user=user, status_code=422)
    received_at = None
    if values.get("received_at"):
        try:
            received_at = datetime.fromisoformat(values["received_at"]).replace(tzinfo=tz)
        except ValueError:
            errors["received_at"] = "Thời điểm nhận chưa đúng dạng ngày giờ."
    if errors or procedure is None:
        ctx = _new_context(session, user, registry, values, tz, errors, "Chưa mở được hồ sơ.")
        return render(request, "dossiers/new.html", ctx, user=user, status_code=422)
    try:
        dossier = service.open_dossier(
            session,
            actor=user,
            procedure=procedure,
            applicant=service.Applicant(
                name=values.get("applicant_name", ""),
                kind=values.get("kind", "person"),
                id_number=values.get("applicant_id_number", ""),
                address=values.get("applicant_address", ""),
                phone=values.get("applicant_phone", ""),
                email=values.get("applicant_email", ""),
            ),
            mode=values.get("mode", "real"),
            channel=values.get("channel", "in_person"),
            received_at=received_at,
            tz=tz,
            calendars=calendars,
            uploads=await _uploads(form, procedure),
            upload_dir=request.app.state.settings.upload_dir,
        )
    except ValidationFailed as exc:
        message = exc.message
        if any(isinstance(v, UploadFile) and v.filename for _, v in form.multi_items()):
            message += " Hãy chọn lại các tệp đính kèm (trình duyệt không giữ tệp sau khi gửi)."
        ctx = _new_context(session, user, registry, values, tz, exc.fields, message)
        return render(request, "dossiers/new.html", ctx, user=user, status_code=422)
    return RedirectResponse(f"/dossiers/{dossier.code}?opened=1", status_code=303)


# ---- the dossier page -----------------------------------------------------------------------


def _field_inputs(procedure: Procedure, t: TransitionDef) -> list[dict[str, Any]]:
    inputs = []
    for key in declared_fields(procedure, t):
        spec = procedure.field_spec(key)
        inputs.append(
            {
                "key": key,
                "label": spec.label,
                "type": spec.type,
                "choices": list(spec.choices or []),
                "required": key in t.requires,
            }
        )
    return inputs


def dossier_context(
    session: Session,
    user: User,
    dossier: Dossier,
    calendars: CalendarSource,
    tz: ZoneInfo,
    *,
    after: int | None = None,
    errors: dict[str, str] | None = None,
    failed_action: str | None = None,
    values: dict[str, Any] | None = None,
    message: str | None = None,
    message_kind: str = "notice",
    loaded: page.Loaded | None = None,
    timeline: int | None = None,
    steps: int | None = None,
) -> dict[str, Any]:
    """The dossier page's context. `loaded`: the page's own read of the dossier (`page.load`),
    made here when the caller only has the row. `timeline`, `steps`: how many of the latest
    timeline items and Mẫu 06 rows to show (a batch of 20 at first)."""
    if loaded is None:
        loaded = page.load(session, user=user, code=dossier.code)
    dossier, version, procedure = loaded.dossier, loaded.version, loaded.procedure
    now = utcnow()
    cal = calendars.for_unit(session, dossier.handling_unit_id)
    # a practice run's review reads the whole run; a replay shows everything up to its event
    whole = dossier.mode == "practice" or after is not None
    shown = page.MAX_SHOWN if after is not None else page.shown_count(timeline)
    read = page.window(session, dossier, None if whole else shown)
    events = read.events
    units = loaded.units
    allowed = (
        service.allowed_actions(session, actor=user, dossier=dossier, procedure=procedure)
        if after is None
        else []
    )
    inspection = inspection_view(session, dossier, procedure)
    if inspection is not None:  # no applicant: no apology and extension letter (Mẫu 04) to one
        allowed = [t for t in allowed if t.slip not in ONE_STOP_SLIPS]
    snapshot = queries.replay(session, dossier, after) if after is not None else None
    shown_state = snapshot["state"] if snapshot else dossier.state
    rows = page.clock_rows(session, dossier)
    clock = clockwork.clock_view(
        session, dossier=dossier, procedure=procedure, cal=cal, now=now, pauses=rows.pauses,
        steps=rows.steps, fixed_steps=rows.fixed_views(version, procedure),
    )  # fmt: skip
    printable = (
        (set(DOSSIER_SLIPS) - ONE_STOP_SLIPS) | set(INSPECTION_SLIPS)
        if procedure.kind == "inspection"
        else set(DOSSIER_SLIPS)
    )
    actions = [(t, _field_inputs(procedure, t)) for t in allowed]
    review = reviews.review_view(session, user, dossier, procedure, events)
    return {
        "d": dossier,
        "version": version,
        "p": procedure,
        "state": procedure.states[shown_state],
        "state_id": shown_state,
        "clock": clock,
        "timeline": page.items_from(events, loaded.items, shown),
        "mau06": page.paged(clock.steps, page.shown_count(steps)),
        "only_batch": False,
        "event_html": page.EventLines(
            dossier, procedure, version, read.names, tz, printable, session, events
        ),
        "tz": tz,
        "printable_slips": printable,
        "inspection": inspection,
        "diagram": diagrams.dot_available(),
        "can_reset": dossier.mode == "practice"
        and not dossier.data.get("replaced_by")
        and user.unit_id in (dossier.handling_unit_id, dossier.receiving_unit_id)
        and service.opening_refusal(units[user.unit_id], user, procedure) is None,
        "names": read.names,
        "units": units,
        "actions": actions,
        "action_forms": ActionForms(
            dossier.code,
            dossier.version,
            actions,
            procedure,
            version.content_hash,
            shown_state,
            inspection is not None,
            printable,
            failed_action,
            errors or {},
            values or {},
        ),
        "step_html": StepLines(),
        "attachments": page.attachments(events),
        "snapshot": snapshot,
        "after": after,
        "errors": errors or {},
        "failed_action": failed_action,
        "values": values or {},
        "message": message,
        "message_kind": message_kind,
        "channels": CHANNEL_LABELS,
        "modes": MODE_LABELS,
        "can_upload": bool(allowed) and procedure.documents,
        "max_mb": attachments.MAX_BYTES // (1024 * 1024),
        "allowed_label": attachments.ALLOWED_LABEL,
        # mentor review: comments and scores under their event, the verdict, the mentor's forms
        "review": review,
        # whether any timeline item has a review slot to draw (else the macro is not called)
        "review_slots": review_slots(review),
    }


#: how many of the latest rows to show: `?timeline=40` (timeline items), `?steps=40` (Mẫu 06)
ShownQuery = Annotated[int | None, Query(ge=1, le=page.MAX_SHOWN)]


@router.get("/dossiers/{code}")
async def dossier_page(
    code: str,
    request: Request,
    session: SessionDep,
    calendars: CalendarsDep,
    tz: TzDep,
    after: IdQuery = None,
    opened: bool = False,
    decided: bool = False,
    timeline: ShownQuery = None,
    steps: ShownQuery = None,
) -> Response:
    """The dossier page; with htmx and `timeline` (or `steps`), only the older batch that the
    «Xem thêm» link swaps in. In one trip to the thread pool (`in_one_trip`)."""

    def work(user: User) -> Response:
        return _dossier_page(
            code, request, session, user, calendars, tz, after, opened, decided, timeline, steps
        )

    return await in_one_trip(request, session, work)


def _dossier_page(
    code: str,
    request: Request,
    session: Session,
    user: User,
    calendars: CalendarSource,
    tz: ZoneInfo,
    after: int | None,
    opened: bool,
    decided: bool,
    timeline: int | None,
    steps: int | None,
) -> Response:
    loaded = page.load(session, user=user, code=code)
    dossier = loaded.dossier
    message = (
        "Đã mở hồ sơ. Kiểm tra thành phần hồ sơ; đủ thì bấm «Tiếp nhận hồ sơ» rồi in Giấy tiếp "
        "nhận và hẹn trả kết quả (Mẫu 01) cho người nộp."
        if opened
        else None
    )
    if (opened or decided) and loaded.procedure.kind == "inspection":
        message = (
            "Đã ký quyết định kiểm tra; đoàn kiểm tra đã được ghi. In quyết định trong nhật ký."
            if decided
            else "Đã mở cuộc kiểm tra. Lãnh đạo UBND bấm «Ký quyết định kiểm tra» để ghi đoàn "
            "kiểm tra, thời gian và địa điểm."
        )
    ctx = dossier_context(
        session, user, dossier, calendars, tz, after=after, message=message, loaded=loaded,
        timeline=timeline, steps=steps,
    )  # fmt: skip
    blocks = None
    if is_htmx(request) and (timeline or steps):
        blocks = ["timeline_items"] if timeline else ["steps_rows"]
        ctx["only_batch"] = True
    return render(request, "dossiers/detail.html", ctx, user=user, block_names=blocks)


def _sane(day: date | None) -> date | None:
    """A filter date within 2000–2100 (year 1 or 9999 would overflow the instant arithmetic)."""
    return min(max(day, date(2000, 1, 1)), date(2100, 12, 31)) if day else None


def _day_after(day: date | None) -> date | None:
    return day + timedelta(days=1) if day else None


def _action_data(form: FormData, procedure: Procedure, t: TransitionDef) -> dict[str, Any]:
    """The action's fields from the form: those it declares, and any other field of the
    procedure that was sent (refused by `clean_action_data`, as the API refuses it)."""
    data: dict[str, Any] = {}
    known = {*procedure.fields, *BUILTIN_FIELDS}
    declared = {f["key"]: f["type"] for f in _field_inputs(procedure, t)}
    for key in dict.fromkeys([*declared, *(k for k in form if k in known)]):
        if declared.get(key) == "documents":
            data[key] = [v for v in form.getlist(key) if isinstance(v, str)]
        else:
            value = form.get(key)
            if isinstance(value, str):
                data[key] = value
    return data


@router.post("/dossiers/{code}/actions/{action}")
async def fire_action(
    code: str,
    action: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    calendars: CalendarsDep,
    tz: TzDep,
) -> Response:
    dossier = queries.get_dossier(session, user=user, code=code)
    _, procedure = procedure_of(session, dossier)
    form = await request.form()
    transition = procedure.transition(dossier.state, action)
    data = _action_data(form, procedure, transition) if transition else {}
    raw_version = form.get("expected_version")
    expected = parse_int(raw_version)
    try:
        service.fire_action(
            session,
            actor=user,
            code=code,
            action=action,
            data=data,
            expected_version=expected,
            tz=tz,
            calendars=calendars,
        )
        learning_levels.after_action(session, code, learning_levels.catalog_of(request.app.state))
    except ValidationFailed as exc:
        session.rollback()
        fresh = queries.get_dossier(session, user=user, code=code)
        ctx = dossier_context(
            session, user, fresh, calendars, tz, errors=exc.fields, failed_action=action,
            values=data, message=exc.message, message_kind="error",
        )  # fmt: skip
        return _respond(request, ctx, user, 422)
    except (Conflict, ActionNotAllowed) as exc:
        session.rollback()
        session.expire_all()
        fresh = queries.get_dossier(session, user=user, code=code)
        ctx = dossier_context(
            session, user, fresh, calendars, tz, message=exc.message, message_kind="error"
        )
        return _respond(request, ctx, user, 409)
    if not is_htmx(request):
        return RedirectResponse(f"/dossiers/{code}", status_code=303)
    session.expire_all()
    fresh = queries.get_dossier(session, user=user, code=code)
    label = transition.label if transition else action
    ctx = dossier_context(session, user, fresh, calendars, tz, message=f"Đã thực hiện: {label}.")
    return _respond(request, ctx, user, 200)


def _respond(request: Request, ctx: dict[str, Any], user: User, status: int) -> Response:
    blocks = ["dossier"] if is_htmx(request) else None
    return render(
        request, "dossiers/detail.html", ctx, user=user, status_code=status, block_names=blocks
    )


@router.post("/dossiers/{code}/attachments")
async def add_attachments(
    code: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    calendars: CalendarsDep,
    tz: TzDep,
) -> Response:
    dossier = queries.get_dossier(session, user=user, code=code)
    _, procedure = procedure_of(session, dossier)
    uploads = await _uploads(await request.form(), procedure)
    try:
        service.add_attachments(
            session,
            actor=user,
            code=code,
            uploads=uploads,
            upload_dir=request.app.state.settings.upload_dir,
        )
    except ValidationFailed as exc:
        session.rollback()
        ctx = dossier_context(
            session, user, dossier, calendars, tz, errors=exc.fields,
            message=exc.message, message_kind="error",
        )  # fmt: skip
        return _respond(request, ctx, user, 422)
    return RedirectResponse(f"/dossiers/{code}#attachments", status_code=303)


@router.get("/dossiers/{code}/attachments/{attachment_id}")
def download_attachment(
    code: str, attachment_id: IdPath, request: Request, session: SessionDep, user: PageUser
) -> Response:
    dossier = queries.get_dossier(session, user=user, code=code)
    row = session.get(Attachment, attachment_id)
    if row is None or row.dossier_id != dossier.id:
        raise NotFound("Không tìm thấy tệp đính kèm.")
    path = request.app.state.settings.upload_dir / row.storage_key
    if not path.is_file():
        raise NotFound("Tệp đính kèm không còn trên máy chủ; hãy báo quản trị.")
    return FileResponse(
        path,
        media_type=row.content_type,
        filename=row.filename,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )


def event_label(ev: Event) -> str:
    labels = {
        "opened": "Mở hồ sơ",
        "attachment": "Đính kèm tệp",
        "clock": "Tính lại thời hạn",
        "comment": "Góp ý",
        "score": "Chấm điểm",
        "review": "Nhận xét của cán bộ hướng dẫn",
        "audit": "Kiểm tra toàn vẹn",
    }
    return str(ev.payload.get("label") or labels.get(ev.kind, ev.kind))
