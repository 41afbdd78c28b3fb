"""Issue 17, finding 7, on both databases: the HTML form and the API, sent the same values, give
the same verdict with the same Vietnamese message naming the field (`casework.inputs`).

The finding: a 1,000,000-character applicant name was stored by the form and refused by the API;
number fields took `NaN`/`Infinity`; any field of the procedure was taken on any action. Each case
below is sent through both doors, each on a fresh dossier; a refusal is a 422 that names the
field, stores nothing, and (on the form) shows the page again with what was typed.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import func, select

from casework.db import utcnow
from casework.dossiers.models import Dossier, Event
from tests.factories import TZ, fire, open_xray
from tests.security.test_hostile_exports import open_by_api, open_by_form

LONG = "A" * 1_000_000


def shown_error(page: str, field: str) -> str | None:
    """The reason the page shows beside `field` (a new-dossier field, or an action's)."""
    found = re.search(rf'id="err-(?:[a-z_]+-)?{re.escape(field)}"[^>]*>([^<]*)<', page)
    return html.unescape(found.group(1)) if found else None


def api_error(r: Any, field: str) -> str | None:
    return r.json()["error"]["details"].get("fields", {}).get(field)


def counts(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    session.rollback()
    session.expire_all()
    dossiers = session.exec(select(func.count()).select_from(Dossier)).one()
    events = session.exec(select(func.count()).select_from(Event)).one()
    return int(dossiers), int(events)


# ---- the applicant: the new-dossier form and POST /api/v1/dossiers ---------------------------

REFUSED_NAMES = {
    "a million characters": (LONG, "dài quá 255 ký tự (đang có 1.000.000 ký tự)"),
    "256 characters": ("B" * 256, "dài quá 255 ký tự (đang có 256 ký tự)"),
    "vertical tab": ("Nguyễn\x0bVăn A", "U+000B"),
    "NUL": ("Nguyễn\x00Văn A", "U+0000"),
    "DEL": ("Nguyễn\x7fVăn A", "U+007F"),
    "a C1 control": ("Nguyễn\x85Văn A", "U+0085"),
    "a line feed": ("Nguyễn\nVăn A", "một dòng"),
    "right-to-left override": ("Công ty \u202eexe.txt", "U+202E"),
    "left-to-right embedding": ("Công ty \u202aABC", "U+202A"),
    "first strong isolate": ("Công ty \u2068ABC\u2069", "U+2068"),
    "blank": ("   ", "Cần nhập tên người nộp"),
}


@pytest.mark.parametrize("case", list(REFUSED_NAMES))
def test_form_and_api_refuse_the_same_applicant_names(
    client, session, world, sign_in, token_for, case
):
    name, says = REFUSED_NAMES[case]
    receiver = world["hni.receiver"]
    received = (utcnow() - timedelta(hours=1)).astimezone(TZ)
    form = open_by_form(client, sign_in(receiver), name, received)
    api = open_by_api(client, token_for(receiver), name, received)
    assert (form.status_code, api.status_code) == (422, 422), (form.text[:300], api.text[:300])
    from_api = api_error(api, "applicant_name")
    assert from_api is not None and says in from_api, api.json()
    assert shown_error(form.text, "applicant_name") == from_api  # the same words
    if name.strip() and "\x00" not in name:
        assert html.escape(name, quote=True)[:2000] in form.text  # the form keeps what was typed
    assert counts(session) == (0, 0)


ACCEPTED_NAMES = {
    "255 characters": "C" * 255,
    "Vietnamese with marks": "Công ty TNHH Đo lường Hồng Ngọc — chi nhánh số 2",
    "a left-to-right mark (not an override)": "Công ty \u200eABC",
    "spaces around": "   Bệnh viện Đa khoa   ",
}


@pytest.mark.parametrize("case", list(ACCEPTED_NAMES))
def test_form_and_api_accept_the_same_applicant_names(
    client, session, world, sign_in, token_for, case
):
    name = ACCEPTED_NAMES[case]
    receiver = world["hni.receiver"]
    received = (utcnow() - timedelta(hours=1)).astimezone(TZ)
    form = open_by_form(client, sign_in(receiver), name, received)
    api = open_by_api(client, token_for(receiver), name, received)
    assert (form.status_code, api.status_code) == (303, 201), (form.text[:300], api.text[:300])
    session.expire_all()
    stored = session.exec(select(Dossier.applicant_name)).all()
    assert stored == [name.strip(), name.strip()]


OTHER_FIELDS = {
    # field of the form, key of the API's applicant, value, what the reason says
    "address": ("applicant_address", "address", "Số 1 " + "x" * 500, "dài quá 500 ký tự"),
    "id number": ("applicant_id_number", "id_number", "0123456789" * 7, "dài quá 64 ký tự"),
    "e-mail with NUL": ("applicant_email", "email", "a\x00@b.vn", "U+0000"),
    "address with override": ("applicant_address", "address", "Số \u202e1", "U+202E"),
}


@pytest.mark.parametrize("case", list(OTHER_FIELDS))
def test_form_and_api_refuse_the_same_other_applicant_fields(
    client, session, world, sign_in, token_for, case
):
    field, key, value, says = OTHER_FIELDS[case]
    receiver = world["hni.receiver"]
    received = (utcnow() - timedelta(hours=1)).astimezone(TZ)
    token = sign_in(receiver)
    data = {
        "csrf_token": token, "procedure": "2.002131", "mode": "real", "kind": "organisation",
        "applicant_name": "Bệnh viện A", "channel": "in_person", field: value,
        "received_at": received.strftime("%Y-%m-%dT%H:%M"),
    }  # fmt: skip
    form = client.post("/dossiers", data=data, follow_redirects=False)
    body = {
        "procedure_code": "2.002131", "received_at": received.strftime("%Y-%m-%dT%H:%M:%S"),
        "applicant": {"name": "Bệnh viện A", key: value},
    }  # fmt: skip
    api = client.post("/api/v1/dossiers", json=body, headers=token_for(receiver))
    assert (form.status_code, api.status_code) == (422, 422), (form.text[:300], api.text[:300])
    from_api = api_error(api, field)
    assert from_api is not None and says in from_api, api.json()
    assert shown_error(form.text, field) == from_api
    assert counts(session) == (0, 0)


def test_the_openapi_document_states_the_same_limits(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ApplicantIn"]
    props = schema["properties"]
    assert (props["name"]["maxLength"], props["name"]["minLength"]) == (255, 1)
    assert [props[k]["maxLength"] for k in ("id_number", "address", "phone", "email")] == [
        64, 500, 32, 255,
    ]  # fmt: skip


# ---- an action's data: the dossier page's forms and POST /api/v1/dossiers/{code}/actions --------

FEE = "KHCN-BX-CP"  # notify_fee requires so_thiet_bi and phi_tham_dinh (numbers, one in đồng)


def _at_checking(session, registry, world) -> Dossier:  # type: ignore[no-untyped-def]
    d = open_xray(session, registry.get(FEE), world["hni.receiver"], name="Phòng khám An Bình")
    return fire(session, world["hni.receiver"], d, "accept")


def _send_both(
    client, session, registry, world, sign_in, token_for, action: str, data: dict[str, Any],
    actor: str = "hni.handler",
) -> tuple[Any, Any]:  # fmt: skip
    """The same action with the same data, once through the page's form and once through the
    API, each on its own dossier standing at `checking`."""
    by_form = _at_checking(session, registry, world)
    by_api = _at_checking(session, registry, world)
    user = world[actor]
    token = sign_in(user)
    form = client.post(
        f"/dossiers/{by_form.code}/actions/{action}",
        data={"csrf_token": token, **data},
        follow_redirects=False,
    )
    api = client.post(
        f"/api/v1/dossiers/{by_api.code}/actions/{action}",
        json={"data": data},
        headers=token_for(user),
    )
    return form, api


NUMBERS = {
    "NaN": "NaN",
    "Infinity": "Infinity",
    "minus Infinity": "-Infinity",
    "1e400": "1e400",
    "a 400-digit number": "1" + "0" * 400,
    "past the bound": "2000000000000000",
    "a word": "mười",
}


@pytest.mark.parametrize("case", list(NUMBERS))
def test_form_and_api_refuse_the_same_numbers(
    client, session, registry, world, sign_in, token_for, case
):
    data = {"so_thiet_bi": "2", "phi_tham_dinh": NUMBERS[case]}
    before = counts(session)
    form, api = _send_both(client, session, registry, world, sign_in, token_for, "notify_fee", data)
    assert (form.status_code, api.status_code) == (422, 422), (form.text[:300], api.text[:300])
    from_api = api_error(api, "phi_tham_dinh")
    assert from_api is not None and from_api.startswith("Số phí thẩm định"), api.json()
    assert shown_error(form.text, "phi_tham_dinh") == from_api
    assert f'value="{NUMBERS[case]}"' in form.text  # the form keeps what was typed
    assert counts(session)[1] == before[1] + 4  # two opened and accepted; nothing more


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 10**400], ids=["nan", "inf", "big"])
def test_the_api_refuses_json_numbers_that_are_not_finite(
    client, session, registry, world, token_for, value
):
    d = _at_checking(session, registry, world)
    body = {"data": {"so_thiet_bi": value, "phi_tham_dinh": 4_000_000}}
    r = client.post(
        f"/api/v1/dossiers/{d.code}/actions/notify_fee",
        content=__import__("json").dumps(body),
        headers={**token_for(world["hni.handler"]), "Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert api_error(r, "so_thiet_bi"), r.json()
    session.expire_all()
    assert session.get(Dossier, d.id).state == "checking"


def test_form_and_api_accept_the_same_good_numbers(
    client, session, registry, world, sign_in, token_for
):
    data = {"so_thiet_bi": "2", "phi_tham_dinh": "4.000.000"}
    form, api = _send_both(client, session, registry, world, sign_in, token_for, "notify_fee", data)
    assert (form.status_code, api.status_code) == (303, 200), (form.text[:300], api.text[:300])
    session.expire_all()
    fees = session.exec(select(Dossier.data).where(Dossier.state == "awaiting_fee")).all()
    assert [f["phi_tham_dinh"] for f in fees] == [4_000_000, 4_000_000]


UNDECLARED = {
    # a field the procedure uses on another action (record_fee_paid), sent on notify_fee
    "another action's field": ("notify_fee", {"chung_tu_phi": "BL-001"}, "chung_tu_phi"),
    # a built-in field no action here declares
    "a built-in field": ("notify_fee", {"decision_number": "12/QĐ"}, "decision_number"),
}


@pytest.mark.parametrize("case", list(UNDECLARED))
def test_form_and_api_refuse_the_same_undeclared_fields(
    client, session, registry, world, sign_in, token_for, case
):
    action, extra, field = UNDECLARED[case]
    data = {"so_thiet_bi": "2", "phi_tham_dinh": "4000000", **extra}
    form, api = _send_both(client, session, registry, world, sign_in, token_for, action, data)
    assert (form.status_code, api.status_code) == (422, 422), (form.text[:300], api.text[:300])
    from_api = api_error(api, field)
    assert from_api is not None and f"«{field}»" in from_api, api.json()
    assert shown_error(form.text, field) == from_api
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Dossier).where(
        Dossier.state == "awaiting_fee")).one() == 0  # fmt: skip


TEXTS = {
    "NUL in a note": ({"note": "Đã kiểm tra\x00"}, "note", "U+0000"),
    "an override in a note": ({"note": "Xem \u202etệp"}, "note", "U+202E"),
    "a note past 5000 characters": ({"note": "x" * 5001}, "note", "dài quá 5.000 ký tự"),
}


@pytest.mark.parametrize("case", list(TEXTS))
def test_form_and_api_refuse_the_same_action_texts(
    client, session, registry, world, sign_in, token_for, case
):
    extra, field, says = TEXTS[case]
    data = {"so_thiet_bi": "2", "phi_tham_dinh": "4000000", **extra}
    form, api = _send_both(client, session, registry, world, sign_in, token_for, "notify_fee", data)
    assert (form.status_code, api.status_code) == (422, 422), (form.text[:300], api.text[:300])
    from_api = api_error(api, field)
    assert from_api is not None and says in from_api and from_api.startswith("Ghi chú")
    assert shown_error(form.text, field) == from_api


def test_a_note_of_several_lines_is_kept_by_both(
    client, session, registry, world, sign_in, token_for
):
    data = {"so_thiet_bi": "2", "phi_tham_dinh": "4000000", "note": "Dòng 1\r\nDòng 2\tcột"}
    form, api = _send_both(client, session, registry, world, sign_in, token_for, "notify_fee", data)
    assert (form.status_code, api.status_code) == (303, 200), (form.text[:300], api.text[:300])
    session.expire_all()
    notes = session.exec(select(Dossier.data).where(Dossier.state == "awaiting_fee")).all()
    assert [n["note"] for n in notes] == ["Dòng 1\nDòng 2\tcột"] * 2
