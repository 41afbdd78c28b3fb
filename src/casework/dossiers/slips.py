"""The official slips (Mẫu 01–07 of Circular 03/2025/TT-VPCP): the fields each one carries.

Two halves:

- `load_facts` (and `load_book` for the tracking book) read, in a few queries, everything a slip
  needs: the dossier, its stored procedure version, units, events, step rows, attachments, the
  names of the officers involved, and the clock as it stands;
- the builders (`receipt`, `supplement_request`, `refusal`, `apology_extension`, `stop_notice`,
  `control`, `book`) are pure functions of those facts. They return plain dataclasses whose text
  is already in Vietnamese and already formatted (dates dd/mm/yyyy, 24-hour times, local time),
  so the templates only lay them out and the tests read the same strings a citizen reads.

A slip that needs an event (every one but the control slip) raises `NotFound` when the dossier
has no such event, e.g. a refusal slip for a dossier that was never refused. Which event: the
latest action whose transition carries that `slip` kind in the procedure file. See docs/slips.md.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlmodel import Session, col, select

from casework import cells
from casework.accounts.models import Unit, User
from casework.clock import WorkCalendar
from casework.dossiers.clockwork import ClockView, clock_view
from casework.dossiers.models import (
    Attachment,
    Dossier,
    Event,
    EventKind,
    Mode,
    ProcedureVersion,
    StepRecord,
)
from casework.errors import NotFound
from casework.numbers import LEGAL_MONEY_UNIT, fmt_money, fmt_number
from casework.procedures import Procedure

#: Slip kinds of one dossier, in form order, with their form number and title.
DOSSIER_SLIPS: dict[str, tuple[str, str]] = {
    "receipt": ("01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
    "supplement_request": ("02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "refusal": ("03", "Phiếu từ chối tiếp nhận giải quyết hồ sơ"),
    "apology_extension": ("04", "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết"),
    "stop_notice": ("05", "Thông báo dừng giải quyết hồ sơ"),
    "control": ("06", "Phiếu kiểm soát quá trình giải quyết hồ sơ"),
}
BOOK_FORM = ("07", "Sổ theo dõi hồ sơ")
CIRCULAR = "Thông tư 03/2025/TT-VPCP"
#: Number suffixes ("Số: …/TN") of each slip.
NUMBER_SUFFIX = {
    "receipt": "TN",
    "supplement_request": "YCBS",
    "refusal": "TC",
    "apology_extension": "XL",
    "stop_notice": "DGQ",
    "control": "KS",
}
NO_EVENT = {
    "receipt": "chưa được tiếp nhận (chưa có Giấy tiếp nhận và hẹn trả kết quả)",
    "supplement_request": "chưa có yêu cầu bổ sung, hoàn thiện hồ sơ",
    "refusal": "không bị từ chối tiếp nhận",
    "apology_extension": "chưa có văn bản xin lỗi và đề nghị gia hạn",
    "stop_notice": "không bị dừng giải quyết",
}
LIMIT_UNITS = {"working_days": "ngày làm việc", "days": "ngày", "hours": "giờ làm việc"}
#: Step results on the control slip, in the words of the form.
STEP_RESULTS = {
    "early": "Trước hạn",
    "on_time": "Đúng hạn",
    "late": "Quá hạn",
    "on_track": "Đang xử lý, trong hạn",
    "due_soon": "Đang xử lý, sắp đến hạn",
    "overdue": "Đang xử lý, quá hạn",
}
CHANNELS = {
    "in_person": "Trực tiếp",
    "online": "Trực tuyến",
    "post": "Dịch vụ bưu chính công ích",
}
FEE_FIRST_APPOINTMENT = "tính từ khi nhận đủ hồ sơ hợp lệ và phí, lệ phí"
PRACTICE_MARK = "LÀM THỬ"
MAX_BOOK_DAYS = 366

# ---- formatting (Asia/Ho_Chi_Minh by default; every function takes the zone) ------------------


def fmt_date(value: datetime | None, tz: ZoneInfo) -> str:
    """'13/02/2026'."""
    return value.astimezone(tz).strftime("%d/%m/%Y") if value else ""


def fmt_time(value: datetime | None, tz: ZoneInfo) -> str:
    """'16:20' (24 hours)."""
    return value.astimezone(tz).strftime("%H:%M") if value else ""


def fmt_datetime(value: datetime | None, tz: ZoneInfo) -> str:
    """'16:20 ngày 13/02/2026'."""
    return f"{fmt_time(value, tz)} ngày {fmt_date(value, tz)}" if value else ""


def fmt_short(value: datetime | None, tz: ZoneInfo) -> str:
    """'16:20 13/02/2026', for the cells of a table."""
    return f"{fmt_time(value, tz)} {fmt_date(value, tz)}" if value else ""


def fmt_book(value: datetime | None, tz: ZoneInfo) -> str:
    """'13/02/2026 16:20': date first, as the book's date columns read."""
    return f"{fmt_date(value, tz)} {fmt_time(value, tz)}" if value else ""


