"""Use cases of the accounts domain: units, users, tokens. Each owns one transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import Session, col, select

from casework.accounts import sessions
from casework.accounts.models import CHILD_KINDS, ApiToken, Role, Unit, UnitKind, User
from casework.accounts.security import hash_password, new_token, token_digest, verify_password
from casework.caching.service import generation_column, seen
from casework.db import utcnow
from casework.errors import NotAuthenticated, NotFound, ValidationFailed

MIN_PASSWORD_LENGTH = 8
#: The demo data's shared password (`casework.demo.DEMO_PASSWORD`): refused for real accounts.
DEMO_PASSWORD = "casework-demo"
#: Passwords refused whatever their length (compared ignoring case): the usual guesses, in
#: English and Vietnamese, and this app's own names.
COMMON_PASSWORDS = frozenset(
    {
        "00000000", "11111111", "12345678", "123456789", "1234567890", "12341234", "11223344",
        "87654321", "88888888", "66666666", "123123123", "12345678a", "a12345678", "abc12345",
        "abcd1234", "abc@1234", "abc123456", "qwerty123", "qwertyuiop", "1q2w3e4r", "iloveyou",
        "password", "password1", "password123", "passw0rd", "p@ssw0rd", "admin123", "admin@123",
        "administrator", "changeme", "welcome1", "matkhau", "matkhau1", "matkhau123",
        "matkhau@123", "mat-khau", "mat-khau-123", "matkhaumoi", "vietnam1", "vietnam123",
        "hanoi123", "anhyeuem", "casework", "casework1", "casework123", DEMO_PASSWORD,
    }
)  # fmt: skip
TOKEN_TOUCH_INTERVAL = timedelta(minutes=10)
log = logging.getLogger("casework.auth")


def password_problem(password: str, *, username: str, demo: bool = False) -> str | None:
    """What is wrong with a new password, in Vietnamese naming the rule, or None if it is fine.
    `demo=True` (demo data only) lets the shared demo password through."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự."
    lowered = password.strip().lower()
    if lowered == username.strip().lower():
        return "Mật khẩu không được trùng với tên đăng nhập."
    if demo and password == DEMO_PASSWORD:
        return None
    if lowered in COMMON_PASSWORDS:
        return (
            "Mật khẩu quá phổ biến, dễ bị đoán (ví dụ 12345678, matkhau123); "
            "hãy chọn mật khẩu khác."
        )
    return None


def create_unit(
    session: Session,
    *,
    code: str,
    name: str,
    kind: UnitKind | str,
    parent: Unit | None = None,
    province: str | None = None,
    commit: bool = True,
) -> Unit:
    kind = UnitKind(kind)
    allowed = CHILD_KINDS[UnitKind(parent.kind)] if parent else (UnitKind.ministry,)
    if kind not in allowed:
        where = f"dưới {parent.code}" if parent else "ở gốc cây đơn vị (không có cấp trên)"
        choices = ", ".join(UnitKind(k).value for k in allowed) or "không loại nào"
        raise ValidationFailed(
            f"Không tạo được đơn vị loại {kind.value} {where}.",
            fields={"kind": f"Chỉ được: {choices}."},
        )
    if session.exec(select(Unit).where(Unit.code == code)).first():
        raise ValidationFailed(
            f"Mã đơn vị {code} đã tồn tại.", fields={"code": "Mã đơn vị đã được dùng."}
        )
    unit = Unit(
        code=code,
        name=name,
        kind=kind,
        parent_id=parent.id if parent else None,
        province=province or (parent.province if parent else None),
    )
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    if commit:
        session.commit()
    return unit


def get_unit(session: Session, code: str) -> Unit:
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise NotFound(f"Không tìm thấy đơn vị có mã {code}.")
    return unit


def _check_roles(roles: Iterable[str]) -> list[str]:
    known = {r.value for r in Role}
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in known]
    if unknown or not roles:
        raise ValidationFailed(
            "Vai trò không hợp lệ.",
            fields={
                "roles": f"Vai trò phải là một hoặc nhiều trong: {', '.join(sorted(known))}"
                + (f" (không biết: {', '.join(unknown)})" if unknown else "")
            },
        )
    return roles


def create_user(
    session: Session,
    *,
    username: str,
    full_name: str,
    unit: Unit,
    roles: Iterable[str],
    password: str | None = None,
    commit: bool = True,
    demo: bool = False,
) -> User:
    """Create a user. `demo=True` only for demo data: allows the shared demo password."""
    fields: dict[str, str] = {}
    username = username.strip()
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        fields["username"] = "Tên đăng nhập chỉ gồm chữ, số, dấu chấm, gạch ngang, gạch dưới."
    elif session.exec(select(User).where(User.username == username)).first():
        fields["username"] = f"Tên đăng nhập {username} đã có người dùng."
    if password is not None:
        problem = password_problem(password, username=username, demo=demo)
        if problem:
            fields["password"] = problem
    if fields:
        raise ValidationFailed("Không tạo được người dùng.", fields=fields)
    assert unit.id is not None
    user = User(
        username=username,
        full_name=full_name,
        unit_id=unit.id,
        roles=_check_roles(roles),
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    if commit:
        session.commit()
    else:
        session.flush()
    return user


def get_user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"Không tìm thấy người dùng {username}.")
    return user


def issue_token(session: Session, *, user: User, label: str = "") -> str:
    """Create a personal API token and return it; only its digest is kept."""
    token = new_token()
    assert user.id is not None
    session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), label=label))
    session.commit()
    return token


