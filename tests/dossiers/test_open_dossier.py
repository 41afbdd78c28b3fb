"""Opening a dossier: codes, sequences, the first event, refusals that write nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from casework.dossiers import service
from casework.dossiers.models import Dossier, Event
from casework.errors import PermissionDenied, ValidationFailed
from tests.factories import TZ, open_xray

RECEIVED = datetime(2026, 2, 13, 16, 20, tzinfo=TZ)  # Fri 13/02/2026 16:20 local


def test_code_is_unit_date_and_daily_sequence(session, world, xray):
    first = open_xray(session, xray, world["hni.receiver"], received_at=RECEIVED)
    second = open_xray(session, xray, world["hni.receiver"], received_at=RECEIVED)
    other_day = open_xray(
        session, xray, world["hni.receiver"], received_at=datetime(2026, 2, 23, 9, tzinfo=TZ)
    )
    assert first.code == "SKHCN.HNI-260213-0001"
    assert second.code == "SKHCN.HNI-260213-0002"
    assert other_day.code == "SKHCN.HNI-260223-0001"


def test_code_date_is_the_local_receipt_date_not_utc(session, world, xray):
    # 00:30 on 14/02 in Hà Nội is still 13/02 in UTC.
    d = open_xray(
        session, xray, world["hni.receiver"], received_at=datetime(2026, 2, 13, 17, 30, tzinfo=UTC)
    )
    assert d.code.endswith("-260214-0001")


def test_practice_dossier_code_is_visibly_different_and_counted_apart(session, world, xray):
    real = open_xray(session, xray, world["hni.receiver"], received_at=RECEIVED)
    practice = open_xray(
        session, xray, world["hni.receiver"], received_at=RECEIVED, mode="practice"
    )
    assert practice.code == "LT-SKHCN.HNI-260213-0001"
    assert practice.mode == "practice"
    assert real.code == "SKHCN.HNI-260213-0001"


def test_opened_dossier_is_in_the_initial_state_with_one_chained_event(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"], received_at=RECEIVED)
    assert d.state == xray.initial_state == "received"
    assert d.national_status == 2
    events = session.exec(select(Event).where(Event.dossier_id == d.id)).all()
    assert len(events) == 1
    (ev,) = events
    assert ev.seq == 1
    assert ev.kind == "opened"
    assert ev.prev_hash == ""
    assert ev.hash == d.last_event_hash
    assert ev.payload["applicant"]["name"] == "Bệnh viện Đa khoa Hồng Ngọc"
    assert ev.payload["procedure"]["code"] == "2.002131"
    assert d.received_at == RECEIVED


def test_dossier_pins_the_procedure_version(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    from casework.dossiers.catalog import procedure_of

    row, procedure = procedure_of(session, d)
    assert row.content_hash == xray.content_hash
    assert procedure.code == xray.code


def test_province_procedure_cannot_be_opened_at_a_commune(session, world, xray):
    with pytest.raises(PermissionDenied, match="cấp tỉnh"):
        open_xray(session, xray, world["badinh.receiver"])
    assert session.exec(select(func.count()).select_from(Dossier)).one() == 0


def test_opening_needs_the_initial_states_role(session, world, xray):
    with pytest.raises(PermissionDenied, match="cần vai trò: Tiếp nhận"):
        open_xray(session, xray, world["hni.handler"])
    assert session.exec(select(func.count()).select_from(Dossier)).one() == 0


def test_bad_applicant_data_names_every_field_and_writes_nothing(session, world, xray):
    with pytest.raises(ValidationFailed) as err:
        service.open_dossier(
            session,
            actor=world["hni.receiver"],
            procedure=xray,
            applicant=service.Applicant(name="  ", email="khong-phai-email", phone="abc"),
            channel="fax",
            tz=TZ,
        )
    assert set(err.value.fields) == {
        "applicant_name",
        "applicant_email",
        "applicant_phone",
        "channel",
    }
    assert session.exec(select(func.count()).select_from(Dossier)).one() == 0
    assert session.exec(select(func.count()).select_from(Event)).one() == 0


def test_receipt_in_the_future_is_refused(session, world, xray):
    now = datetime(2026, 11, 22, 9, tzinfo=TZ)
    with pytest.raises(ValidationFailed) as err:
        open_xray(
            session,
            xray,
            world["hni.receiver"],
            now=now,
            received_at=datetime(2026, 11, 23, 9, tzinfo=TZ),
        )
    assert "received_at" in err.value.fields
