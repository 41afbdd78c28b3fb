"""Alembic migrations. `casework db upgrade` runs them; `config(url)` builds the Alembic config."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config

HERE = Path(__file__).resolve().parent


def config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logging"] = False
    return cfg


@dataclass(frozen=True)
class Upgraded:
    """What `upgrade` did: the revision before (None: no migration had run) and after, and the
    revisions applied in between, oldest first."""

    before: str | None
    after: str | None
    applied: tuple[str, ...]
    head: str | None


def current_revision(url: str) -> str | None:
    """The database's revision, or None where no migration has run (e.g. a new SQLite file)."""
    from alembic.runtime.migration import MigrationContext

    from casework.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> Upgraded:
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = config(url)
    before = current_revision(url)
    command.upgrade(cfg, revision)
    after = current_revision(url)
    script = ScriptDirectory.from_config(cfg)
    applied = (
        tuple(r.revision for r in script.iterate_revisions(after, before or "base"))[::-1]
        if after != before
        else ()
    )
    return Upgraded(before, after, applied, script.get_current_head())
