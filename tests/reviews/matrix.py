"""The review part of the access matrix (`tests/security/test_access_matrix.py`): one builder per
POST route of the trainee's submission, withdrawal and reply and the mentor's bulk pass, for
`unsafe_requests.BUILDERS`, each on a fresh practice run made through the real services.
(`unsafe_requests` is imported inside the builders: it imports this module at its end.)"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select

from casework.accounts.models import Unit, User
from casework.dossiers import service
from casework.reviews import service as reviews
from casework.reviews import submissions
from casework.reviews.models import MentorAssignment
from tests.factories import TZ

PROCEDURE = "2.002131"


def submit(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent, _event

    d = k.dossier(mode)  # opened by hni.receiver, the only one the rule allows

    def stored(db: Session, r: Any) -> str:
        ev = _event(db, d.code, kind="submitted", actor_id=who.id)
        return "" if ev is not None else "no submission event"

    return Sent(
        f"/dossiers/{d.code}/reviews/submit", {"note": "Nhờ xem giúp."},
        location=f"^/dossiers/{re.escape(d.code)}#submit-review$", stored=stored,
    )  # fmt: skip


def reply(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent, _event

    d = k.dossier(mode)
    comment = reviews.add_comment(
        k.session, actor=k.people["bo.mentor"], code=d.code, on=1, text="Kiểm tra lại phiếu."
    )
    text = k.fresh("Em đã xem lại, lần ")

    def stored(db: Session, r: Any) -> str:
        ev = _event(db, d.code, kind="comment", actor_id=who.id)
        ok = ev is not None and ev.payload == {
            "on": 1, "reply_to": comment.seq, "text": text, "by": "trainee",
        }  # fmt: skip
        return "" if ok else "no reply in the thread"

    return Sent(
        f"/dossiers/{d.code}/reviews/replies", {"reply_to": str(comment.seq), "text": text},
        location=rf"^/dossiers/{re.escape(d.code)}#ev-\d+$", stored=stored,
    )  # fmt: skip


def withdraw(k: Any, who: User, mode: str) -> Any:
    """The trainee's own submission, no mentor has looked yet: taken back."""
    from tests.security.unsafe_requests import Sent, _event

    d = k.dossier(mode)
    submissions.submit(k.session, actor=who, code=d.code)

    def stored(db: Session, r: Any) -> str:
        ev = _event(db, d.code, kind="withdrawn", actor_id=who.id)
        return "" if ev is not None else "no withdrawal event"

    return Sent(
        f"/dossiers/{d.code}/reviews/withdraw", {},
        location=f"^/dossiers/{re.escape(d.code)}#submit-review$", stored=stored,
    )  # fmt: skip


def bulk_pass(k: Any, who: User, mode: str) -> Any:
    """A finished, submitted run of a unit the mentor coaches, passed with a common comment."""
    from tests.security.unsafe_requests import Sent, _event

    row = k.session.exec(select(MentorAssignment).where(MentorAssignment.mentor_id == who.id))
    unit = k.session.get(Unit, row.first().unit_id)
    officer = k.user(unit, ["receiver", "handler", "leader"])
    d = service.open_dossier(
        k.session, actor=officer, procedure=k.procedures.get(PROCEDURE),
        applicant=service.Applicant(name=k.fresh("Cơ sở làm xong "), kind="organisation"),
        mode="practice", tz=TZ,
    )  # fmt: skip
    steps = [
        ("accept", {}),
        ("submit_for_signing", {
            "ket_qua_tham_dinh": "Đủ điều kiện xác nhận khai báo", "result_summary": "Một máy",
        }),
        ("sign", {"decision_number": "1/GXN"}),
        ("return_result", {}),
    ]  # fmt: skip
    for action, data in steps:
        service.fire_action(k.session, actor=officer, code=d.code, action=action, data=data, tz=TZ)
    submissions.submit(k.session, actor=officer, code=d.code)

    def stored(db: Session, r: Any) -> str:
        ev = _event(db, d.code, kind="review", action="pass", actor_id=who.id)
        ok = ev is not None and ev.payload["note"] == "Làm đúng cả quy trình."
        return "" if ok and "Đã nhận xét đạt 1 hồ sơ" in r.text else "no verdict written"

    return Sent(
        "/reviews/bulk-pass", {"code": d.code, "note": "Làm đúng cả quy trình."},
        status=200, stored=stored,
    )  # fmt: skip


BUILDERS = {
    ("POST", "/dossiers/{code}/reviews/submit"): submit,
    ("POST", "/dossiers/{code}/reviews/replies"): reply,
    ("POST", "/dossiers/{code}/reviews/withdraw"): withdraw,
    ("POST", "/reviews/bulk-pass"): bulk_pass,
}
