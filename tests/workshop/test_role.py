"""The catalogue editor is a ministry role: only a ministry admin grants it, only to ministry users
(admin/grants.py; the HTTP walk of every admin × unit × role is tests/security/grants_matrix.py)."""

from __future__ import annotations

from casework.accounts.models import ROLE_LABELS, Role, Unit
from casework.admin.grants import grantable, offered


def _unit(kind: str, uid: int) -> Unit:
    return Unit(id=uid, code=f"U{uid}", name=kind, kind=kind)


def test_only_the_ministry_grants_the_catalogue_editor_to_its_own_users():
    ministry, department, commune = (
        _unit("ministry", 1),
        _unit("department", 2),
        _unit("commune", 3),
    )
    assert Role.catalogue_editor in grantable(ministry, ministry)
    assert Role.catalogue_editor not in grantable(ministry, department)
    assert Role.catalogue_editor not in grantable(ministry, commune)
    assert Role.catalogue_editor not in grantable(department, department)
    assert Role.catalogue_editor not in offered(department)
    assert Role.catalogue_editor not in offered(commune)
    assert ROLE_LABELS[Role.catalogue_editor] == "Biên tập danh mục thủ tục của Bộ"
