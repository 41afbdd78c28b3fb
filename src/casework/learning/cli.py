"""`casework learning levels`: rebuild every trainee's stored learning-path levels from their
evidence (after a deployment that adds a quiz, a scenario or a procedure, or moves users)."""

from __future__ import annotations

import typer
from sqlmodel import Session

learning_app = typer.Typer(
    help="Lộ trình học: mức của học viên theo lĩnh vực.", no_args_is_help=True
)


@learning_app.command("levels")
def rebuild_levels() -> None:
    """Tính lại mức lộ trình học của mọi học viên từ kết quả học (dùng sau khi thêm bài trắc
    nghiệm, bài thực hành hay thủ tục)."""
    from casework.db import engine_for, write_engine
    from casework.dossiers.clockwork import CalendarSource, default_calendar
    from casework.learning.levels import Catalog, rebuild
    from casework.loaded import load_catalogue
    from casework.settings import get_settings

    settings = get_settings()
    catalogue = load_catalogue(settings.workflows_dir)
    catalog = Catalog(*catalogue, CalendarSource(default_calendar(settings.workflows_dir)))
    with Session(write_engine(engine_for(settings))) as session:
        n = rebuild(session, catalog)
    typer.echo(f"Đã tính lại mức lộ trình học của {n} người dùng.")
