"""The dossier page reads the payload of an opening, action or clock event only to draw its line of
the timeline (issue 19): the window leaves it out, and a line that is not kept reads the payloads
of the window's events in one statement. On both databases: each line shows its own event's
payload, a payload changed (with its hash, as every write of an event does) shows at once, kept
or not, and a page whose lines are all kept reads no payload of those events. The timeline's and
Mẫu 06's rows joined in Python are what the template's loops drew."""

from __future__ import annotations

import re
from types import SimpleNamespace

import jinja2
from markupsafe import Markup, escape
from sqlalchemy import event, update
from sqlmodel import select

from casework.dossiers import page
from casework.dossiers.events import event_hash
from casework.dossiers.fragments import StepLines
from casework.dossiers.models import Event
from tests.factories import accepted_xray


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
    d = accepted_xray(session, xray, world["hni.receiver"])
    rows = page.window(session, d, None).events
    assert {r.kind for r in rows} >= {"opened", "action"}
    for r in rows:
        assert (r.payload is None) == (r.kind in page.LINE_ONLY_KINDS)
    full = page.payloads(session, d.id, [r.seq for r in rows])
    assert full[rows[-1].seq]["label"]  # the action's own payload, read on demand


def test_each_line_shows_its_own_payload_kept_or_not(client, session, world, sign_in, xray):
    d = accepted_xray(session, xray, world["hni.receiver"])
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
    d = accepted_xray(session, xray, world["hni.receiver"])
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


class Lines(page.EventLines):
    def __init__(self) -> None:  # no dossier: each line is its event's seq
        pass

    @jinja2.pass_environment
    def __call__(self, env, ev):  # type: ignore[no-untyped-def, override]
        return Markup(f"<b>{ev.seq} &amp;</b>")


class Steps(StepLines):
    @jinja2.pass_environment
    def __call__(self, env, s):  # type: ignore[no-untyped-def, override]
        return escape(s.label)


LOOP = """{% for ev in rows %}
    <li id="ev-{{ ev.seq }}"{% if after and ev.seq == after %} class="here"{% endif %}>
      {{ event_html(ev) }}
      {% if review_slots %}{{ event_review(ev) }}{% endif %}
    </li>
  {% endfor %}|{% for s in steps %}
      {{ step_html(s) }}
    {% endfor %}"""


def test_joined_rows_are_what_the_template_loops_drew() -> None:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    rows = [SimpleNamespace(seq=n) for n in (3, 4, 7)]
    steps = [SimpleNamespace(label=f"Bước <{n}>") for n in (1, 2)]
    lines, step_lines = Lines(), Steps()

    def review(ev):  # type: ignore[no-untyped-def]
        return Markup(f"<i>{ev.seq}</i>")

    for after, slots in ((None, False), (4, True), (7, False)):
        loop = env.from_string(LOOP).render(
            rows=rows, steps=steps, after=after, review_slots=slots, event_review=review,
            event_html=lines, step_html=step_lines,
        )  # fmt: skip
        joined = f"{lines.items(env, rows, after, review if slots else None)}|"
        joined += f"{step_lines.rows(env, steps)}"
        assert joined == loop
        assert ('class="here"' in joined) == bool(after)
