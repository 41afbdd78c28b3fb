"""In-app notifications on both databases: overdue and due-soon dossiers of the user's unit,
work waiting for the user, and the badge counting only what is new since "seen"."""

from __future__ import annotations

import re
from datetime import datetime

from casework.dossiers.clockwork import CalendarSource
from casework.notifications import service
from tests.factories import TZ, open_xray


def section(page: str, kind: str) -> str:
    return page.split(f'id="h-{kind}"')[1].split("</section>")[0]


def badge(client) -> int:
    text = client.get("/notifications/badge").text
    found = re.search(r'data-testid="notif-count"[^>]*>(\d+)<', text)
    return int(found.group(1)) if found else 0


def test_an_overdue_dossier_and_work_waiting_for_a_receiver(client, session, world, sign_in, xray):
    past = datetime(2026, 2, 13, 16, 20, tzinfo=TZ)  # due 17:00 02/03/2026, long gone
    late = open_xray(session, xray, world["hni.receiver"], received_at=past, now=past)
    fresh = open_xray(session, xray, world["hni.receiver"], name="Phòng khám Minh An")
    kha = open_xray(session, xray, world["kha.receiver"], received_at=past, now=past)

    sign_in(world["hni.receiver"])
    page = client.get("/notifications").text
    overdue, mine = section(page, "overdue"), section(page, "mine")
    assert f'href="/dossiers/{late.code}"' in overdue and "17:00 02/03/2026" in overdue
    assert fresh.code not in overdue
    assert late.code in mine and fresh.code in mine  # both wait for the receiver's accept
    assert "Phòng khám Minh An" in mine
    assert kha.code not in page
    assert badge(client) == 2  # never marked seen: everything counts, each dossier once

    sign_in(world["hni.handler"])
    page = client.get("/notifications").text
    assert late.code in section(page, "overdue")
    assert "Không có hồ sơ nào" in section(page, "mine")  # nothing at the handler's step yet

    sign_in(world["kha.receiver"])
    page = client.get("/notifications").text
    assert kha.code in section(page, "overdue") and late.code not in page


def test_the_badge_drops_after_marking_seen_and_counts_what_arrives_next(
    client, session, world, sign_in, xray
):
    past = datetime(2026, 2, 13, 16, 20, tzinfo=TZ)
    open_xray(session, xray, world["hni.receiver"], received_at=past, now=past)
    token = sign_in(world["hni.receiver"])
    assert badge(client) == 1
    page = client.get("/notifications").text
    assert "MỚI" in page
    drawn_at = re.search(r'name="drawn_at" value="([^"]+)"', page).group(1)
    r = client.post("/notifications/seen", data={"csrf_token": token, "drawn_at": drawn_at})
    assert r.status_code == 200 and "Đã đánh dấu đã xem" in r.text
    assert badge(client) == 0
    assert 'data-testid="total-overdue">1<' in r.text  # still listed, just not new
    assert 'badge new-badge">MỚI</span> ' not in section(r.text, "overdue")

    arrived = open_xray(session, xray, world["hni.receiver2"], name="Bệnh viện Tâm Anh")
    assert badge(client) == 1
    page = client.get("/notifications").text
    assert re.search(
        rf"{arrived.code}</strong></a>\s*<span><span class=\"badge new-badge\">MỚI", page
    )


def test_the_badge_needs_no_sign_in_and_seen_needs_the_csrf_token(client, world, sign_in):
    r = client.get("/notifications/badge")
    assert r.status_code == 200 and r.text.strip() == ""
    assert client.get("/notifications", follow_redirects=False).status_code == 303
    sign_in(world["hni.receiver"])
    assert client.post("/notifications/seen", data={}).status_code == 403


def test_due_soon_counts_as_new_only_if_it_became_due_soon_after_seen(session, world, xray):
    received = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # due 17:00 Mon 09/03/2026
    d = open_xray(session, xray, world["hni.receiver"], received_at=received, now=received)
    handler, cals = world["hni.handler"], CalendarSource()
    now = datetime(2026, 3, 9, 10, 0, tzinfo=TZ)  # one working day ahead reaches past the due

    found = service.collect(session, user=handler, calendars=cals, now=now)
    due_soon = {s.kind: s for s in found.sections}["due_soon"]
    assert [i.dossier.code for i in due_soon.items] == [d.code] and due_soon.items[0].new
    assert service.badge_count(session, user=handler, calendars=cals, now=now) == 1

    # seen on Friday 10:00: one working day from then ended Mon 10:00, before the due -> new
    service.mark_seen(session, user=handler, at=datetime(2026, 3, 6, 10, 0, tzinfo=TZ), now=now)
    assert service.badge_count(session, user=handler, calendars=cals, now=now) == 1
    # seen on Friday 18:00: already within one working day (Mon 17:00) -> not new
    service.mark_seen(session, user=handler, at=datetime(2026, 3, 6, 18, 0, tzinfo=TZ), now=now)
    assert service.badge_count(session, user=handler, calendars=cals, now=now) == 0
    found = service.collect(session, user=handler, calendars=cals, now=now)
    assert [i.new for s in found.sections for i in s.items] == [False]
    # seen never moves back
    service.mark_seen(session, user=handler, at=datetime(2026, 3, 1, tzinfo=TZ), now=now)
    assert service.seen_at(session, user=handler) == datetime(2026, 3, 6, 18, 0, tzinfo=TZ)
    # once overdue, it is new again (it became overdue after Friday 18:00)
    later = datetime(2026, 3, 10, 9, 0, tzinfo=TZ)
    assert service.badge_count(session, user=handler, calendars=cals, now=later) == 1
