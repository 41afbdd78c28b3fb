"""Mentor review fixtures: the app with the reviews router, a mentor assigned to Hà Nội."""

from __future__ import annotations

import pytest

from casework.reviews.models import MentorAssignment


@pytest.fixture
def app(engine, tmp_path):  # type: ignore[no-untyped-def]
    """The app, with the reviews pages mounted even before main.py includes them."""
    from casework.main import create_app
    from casework.reviews import views
    from casework.settings import Settings

    settings = Settings(env="test", database_url="sqlite://", upload_dir=tmp_path / "uploads")
    application = create_app(settings, engine=engine)
    paths = {getattr(r, "path", None) for r in application.router.routes}
    if "/reviews" not in paths:
        application.include_router(views.router)
    return application


@pytest.fixture
def assigned(session, world):  # type: ignore[no-untyped-def]
    """bo.mentor coaches Sở KH&CN Hà Nội (and the commune below it), practice dossiers only."""
    row = MentorAssignment(mentor_id=world["bo.mentor"].id, unit_id=world.hni.id)
    session.add(row)
    session.commit()
    return row
