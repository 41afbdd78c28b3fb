"""Questions to the ministry (kiến nghị) and the FAQ (hỏi đáp) they become.

- **Asking**: staff (receiver, handler, leader) ask about a procedure, optionally about one of
  its steps. The question keeps the asker and their unit.
- **Answering**: ministry mentors (role `mentor`) and admins of a ministry unit. They see the
  unanswered queue, oldest first, with the working time each question has waited, answer it
  and may edit the answer later. The *first* answer fixes `answered_at` and `answer_minutes`
  (working minutes on the national calendar), so editing never improves the statistics. An
  answer is public by default; the mentor may keep it private (only the asker and the
  answerers see it). A version counter makes a second mentor's stale form a conflict instead
  of a silent overwrite.
- **FAQ**: answered public questions, grouped by step on the procedure page, and all of them on
  `/questions`; searched without accents through the folded `search_text`.
- **Asker's badge**: answers (or edited answers) the asker has not marked as read.

Who answers which question (issue 17, finding 1): the ministry's admins answer every question; a
mentor answers the questions of the units assigned to them (`reviews.MentorAssignment`: the unit
and every unit below it) and the questions on the ministry's **question desk** — those from a unit
that no active mentor is assigned to, so that no question waits without someone who may answer
it. A mentor's own unit gives them nothing, as for dossiers.

Who may see a question: anyone if it is answered and public (the handbook is public; the FAQ
never names the asker), otherwise only its asker and those who may answer it; everyone else gets
the same 404 as for a question that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, false, func, or_, true, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from casework import inputs
from casework.accounts.models import ACTING_ROLES, Role, Unit, UnitKind, User
from casework.clock import WorkCalendar, remaining_working_minutes
from casework.db import utcnow
from casework.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from casework.paging import Page
from casework.procedures import Procedure
from casework.questions.models import MAX_QUESTION, Question, QuestionStatus
from casework.reviews.models import MentorAssignment
from casework.text import fold

PER_PAGE = 20
FAQ_LIMIT = 50
QUEUE_LIMIT = 200
#: the texts through the one input layer (`casework.inputs`): several lines, no control or bidi
#: characters, at most the column's length
QUESTION_TEXT = inputs.Rule(
    "Câu hỏi", "question", multiline=True, required="Cần nhập nội dung câu hỏi."
)
ANSWER_TEXT = inputs.Rule(
    "Câu trả lời", "answer", multiline=True, required="Cần nhập nội dung trả lời."
)


# ---- working time -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Working:
    """A span of working time, split for display: "1 ngày 3 giờ" (a day = the calendar's
    working minutes, 480 by default)."""

    total_minutes: int
    days: int
    hours: int
    minutes: int

    @classmethod
    def of(cls, minutes: int, day_minutes: int = 480) -> Working:
        minutes = max(0, minutes)
        days, rest = divmod(minutes, day_minutes)
        hours, mins = divmod(rest, 60)
        return cls(minutes, days, hours, mins)

    def vi(self) -> str:
        """Vietnamese wording (for logs and messages; templates use `questions/_macros.html`)."""
        parts = []
        if self.days:
            parts.append(f"{self.days} ngày")
        if self.hours:
            parts.append(f"{self.hours} giờ")
        if not parts:
            parts.append(f"{self.minutes} phút")
        return " ".join(parts)


def working_minutes(start: datetime, end: datetime, calendar: WorkCalendar) -> int:
    """Working minutes between two instants on `calendar` (office windows, days off skipped)."""
    return remaining_working_minutes(end, start, calendar)


def time_to_answer(q: Question, calendar: WorkCalendar) -> Working | None:
    if q.answer_minutes is None:
        return None
    return Working.of(q.answer_minutes, calendar.day_minutes)


# ---- who may do what --------------------------------------------------------------------------


def can_ask(user: User | None) -> bool:
    return user is not None and user.is_active and user.has_role(*ACTING_ROLES)


def _ministry_admin(session: Session, user: User) -> bool:
    if not user.has_role(Role.admin):
        return False
    unit = session.get(Unit, user.unit_id)
    return unit is not None and unit.kind == UnitKind.ministry


def can_answer(session: Session, user: User | None) -> bool:
    """Mentors and admins of a ministry unit: they have a queue (each sees the questions
    `answer_filter` gives them)."""
    if user is None or not user.is_active:
        return False
    return user.has_role(Role.mentor) or _ministry_admin(session, user)


def require_answerer(session: Session, user: User) -> None:
    if not can_answer(session, user):
        raise PermissionDenied(
            "Chỉ cán bộ hướng dẫn của Bộ và quản trị viên của Bộ mới trả lời câu hỏi."
        )


def _covered_units(mentor_id: int | None = None) -> Any:
    """Ids of the units at or below an assignment of this mentor (None: of any active mentor)."""
    assigned = aliased(Unit)
    query = (
        select(Unit.id)
        .join(assigned, col(Unit.path).startswith(assigned.path))
        .join(MentorAssignment, col(MentorAssignment.unit_id) == assigned.id)
    )
    if mentor_id is not None:
        return query.where(col(MentorAssignment.mentor_id) == mentor_id)
    mentor = aliased(User)
    return query.join(mentor, col(mentor.id) == MentorAssignment.mentor_id).where(
        col(mentor.is_active), cast(col(mentor.roles), String).like(f'%"{Role.mentor.value}"%')
    )


def answer_filter(session: Session, user: User | None) -> Any:
    """A WHERE clause over `Question` selecting the questions `user` may answer (and read while
    they are private or unanswered): every one for a ministry admin; for a mentor, those of the
    units assigned to them and below, and the desk's (no active mentor's units); none otherwise."""
    if user is None or not user.is_active or user.id is None:
        return false()
    if _ministry_admin(session, user):
        return true()
    if not user.has_role(Role.mentor):
        return false()
    return or_(
        col(Question.unit_id).in_(_covered_units(user.id)),
        col(Question.unit_id).not_in(_covered_units()),
    )


def may_answer(session: Session, user: User | None, q: Question) -> bool:
    if not can_answer(session, user):
        return False
    found = session.exec(
        select(Question.id).where(Question.id == q.id, answer_filter(session, user))
    ).first()
    return found is not None


def on_desk(session: Session, q: Question) -> bool:
    """No active mentor is assigned to the question's unit (or a unit above it)."""
    found = session.exec(
        select(Unit.id).where(Unit.id == q.unit_id, col(Unit.id).in_(_covered_units()))
    ).first()
    return found is None