def user_for_token(session: Session, token: str) -> User:
    """The active user of a live token. One statement: the token, its user and the process
    caches' generation token (`casework.caching`, which the request's later reads then use)."""
    found = session.execute(  # the token's three columns, not an ORM object: one less to load
        sa_select(
            col(ApiToken.id),
            col(ApiToken.revoked_at),
            col(ApiToken.last_used_at),
            User,
            generation_column(),
        )
        .join(User, col(User.id) == ApiToken.user_id)
        .where(col(ApiToken.token_hash) == token_digest(token))
    ).first()
    if found is None or found[1] is not None:
        raise NotAuthenticated("Mã truy cập (token) không hợp lệ hoặc đã bị thu hồi.")
    token_id, _, last_used_at, user, generation = found
    if not user.is_active:
        raise NotAuthenticated("Tài khoản của mã truy cập này đã bị khóa.")
    now = utcnow()
    if last_used_at is None or now - last_used_at > TOKEN_TOUCH_INTERVAL:
        # a write at most every few minutes per token, not one per API request
        touch = update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=now)
        sessions.write_now(session, touch, "token_used")  # commits: the generation is read again
    else:
        seen(session, generation)
    return user


def list_units(session: Session) -> list[Unit]:
    """Every unit in tree order (parents before children, siblings by creation)."""
    units = session.exec(select(Unit)).all()
    return sorted(units, key=lambda u: [int(x) for x in u.path.strip("/").split("/") if x])


def list_users(session: Session, *, unit: Unit | None = None) -> list[User]:
    query = select(User).order_by(User.username)
    if unit is not None:
        query = query.where(User.unit_id == unit.id)
    return list(session.exec(query).all())


def set_active(session: Session, *, user: User, active: bool) -> User:
    """Lock or unlock an account; locking ends every session of the account and revokes its API
    tokens in the same transaction (unlocking brings neither back)."""
    user.is_active = active
    session.add(user)
    if not active:
        now = utcnow()
        sessions.end_all(session, user=user, reason=sessions.EndReason.locked, now=now)
        _revoke(session, user, now)
    session.commit()
    return user


def revoke_tokens(session: Session, *, user: User) -> int:
    n = _revoke(session, user, utcnow())
    session.commit()
    return n


def _revoke(session: Session, user: User, now: datetime) -> int:
    """Revoke every live API token of `user` (not committed); how many."""
    stmt = update(ApiToken).where(
        col(ApiToken.user_id) == user.id, col(ApiToken.revoked_at).is_(None)
    )
    n: int = session.execute(stmt.values(revoked_at=now)).rowcount  # type: ignore[attr-defined]
    if n:
        log.info("tokens_revoked user=%s count=%d", user.username, n)
    return n


def update_user(
    session: Session,
    *,
    user: User,
    full_name: str,
    unit: Unit,
    roles: Iterable[str],
    commit: bool = True,
) -> User:
    """Change a user's name, unit and roles (the username never changes: events refer to it)."""
    fields: dict[str, str] = {}
    if not full_name.strip():
        fields["full_name"] = "Cần nhập họ tên."
    try:
        checked = _check_roles(roles)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    if fields:
        raise ValidationFailed("Không lưu được người dùng.", fields=fields)
    assert unit.id is not None
    user.full_name = full_name.strip()
    user.unit_id = unit.id
    user.roles = checked
    session.add(user)
    if commit:
        session.commit()
    else:
        session.flush()
    return user


def set_password(session: Session, *, user: User, password: str, commit: bool = True) -> User:
    """An admin's reset: a new password; every session of the user ends and every API token is
    revoked in the same transaction (whoever held one must sign in with the new password)."""
    _store_password(session, user, password, keep_session=None)
    if commit:
        session.commit()
    return user


def _store_password(
    session: Session, user: User, password: str, *, keep_session: int | None
) -> int:
    """Check and store a new password, end the user's sessions but `keep_session` and revoke
    their API tokens — a token made by whoever knew the old password must not outlive it (not
    committed); returns how many sessions ended."""
    problem = password_problem(password, username=user.username)
    if problem:
        raise ValidationFailed("Không đặt được mật khẩu.", fields={"password": problem})
    user.password_hash = hash_password(password)
    session.add(user)
    reason = sessions.EndReason.password_reset
    if keep_session is not None:
        reason = sessions.EndReason.password_changed
    now = utcnow()
    _revoke(session, user, now)
    return sessions.end_all(session, user=user, reason=reason, now=now, keep=keep_session)


def change_own_password(
    session: Session,
    *,
    user: User,
    current: str,
    password: str,
    again: str,
    keep_session: int,
) -> int:
    """The user's own change (the account page): the current password, a new one that passes the
    rules, typed twice. Every other session of the user ends, `keep_session` (this one) stays;
    one transaction. Returns how many sessions ended."""
    fields: dict[str, str] = {}
    if not verify_password(current, user.password_hash):
        fields["current_password"] = "Mật khẩu hiện tại không đúng."
    problem = password_problem(password, username=user.username)
    if problem:
        fields["password"] = problem
    elif password == current:
        fields["password"] = "Mật khẩu mới cần khác mật khẩu hiện tại."
    if password != again:
        fields["password_again"] = "Hai lần nhập mật khẩu mới chưa giống nhau."
    if fields:
        raise ValidationFailed("Chưa đổi được mật khẩu: xem các ô báo lỗi.", fields=fields)
    n = _store_password(session, user, password, keep_session=keep_session)
    session.commit()
    return n


def count_active_tokens(session: Session, *, user: User) -> int:
    return len(
        session.exec(
            select(ApiToken.id).where(
                ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None)
            )
        ).all()
    )
