"""Where a dossier stands, in words: open dossiers say what is left, how late they are, or that
the clock is paused; only finished ones say early / on time / late — on the dossier page, in the
queue and in the API."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from casework.clock import Bucket
from casework.clock.standing import Standing, standing
from casework.dossiers import clockwork, service
from casework.dossiers.clockwork import CalendarSource
from tests.factories import TZ, fire, open_xray

FINISHED_WORDS = ("Trước hạn", "Đúng hạn", "Trễ hạn")


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def act(session, actor, dossier, action, when, **data):
    return service.fire_action(
        session, actor=actor, code=dossier.code, action=action, data=data, tz=TZ, now=when
    )


def where(session, d, xray, now) -> Standing:
    cal = CalendarSource().base
    return clockwork.clock_view(session, dossier=d, procedure=xray, cal=cal, now=now).standing


def accepted(session, world, xray):
    """Received Mon 02/03/2026 09:00 → due 17:00 Mon 09/03/2026."""
    d = open_xray(session, xray, world["hni.receiver"], received_at=at(2, 3, 9), now=at(2, 3, 9))
    act(session, world["hni.receiver"], d, "accept", at(2, 3, 11))
    return d


def request_supplement(session, world, d, when):
    act(
        session, world["hni.handler"], d, "request_supplement", when,
        reason="Thiếu số sê-ri máy", missing_documents=["phieu_khai_bao"],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("now", "kind", "label"),
    [
        # Tue 10:00: 7 hours today + Wed, Thu, Fri, Mon
        (at(3, 3, 10), "on_track", "Còn 5 ngày làm việc"),
        (at(6, 3, 17), "due_soon", "Còn 1 ngày làm việc"),
        (at(9, 3, 14), "due_soon", "Còn 3 giờ làm việc"),
        (at(10, 3, 9), "overdue", "Quá hạn 1 ngày làm việc"),
        # Tue 10/03 whole + Wed 2 hours: the second working day late has begun
        (at(11, 3, 10), "overdue", "Quá hạn 2 ngày làm việc"),
        (at(14, 3, 10), "overdue", "Quá hạn 4 ngày làm việc"),  # Saturday: Tue–Fri
    ],
)
def test_an_open_dossier_says_what_is_left_or_how_late(session, world, xray, now, kind, label):
    d = accepted(session, world, xray)
    s = where(session, d, xray, now)
    assert (s.kind, s.label) == (kind, label)


def test_a_paused_dossier_is_paused_not_early(session, world, xray):
    d = accepted(session, world, xray)
    request_supplement(session, world, d, at(4, 3, 10))
    view = clockwork.clock_view(
        session, dossier=d, procedure=xray, cal=CalendarSource().base, now=at(5, 3, 9)
    )
    assert view.status == Bucket.EARLY  # the statistics' bucket (Decision 766) stays
    assert (view.standing.kind, view.standing.label) == ("waiting", "Đang tạm dừng")
    assert view.standing.label not in FINISHED_WORDS
    act(session, world["hni.receiver"], d, "receive_supplement", at(5, 3, 10))
    # paused one working day: due 17:00 Tue 10/03; Thu 11:00 → 6 h + Fri, Mon, Tue
    assert where(session, d, xray, at(5, 3, 11)).label == "Còn 4 ngày làm việc"


def test_two_supplement_requests_are_overdue_while_open(session, world, xray):
    d = accepted(session, world, xray)
    for day in (3, 4):
        request_supplement(session, world, d, at(day, 3, 9))
        act(session, world["hni.receiver"], d, "receive_supplement", at(day, 3, 10))
    assert where(session, d, xray, at(5, 3, 9)).label == "Quá hạn"


@pytest.mark.parametrize(
    ("sign_at", "label"),
    [(at(6, 3, 16), "Trước hạn"), (at(9, 3, 16), "Đúng hạn"), (at(10, 3, 8, 30), "Trễ hạn")],
)
def test_a_finished_dossier_says_how_it_finished(session, world, xray, sign_at, label):
    d = accepted(session, world, xray)
    act(
        session, world["hni.handler"], d, "submit_for_signing", at(3, 3, 9),
        ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="Xác nhận 01 máy",
    )  # fmt: skip
    act(session, world["hni.leader"], d, "sign", sign_at, decision_number="12/XN")
    assert where(session, d, xray, at(20, 3, 9)).label == label


def test_before_the_clock_and_after_an_end_without_a_due():
    cal = CalendarSource().base
    common = {"now": at(3, 3, 9), "supplement_requests": 0, "calendar": cal}
    assert standing(due=None, ended=False, result_bucket=None, paused=False, **common).label == (
        "Chưa tính hạn"
    )
    assert standing(due=None, ended=True, result_bucket=None, paused=False, **common).kind == (
        "ended"
    )
    # a fee wait before the clock starts is a pause too
    assert standing(due=None, ended=False, result_bucket=None, paused=True, **common).label == (
        "Đang tạm dừng"
    )


# ---- on the pages and in the API ------------------------------------------------------------


def bucket_text(html: str) -> str:
    m = re.search(r'id="bucket">([^<]*)<', html)
    assert m, html
    return m.group(1)


def test_pages_and_api_label_open_dossiers_by_what_is_left(
    client, session, world, xray, sign_in, token_for
):
    late = open_xray(session, xray, world["hni.receiver"], received_at=at(13, 2, 16, 20))
    fire(session, world["hni.receiver"], late, "accept")
    paused = open_xray(session, xray, world["hni.receiver"], received_at=at(13, 2, 16, 20))
    fire(session, world["hni.receiver"], paused, "accept")
    fire(
        session, world["hni.handler"], paused, "request_supplement",
        reason="Thiếu số sê-ri", missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    fresh = open_xray(session, xray, world["hni.receiver"])
    sign_in(world["hni.handler"])

    assert bucket_text(client.get(f"/dossiers/{paused.code}").text) == "Đang tạm dừng"
    assert re.fullmatch(
        r"Quá hạn \d+ ngày làm việc", bucket_text(client.get(f"/dossiers/{late.code}").text)
    )
    assert re.fullmatch(
        r"Còn \d+ (ngày|giờ) làm việc", bucket_text(client.get(f"/dossiers/{fresh.code}").text)
    )
    english = client.get(f"/dossiers/{paused.code}?lang=en").text
    assert bucket_text(english) != "Đang tạm dừng"
    client.get("/dossiers?lang=vi")

    queue = client.get("/dossiers", params={"queue": "unit"}).text
    cards = {
        code: re.search(rf"{re.escape(code)}</strong>.*?</li>", queue, re.S).group(0)
        for code in (late.code, paused.code, fresh.code)
    }
    assert "Đang tạm dừng" in cards[paused.code]
    assert re.search(r"Quá hạn \d+ ngày làm việc", cards[late.code])
    assert re.search(r"Còn \d+ (ngày|giờ) làm việc", cards[fresh.code])
    for card in cards.values():
        assert not any(word in card for word in FINISHED_WORDS), card

    api = client.get(f"/api/v1/dossiers/{paused.code}", headers=token_for(world["hni.handler"]))
    assert api.json()["clock"]["status_label"] == "Đang tạm dừng"
