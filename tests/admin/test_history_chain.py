"""Issue 17, items 3 and 4, on both databases: the accounts' history (`account_change`) is one hash
chain that `audit verify` follows and a signed checkpoint seals; a row edited, a row deleted in
the middle, the last rows deleted, or the chain rewritten with every hash recomputed are caught;
`casework users …` records its changes there (no admin, "Dòng lệnh trên máy chủ"); auditors
read the history of their subtree on /audit/accounts."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import col, select
from typer.testing import CliRunner

from casework.admin import history_chain
from casework.admin.history_chain import HistoryProblem
from casework.admin.models import AccountChange
from casework.checkpoints import keys
from casework.checkpoints import service as checkpoints
from casework.checkpoints import verify as verifier
from casework.dossiers import audit


@pytest.fixture
def changes(client, session, world, admins, sign_in):
    """Hà Nội's admin grants, removes and locks; the command line creates, tokens, locks."""
    from casework import cli

    target = world["hni.receiver"]
    csrf = sign_in(admins["hni.admin"])
    for roles in (["receiver", "handler"], ["receiver"]):
        r = client.post(
            f"/admin/users/{target.id}",
            data={"csrf_token": csrf, "full_name": target.full_name, "unit_id": "SKHCN.HNI",
                  "roles": roles},
            follow_redirects=False,
        )  # fmt: skip
        assert r.status_code == 303, r.text
    engine = session.get_bind()
    runner = CliRunner()
    original = cli._engine
    cli._engine = lambda: engine  # type: ignore[assignment]
    try:
        for args in (
            ["users", "create", "kha.moi", "--name", "Cán bộ mới", "--unit", "SKHCN.KHA",
             "--role", "receiver", "--password", "Mat-khau-rieng-2031!"],
            ["users", "token", "kha.moi", "--label", "máy quét"],
            ["users", "revoke-tokens", "kha.moi"],
            ["users", "deactivate", "kha.moi"],
        ):  # fmt: skip
            done = runner.invoke(cli.app, args)
            assert done.exit_code == 0, done.output
    finally:
        cli._engine = original  # type: ignore[assignment]
    session.expire_all()
    return session.exec(select(AccountChange).order_by(col(AccountChange.id))).all()


def sql(session, statement: str, **params) -> None:  # type: ignore[no-untyped-def]
    session.exec(text(statement).bindparams(**params))
    session.commit()
    session.expire_all()


def history_problems(session) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(p) for p in audit.verify(session).problems if isinstance(p, HistoryProblem)]


def test_the_rows_are_chained_and_the_command_line_is_recorded(session, changes):
    assert [r.kind for r in changes] == [
        "granted", "removed",  # the admin's page
        "created", "granted", "token_issued", "tokens_revoked", "locked",  # the command line
    ]  # fmt: skip
    prev = ""
    for row in changes:
        assert row.prev_hash == prev and row.hash == history_chain.row_hash(row, prev)
        prev = row.hash
    admin_rows, cli_rows = changes[:2], changes[2:]
    assert all(r.actor_id is not None and r.via == "" for r in admin_rows)
    assert all(r.actor_id is None and r.via.startswith("cli:") for r in cli_rows)
    assert changes[4].new_value == "máy quét" and changes[5].new_value == "1"
    report = audit.verify(session)
    assert report.ok, [str(p) for p in report.problems]
    assert report.account_changes == 7


def test_an_edited_or_deleted_row_is_caught(session, changes):
    grant = changes[0]
    sql(session, "UPDATE account_change SET role = 'mentor' WHERE id = :i", i=grant.id)
    assert history_problems(session) == [
        f"Lịch sử tài khoản dòng #{grant.id}: nội dung đã bị sửa sau khi ghi (mã băm không khớp)"
    ]
    sql(session, "UPDATE account_change SET role = 'handler' WHERE id = :i", i=grant.id)
    assert history_problems(session) == []
    sql(session, "DELETE FROM account_change WHERE id = :i", i=changes[3].id)
    found = history_problems(session)
    assert len(found) == 1 and f"dòng #{changes[4].id}: không nối với dòng trước" in found[0]


def test_the_last_rows_deleted_or_a_rewritten_chain_are_caught_by_a_checkpoint(
    session, changes, tmp_path
):
    key = tmp_path / "k" / "cp.pem"
    keys.generate(key)
    row = checkpoints.take(session, key_path=key, out_dir=tmp_path / "cps")
    signed = verifier.read_file(tmp_path / "cps" / row.file_name)
    trusted = keys.load_public(keys.public_path(key))
    assert verifier.verify(session, signed, trusted).ok

    # the grant edited and every hash after it recomputed: only the checkpoint remembers
    rows = session.exec(select(AccountChange).order_by(col(AccountChange.id))).all()
    prev = ""
    for r in rows:
        if r.id == changes[0].id:
            r.role = "mentor"
        r.prev_hash, r.hash = prev, history_chain.row_hash(r, prev)
        prev = r.hash
        session.add(r)
    session.commit()
    assert history_problems(session) == []
    result = verifier.verify(session, signed, trusted)
    assert len(result.problems) == 1
    assert "lịch sử tài khoản đến dòng thứ 7 không còn như lúc ký" in result.problems[0].problem
    assert "mentor" not in str(result.problems[0])

    # the lock at the end deleted: the chain alone still holds together
    sql(session, "DELETE FROM account_change WHERE id = :i", i=changes[-1].id)
    assert history_problems(session) == []
    result = verifier.verify(session, signed, trusted)
    assert [p.problem for p in result.problems] == [
        "lịch sử tài khoản bị cắt: lúc ký có 7 dòng, nay còn 6"
    ]


def test_auditors_read_their_subtrees_history(client, world, changes, sign_in):
    sign_in(world["bo.auditor"])
    page = client.get("/audit/accounts")
    assert page.status_code == 200
    assert page.text.count('data-testid="account-change"') == 7
    assert (
        "Cấp vai trò «Chuyên viên thụ lý»" in page.text
        and "Quản trị hni.admin (hni.admin)" in page.text
    )
    assert "Dòng lệnh trên máy chủ" in page.text and "Thu hồi 1 mã truy cập API" in page.text
    assert 'href="/audit/accounts"' in client.get("/audit").text  # a tab of the audit pages
    sign_in(world["hni.auditor"])
    page = client.get("/audit/accounts")
    assert page.text.count('data-testid="account-change"') == 2  # Hà Nội's only
    assert "kha.moi" not in page.text
    sign_in(world["hni.receiver"])
    assert client.get("/audit/accounts", follow_redirects=False).status_code == 403
