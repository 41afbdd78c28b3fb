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
