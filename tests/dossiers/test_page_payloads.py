"""The dossier page reads the payload of an opening, action or clock event only to draw its line of
the timeline (issue 19): the window leaves it out, and a line that is not kept reads the payloads
of the window's events in one statement. On both databases: each line shows its own event's
payload, a payload changed (with its hash, as every write of an event does) shows at once, kept
or not, and a page whose lines are all kept reads no payload of those events."""

from __future__ import annotations

import re

from sqlalchemy import event, update
from sqlmodel import select

from casework.dossiers import page
from casework.dossiers.events import event_hash
from casework.dossiers.models import Event
from tests.factories import fire, open_xray


def line_of(html: str, seq: int) -> str:
    return html.split(f'<li id="ev-{seq}"', 1)[1].split("</li>", 1)[0]


def relabel(session, code: str, ev: Event, label: str) -> None:  # type: ignore[no-untyped-def]
    """Give `ev` another label, and the hash its new content has."""
    ev.payload = {**ev.payload, "label": label}
    session.execute(
        update(Event)
        .where(Event.id == ev.id)  # type: ignore[arg-type]
        .values(payload=ev.payload, hash=event_hash(ev, code))
    )
    session.commit()


def test_the_window_leaves_line_only_payloads_out(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], d, "accept")
    session.commit()
    rows = page.window(session, d, None).events
    assert {r.kind for r in rows} >= {"opened", "action"}
    for r in rows:
        assert (r.payload is None) == (r.kind in page.LINE_ONLY_KINDS)
    full = page.payloads(session, d.id, [r.seq for r in rows])
    assert full[rows[-1].seq]["label"]  # the action's own payload, read on demand


def test_each_line_shows_its_own_payload_kept_or_not(client, session, world, sign_in, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], d, "accept")
    session.commit()
    events = session.exec(select(Event).where(Event.dossier_id == d.id).order_by(Event.seq)).all()
    opened, accepted = events[0], events[-1]
    assert (opened.kind, accepted.kind) == ("opened", "action")
    url = f"/dossiers/{d.code}"
    sign_in(world["hni.handler"])
    page.forget_all()
    before = client.get(url).text  # lines drawn (payloads read on demand) and kept
    assert accepted.payload["label"] in line_of(before, accepted.seq)

    relabel(session, d.code, opened, "Nhãn mở hồ sơ đã đổi")
    relabel(session, d.code, accepted, "Nhãn tiếp nhận đã đổi")
    kept = client.get(url).text  # the kept lines are keyed by the old hashes: drawn again
    for html in (kept, client.get(url).text):
        assert "Nhãn mở hồ sơ đã đổi" in line_of(html, opened.seq)
        assert "Nhãn tiếp nhận đã đổi" in line_of(html, accepted.seq)
        assert "Nhãn tiếp nhận đã đổi" not in line_of(html, opened.seq)
    page.forget_all()
    cold = client.get(url).text
    assert re.sub(r'value="[^"]{20,}"', "", cold) == re.sub(r'value="[^"]{20,}"', "", kept)


def test_kept_lines_read_no_payload(client, session, engine, world, sign_in, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], d, "accept")
    session.commit()
    url = f"/dossiers/{d.code}"
    sign_in(world["hni.handler"])
    page.forget_all()
    seen: list[str] = []

    def note(*args) -> None:  # type: ignore[no-untyped-def]
        seen.append(args[2])

    def payload_reads() -> int:
        return sum(1 for s in seen if re.search(r"SELECT event\.seq, event\.payload\s", s))

    event.listen(engine, "before_cursor_execute", note)
    try:
        cold = client.get(url).text
        assert payload_reads() == 1  # every line drawn from one read of the payloads
        seen.clear()
        warm = client.get(url).text
        assert payload_reads() == 0
        assert seen  # the page's own statements were counted
        assert line_of(warm, 1) == line_of(cold, 1)
    finally:
        event.remove(engine, "before_cursor_execute", note)
