"""The work queue's reads are index reads on PostgreSQL (issue 19, item 3): `EXPLAIN` of the
statements "my queue", "the unit" and the tab counts really send, on a few thousand dossiers in
ten units after `ANALYZE`, names the queue's indexes and never scans the dossier table."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Text, cast, func, insert, literal, literal_column, select, text, true
from sqlalchemy.engine import Engine
from sqlmodel import Session

from casework.accounts import service as accounts
from casework.db import utcnow
from casework.dossiers import queries, queue_index
from casework.dossiers.models import Dossier
from tests.factories import fire, open_xray
from tests.statements import statements

pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)

COPIES = 400  # of each of the 10 dossiers below: 4,000 rows, 400 of them in each of 10 units
SIGNING = {"ket_qua_tham_dinh": "Đủ điều kiện xác nhận khai báo", "result_summary": "01 máy"}


def build(session: Session, engine: Engine, world: Any, xray: Any) -> None:
    """Ten dossiers at HNI in every kind of state, then copies spread over HNI and nine more
    departments (as a bulk load would write them), the counters rebuilt and the planner's
    statistics fresh."""
    rec, handler = world["hni.receiver"], world["hni.handler"]
    made = [open_xray(session, xray, rec, name=f"Phòng khám {i}") for i in range(10)]
    for d in made[2:]:
        fire(session, rec, d, "accept")
    for d in made[4:]:
        fire(session, handler, d, "submit_for_signing", **SIGNING)
    for d in made[7:]:
        fire(session, world["hni.leader"], d, "sign", decision_number="1/XN")
        fire(session, rec, d, "return_result")
    units = [world.hni.id] + [
        accounts.create_unit(
            session, code=f"SKHCN.T{i}", name=f"Sở {i}", kind="department", parent=world.ministry
        ).id
        for i in range(9)
    ]
    table = Dossier.__table__  # type: ignore[attr-defined]
    series = func.generate_series(1, COPIES).table_valued("g").render_derived(name="series")
    values = {
        "code": table.c.code + literal("-") + cast(series.c.g, Text),
        "handling_unit_id": literal_column(f"(ARRAY{units})[1 + series.g % {len(units)}]"),
        "receiving_unit_id": literal_column(f"(ARRAY{units})[1 + series.g % {len(units)}]"),
        "received_at": table.c.received_at - literal_column("interval '1 minute'") * series.c.g,
    }
    copied = [c for c in table.c if c.name != "id"]
    rows = select(*(values.get(c.name, c) for c in copied)).select_from(table.join(series, true()))
    session.execute(insert(table).from_select([c.name for c in copied], rows))
    queue_index.rebuild(session)
    session.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def plans(engine: Engine, seen: list[tuple[str, Any]]) -> list[str]:
    """The plan of each statement that reads the dossier table or the counters (the page's: its
    plain rows, as the queue page reads them)."""
    out = []
    with engine.connect() as conn:
        for statement, params in seen:
            if "FROM dossier" not in statement and "FROM queue_counter" not in statement:
                continue
            rows = conn.exec_driver_sql(f"EXPLAIN {statement}", params).all()
            out.append(statement + "\n" + "\n".join(r[0] for r in rows))
    return out


def test_queue_reads_use_the_queue_indexes(session, engine, world, xray):
    build(session, engine, world, xray)
    handler = world["hni.handler"]
    now = utcnow()
    at = {"now": now, "soon": now + timedelta(days=1)}
    session.expire_all()
    with statements(engine) as seen:
        counts = queries.queue_counts(session, user=handler, **at)
    counted = plans(engine, seen)
    assert counts["mine"] > 20 and counts["unit"] > 20 and counts["finished"] > 20, counts
    found: dict[str, list[str]] = {}
    for queue in ("mine", "unit"):
        with statements(engine) as seen:
            page = queries.list_dossiers(
                session, user=handler, filters=queries.DossierFilter(queue=queue),
                total=counts[queue], rows=True, **at,
            )  # fmt: skip
        assert len(page.items) == 20, queue
        found[queue] = plans(engine, seen)
    everything = counted + found["mine"] + found["unit"]
    listing = "\n\n".join(everything)
    assert "Seq Scan on dossier" not in listing, listing
    assert "ix_dossier_queue_due" in "\n".join(counted), listing
    assert "queue_counter" in "\n".join(counted), listing
    assert "ix_dossier_queue_mine" in "\n".join(found["mine"]), listing
    assert "ix_dossier_queue_open" in "\n".join(found["unit"]), listing
