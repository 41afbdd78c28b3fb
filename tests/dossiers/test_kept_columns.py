"""Issue 19: `casework audit verify` recomputes the columns and rows kept for speed —
`dossier.step_count`, `current_roles`, `queue_bucket` and the `queue_counter` rows — from the
step and event rows, and names each one a bare UPDATE changed (the dossier or counter, the
column, stored and expected), on both databases; honest data verifies clean."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from casework.accounts.models import Unit
from casework.dossiers import audit
from casework.dossiers.derived import ColumnProblem
from casework.dossiers.kept import QueueCounterProblem
from casework.dossiers.models import Dossier
from tests.dossiers.test_tamper import sql
from tests.factories import fire, open_xray


@pytest.fixture
def dossiers(session, world, xray):
    """One returned dossier, one waiting for a supplement (its clock paused), one at review."""
    done = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], done, "accept")
    fire(
        session, world["hni.handler"], done, "submit_for_signing",
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Xác nhận 02 thiết bị",
    )  # fmt: skip
    fire(session, world["hni.leader"], done, "sign", decision_number="126/XN-SKHCN")
    fire(session, world["hni.receiver"], done, "return_result")
    waiting = open_xray(session, xray, world["hni.receiver"], name="Phòng khám Hà Đông")
    fire(session, world["hni.receiver"], waiting, "accept")
    fire(
        session, world["hni.handler"], waiting, "request_supplement",
        reason="Thiếu số sê-ri", missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    handling = open_xray(session, xray, world["hni.receiver"], name="Bệnh viện Thanh Nhàn")
    fire(session, world["hni.receiver"], handling, "accept")
    session.expire_all()
    return [session.get(Dossier, d.id) for d in (done, waiting, handling)]


def kept(report) -> list[ColumnProblem]:
    names = ("step_count", "current_roles", "queue_bucket")
    return [p for p in report.problems if isinstance(p, ColumnProblem) and p.column in names]


def counters(report) -> list[QueueCounterProblem]:
    return [p for p in report.problems if isinstance(p, QueueCounterProblem)]


def test_honest_data_verifies_clean(session, dossiers):
    done, waiting, handling = dossiers
    assert (done.queue_bucket, waiting.queue_bucket, handling.queue_bucket) == (
        "finished", "waiting", "open"
    )  # fmt: skip
    assert handling.current_roles == "handler" and handling.step_count == 2
    report = audit.verify(session)
    assert report.ok, [str(p) for p in report.problems]
    assert report.queue_counters == 3  # one counter row per bucket


def test_a_step_count_set_wrong_is_named(session, dossiers):
    _, _, handling = dossiers
    sql(session, "UPDATE dossier SET step_count = 7 WHERE id = :d", d=handling.id)
    report = audit.verify(session)
    assert [(p.dossier_code, p.column, p.stored, p.expected) for p in kept(report)] == [
        (handling.code, "step_count", "7", "2")
    ]
    assert f"{handling.code}: cột step_count đang ghi «7», theo nhật ký phải là «2»" in [
        str(p) for p in report.problems
    ]
    assert report.problem_count == 1  # nothing else reads it


def test_a_step_count_of_zero_means_counted_and_is_allowed(session, dossiers):
    _, _, handling = dossiers
    sql(session, "UPDATE dossier SET step_count = 0 WHERE id = :d", d=handling.id)
    assert audit.verify(session).ok


def test_current_roles_changed_alone_is_named_with_its_counters(session, dossiers):
    _, _, handling = dossiers
    sql(session, "UPDATE dossier SET current_roles = 'leader' WHERE id = :d", d=handling.id)
    report = audit.verify(session)
    (row,) = kept(report)
    assert (row.dossier_code, row.column, row.stored, row.expected) == (
        handling.code, "current_roles", "leader", "handler"
    )  # fmt: skip
    # the counters agree with the columns as they were kept: both of its rows now differ
    assert sorted((p.key.rsplit(" · ", 2)[1], p.stored, p.expected) for p in counters(report)) == [
        ("handler", "1", "0"),
        ("leader", "0", "1"),
    ]


def test_queue_bucket_changed_alone_is_named(session, dossiers):
    _, waiting, _ = dossiers
    sql(session, "UPDATE dossier SET queue_bucket = 'open' WHERE id = :d", d=waiting.id)
    report = audit.verify(session)
    assert [(p.dossier_code, p.column, p.stored, p.expected) for p in kept(report)] == [
        (waiting.code, "queue_bucket", "open", "waiting")
    ]
    sql(session, "UPDATE dossier SET queue_bucket = '' WHERE id = :d", d=waiting.id)
    report = audit.verify(session)
    assert [(p.column, p.stored) for p in kept(report)] == [("queue_bucket", "(trống)")]


def test_a_queue_counter_row_edited_or_deleted_is_named(session, dossiers):
    sql(session, "UPDATE queue_counter SET n = n + 4 WHERE bucket = 'open' AND roles = 'handler'")
    report = audit.verify(session)
    assert not kept(report)
    (bad,) = counters(report)
    assert (bad.table, bad.column, bad.stored, bad.expected) == ("queue_counter", "n", "5", "1")
    assert bad.key == "SKHCN.HNI · SKHCN.HNI · hồ sơ thật · handler · open"
    assert str(bad) == (
        "Bộ đếm hàng hồ sơ queue_counter (đơn vị xử lý · nơi nhận · loại · vai trò · nhóm: "
        "SKHCN.HNI · SKHCN.HNI · hồ sơ thật · handler · open), cột n: đang ghi «5», đếm lại "
        "từ các hồ sơ được «1»"
    )
    sql(session, "DELETE FROM queue_counter WHERE bucket = 'finished'")
    report = audit.verify(session)
    assert sorted((p.key.rsplit(" · ", 1)[1], p.stored, p.expected) for p in counters(report)) == [
        ("finished", "0", "1"),
        ("open", "5", "1"),
    ]


def test_a_unit_check_compares_its_own_counters_only(session, world, dossiers):
    sql(session, "UPDATE queue_counter SET n = n + 1 WHERE bucket = 'open' AND roles = 'handler'")
    kha = session.get(Unit, world["kha.receiver"].unit_id)
    assert audit.verify(session, unit=kha).ok
    hni = session.get(Unit, world["hni.receiver"].unit_id)
    assert len(counters(audit.verify(session, unit=hni))) == 1


def test_cli_names_the_dossier_and_the_column(engine, session, dossiers, monkeypatch):
    from casework import cli

    _, waiting, _ = dossiers
    monkeypatch.setattr(cli, "_engine", lambda: engine)
    runner = CliRunner()
    clean = runner.invoke(cli.app, ["audit", "verify"])
    assert clean.exit_code == 0, clean.output
    assert "3 dòng bộ đếm hàng hồ sơ" in clean.output and "toàn vẹn" in clean.output
    sql(session, "UPDATE dossier SET step_count = 9 WHERE id = :d", d=waiting.id)
    bad = runner.invoke(cli.app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert f"LỖI {waiting.code}: cột step_count đang ghi «9», theo nhật ký phải là «3»" in (
        bad.output
    )
