"""Issue 17, item 2: the calendar admin forms read their texts through the input layer — the
day's name, its instrument, article and source, the reason to remove a package day. A NUL, a
vertical tab, a bidi override, or a text past its limit is a 422 naming the field in
Vietnamese, the form kept, nothing stored. Both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from casework.dossiers.models import CalendarOverride

DAY = {"day": "2028-03-15", "kind": "day_off", "scope": "unit", "year": "2028"}
GOOD = {
    "name": "Nghỉ do bão",
    "instrument": "Quyết định 12/QĐ-UBND ngày 10/03/2028",
    "article": "Điều 1",
    "source": "https://hanoi.gov.vn/qd-12",
}


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("name", "Nghỉ\x00bão", "Tên ngày"),
        ("name", "Nghỉ\x0bbão", "Tên ngày"),
        ("name", "Nghỉ \u202ebão", "U+202E"),
        ("name", "x" * 1_000_000, "dài quá 255 ký tự"),
        ("instrument", "QĐ 12\x00 ngày 10/03/2028", "Căn cứ"),
        ("article", "a" * 129, "dài quá 128 ký tự"),
        ("source", "https://x.vn/\u2066", "U+2066"),
    ],
    ids=["name-nul", "name-vt", "name-override", "name-million", "instrument-nul", "article-long",
         "source-isolate"],
)  # fmt: skip
def test_a_hostile_day_is_refused_naming_the_field(
    client, session, world, admins, sign_in, field, value, says
):
    token = sign_in(admins["hni.admin"])
    r = client.post("/admin/calendar/days", data={"csrf_token": token, **DAY, **GOOD, field: value})
    assert r.status_code == 422, r.status_code
    assert f'id="err-{field}"' in r.text and says in r.text
    if field != "name" or len(value) < 1000:
        assert 'value="Nghỉ do bão"' in r.text or field == "name"  # the form kept
    session.rollback()
    assert session.exec(select(func.count()).select_from(CalendarOverride)).one() == 0


def test_a_hostile_reason_to_remove_a_package_day(client, session, world, admins, sign_in):
    token = sign_in(admins["bo.admin"])
    day = {"csrf_token": token, "day": "2028-04-04", "scope": "national", "year": "2028"}
    for reason in ("Không có\x00 văn bản", "Không có \u202e văn bản", "x" * 256):
        r = client.post("/admin/calendar/days/reject", data={**day, "reason": reason})
        assert r.status_code == 422 and 'id="err-reason"' in r.text, reason
        assert "Lý do" in r.text
    session.rollback()
    assert session.exec(select(func.count()).select_from(CalendarOverride)).one() == 0