def fmt_words(value: datetime | None, tz: ZoneInfo) -> str:
    """'16 giờ 20 phút, ngày 13/02/2026', as the forms write an instant."""
    if value is None:
        return ""
    local = value.astimezone(tz)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def fmt_place_date(place: str | None, value: datetime, tz: ZoneInfo) -> str:
    """'Hà Nội, ngày 13 tháng 02 năm 2026' (dots where the unit has no place recorded)."""
    local = value.astimezone(tz)
    return f"{place or '…………'}, ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def fmt_vnd(amount: int) -> str:
    """Money in the official forms' legal text: '4.000.000 đồng'."""
    return fmt_money(amount, LEGAL_MONEY_UNIT)


def legal_time(procedure: Procedure) -> str:
    """'05 ngày làm việc'-style text of the procedure's limit: '5 ngày làm việc'; a two-part
    limit says both parts ('5 ngày làm việc (…), rồi 15 ngày (…) kể từ ngày kết thúc …')."""
    if procedure.limit.first is not None:
        return procedure.limit.text
    return f"{fmt_number(procedure.limit.value)} {LIMIT_UNITS[procedure.limit.unit]}"


def fee_text(procedure: Procedure) -> str:
    fee = procedure.fee
    if fee is None:
        return "Không"
    if fee.amount_vnd == 0:
        return fee.note or "Không thu phí"
    if fee.amount_vnd is None:
        return fee.note or "Theo quy định"
    text = fmt_vnd(fee.amount_vnd)
    return f"{text} ({fee.note})" if fee.note else text


#: Mẫu 01's fee line when the procedure's amount is not known: the fee note is for officers (what
#: was read, what is unconfirmed, what to do) and never goes to the applicant.
RECEIPT_FEE_UNKNOWN = "Theo quy định hiện hành; cán bộ tiếp nhận thông báo số tiền phải nộp"


def receipt_fee_text(procedure: Procedure) -> str:
    """The fee as the applicant's receipt states it."""
    fee = procedure.fee
    if fee is not None and fee.amount_vnd is None:
        return RECEIPT_FEE_UNKNOWN
    return fee_text(procedure)


def qr_svg(text: str, *, size_mm: float = 19, title: str | None = None) -> Markup:
    """An inline SVG QR code of `text` (error correction M), about `size_mm` wide; its title
    (what a screen reader says) is "Mã QR hồ sơ <text>" unless given."""
    import segno  # loaded by a worker when it first prints a slip (~11 MB, issue 19)

    qr = segno.make(text, error="m", micro=False)
    modules, _ = qr.symbol_size(scale=1, border=2)
    out = io.BytesIO()
    qr.save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,  # explicit namespace: the same markup works in browsers and WeasyPrint
        scale=size_mm / modules,
        border=2,
        unit="mm",
        svgclass="qr",
        lineclass=None,
        title=title or f"Mã QR hồ sơ {text}",
    )
    svg = out.getvalue().decode("utf-8")
    return Markup(svg)  # noqa: S704 - generated by segno from the escaped code only


# ---- facts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeParts:
    """`[LT-]<unit code>-YYMMDD-NNNN` (domain-vn §4.1): the day book and the number in it."""

    unit_code: str
    day: str
    sequence: str


