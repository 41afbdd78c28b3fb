"""Fixtures of the question tests: the questions router (until `create_app` mounts it itself)
and an admin of the ministry and of a department."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from casework.accounts import service as accounts


def with_questions_router(app: FastAPI) -> FastAPI:
    from casework.questions import views as question_views

    paths = {getattr(r, "path", None) for r in app.router.routes}
    if "/questions" not in paths:
        # before the catch-all handbook/dossier routes does not matter: the paths are distinct
        app.include_router(question_views.router)
    return app


@pytest.fixture
def app(app):  # type: ignore[no-untyped-def]
    return with_questions_router(app)


@pytest.fixture
def admins(session, world):  # type: ignore[no-untyped-def]
    return {
        name: accounts.create_user(
            session, username=name, full_name=f"Quản trị {name}", unit=unit, roles=["admin"]
        )
        for name, unit in (("bo.admin", world.ministry), ("hni.admin", world.hni))
    }