def may_see(session: Session, user: User | None, q: Question) -> bool:
    if q.status == QuestionStatus.answered and q.public:
        return True
    if user is None:
        return False
    return q.asker_id == user.id or may_answer(session, user, q)


def get_visible(session: Session, user: User | None, question_id: int) -> Question:
    q = session.get(Question, question_id)
    if q is None or not may_see(session, user, q):
        raise NotFound("Không tìm thấy câu hỏi.")
    return q


# ---- asking -------------------------------------------------------------------------------------


def _search_text(q: Question) -> str:
    return fold(f"{q.text} {q.answer or ''}")[:12000]


def ask(session: Session, *, user: User, procedure: Procedure, values: dict[str, Any]) -> Question:
    """Record a question; every bad field is named at once. One transaction."""
    if not can_ask(user):
        raise PermissionDenied(
            "Chỉ cán bộ tiếp nhận, thụ lý hoặc lãnh đạo ký duyệt mới gửi câu hỏi lên Bộ."
        )
    fields: dict[str, str] = {}
    text = inputs.read(values, "text", QUESTION_TEXT, fields)
    if len(text) > MAX_QUESTION:
        fields["text"] += " Hãy rút gọn hoặc tách thành nhiều câu hỏi."
    step = str(values.get("step", "")).strip()
    if step and step not in procedure.states:
        fields["step"] = "Bước đã chọn không có trong thủ tục này."
    if fields:
        raise ValidationFailed("Chưa gửi được câu hỏi: xem các ô báo lỗi.", fields=fields)
    assert user.id is not None
    q = Question(
        procedure_code=procedure.code,
        state=step or None,
        asker_id=user.id,
        unit_id=user.unit_id,
        text=text,
        asked_at=utcnow(),
    )
    q.search_text = _search_text(q)
    session.add(q)
    session.commit()
    session.refresh(q)
    return q


# ---- answering ----------------------------------------------------------------------------------