def code_parts(code: str) -> CodeParts:
    bare = code.removeprefix("LT-")
    head, day, sequence = bare.rsplit("-", 2)
    return CodeParts(unit_code=head, day=day, sequence=sequence)


@dataclass
class Facts:
    """Everything the slips of one dossier are built from (read by `load_facts`)."""

    dossier: Dossier
    procedure: Procedure
    receiving_unit: Unit
    handling_unit: Unit
    events: list[Event]
    steps: list[StepRecord]
    received_keys: frozenset[str]
    names: dict[int, str]
    clock: ClockView
    tz: ZoneInfo

    @property
    def practice(self) -> bool:
        return self.dossier.mode == Mode.practice

    def name_of(self, user_id: int | None) -> str:
        return self.names.get(user_id, "") if user_id is not None else ""

    def slip_events(self, kind: str) -> list[Event]:
        return [
            e for e in self.events if e.kind == EventKind.action and e.payload.get("slip") == kind
        ]

    def latest(self, kind: str) -> Event:
        found = self.slip_events(kind)
        if not found:
            raise NotFound(f"Hồ sơ {self.dossier.code} {NO_EVENT[kind]}.")
        return found[-1]

    def state_label(self, state: str | None) -> str:
        if state is None:
            return ""
        s = self.procedure.states.get(state)
        return s.label if s else state


def load_facts(
    session: Session,
    *,
    dossier: Dossier,
    procedure: Procedure,
    cal: WorkCalendar,
    now: datetime,
) -> Facts:
    """Read what the slips of `dossier` need (the caller has checked the user may see it)."""
    events = list(
        session.exec(
            select(Event).where(Event.dossier_id == dossier.id).order_by(col(Event.seq))
        ).all()
    )
    steps = list(
        session.exec(
            select(StepRecord)
            .where(StepRecord.dossier_id == dossier.id)
            .order_by(col(StepRecord.ordinal))
        ).all()
    )
    keys = session.exec(
        select(Attachment.document_key).where(
            Attachment.dossier_id == dossier.id, Attachment.document_key != ""
        )
    ).all()
    user_ids = {e.actor_id for e in events} | {s.entered_by_id for s in steps}
    user_ids |= {s.left_by_id for s in steps}
    receiving = session.get(Unit, dossier.receiving_unit_id)
    handling = session.get(Unit, dossier.handling_unit_id)
    assert receiving is not None and handling is not None
    return Facts(
        dossier=dossier,
        procedure=procedure,
        receiving_unit=receiving,
        handling_unit=handling,
        events=events,
        steps=steps,
        received_keys=frozenset(keys),
        names=names_of(session, user_ids),
        clock=clock_view(session, dossier=dossier, procedure=procedure, cal=cal, now=now),
        tz=cal.tz,
    )


def names_of(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(User.id, User.full_name).where(col(User.id).in_(wanted))).all()
    return {uid: name for uid, name in rows if uid is not None}


# ---- parts shared by the slips --------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    form_no: str
    title: str
    agency: str  # the issuing unit, upper case
    desk: str  # the office inside it, e.g. BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ ('' for none)
    issuer: str  # the issuing unit as written in running text ('Sở KH&CN Hà Nội')
    desk_name: str  # the office as written in running text
    number: str  # 'Số: SKHCN.HNI-260213-0001/TN'
    place_date: str
    practice: bool

    @property
    def form_label(self) -> str:
        return f"Mẫu số {self.form_no} — {CIRCULAR}"


@dataclass(frozen=True)
class ApplicantBlock:
    name: str
    kind: str  # 'Cá nhân' / 'Tổ chức'
    id_number: str
    address: str
    phone: str
    email: str


@dataclass(frozen=True)
class DocumentLine:
    number: int
    key: str
    name: str
    copies: str
    required: bool
    received: bool


DESK = "Bộ phận Tiếp nhận và Trả kết quả"


def _header(facts: Facts, kind: str, unit: Unit, at: datetime, *, desk: str = "") -> Header:
    form_no, title = DOSSIER_SLIPS[kind]
    return Header(
        form_no=form_no,
        title=title.upper(),
        agency=unit.name.upper(),
        desk=desk.upper(),
        issuer=unit.name,
        desk_name=desk,
        number=f"Số: {facts.dossier.code}/{NUMBER_SUFFIX[kind]}",
        place_date=fmt_place_date(unit.province, at, facts.tz),
        practice=facts.practice,
    )


