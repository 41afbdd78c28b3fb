"""The new appointment of an apology and extension (Mẫu 04): strictly after the appointment in
force and after now, in the office hours of a working day of the unit's calendar — refused
otherwise with the reason in Vietnamese (422 on the page with the form kept, 422 in the API),
and nothing written."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from casework.db import utcnow
from casework.dossiers import calendars, service
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import Dossier, Event
from casework.errors import ValidationFailed
from tests.factories import TZ, fire, open_xray


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def extend(session, actor, dossier, when, new_appointment, source=None):
    return service.fire_action(
        session, actor=actor, code=dossier.code, action="extend", tz=TZ, now=when,
        data={"reason": "Cần xác minh tại cơ sở", "new_appointment": new_appointment},
        calendars=source,
    )  # fmt: skip


def accepted(session, world, xray):
    """Received Mon 02/03/2026 09:00 → due 17:00 Mon 09/03/2026."""
    d = open_xray(session, xray, world["hni.receiver"], received_at=at(2, 3, 9), now=at(2, 3, 9))
    service.fire_action(
        session, actor=world["hni.receiver"], code=d.code, action="accept", tz=TZ, now=at(2, 3, 11)
    )
    assert d.due_at == at(9, 3, 17)
    return d


def events(session, d):
    return session.exec(select(Event).where(Event.dossier_id == d.id)).all()


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2026-03-09T17:00", "phải sau hạn đang áp dụng (17:00 09/03/2026)"),  # the due itself
        ("2026-03-06T10:00", "phải sau hạn đang áp dụng"),  # before the due
        ("2026-02-27T10:00", "phải sau hạn đang áp dụng"),  # before the receipt
        ("2026-03-15T10:00", "Chủ nhật 15/03/2026) là ngày nghỉ"),
        ("2026-04-30T10:00", "là ngày nghỉ"),  # Reunification Day
        ("2026-03-10T12:30", "Giờ hẹn mới 12:30 ngoài giờ làm việc (08:00–12:00, 13:00–17:00)"),
        ("2026-03-10T20:00", "Giờ hẹn mới 20:00 ngoài giờ làm việc"),
        ("2026-03-10T07:59", "ngoài giờ làm việc"),
        ("2026-03-10T17:01", "ngoài giờ làm việc"),
    ],
)
def test_a_bad_new_appointment_is_refused_and_nothing_is_written(session, world, xray, value, why):
    d = accepted(session, world, xray)
    before = (len(events(session, d)), d.version, d.extensions, d.appointment_at)
    with pytest.raises(ValidationFailed) as err:
        extend(session, world["hni.handler"], d, at(6, 3, 10), value)
    assert why in err.value.fields["new_appointment"]
    assert why in err.value.message
    session.rollback()
    d = session.get(Dossier, d.id)
    assert (len(events(session, d)), d.version, d.extensions, d.appointment_at) == before
    assert d.due_at == at(9, 3, 17)


@pytest.mark.parametrize("value", ["2026-03-10T08:00", "2026-03-10T12:00", "2026-03-10T17:00"])
def test_office_window_edges_are_accepted(session, world, xray, value):
    d = accepted(session, world, xray)
    extend(session, world["hni.handler"], d, at(6, 3, 10), value)
    assert d.extensions == 1
    assert d.appointment_at == datetime.fromisoformat(value).replace(tzinfo=TZ)
    assert d.due_at == at(9, 3, 17)  # the legal due stays for the statistics


def test_a_second_extension_must_come_after_the_first_and_after_now(session, world, xray):
    d = accepted(session, world, xray)
    extend(session, world["hni.handler"], d, at(6, 3, 10), "2026-03-13T17:00")
    with pytest.raises(ValidationFailed, match="phải sau hạn đang áp dụng \\(17:00 13/03/2026\\)"):
        extend(session, world["hni.leader"], d, at(12, 3, 10), "2026-03-12T17:00")
    session.rollback()
    # overdue against the legal due, a new appointment already past is no appointment
    with pytest.raises(ValidationFailed, match="đã qua"):
        extend(session, world["hni.leader"], d, at(18, 3, 10), "2026-03-16T17:00")
    session.rollback()
    d = session.get(Dossier, d.id)
    extend(session, world["hni.leader"], d, at(12, 3, 10), "2026-03-16T17:00")
    assert d.extensions == 2


def test_the_units_own_calendar_decides_the_working_day(session, world, xray):
    source = CalendarSource()
    d = accepted(session, world, xray)
    calendars.set_day(
        session, day=date(2026, 3, 16), kind="day_off", name="Nghỉ đột xuất do bão",
        unit_code="SKHCN.HNI", calendars=source, now=at(4, 3, 8),
    )  # fmt: skip
    with pytest.raises(ValidationFailed, match="Nghỉ đột xuất do bão"):
        extend(session, world["hni.handler"], d, at(6, 3, 10), "2026-03-16T10:00", source)
    session.rollback()
    d = session.get(Dossier, d.id)
    calendars.set_day(
        session, day=date(2026, 3, 14), kind="workday", name="Làm bù",
        unit_code="SKHCN.HNI", calendars=source, now=at(4, 3, 9),
    )  # fmt: skip
    extend(session, world["hni.handler"], d, at(6, 3, 10), "2026-03-14T10:00", source)
    assert d.extensions == 1


# ---- the page and the API ------------------------------------------------------------------


def _future(days: int, hhmm: str) -> str:
    """A local date-time `days` working days from today, at `hhmm` (the page's own clock)."""
    cal = CalendarSource().base
    today = utcnow().astimezone(TZ).date()
    return f"{cal.add_working_days(today, days).isoformat()}T{hhmm}"


def _next_sunday() -> str:
    today = utcnow().astimezone(TZ).date() + timedelta(days=7)
    return f"{(today + timedelta(days=6 - today.weekday())).isoformat()}T10:00"


def bad_values() -> list[tuple[str, str]]:
    # the dossier: received Fri 13/02/2026 16:20 → due 17:00 Mon 02/03/2026
    return [
        ("2026-02-27T10:00", "phải sau hạn đang áp dụng (17:00 02/03/2026)"),  # before the due
        ("2026-02-10T10:00", "phải sau hạn đang áp dụng"),  # before the receipt
        (_next_sunday(), "là ngày nghỉ"),
        (f"{utcnow().astimezone(TZ).year + 1}-01-01T10:00", "là ngày nghỉ"),  # New Year
        (_future(3, "12:30"), "ngoài giờ làm việc"),
        (_future(3, "20:00"), "ngoài giờ làm việc"),
    ]


def received_in_february(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"], received_at=at(13, 2, 16, 20))
    fire(session, world["hni.receiver"], d, "accept")
    return d.code


def test_the_page_refuses_a_bad_appointment_with_422_and_keeps_the_form(
    client, session, world, xray, sign_in
):
    code = received_in_february(session, world, xray)
    token = sign_in(world["hni.handler"])
    for value, why in bad_values():
        for htmx in (False, True):
            r = client.post(
                f"/dossiers/{code}/actions/extend",
                data={"csrf_token": token, "reason": "Cần xác minh", "new_appointment": value},
                headers={"HX-Request": "true"} if htmx else {},
                follow_redirects=False,
            )
            assert r.status_code == 422, (value, r.text)
            assert why in r.text
            assert f'value="{value}"' in r.text  # what was typed is shown again
            assert "Cần xác minh</textarea>" in r.text
            assert 'class="action" open id="action-extend"' in r.text
    session.rollback()  # end the read transaction: see what the app committed
    d = session.exec(select(Dossier).where(Dossier.code == code)).one()
    assert d.extensions == 0
    assert d.appointment_at == d.due_at == at(2, 3, 17)
    assert [e.action for e in events(session, d)] == [None, "accept"]

    good = _future(3, "17:00")
    r = client.post(
        f"/dossiers/{code}/actions/extend",
        data={"csrf_token": token, "reason": "Cần xác minh", "new_appointment": good},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    session.rollback()  # end the read transaction: see what the app committed
    assert session.get(Dossier, d.id).extensions == 1


def test_the_api_refuses_a_bad_appointment_with_422_in_vietnamese(
    client, session, world, xray, token_for
):
    code = received_in_february(session, world, xray)
    han = token_for(world["hni.handler"])
    url = f"/api/v1/dossiers/{code}/actions/extend"
    for value, why in bad_values():
        body = {"data": {"reason": "Cần xác minh", "new_appointment": value}}
        r = client.post(url, json=body, headers=han)
        assert r.status_code == 422, (value, r.text)
        err = r.json()["error"]
        assert err["code"] == "validation_failed"
        assert why in err["details"]["fields"]["new_appointment"]
        assert why in err["message"]
    assert client.get(f"/api/v1/dossiers/{code}", headers=han).json()["clock"]["extensions"] == 0
    body = {"data": {"reason": "Cần xác minh", "new_appointment": _future(3, "10:00")}}
    r = client.post(url, json=body, headers=han)
    assert r.status_code == 200, r.text
    assert r.json()["clock"]["extensions"] == 1
