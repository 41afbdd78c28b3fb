"""Templates are looked at again on every render only in development (issue 19)."""

from __future__ import annotations

import pytest

from casework.main import create_app
from casework.settings import Settings


@pytest.mark.parametrize(("env", "reload"), [("dev", True), ("test", False), ("production", False)])
def test_templates_reload_only_in_development(env, reload, tmp_path):
    settings = Settings(
        env=env,
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        secret_key="k" * 40,
        upload_dir=tmp_path / "uploads",
    )
    app = create_app(settings)
    assert app.state.templates.env.auto_reload is reload