def _applicant(d: Dossier) -> ApplicantBlock:
    return ApplicantBlock(
        name=d.applicant_name,
        kind="Tổ chức" if d.applicant_kind == "organisation" else "Cá nhân",
        id_number=d.applicant_id_number,
        address=d.applicant_address,
        phone=d.applicant_phone,
        email=d.applicant_email,
    )


def _sets(d: Dossier) -> int:
    """Number of sets (số lượng hồ sơ): the `so_bo_ho_so` field when collected, else 1."""
    try:
        return max(1, int(d.data.get("so_bo_ho_so", 1)))
    except (TypeError, ValueError):
        return 1


def _documents(facts: Facts, keys: Sequence[str] | None = None) -> list[DocumentLine]:
    docs = facts.procedure.documents
    if keys is not None:
        by_key = {doc.key: doc for doc in docs}
        docs = [by_key[k] for k in keys if k in by_key]
    return [
        DocumentLine(
            number=i,
            key=doc.key,
            name=doc.name,
            copies=doc.copies or "",
            required=doc.required,
            received=doc.key in facts.received_keys,
        )
        for i, doc in enumerate(docs, start=1)
    ]


def _parse_instant(value: Any, tz: ZoneInfo) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


# ---- Mẫu 01 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptSlip:
    header: Header
    code: str
    qr: Markup
    applicant: ApplicantBlock
    channel: str
    procedure_code: str
    procedure_name: str
    documents: list[DocumentLine]
    sets: int
    legal_time: str
    received_at: datetime
    received_text: str  # '16 giờ 20 phút, ngày 13/02/2026'
    appointment_at: datetime | None
    appointment_text: str  # '17 giờ 00 phút, ngày 02/03/2026' or the fee-first wording
    collect_at: str
    fee: str
    book_volume: str
    book_number: str
    officer: str  # the receiving officer (actor of the receipt event)


def receipt(facts: Facts) -> ReceiptSlip:
    d, p, tz = facts.dossier, facts.procedure, facts.tz
    event = facts.latest("receipt")
    appointment = facts.clock.appointment_at or facts.clock.due_at
    if appointment is not None:
        appointment_text = fmt_words(appointment, tz)
    elif p.clock_starts == "on_fee_paid":
        appointment_text = FEE_FIRST_APPOINTMENT.capitalize()
    else:
        appointment_text = "Chưa xác định"
    parts = code_parts(d.code)
    collect = f"{DESK} — {facts.receiving_unit.name}"
    if d.channel == "online":
        collect += " (hoặc nhận trên Cổng Dịch vụ công)"
    elif d.channel == "post":
        collect += " (hoặc qua dịch vụ bưu chính công ích)"
    opener = facts.events[0].actor_id if facts.events else None
    return ReceiptSlip(
        header=_header(facts, "receipt", facts.receiving_unit, d.received_at, desk=DESK),
        code=d.code,
        qr=qr_svg(d.code),
        applicant=_applicant(d),
        channel=CHANNELS.get(d.channel, d.channel),
        procedure_code=p.code,
        procedure_name=p.name,
        documents=_documents(facts),
        sets=_sets(d),
        legal_time=legal_time(p),
        received_at=d.received_at,
        received_text=fmt_words(d.received_at, tz),
        appointment_at=appointment,
        appointment_text=appointment_text,
        collect_at=collect,
        fee=receipt_fee_text(p),
        book_volume=parts.day,
        book_number=parts.sequence,
        officer=facts.name_of(event.actor_id) or facts.name_of(opener),
    )


# ---- Mẫu 02 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplementSlip:
    header: Header
    code: str
    qr: Markup
    applicant: ApplicantBlock
    procedure_name: str
    received_text: str
    request_no: int  # 1 for the first request, 2 for the second…
    requested_at: datetime
    requested_text: str
    missing: list[DocumentLine]
    reason: str
    officer: str  # contact officer and signer (người hướng dẫn)
    officer_unit: str


