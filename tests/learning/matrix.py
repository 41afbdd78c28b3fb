"""The learning path's part of the access matrix (`tests/security/test_access_matrix.py`) and of
the crawler (`tests/web/test_every_page.py`): a quiz attempt of the matrix's trainee for the GET
routes, and the builder of the one POST route (taking a quiz) for `unsafe_requests.BUILDERS`."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from casework.accounts.models import User
from casework.learning import service
from casework.learning.models import QuizAttempt
from casework.learning.quizzes import Quiz, QuizRegistry
from casework.procedures import ProcedureRegistry
from casework.settings import PROJECT_ROOT

CODE = "2.002131"  # the matrix's procedure (unsafe_requests.PROCEDURE) has a quiz


def _quiz(procedures: ProcedureRegistry) -> Quiz:
    return QuizRegistry.from_directory(PROJECT_ROOT / "workflows" / "quizzes", procedures).get(CODE)


def right_answers(quiz: Quiz) -> dict[str, str]:
    return {f"q{i}": str(q.answer_index) for i, q in enumerate(quiz.questions, start=1)}


def attempt_for(session: Session, user: User, procedures: ProcedureRegistry) -> int:
    """A passed attempt of `user` at the quiz of `CODE`, through the service."""
    quiz = _quiz(procedures)
    attempt = service.submit(
        session, user=user, quiz=quiz, values={**right_answers(quiz), "digest": quiz.digest}
    )
    assert attempt.id is not None
    return attempt.id


def take_quiz(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    quiz = _quiz(k.procedures)
    before = k.session.exec(select(QuizAttempt.id).where(QuizAttempt.user_id == who.id)).all()

    def stored(db: Session, r: Any) -> str:
        rows = db.exec(
            select(QuizAttempt).where(
                QuizAttempt.user_id == who.id, QuizAttempt.procedure_code == CODE
            )
        ).all()
        new = [a for a in rows if a.id not in before]
        ok = len(new) == 1 and new[0].passed and r.headers["location"].endswith(f"/{new[0].id}")
        return "" if ok else "no new passed attempt of the taker"

    return Sent(
        f"/learning/quizzes/{CODE}", {**right_answers(quiz), "digest": quiz.digest},
        location=rf"^/learning/quizzes/{CODE}/attempts/\d+$", stored=stored,
    )  # fmt: skip


BUILDERS = {("POST", "/learning/quizzes/{code}"): take_quiz}
