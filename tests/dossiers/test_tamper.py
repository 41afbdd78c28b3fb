"""Issue 17, finding 5: each tampering an insider with database access tried is now caught, on
both databases — by the replay of the events against the dossier row and the report counters
(`audit verify`, CLI and web), or, for a chain consistently rewritten, cut or deleted, by a
signed checkpoint taken before (`audit verify --checkpoint`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from casework.checkpoints import keys
from casework.checkpoints import service as checkpoints
from casework.checkpoints import verify as verifier
from casework.dossiers import audit
from casework.dossiers.derived import ColumnProblem
from casework.dossiers.events import event_hash
from casework.dossiers.kept import QueueCounterProblem
from casework.dossiers.models import Dossier, Event
from casework.reports.counter_check import CounterProblem
from tests.conftest import TZ
from tests.factories import fire, open_xray


@pytest.fixture
def history(session, world, xray):
    """A returned dossier (with a supplement loop) and one still being handled."""
    d = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], d, "accept")
    fire(
        session, world["hni.handler"], d, "request_supplement",
        reason="Thiếu số sê-ri", missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    fire(session, world["hni.receiver"], d, "receive_supplement")
    fire(
        session, world["hni.handler"], d, "submit_for_signing",
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Xác nhận 02 thiết bị",
    )  # fmt: skip
    fire(session, world["hni.leader"], d, "sign", decision_number="125/XN-SKHCN")
    fire(session, world["hni.receiver"], d, "return_result")
    other = open_xray(session, xray, world["hni.receiver"], name="Phòng khám Hà Đông")
    fire(session, world["hni.receiver"], other, "accept")
    session.expire_all()
    return session.get(Dossier, d.id), session.get(Dossier, other.id)


@pytest.fixture
def key(tmp_path):
    path = tmp_path / "keys" / "checkpoint.pem"
    keys.generate(path)
    return path


def sql(session: Session, statement: str, **params) -> None:
    session.exec(text(statement).bindparams(**params))
    session.commit()
    session.expire_all()


def columns(report) -> set[tuple[str, str]]:
    return {(p.dossier_code, p.column) for p in report.problems if isinstance(p, ColumnProblem)}


def signed(session, key, tmp_path):
    row = checkpoints.take(session, key_path=key, out_dir=tmp_path / "checkpoints")
    return verifier.read_file(tmp_path / "checkpoints" / row.file_name)


def against(session, checkpoint, key):
    return verifier.verify(session, checkpoint, keys.load_public(keys.public_path(key)))


def test_honest_data_verifies_clean_including_a_checkpoint(session, world, history, key, tmp_path):
    report = audit.verify(session)
    assert report.ok, [str(p) for p in report.problems]
    assert report.dossiers == 2 and report.counters > 0
    cp = signed(session, key, tmp_path)
    fire(
        session, world["hni.handler"], history[1], "request_supplement",
        reason="Thiếu ảnh chụp", missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    assert audit.verify(session).ok
    result = against(session, cp, key)  # a chain that grew after the checkpoint is fine
    assert result.ok and result.chains == 3, [str(p) for p in result.problems]  # + accounts


def test_a_deleting_the_last_event_and_resetting_the_counters(session, history, key, tmp_path):
    d, _ = history
    cp = signed(session, key, tmp_path)
    last = session.exec(select(Event).where(Event.dossier_id == d.id, Event.seq == 7)).one()
    last_id, prev = last.id, last.prev_hash
    sql(session, "DELETE FROM event WHERE id = :e", e=last_id)
    sql(
        session, "UPDATE dossier SET event_count = 6, last_event_hash = :h WHERE id = :d",
        h=prev, d=d.id,
    )  # fmt: skip
    report = audit.verify(session)
    assert not [p for p in report.problems if not isinstance(p, ColumnProblem | CounterProblem)]
    found = columns(report)
    assert {(d.code, "state"), (d.code, "national_status"), (d.code, "finished_at")} <= found
    assert (d.code, "step_record (số bước)") in found
    problem = next(p for p in report.problems if getattr(p, "column", "") == "state")
    assert (problem.stored, problem.expected) == ("returned", "result_ready")
    result = against(session, cp, key)
    assert [(p.dossier_code, "bị cắt" in p.problem) for p in result.problems] == [(d.code, True)]


def rewrite_chain(session: Session, dossier: Dossier, seq: int, **changes) -> None:
    """Edit one event and recompute every hash after it, and the dossier's head: the chain and
    the dossier agree again, as a careful insider would leave them."""
    session.commit()  # a fresh snapshot (SQLite cannot write from one older than a commit)
    rows = session.exec(
        select(Event).where(Event.dossier_id == dossier.id).order_by(col(Event.seq))
    ).all()
    prev = ""
    for ev in rows:
        if ev.seq == seq:
            for name, value in changes.items():
                setattr(ev, name, value)
        ev.prev_hash = prev
        ev.hash = event_hash(ev, dossier.code)
        prev = ev.hash
        session.add(ev)
    dossier.last_event_hash = prev
    session.add(dossier)
    session.commit()
    session.expire_all()


def test_b_an_edited_event_with_the_chain_recomputed_is_caught_by_the_checkpoint(
    session, history, key, tmp_path
):
    d, other = history
    cp = signed(session, key, tmp_path)
    ev = session.exec(select(Event).where(Event.dossier_id == d.id, Event.seq == 3)).one()
    payload = {**ev.payload, "data": {**ev.payload["data"], "reason": "Hồ sơ đã đủ"}}
    rewrite_chain(session, d, 3, payload=payload)
    assert audit.verify(session).ok  # the chain and the row agree: only a checkpoint remembers
    result = against(session, cp, key)
    assert result.signature_ok
    assert [(p.dossier_code, "viết lại" in p.problem) for p in result.problems] == [(d.code, True)]
    assert "Hồ sơ đã đủ" not in str(result.problems[0])


def test_c_a_state_changed_without_an_event(session, history):
    _, other = history
    sql(session, "UPDATE dossier SET state = 'returned', national_status = 10 WHERE id = :d",
        d=other.id)  # fmt: skip
    report = audit.verify(session)
    assert columns(report) == {(other.code, "state"), (other.code, "national_status")}
    rows = [str(p) for p in report.problems]
    assert any("cột state đang ghi «returned», theo nhật ký phải là «reviewing»" in r for r in rows)


def test_d_finished_and_due_moved_on_the_row(session, history):
    d, _ = history
    due = d.due_at
    earlier = d.finished_at - timedelta(days=3)
    later = due + timedelta(days=10)
    sql(session, "UPDATE dossier SET finished_at = :f, due_at = :u WHERE id = :d",
        f=earlier, u=later, d=d.id)  # fmt: skip
    report = audit.verify(session)
    assert columns(report) == {(d.code, "finished_at"), (d.code, "due_at")}
    problem = next(p for p in report.problems if getattr(p, "column", "") == "due_at")
    assert problem.expected.startswith(due.astimezone(TZ).isoformat()[:16])


def test_d_the_timeliness_columns_the_counters_are_built_from(session, history):
    d, _ = history
    sql(session, "UPDATE dossier SET result_bucket = 'late', elapsed = 9.5 WHERE id = :d",
        d=d.id)  # fmt: skip
    report = audit.verify(session)
    assert {(d.code, "result_bucket"), (d.code, "elapsed")} == columns(report)
    # the counters were left as they were: recomputed from the edited row, they differ too
    assert {p.table for p in report.problems if isinstance(p, CounterProblem)} == {
        "stat_dossier", "stat_elapsed"
    }  # fmt: skip


def test_d_the_report_counters_edited_alone(session, history):
    sql(session, "UPDATE stat_dossier SET late = late + 3")
    report = audit.verify(session)
    assert not columns(report)
    late = [p for p in report.problems if isinstance(p, CounterProblem)]
    assert [(p.table, p.column) for p in late] == [("stat_dossier", "late")]
    assert "SKHCN.HNI · 2.002131 · tháng" in late[0].key
    assert int(late[0].stored) == int(late[0].expected) + 3


def test_e_the_applicant_changed_on_the_row(session, history):
    d, _ = history
    sql(session, "UPDATE dossier SET applicant_name = 'Công ty Khác' WHERE id = :d", d=d.id)
    report = audit.verify(session)
    assert columns(report) == {(d.code, "applicant_name")}
    p = next(p for p in report.problems if getattr(p, "column", "") == "applicant_name")
    assert (p.stored, p.expected) == ("Công ty Khác", "Bệnh viện Đa khoa Hồng Ngọc")


def test_a_chain_deleted_after_a_checkpoint(session, history, key, tmp_path):
    _, other = history
    code = other.code
    cp = signed(session, key, tmp_path)
    for table in ("event", "step_record", "clock_pause"):
        sql(session, f"DELETE FROM {table} WHERE dossier_id = :d", d=other.id)  # noqa: S608
    sql(session, "DELETE FROM dossier WHERE id = :d", d=other.id)
    report = audit.verify(session)
    # the counters (the reports' and the work queue's) still count it
    assert {type(p) for p in report.problems} == {CounterProblem, QueueCounterProblem}
    result = against(session, cp, key)
    assert [(p.dossier_code, p.problem) for p in result.problems] == [
        (code, "hồ sơ đã bị xóa sau điểm kiểm chứng")
    ]


def test_forged_checkpoints_are_refused(session, history, key, tmp_path):
    cp = signed(session, key, tmp_path)
    trusted = keys.load_public(keys.public_path(key))
    # the root edited in the file: the signature no longer holds
    doc = cp.path.read_text().replace(cp.statement.root, "0" * 64)
    cp.path.write_text(doc)
    edited = verifier.read_file(cp.path)
    result = verifier.verify(session, edited, trusted)
    assert not result.signature_ok and "chữ ký không hợp lệ" in result.problems[0].problem
    # a new statement signed with another key: not the trusted one
    forger = keys.generate(tmp_path / "forger.pem")
    forged = verifier.CheckpointFile(
        edited.statement,
        keys.sign(keys.load_private(tmp_path / "forger.pem"), edited.statement.body()),
        keys.fingerprint(forger), keys.public_pem(forger), edited.leaves, edited.path,
    )  # fmt: skip
    result = verifier.verify(session, forged, trusted)
    assert not result.ok and "khóa khác khóa tin cậy" in result.problems[0].problem
    # …even when it claims the trusted key's fingerprint
    claimed = verifier.CheckpointFile(
        forged.statement, forged.signature, keys.fingerprint(trusted), forged.public_key,
        forged.leaves, forged.path,
    )  # fmt: skip
    assert "chữ ký không hợp lệ" in verifier.verify(session, claimed, trusted).problems[0].problem


def test_edited_leaves_or_a_changed_database_record_are_named(session, history, key, tmp_path):
    import gzip

    d, _ = history
    cp = signed(session, key, tmp_path)
    with gzip.open(cp.leaves, "rt") as leaves:
        lines = leaves.read().replace(f"{d.code}\t7\t", f"{d.code}\t6\t")
    with gzip.open(cp.leaves, "wt") as out:
        out.write(lines)
    result = against(session, cp, key)
    assert "không cho gốc đã ký" in result.problems[0].problem
    cp = signed(session, key, tmp_path)
    sql(session, "DELETE FROM audit_checkpoint WHERE id = :i", i=cp.statement.id)
    result = against(session, cp, key)
    assert [p.problem for p in result.problems] == [
        "bản ghi của điểm kiểm chứng này không còn trong cơ sở dữ liệu"
    ]


def test_the_web_check_lists_column_stored_and_expected(session, history, world):
    from casework.reports import audit_log
    from casework.reports.models import AuditCheck

    d, _ = history
    sql(session, "UPDATE dossier SET state = 'refused' WHERE id = :d", d=d.id)
    check, _ = audit_log.start_check(session, user=world["hni.auditor"], unit=world.hni)
    audit_log.run_check(session.get_bind(), check.id)
    session.expire_all()
    row = session.get(AuditCheck, check.id)
    assert row.status == "problems"
    assert {
        "code": d.code,
        "column": "state",
        "stored": "refused",
        "expected": "returned",
    }.items() <= (row.problems[0].items())


def test_cli_keygen_checkpoint_and_verify(engine, session, history, tmp_path, monkeypatch):
    from casework import cli
    from casework.settings import get_settings

    d, _ = history
    monkeypatch.setattr(cli, "_engine", lambda: engine)
    monkeypatch.setenv("CASEWORK_CHECKPOINT_KEY", str(tmp_path / "k" / "cp.pem"))
    monkeypatch.setenv("CASEWORK_CHECKPOINT_DIR", str(tmp_path / "cps"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        made = runner.invoke(cli.app, ["audit", "keygen"])
        assert made.exit_code == 0, made.output
        assert oct((tmp_path / "k" / "cp.pem").stat().st_mode & 0o777) == "0o600"
        assert "Dấu vân tay:" in made.output and "BEGIN PUBLIC KEY" in made.output
        assert runner.invoke(cli.app, ["audit", "keygen"]).exit_code == 1  # never overwritten
        taken = runner.invoke(cli.app, ["audit", "checkpoint"])
        assert taken.exit_code == 0, taken.output
        assert "Điểm kiểm chứng #1: 3 chuỗi nhật ký" in taken.output  # 2 dossiers + accounts
        path = str(tmp_path / "cps" / "checkpoint-000001.json")
        clean = runner.invoke(cli.app, ["audit", "verify", "--checkpoint", path])
        assert clean.exit_code == 0, clean.output
        assert "3 chuỗi so với điểm kiểm chứng #1: toàn vẹn" in clean.output
        rewrite_chain(session, d, 2, actor_id=None)
        bad = runner.invoke(cli.app, ["audit", "verify", "--checkpoint", path])
        assert bad.exit_code == 1
        assert f"LỖI Điểm kiểm chứng #1: {d.code}: chuỗi nhật ký đến dòng #7" in bad.output
    finally:
        get_settings.cache_clear()