def supplement_request(facts: Facts) -> SupplementSlip:
    d = facts.dossier
    event = facts.latest("supplement_request")
    data = event.payload.get("data", {})
    keys = [str(k) for k in data.get("missing_documents", [])]
    return SupplementSlip(
        header=_header(facts, "supplement_request", facts.handling_unit, event.at),
        code=d.code,
        qr=qr_svg(d.code),
        applicant=_applicant(d),
        procedure_name=facts.procedure.name,
        received_text=fmt_words(d.received_at, facts.tz),
        request_no=len(facts.slip_events("supplement_request")),
        requested_at=event.at,
        requested_text=fmt_words(event.at, facts.tz),
        missing=_documents(facts, keys),
        reason=str(data.get("reason", "")),
        officer=facts.name_of(event.actor_id),
        officer_unit=facts.handling_unit.name,
    )


# ---- Mẫu 03 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefusalSlip:
    header: Header
    code: str
    qr: Markup
    applicant: ApplicantBlock
    procedure_name: str
    received_text: str
    refused_text: str
    reason: str
    officer: str


def refusal(facts: Facts) -> RefusalSlip:
    d = facts.dossier
    event = facts.latest("refusal")
    return RefusalSlip(
        header=_header(facts, "refusal", facts.receiving_unit, event.at, desk=DESK),
        code=d.code,
        qr=qr_svg(d.code),
        applicant=_applicant(d),
        procedure_name=facts.procedure.name,
        received_text=fmt_words(d.received_at, facts.tz),
        refused_text=fmt_words(event.at, facts.tz),
        reason=str(event.payload.get("data", {}).get("reason", "")),
        officer=facts.name_of(event.actor_id),
    )


# ---- Mẫu 04 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtensionLine:
    at_text: str
    old_appointment: str
    new_appointment: str
    reason: str


@dataclass(frozen=True)
class ApologySlip:
    header: Header
    code: str
    applicant: ApplicantBlock
    procedure_name: str
    received_text: str
    receipt_number: str
    status: str  # the step the dossier was at
    legal_due: datetime | None
    legal_due_text: str  # the due by law (kept for statistics)
    old_appointment: datetime | None
    old_appointment_text: str  # the appointment this letter apologises for
    new_appointment: datetime | None
    new_appointment_text: str
    reason: str
    history: list[ExtensionLine]  # every extension up to this one
    signer: str


def _appointments(facts: Facts, upto: Event) -> tuple[datetime | None, datetime | None]:
    """(legal due, appointment in force) just before `upto`, replayed from the event payloads."""
    due: datetime | None = None
    appointment: datetime | None = None
    extended = False
    for ev in facts.events:
        if ev.seq >= upto.seq:
            break
        clock = ev.payload.get("clock") or {}
        if clock.get("due"):
            due = _parse_instant(clock["due"], facts.tz)
            if not extended:
                appointment = due
        if clock.get("appointment"):
            appointment = _parse_instant(clock["appointment"], facts.tz)
            extended = True
    return due, appointment


def apology_extension(facts: Facts) -> ApologySlip:
    d, tz = facts.dossier, facts.tz
    event = facts.latest("apology_extension")
    history: list[ExtensionLine] = []
    for ev in facts.slip_events("apology_extension"):
        if ev.seq > event.seq:
            break
        _, old = _appointments(facts, ev)
        data = ev.payload.get("data", {})
        history.append(
            ExtensionLine(
                at_text=fmt_date(ev.at, tz),
                old_appointment=fmt_datetime(old, tz),
                new_appointment=fmt_datetime(_parse_instant(data.get("new_appointment"), tz), tz),
                reason=str(data.get("reason", "")),
            )
        )
    due, old = _appointments(facts, event)
    data = event.payload.get("data", {})
    new = _parse_instant(data.get("new_appointment"), tz)
    return ApologySlip(
        header=_header(facts, "apology_extension", facts.handling_unit, event.at),
        code=d.code,
        applicant=_applicant(d),
        procedure_name=facts.procedure.name,
        received_text=fmt_words(d.received_at, tz),
        receipt_number=f"{d.code}/{NUMBER_SUFFIX['receipt']}",
        status=facts.state_label(event.from_state),
        legal_due=due,
        legal_due_text=fmt_words(due, tz),
        old_appointment=old,
        old_appointment_text=fmt_words(old, tz),
        new_appointment=new,
        new_appointment_text=fmt_words(new, tz),
        reason=str(data.get("reason", "")),
        history=history,
        signer=facts.name_of(event.actor_id),
    )


