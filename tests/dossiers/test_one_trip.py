"""The dossier page and the work queue run in one trip to the thread pool (web.auth.in_one_trip,
issue 19), and end their read by closing the session: what the page loaded stays readable
afterwards (a rollback would expire it), and nothing of the request's transaction is left open.
"""

from __future__ import annotations

from typing import Any

from casework.web import templating
from tests.factories import open_xray


def test_what_a_page_loaded_stays_readable_after_its_trip(
    session, client, world, xray, sign_in, monkeypatch
):
    dossier = open_xray(session, xray, world["hni.receiver"])
    session.commit()
    seen: list[dict[str, Any]] = []
    real = templating.render

    def spy(request, name, ctx, **kw):  # type: ignore[no-untyped-def]
        seen.append(ctx)
        return real(request, name, ctx, **kw)

    monkeypatch.setattr("casework.dossiers.views.render", spy)
    sign_in(world["hni.receiver"])
    assert client.get(f"/dossiers/{dossier.code}").status_code == 200
    assert client.get("/dossiers?queue=unit").status_code == 200
    page, queue = seen[-2], seen[-1]
    # after the request: the page's rows are readable as loaded, not expired and detached
    assert page["d"].code == dossier.code
    assert page["d"].applicant_name == dossier.applicant_name
    assert page["units"] and all(u.name for u in page["units"].values())
    assert queue["counts"]["unit"] >= 1


def test_signed_out_the_pages_still_send_to_the_sign_in(client, world, xray, session):
    dossier = open_xray(session, xray, world["hni.receiver"])
    session.commit()
    for path in (f"/dossiers/{dossier.code}", "/dossiers"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
