from __future__ import annotations

import pytest

from tests.admin.conftest import with_new_routers


@pytest.fixture
def app(app):  # type: ignore[no-untyped-def]
    return with_new_routers(app)
