"""Calendar days with sources, on both databases (issue 18 item 4): the admin page lists the days
without an instrument as "chưa xác nhận"; the ministry confirms one (entering its instrument) or
removes it, a province admin confirms its own unit's days; each change recomputes the open
dossiers' dues as any calendar change does."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlmodel import select

from casework.dossiers.models import CalendarOverride, Dossier, Event
from tests.factories import TZ, open_xray

RECEIVED = datetime(2028, 4, 3, 9, 0, tzinfo=TZ)  # Monday; Tue 04/04/2028 is Giỗ Tổ (package)
DUE = datetime(2028, 4, 11, 17, 0, tzinfo=TZ)  # 5 working days, 04/04 skipped
DUE_WITHOUT_THE_DAY = datetime(2028, 4, 10, 17, 0, tzinfo=TZ)
INSTRUMENT = "Thông báo số 1234/TB-BNV ngày 15/10/2027 của Bộ Nội vụ"


def fresh(session):  # type: ignore[no-untyped-def]
    session.rollback()
    session.expire_all()


def unconfirmed_section(page: str) -> str:
    m = re.search(r'<section aria-labelledby="h-unconfirmed".*?</section>', page, re.S)
    return m.group(0) if m else ""


def national_row(session, day: date) -> CalendarOverride | None:  # type: ignore[no-untyped-def]
    return session.exec(
        select(CalendarOverride).where(CalendarOverride.scope == "*", CalendarOverride.day == day)
    ).first()


def clock_events(session, dossier: Dossier) -> list[Event]:  # type: ignore[no-untyped-def]
    return list(
        session.exec(
            select(Event).where(Event.dossier_id == dossier.id, Event.kind == "clock")
        ).all()
    )


def test_the_page_lists_the_package_days_as_unconfirmed(client, world, admins, sign_in):
    sign_in(admins["bo.admin"])
    page = client.get("/admin/calendar", params={"year": 2026}).text
    assert 'id="h-unconfirmed"' not in page  # 2026 is sourced day by day
    row = page.split("24/11/2026")[1].split("</tr>")[0]
    assert "Ngày Văn hóa Việt Nam" in row and "Lịch nhà nước" in row
    assert "Nghị quyết số 28/2026/QH16 ngày 24/04/2026 của Quốc hội, Điều 2" in row
    assert "kiểm tra ngày 05/12/2026" in row and "10065/VPCP-KGVX" in row
    assert 'href="/admin/calendar?year=2028">năm 2028 (16 ngày)</a>' in page

    page = client.get("/admin/calendar", params={"year": 2028}).text
    section = unconfirmed_section(page)
    assert "Ngày chưa xác nhận căn cứ (16)" in section
    item = section.split('id="day-2028-04-04"')[1].split("</li>")[0]
    assert "Ngày Giỗ Tổ Hùng Vương" in item and "chưa xác nhận" in item
    assert "Gói ngày lễ (holidays)" in item
    assert 'action="/admin/calendar/days/confirm"' in item
    assert 'action="/admin/calendar/days/reject"' in item
    assert '<input type="hidden" name="scope" value="national">' in item


def test_a_province_admin_sees_them_but_only_the_ministry_acts(
    client, session, world, admins, sign_in
):
    token = sign_in(admins["hni.admin"])
    section = unconfirmed_section(client.get("/admin/calendar", params={"year": 2028}).text)
    assert "Ngày chưa xác nhận căn cứ (16)" in section
    assert "/admin/calendar/days/confirm" not in section
    assert "/admin/calendar/days/reject" not in section
    assert section.count("Chờ quản trị viên của Bộ xác nhận.") == 16
    for path, extra in (
        ("/admin/calendar/days/confirm", {"instrument": INSTRUMENT, "source": "https://x.vn"}),
        ("/admin/calendar/days/reject", {"reason": "Không có văn bản"}),
    ):
        r = client.post(
            path, data={"csrf_token": token, "day": "2028-04-04", "scope": "national", **extra}
        )
        assert r.status_code == 403, path
        assert "Chỉ quản trị viên của Bộ" in r.text
    fresh(session)
    assert national_row(session, date(2028, 4, 4)) is None
    # not an admin at all
    token = sign_in(world["hni.receiver"])
    r = client.post(
        "/admin/calendar/days/reject",
        data={"csrf_token": token, "day": "2028-04-04", "reason": "x"},
    )
    assert r.status_code == 403


def test_confirming_and_removing_a_package_day_recompute_an_open_dossier(
    client, session, world, admins, sign_in, xray
):
    dossier = open_xray(session, xray, world["hni.receiver"], received_at=RECEIVED, now=RECEIVED)
    assert dossier.due_at.astimezone(TZ) == DUE
    token = sign_in(admins["bo.admin"])
    day = {"csrf_token": token, "day": "2028-04-04", "scope": "national"}

    # a bad instrument: the form comes back in its row, nothing stored
    r = client.post(
        "/admin/calendar/days/confirm",
        data={**day, "instrument": "Thông báo 1234/TB-BNV", "source": ""},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 422
    assert r.text.lstrip().startswith('<section id="calendar">')
    item = r.text.split('id="day-2028-04-04"')[1].split("</li>")[0]
    assert '<details class="action" open>' in item
    assert 'id="err-instrument">Ghi số và ngày của văn bản' in item
    assert 'id="err-source">' in item
    assert 'value="Thông báo 1234/TB-BNV"' in item
    fresh(session)
    assert national_row(session, date(2028, 4, 4)) is None

    # confirmed: stored with who and when, no longer listed, the due unchanged
    r = client.post(
        "/admin/calendar/days/confirm",
        data={**day, "instrument": INSTRUMENT, "article": "Mục 2",
              "source": "https://moha.gov.vn/thong-bao-1234"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert "Đã xác nhận căn cứ của ngày 04/04/2028." in r.text
    assert "Không hồ sơ đang giải quyết nào đổi hạn." in r.text
    assert "Ngày chưa xác nhận căn cứ (15)" in r.text
    assert 'id="day-2028-04-04"' not in r.text
    row_html = r.text.split('<td data-label="Ngày">04/04/2028</td>')[1].split("</tr>")[0]
    assert f"{INSTRUMENT}, Mục 2" in row_html and "xác nhận: bo.admin" in row_html
    assert 'href="https://moha.gov.vn/thong-bao-1234"' in row_html
    fresh(session)
    row = national_row(session, date(2028, 4, 4))
    assert row is not None and row.kind == "day_off" and row.name == "Ngày Giỗ Tổ Hùng Vương"
    assert (row.instrument, row.article) == (INSTRUMENT, "Mục 2")
    assert row.confirmed_by == "bo.admin" and row.confirmed_at is not None
    fresh_dossier = session.get(Dossier, dossier.id)
    assert fresh_dossier.due_at.astimezone(TZ) == DUE
    assert clock_events(session, fresh_dossier) == []

    # undo the confirmation: the day is the package's again, still a day off
    r = client.post("/admin/calendar/days/remove", data=day)
    assert r.status_code == 200 and "Ngày chưa xác nhận căn cứ (16)" in r.text

    # removed: 04/04 becomes a working day, the due comes one day earlier
    r = client.post("/admin/calendar/days/reject", data={**day, "reason": ""})
    assert r.status_code == 422 and 'id="err-reason"' in r.text
    r = client.post(
        "/admin/calendar/days/reject",
        data={**day, "reason": "Không có văn bản nào cho nghỉ ngày này (tra cứu 05/12/2026)"},
    )
    assert r.status_code == 200, r.text
    assert "Đã bỏ ngày 04/04/2028 khỏi lịch nghỉ." in r.text
    assert "Hồ sơ đổi hạn (1)" in r.text and f'href="/dossiers/{dossier.code}"' in r.text
    assert "17:00 11/04/2028" in r.text and "17:00 10/04/2028" in r.text
    fresh(session)
    moved = session.get(Dossier, dossier.id)
    assert moved.due_at.astimezone(TZ) == DUE_WITHOUT_THE_DAY
    assert moved.appointment_at.astimezone(TZ) == DUE_WITHOUT_THE_DAY
    (event,) = clock_events(session, moved)
    assert event.payload["old_due"] == "2028-04-11T17:00:00+07:00"
    assert event.payload["new_due"] == "2028-04-10T17:00:00+07:00"
    assert "04/04/2028 thành ngày làm việc bù" in event.payload["reason"]
    assert "căn cứ Không có văn bản nào cho nghỉ ngày này" in event.payload["reason"]
    assert event.payload["by"] == "bo.admin"
    row = national_row(session, date(2028, 4, 4))
    assert row is not None and row.kind == "workday" and row.confirmed_by == "bo.admin"

    # and back: removing the stored row restores the package day and the due
    r = client.post("/admin/calendar/days/remove", data=day, headers={"HX-Request": "true"})
    assert r.status_code == 200 and "Hồ sơ đổi hạn (1)" in r.text
    fresh(session)
    assert session.get(Dossier, dossier.id).due_at.astimezone(TZ) == DUE


def test_a_province_admin_confirms_its_own_local_day(client, session, world, admins, sign_in, xray):
    at = datetime(2028, 3, 13, 9, 0, tzinfo=TZ)  # Monday: 5 working days -> 17:00 Mon 20/03
    dossier = open_xray(session, xray, world["hni.receiver"], received_at=at, now=at)
    token = sign_in(admins["hni.admin"])
    r = client.post(
        "/admin/calendar/days",
        data={"csrf_token": token, "day": "2028-03-15", "kind": "day_off",
              "name": "Nghỉ do bão", "scope": "unit", "year": "2028"},
    )  # fmt: skip
    assert r.status_code == 200 and "Hồ sơ đổi hạn (1)" in r.text
    item = unconfirmed_section(r.text).split('id="day-2028-03-15"')[1].split("</li>")[0]
    assert "Riêng đơn vị" in item and '<input type="hidden" name="scope" value="unit">' in item
    assert "/admin/calendar/days/reject" not in item  # a stored row is removed, not rejected
    assert 'action="/admin/calendar/days/remove"' in item
    fresh(session)
    assert session.get(Dossier, dossier.id).due_at.astimezone(TZ) == datetime(
        2028, 3, 21, 17, 0, tzinfo=TZ
    )

    # another province's admin has no such day to confirm
    kha = sign_in(admins["kha.admin"])
    r = client.post(
        "/admin/calendar/days/confirm",
        data={"csrf_token": kha, "day": "2028-03-15", "scope": "unit",
              "instrument": "Quyết định 9/QĐ-UBND ngày 14/03/2028", "source": "Quyết định"},
    )  # fmt: skip
    assert r.status_code == 422 and "Không có ngày 15/03/2028 nào cần xác nhận" in r.text

    token = sign_in(admins["hni.admin"])
    r = client.post(
        "/admin/calendar/days/confirm",
        data={"csrf_token": token, "day": "2028-03-15", "scope": "unit",
              "instrument": "Quyết định số 9/QĐ-UBND ngày 14/03/2028 của UBND thành phố",
              "source": "Quyết định cho cán bộ, công chức nghỉ làm việc do bão"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert 'id="day-2028-03-15"' not in r.text
    fresh(session)
    row = session.exec(
        select(CalendarOverride).where(CalendarOverride.scope == world.hni.code)
    ).one()
    assert row.instrument.startswith("Quyết định số 9/QĐ-UBND") and row.confirmed_by == "hni.admin"
    assert row.source == "Quyết định cho cán bộ, công chức nghỉ làm việc do bão"
    assert session.get(Dossier, dossier.id).due_at.astimezone(TZ) == datetime(
        2028, 3, 21, 17, 0, tzinfo=TZ
    )


def test_a_day_added_with_its_instrument_is_confirmed_at_once(
    client, session, world, admins, sign_in
):
    token = sign_in(admins["bo.admin"])
    form = {"csrf_token": token, "day": "2028-12-29", "kind": "day_off", "name": "Nghỉ bù",
            "scope": "national", "year": "2028", "instrument": "Công văn 1/VPCP ngày 01/12/2028"}  # fmt: skip
    r = client.post("/admin/calendar/days", data=form)
    assert r.status_code == 422 and 'id="err-source">Ghi địa chỉ công khai' in r.text
    assert 'value="Công văn 1/VPCP ngày 01/12/2028"' in r.text  # the form kept
    fresh(session)
    assert national_row(session, date(2028, 12, 29)) is None
    r = client.post("/admin/calendar/days", data={**form, "source": "https://vpcp.chinhphu.vn/1"})
    assert r.status_code == 200
    assert 'id="day-2028-12-29"' not in r.text
    fresh(session)
    row = national_row(session, date(2028, 12, 29))
    assert row is not None and row.confirmed_by == "bo.admin"