def _lock(session: Session, question_id: int) -> Question:
    q = session.exec(
        select(Question)
        .where(Question.id == question_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if q is None:
        raise NotFound("Không tìm thấy câu hỏi.")
    return q


def answer(
    session: Session,
    *,
    user: User,
    question_id: int,
    values: dict[str, Any],
    calendar: WorkCalendar,
    now: datetime | None = None,
) -> Question:
    """Answer a question, or edit its answer. `values`: `answer`, `public` ("1" when ticked),
    `version` (the version the form was drawn from). One transaction."""
    require_answerer(session, user)
    now = now or utcnow()
    q = _lock(session, question_id)
    if not may_answer(session, user, q):  # another mentor's unit: as if it did not exist
        raise NotFound("Không tìm thấy câu hỏi.")
    fields: dict[str, str] = {}
    text = inputs.read(values, "answer", ANSWER_TEXT, fields)
    if fields:
        raise ValidationFailed("Chưa lưu được câu trả lời: xem các ô báo lỗi.", fields=fields)
    sent = str(values.get("version", ""))
    if sent != str(q.version):
        who = session.get(User, q.answered_by_id) if q.answered_by_id else None
        by = f" ({who.full_name})" if who else ""
        raise Conflict(
            f"Câu hỏi vừa được người khác trả lời hoặc sửa câu trả lời{by}. "
            "Đọc câu trả lời hiện tại rồi sửa lại nếu cần."
        )
    assert user.id is not None
    if q.status != QuestionStatus.answered:
        q.status = QuestionStatus.answered
        q.answered_at = now
        q.answer_minutes = working_minutes(q.asked_at, now, calendar)
    else:
        q.answer_edited_at = now
    q.answer = text
    q.answered_by_id = user.id
    q.public = values.get("public") in ("1", "on", "true", True)
    q.asker_seen_at = None  # new for the asker again
    q.search_text = _search_text(q)
    q.version += 1
    session.add(q)
    session.commit()
    session.refresh(q)
    return q


# ---- lists --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    question: Question
    asker: User | None
    unit: Unit | None
    waited: Working


@dataclass(frozen=True)
class Queue:
    items: list[QueueItem]
    total: int
    now: datetime
    average: Working | None  # mean time to answer, over every answered question


def _users_units(
    session: Session, qs: Iterable[Question]
) -> tuple[dict[int, User], dict[int, Unit]]:
    qs = list(qs)
    user_ids = {q.asker_id for q in qs} | {q.answered_by_id for q in qs if q.answered_by_id}
    unit_ids = {q.unit_id for q in qs}
    users = (
        {u.id: u for u in session.exec(select(User).where(col(User.id).in_(user_ids)))}
        if user_ids
        else {}
    )
    units = (
        {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids)))}
        if unit_ids
        else {}
    )
    return users, units  # type: ignore[return-value]


def queue(
    session: Session,
    *,
    user: User,
    calendar: WorkCalendar,
    now: datetime | None = None,
    procedure_code: str | None = None,
    limit: int = QUEUE_LIMIT,
) -> Queue:
    """Unanswered questions the user may answer (`answer_filter`), oldest first, with the
    working time each has waited."""
    require_answerer(session, user)
    now = now or utcnow()
    where: list[Any] = [Question.status == QuestionStatus.open, answer_filter(session, user)]
    if procedure_code:
        where.append(Question.procedure_code == procedure_code)
    rows = list(
        session.exec(
            select(Question)
            .where(*where)
            .order_by(col(Question.asked_at), col(Question.id))
            .limit(limit)
        ).all()
    )
    total = int(session.exec(select(func.count()).select_from(Question).where(*where)).one())
    users, units = _users_units(session, rows)
    items = [
        QueueItem(
            q,
            users.get(q.asker_id),
            units.get(q.unit_id),
            Working.of(working_minutes(q.asked_at, now, calendar), calendar.day_minutes),
        )
        for q in rows
    ]
    avg = session.exec(
        select(func.avg(Question.answer_minutes)).where(Question.status == QuestionStatus.answered)
    ).one()
    average = Working.of(round(float(avg)), calendar.day_minutes) if avg is not None else None
    return Queue(items=items, total=total, now=now, average=average)


@dataclass(frozen=True)
class MineItem:
    question: Question
    new: bool
    took: Working | None
    waited: Working | None


@dataclass(frozen=True)
class Mine:
    items: list[MineItem]
    new_count: int
    now: datetime


def mine(
    session: Session, *, user: User, calendar: WorkCalendar, now: datetime | None = None
) -> Mine:
    """The asker's own questions, newest first; answers not yet marked read are `new`."""
    now = now or utcnow()
    rows = session.exec(
        select(Question)
        .where(Question.asker_id == user.id)
        .order_by(col(Question.asked_at).desc(), col(Question.id).desc())
        .limit(QUEUE_LIMIT)
    ).all()
    items = []
    for q in rows:
        answered = q.status == QuestionStatus.answered
        waited = (
            None
            if answered
            else Working.of(working_minutes(q.asked_at, now, calendar), calendar.day_minutes)
        )
        items.append(
            MineItem(q, answered and q.asker_seen_at is None, time_to_answer(q, calendar), waited)
        )
    return Mine(items=items, new_count=unread_answers(session, user=user), now=now)


def unread_answers(session: Session, *, user: User) -> int:
    """Answers (new or edited) to the user's questions that they have not marked read."""
    return int(
        session.exec(
            select(func.count())
            .select_from(Question)
            .where(
                Question.asker_id == user.id,
                Question.status == QuestionStatus.answered,
                col(Question.asker_seen_at).is_(None),
            )
        ).one()
    )


