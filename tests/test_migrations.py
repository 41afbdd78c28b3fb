"""Models and migrations agree (`alembic check`) on both databases."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from casework.migrations import config


def test_models_and_migrations_agree(engine):
    url = engine.url.render_as_string(hide_password=False)
    command.check(config(url))  # raises if autogenerate would emit anything


def test_every_table_exists_after_upgrade(engine):
    tables = set(inspect(engine).get_table_names())
    assert {
        "unit",
        "user",
        "api_token",
        "procedure_version",
        "dossier",
        "event",
        "attachment",
    } <= tables
