"""The checkpoint key: written 0600 and never overwritten, refused when others can read it."""

from __future__ import annotations

import os

import pytest

from casework.checkpoints import keys


def test_generate_sign_and_verify(tmp_path):
    path = tmp_path / "secret" / "cp.pem"
    public = keys.generate(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert keys.load_public(keys.public_path(path)).public_bytes_raw() == public.public_bytes_raw()
    signature = keys.sign(keys.load_private(path), b"body")
    assert keys.valid(public, b"body", signature)
    assert not keys.valid(public, b"body!", signature)
    assert not keys.valid(public, b"body", "not base64!")
    assert len(keys.fingerprint(public)) == 64
    assert keys.grouped("a1b2c3d4e5") == "a1b2 c3d4 e5"
    with pytest.raises(keys.KeyProblem, match="không ghi đè"):
        keys.generate(path)


def test_a_key_others_can_read_is_refused(tmp_path):
    path = tmp_path / "cp.pem"
    keys.generate(path)
    os.chmod(path, 0o644)
    with pytest.raises(keys.KeyProblem, match="chmod 600"):
        keys.load_private(path)


def test_missing_or_wrong_files_are_named(tmp_path):
    with pytest.raises(keys.KeyProblem, match="casework audit keygen"):
        keys.load_private(tmp_path / "none.pem")
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    os.chmod(junk, 0o600)
    with pytest.raises(keys.KeyProblem, match="không phải khóa riêng PEM"):
        keys.load_private(junk)
    with pytest.raises(keys.KeyProblem, match="không phải khóa công khai PEM"):
        keys.parse_public("not a key")


def test_an_unreadable_key_is_a_key_problem_not_a_crash(tmp_path, monkeypatch):
    path = tmp_path / "cp.pem"
    keys.generate(path)

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(type(path), "read_bytes", refuse)
    monkeypatch.setattr(type(path), "read_text", refuse)
    with pytest.raises(keys.KeyProblem, match="Không đọc được tệp khóa"):
        keys.load_private(path)
    with pytest.raises(keys.KeyProblem, match="Không đọc được khóa công khai"):
        keys.load_public(keys.public_path(path))
