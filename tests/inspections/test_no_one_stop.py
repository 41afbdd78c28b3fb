"""Nothing of the citizen one-stop flow on an inspection (issue 15 item 1), on both databases: the
page and the API offer no «Dừng giải quyết hồ sơ» (Mẫu 05) and no apology to an applicant
(Mẫu 04); fired anyway they answer a clear 409 — also on a dossier opened on an older stored
definition that still had them; the leader stops an inspection with «Dừng cuộc kiểm tra» and a
reason, printing nothing for an applicant; the report that closes it asks nobody for a rating;
the page names no national status «Đã trả kết quả» and no process-control slip (Mẫu 06)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from casework.db import utcnow
from casework.dossiers import service as dossiers
from casework.dossiers.models import Dossier
from casework.errors import ActionNotAllowed
from casework.procedures import Procedure
from tests.factories import TZ
from tests.inspections.helpers import DL, build_team, decide, open_planned

ONE_STOP_WORDS = ("Mẫu 01", "Mẫu 04", "Mẫu 05", "Mẫu 06", "Tiếp nhận hồ sơ", "Xin lỗi",
                  "hài lòng", "Người nộp", "Dừng giải quyết", "Đã trả kết quả",
                  "Trạng thái quốc gia")  # fmt: skip


@pytest.fixture
def team(session: Session, world):  # type: ignore[no-untyped-def]
    return build_team(session, world)


def _decided(session: Session, registry, team) -> Dossier:  # type: ignore[no-untyped-def]
    d = open_planned(session, registry, team.head)
    now = utcnow()
    return decide(session, team.leader, d, [(team.head, "head"), (team.tech, "technical")],
                  at=now - timedelta(hours=2), now=now - timedelta(hours=3))  # fmt: skip


def _no_one_stop(page: str) -> None:
    for words in ONE_STOP_WORDS:
        assert words.casefold() not in page.casefold(), words
    for action in ("stop", "extend", "withdraw", "refuse_reception"):
        assert f'id="action-{action}"' not in page, action


def test_the_api_and_the_page_refuse_stop_and_extend(client, session, registry, world, team,
                                                    sign_in, token_for) -> None:  # fmt: skip
    d = _decided(session, registry, team)
    for user in (team.head, team.leader):
        api = token_for(user)
        for action, data in (
            ("stop", {"reason": "Cơ sở đóng cửa"}),
            ("extend", {"reason": "Chậm", "new_appointment": "2027-01-15T17:00"}),
        ):
            r = client.post(f"/api/v1/dossiers/{d.code}/actions/{action}",
                            json={"data": data}, headers=api)  # fmt: skip
            assert r.status_code == 409, (action, r.text)
            assert r.json()["error"]["message"] == f"Thủ tục {DL} không có thao tác '{action}'."
        listed = client.get(f"/api/v1/dossiers/{d.code}", headers=api).json()["allowed_actions"]
        assert not {"stop", "extend"} & {a["action"] for a in listed}
    token = sign_in(team.leader)
    page = client.get(f"/dossiers/{d.code}").text
    _no_one_stop(page)
    r = client.post(f"/dossiers/{d.code}/actions/stop",
                    data={"csrf_token": token, "reason": "Cơ sở đóng cửa"})  # fmt: skip
    assert r.status_code == 409 and "không có thao tác" in r.text
    session.refresh(d)
    assert d.state == "inspecting"


def test_the_leader_stops_an_inspection_with_a_reason(client, session, registry, world, team,
                                                     sign_in) -> None:  # fmt: skip
    d = _decided(session, registry, team)
    sign_in(team.head)
    assert 'id="action-cancel_inspection"' not in client.get(f"/dossiers/{d.code}").text
    token = sign_in(team.leader)
    page = client.get(f"/dossiers/{d.code}").text
    assert 'id="action-cancel_inspection"' in page and "Dừng cuộc kiểm tra" in page
    r = client.post(f"/dossiers/{d.code}/actions/cancel_inspection",
                    data={"csrf_token": token, "reason": ""})  # fmt: skip
    assert r.status_code == 422 and "Cần nhập lý do" in r.text
    r = client.post(f"/dossiers/{d.code}/actions/cancel_inspection",
                    data={"csrf_token": token, "reason": "Cơ sở đã ngừng kinh doanh"},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    session.refresh(d)
    assert (d.state, d.national_status) == ("cancelled", 8) and d.finished_at is not None
    page = client.get(f"/dossiers/{d.code}").text
    assert "Đã dừng kiểm tra" in page and "Cơ sở đã ngừng kinh doanh" in page
    assert "/slips/stop_notice" not in page
    _no_one_stop(page)


def test_the_closing_report_asks_for_no_rating(client, session, registry, world, team, sign_in,
                                              token_for) -> None:  # fmt: skip
    d = _decided(session, registry, team)
    for action, data in (
        ("finish_inspection", {"co_so": "Chợ Ngọc Hà", "so_phuong_tien_do": 2}),
        ("sign_record", {"ket_luan": "Đạt yêu cầu"}),
        ("conclude_compliant", {}),
    ):
        dossiers.fire_action(session, actor=team.head, code=d.code, action=action, data=data, tz=TZ)
    sign_in(team.head)
    page = client.get(f"/dossiers/{d.code}").text
    assert 'id="action-send_report"' in page
    assert 'name="satisfaction"' not in page
    _no_one_stop(page)
    r = client.post(
        f"/api/v1/dossiers/{d.code}/actions/send_report",
        json={"data": {"result_summary": "Đạt.", "satisfaction": "Hài lòng"}},
        headers=token_for(team.head),
    )
    assert r.status_code == 422
    assert "satisfaction" in r.json()["error"]["details"]["fields"]
    session.refresh(d)
    assert d.state == "reporting" and d.satisfaction is None


def _older_definition(current: Procedure) -> Procedure:
    """The inspection as version 1 stored it: with the one-stop parts `stop` and `extend`."""
    data = current.model_dump(mode="json", by_alias=True)
    active = [sid for sid, s in current.states.items() if not s.final]
    data["version"] = 1
    data["states"]["stopped"] = {"label": "Dừng giải quyết", "national_status": 8, "final": True,
                                 "outcome": "stopped"}  # fmt: skip
    data["transitions"].append({"action": "stop", "label": "Dừng giải quyết hồ sơ", "from": active,
                                "to": "stopped", "roles": ["handler", "leader"],
                                "requires": ["reason"], "slip": "stop_notice"})  # fmt: skip
    for sid in active:
        data["transitions"].append({"action": "extend", "label": "Xin lỗi và gia hạn",
                                    "from": [sid], "to": sid, "roles": ["handler", "leader"],
                                    "requires": ["reason", "new_appointment"],
                                    "slip": "apology_extension"})  # fmt: skip
    return Procedure.model_validate(data)


def test_a_dossier_on_the_older_definition_is_refused_them_too(client, session, registry, world,
                                                              team, sign_in) -> None:  # fmt: skip
    old = _older_definition(registry.get(DL))
    d = dossiers.open_dossier(session, actor=team.leader, procedure=old,
                              applicant=dossiers.Applicant(name="Chợ cũ", kind="organisation"),
                              tz=TZ)  # fmt: skip
    dossiers.fire_action(session, actor=team.leader, code=d.code, action="issue_decision",
                         data={"decision_number": "3/QĐ-UBND"}, tz=TZ)  # fmt: skip
    for action, data in (
        ("stop", {"reason": "Cơ sở đóng cửa"}),
        ("extend", {"reason": "Chậm", "new_appointment": (utcnow() + timedelta(days=30))
                    .astimezone(TZ).strftime("%Y-%m-%dT%H:%M")}),
    ):  # fmt: skip
        with pytest.raises(ActionNotAllowed, match="Cuộc kiểm tra không có thao tác"):
            dossiers.fire_action(session, actor=team.leader, code=d.code, action=action,
                                 data=data, tz=TZ)  # fmt: skip
    session.refresh(d)
    assert d.state == "inspecting"
    sign_in(team.leader)
    _no_one_stop(client.get(f"/dossiers/{d.code}").text)