def open_count(session: Session, user: User) -> int:
    """The unanswered questions `user` may answer."""
    where = [Question.status == QuestionStatus.open, answer_filter(session, user)]
    return int(session.exec(select(func.count()).select_from(Question).where(*where)).one())


def badge_count(session: Session, *, user: User) -> int:
    """For the nav badge: unread answers for an asker, plus the open queue for an answerer."""
    count = unread_answers(session, user=user)
    if can_answer(session, user):
        count += open_count(session, user)
    return count


def mark_read(
    session: Session, *, user: User, at: datetime | None = None, now: datetime | None = None
) -> int:
    """Mark as read the user's answers given or edited up to `at` (the instant the page was
    drawn, never later than now), so an answer arriving meanwhile stays new. One transaction."""
    now = now or utcnow()
    at = min(at or now, now)
    result = session.execute(
        update(Question)
        .where(
            col(Question.asker_id) == user.id,
            col(Question.status) == QuestionStatus.answered,
            col(Question.asker_seen_at).is_(None),
            col(Question.answered_at) <= at,
            or_(col(Question.answer_edited_at).is_(None), col(Question.answer_edited_at) <= at),
        )
        .values(asker_seen_at=now)
    )
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# ---- FAQ and search -----------------------------------------------------------------------------


def _like_all(text: str | None) -> list[Any]:
    """One `LIKE` per folded word: every word must appear, in any order, accents ignored."""
    out = []
    for word in fold(text or "").split():
        needle = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        out.append(col(Question.search_text).like(f"%{needle}%", escape="\\"))
    return out


def _answered_where(private_of: Any = None) -> list[Any]:
    """Answered questions: the public ones, and the private ones `private_of` selects."""
    public = col(Question.public).is_(True)
    shown = public if private_of is None else or_(public, private_of)
    return [Question.status == QuestionStatus.answered, shown]


@dataclass(frozen=True)
class FaqItem:
    question: Question
    took: Working | None


@dataclass
class FaqGroup:
    state: str | None
    label: str | None  # None: about the procedure as a whole
    items: list[FaqItem] = field(default_factory=list)


@dataclass(frozen=True)
class Faq:
    groups: list[FaqGroup]
    shown: int
    total: int  # matching the search
    q: str


def faq(
    session: Session,
    *,
    procedure: Procedure,
    calendar: WorkCalendar,
    q: str | None = None,
    limit: int = FAQ_LIMIT,
) -> Faq:
    """Answered public questions of one procedure, grouped by step in the procedure's order
    (questions about the whole procedure first); the newest `limit` of those matching `q`."""
    where = [
        *_answered_where(),
        Question.procedure_code == procedure.code,
        *_like_all(q),
    ]
    rows = session.exec(
        select(Question)
        .where(*where)
        .order_by(col(Question.answered_at).desc(), col(Question.id).desc())
        .limit(limit)
    ).all()
    total = int(session.exec(select(func.count()).select_from(Question).where(*where)).one())
    groups: dict[str | None, FaqGroup] = {None: FaqGroup(None, None)}
    for sid, s in procedure.states.items():
        groups[sid] = FaqGroup(sid, s.label)
    for row in rows:
        key = row.state if row.state in groups else None  # a step since removed: general
        groups[key].items.append(FaqItem(row, time_to_answer(row, calendar)))
    found = [g for g in groups.values() if g.items]
    return Faq(groups=found, shown=len(rows), total=total, q=(q or "").strip())


@dataclass(frozen=True)
class Answered:
    question: Question
    took: Working | None


def search_answered(
    session: Session,
    *,
    user: User | None,
    calendar: WorkCalendar,
    q: str | None = None,
    procedure_code: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[Answered]:
    """Answered questions across procedures, newest answer first. Answerers also see the
    private ones they may answer (to find and edit them); everyone else only the public FAQ."""
    private = answer_filter(session, user) if can_answer(session, user) else None
    where = [*_answered_where(private), *_like_all(q)]
    if procedure_code:
        where.append(Question.procedure_code == procedure_code)
    total = int(session.exec(select(func.count()).select_from(Question).where(*where)).one())
    rows = session.exec(
        select(Question)
        .where(*where)
        .order_by(col(Question.answered_at).desc(), col(Question.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    items = [Answered(r, time_to_answer(r, calendar)) for r in rows]
    return Page[Answered](items, total, page, per_page)


def people(session: Session, qs: Iterable[Question]) -> tuple[dict[int, User], dict[int, Unit]]:
    """Askers, answerers and units of some questions, by id (for the pages)."""
    return _users_units(session, qs)
