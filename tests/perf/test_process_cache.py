"""The per-process caches of units, calendars and procedure versions (`casework.caching`):
served without a read while nothing changed, and read again by every worker once a unit, a
calendar day or a procedure version is written — the token lives in the database, so another
worker's write is seen at its commit (issue 19, item 1)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, text
from sqlmodel import Session

from casework.accounts.models import Unit
from casework.caching import service as caching
from casework.dossiers import calendars
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.service import fire
from tests.api.test_api import open_one

DAY = date(2026, 3, 6)  # a Friday


def _reads(engine) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_a_calendar_is_read_once_until_a_day_is_written(engine, world):  # type: ignore[no-untyped-def]
    source = CalendarSource()
    unit_id = world["hni.receiver"].unit_id
    with Session(engine) as s:
        assert source.for_unit(s, unit_id).is_working_day(DAY)
    seen = _reads(engine)
    with Session(engine) as s:  # a new transaction: the token, nothing else
        assert source.for_unit(s, unit_id).is_working_day(DAY)
    assert not [q for q in seen if "calendar_override" in q or "FROM unit" in q]
    with Session(engine) as other:  # another worker writes a day off, nationally
        calendars.set_day(other, day=DAY, kind="day_off", name="Nghỉ bù", calendars=source)
    with Session(engine) as s:
        assert not source.for_unit(s, unit_id).is_working_day(DAY)
    with Session(engine) as other:
        calendars.remove_day(other, day=DAY, calendars=source)
    with Session(engine) as s:
        assert source.for_unit(s, unit_id).is_working_day(DAY)


def test_a_unit_written_is_read_again(engine, world):  # type: ignore[no-untyped-def]
    unit_id = world["hni.receiver"].unit_id
    with Session(engine) as s:
        assert caching.row_by_id(s, Unit, unit_id).code == "SKHCN.HNI"  # type: ignore[union-attr]
    with Session(engine) as other:
        unit = other.get(Unit, unit_id)
        assert unit is not None
        unit.name = "Sở Khoa học và Công nghệ Hà Nội"
        other.add(unit)
        other.commit()
    with Session(engine) as s:
        unit = caching.row_by_id(s, Unit, unit_id)
        assert unit is not None and unit.name == "Sở Khoa học và Công nghệ Hà Nội"
        unit.name = "đổi trong phiên, chưa lưu"
        s.add(unit)
        s.flush()  # this transaction wrote a unit: it reads the database until it ends
        assert caching.generation(s) is None
        s.rollback()
    with Session(engine) as s:
        unit = caching.row_by_id(s, Unit, unit_id)
        assert unit is not None and unit.name == "Sở Khoa học và Công nghệ Hà Nội"


def test_without_the_generation_row_nothing_is_cached(engine, world):  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM cache_generation"))
    with Session(engine) as s:
        assert caching.generation(s) is None
        assert caching.row_by_id(s, Unit, world["hni.receiver"].unit_id) is not None


def test_an_action_answers_what_a_read_after_it_shows(client, world, token_for):  # type: ignore[no-untyped-def]
    """Through a pause and out of it: the answer (built from what the action's transaction
    knew, the pause rows skipped while no step was in a paused state) is what a GET shows."""
    rec, han = token_for(world["hni.receiver"]), token_for(world["hni.handler"])
    d = open_one(client, rec)
    url = f"/api/v1/dossiers/{d['code']}"
    supplement = {"reason": "Thiếu số sê-ri", "missing_documents": ["phieu_khai_bao"]}
    for action, headers, data in (
        ("accept", rec, {}),
        ("request_supplement", han, supplement),
        ("receive_supplement", rec, {}),
    ):
        r = client.post(f"{url}/actions/{action}", json={"data": data}, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json() == client.get(url, headers=headers).json()
    assert len(r.json()["clock"]["pauses"]) == 1
    assert [s["ordinal"] for s in r.json()["clock"]["steps"]] == [1, 2, 3, 4]


def test_the_service_reports_what_it_knew(session, world, registry, tz):  # type: ignore[no-untyped-def]
    from casework.dossiers.service import Applicant, open_dossier

    actor = world["hni.receiver"]
    d = open_dossier(
        session, actor=actor, procedure=registry.get("2.002131"), applicant=Applicant("A"), tz=tz
    )
    fired = fire(session, actor=actor, code=d.code, action="accept", tz=tz, answer=True)
    assert fired.dossier.step_count == 2
    assert [s.ordinal for s in fired.steps or []] == [1, 2]
    assert fired.unit_codes == {actor.unit_id: "SKHCN.HNI"}
