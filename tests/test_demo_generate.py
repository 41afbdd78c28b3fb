"""`casework demo generate`: synthetic national-scale data, exactly as the services would write it.

The strongest check is the replay: sampled generated dossiers are replayed, event by event,
through the real services (`open_dossier`, `fire_action`, `add_attachments`) into a fresh database,
and every column, step, pause, attachment and event hash must come out the same.
"""

from __future__ import annotations

import shutil
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, insert
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel, col, select
from typer.testing import CliRunner

from casework import cli
from casework.accounts import service as accounts_service
from casework.accounts.models import Unit, User
from casework.clock import finished_bucket
from casework.db import make_engine
from casework.demo import DEMO_CASES
from casework.demo_generate import Options, generate, world
from casework.demo_generate.plan import allocate
from casework.dossiers import attachments, audit, clockwork, service
from casework.dossiers.catalog import procedure_of
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.events import record_event
from casework.dossiers.models import (
    Attachment,
    CalendarOverride,
    ClockPause,
    Dossier,
    DossierCodeCounter,
    Event,
    ProcedureVersion,
    StepRecord,
)
from casework.migrations import upgrade
from casework.reports import stats
from casework.reports.models import StatDossier, StatElapsed, StatStep
from tests.conftest import TZ

NOW = datetime(2026, 5, 20, 3, 30, tzinfo=UTC)  # a Wednesday, 10:30 in Hà Nội
N = 500


def _generate(engine: Engine, registry, n: int = N, seed: int = 7, **kw: Any):  # type: ignore[no-untyped-def]
    options = Options(
        dossiers=n, months=kw.pop("months", 4), communes_per_province=3, seed=seed,
        batch=kw.pop("batch", 150), workers=kw.pop("workers", 1), now=NOW,
        bulk=kw.pop("bulk", None),
    )  # fmt: skip
    return generate(engine, registry, options, tz=TZ, **kw)


