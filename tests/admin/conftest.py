"""Fixtures for the admin pages: the app with the admin and notification routers mounted
(until `create_app` mounts them itself), and admins of the test world's units."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from casework.accounts import service as accounts


def with_new_routers(app: FastAPI) -> FastAPI:
    from casework.admin import views as admin_views
    from casework.notifications import views as notification_views

    paths = {getattr(r, "path", None) for r in app.router.routes}
    if "/admin/users" not in paths:
        app.include_router(admin_views.router)
    if "/notifications" not in paths:
        app.include_router(notification_views.router)
    return app


@pytest.fixture
def app(app):  # type: ignore[no-untyped-def]
    return with_new_routers(app)


@pytest.fixture
def admins(session, world):  # type: ignore[no-untyped-def]
    """Admins of HNI, of KHA and of the ministry."""
    return {
        name: accounts.create_user(
            session, username=name, full_name=f"Quản trị {name}", unit=unit, roles=["admin"]
        )
        for name, unit in (
            ("hni.admin", world.hni),
            ("kha.admin", world.kha),
            ("bo.admin", world.ministry),
        )
    }
