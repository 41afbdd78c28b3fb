"""JSON API v1: token auth, the open → act → events round trip, scoping, errors in Vietnamese."""

from __future__ import annotations

import pytest

OPEN_BODY = {
    "procedure_code": "2.002131",
    "channel": "online",
    "received_at": "2026-02-13T16:20:00",
    "applicant": {
        "name": "Bệnh viện Đa khoa Hồng Ngọc",
        "kind": "organisation",
        "phone": "0243 927 5568",
    },
}


def open_one(client, headers, **overrides):
    r = client.post("/api/v1/dossiers", json={**OPEN_BODY, **overrides}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_openapi_is_published_with_documented_errors(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/dossiers/{code}/actions/{action}" in spec["paths"]
    post = spec["paths"]["/api/v1/dossiers/{code}/actions/{action}"]["post"]
    assert {"401", "403", "404", "409", "422"} <= set(post["responses"])
    assert "ErrorOut" in spec["components"]["schemas"]


def test_no_token_or_a_bad_token_is_401_in_vietnamese(client):
    r = client.get("/api/v1/procedures")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "not_authenticated"
    assert "Authorization: Bearer" in r.json()["error"]["message"]
    assert r.headers["www-authenticate"] == "Bearer"
    r = client.get("/api/v1/procedures", headers={"Authorization": "Bearer cw_khong_dung"})
    assert r.status_code == 401
    assert "không hợp lệ" in r.json()["error"]["message"]


def test_procedures_list_and_detail(client, world, token_for):
    h = token_for(world["hni.receiver"])
    codes = [p["code"] for p in client.get("/api/v1/procedures", headers=h).json()]
    assert "2.002131" in codes
    detail = client.get("/api/v1/procedures/2.002131", headers=h).json()
    assert detail["limit"] == {"value": 5.0, "unit": "working_days", "first": None, "label": None}
    # a two-part limit (Điều 47 Nghị định 163/2024/NĐ-CP) says both parts
    amendment = client.get("/api/v1/procedures/KHCN-VT-GPDV-SD", headers=h).json()["limit"]
    assert amendment["first"] == {
        "value": 5.0, "unit": "working_days", "label": amendment["first"]["label"]
    }  # fmt: skip
    assert amendment["first"]["label"] and amendment["label"]
    assert (amendment["value"], amendment["unit"]) == (15.0, "days")
    assert {s["id"] for s in detail["states"]} >= {"received", "reviewing", "returned", "refused"}
    assert client.get("/api/v1/procedures/9.999999", headers=h).status_code == 404


def test_round_trip_open_act_list_events_replay(client, world, token_for):
    rec, han = token_for(world["hni.receiver"]), token_for(world["hni.handler"])
    d = open_one(client, rec)
    assert d["code"] == "SKHCN.HNI-260213-0001"
    assert d["state"] == "received"
    assert d["received_at"] == "2026-02-13T16:20:00+07:00"  # no offset given = Vietnam time
    assert {a["action"] for a in d["allowed_actions"]} == {"accept", "refuse_reception", "withdraw"}

    r = client.post(
        f"/api/v1/dossiers/{d['code']}/actions/accept", json={"expected_version": 1}, headers=rec
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "reviewing"
    assert r.json()["national_status"] == 4

    r = client.post(
        f"/api/v1/dossiers/{d['code']}/actions/request_supplement",
        json={"data": {"reason": "Thiếu số sê-ri", "missing_documents": ["phieu_khai_bao"]}},
        headers=han,
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "awaiting_supplement"

    events = client.get(f"/api/v1/dossiers/{d['code']}/events", headers=han).json()
    assert [e["seq"] for e in events] == [1, 2, 3]
    assert events[1]["actor"] == "Cán bộ hni.receiver"
    assert events[2]["payload"]["data"]["missing_documents"] == ["phieu_khai_bao"]
    assert events[2]["prev_hash"] == events[1]["hash"]

    snap = client.get(f"/api/v1/dossiers/{d['code']}/replay/2", headers=han).json()
    assert (snap["state"], snap["state_label"], snap["finished"]) == (
        "reviewing",
        "Thẩm định hồ sơ",
        False,
    )
    assert snap["received_at"] == "2026-02-13T16:20:00+07:00"

    page = client.get(
        "/api/v1/dossiers", params={"state": "awaiting_supplement"}, headers=rec
    ).json()
    assert page["total"] == 1
    assert page["items"][0]["code"] == d["code"]


def test_missing_fields_are_422_naming_each_field(client, world, token_for):
    rec, han = token_for(world["hni.receiver"]), token_for(world["hni.handler"])
    d = open_one(client, rec)
    client.post(f"/api/v1/dossiers/{d['code']}/actions/accept", json={}, headers=rec)
    r = client.post(
        f"/api/v1/dossiers/{d['code']}/actions/request_supplement", json={"data": {}}, headers=han
    )
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_failed"
    assert set(err["details"]["fields"]) == {"reason", "missing_documents"}
    assert "Yêu cầu bổ sung" in err["message"]


def test_malformed_body_is_422_in_our_format(client, world, token_for):
    h = token_for(world["hni.receiver"])
    r = client.post("/api/v1/dossiers", json={"procedure_code": "2.002131"}, headers=h)
    assert r.status_code == 422
    assert "applicant" in r.json()["error"]["details"]["fields"]
    r = client.post("/api/v1/dossiers", json={**OPEN_BODY, "mode": "fake"}, headers=h)
    assert r.status_code == 422
    assert "mode" in r.json()["error"]["details"]["fields"]


def test_stale_version_is_409_saying_who(client, world, token_for):
    rec, rec2 = token_for(world["hni.receiver"]), token_for(world["hni.receiver2"])
    d = open_one(client, rec)
    client.post(
        f"/api/v1/dossiers/{d['code']}/actions/accept", json={"expected_version": 1}, headers=rec
    )
    r = client.post(
        f"/api/v1/dossiers/{d['code']}/actions/withdraw",
        json={"expected_version": 1, "data": {"reason": "Xin rút"}},
        headers=rec2,
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "conflict"
    assert "Cán bộ hni.receiver" in r.json()["error"]["message"]


def test_other_units_see_nothing_and_cannot_tell_it_exists(client, world, token_for):
    d = open_one(client, token_for(world["hni.receiver"]))
    kha = token_for(world["kha.receiver"])
    r = client.get(f"/api/v1/dossiers/{d['code']}", headers=kha)
    missing = client.get("/api/v1/dossiers/SKHCN.HNI-000000-9999", headers=kha)
    assert r.status_code == missing.status_code == 404
    assert r.json()["error"]["message"].replace(d["code"], "X") == missing.json()["error"][
        "message"
    ].replace("SKHCN.HNI-000000-9999", "X")
    assert client.get("/api/v1/dossiers", headers=kha).json()["total"] == 0
    r = client.post(f"/api/v1/dossiers/{d['code']}/actions/accept", json={}, headers=kha)
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("user", "sees"),
    [("hni.auditor", True), ("bo.auditor", True), ("kha.handler", False), ("bo.mentor", False)],
)
def test_auditors_read_their_subtree_mentors_only_practice(client, world, token_for, user, sees):
    d = open_one(client, token_for(world["hni.receiver"]))
    h = token_for(world[user])
    assert (client.get(f"/api/v1/dossiers/{d['code']}", headers=h).status_code == 200) is sees


def test_mentor_sees_practice_dossiers_of_assigned_units_but_cannot_act(
    client, session, world, token_for
):
    from casework.reviews.models import MentorAssignment

    d = open_one(client, token_for(world["hni.receiver"]), mode="practice")
    assert d["practice"] is True
    assert d["code"].startswith("LT-")
    h = token_for(world["bo.mentor"])
    # being at the ministry gives a mentor nothing: only an assignment does
    assert client.get(f"/api/v1/dossiers/{d['code']}", headers=h).status_code == 404
    session.add(MentorAssignment(mentor_id=world["bo.mentor"].id, unit_id=world.hni.id))
    session.commit()
    got = client.get(f"/api/v1/dossiers/{d['code']}", headers=h).json()
    assert got["allowed_actions"] == []
    r = client.post(f"/api/v1/dossiers/{d['code']}/actions/accept", json={}, headers=h)
    assert r.status_code == 403


def test_list_paging_filters_and_search_without_case(client, world, token_for):
    h = token_for(world["hni.receiver"])
    for i in range(5):
        open_one(client, h, applicant={"name": f"Phòng khám số {i}"})
    open_one(client, h, mode="practice", applicant={"name": "Tập huấn"})
    page = client.get(
        "/api/v1/dossiers", params={"per_page": 2, "page": 3, "mode": "real"}, headers=h
    ).json()
    assert (page["total"], page["pages"], len(page["items"])) == (5, 3, 1)
    found = client.get("/api/v1/dossiers", params={"q": "PHÒNG KHÁM SỐ 3"}, headers=h).json()
    assert [d["applicant"]["name"] for d in found["items"]] == ["Phòng khám số 3"]
    assert client.get("/api/v1/dossiers", params={"per_page": 1000}, headers=h).status_code == 422


def test_me(client, world, token_for):
    me = client.get("/api/v1/me", headers=token_for(world["hni.leader"])).json()
    assert me == {
        "username": "hni.leader",
        "full_name": "Cán bộ hni.leader",
        "unit_code": "SKHCN.HNI",
        "unit_name": "Sở KH&CN Hà Nội",
        "roles": ["leader"],
    }


def test_home_page_lists_procedures(client):
    r = client.get("/")
    assert r.status_code == 200
    assert "Khai báo thiết bị X-quang chẩn đoán y tế, thiết bị chụp cắt lớp" in r.text
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/static/vendor/htmx-2.0.11.min.js").status_code == 200


@pytest.mark.parametrize("q", ["Đa khoa", "da khoa", "DA KHOA HỒNG", "hong ngoc", "260213"])
def test_search_ignores_diacritics_and_case_on_both_databases(client, world, token_for, q):
    h = token_for(world["hni.receiver"])
    open_one(client, h)  # Bệnh viện Đa khoa Hồng Ngọc, received 13/02/2026
    open_one(client, h, applicant={"name": "Phòng khám Kim Mã"}, received_at="2026-02-16T09:00:00")
    found = client.get("/api/v1/dossiers", params={"q": q}, headers=h).json()
    assert [d["applicant"]["name"] for d in found["items"]] == ["Bệnh viện Đa khoa Hồng Ngọc"]


def test_search_treats_like_wildcards_literally(client, world, token_for):
    h = token_for(world["hni.receiver"])
    open_one(client, h)
    assert client.get("/api/v1/dossiers", params={"q": "%"}, headers=h).json()["total"] == 0
    assert client.get("/api/v1/dossiers", params={"q": "_"}, headers=h).json()["total"] == 0