@pytest.fixture(scope="module", autouse=True)
def _cheap_password_hashes():  # type: ignore[no-untyped-def]
    """argon2 is slow on purpose; the demo's twenty users would cost seconds per database."""
    with pytest.MonkeyPatch.context() as mp:
        for module in (accounts_service, world):
            mp.setattr(module, "hash_password", lambda password: f"test-hash:{password}")
        yield


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def gen(request, registry, sqlite_template, tmp_path_factory):  # type: ignore[no-untyped-def]
    """One generated database per backend for the read-only checks of this module (a database
    of its own on the PostgreSQL server: the `engine` fixture empties the shared one)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("generated") / "casework.db"
        shutil.copy(sqlite_template, path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng, _generate(eng, registry)
        eng.dispose()
        return
    base = make_url(request.getfixturevalue("pg_url"))
    name = f"casework_gen_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(
        host=base.host, port=base.port or 5432, user=base.username, password=base.password,
        dbname=base.database, autocommit=True,
    )  # fmt: skip
    admin.execute(f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        eng = make_engine(url)
        yield eng, _generate(eng, registry)
        eng.dispose()
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def generated(gen):  # type: ignore[no-untyped-def]
    return gen[1]


@pytest.fixture
def gsession(gen):  # type: ignore[no-untyped-def]
    with Session(gen[0], expire_on_commit=False) as s:
        yield s


def _generated_dossiers(session: Session) -> list[Dossier]:
    """The generated dossiers (the demo's own few were received in real time, after NOW)."""
    return list(
        session.exec(
            select(Dossier).where(col(Dossier.received_at) <= NOW).order_by(col(Dossier.id))
        )
    )


# ---- the basics ---------------------------------------------------------------------------------


def test_counts_chain_and_practice(generated, gsession):  # type: ignore[no-untyped-def]
    dossiers = _generated_dossiers(gsession)
    assert len(dossiers) == N == generated.dossiers
    events = gsession.exec(select(func.count()).select_from(Event)).one()
    demo_events = sum(d.event_count for d in gsession.exec(select(Dossier))) - sum(
        d.event_count for d in dossiers
    )
    assert events == generated.events + demo_events
    assert 7.5 <= generated.events / N <= 12  # about ten per dossier

    report = audit.verify(gsession)
    assert report.ok, report.problems[:5]

    practice = [d for d in dossiers if d.mode == "practice"]
    assert practice and all(d.code.startswith("LT-") for d in practice)
    real = gsession.exec(
        select(func.count()).select_from(Dossier).where(Dossier.mode == "real")
    ).one()
    received = gsession.exec(select(func.sum(StatDossier.received))).one()
    assert received == real  # practice dossiers never count

    # the units and officers: the real tree; officers in a few real communes of every province
    units = {u.id: u for u in gsession.exec(select(Unit))}
    communes = [u for u in units.values() if u.kind == "commune"]
    assert len(communes) == 3321 and all(u.official_code for u in communes)
    officers = gsession.exec(select(User).where(col(User.username).like("gen.%"))).all()
    roles: dict[int, set[str]] = {}
    for o in gsession.exec(select(User)).all():
        roles.setdefault(o.unit_id, set()).update(o.roles)
    staffed: dict[int, set[int]] = {}
    for u in communes:
        if {"receiver", "handler", "leader"} <= roles.get(u.id, set()):
            assert u.path == f"{units[u.parent_id].path}{u.id}/"
            staffed.setdefault(u.parent_id, set()).add(u.id)
    assert len(staffed) == 34
    dth = next(u for u in units.values() if u.code == "SKHCN.DTH")
    # three per province (the demo's communes among them); Đồng Tháp's demo communes all
    assert all(len(ids) == 3 for dept, ids in staffed.items() if dept != dth.id)
    assert len(staffed[dth.id]) == 102
    assert len({o.password_hash for o in officers}) == 1  # one shared hash


def test_codes_are_unique_and_counters_continue(generated, gsession):  # type: ignore[no-untyped-def]
    dossiers = gsession.exec(select(Dossier)).all()
    assert len({d.code for d in dossiers}) == len(dossiers)
    counters = {
        (c.unit_id, c.day, c.mode): c.last_value for c in gsession.exec(select(DossierCodeCounter))
    }
    highest: dict[tuple[Any, ...], int] = {}
    for d in dossiers:
        day = d.received_at.astimezone(TZ).date()
        seq = int(d.code.rsplit("-", 1)[1])
        assert d.code.removeprefix("LT-").startswith(
            f"{gsession.get(Unit, d.handling_unit_id).code}-{day:%y%m%d}-"
        )
        key = (d.handling_unit_id, day, d.mode)
        highest[key] = max(highest.get(key, 0), seq)
    assert counters == highest


def test_shape_of_the_data(generated, gsession):  # type: ignore[no-untyped-def]
    dossiers = [d for d in _generated_dossiers(gsession) if d.mode == "real"]
    finished = [d for d in dossiers if d.processing_ended_at is not None]
    buckets = Counter(d.result_bucket for d in finished if d.result_bucket)
    assert {"early", "on_time", "late"} <= set(buckets)
    late_share = buckets["late"] / sum(buckets.values())
    assert 0.02 <= late_share <= 0.16, buckets
    still_open = [d for d in dossiers if d.processing_ended_at is None]
    assert any(d.paused_since is not None for d in still_open)
    assert any(d.due_at is not None and d.due_at < NOW for d in still_open)  # overdue
    assert any(d.extensions for d in dossiers)
    assert any(d.extensions and d.appointment_at != d.due_at for d in dossiers)
    assert any(d.supplement_requests == 1 for d in dossiers)
    twice = [d for d in dossiers if d.supplement_requests >= 2]
    assert twice  # a second request makes the dossier late (Decision 766)
    assert all(d.result_bucket == "late" for d in twice if d.result_bucket)
    assert any(d.state == "refused" for d in dossiers)
    assert any(d.end_status in (7, 8) for d in dossiers)  # withdrawn or stopped
    online = sum(d.channel == "online" for d in dossiers) / len(dossiers)
    assert 0.25 <= online <= 0.55
    digitised = sum(d.digitised for d in dossiers) / len(dossiers)
    assert 0.55 <= digitised <= 0.85
    communes = {u.id for u in gsession.exec(select(Unit).where(Unit.kind == "commune"))}
    for d in dossiers:
        level = "commune" if d.handling_unit_id in communes else "province"
        _, procedure = procedure_of(gsession, d)
        assert procedure.level == level
    fee_first = [d for d in dossiers if d.procedure_code == "KHCN-BX-CP" and d.clock_started_at]
    assert fee_first and all(d.clock_started_at > d.received_at for d in fee_first)
    kinds = Counter(p.kind for p in gsession.exec(select(ClockPause)))
    assert kinds["supplement"] > 0
    steps = gsession.exec(select(StepRecord).where(col(StepRecord.bucket).is_not(None)))
    step_buckets = Counter(s.bucket for s in steps)
    step_late = step_buckets["late"] / sum(step_buckets.values())
    assert 0.04 <= step_late <= 0.2, step_buckets
    # received at desk times mostly, some after the 15:00 cut-off, a few online on days off
    desk = [d.received_at.astimezone(TZ) for d in dossiers if d.channel == "in_person"]
    assert any(t.hour >= 15 for t in desk)
    cal = CalendarSource().for_unit(gsession, None)
    assert all(cal.is_working_day(t.date()) for t in desk)
    assert any(not cal.is_working_day(d.received_at.astimezone(TZ).date()) for d in dossiers)


def test_clock_columns_match_the_clock_functions(generated, gsession):  # type: ignore[no-untyped-def]
    source = CalendarSource()
    for d in _generated_dossiers(gsession)[::3]:
        _, procedure = procedure_of(gsession, d)
        cal = source.for_unit(gsession, d.handling_unit_id)
        pauses = clockwork.pauses_of(gsession, d)
        due = clockwork.legal_due(d, procedure, pauses, cal)
        if d.clock_started_at is None:
            assert due is None and d.due_at is None
            continue
        assert due is not None and due.due == d.due_at, d.code
        if d.processing_ended_at is not None:
            expected = finished_bucket(
                d.due_at, d.processing_ended_at,
                supplement_requests=d.supplement_requests, calendar=cal,
            )  # fmt: skip
            assert d.result_bucket == expected.value, d.code
        if d.extensions == 0:
            assert d.appointment_at == d.due_at


def test_counters_equal_a_rebuild(generated, gsession):  # type: ignore[no-untyped-def]
    def snapshot() -> dict[str, list[tuple[Any, ...]]]:
        out = {}
        for model in (StatDossier, StatElapsed, StatStep):
            rows = gsession.exec(select(model)).all()
            out[model.__tablename__] = sorted(
                tuple(round(v, 6) if isinstance(v, float) else v for v in r.model_dump().values())
                for r in rows
            )
        return out

    before = snapshot()
    assert before["stat_dossier"] and before["stat_step"] and before["stat_elapsed"]
    stats.rebuild(gsession)
    gsession.commit()
    gsession.expire_all()
    assert snapshot() == before


def test_same_seed_same_data(engine, registry, tmp_path, sqlite_template):  # type: ignore[no-untyped-def]
    """Same seed, same data: ids, codes, times and hashes, whatever the database and however
    many workers (PostgreSQL forks two here)."""
    _generate(engine, registry, n=150, workers=2, batch=40)
    copies = {}
    for name in ("same", "other-seed"):
        shutil.copy(sqlite_template, tmp_path / f"{name}.db")
        copies[name] = make_engine(f"sqlite:///{tmp_path / name}.db")
    _generate(copies["same"], registry, n=150, batch=40)
    _generate(copies["other-seed"], registry, n=150, batch=40, seed=8)

    def content(eng: Engine) -> list[tuple[Any, ...]]:
        with Session(eng) as s:
            return [
                (d.id, d.code, d.state, d.received_at, d.due_at, d.last_event_hash, d.digitised)
                for d in _generated_dossiers(s)
            ]

    assert content(engine) == content(copies["same"])
    assert content(engine) != content(copies["other-seed"])
    for eng in copies.values():
        eng.dispose()


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)  # bulk mode is PostgreSQL's
def test_bulk_mode_puts_indexes_and_keys_back(engine, registry):  # type: ignore[no-untyped-def]
    """PostgreSQL bulk mode drops the plain indexes and foreign keys while loading; afterwards
    every one is back (the keys validated) and the data is the same as without it."""

    def schema() -> set[tuple[str, ...]]:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = "
                "current_schema() UNION ALL SELECT 'fk', conname, pg_get_constraintdef(oid) "
                "|| convalidated::text FROM pg_constraint WHERE contype = 'f'"
            ).all()
        return {tuple(r) for r in rows}

    before = schema()
    summary = _generate(engine, registry, n=80, workers=2, batch=30, bulk=True)
    assert summary.indexes_rebuilt >= 20 and summary.foreign_keys_validated >= 15
    assert schema() == before
    with Session(engine) as s:
        assert audit.verify(s).ok


