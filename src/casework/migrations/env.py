"""Alembic environment: the same revision files run on SQLite (batch mode) and PostgreSQL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import text

import casework.models  # noqa: F401  (registers every table)
from casework.db import make_engine, metadata

config = context.config
#: PostgreSQL advisory lock key held while migrating ("casework" in ASCII, as a number).
MIGRATION_LOCK = 0x63617365776F726B
#: Indexes a migration builds only where the database allows it, so not in the models; the
#: comparison of the models with the database leaves them alone (0030: pg_trgm's trigram index)
OPTIONAL_INDEXES = frozenset({"ix_user_search_name_trgm"})


def _compared(_obj: object, name: str | None, type_: str, _reflected: bool, _to: object) -> bool:
    return not (type_ == "index" and name in OPTIONAL_INDEXES)


def _url() -> str:
    url = os.environ.get("CASEWORK_ALEMBIC_URL") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from casework.settings import get_settings

    return get_settings().database_url


url = _url()


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_compared,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several app replicas upgrading at once: one migrates, the others wait here and then
            # find nothing left to do (the lock ends with the transaction).
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
