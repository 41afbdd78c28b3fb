"""The role-grant rules of the access matrix (issue 17, finding 1): `test_access_matrix.py`'s
`test_role_grants` runs `run`.

Three admins — of the ministry (BO), of a department (HNI) and of a commune below it (BADINH) —
each add, remove and create users with every role, at every unit of the test world (BO, HNI,
BADINH, and KHA beside HNI), over HTTP. `expected` states the rules in words, independently of
`casework.admin.grants.GRANTS`:

- a user outside the admin's unit and the units below it: 404 (creating one there: the unit
  picker's 422, "not in your units");
- **mentor** and **catalogue_editor**: only the ministry's admin, only for a user of the ministry;
- **admin**: for a user of a unit below the admin's own; at the admin's own unit only at the
  ministry (the top has no level above);
- every other role: anywhere in scope.

Then the personal rules: an admin changes none of their own roles, nor their lock; a department's
or a commune's admin does not touch a peer (another admin of their own unit) — roles, lock,
password — while the ministry's admins manage each other.

An allowed change answers 303, is stored, and is recorded (`AccountChange`); a refused one answers
403 (logged on `casework.access`) or 404, changes nothing and records nothing.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from casework.accounts import service as accounts
from casework.accounts.models import Unit, User
from casework.admin.models import AccountChange

ROLES = ("receiver", "handler", "leader", "mentor", "auditor", "admin", "catalogue_editor")
ADMINS = {"bo.admin": "BO", "hni.admin": "HNI", "badinh.admin": "BADINH"}
#: the units strictly below each admin's unit, in the test world
BELOW = {"BO": {"HNI", "BADINH", "KHA"}, "HNI": {"BADINH"}, "BADINH": set()}
PASSWORD = "mat-khau-ma-tran-9"


def expected(admin_unit: str, user_unit: str, role: str) -> int:
    """The answer to an admin of `admin_unit` adding or removing `role` for a user of
    `user_unit`: 303 (done), 403 (refused) or 404 (not in the admin's units)."""
    if user_unit != admin_unit and user_unit not in BELOW[admin_unit]:
        return 404
    if role in ("mentor", "catalogue_editor"):  # the ministry's own roles (issue 20: the editor)
        allowed = admin_unit == "BO" and user_unit == "BO"
    elif role == "admin":
        allowed = user_unit in BELOW[admin_unit] or admin_unit == "BO"
    else:
        allowed = True
    return 303 if allowed else 403


class Run:
    def __init__(self, client: Any, session: Session, units: dict[str, Unit], caplog: Any):
        self.client, self.session, self.units, self.caplog = client, session, units, caplog
        self.counter = itertools.count(1)
        self.failures: list[str] = []

    def user(self, unit: str, roles: list[str]) -> User:
        return accounts.create_user(
            self.session, username=f"gm.{next(self.counter)}", full_name="Người dùng ma trận",
            unit=self.units[unit], roles=roles,
        )  # fmt: skip

    def fresh(self) -> Session:
        """The test's session without its read snapshot (the app wrote meanwhile)."""
        self.session.rollback()
        self.session.expire_all()
        return self.session

    def rows(self) -> int:
        count = self.fresh().exec(select(func.count()).select_from(AccountChange)).one()
        self.session.rollback()
        return int(count)

    def post(self, url: str, data: dict[str, Any], token: str) -> Any:
        self.caplog.clear()
        with self.caplog.at_level(logging.WARNING, logger="casework.access"):
            return self.client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)

    def judge(self, where: str, r: Any, want: int, changed: bool, before: int) -> None:
        after = self.rows()
        if r.status_code != want:
            self.failures.append(f"{where}: expected {want}, got {r.status_code}")
        elif want == 303 and not (changed and after > before):
            self.failures.append(f"{where}: allowed, but not stored and recorded")
        elif want != 303 and (changed or after != before):
            self.failures.append(f"{where}: refused, but something changed")
        elif want == 403 and not any(
            "access_refused status=403" in m for m in self.caplog.messages
        ):
            self.failures.append(f"{where}: the refusal was not logged")


def run(client: Any, session: Session, world: Any, sign_in: Any, caplog: Any) -> list[str]:
    units = {"BO": world.ministry, "HNI": world.hni, "KHA": world.kha, "BADINH": world.commune}
    m = Run(client, session, units, caplog)
    admins = {name: m.user(unit, ["admin"]) for name, unit in ADMINS.items()}
    for name, admin_unit in ADMINS.items():
        admin = admins[name]
        token = sign_in(admin)
        for user_unit, role in itertools.product(units, ROLES):
            want = expected(admin_unit, user_unit, role)
            base = "auditor" if role == "receiver" else "receiver"
            for op, before_roles, after_roles in (
                ("grant", [base], [base, role]),
                ("remove", [base, role], [base]),
            ):
                target = m.user(user_unit, before_roles)
                count = m.rows()
                form = {"full_name": target.full_name, "unit_id": units[user_unit].code,
                        "roles": after_roles}  # fmt: skip
                r = m.post(f"/admin/users/{target.id}", form, token)
                stored = m.fresh().get(User, target.id)
                changed = stored is not None and set(stored.roles) != set(before_roles)
                m.judge(f"{name} {op} {role} at {user_unit}", r, want, changed, count)
            username = f"gm.new.{next(m.counter)}"
            count = m.rows()
            form = {"username": username, "full_name": "Người mới", "password": PASSWORD,
                    "unit_id": units[user_unit].code, "roles": [role]}  # fmt: skip
            r = m.post("/admin/users", form, token)
            made = m.fresh().exec(select(User).where(User.username == username)).first()
            m.judge(
                f"{name} create {role} at {user_unit}", r, 422 if want == 404 else want,
                made is not None, count,
            )  # fmt: skip
        _personal(m, name, admin, admin_unit, token)
    return m.failures


def _personal(m: Run, name: str, admin: User, admin_unit: str, token: str) -> None:
    """Oneself, and a peer: another admin of the admin's own unit."""
    unit_code = m.units[admin_unit].code
    for role in ROLES:
        if role == "admin":
            continue
        count = m.rows()
        form = {"full_name": admin.full_name, "unit_id": unit_code, "roles": ["admin", role]}
        r = m.post(f"/admin/users/{admin.id}", form, token)
        changed = m.fresh().get(User, admin.id).roles != ["admin"]  # type: ignore[union-attr]
        m.judge(f"{name} gives themselves {role}", r, 403, changed, count)
    count = m.rows()
    r = m.post(f"/admin/users/{admin.id}/active", {"active": "0"}, token)
    locked = not m.fresh().get(User, admin.id).is_active  # type: ignore[union-attr]
    m.judge(f"{name} locks themselves", r, 403, locked, count)

    want = 303 if admin_unit == "BO" else 403
    for what, url, form in (
        ("adds a role to", "", {"roles": ["admin", "auditor"]}),
        ("resets the password of", "/password", {"password": "chiem-quyen-99",
                                                 "password_again": "chiem-quyen-99"}),
        ("locks", "/active", {"active": "0"}),
    ):  # fmt: skip
        peer = m.user(admin_unit, ["admin"])
        before = peer.password_hash
        if not url:
            form = {**form, "full_name": peer.full_name, "unit_id": unit_code}
        count = m.rows()
        r = m.post(f"/admin/users/{peer.id}{url}", form, token)
        now = m.fresh().get(User, peer.id)
        assert now is not None
        changed = now.roles != ["admin"] or now.password_hash != before or not now.is_active
        m.judge(f"{name} {what} a peer admin", r, want, changed, count)