# ---- Mẫu 05 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StopSlip:
    header: Header
    code: str
    applicant: ApplicantBlock
    procedure_name: str
    received_text: str
    step_reached: str
    stopped_text: str
    reason: str
    requested_by_applicant: bool
    fee_settlement: str
    signer: str


def stop_notice(facts: Facts) -> StopSlip:
    d = facts.dossier
    event = facts.latest("stop_notice")
    data = event.payload.get("data", {})
    fee = facts.procedure.fee
    if fee is None or fee.amount_vnd == 0:
        settlement = "Thủ tục không thu phí, lệ phí."
    else:
        settlement = (
            "Phí, lệ phí đã nộp (nếu có) được giải quyết hoàn trả theo quy định của pháp luật về "
            "phí và lệ phí."
        )
    withdraw = [e for e in facts.events if e.action == "withdraw" and e.seq < event.seq]
    return StopSlip(
        header=_header(facts, "stop_notice", facts.handling_unit, event.at),
        code=d.code,
        applicant=_applicant(d),
        procedure_name=facts.procedure.name,
        received_text=fmt_words(d.received_at, facts.tz),
        step_reached=facts.state_label(event.from_state),
        stopped_text=fmt_words(event.at, facts.tz),
        reason=str(data.get("reason", "")),
        requested_by_applicant=bool(withdraw),
        fee_settlement=settlement,
        signer=facts.name_of(event.actor_id),
    )


# ---- Mẫu 06 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ControlRow:
    number: int
    step: str
    unit: str
    received_at: datetime
    received_text: str  # '16:25 13/02/2026'
    handed_over_at: datetime | None
    handed_over_text: str
    giver: str  # who handed the dossier to this step
    receiver: str  # who worked the step and handed it on
    allot: str  # '3 ngày làm việc' ('' for a step with no allotted time)
    due_text: str
    bucket: str | None  # early / on_time / late (open: on_track / due_soon / overdue)
    result: str  # 'Trước hạn' / 'Đúng hạn' / 'Quá hạn' …
    note: str


@dataclass(frozen=True)
class ControlSlip:
    header: Header
    code: str
    qr: Markup
    applicant: ApplicantBlock
    procedure_name: str
    received_text: str
    appointment_text: str
    rows: list[ControlRow]
    #: a two-part limit: each part and when it ends ("5 ngày làm việc (…): 17 giờ 00 phút, …")
    limit_parts: list[str] = field(default_factory=list)


def control(facts: Facts) -> ControlSlip:
    d, p, tz = facts.dossier, facts.procedure, facts.tz
    if not facts.steps:
        raise NotFound(f"Hồ sơ {d.code} chưa có bước xử lý nào để lập phiếu kiểm soát.")
    views = {s.ordinal: s for s in facts.clock.steps}
    labels = {t.action: t.label for t in p.transitions}
    rows = []
    for s in facts.steps:
        view = views.get(s.ordinal)
        bucket = view.bucket if view else s.bucket
        state = p.states.get(s.state)
        notes = []
        if s.left_action:
            notes.append(labels.get(s.left_action, s.left_action))
        if state is not None and state.paused:
            notes.append("Thời gian chờ người nộp không tính vào thời hạn")
        if state is not None and state.final:
            notes.append("Kết thúc")
        rows.append(
            ControlRow(
                number=s.ordinal,
                step=facts.state_label(s.state),
                unit=facts.handling_unit.name,
                received_at=s.entered_at,
                received_text=fmt_short(s.entered_at, tz),
                handed_over_at=s.left_at,
                handed_over_text=fmt_short(s.left_at, tz),
                giver=facts.name_of(s.entered_by_id),
                receiver=facts.name_of(s.left_by_id),
                allot=f"{fmt_number(s.allot)} ngày làm việc" if s.allot else "",
                due_text=fmt_short(s.due_at, tz),
                bucket=bucket,
                result=STEP_RESULTS.get(bucket, "") if bucket else "",
                note="; ".join(notes),
            )
        )
    appointment = facts.clock.appointment_at or facts.clock.due_at
    return ControlSlip(
        header=_header(facts, "control", facts.receiving_unit, d.received_at, desk=DESK),
        code=d.code,
        qr=qr_svg(d.code),
        applicant=_applicant(d),
        procedure_name=p.name,
        received_text=fmt_words(d.received_at, tz),
        appointment_text=fmt_words(appointment, tz)
        if appointment
        else FEE_FIRST_APPOINTMENT.capitalize(),
        rows=rows,
        limit_parts=[f"{x.text}: {fmt_words(x.due, tz)}" for x in facts.clock.parts],
    )


