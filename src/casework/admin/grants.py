"""Which roles an admin may grant, to whom (issue 17, finding 1) — the one table.

An admin manages users of their own unit and the units below it (`service.scope_of`). Within that
scope, what they may add or remove depends on two levels: their own unit's and the user's unit's.

| the admin's unit | the user's unit | roles the admin may grant or remove |
|---|---|---|
| the ministry | the ministry | every role, with **mentor** and **catalogue_editor** |
| the ministry | a department or a commune | receiver, handler, leader, auditor, admin |
| a department | the department itself | receiver, handler, leader, auditor |
| a department | a commune below it | receiver, handler, leader, auditor, admin |
| a commune | the commune itself | receiver, handler, leader, auditor |

Why each line:

- **mentor** is the ministry's coach (DESIGN §6): it is granted only by a ministry admin and only
  to a user of the ministry. A department's admin cannot make anyone a mentor — not themselves,
  not a user of their province (the finding: `hni.admin` gave himself `mentor` and read another
  province's private questions).
- **catalogue_editor** (issue 20: changes procedures in the workshop, reviews and publishes
  another editor's draft) is the ministry's like mentor: only a ministry admin grants it, only to
  a user of the ministry — the catalogue is national, a province's admin cannot make an editor.
- **admin** is granted one level down: the ministry makes a department's admins, a department
  makes its communes' admins. An admin never makes, unmakes, locks or resets a **peer** — an admin
  of their own unit — because a peer has the same powers: the level above manages them (at the
  ministry, the top, the ministry's admins manage each other). So a department's two admins cannot
  lock each other out, or take over each other's account with a new password.
- **no one changes their own roles, unit or active flag** on these pages, nor resets their own
  password there (the account page asks for the current one): a grant needs a second person.
- moving a user to another unit grants their roles there: every role they keep must be one the
  admin may grant at the new unit (a mentor cannot be moved out of the ministry).

A refusal is a `GrantRefused` (403, logged as a refused access) naming the role and the reason in
Vietnamese; the form is shown again with what was typed. Every grant and removal that goes through
is an `AccountChange` row (`admin.history`), written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from casework.accounts.models import ROLE_LABELS, Role, Unit, UnitKind, User
from casework.errors import PermissionDenied

EVERY_ROLE = frozenset(Role)
MINISTRY_ONLY = frozenset({Role.mentor, Role.catalogue_editor})
LOCAL = EVERY_ROLE - MINISTRY_ONLY
ADMIN = frozenset({Role.admin})

#: the admin's unit kind → the user's unit kind → the roles the admin may add or remove there
GRANTS: dict[UnitKind, dict[UnitKind, frozenset[Role]]] = {
    UnitKind.ministry: {
        UnitKind.ministry: EVERY_ROLE,
        UnitKind.department: LOCAL,
        UnitKind.commune: LOCAL,
    },
    UnitKind.department: {UnitKind.department: LOCAL - ADMIN, UnitKind.commune: LOCAL},
    UnitKind.commune: {UnitKind.commune: LOCAL - ADMIN},
}

SELF_ROLES = "Bạn không tự đổi vai trò của mình; hãy nhờ quản trị viên cấp trên."
SELF_UNIT = "Bạn không tự chuyển đơn vị của mình; hãy nhờ quản trị viên cấp trên."
SELF_ACTIVE = "Bạn không thể tự khóa tài khoản của mình."
SELF_SESSION = "Phiên của chính bạn được kết thúc ở trang «Phiên đăng nhập» của tài khoản."
SELF_PASSWORD = (
    "Mật khẩu của chính bạn đổi ở trang «Đổi mật khẩu» (/account/password), cần mật khẩu hiện "
    "tại; trang quản trị không đặt lại mật khẩu của chính mình."
)
PEER = (
    "Tài khoản quản trị của chính đơn vị bạn do quản trị viên cấp trên quản lý: bạn không đổi "
    "vai trò, đơn vị, mật khẩu hay khóa tài khoản này được."
)


class GrantRefused(PermissionDenied):
    """A change of roles (or of a unit, a lock, a password) the grant table refuses; `fields`
    names the form's field and the reason."""

    code = "grant_refused"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message, details={"fields": fields or {}})
        self.fields = fields or {}


def grantable(admin_unit: Unit, user_unit: Unit) -> frozenset[Role]:
    """The roles an admin of `admin_unit` may add or remove for a user of `user_unit` (the caller
    has checked that `user_unit` is in the admin's scope)."""
    return GRANTS.get(UnitKind(admin_unit.kind), {}).get(UnitKind(user_unit.kind), frozenset())


