"""Settings: safe defaults, and no production start with the default secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from casework.settings import DEFAULT_SECRET, Settings


def test_defaults_are_a_laptop_setup():
    s = Settings(_env_file=None)
    assert s.database_url.startswith("sqlite:///")
    assert s.timezone == "Asia/Ho_Chi_Minh"
    assert s.demo_allowed


def test_production_refuses_the_default_secret():
    with pytest.raises(ValidationError, match="CASEWORK_SECRET_KEY"):
        Settings(_env_file=None, env="production", secret_key=DEFAULT_SECRET)


def test_production_with_a_real_secret_is_fine(monkeypatch):
    monkeypatch.setenv("CASEWORK_ENV", "production")
    monkeypatch.setenv("CASEWORK_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("CASEWORK_DATABASE_URL", "postgresql+psycopg://app@db/casework")
    s = Settings(_env_file=None)
    assert s.env == "production"
    assert not s.demo_allowed
    assert s.database_url.endswith("/casework")


def test_pool_sizes_apply_to_postgresql(monkeypatch):
    from casework.db import engine_for

    monkeypatch.setenv("CASEWORK_DB_POOL_SIZE", "3")
    monkeypatch.setenv("CASEWORK_DB_MAX_OVERFLOW", "1")
    s = Settings(_env_file=None, database_url="postgresql+psycopg://app@db/casework")
    engine = engine_for(s)  # no connection is made yet
    assert (engine.pool.size(), engine.pool._max_overflow) == (3, 1)  # type: ignore[attr-defined]
    sqlite = engine_for(Settings(_env_file=None, database_url="sqlite://"))
    assert sqlite.url.get_backend_name() == "sqlite"


def test_the_english_catalogue_comes_from_the_locales_setting(tmp_path):
    """An installed app reads its catalogues where CASEWORK_LOCALES_DIR says; a missing one
    stops the start with its path instead of an English page that stays Vietnamese."""
    import shutil

    from fastapi.testclient import TestClient

    from casework.main import create_app
    from casework.settings import PROJECT_ROOT
    from casework.web import i18n

    missing = tmp_path / "nowhere"
    with pytest.raises(ValueError, match=f"{missing}/en/LC_MESSAGES/messages.po"):
        create_app(Settings(_env_file=None, env="test", locales_dir=missing))
    copy = tmp_path / "locales"
    shutil.copytree(PROJECT_ROOT / "locales", copy)
    po = copy / "en" / "LC_MESSAGES" / "messages.po"
    po.write_text(
        po.read_text().replace('msgstr "Procedure handbook"', 'msgstr "Handbook (from the copy)"')
    )
    db = tmp_path / "c.db"
    from casework.migrations import upgrade

    upgrade(f"sqlite:///{db}")
    try:
        app = create_app(
            Settings(_env_file=None, env="test", database_url=f"sqlite:///{db}", locales_dir=copy)
        )
        with TestClient(app) as c:
            assert "Handbook (from the copy)" in c.get("/procedures?lang=en").text
    finally:
        i18n.configure(PROJECT_ROOT / "locales")