BUILDERS = {
    "receipt": receipt,
    "supplement_request": supplement_request,
    "refusal": refusal,
    "apology_extension": apology_extension,
    "stop_notice": stop_notice,
    "control": control,
}


def build(kind: str, facts: Facts) -> Any:
    """The slip `kind` of the dossier in `facts`; `NotFound` for an unknown kind or no event."""
    builder = BUILDERS.get(kind)
    if builder is None:
        raise NotFound(f"Không có loại phiếu «{kind}». Các loại: {', '.join(DOSSIER_SLIPS)}.")
    return builder(facts)


# ---- Mẫu 07: the tracking book ----------------------------------------------------------------

BOOK_COLUMNS = [
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Số lượng hồ sơ (bộ)",
    "Tên cá nhân, tổ chức",
    "Địa chỉ, số điện thoại",
    "Cơ quan chủ trì giải quyết",
    "Ngày, giờ nhận hồ sơ",
    "Ngày, giờ hẹn trả kết quả",
    "Ngày, giờ có kết quả",
    "Ngày, giờ trả kết quả",
    "Ký nhận",
    "Ghi chú",
]


@dataclass(frozen=True)
class BookRow:
    number: int
    code: str
    procedure_name: str
    sets: int
    applicant: str
    address_phone: str
    handling_unit: str
    received_at: datetime
    appointment_at: datetime | None
    result_at: datetime | None
    returned_at: datetime | None
    note: str
    texts: dict[str, str] = field(default_factory=dict)  # the dates, formatted


@dataclass(frozen=True)
class Book:
    form_label: str
    title: str
    agency: str
    unit_code: str
    period_from: date
    period_to: date
    period_text: str
    rows: list[BookRow]
    practice: bool = False  # never: practice dossiers are left out of the book


@dataclass
class BookEntry:
    """One dossier of the book with what its row needs (read by `load_book`)."""

    dossier: Dossier
    procedure_name: str
    handling_unit: str
    result_at: datetime | None
    returned_at: datetime | None
    outcome: str  # label of a final step other than a normal return ('' otherwise)


