"""Learning pages: the trainee's paths (`/learning`), a quiz (one page, every question, a plain
form post that works without JavaScript), and an attempt's result with each answer explained.

Thin views: one service call, one template. A quiz with a question left blank is shown again
(422) with the answers kept and each blank question named; a quiz that changed meanwhile is shown
again (409) as it is now. Only trainees (acting roles) take quizzes: 403 for anyone else.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from casework.accounts.models import User
from casework.dossiers.clockwork import CalendarSource
from casework.errors import Conflict, PermissionDenied, ValidationFailed
from casework.ids import IdPath
from casework.learning import service
from casework.learning.levels import catalog_of
from casework.learning.models import QuizAttempt
from casework.learning.quizzes import PASS_PERCENT, Quiz, QuizRegistry
from casework.procedures import ProcedureRegistry
from casework.progress import service as progress_service
from casework.scenarios.schema import ScenarioRegistry
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import CalendarsDep, RegistryDep, SessionDep
from casework.web.forms import form_texts
from casework.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def quizzes_of(request: Request) -> QuizRegistry:
    registry: QuizRegistry = request.app.state.quizzes
    return registry


def _scenarios(request: Request) -> ScenarioRegistry:
    registry: ScenarioRegistry = request.app.state.scenarios
    return registry


def summary_for(
    request: Request,
    session: Session,
    trainee: User,
    procedures: ProcedureRegistry,
    calendars: CalendarSource,
    progress: progress_service.Progress | None = None,
) -> service.Summary | None:
    """The trainee's paths and streak (their progress computed here unless given); None for a
    user who is no trainee. Also the path section of the trainee's progress page."""
    if not service.is_trainee(trainee) or trainee.id is None:
        return None
    if progress is None:
        progress = progress_service.progress_of(
            session, [trainee], scenarios=_scenarios(request), calendars=calendars
        )[trainee.id]
    return service.summary(
        session,
        user=trainee,
        progress=progress,
        procedures=procedures,
        scenarios=_scenarios(request),
        quizzes=quizzes_of(request),
        calendars=calendars,
        tz=ZoneInfo(request.app.state.settings.timezone),
    )


@router.get("/learning")
def learning_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    procedures: RegistryDep,
    calendars: CalendarsDep,
) -> Response:
    context = {
        "learning": summary_for(request, session, user, procedures, calendars),
        "levels": service.path.LEVELS,
        "pass_percent": PASS_PERCENT,
    }
    return render(request, "learning/index.html", context, user=user)


# ---- a quiz -----------------------------------------------------------------------------------


def _quiz_page(
    request: Request,
    session: Session,
    user: User,
    quiz: Quiz,
    procedures: ProcedureRegistry,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "quiz": quiz,
        "procedure": procedures.get(quiz.procedure),
        "values": values or {},
        "errors": errors or {},
        "message": message,
        "pass_percent": PASS_PERCENT,
        "attempts": service.recent_attempts(session, user=user, code=quiz.procedure),
    }
    return render(request, "learning/quiz.html", context, user=user, status_code=status_code)


def _taker(user: User) -> None:
    if not service.is_trainee(user):
        raise PermissionDenied(
            "Chỉ cán bộ tiếp nhận, thụ lý hoặc lãnh đạo đang hoạt động mới làm bài trắc nghiệm."
        )


@router.get("/learning/quizzes/{code}")
def quiz_page(
    code: str, request: Request, session: SessionDep, user: PageUser, procedures: RegistryDep
) -> Response:
    quiz = quizzes_of(request).get(code)
    _taker(user)
    return _quiz_page(request, session, user, quiz, procedures)


@router.post("/learning/quizzes/{code}")
async def submit_quiz(
    code: str, request: Request, session: SessionDep, user: PageUser, procedures: RegistryDep
) -> Response:
    quiz = quizzes_of(request).get(code)
    _taker(user)
    form = await request.form()
    values = {k: v for k, v in form_texts(form).items() if k != "csrf_token"}
    try:
        attempt = service.submit(
            session, user=user, quiz=quiz, values=values, levels=catalog_of(request.app.state)
        )
    except ValidationFailed as exc:
        session.rollback()
        return _quiz_page(
            request, session, user, quiz, procedures,
            values=values, errors=exc.fields, message=exc.message, status_code=422,
        )  # fmt: skip
    except Conflict as exc:
        session.rollback()
        return _quiz_page(
            request, session, user, quiz, procedures, message=exc.message, status_code=409
        )
    return RedirectResponse(f"/learning/quizzes/{code}/attempts/{attempt.id}", status_code=303)


@router.get("/learning/quizzes/{code}/attempts/{attempt_id}")
def attempt_page(
    code: str,
    attempt_id: IdPath,
    request: Request,
    session: SessionDep,
    user: PageUser,
    procedures: RegistryDep,
) -> Response:
    attempt: QuizAttempt = service.attempt_of(session, user=user, code=code, attempt_id=attempt_id)
    quiz = quizzes_of(request).get(code) if code in quizzes_of(request) else None
    same = quiz is not None and quiz.digest == attempt.quiz_digest
    context = {
        "attempt": attempt,
        "quiz": quiz,
        "same": same,
        "rows": list(zip(quiz.questions, attempt.answers, strict=True)) if same and quiz else [],
        "procedure": procedures.get(code) if code in procedures else None,
        "code": code,
        "pass_percent": PASS_PERCENT,
    }
    return render(request, "learning/attempt.html", context, user=user)
