"""The hash chain: `audit verify` passes on honest data and catches edits made behind the app."""

from __future__ import annotations

from sqlalchemy import text
from typer.testing import CliRunner

from casework.dossiers import audit
from casework.dossiers.events import ChainProblem
from tests.factories import fire, open_xray


def make_history(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], d, "accept")
    fire(
        session, world["hni.handler"], d, "request_supplement",
        reason="Thiếu số sê-ri", missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    other = open_xray(session, xray, world["hni.receiver"], name="Phòng khám Hà Đông")
    return d, other


def chain_problems(report):
    """The hash chain's own findings (the replay of the edited events adds column findings)."""
    return [p for p in report.problems if isinstance(p, ChainProblem)]


def test_honest_history_verifies(session, world, xray):
    make_history(session, world, xray)
    report = audit.verify(session)
    assert report.ok
    assert (report.dossiers, report.events) == (2, 4)


def test_editing_a_payload_behind_the_apps_back_is_caught(session, world, xray):
    d, other = make_history(session, world, xray)
    cast = "CAST(:p AS jsonb)" if session.get_bind().dialect.name == "postgresql" else ":p"
    session.exec(  # an insider changes the reason written in event #3
        text(f"UPDATE event SET payload = {cast} WHERE dossier_id = :d AND seq = 3").bindparams(
            p='{"label": "Yêu cầu bổ sung hồ sơ", "data": {"reason": "Đã đủ"}}', d=d.id
        )
    )
    session.commit()
    report = audit.verify(session)
    assert not report.ok
    assert [(p.dossier_code, p.seq) for p in chain_problems(report)] == [(d.code, 3)]
    assert "bị sửa" in str(chain_problems(report)[0])
    assert audit.verify(session, code=other.code).ok


def test_changing_a_timestamp_or_actor_is_caught(session, world, xray):
    d, _ = make_history(session, world, xray)
    session.exec(
        text("UPDATE event SET actor_id = NULL WHERE dossier_id = :d AND seq = 2").bindparams(
            d=d.id
        )
    )
    session.commit()
    assert [p.seq for p in chain_problems(audit.verify(session))] == [2]


def test_deleting_the_last_event_is_caught(session, world, xray):
    d, _ = make_history(session, world, xray)
    session.exec(text("DELETE FROM event WHERE dossier_id = :d AND seq = 3").bindparams(d=d.id))
    session.commit()
    problems = chain_problems(audit.verify(session, code=d.code))
    assert problems
    assert problems[-1].seq is None  # the dossier's own record of its chain no longer matches


def test_rewriting_a_row_and_its_hash_breaks_the_next_link(session, world, xray):
    d, _ = make_history(session, world, xray)
    session.exec(
        text("UPDATE event SET hash = :h WHERE dossier_id = :d AND seq = 2").bindparams(
            h="0" * 64, d=d.id
        )
    )
    session.commit()
    seqs = {p.seq for p in chain_problems(audit.verify(session, code=d.code))}
    assert {2, 3} <= seqs


def test_cli_reports_tampering_with_a_non_zero_exit(engine, session, world, xray, monkeypatch):
    from casework import cli

    d, _ = make_history(session, world, xray)
    monkeypatch.setattr(cli, "_engine", lambda: engine)
    runner = CliRunner()
    ok = runner.invoke(cli.app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert (
        "2 hồ sơ, 4 dòng nhật ký, 3 dòng số liệu báo cáo, 2 dòng bộ đếm hàng hồ sơ: toàn vẹn"
        in ok.output
    )
    session.exec(
        text("UPDATE event SET to_state = 'returned' WHERE dossier_id = :d AND seq = 2").bindparams(
            d=d.id
        )
    )
    session.commit()
    bad = runner.invoke(cli.app, ["audit", "verify", "--dossier", d.code])
    assert bad.exit_code == 1
    assert f"LỖI {d.code} (nhật ký #2)" in bad.output
    missing = runner.invoke(cli.app, ["audit", "verify", "--dossier", "KHONG-CO"])
    assert missing.exit_code == 1
    assert "Không tìm thấy hồ sơ KHONG-CO" in missing.output
