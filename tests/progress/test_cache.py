"""/progress keeps its rows per process (`caching.figures`): sorting, filtering and paging another
view read no figures again; a write the figures depend on shows on the next view, whether it went
through the ORM (a user deactivated, a sign-off) or as a new event only (a trainee's action)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from casework.caching import figures as kept_figures
from casework.db import utcnow
from casework.dossiers.models import Dossier, Event
from casework.signoffs.models import SignOffEntry
from tests.progress.national import build
from tests.statements import counted

#: the grouped reads of `progress.figures` (any of them means the figures were read again)
FIGURE_TABLES = ("learning_level", "signoff_entry", "mentor_assignment")


@pytest.fixture
def national(session, registry):  # type: ignore[no-untyped-def]
    kept_figures.clear()
    return build(session, registry, utcnow())


def _row(html: str, code: str) -> list[str]:
    found = re.search(rf'<tr data-unit="{re.escape(code)}">(.*?)</tr>', html, re.S)
    assert found is not None, code
    return re.findall(r"<td>([^<]*)</td>", found.group(1))


def _figure_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if any(t in s for t in FIGURE_TABLES)]


def test_rows_are_kept_across_views_and_filters(client, national, sign_in, engine):  # type: ignore[no-untyped-def]
    sign_in(national.users["bo.auditor"])
    first = client.get("/progress?units=1")
    assert first.status_code == 200
    assert re.search(r"Số liệu lúc \d\d:\d\d \d\d/\d\d/\d{4}", first.text)
    with counted(engine) as statements:
        again = client.get("/progress?units=1&sort=-trainees")
        filtered = client.get("/progress?units=1&q=an binh", headers={"HX-Request": "true"})
        exported = client.get("/progress.csv?units=1")
    assert again.status_code == filtered.status_code == exported.status_code == 200
    assert _figure_reads(statements) == [], statements
    assert re.findall(r'<tr data-unit="([^"]+)">', filtered.text) == ["DTH.ANBINH"]
    assert "DTH.ANBINH" in exported.text
    # another listing (the provinces) is its own entry: read once, then kept too
    with counted(engine) as statements:
        client.get("/progress")
    assert _figure_reads(statements)
    with counted(engine) as statements:
        client.get("/progress?sort=-runs")
    assert _figure_reads(statements) == []


def test_a_write_shows_on_the_next_view(client, national, sign_in, session, engine):  # type: ignore[no-untyped-def]
    sign_in(national.users["bo.auditor"])
    page = client.get("/progress?units=1").text
    # trainees, active, %, runs, passed, (path levels: none), signed, %, sign-offs
    assert _row(page, "HNI.BADINH")[:2] == ["1", "1"]
    assert _row(page, "DTH.BINHTHANH")[:2] == ["2", "0"]
    assert _row(page, "DTH.CAOLANH")[-1] == "1"

    user = national.users["h.receiver"]  # Ba Đình's only trainee leaves
    user.is_active = False
    session.add(user)
    session.commit()
    assert _row(client.get("/progress?units=1").text, "HNI.BADINH")[:2] == ["0", "0"]

    session.add(  # a sign-off for Cao Lãnh's trainee
        SignOffEntry(
            trainee_id=national.users["c.handler"].id, procedure_code="XA-DL-HDGS", seq=1,
            kind="signed", mentor_id=national.users["bo.mentor"].id,
        )
    )  # fmt: skip
    session.commit()
    assert _row(client.get("/progress?units=1").text, "DTH.CAOLANH")[-1] == "2"

    # an action on a practice dossier is only a new event (the Core hot path writes no ORM row)
    run = session.exec(
        select(Dossier).where(Dossier.handling_unit_id == national.units["b"].id,
                              Dossier.mode == "practice")
    ).one()  # fmt: skip
    session.add(
        Event(
            dossier_id=run.id, seq=3, at=utcnow() - timedelta(minutes=1), kind="action",
            actor_id=national.users["b.handler"].id, action="accept", hash="h3",
        )
    )  # fmt: skip
    session.commit()
    with counted(engine) as statements:
        after = client.get("/progress?units=1").text
    assert _figure_reads(statements)
    assert _row(after, "DTH.BINHTHANH")[:2] == ["2", "1"]


def test_the_rows_expire(client, national, sign_in, engine, monkeypatch):  # type: ignore[no-untyped-def]
    sign_in(national.users["bo.auditor"])
    client.get("/progress")
    monkeypatch.setattr(kept_figures, "TTL", 0.0)
    with counted(engine) as statements:
        client.get("/progress")
    assert _figure_reads(statements)
