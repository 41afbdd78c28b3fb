"""Fixtures of the handbook tests: a published answer (and a private one) to questions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from casework.clock import default_calendar
from casework.questions import service as questions
from casework.questions.models import Question


@pytest.fixture
def publish(session, world, registry) -> Callable[..., Question]:  # type: ignore[no-untyped-def]
    """publish(text, answer, code=..., step=..., public=True): a question asked by
    hni.handler and answered by bo.mentor."""

    def make(
        text: str, answer: str, code: str = "2.002131", step: str = "", public: bool = True
    ) -> Question:
        q = questions.ask(
            session,
            user=world["hni.handler"],
            procedure=registry.get(code),
            values={"text": text, "step": step},
        )
        assert q.id is not None
        return questions.answer(
            session,
            user=world["bo.mentor"],
            question_id=q.id,
            values={"answer": answer, "public": "1" if public else "", "version": str(q.version)},
            calendar=default_calendar(),
        )

    return make