def period_bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start 00:00, end + 1 day 00:00) in local time: both days included."""
    return (
        datetime.combine(start, time(0), tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz),
    )


def load_book(
    session: Session, *, unit: Unit, visible: Any, start: date, end: date, tz: ZoneInfo
) -> list[BookEntry]:
    """Real dossiers received by `unit` in the period (local days, both included), that the
    `visible` filter lets the reader see, oldest first."""
    lo, hi = period_bounds(start, end, tz)
    dossiers = list(
        session.exec(
            select(Dossier)
            .where(
                Dossier.receiving_unit_id == unit.id,
                Dossier.mode == Mode.real,
                Dossier.received_at >= lo,
                Dossier.received_at < hi,
                visible,
            )
            .order_by(col(Dossier.received_at), col(Dossier.id))
        ).all()
    )
    if not dossiers:
        return []
    ids = [d.id for d in dossiers]
    versions = {
        v.id: v
        for v in session.exec(
            select(ProcedureVersion).where(
                col(ProcedureVersion.id).in_({d.procedure_version_id for d in dossiers})
            )
        ).all()
    }
    units = {
        u.id: u.name
        for u in session.exec(
            select(Unit).where(col(Unit.id).in_({d.handling_unit_id for d in dossiers}))
        ).all()
    }
    reached: dict[int, dict[int, datetime]] = {}
    for ev in session.exec(
        select(Event)
        .where(col(Event.dossier_id).in_(ids), Event.kind == EventKind.action)
        .order_by(col(Event.dossier_id), col(Event.seq))
    ).all():
        status = ev.payload.get("national_status")
        if isinstance(status, int):
            reached.setdefault(ev.dossier_id, {}).setdefault(status, ev.at)
    entries = []
    for d in dossiers:
        version = versions[d.procedure_version_id]
        states = version.definition.get("states", {})
        state = states.get(d.state, {})
        outcome = ""
        if state.get("final") and d.national_status != 10:
            outcome = str(state.get("label", d.state))
        seen = reached.get(d.id or 0, {})
        entries.append(
            BookEntry(
                dossier=d,
                procedure_name=version.name,
                handling_unit=units.get(d.handling_unit_id, ""),
                result_at=seen.get(9),
                returned_at=seen.get(10),
                outcome=outcome,
            )
        )
    return entries


def book(unit: Unit, entries: Sequence[BookEntry], *, start: date, end: date, tz: ZoneInfo) -> Book:
    rows = []
    for i, entry in enumerate(entries, start=1):
        d = entry.dossier
        notes = []
        if entry.outcome:
            notes.append(entry.outcome)
        if d.extensions:
            notes.append(f"Gia hạn {d.extensions} lần")
        if d.supplement_requests:
            notes.append(f"Yêu cầu bổ sung {d.supplement_requests} lần")
        if d.result_bucket == "late":
            notes.append("Trễ hạn")
        # refused at reception (national status 3): no receipt slip, so no appointment was given
        appointment = None if d.national_status == 3 else d.appointment_at or d.due_at
        address_phone = "; ".join(
            x
            for x in (d.applicant_address, f"ĐT: {d.applicant_phone}" if d.applicant_phone else "")
            if x
        )
        rows.append(
            BookRow(
                number=i,
                code=d.code,
                procedure_name=entry.procedure_name,
                sets=_sets(d),
                applicant=d.applicant_name,
                address_phone=address_phone,
                handling_unit=entry.handling_unit,
                received_at=d.received_at,
                appointment_at=appointment,
                result_at=entry.result_at,
                returned_at=entry.returned_at,
                note="; ".join(notes),
                texts={
                    "received": fmt_book(d.received_at, tz),
                    "appointment": fmt_book(appointment, tz),
                    "result": fmt_book(entry.result_at, tz),
                    "returned": fmt_book(entry.returned_at, tz),
                },
            )
        )
    return Book(
        form_label=f"Mẫu số {BOOK_FORM[0]} — {CIRCULAR}",
        title=BOOK_FORM[1].upper(),
        agency=unit.name.upper(),
        unit_code=unit.code,
        period_from=start,
        period_to=end,
        period_text=f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}",
        rows=rows,
    )


def book_xlsx(b: Book, tz: ZoneInfo) -> bytes:
    """The tracking book as an XLSX workbook: title lines, the Vietnamese header row, one row per
    dossier; instants as real Excel date-times in local time (dd/mm/yyyy hh:mm)."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Sổ theo dõi hồ sơ"
    for line in (b.form_label, b.agency, b.title, b.period_text):
        cells.append_row(ws, [line], tz)
    header = cells.append_row(ws, BOOK_COLUMNS, tz)
    header_row = ws.max_row
    ws["C3"].font = Font(bold=True, size=14)
    ws["A3"].font = Font(bold=True, size=14)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in header:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = box

    for r in b.rows:
        row = [r.number, r.code, r.procedure_name, r.sets, r.applicant, r.address_phone,
               r.handling_unit, r.received_at, r.appointment_at, r.result_at, r.returned_at, "",
               r.note]  # fmt: skip
        for cell in cells.append_row(ws, row, tz):  # user text never becomes a formula
            cell.border = box
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, datetime):
                cell.number_format = "dd/mm/yyyy hh:mm"
    widths = [6, 26, 40, 10, 28, 30, 24, 17, 17, 17, 17, 12, 28]
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_options.gridLines = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
