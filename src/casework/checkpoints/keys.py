"""The checkpoint signing key: Ed25519 (RFC 8032) through the `cryptography` package.

The private key is a PEM file (PKCS #8, unencrypted) outside the database, readable by its
owner only (0600): `casework audit keygen` writes it, and the key is refused when the file can be
read by others. The public key (PEM, beside it as `<name>.pub`) is what a verifier trusts; its
fingerprint is the SHA-256 of its 32 raw bytes, printed in groups of four hex digits.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from casework.errors import CaseworkError


class KeyProblem(CaseworkError):
    """A key file is missing, unreadable, of the wrong kind or too open."""

    code = "checkpoint_key"


def public_path(private: Path) -> Path:
    return private.with_name(private.name + ".pub")


def generate(private: Path) -> Ed25519PublicKey:
    """Write a new key pair: `private` (0600, never overwritten) and `<private>.pub`."""
    if private.exists():
        raise KeyProblem(f"Tệp khóa {private} đã có: không ghi đè (xóa hoặc chọn tên khác).")
    private.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    os.chmod(private, 0o600)  # whatever the umask
    public_path(private).write_text(public_pem(key.public_key()))
    return key.public_key()


def load_private(path: Path) -> Ed25519PrivateKey:
    if not path.is_file():
        raise KeyProblem(
            f"Không tìm thấy khóa ký điểm kiểm chứng {path} (CASEWORK_CHECKPOINT_KEY); "
            "tạo bằng `casework audit keygen`."
        )
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyProblem(
            f"Tệp khóa {path} để người khác đọc được (quyền {mode:o}): chạy `chmod 600 {path}`."
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise KeyProblem(f"Không đọc được tệp khóa {path}: {exc.strerror or exc}") from exc
    except (ValueError, TypeError) as exc:
        raise KeyProblem(f"Tệp {path} không phải khóa riêng PEM đọc được: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyProblem(f"Tệp {path} không phải khóa Ed25519.")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    if not path.is_file():
        raise KeyProblem(f"Không tìm thấy khóa công khai {path}.")
    try:
        pem = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyProblem(f"Không đọc được khóa công khai {path}: {exc}") from exc
    return parse_public(pem, str(path))


def parse_public(pem: str, where: str = "khóa công khai") -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as exc:
        raise KeyProblem(f"{where} không phải khóa công khai PEM đọc được: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise KeyProblem(f"{where} không phải khóa Ed25519.")
    return key


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def grouped(fp: str) -> str:
    """'a1b2 c3d4 …': easier to read aloud or compare on paper."""
    return " ".join(fp[i : i + 4] for i in range(0, len(fp), 4))


def sign(key: Ed25519PrivateKey, body: bytes) -> str:
    return base64.b64encode(key.sign(body)).decode()


def valid(key: Ed25519PublicKey, body: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), body)
    except (InvalidSignature, ValueError):
        return False
    return True
