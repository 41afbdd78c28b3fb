"""Password hashing (argon2id via pwdlib) and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets

from pwdlib import PasswordHash

_hasher = PasswordHash.recommended()

TOKEN_PREFIX = "cw_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


_DUMMY_HASH: str | None = None


def verify_password(password: str, password_hash: str | None) -> bool:
    """Check a password; for an unknown user (no hash) spend the same time and say no, so the
    answer's timing does not reveal which user names exist."""
    global _DUMMY_HASH
    if not password_hash:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = _hasher.hash("casework-timing-equaliser")
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
