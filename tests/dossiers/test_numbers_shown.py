"""Numbers an officer typed with an action are kept as typed and shown as Vietnamese readers
write them: the fee "4.000.000 đ" (never "4000000.0"), a count "2" (never "2.0")."""

from __future__ import annotations

import pytest
from sqlmodel import select

from casework.dossiers import service
from casework.dossiers.models import Event
from casework.dossiers.page import data_rows
from casework.errors import ValidationFailed
from tests.factories import TZ, fire, open_xray

GH = "KHCN-BX-GH"  # X-ray licence renewal: the fee notice records the device count and the fee


@pytest.fixture
def renewal(session, world, registry):
    d = open_xray(session, registry.get(GH), world["hni.receiver"])
    fire(session, world["hni.receiver"], d, "accept", so_giay_phep_cu="123/GP-SKHCN")
    return d


def test_the_timeline_shows_money_and_counts(client, session, world, sign_in, renewal):
    token = sign_in(world["hni.handler"])
    r = client.post(
        f"/dossiers/{renewal.code}/actions/notify_fee",
        data={"csrf_token": token, "so_thiet_bi": "2", "phi_tham_dinh": "4000000"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    ev = session.exec(select(Event).where(Event.action == "notify_fee")).one()
    stored = ev.payload["data"]
    assert stored == {"so_thiet_bi": 2, "phi_tham_dinh": 4000000}
    assert all(type(v) is int for v in stored.values())  # whole numbers, not 4000000.0
    page = client.get(f"/dossiers/{renewal.code}").text
    assert "Số phí thẩm định phải nộp (đồng): 4.000.000 đ</li>" in page
    assert "Số thiết bị X-quang đề nghị gia hạn: 2</li>" in page
    assert "4000000" not in page and "2.0<" not in page


def test_the_api_stores_whole_numbers_and_refuses_a_fraction_of_a_dong(
    client, world, token_for, renewal
):
    han = token_for(world["hni.handler"])
    url = f"/api/v1/dossiers/{renewal.code}/actions/notify_fee"
    r = client.post(url, json={"data": {"so_thiet_bi": 2, "phi_tham_dinh": 1500.5}}, headers=han)
    assert r.status_code == 422
    assert "số tiền nguyên" in r.json()["error"]["details"]["fields"]["phi_tham_dinh"]
    r = client.post(
        url, json={"data": {"so_thiet_bi": 2.0, "phi_tham_dinh": 4000000.0}}, headers=han
    )
    assert r.status_code == 200, r.text
    assert r.text.count('"phi_tham_dinh":4000000,') + r.text.count('"phi_tham_dinh":4000000}') == 1
    assert '"so_thiet_bi":2,' in r.text or '"so_thiet_bi":2}' in r.text


def test_typed_vietnamese_numbers_are_read(session, world, registry, renewal):
    with pytest.raises(ValidationFailed):
        service.fire_action(
            session, actor=world["hni.handler"], code=renewal.code, action="notify_fee", tz=TZ,
            data={"so_thiet_bi": "hai", "phi_tham_dinh": "4000000"},
        )  # fmt: skip
    session.rollback()
    d = service.fire_action(
        session, actor=world["hni.handler"], code=renewal.code, action="notify_fee", tz=TZ,
        data={"so_thiet_bi": "2", "phi_tham_dinh": "4.000.000"},
    )  # fmt: skip
    assert (d.data["phi_tham_dinh"], type(d.data["phi_tham_dinh"])) == (4000000, int)


def test_values_stored_as_floats_before_show_as_numbers(registry):
    rows = data_rows(registry.get(GH), {"so_thiet_bi": 2.0, "phi_tham_dinh": 4000000.0}, TZ)
    assert rows == [
        ("Số thiết bị X-quang đề nghị gia hạn", "2"),
        ("Số phí thẩm định phải nộp (đồng)", "4.000.000 đ"),
    ]
