"""A dossier of a procedure with a two-part limit (issue 18): the telecom licence amendment
KHCN-VT-GPDV-SD — 05 working days to check validity, then 15 days from the END of them (Điều 47
Nghị định 163/2024/NĐ-CP). Its due at receipt, the pauses in each part, a calendar change, the
receipt slip (Mẫu 01), the dossier page, Mẫu 06 and the handbook page. Every instant by hand with
workflows/calendars/2026.toml (see docs/legal-clock.md §5b)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from casework.dossiers import audit, calendars, clockwork, service
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import Dossier
from tests.factories import TZ, open_xray

SD = "KHCN-VT-GPDV-SD"


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def act(session, actor, dossier, action, when, **data):  # type: ignore[no-untyped-def]
    return service.fire_action(
        session, actor=actor, code=dossier.code, action=action, data=data, tz=TZ, now=when
    )


def due_of(session, dossier: Dossier) -> datetime | None:  # type: ignore[no-untyped-def]
    session.expire_all()
    stored = session.get(Dossier, dossier.id)
    assert stored is not None
    return stored.due_at


@pytest.fixture
def amendment(registry):  # type: ignore[no-untyped-def]
    p = registry.get(SD)
    assert p.limit.first is not None  # the two-part limit this file is about
    return p


@pytest.fixture
def received(session, world, amendment) -> Dossier:
    """Received Mon 09/11/2026 10:00 → R = 09/11. Part 1: 10, 11, 12, 13, 16/11 → 17:00 Mon
    16/11. Part 2: 16/11 + 15 days = Tue 01/12, a working day → due 17:00 Tue 01/12/2026. (The
    one-part limit of version 3 gave 09/11 + 15 = Tue 24/11, the Culture Day → Wed 25/11.)"""
    d = open_xray(
        session, amendment, world["hni.receiver"], received_at=at(9, 11, 10), now=at(9, 11, 10)
    )
    act(session, world["hni.receiver"], d, "accept", at(9, 11, 10, 30))
    return d


def test_the_due_at_receipt_counts_both_parts(session, received, amendment):
    assert received.due_at == at(1, 12, 17)
    assert received.appointment_at == at(1, 12, 17)
    view = clockwork.clock_view(
        session, dossier=received, procedure=amendment, cal=CalendarSource().base, now=at(10, 11, 9)
    )
    assert [(p.value, p.unit.value, p.due) for p in view.parts] == [
        (5, "working_days", at(16, 11, 17)),
        (15, "days", at(1, 12, 17)),
    ]
    assert any(line.startswith("Hết thời hạn 5 ngày làm việc") for line in view.trace)


def test_a_pause_in_each_part_moves_the_due_by_that_parts_rule(session, world, received):
    # Part 1 (working days): waiting Wed 11/11 10:00 – Thu 12/11 10:00 = 480 working minutes,
    # so part 1 ends 17:00 Tue 17/11 and the due is 17/11 + 15 = Wed 02/12.
    act(
        session, world["hni.handler"], received, "request_supplement", at(11, 11, 10),
        reason="Thiếu đơn đúng mẫu", missing_documents=["don_de_nghi"],
    )  # fmt: skip
    act(session, world["hni.receiver"], received, "receive_supplement", at(12, 11, 10))
    assert due_of(session, received) == at(2, 12, 17)
    act(session, world["hni.handler"], received, "confirm_valid", at(13, 11, 9))
    # Part 2 (calendar days) starts 00:00 Wed 18/11. Waiting Thu 19/11 09:00 – Fri 20/11 11:00 =
    # 26 hours → 2 whole days → Fri 04/12.
    act(
        session, world["hni.handler"], received, "request_supplement", at(19, 11, 9),
        reason="Thiếu tài liệu chứng minh", missing_documents=["tai_lieu_thay_doi"],
    )  # fmt: skip
    act(session, world["hni.receiver"], received, "receive_supplement", at(20, 11, 11))
    assert due_of(session, received) == at(4, 12, 17)
    assert audit.verify(session).ok


def test_a_calendar_change_in_the_first_part_moves_the_due(session, received):
    source = CalendarSource()
    moved = calendars.set_day(
        session, day=at(12, 11, 0).date(), kind="day_off", name="Nghỉ đột xuất do bão",
        calendars=source, by="admin", now=at(10, 11, 8),
    )  # fmt: skip
    assert [m.code for m in moved] == [received.code]
    # Thu 12/11 off: part 1 ends 17:00 Tue 17/11 → 17/11 + 15 = Wed 02/12
    assert due_of(session, received) == at(2, 12, 17)
    calendars.remove_day(session, day=at(12, 11, 0).date(), calendars=source, now=at(10, 11, 9))
    assert due_of(session, received) == at(1, 12, 17)
    assert audit.verify(session).ok


WORDS = (
    "5 ngày làm việc (xét tính hợp lệ của hồ sơ), rồi 15 ngày (xét sửa đổi, bổ sung giấy phép) "
    "kể từ ngày kết thúc thời hạn trên"
)


def test_the_slips_and_the_pages_say_both_parts(client, world, sign_in, received):
    sign_in(world["hni.receiver"])
    base = f"/dossiers/{received.code}"
    receipt = client.get(f"{base}/slips/receipt").text
    assert WORDS in receipt  # Mẫu 01: "Thời gian giải quyết hồ sơ theo quy định"
    assert "ngày 01/12/2026" in receipt  # the promise is the two-part due

    page = client.get(base).text
    parts = re.search(r'<ul class="limit-parts" id="due-parts">(.*?)</ul>', page, re.S)
    assert parts is not None
    items = re.findall(r"<li>(.*?)</li>", parts.group(1))
    assert len(items) == 2
    assert "xét tính hợp lệ của hồ sơ" in items[0] and "17:00 16/11/2026" in items[0]
    assert "kể từ ngày kết thúc thời hạn trên" in items[1] and "17:00 01/12/2026" in items[1]

    control = client.get(f"{base}/slips/control").text  # Mẫu 06
    assert "Thời hạn theo quy định" in control
    assert "17 giờ 00 phút, ngày 16/11/2026" in control
    assert "17 giờ 00 phút, ngày 01/12/2026" in control

    assert WORDS in client.get(f"/procedures/{SD}").text  # the handbook page
