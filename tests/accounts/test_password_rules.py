"""Password rules on create and reset: length, not the user name, not a common password; the demo
password only for demo data."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from casework.accounts import service as accounts
from casework.accounts.security import verify_password
from casework.errors import ValidationFailed


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("ngan", "ít nhất 8 ký tự"),
        ("nguyen.van.an", "trùng với tên đăng nhập"),
        ("NGUYEN.VAN.AN", "trùng với tên đăng nhập"),
        ("12345678", "quá phổ biến"),
        ("Password", "quá phổ biến"),
        ("matkhau123", "quá phổ biến"),
        ("casework-demo", "quá phổ biến"),
    ],
)
def test_weak_passwords_are_named_by_their_rule(password, rule):
    problem = accounts.password_problem(password, username="nguyen.van.an")
    assert problem is not None and rule in problem


def test_good_passwords_pass():
    assert accounts.password_problem("bat-dau-123", username="nguyen.van.an") is None
    assert accounts.password_problem("Hoa.sen-2026", username="nguyen.van.an") is None


def test_the_demo_password_is_allowed_for_demo_data_only(session, world):
    with pytest.raises(ValidationFailed) as exc:
        accounts.create_user(
            session, username="that", full_name="Thật", unit=world.hni, roles=["receiver"],
            password="casework-demo",
        )  # fmt: skip
    assert "quá phổ biến" in exc.value.fields["password"]
    session.rollback()
    demo = accounts.create_user(
        session, username="demo.x", full_name="Mẫu", unit=world.hni, roles=["receiver"],
        password="casework-demo", demo=True,
    )  # fmt: skip
    assert verify_password("casework-demo", demo.password_hash)
    # the other rules still hold for demo data
    with pytest.raises(ValidationFailed):
        accounts.create_user(
            session, username="demo.y", full_name="Mẫu", unit=world.hni, roles=["receiver"],
            password="12345678", demo=True,
        )  # fmt: skip


def test_create_user_refuses_a_common_password(session, world):
    with pytest.raises(ValidationFailed) as exc:
        accounts.create_user(
            session, username="nguyen.van.an", full_name="An", unit=world.hni,
            roles=["receiver"], password="12345678",
        )  # fmt: skip
    assert exc.value.fields == {
        "password": "Mật khẩu quá phổ biến, dễ bị đoán (ví dụ 12345678, matkhau123); "
        "hãy chọn mật khẩu khác."
    }


def test_reset_refuses_the_user_name_and_keeps_the_old_password(session, world):
    user = world["hni.handler"]
    with pytest.raises(ValidationFailed) as exc:
        accounts.set_password(session, user=user, password="HNI.handler")
    assert exc.value.fields["password"] == "Mật khẩu không được trùng với tên đăng nhập."
    assert user.password_hash is None
    accounts.set_password(session, user=user, password="moi-123456")
    assert verify_password("moi-123456", user.password_hash)


def test_admin_reset_page_names_the_rule(client, session, world, sign_in):
    admin = accounts.create_user(
        session, username="hni.admin", full_name="Quản trị", unit=world.hni, roles=["admin"]
    )
    token = sign_in(admin)
    target = world["hni.handler"]
    r = client.post(
        f"/admin/users/{target.id}/password",
        data={"csrf_token": token, "password": "matkhau123", "password_again": "matkhau123"},
    )
    assert r.status_code == 422
    assert re.search(r'id="err-password">Mật khẩu quá phổ biến', r.text)


def test_cli_users_create_refuses_a_common_password(tmp_path, monkeypatch):
    from casework import cli
    from casework.settings import get_settings

    monkeypatch.setenv("CASEWORK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("CASEWORK_UPLOAD_DIR", str(tmp_path / "uploads"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(cli.app, ["db", "upgrade"]).exit_code == 0
        loaded = runner.invoke(cli.app, ["demo", "load"])
        assert loaded.exit_code == 0, loaded.output  # the demo password still works for demo data
        made = runner.invoke(
            cli.app,
            ["users", "create", "hni.moi", "--name", "Mới", "--unit", "SKHCN.HNI",
             "--role", "receiver", "--password", "password123"],
        )  # fmt: skip
        assert made.exit_code == 1
        assert "quá phổ biến" in made.output
    finally:
        get_settings.cache_clear()


def test_the_demo_module_and_the_rules_agree_on_the_demo_password():
    from casework import demo

    assert demo.DEMO_PASSWORD == accounts.DEMO_PASSWORD
