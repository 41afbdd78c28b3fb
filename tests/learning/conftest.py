"""Learning fixtures: the progress fixtures (provinces on the world's units, a mentor assigned to
Hà Nội) and the shipped quizzes."""

from __future__ import annotations

import pytest

from casework.learning.quizzes import QuizRegistry
from casework.settings import PROJECT_ROOT
from tests.progress.conftest import assigned, hni_admin, provinces  # noqa: F401  (fixtures)


@pytest.fixture(scope="session")
def quizzes(registry) -> QuizRegistry:  # type: ignore[no-untyped-def]
    return QuizRegistry.from_directory(PROJECT_ROOT / "workflows" / "quizzes", registry)
