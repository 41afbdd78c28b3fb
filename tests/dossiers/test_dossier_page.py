"""The dossier page of a long history (issue 19, item 2), on both databases: the latest 20
timeline items and Mẫu 06 rows, the older ones a click away (htmx batch or plain link), the
printed Mẫu 06 whole, each event's HTML kept per process, and a handful of SQL statements."""

from __future__ import annotations

import re

import pytest

from casework.dossiers import page
from tests.factories import fire, open_xray
from tests.statements import counted

#: the bound of issue 19, every statement counted: SQLite's BEGIN, the sign-in's read of the
#: session and user, the dossier (with the access check and the caches' token), the events
MAX_STATEMENTS = 4
SUPPLEMENT = (
    ("hni.handler", "request_supplement", {"reason": "Thiếu số sê-ri", "missing_documents": ["phieu_khai_bao"]}),
    ("hni.receiver", "receive_supplement", {}),
)  # fmt: skip
SIGNING = (
    ("hni.handler", "submit_for_signing", {
        "ket_qua_tham_dinh": "Đủ điều kiện xác nhận khai báo", "result_summary": "Xác nhận 02 máy",
    }),
    ("hni.leader", "send_back", {"reason": "Ghi rõ nơi đặt từng máy"}),
)  # fmt: skip


@pytest.fixture
def fifty(session, world, xray):  # type: ignore[no-untyped-def]
    """A real dossier with 50 events (as bench/pages.py builds): opened, accepted, 24 rounds of a
    supplement request and its receipt or of signing and sending back; 50 step rows."""
    d = open_xray(session, xray, world["hni.receiver"], name="Bệnh viện 50 sự kiện")
    fire(session, world["hni.receiver"], d, "accept")
    for i in range(24):
        for who, action, data in SUPPLEMENT if i % 6 == 0 else SIGNING:
            fire(session, world[who], d, action, **data)
    session.commit()
    assert d.event_count == 50
    return d


def items(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li id="ev-(\d+)"', html)]


def step_rows(html: str) -> int:
    body = html.split('<tbody id="steps">', 1)[1].split("</tbody>", 1)[0]
    return len(re.findall(r"<tr><td>", body))


def test_the_latest_twenty_and_the_rest_a_click_away(client, world, sign_in, fifty):
    sign_in(world["hni.handler"])
    url = f"/dossiers/{fifty.code}"
    html = client.get(url).text
    assert items(html) == list(range(31, 51))
    assert "Xem thêm 30 mục cũ hơn" in html
    assert f'href="{url}?timeline=40#h-timeline"' in html  # works without JavaScript
    assert f'hx-get="{url}?timeline=40"' in html
    assert step_rows(html) == 20
    assert "Xem thêm 30 bước cũ hơn" in html

    # htmx: only the next batch (and the next link), exactly a part of the page it is swapped into
    hx = client.get(f"{url}?timeline=40", headers={"HX-Request": "true"}).text
    assert "<html" not in hx and "<ol" not in hx
    assert items(hx) == list(range(11, 31))
    assert "Xem thêm 10 mục cũ hơn" in hx
    whole = client.get(f"{url}?timeline=40").text
    assert items(whole) == list(range(11, 51))
    assert hx.strip() in whole
    last = client.get(f"{url}?timeline=60", headers={"HX-Request": "true"}).text
    assert items(last) == list(range(1, 11))
    assert "Xem thêm" not in last
    assert items(client.get(f"{url}?timeline=60").text) == list(range(1, 51))

    # Mẫu 06 the same way
    hx = client.get(f"{url}?steps=40", headers={"HX-Request": "true"}).text
    assert step_rows(f'<tbody id="steps">{hx}</tbody>') == 20
    assert "Xem thêm 10 bước cũ hơn" in hx
    assert hx.strip() in client.get(f"{url}?steps=40").text
    assert step_rows(client.get(f"{url}?steps=60").text) == 50
    # the printed Mẫu 06 keeps every step
    assert client.get(f"{url}/slips/control").text.count('<tr class="step"') == 50


def test_bad_page_sizes_are_refused_not_a_crash(client, world, sign_in, fifty):
    """As every integer of a page's query (`casework.ids`): a 422 page in Vietnamese."""
    sign_in(world["hni.handler"])
    for param in ("timeline", "steps"):
        for bad in ("0", "-3", "abc", "100001"):
            r = client.get(f"/dossiers/{fifty.code}?{param}={bad}")
            assert r.status_code == 422, (param, bad)
            assert "Dữ liệu gửi lên chưa đúng" in r.text


def test_a_replay_of_an_old_event_shows_it(client, world, sign_in, fifty):
    sign_in(world["hni.handler"])
    html = client.get(f"/dossiers/{fifty.code}?after=3").text
    assert '<li id="ev-3" class="here">' in html
    assert "Đang xem hồ sơ" in html


def test_the_page_is_a_handful_of_statements(client, engine, world, sign_in, fifty):
    sign_in(world["hni.handler"])
    url = f"/dossiers/{fifty.code}"
    client.get(url)  # the first view fills the per-process caches
    with counted(engine) as seen:
        r = client.get(url)
    assert r.status_code == 200
    listing = "\n".join(f"{n:2}. {s}" for n, s in enumerate(seen, start=1))
    assert len(seen) <= MAX_STATEMENTS, listing


def test_each_event_is_rendered_once_per_language_and_name(
    client, session, world, sign_in, fifty, monkeypatch
):
    sign_in(world["hni.handler"])
    url = f"/dossiers/{fifty.code}"
    page.forget_all()
    first = client.get(url).text
    rendered: list[int] = []
    real = page.data_rows

    def spy(procedure, data, tz):  # type: ignore[no-untyped-def]
        rendered.append(1)
        return real(procedure, data, tz)

    monkeypatch.setattr(page, "data_rows", spy)
    assert client.get(url).text == first
    assert rendered == []  # every event line from the process cache
    english = client.get(f"{url}?lang=en").text
    assert len(rendered) == 20  # another language: rendered again
    assert "View the dossier at this point" in english or "Xem hồ sơ lúc này" not in english
    # an officer renamed: the lines of their events are rendered again with the new name
    leader = world["hni.leader"]
    leader.full_name = "Nguyễn Văn Lãnh Đạo"
    session.add(leader)
    session.commit()
    assert "Nguyễn Văn Lãnh Đạo" in client.get(f"{url}?lang=vi").text


def test_every_reader_sees_the_same_event_lines(client, world, sign_in, fifty):
    """Nothing of the cached lines depends on the reader: a receiver and an auditor of the
    province get the same lines as the handler; their own parts (actions) differ."""
    pages = {}
    for who in ("hni.handler", "hni.receiver"):
        sign_in(world[who])
        html = client.get(f"/dossiers/{fifty.code}").text
        pages[who] = html.split('<ol class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert pages["hni.handler"] == pages["hni.receiver"]
