"""The `casework` command end to end, on a real SQLite file: db upgrade, demo load, users, tokens,
the API round trip with a CLI-made token, and refusing to start on an invalid procedure file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from casework import cli
from casework.settings import PROJECT_ROOT, get_settings

runner = CliRunner()


@pytest.fixture
def sqlite_env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'var' / 'casework.db'}"
    monkeypatch.setenv("CASEWORK_DATABASE_URL", url)
    monkeypatch.setenv("CASEWORK_UPLOAD_DIR", str(tmp_path / "uploads"))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def invoke(*args):
    result = runner.invoke(cli.app, list(args))
    return result


def test_upgrade_demo_users_token_and_api_round_trip(sqlite_env):
    assert invoke("db", "upgrade").exit_code == 0
    loaded = invoke("demo", "load")
    assert loaded.exit_code == 0, loaded.output
    assert "3356 đơn vị" in loaded.output  # ministry + 34 departments + 3,321 communes
    again = invoke("demo", "load")
    assert again.exit_code == 1
    assert "đã có dữ liệu" in again.output
    assert invoke("demo", "load", "--if-empty").exit_code == 0

    made = invoke(
        "users", "create", "hni.tiepnhan2", "--name", "Nguyễn Văn Bình", "--unit", "SKHCN.HNI",
        "--role", "receiver", "--password", "mat-khau-dai",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    dup = invoke(
        "users",
        "create",
        "hni.tiepnhan2",
        "--name",
        "X",
        "--unit",
        "SKHCN.HNI",
        "--role",
        "receiver",
        "--password",
        "mat-khau-dai",
    )
    assert dup.exit_code == 1
    assert "đã có người dùng" in dup.output
    bad_role = invoke(
        "users",
        "create",
        "x.y",
        "--name",
        "X",
        "--unit",
        "SKHCN.HNI",
        "--role",
        "boss",
        "--password",
        "mat-khau-dai",
    )
    assert bad_role.exit_code == 1
    assert "boss" in bad_role.output
    no_unit = invoke(
        "users",
        "create",
        "x.z",
        "--name",
        "X",
        "--unit",
        "NOWHERE",
        "--role",
        "receiver",
        "--password",
        "mat-khau-dai",
    )
    assert no_unit.exit_code == 1
    assert "NOWHERE" in no_unit.output

    tok = invoke("users", "token", "hni.tiepnhan2")
    assert tok.exit_code == 0
    token = tok.output.strip()
    assert token.startswith("cw_")
    assert invoke("users", "token", "khong.co").exit_code == 1

    from casework.main import create_app

    with TestClient(create_app()) as client:
        h = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/me", headers=h).json()["unit_code"] == "SKHCN.HNI"
        listed = client.get("/api/v1/dossiers", headers=h).json()
        assert listed["total"] >= 5  # the demo dossiers of SKHCN.HNI
        states = {d["state"] for d in listed["items"]}
        assert {"received", "reviewing", "returned"} <= states
        r = client.post(
            "/api/v1/dossiers",
            headers=h,
            json={"procedure_code": "2.002131", "applicant": {"name": "Phòng khám Kim Mã"}},
        )
        assert r.status_code == 201, r.text
        r = client.post(f"/api/v1/dossiers/{r.json()['code']}/actions/accept", headers=h, json={})
        assert r.json()["state"] == "reviewing"

    verified = invoke("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "toàn vẹn" in verified.output


def test_workflows_check_through_the_main_command():
    result = invoke("workflows", "check")
    assert result.exit_code == 0
    assert "2.002131" in result.output


def test_the_app_refuses_to_start_on_an_invalid_procedure_file(tmp_path, sqlite_env, monkeypatch):
    bad = tmp_path / "workflows"
    shutil.copytree(PROJECT_ROOT / "workflows", bad)
    path = bad / "x_quang_khai_bao.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("national_status: 4,", "national_status: 14,", 1),
        encoding="utf-8",
    )
    monkeypatch.setenv("CASEWORK_WORKFLOWS_DIR", str(bad))
    get_settings.cache_clear()
    result = invoke("serve", "--port", "0")
    assert result.exit_code == 1
    assert "Không khởi động" in result.output
    assert "x_quang_khai_bao.yaml:" in result.output
    assert "states.reviewing.national_status" in result.output


def test_the_installed_command_runs():
    out = subprocess.run(
        [str(Path(sys.executable).parent / "casework"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "workflows" in out.stdout
    assert "audit" in out.stdout


def test_calendar_admin_commands_recompute_open_dossiers(sqlite_env):
    assert invoke("db", "upgrade").exit_code == 0
    assert invoke("demo", "load").exit_code == 0
    added = invoke(
        "calendar",
        "add-day-off",
        "2026-12-31",
        "--name",
        "Nghỉ cuối năm (thử)",
        "--by",
        "hni.admin",
    )
    assert added.exit_code == 0, added.output
    assert "hồ sơ đang mở được tính lại hạn" in added.output
    shown = invoke("calendar", "show", "2026")
    assert "31/12/2026" in shown.output
    assert "Nghỉ cuối năm (thử)" in shown.output
    unit = invoke(
        "calendar", "add-workday", "2026-12-26", "--name", "Làm bù", "--unit", "SKHCN.HNI"
    )
    assert unit.exit_code == 0, unit.output
    assert "26/12/2026" in invoke("calendar", "show", "2026", "--unit", "SKHCN.HNI").output
    assert "26/12/2026" not in invoke("calendar", "show", "2026").output
    assert invoke("calendar", "remove", "2026-12-26", "--unit", "SKHCN.HNI").exit_code == 0
    missing = invoke("calendar", "remove", "2026-12-26", "--unit", "SKHCN.HNI")
    assert missing.exit_code == 1
    assert "Không có thay đổi lịch" in missing.output
    bad = invoke("calendar", "add-day-off", "31/12/2026", "--name", "x")
    assert bad.exit_code == 2
    assert "DATE" in bad.output
    assert invoke("audit", "verify").exit_code == 0


def test_units_and_user_administration(sqlite_env):
    assert invoke("db", "upgrade").exit_code == 0
    assert (
        invoke("units", "create", "BKHCN", "--name", "Bộ KH&CN", "--kind", "ministry").exit_code
        == 0
    )
    made = invoke(
        "units",
        "create",
        "SKHCN.HNI",
        "--name",
        "Sở KH&CN Hà Nội",
        "--kind",
        "department",
        "--parent",
        "BKHCN",
    )
    assert made.exit_code == 0, made.output
    assert invoke("units", "create", "X", "--name", "X", "--kind", "village").exit_code == 2
    assert (
        "Mã đơn vị SKHCN.HNI đã tồn tại"
        in invoke(
            "units",
            "create",
            "SKHCN.HNI",
            "--name",
            "X",
            "--kind",
            "department",
            "--parent",
            "BKHCN",
        ).output
    )
    listed = invoke("units", "list").output
    assert "BKHCN" in listed
    assert "  SKHCN.HNI\tdepartment" in listed  # indented under its parent

    invoke(
        "users",
        "create",
        "hni.api",
        "--name",
        "Máy chủ tích hợp",
        "--unit",
        "SKHCN.HNI",
        "--role",
        "auditor",
    )
    token = invoke("users", "token", "hni.api").output.strip()
    assert "hni.api\tauditor\tSKHCN.HNI" in invoke("users", "list", "--unit", "SKHCN.HNI").output

    from casework.main import create_app

    with TestClient(create_app()) as client:
        h = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/me", headers=h).status_code == 200
        assert invoke("users", "deactivate", "hni.api").exit_code == 0
        assert "ĐÃ KHÓA" in invoke("users", "list").output
        assert client.get("/api/v1/me", headers=h).status_code == 401
        assert invoke("users", "activate", "hni.api").exit_code == 0
        # the lock revoked the token for good (issue 17): unlocked, the user needs a new one
        assert client.get("/api/v1/me", headers=h).status_code == 401
        token = invoke("users", "token", "hni.api").output.strip()
        h = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/me", headers=h).status_code == 200
        revoked = invoke("users", "revoke-tokens", "hni.api")
        assert "Đã thu hồi 1 mã" in revoked.output
        assert client.get("/api/v1/me", headers=h).status_code == 401


def test_bad_production_settings_give_a_clean_message(monkeypatch):
    monkeypatch.setenv("CASEWORK_ENV", "production")
    monkeypatch.delenv("CASEWORK_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    try:
        out = subprocess.run(
            [str(Path(sys.executable).parent / "casework"), "users", "list"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        get_settings.cache_clear()
    assert out.returncode == 1
    assert "CASEWORK_SECRET_KEY" in out.stderr
    assert "Traceback" not in out.stderr


def test_unit_kinds_follow_the_tree(sqlite_env):
    assert invoke("db", "upgrade").exit_code == 0
    assert invoke("units", "create", "BKHCN", "--name", "Bộ", "--kind", "ministry").exit_code == 0
    assert (
        invoke(
            "units",
            "create",
            "SKHCN.HNI",
            "--name",
            "Sở",
            "--kind",
            "department",
            "--parent",
            "BKHCN",
        ).exit_code
        == 0
    )
    wrong = invoke(
        "units", "create", "X", "--name", "X", "--kind", "ministry", "--parent", "SKHCN.HNI"
    )
    assert wrong.exit_code == 1
    assert "Không tạo được đơn vị loại ministry dưới SKHCN.HNI" in wrong.output
    orphan = invoke("units", "create", "Y", "--name", "Y", "--kind", "commune")
    assert orphan.exit_code == 1
    for i in range(2, 12):  # numeric, not string, order of the tree paths
        invoke(
            "units",
            "create",
            f"SKHCN.X{i:02d}",
            "--name",
            "Sở",
            "--kind",
            "department",
            "--parent",
            "BKHCN",
        )
    listed = [line.strip().split("\t")[0] for line in invoke("units", "list").output.splitlines()]
    assert listed[:3] == ["BKHCN", "SKHCN.HNI", "SKHCN.X02"]


def test_serve_trusts_the_reverse_proxy_given_by_option_or_environment(sqlite_env, monkeypatch):
    """Behind a proxy uvicorn must take X-Forwarded-For/-Proto from the proxy's address only: the
    sign-in throttle counts failures per client address, and links need the real scheme."""
    import uvicorn

    from casework import serving

    calls = []
    monkeypatch.setattr(serving, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    monkeypatch.delenv("CASEWORK_FORWARDED_ALLOW_IPS", raising=False)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    given = invoke("serve", "--workers", "3", "--forwarded-allow-ips", "10.0.0.5,10.0.0.6")
    assert given.exit_code == 0, given.output
    monkeypatch.setenv("CASEWORK_FORWARDED_ALLOW_IPS", "172.16.0.0/12")
    assert invoke("serve").exit_code == 0
    monkeypatch.delenv("CASEWORK_FORWARDED_ALLOW_IPS")
    assert invoke("serve").exit_code == 0

    assert [kwargs["forwarded_allow_ips"] for _, kwargs in calls] == [
        "10.0.0.5,10.0.0.6",
        "172.16.0.0/12",
        None,
    ]
    # the same arguments, as uvicorn itself reads them
    configs = [uvicorn.Config(*args, **kwargs) for args, kwargs in calls]
    assert all(c.proxy_headers for c in configs)
    assert [c.forwarded_allow_ips for c in configs] == [
        "10.0.0.5,10.0.0.6",
        "172.16.0.0/12",
        "127.0.0.1,::1",  # uvicorn's default when nothing is set: only a proxy on the same host
    ]
    assert configs[0].workers == 3


def test_db_upgrade_says_what_it_did(sqlite_env, tmp_path):
    from alembic.script import ScriptDirectory

    from casework.migrations import config

    head = ScriptDirectory.from_config(config(sqlite_env)).get_current_head()
    assert not (tmp_path / "var" / "casework.db").exists()
    fresh = invoke("db", "upgrade")
    assert fresh.exit_code == 0, fresh.output
    assert fresh.output.startswith("Đã tạo các bảng của cơ sở dữ liệu mới: chạy ")
    assert f"(0001 → {head}), nay ở phiên bản {head} (mới nhất)." in fresh.output
    assert "không có gì phải làm" not in fresh.output

    again = invoke("db", "upgrade")
    assert (
        again.output == f"Cơ sở dữ liệu đã ở phiên bản {head} (mới nhất): không có gì phải làm.\n"
    )


def test_db_upgrade_from_an_older_version_names_both(sqlite_env):
    older = invoke("db", "upgrade", "--revision", "0002")
    assert "chạy 2 migration (0001 → 0002), nay ở phiên bản 0002." in older.output
    assert "(mới nhất)" not in older.output
    newer = invoke("db", "upgrade")
    assert newer.exit_code == 0, newer.output
    assert newer.output.startswith("Đã nâng cấp cơ sở dữ liệu từ phiên bản 0002: chạy ")
    assert "(0003 → " in newer.output and "(mới nhất)." in newer.output