def offered(admin_unit: Unit) -> list[Role]:
    """Every role this admin may grant somewhere in their scope (the boxes the form shows)."""
    found = set().union(*GRANTS.get(UnitKind(admin_unit.kind), {}).values())
    return [r for r in Role if r in found]


def _names(roles: Iterable[str]) -> str:
    return ", ".join(f"«{ROLE_LABELS.get(Role(r), r)}»" for r in sorted(roles))


def _why_not(roles: set[str], admin_unit: Unit, user_unit: Unit) -> str:
    if roles & MINISTRY_ONLY:
        return (
            f"Vai trò {_names(roles & MINISTRY_ONLY)} chỉ quản trị viên của Bộ cấp, và chỉ cho "
            "người dùng thuộc Bộ."
        )
    if Role.admin in roles and admin_unit.id == user_unit.id:
        return (
            "Vai trò «Quản trị» cho người dùng của chính đơn vị bạn do quản trị viên cấp trên "
            "cấp hoặc bỏ."
        )
    return (
        f"Bạn không cấp hoặc bỏ được vai trò {_names(roles)} cho người dùng của {user_unit.name}."
    )


def is_peer_admin(admin: User, admin_unit: Unit, target: User, target_unit: Unit) -> bool:
    """`target` holds `admin` at a level where this admin may not grant it (a peer)."""
    return (
        target.id != admin.id
        and target.has_role(Role.admin)
        and Role.admin not in grantable(admin_unit, target_unit)
    )


def check_manage(admin: User, admin_unit: Unit, target: User, target_unit: Unit) -> None:
    """A lock, an unlock or a password reset of `target`: not a peer admin (403)."""
    if is_peer_admin(admin, admin_unit, target, target_unit):
        raise GrantRefused(PEER, fields={"active": PEER, "password": PEER})


def check_reset(admin: User, admin_unit: Unit, target: User, target_unit: Unit) -> None:
    """An admin's password reset: not their own (that needs the current password), not a
    peer admin's (403)."""
    if target.id == admin.id:
        raise GrantRefused(SELF_PASSWORD, fields={"password": SELF_PASSWORD})
    check_manage(admin, admin_unit, target, target_unit)


def check_active(admin: User, target: User, admin_unit: Unit, target_unit: Unit) -> None:
    if target.id == admin.id:
        raise GrantRefused(SELF_ACTIVE, fields={"active": SELF_ACTIVE})
    check_manage(admin, admin_unit, target, target_unit)


def check_session(admin: User, target: User, admin_unit: Unit, target_unit: Unit) -> None:
    """An admin ending one of the user's sessions: as locking — not their own, not a peer's."""
    if target.id == admin.id:
        raise GrantRefused(SELF_SESSION, fields={"session": SELF_SESSION})
    check_manage(admin, admin_unit, target, target_unit)


def check_change(
    admin: User,
    admin_unit: Unit,
    *,
    target: User | None,
    old_unit: Unit | None,
    new_unit: Unit,
    roles: Iterable[str],
) -> None:
    """Raise `GrantRefused` unless `admin` may give `target` (None: a new user) the roles
    `roles` at `new_unit`. Roles the user keeps at the same unit need no right to grant them."""
    new = set(roles)
    old = set(target.roles) if target is not None else set()
    moved = target is not None and old_unit is not None and old_unit.id != new_unit.id
    fields: dict[str, str] = {}
    if target is not None and target.id == admin.id:
        if new != old:
            fields["roles"] = SELF_ROLES
        if moved:
            fields["unit_id"] = SELF_UNIT
        if fields:
            raise GrantRefused(next(iter(fields.values())), fields=fields)
        return
    if (
        target is not None
        and old_unit is not None
        and is_peer_admin(admin, admin_unit, target, old_unit)
    ):
        raise GrantRefused(PEER, fields={"roles": PEER})
    may_new = grantable(admin_unit, new_unit)
    if moved:
        assert old_unit is not None
        refused_old = old - grantable(admin_unit, old_unit)
        refused_new = new - may_new
        if refused_old:
            fields["roles"] = _why_not(refused_old, admin_unit, old_unit)
        elif refused_new:
            fields["roles"] = _why_not(refused_new, admin_unit, new_unit)
    else:
        changed = new ^ old
        refused = changed - may_new
        if refused:
            fields["roles"] = _why_not(refused, admin_unit, new_unit)
    if fields:
        raise GrantRefused(fields["roles"], fields=fields)
