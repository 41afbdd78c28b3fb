"""The trainee's side of review: "Nộp để nhận xét" and replies in a mentor's comment thread.

A trainee of a practice run is an officer who opened it or fired one of its actions
(`runs.trainee_ids`). Each write owns one transaction like the mentor's: lock the dossier row,
check (404 if the user may not see the dossier; 403 for a real dossier or for someone who did none
of the run's work), write one event row with `record_event` (hash chain), commit.

- **submit** (kind ``submitted``): asks the assigned mentors for a verdict; the run waits in their
  queue until one comes. Refused (409, with the reason) while it already waits, while the latest
  verdict is current (passed; or returned for redo and not yet redone), or when the run was started
  again from scratch. After a redo and new work it can be submitted again. A submission neither
  moves the run nor bumps its version.
- **withdraw** (kind ``withdrawn``): takes the latest submission back while no mentor has
  started on it (no comment, score or verdict since it): the run leaves the queue and the
  reminders, the history says so, and it can be submitted again. Refused (409, with the reason)
  when nothing waits or a mentor has started.
- **reply** (kind ``comment`` with ``"by": "trainee"``): a reply to a comment of the run, in its
  thread, like a mentor's reply. Trainees do not open threads of their own: mentors comment, and
  trainees answer.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from casework.accounts.models import User
from casework.db import utcnow
from casework.dossiers import access
from casework.dossiers.catalog import procedure_of
from casework.dossiers.events import record_event
from casework.dossiers.models import Dossier, Event, Mode
from casework.dossiers.queries import timeline
from casework.dossiers.service import _lock_dossier
from casework.errors import ActionNotAllowed, NotFound, PermissionDenied, ValidationFailed
from casework.reviews.runs import (
    BY_TRAINEE,
    SUBMITTED,
    WITHDRAWN,
    WORK_KINDS,
    run_status,
    submit_refusal,
)
from casework.reviews.service import MAX_NOTE, _commit, clean_text, comment_target, write_comment

SUBMIT_LABEL = "Nộp để nhận xét"
WITHDRAW_LABEL = "Rút lại bài nộp để nhận xét"


def acted_on(session: Session, user: User, dossier: Dossier) -> bool:
    """`user` opened the dossier or fired one of its actions."""
    found = session.exec(
        select(Event.id).where(
            Event.dossier_id == dossier.id,
            Event.actor_id == user.id,
            col(Event.kind).in_(WORK_KINDS),
        )
    ).first()
    return found is not None


def _lock_as_trainee(session: Session, actor: User, code: str, what: str) -> Dossier:
    dossier = _lock_dossier(session, code)
    if not access.can_view(session, actor, dossier):
        raise NotFound(f"Không tìm thấy hồ sơ {code}.")
    if dossier.mode != Mode.practice:
        raise PermissionDenied(f"Chỉ hồ sơ làm thử mới {what}. Hồ sơ {code} là hồ sơ thật.")
    if not acted_on(session, actor, dossier):
        raise PermissionDenied(
            f"Chỉ cán bộ đã làm hồ sơ làm thử {code} (mở hồ sơ hoặc thực hiện một bước) mới {what}."
        )
    return dossier


def submit(
    session: Session, *, actor: User, code: str, note: str = "", now: datetime | None = None
) -> Event:
    """Submit the practice run for review (see the module doc)."""
    now = now or utcnow()
    dossier = _lock_as_trainee(session, actor, code, "nộp để nhận xét")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(
            "Chưa nộp được: lời nhắn quá dài.", fields={"note": f"Tối đa {MAX_NOTE} ký tự."}
        )
    _, procedure = procedure_of(session, dossier)
    status = run_status(timeline(session, dossier))
    refusal = submit_refusal(dossier, procedure, status)
    if refusal is not None:
        raise ActionNotAllowed(f"Chưa nộp được hồ sơ {code}: {refusal}")
    ev = record_event(
        session,
        dossier=dossier,
        kind=SUBMITTED,
        at=now,
        actor_id=actor.id,
        payload={
            "label": SUBMIT_LABEL,
            "state": dossier.state,
            "round": status.submissions + 1,
            "note": note,
        },
    )
    session.add(dossier)
    _commit(session, code)
    return ev


def withdraw(session: Session, *, actor: User, code: str, now: datetime | None = None) -> Event:
    """Take back the run's latest submission (see the module doc)."""
    now = now or utcnow()
    dossier = _lock_as_trainee(session, actor, code, "rút lại bài nộp")
    status = run_status(timeline(session, dossier))
    if not status.waiting or status.submitted is None:
        raise ActionNotAllowed(
            f"Không rút lại được hồ sơ {code}: hồ sơ không ở trong hàng chờ nhận xét."
        )
    if not status.untouched:
        raise ActionNotAllowed(
            f"Không rút lại được hồ sơ {code}: cán bộ hướng dẫn đã bắt đầu xem "
            "(đã góp ý hoặc chấm điểm sau lần nộp này)."
        )
    ev = record_event(
        session,
        dossier=dossier,
        kind=WITHDRAWN,
        at=now,
        actor_id=actor.id,
        payload={"label": WITHDRAW_LABEL, "round": status.submissions},
    )
    session.add(dossier)
    _commit(session, code)
    return ev


def reply(
    session: Session,
    *,
    actor: User,
    code: str,
    reply_to: int | str | None,
    text: str,
    now: datetime | None = None,
) -> Event:
    """The trainee's reply to comment `reply_to` of their practice run."""
    now = now or utcnow()
    dossier = _lock_as_trainee(session, actor, code, "trả lời góp ý")
    text = clean_text(text)
    if reply_to in (None, ""):
        raise ValidationFailed(
            "Chưa gửi được: học viên trả lời một góp ý có sẵn (nút «Trả lời» dưới góp ý).",
            fields={"reply_to": "Chọn góp ý để trả lời."},
        )
    target, parent = comment_target(session, dossier, None, reply_to)
    return write_comment(session, dossier, actor, target, parent, text, now, by=BY_TRAINEE)
