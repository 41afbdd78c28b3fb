"""Every row of the timeliness report adds up (issue 14, defect 4), on generated national data
and on the demo data, on both databases:

    to handle = carried over + received = finished + in progress
    finished = early + on time + late + ended before the clock started (none is missing)
    in progress (from the counters) = on track + due soon + overdue + paused + clock not started
                                      (from the dossiers)

for every row and the total row, by procedure and by unit, for a period reaching today and for a
past one, for every month of the trend table; each figure is also the length of its drill-down
list; and all of it again after `casework reports rebuild`, which must give the same counters.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, col, select

from casework.accounts import service as accounts_service
from casework.accounts.models import Unit, User
from casework.clock import default_calendar
from casework.db import utcnow
from casework.demo_generate import Options, generate, world
from casework.dossiers import service
from casework.dossiers.models import Channel
from casework.reports import drill, queries, stats
from casework.reports.access import reader_root
from casework.reports.models import StatDossier, StatElapsed, StatStep
from casework.reports.queries import Period, Row, Scope
from tests.conftest import TZ

CAL = default_calendar()
GENERATED_NOW = datetime(2026, 5, 20, 3, 30, tzinfo=UTC)


@pytest.fixture
def national(engine, registry, monkeypatch):  # type: ignore[no-untyped-def]
    """A small generated national data set (with the demo's own dossiers, received now)."""
    for module in (accounts_service, world):
        monkeypatch.setattr(module, "hash_password", lambda password: f"test-hash:{password}")
    options = Options(
        dossiers=240, months=4, communes_per_province=2, seed=11, batch=120, workers=1,
        now=GENERATED_NOW,
    )  # fmt: skip
    generate(engine, registry, options, tz=TZ)
    with Session(engine, expire_on_commit=False) as s:
        yield s


def check_row(row: Row, where: str) -> None:
    assert row.to_handle == row.carried + row.received, where
    assert row.to_handle == row.finished + row.in_progress, where
    assert row.in_progress == row.open, (
        f"{where}: in progress {row.in_progress} (counters) ≠ {row.open} (dossiers)"
    )
    assert row.open == row.on_track + row.due_soon + row.overdue + row.paused + row.not_started
    assert min(row.carried, row.in_progress, row.on_track, row.not_started) >= 0, where
    assert row.early + row.on_time + row.late + row.unrated == row.finished, where
    assert row.unrated >= 0, where


def check_scope(session: Session, registry, scope: Scope, now: datetime) -> dict[str, Row]:  # type: ignore[no-untyped-def]
    totals = {}
    for group in ("procedure", "unit"):
        rows, total = queries.timeliness(session, scope, registry, group=group, now=now, cal=CAL)
        for row in [*rows, total]:
            check_row(row, f"{scope.unit.code} {scope.period.text} {group} {row.key}")
        summed = Row(key=None, label="")
        for row in rows:
            summed.add(row)
        for name in ("carried", "received", "finished", "on_track", "overdue", "not_started"):
            assert getattr(summed, name) == getattr(total, name), (group, name)
        totals[group] = total
    assert totals["procedure"].to_handle == totals["unit"].to_handle
    months = queries.monthly(session, scope)
    assert months[0][1].carried == totals["procedure"].carried
    for (_, before), (m, after) in zip(months, months[1:], strict=False):
        assert after.carried == before.in_progress, m
    for m, row in months:
        assert row.to_handle == row.finished + row.in_progress >= 0, m
    assert months[-1][1].in_progress == totals["procedure"].in_progress
    return totals


def check_drill_down(session: Session, scope: Scope, total: Row, now: datetime) -> None:
    """Each figure is the number of dossiers its link lists."""
    for kind in ("to_handle", "carried", "received", "finished", "open", "on_track",
                 "due_soon", "overdue", "paused", "not_started"):  # fmt: skip
        figure = total.in_progress if kind == "open" else getattr(total, kind)
        _, listed, _ = drill.drill_down(session, scope, kind, now=now, cal=CAL, page=1)
        assert listed == figure, f"{scope.period.text}: {kind} lists {listed}, shows {figure}"


def scopes(session: Session, now: datetime) -> list[Scope]:
    this_month = date(now.astimezone(TZ).year, now.astimezone(TZ).month, 1)
    root = session.exec(select(Unit).where(col(Unit.parent_id).is_(None))).first()
    assert root is not None
    provinces = session.exec(select(Unit).where(Unit.parent_id == root.id)).all()[:3]
    periods = [
        Period(date(2026, 1, 1), this_month),  # reaches today: the states now
        Period(date(2026, 3, 1), date(2026, 4, 1)),  # past: the states at 1 May, carried over
        Period(date(2026, 5, 1), date(2026, 5, 1)),
    ]
    return [Scope(unit, p) for unit in [root, *provinces] for p in periods]


def snapshot(session: Session) -> list[list[tuple]]:  # type: ignore[type-arg]
    session.expire_all()
    return [
        sorted(
            tuple(round(v, 6) if isinstance(v, float) else v for v in r.model_dump().values())
            for r in session.exec(select(m))
        )
        for m in (StatDossier, StatElapsed, StatStep)
    ]


def figures(row: Row) -> tuple[int, ...]:
    names = ("carried", "received", "finished", "early", "on_time", "late", "in_progress")
    return tuple(getattr(row, n) for n in names) + (row.open, round(row.elapsed_sum, 6))


def test_every_row_adds_up_on_generated_national_data_and_after_a_rebuild(national, registry):
    now = utcnow()
    found = {}
    for scope in scopes(national, now):
        total = check_scope(national, registry, scope, now)["procedure"]
        found[(scope.unit.code, scope.period)] = figures(total)
    # the data exercise every part of the identity
    totals = [check_scope(national, registry, s, now)["procedure"] for s in scopes(national, now)]
    assert any(t.carried for t in totals) and any(t.not_started for t in totals)
    assert any(t.paused for t in totals) and any(t.overdue for t in totals)
    for scope, total in list(zip(scopes(national, now), totals, strict=True))[:3]:
        check_drill_down(national, scope, total, now)

    before = snapshot(national)
    stats.rebuild(national)
    national.commit()
    assert snapshot(national) == before  # the counters kept by the hooks equal a rebuild
    for scope in scopes(national, now):
        total = check_scope(national, registry, scope, now)["procedure"]
        assert figures(total) == found[(scope.unit.code, scope.period)]


def test_the_demo_auditor_sees_the_dossier_waiting_for_its_fee(national, registry, tmp_path):
    """hni.auditor, KHCN-BX-CP (the clock starts when the fee is paid): a dossier received but
    not yet paid for is in progress, "clock not started", not missing from the row."""
    now = utcnow()
    users = {u.username: u for u in national.exec(select(User))}
    procedure = registry.get("KHCN-BX-CP")
    assert procedure.clock_starts == "on_fee_paid"
    waiting = service.open_dossier(
        national, actor=users["hni.receiver"], procedure=procedure,
        applicant=service.Applicant(name="Bệnh viện Thử", kind="organisation"), mode="real",
        channel=Channel.in_person, received_at=now, now=now, tz=TZ, uploads=[],
        upload_dir=tmp_path,
    )  # fmt: skip
    assert waiting.clock_started_at is None and waiting.due_at is None
    root = reader_root(national, users["hni.auditor"])
    this_month = date(now.astimezone(TZ).year, now.astimezone(TZ).month, 1)
    scope = Scope(root, Period(date(this_month.year, 1, 1), this_month))
    check_scope(national, registry, scope, now)
    rows, total = queries.timeliness(national, scope, registry, group="procedure", now=now, cal=CAL)
    row = next(r for r in rows if r.key == "KHCN-BX-CP")
    assert row.not_started >= 1 and row.in_progress >= 1
    check_drill_down(national, scope, total, now)
    listed, _, _ = drill.drill_down(
        national, Scope(root, scope.period, ["KHCN-BX-CP"]), "not_started", now=now, cal=CAL,
        page=1,
    )  # fmt: skip
    assert waiting.code in [d.code for d in listed]
