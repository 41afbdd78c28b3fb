"""/readiness keeps its rows per process (`caching.figures`): sorting, filtering and paging read no
figures again; a write the figures depend on (a certificate revoked through its service, an
officer deactivated, a question answered) shows on the next view."""

from __future__ import annotations

import re

import pytest

from casework.accounts import service as accounts
from casework.caching import figures as kept_figures
from casework.certificates import service as certificates
from casework.certificates.models import Certificate
from casework.questions.models import Question
from tests.readiness.conftest import build
from tests.statements import counted

#: the grouped reads of `readiness.queries.figures`
FIGURE_TABLES = ("certificate", "signoff_entry", "question")


@pytest.fixture
def built(session, registry):  # type: ignore[no-untyped-def]
    kept_figures.clear()
    return build(session, registry)


def _figure_reads(statements: list[str]) -> list[str]:
    return [
        s for s in statements if any(f"FROM {t}" in s or f"JOIN {t}" in s for t in FIGURE_TABLES)
    ]


def _cells(html: str, name: str) -> list[str]:
    found = re.search(rf"<td>{re.escape(name)}<br>.*?</td>(.*?)</tr>", html, re.S)
    assert found is not None, name
    return re.findall(r"<td>([^<]*)</td>", found.group(1))


def test_rows_are_kept_across_views_and_filters(client, built, sign_in, engine):  # type: ignore[no-untyped-def]
    sign_in(built.users["bo.auditor"])
    first = client.get("/readiness?communes=1")
    assert first.status_code == 200
    assert re.search(r"Số liệu lúc \d\d:\d\d \d\d/\d\d/\d{4}", first.text)
    with counted(engine) as statements:
        again = client.get("/readiness?communes=1&sort=-officers")
        hx = client.get("/readiness?communes=1&q=ba dinh", headers={"HX-Request": "true"})
        exported = client.get("/readiness.csv?communes=1&uncertified=1")
    assert again.status_code == hx.status_code == exported.status_code == 200
    assert _figure_reads(statements) == [], statements
    assert "UBND Phường Ba Đình" in hx.text and "UBND Xã An Bình" not in hx.text
    assert "Bình Thành" in exported.text and "An Bình" not in exported.text
    with counted(engine) as statements:
        client.get("/readiness")  # the provinces: another entry, read once
    assert _figure_reads(statements)


def test_a_write_shows_on_the_next_view(client, built, sign_in, session):  # type: ignore[no-untyped-def]
    admin = accounts.create_user(
        session, username="bo.admin", full_name="bo.admin", unit=built.units["bo"], roles=["admin"]
    )
    sign_in(built.users["bo.auditor"])
    page = client.get("/readiness?province=SKHCN.DTH").text
    # officers, certified dl, certified cl, signed off, practice, inspections, dossiers, on time, questions
    assert _cells(page, "UBND Xã An Bình")[:2] == ["2", "2"]
    assert _cells(page, "UBND Xã Bình Thành")[8] == "1"

    cert = session.exec(  # a.leader's certificate revoked through the service
        Certificate.__table__.select().where(Certificate.user_id == built.users["a.leader"].id)
    ).first()
    certificates.revoke(
        session, actor=admin, certificate_id=cert.id,
        values={"reason": "Thu hồi để thử", "version": str(cert.version)},
    )  # fmt: skip
    assert _cells(client.get("/readiness?province=SKHCN.DTH").text, "UBND Xã An Bình")[:2] == [
        "2", "1",
    ]  # fmt: skip

    user = built.users["a.handler"]
    user.is_active = False
    session.add(user)
    session.commit()
    assert _cells(client.get("/readiness?province=SKHCN.DTH").text, "UBND Xã An Bình")[0] == "1"

    question = session.exec(Question.__table__.select().where(Question.status == "open")).first()
    row = session.get(Question, question.id)
    row.status = "answered"
    session.add(row)
    session.commit()
    assert _cells(client.get("/readiness?province=SKHCN.DTH").text, "UBND Xã Bình Thành")[8] == "0"
