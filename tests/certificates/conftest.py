from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def up(tmp_path: Path) -> Path:
    """Where evidence files go (apart from the SQLite file in tmp_path)."""
    path = tmp_path / "uploads"
    path.mkdir()
    return path
