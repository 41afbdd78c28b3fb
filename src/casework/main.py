"""`create_app()`: the FastAPI application, with settings and engine injectable for tests."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.middleware.sessions import SessionMiddleware

from casework import __version__, capabilities
from casework.accounts import views as account_views
from casework.admin import calendar_views
from casework.admin import views as admin_views
from casework.api import v1
from casework.certificates import views as certificate_views
from casework.classes import views as class_views
from casework.clock import default_calendar
from casework.db import engine_for, write_engine
from casework.dossiers import practice, slip_views
from casework.dossiers import views as dossier_views
from casework.dossiers.clockwork import CalendarSource
from casework.findings import views as finding_views
from casework.handbook import views as handbook_views
from casework.inspections import views as inspection_views
from casework.learning import views as learning_views
from casework.loaded import load_catalogue
from casework.notifications import views as notification_views
from casework.progress import dashboard as progress_dashboard
from casework.progress import views as progress_views
from casework.questions import views as question_views
from casework.readiness import views as readiness_views
from casework.reports import audit_views
from casework.reports import views as report_views
from casework.reviews import views as review_views
from casework.scenarios import views as scenario_views
from casework.settings import Settings, get_settings
from casework.signoffs import views as signoff_views
from casework.units import views as unit_views
from casework.web import handlers, i18n, pages, security
from casework.web.i18n import LocaleMiddleware
from casework.web.templating import make_templates
from casework.workshop import import_views as workshop_import_views
from casework.workshop import live
from casework.workshop import views as workshop_views
from casework.workshop.scenario_store import sync_scenarios
from casework.workshop.startup import sync_repository

DESCRIPTION = """
API của **casework** — theo dõi hồ sơ thủ tục hành chính lĩnh vực KH&CN được phân cấp cho
Sở KH&CN và UBND cấp xã (2025).

Xác thực: `Authorization: Bearer <token>`; tạo mã bằng lệnh `casework users token TÊN_ĐĂNG_NHẬP`.
Mọi lỗi trả về JSON `{"error": {"code", "message", "details"}}`, thông báo bằng tiếng Việt.
Người dùng chỉ thấy hồ sơ của đơn vị mình (kiểm tra viên, quản trị: cả đơn vị cấp dưới).
Cán bộ hướng dẫn chỉ thấy hồ sơ làm thử của các đơn vị **được phân công** (và đơn vị cấp dưới);
hồ sơ thật chỉ khi phân công cho phép, và chỉ xem. Góp ý, chấm điểm, nhận xét, bài thực hành và
hỏi đáp có trên trang web, chưa có trong API.
"""


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the app. Refuses (raises `ProcedureErrors`) if any procedure file is invalid."""
    settings = settings or get_settings()
    i18n.configure(settings.locales_dir)
    registry, scenarios, quizzes = load_catalogue(settings.workflows_dir)
    own_engine = engine is None
    engine = engine or engine_for(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # a writing session (SQLite: BEGIN IMMEDIATE): workers starting together on a fresh
        # database store the definitions one after the other instead of failing
        with Session(write_engine(engine)) as session:
            # an empty catalogue publishes the files; later a changed file becomes a draft
            sync_repository(session, registry.all(), settings.workflows_dir)
            sync_scenarios(session, scenarios, settings.workflows_dir)  # the same for scenarios
            live.load(app.state, session)  # the registry serves the versions in force
        logging.getLogger("casework").info(
            "app_started procedures=%d database=%s",
            len(registry.all()),
            engine.url.get_backend_name(),
        )
        capabilities.log_missing()  # one line per missing system package (diagrams, PDF)
        to_thread.current_default_thread_limiter().total_tokens = settings.threads
        if getattr(app.state, "freeze_heap", False):  # a served worker (`serving.served_app`)
            gc.collect()
            gc.freeze()
        yield
        if own_engine:
            engine.dispose()

    app = FastAPI(
        title="casework",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by pages.api_docs from vendored Swagger UI files
        redoc_url=None,  # ReDoc would load from a CDN; Swagger UI's page is enough
        openapi_tags=[{"name": "api v1", "description": "Thủ tục, hồ sơ, thao tác, nhật ký."}],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.registry = registry
    app.state.file_registry = registry  # the files as read; `registry` follows the database
    app.state.scenarios = scenarios
    app.state.file_scenarios = scenarios  # the files as read; `scenarios` follows the database
    app.state.quizzes = quizzes
    app.state.calendars = CalendarSource(default_calendar(settings.workflows_dir))
    app.state.templates = make_templates(
        settings.templates_dir, settings.timezone, reload=settings.env == "dev"
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="casework_session",
        max_age=settings.session_max_age_hours * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(LocaleMiddleware, secure=settings.secure_cookies)
    handlers.install(app)
    security.install(app, hsts=settings.secure_cookies)
    app.include_router(v1.router)
    app.include_router(pages.router)
    app.include_router(account_views.router)
    app.include_router(handbook_views.router)
    app.include_router(dossier_views.router)
    app.include_router(slip_views.router)
    app.include_router(practice.router)
    app.include_router(scenario_views.router)
    app.include_router(question_views.router)
    app.include_router(review_views.router)
    app.include_router(progress_dashboard.router)
    app.include_router(progress_views.router)
    app.include_router(learning_views.router)
    app.include_router(signoff_views.router)
    app.include_router(calendar_views.router)
    app.include_router(admin_views.router)
    app.include_router(report_views.router)
    app.include_router(audit_views.router)
    app.include_router(readiness_views.router)
    app.include_router(notification_views.router)
    app.include_router(certificate_views.router)
    app.include_router(finding_views.router)
    app.include_router(inspection_views.router)
    app.include_router(class_views.router)
    app.include_router(unit_views.router)
    app.include_router(workshop_views.router)
    app.include_router(workshop_import_views.router)
    app.mount("/static", StaticFiles(directory=settings.templates_dir / "static"), name="static")
    return app
