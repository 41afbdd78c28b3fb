"""Certificate classes: open, list, fill from the priority list, attendance, completion.

Each use case owns one transaction. Changes to a class lock its row (`SELECT … FOR UPDATE` on
PostgreSQL; SQLite's write transaction is `BEGIN IMMEDIATE`) and compare the form's `version`
with the stored one: a stale form is a `Conflict` that names who changed the class, what and
when. Completing a class issues every present officer's certificate in the same transaction: if
one fails, nothing is written (`issuing.issue` never commits).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from casework.accounts.models import Unit, User
from casework.classes import issuing
from casework.classes.access import require_ministry_admin
from casework.classes.models import (
    FIELDS,
    MAX_NOTE,
    MODE_LABELS,
    STATUS_LABELS,
    Attendance,
    ClassDemand,
    ClassSeat,
    ClassStatus,
    TrainingClass,
)
from casework.db import utcnow
from casework.errors import Conflict, NotFound, ValidationFailed
from casework.ids import parse_int
from casework.paging import Page

PER_PAGE = 20
MAX_CAPACITY = 500
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


# ---- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassFilter:
    field: str | None = None
    status: str | None = None
    year: int | None = None


def list_classes(
    session: Session, filters: ClassFilter, *, page: int = 1, per_page: int = PER_PAGE
) -> Page[TrainingClass]:
    """Classes, the latest start first, filtered by field, status and year of the start."""
    where: list[Any] = []
    if filters.field:
        where.append(TrainingClass.field == filters.field)
    if filters.status:
        where.append(TrainingClass.status == filters.status)
    if filters.year:
        start = col(TrainingClass.start_date)
        where += [start >= date(filters.year, 1, 1), start < date(filters.year + 1, 1, 1)]
    total = session.exec(select(func.count()).select_from(TrainingClass).where(*where)).one()
    rows = session.exec(
        select(TrainingClass)
        .where(*where)
        .order_by(col(TrainingClass.start_date).desc(), col(TrainingClass.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(list(rows), total, page, per_page)


def get_class(session: Session, class_id: int) -> TrainingClass:
    klass = session.get(TrainingClass, class_id)
    if klass is None:
        raise NotFound("Không tìm thấy lớp tập huấn.")
    return klass


def seats_of(session: Session, class_id: int) -> list[ClassSeat]:
    return list(
        session.exec(
            select(ClassSeat)
            .where(ClassSeat.class_id == class_id)
            .order_by(col(ClassSeat.rank), col(ClassSeat.id))
        ).all()
    )


def lock(session: Session, class_id: int, version: Any) -> TrainingClass:
    """The class, locked and re-read; a stale `version` is a conflict naming the last change."""
    klass = session.exec(
        select(TrainingClass)
        .where(TrainingClass.id == class_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if klass is None:
        raise NotFound("Không tìm thấy lớp tập huấn.")
    if str(version) != str(klass.version):
        who = session.get(User, klass.updated_by_id) if klass.updated_by_id else None
        at = klass.updated_at
        when = at.astimezone(TZ).strftime("%H:%M %d/%m/%Y") if at else ""
        raise Conflict(
            f"{who.full_name if who else 'Người khác'} đã {klass.last_change or 'sửa lớp'} "
            f"lúc {when}, sau khi bạn mở trang. Chưa lưu gì; hãy xem lại lớp rồi làm lại.",
            details={"version": klass.version, "by": who.username if who else None},
        )
    return klass


def touch(session: Session, klass: TrainingClass, actor: User, change: str) -> None:
    klass.version += 1
    klass.updated_by_id = actor.id
    klass.updated_at = utcnow()
    klass.last_change = change
    session.add(klass)


def _require_status(klass: TrainingClass, *allowed: ClassStatus, doing: str) -> None:
    if klass.status not in allowed:
        label = STATUS_LABELS.get(ClassStatus(klass.status), klass.status)
        raise Conflict(f"Lớp đang ở trạng thái «{label}» nên không thể {doing}.")


# ---- opening --------------------------------------------------------------------------------


def _date(values: Mapping[str, Any], key: str, errors: dict[str, str]) -> date | None:
    raw = str(values.get(key) or "").strip()
    if not raw:
        errors[key] = "Chưa nhập ngày."
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[key] = "Ngày không hợp lệ (dd/mm/yyyy)."
        return None


def clean_class(values: Mapping[str, Any]) -> dict[str, Any]:
    """The class fields, or `ValidationFailed` naming every bad one."""
    errors: dict[str, str] = {}
    title = str(values.get("title") or "").strip()
    if not title or len(title) > 255:
        errors["title"] = "Nhập tên lớp (tối đa 255 ký tự)."
    field = str(values.get("field") or "")
    if field not in FIELDS:
        errors["field"] = "Chọn lĩnh vực: Đo lường hoặc Chất lượng sản phẩm, hàng hóa."
    mode = str(values.get("mode") or "")
    if mode not in MODE_LABELS:
        errors["mode"] = "Chọn học trực tiếp hoặc trực tuyến."
    place = str(values.get("place") or "").strip()
    if mode == "in_person" and not place:
        errors["place"] = "Lớp học trực tiếp cần địa điểm."
    if len(place) > 255:
        errors["place"] = "Địa điểm tối đa 255 ký tự."
    start, end = _date(values, "start_date", errors), _date(values, "end_date", errors)
    if start and end and end < start:
        errors["end_date"] = "Ngày kết thúc không được trước ngày bắt đầu."
    raw = str(values.get("capacity") or "").strip()
    capacity = parse_int(raw) or 0
    if not 1 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = f"Số chỗ là số nguyên từ 1 đến {MAX_CAPACITY}."
    note = str(values.get("note") or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = f"Ghi chú tối đa {MAX_NOTE} ký tự."
    if errors:
        raise ValidationFailed("Lớp chưa được mở: kiểm tra các ô được đánh dấu.", fields=errors)
    return {
        "title": title, "field": field, "mode": mode, "place": place, "start_date": start,
        "end_date": end, "capacity": capacity, "note": note,
    }  # fmt: skip


def open_class(session: Session, *, actor: User, values: Mapping[str, Any]) -> TrainingClass:
    require_ministry_admin(session, actor)
    assert actor.id is not None
    klass = TrainingClass(
        **clean_class(values), created_by_id=actor.id, updated_by_id=actor.id,
        updated_at=utcnow(), last_change="mở lớp",
    )  # fmt: skip
    session.add(klass)
    session.commit()
    return klass


def cancel(session: Session, *, actor: User, class_id: int, version: Any) -> TrainingClass:
    require_ministry_admin(session, actor)
    klass = lock(session, class_id, version)
    _require_status(klass, ClassStatus.open, ClassStatus.full, doing="hủy")
    klass.status = ClassStatus.cancelled
    touch(session, klass, actor, "hủy lớp")
    session.commit()
    return klass


# ---- filling ----------------------------------------------------------------------------------


def fill(
    session: Session, *, actor: User, class_id: int, demand_ids: Sequence[int], version: Any,
    ranks: Mapping[int, int],
) -> TrainingClass:  # fmt: skip
    """Seats for the chosen demands (every named officer, then unnamed seats up to the number
    asked); refused if they exceed the capacity. The class is then full: demand is closed."""
    require_ministry_admin(session, actor)
    klass = lock(session, class_id, version)
    _require_status(klass, ClassStatus.open, doing="xếp chỗ")
    chosen = list(
        session.exec(
            select(ClassDemand).where(
                ClassDemand.class_id == class_id, col(ClassDemand.id).in_(list(demand_ids))
            )
        ).all()
    )
    if not chosen or len(chosen) != len(set(demand_ids)):
        raise ValidationFailed(
            "Chưa chọn xã, phường nào (hoặc nhu cầu đã bị xóa).",
            fields={"demand": "Chọn ít nhất một xã, phường trong danh sách ưu tiên."},
        )
    total = sum(d.seats for d in chosen)
    if total > klass.capacity:
        raise ValidationFailed(
            f"Đã chọn {total} chỗ, lớp chỉ có {klass.capacity} chỗ. Bỏ bớt xã, phường.",
            fields={"demand": f"Tổng {total} chỗ vượt {klass.capacity} chỗ của lớp."},
        )
    for d in sorted(chosen, key=lambda d: ranks.get(d.id or 0, 0)):
        rank = ranks.get(d.id or 0, 0)
        named = list(d.officer_ids)
        for i in range(d.seats):
            session.add(
                ClassSeat(
                    class_id=class_id, commune_id=d.commune_id, demand_id=d.id, rank=rank,
                    user_id=named[i] if i < len(named) else None,
                )
            )  # fmt: skip
    klass.status = ClassStatus.full
    touch(session, klass, actor, f"xếp {total} chỗ cho {len(chosen)} xã, phường")
    session.commit()
    return klass


# ---- attendance and completion ----------------------------------------------------------------


def record_attendance(
    session: Session, *, actor: User, class_id: int, marks: Mapping[int, str], version: Any
) -> TrainingClass:
    """Present or absent for each named seat (`marks`: seat id → "present" | "absent")."""
    require_ministry_admin(session, actor)
    klass = lock(session, class_id, version)
    _require_status(klass, ClassStatus.full, ClassStatus.held, doing="điểm danh")
    errors: dict[str, str] = {}
    seats = {s.id: s for s in seats_of(session, class_id) if s.user_id is not None}
    for seat_id, mark in marks.items():
        if seat_id not in seats:
            errors[f"seat-{seat_id}"] = "Không có chỗ này trong lớp."
        elif mark not in (Attendance.present, Attendance.absent, ""):
            errors[f"seat-{seat_id}"] = "Chọn có mặt hoặc vắng."
    if errors:
        raise ValidationFailed("Chưa lưu điểm danh.", fields=errors)
    for seat_id, mark in marks.items():
        seats[seat_id].attendance = mark or None
        session.add(seats[seat_id])
    present = sum(1 for s in seats.values() if s.attendance == Attendance.present)
    klass.status = ClassStatus.held
    touch(session, klass, actor, f"điểm danh ({present} có mặt)")
    session.commit()
    return klass


def complete(
    session: Session, *, actor: User, class_id: int, version: Any, today: date | None = None
) -> list[int]:
    """Complete the class: a certificate for every officer present, in this one transaction.
    Refused while a named seat has no attendance. Returns the certificates' ids."""
    require_ministry_admin(session, actor)
    klass = lock(session, class_id, version)
    _require_status(klass, ClassStatus.held, doing="hoàn thành (cần điểm danh trước)")
    seats = [s for s in seats_of(session, class_id) if s.user_id is not None]
    missing = [s for s in seats if s.attendance is None]
    if missing:
        names = ", ".join(_name(session, s.user_id) for s in missing[:10])
        raise ValidationFailed(
            f"Chưa điểm danh {len(missing)} người: {names}.",
            fields={f"seat-{s.id}": "Chưa điểm danh." for s in missing},
        )
    unit = session.get(Unit, actor.unit_id)
    issuer = unit.name if unit else ""
    issued_on = today or min(klass.end_date, datetime.now(TZ).date())
    ids = []
    present = [s for s in seats if s.attendance == Attendance.present]
    for seq, seat in enumerate(present, start=1):
        cert = issuing.issue(
            session, klass=klass, seat=seat, seq=seq, issuer=issuer, issued_on=issued_on,
            actor=actor,
        )  # fmt: skip
        assert cert.id is not None
        ids.append(cert.id)
    klass.status = ClassStatus.completed
    klass.completed_at = utcnow()
    touch(session, klass, actor, f"hoàn thành lớp, cấp {len(ids)} chứng chỉ")
    session.commit()
    return ids


def _name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id else None
    return user.full_name if user else "?"
