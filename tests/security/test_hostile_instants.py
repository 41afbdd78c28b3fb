"""Issue 17, finding 6 (second half): a reception instant UTC cannot hold (year 1 at +14:00, year
9999 at −14:00), or one far in the past or the future, is a 422 naming `received_at` in
Vietnamese — through the API and the form, on both databases — and nothing is opened."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from casework.dossiers.models import Dossier
from tests.security.test_hostile_exports import open_by_api, open_by_form

INSTANTS = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59",
    "1900-01-01T08:00:00+07:00",
    "2999-01-01T08:00:00+07:00",
]


class Raw:
    """An instant as the sender wrote it (the helpers call strftime)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def strftime(self, fmt: str) -> str:
        return self.text if "%S" in fmt else self.text[:16]


def count(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(Dossier)).one())


@pytest.mark.parametrize("instant", INSTANTS)
def test_the_api_refuses_an_instant_out_of_range(client, session, world, token_for, instant):
    r = open_by_api(client, token_for(world["hni.receiver"]), "Bệnh viện A", Raw(instant))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert "received_at" in error["details"]["fields"], error
    assert count(session) == 0


@pytest.mark.parametrize("instant", INSTANTS[1::2] + INSTANTS[4:])
def test_the_form_refuses_an_instant_out_of_range(client, session, world, sign_in, instant):
    r = open_by_form(client, sign_in(world["hni.receiver"]), "Bệnh viện A", Raw(instant))
    assert r.status_code == 422, r.text[:300]
    assert "Thời điểm nhận hồ sơ" in r.text and "Bệnh viện A" in r.text  # the form kept
    assert count(session) == 0
