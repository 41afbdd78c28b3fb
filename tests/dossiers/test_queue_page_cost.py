"""The work queue page's cost (issue 19, item 3): a bounded number of SQL statements whatever the
number of dossiers, and the filter form's option lines rendered once per process, the same as the
template's loop wrote them."""

from __future__ import annotations

import re

from markupsafe import escape

from casework.dossiers import queue_filters, queue_rows
from tests.factories import open_xray
from tests.statements import counted

#: every statement counted: SQLite's BEGIN, the sign-in's read of the session and user, the
#: caches' token, the queue counters with the two due-range counts (one statement), the page's
#: dossiers
MAX_STATEMENTS = 5


def test_a_queue_page_is_a_handful_of_statements(client, engine, session, world, xray, sign_in):
    for i in range(3):
        open_xray(session, xray, world["hni.receiver"], name=f"Phòng khám {i}")
    session.commit()
    sign_in(world["hni.receiver"])
    for url in ("/dossiers", "/dossiers?queue=unit"):
        client.get(url)  # the first view fills the per-process caches
        with counted(engine) as seen:
            r = client.get(url)
        assert r.status_code == 200
        assert re.search(r'data-testid="count-unit">3<', r.text)
        listing = "\n".join(f"{n:2}. {s}" for n, s in enumerate(seen, start=1))
        assert len(seen) <= MAX_STATEMENTS, listing
        assert not any(s.startswith("SELECT unit.") for s in seen), listing


def test_the_filter_options_mark_the_choice_and_escape_the_labels(client, sign_in, world, xray):
    choices = (("a&b", "Thủ tục <1>"), ("2.002131", "X-quang"))
    html = queue_filters.options(choices, "2.002131")
    assert html == (
        '<option value="a&amp;b" >Thủ tục &lt;1&gt;</option>'
        '<option value="2.002131" selected>X-quang</option>'
    )
    assert queue_filters.options(choices, "2.002131") is html  # kept, not rendered again
    sign_in(world["hni.receiver"])
    page = client.get(f"/dossiers?queue=unit&procedure={xray.code}&state=reviewing").text
    assert f'<option value="{xray.code}" selected>' in page
    assert '<option value="reviewing" selected>' in page
    steps = re.search(r'<select id="state" name="state">(.*?)</select>', page, re.S)
    assert steps is not None and steps[1].count("<option") == len(xray.states) + 1


def test_a_rows_html_is_kept_and_shared_only_by_what_it_shows(
    client, session, world, xray, sign_in
):
    """A queue row's `<li>` is rendered once per process for its values and language: a second
    viewer of the same dossiers gets the kept HTML (nothing in it is theirs), another language
    renders it again, and the page still shows each row's values, escaped."""
    d = open_xray(session, xray, world["hni.receiver"], name="Phòng khám <Ánh>")
    session.commit()
    queue_rows._row_html.cache_clear()
    sign_in(world["hni.receiver"])
    first = client.get("/dossiers?queue=unit").text
    shown = first.count('<li class="card')
    kept = queue_rows._row_html.cache_info()
    assert shown >= 1 and kept.misses == shown and kept.currsize == shown
    sign_in(world["hni.leader"])
    second = client.get("/dossiers?queue=unit").text
    again = queue_rows._row_html.cache_info()
    assert (again.hits, again.currsize) == (kept.hits + shown, shown)
    for page in (first, second):
        assert f'<a href="/dossiers/{d.code}"><strong>{d.code}</strong></a>' in page
        assert "<span>Phòng khám &lt;Ánh&gt;</span>" in page
        assert f"Bước: {escape(xray.states[d.state].label)} · nhận " in page
    english = client.get("/dossiers?queue=unit&lang=en").text
    assert queue_rows._row_html.cache_info().currsize == 2 * shown
    assert f"<strong>{d.code}</strong>" in english and "Bước:" not in english
