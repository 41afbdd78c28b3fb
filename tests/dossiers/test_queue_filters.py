"""The queue's filter form as the browser sends it: every field, the empty ones as "" (issue 14:
the empty date fields once answered 422 and htmx swapped that error page over the list)."""

from __future__ import annotations

FORM = "queue=unit&q=&procedure=&state=reviewing&mode=&received_from=&received_to="


def test_the_filter_form_with_empty_dates_filters(client, sign_in, world):
    sign_in(world["hni.receiver"])
    page = client.get(f"/dossiers?{FORM}")
    assert page.status_code == 200, page.text[:300]
    fragment = client.get(f"/dossiers?{FORM}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200, fragment.text[:300]
    assert fragment.text.lstrip().startswith('<section id="queue"')


def test_a_filled_date_still_filters_and_a_bad_one_is_refused(client, sign_in, world):
    sign_in(world["hni.receiver"])
    ok = client.get("/dossiers?queue=unit&received_from=2026-01-01&received_to=")
    assert ok.status_code == 200
    assert 'value="2026-01-01"' in ok.text
    assert client.get("/dossiers?queue=unit&received_from=hôm-qua").status_code == 422
