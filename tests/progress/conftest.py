"""Progress fixtures: the app with the progress router, provinces on the world's units, a mentor
assigned to Hà Nội and an admin of Sở KH&CN Hà Nội."""

from __future__ import annotations

import pytest

from casework.accounts import service as accounts
from casework.reviews.models import MentorAssignment


@pytest.fixture
def app(engine, tmp_path):  # type: ignore[no-untyped-def]
    """The app, with the progress pages mounted even before main.py includes them."""
    from casework.main import create_app
    from casework.progress import views
    from casework.settings import Settings

    settings = Settings(env="test", database_url="sqlite://", upload_dir=tmp_path / "uploads")
    application = create_app(settings, engine=engine)
    paths = {getattr(r, "path", None) for r in application.router.routes}
    if "/progress" not in paths:
        application.include_router(views.router)
    return application


@pytest.fixture
def provinces(session, world):  # type: ignore[no-untyped-def]
    for unit, province in (
        (world.hni, "Hà Nội"),
        (world.commune, "Hà Nội"),
        (world.kha, "Khánh Hòa"),
    ):
        unit.province = province
        session.add(unit)
    session.commit()
    return world


@pytest.fixture
def assigned(session, provinces):  # type: ignore[no-untyped-def]
    """bo.mentor coaches Sở KH&CN Hà Nội (and the commune below it)."""
    world = provinces
    row = MentorAssignment(mentor_id=world["bo.mentor"].id, unit_id=world.hni.id)
    session.add(row)
    session.commit()
    return world


@pytest.fixture
def hni_admin(session, world):  # type: ignore[no-untyped-def]
    return accounts.create_user(
        session, username="hni.admin", full_name="Quản trị Hà Nội", unit=world.hni, roles=["admin"]
    )