def test_volume_follows_the_year(engine):  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        cal = CalendarSource().for_unit(s, None)
    days = allocate(100_000, 12, datetime(2026, 11, 22, 2, 0, tzinfo=UTC), cal)
    assert sum(d.count for d in days) == 100_000
    by_day = {d.day.isoformat(): d.count for d in days}
    tet = by_day["2026-02-18"]  # Tết holiday: online filings only
    before = by_day["2026-02-10"]  # a Tuesday a week before Tết
    summer = by_day["2026-07-14"]  # a Tuesday in July
    spring = by_day["2026-03-17"]  # a Tuesday in March
    assert tet < before / 5
    assert before > spring > summer
    assert by_day["2026-11-21"] < by_day["2026-11-20"] / 5  # a Saturday


# ---- the replay through the real services --------------------------------------------------------


def _copy_reference_rows(src: Session, dst_engine: Engine) -> None:
    """Units, users, procedure versions and calendar changes with their ids."""
    with dst_engine.begin() as conn:
        for model in (Unit, User, ProcedureVersion, CalendarOverride):
            table = SQLModel.metadata.tables[model.__tablename__]
            rows = [dict(r._mapping) for r in src.execute(table.select())]
            if rows:
                conn.execute(insert(table), rows)


def _replay(src: Session, dst: Session, dossier: Dossier, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    events = src.exec(
        select(Event).where(Event.dossier_id == dossier.id).order_by(col(Event.seq))
    ).all()
    rows = {
        a.event_id: a
        for a in src.exec(select(Attachment).where(Attachment.dossier_id == dossier.id))
    }
    queue: list[Attachment] = []

    def fake_store(session, *, dossier, uploads, allowed_keys, upload_dir, actor_id, now, stored):  # type: ignore[no-untyped-def]
        """`attachments.store` without files: the generated metadata, the same event."""
        made = []
        for upload in uploads:
            meta = queue.pop(0)
            assert meta.document_key == upload.document_key
            row = Attachment(**{**meta.model_dump(), "dossier_id": dossier.id, "event_id": None})
            session.add(row)
            session.flush()
            ev = record_event(
                session, dossier=dossier, kind="attachment", at=now, actor_id=actor_id,
                payload={"attachment_id": row.id, "document_key": row.document_key,
                         "filename": row.filename, "sha256": row.sha256, "size": row.size},
            )  # fmt: skip
            session.flush()
            row.event_id = ev.id
            made.append(row)
        return made

    monkeypatch.setattr(attachments, "store", fake_store)
    users = {u.id: u for u in dst.exec(select(User))}
    opened = events[0]
    day = datetime.fromisoformat(opened.payload["received_at"]).date()
    seq = int(dossier.code.rsplit("-", 1)[1])
    # two sampled dossiers may share a unit, day and mode (the sample follows the generated
    # library, which grows as procedures are added): set the one counter row, never add a second
    counter = dst.exec(
        select(DossierCodeCounter).where(
            DossierCodeCounter.unit_id == dossier.handling_unit_id,
            DossierCodeCounter.day == day,
            DossierCodeCounter.mode == dossier.mode,
        )
    ).first()
    if counter is None:
        counter = DossierCodeCounter(unit_id=dossier.handling_unit_id, day=day, mode=dossier.mode)
    counter.last_value = seq - 1
    dst.add(counter)
    dst.commit()
    version, procedure = procedure_of(src, dossier)
    i = 1
    uploads = []
    while i < len(events) and events[i].kind == "attachment" and events[i].at == opened.at:
        queue.append(rows[events[i].id])
        uploads.append(attachments.Upload(events[i].payload["document_key"], "x.pdf", b""))
        i += 1
    a = opened.payload["applicant"]
    made = service.open_dossier(
        dst, actor=users[opened.actor_id], procedure=procedure,
        applicant=service.Applicant(name=a["name"], kind=a["kind"], id_number=a["id_number"],
                                    address=a["address"], phone=a["phone"], email=a["email"]),
        mode=opened.payload["mode"], channel=opened.payload["channel"],
        received_at=datetime.fromisoformat(opened.payload["received_at"]), tz=TZ, now=opened.at,
        uploads=uploads, upload_dir=tmp_path,
    )  # fmt: skip
    assert made.code == dossier.code
    while i < len(events):
        ev = events[i]
        if ev.kind == "attachment":
            group = []
            while i < len(events) and events[i].kind == "attachment" and events[i].at == ev.at:
                queue.append(rows[events[i].id])
                group.append(attachments.Upload(events[i].payload["document_key"], "x.pdf", b""))
                i += 1
            service.add_attachments(
                dst, actor=users[ev.actor_id], code=dossier.code, uploads=group,
                upload_dir=tmp_path, now=ev.at,
            )  # fmt: skip
            continue
        assert ev.kind == "action", ev.kind
        service.fire_action(
            dst, actor=users[ev.actor_id], code=dossier.code, action=ev.action,
            data=ev.payload["data"], tz=TZ, now=ev.at,
        )  # fmt: skip
        i += 1


def _rows(session: Session, model: Any, dossier_id: int, order: Any, skip: set[str]) -> list[dict[str, Any]]:  # fmt: skip
    rows = session.exec(select(model).where(model.dossier_id == dossier_id).order_by(order))
    return [{k: v for k, v in r.model_dump().items() if k not in skip} for r in rows]


def _pick_sample(dossiers: list[Dossier]) -> list[Dossier]:
    """Every interesting kind of dossier, plus a spread of ordinary ones."""
    picked: dict[int, Dossier] = {}
    checks = [
        lambda d: d.extensions > 0,
        lambda d: d.supplement_requests == 2,
        lambda d: d.supplement_requests == 1 and d.processing_ended_at is not None,
        lambda d: d.paused_since is not None,
        lambda d: d.state == "refused",
        lambda d: d.state == "withdrawn",
        lambda d: d.state == "stopped",
        lambda d: d.state == "refusal_returned",
        lambda d: d.mode == "practice",
        lambda d: d.procedure_code == "KHCN-BX-CP" and d.clock_started_at is not None,
        lambda d: d.procedure_code == "KHCN-VTD-ND-GP",
        lambda d: d.procedure_code.startswith("XA-") and d.digitised,
        lambda d: d.satisfaction is not None,
        lambda d: d.result_bucket == "late",
        lambda d: d.processing_ended_at is None and d.due_at is not None and d.due_at < NOW,
    ]
    for check in checks:
        for d in [x for x in dossiers if check(x)][:2]:
            picked[d.id] = d
    for d in dossiers[::25]:
        picked[d.id] = d
    return sorted(picked.values(), key=lambda d: d.id)


def test_replay_through_the_services_gives_the_same_rows(  # type: ignore[no-untyped-def]
    generated, gsession, sqlite_template, tmp_path, monkeypatch
):
    target_path = tmp_path / "replay.db"
    shutil.copy(sqlite_template, target_path)
    target = make_engine(f"sqlite:///{target_path}")
    _copy_reference_rows(gsession, target)
    sample = _pick_sample(_generated_dossiers(gsession))
    assert len(sample) >= 25
    with Session(target, expire_on_commit=False) as dst:
        for d in sample:
            _replay(gsession, dst, d, monkeypatch, tmp_path)
        for d in sample:
            twin = dst.exec(select(Dossier).where(Dossier.code == d.code)).one()
            skip = {"id"}
            assert twin.model_dump(exclude=skip) == d.model_dump(exclude=skip), d.code
            skip = {"id", "dossier_id"}
            order = col(Event.seq)
            assert _rows(dst, Event, twin.id, order, skip) == _rows(
                gsession, Event, d.id, order, skip
            ), d.code
            order = col(StepRecord.ordinal)
            assert _rows(dst, StepRecord, twin.id, order, skip) == _rows(
                gsession, StepRecord, d.id, order, skip
            ), d.code
            order = col(ClockPause.started_at)
            assert _rows(dst, ClockPause, twin.id, order, skip) == _rows(
                gsession, ClockPause, d.id, order, skip
            ), d.code
            skip = {"dossier_id", "event_id"}
            order = col(Attachment.id)
            assert _rows(dst, Attachment, twin.id, order, skip) == _rows(
                gsession, Attachment, d.id, order, skip
            ), d.code
        # the counters the services kept one action at a time equal a rebuild of the same rows
        incremental = {
            m.__tablename__: sorted(map(str, dst.exec(select(m)).all()))
            for m in (StatDossier, StatElapsed, StatStep)
        }
        stats.rebuild(dst)
        dst.commit()
        rebuilt = {
            m.__tablename__: sorted(map(str, dst.exec(select(m)).all()))
            for m in (StatDossier, StatElapsed, StatStep)
        }
        assert incremental == rebuilt
    target.dispose()


# ---- the command --------------------------------------------------------------------------------


def test_command_prints_progress_and_summary(engine, monkeypatch):  # type: ignore[no-untyped-def]
    from casework.settings import get_settings

    monkeypatch.setattr(cli, "_engine", lambda: engine)
    args = ["demo", "generate", "--communes-per-province", "2", "--months", "2", "--batch", "25"]
    result = CliRunner().invoke(cli.app, [*args, "--dossiers", "60", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "60/60 hồ sơ" in result.stderr
    assert "hồ sơ/giây" in result.stderr
    assert "Đã sinh 60 hồ sơ" in result.stdout
    assert "Đã nạp dữ liệu mẫu trước." in result.stdout

    # a second run over the same days continues the code counters (the demo's too)
    again = CliRunner().invoke(cli.app, [*args, "--dossiers", "40", "--seed", "4"])
    assert again.exit_code == 0, again.output
    assert "Đã sinh 40 hồ sơ" in again.stdout and "thêm 0)" in again.stdout
    with Session(engine) as s:
        dossiers = s.exec(select(Dossier)).all()
        demo_dossiers = len(DEMO_CASES) + 2  # the demo's cases and its two inspections
        assert len(dossiers) == demo_dossiers + 60 + 40
        assert len({d.code for d in dossiers}) == len(dossiers)
        highest: dict[tuple[Any, ...], int] = {}
        for d in dossiers:
            key = (d.handling_unit_id, d.received_at.astimezone(TZ).date(), d.mode)
            highest[key] = max(highest.get(key, 0), int(d.code.rsplit("-", 1)[1]))
        counters = {
            (c.unit_id, c.day, c.mode): c.last_value for c in s.exec(select(DossierCodeCounter))
        }
        assert counters == highest
        assert audit.verify(s).ok

    monkeypatch.setenv("CASEWORK_ENV", "production")
    monkeypatch.setenv("CASEWORK_SECRET_KEY", "x" * 40)
    get_settings.cache_clear()
    try:
        refused = CliRunner().invoke(cli.app, ["demo", "generate", "--dossiers", "5"])
    finally:
        get_settings.cache_clear()
    assert refused.exit_code == 1
    assert "production" in refused.output
