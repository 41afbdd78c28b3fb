"""Values read once per transaction (`db.memo`): a page of twenty dossiers reads a unit's calendar
and a procedure version once, yet a calendar day written in the same session is seen at once, and
nothing outlives the transaction."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event

from casework.dossiers import calendars
from casework.dossiers.catalog import procedure_of
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import CalendarOverride
from tests.factories import open_xray

SATURDAY = date(2026, 12, 12)


def count_statements(engine):  # type: ignore[no-untyped-def]
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_a_calendar_is_read_once_and_again_after_a_change(session, engine, world):
    source = CalendarSource()
    unit = world.hni.id
    assert not source.for_unit(session, unit).is_working_day(SATURDAY)
    statements = count_statements(engine)
    for _ in range(20):
        source.for_unit(session, unit)
    assert statements == []  # twenty rows of a page: no query

    calendars.set_day(
        session, day=SATURDAY, kind="workday", name="Làm bù", unit_code="SKHCN.HNI",
        calendars=source,
    )  # fmt: skip
    assert source.for_unit(session, unit).is_working_day(SATURDAY)  # the same session sees it
    session.commit()
    assert source.for_unit(session, unit).is_working_day(SATURDAY)

    calendars.remove_day(session, day=SATURDAY, unit_code="SKHCN.HNI", calendars=source)
    assert not source.for_unit(session, unit).is_working_day(SATURDAY)


def test_nothing_outlives_a_rolled_back_change(session, world):
    source = CalendarSource()
    unit = world.hni.id
    source.for_unit(session, unit)
    session.add(CalendarOverride(scope="SKHCN.HNI", day=SATURDAY, kind="workday", name="Thử"))
    session.flush()
    assert source.for_unit(session, unit).is_working_day(SATURDAY)
    session.rollback()
    assert not source.for_unit(session, unit).is_working_day(SATURDAY)


def test_a_procedure_version_is_read_once_per_transaction(session, engine, world, xray):
    dossier = open_xray(session, xray, world["hni.receiver"])
    session.commit()
    first = procedure_of(session, dossier)
    statements = count_statements(engine)
    assert procedure_of(session, dossier) is first
    assert statements == []
    session.commit()  # a new transaction works it out again
    assert procedure_of(session, dossier) is not first
