"""Models and migrations agree (`alembic check`) on both databases."""

from __future__ import annotations

import pytest
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


def _fresh_url(request, tmp_path, backend):
    """An empty database (no tables) on `backend`, dropped after the test."""
    import uuid

    from sqlalchemy.engine import make_url

    from tests.conftest import _admin_connect

    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    base = request.getfixturevalue("pg_url")
    name = f"casework_mig_{uuid.uuid4().hex[:8]}"
    admin = _admin_connect(base)
    admin.execute(f'CREATE DATABASE "{name}"')
    request.addfinalizer(
        lambda: (admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)'), admin.close())
    )
    return make_url(base).set(database=name).render_as_string(hide_password=False)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrading_a_database_with_dossiers_keeps_them(request, tmp_path, backend):
    from sqlalchemy import text

    from casework.db import make_engine
    from casework.migrations import upgrade

    url = _fresh_url(request, tmp_path, backend)
    upgrade(url, "0001")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO unit (id, code, name, kind, path) VALUES (1, 'SKHCN.HNI', 'Sở', 'department', '/1/')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO procedure_version (id, code, version, name, content_hash, definition, source_file, created_at) "
                "VALUES (1, '2.002131', 1, 'X', 'h', '{}', '', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO dossier (id, code, procedure_version_id, procedure_code, mode, state, national_status, "
                "applicant_kind, applicant_name, applicant_id_number, applicant_address, applicant_phone, "
                "applicant_email, channel, receiving_unit_id, handling_unit_id, received_at, created_at, updated_at, "
                "version, event_count, last_event_hash, data) VALUES (1, 'SKHCN.HNI-260213-0001', 1, '2.002131', "
                "'real', 'received', 2, 'organisation', 'Bệnh viện Đa khoa Hồng Ngọc', '', '', '', '', 'in_person', "
                "1, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, 0, '', '{}')"
            )
        )
    upgrade(url)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT supplement_requests, extensions, search_text FROM dossier")
        ).one()
    engine.dispose()
    assert tuple(row) == (0, 0, "skhcn.hni-260213-0001 benh vien da khoa hong ngoc")


def test_replicas_upgrading_at_once_on_postgresql(request, tmp_path):
    """Three app replicas starting together each run `casework db upgrade`: one migrates, the
    others wait for its advisory lock and find nothing left to do; none fails."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from sqlalchemy import text

    from casework.db import make_engine

    url = _fresh_url(request, tmp_path, "postgresql")
    casework = Path(sys.executable).parent / "casework"
    env = {**os.environ, "CASEWORK_DATABASE_URL": url}
    replicas = [
        subprocess.Popen(
            [str(casework), "db", "upgrade"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=180)[0].decode() for p in replicas]
    assert [p.returncode for p in replicas] == [0, 0, 0], outputs
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
            tables = conn.execute(
                text("SELECT count(*) FROM information_schema.tables WHERE table_name = 'event'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert len(versions) == 1
    assert tables == 1
