"""/readiness and its exports: who sees what, the filters through the page, the files' contents."""

from __future__ import annotations

import csv
import io
import logging

from openpyxl import load_workbook

from tests.readiness.conftest import build


def _csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_ministry_sees_the_map_and_every_province(session, registry, client, sign_in):  # type: ignore[no-untyped-def]
    built = build(session, registry)
    sign_in(built.users["bo.auditor"])
    r = client.get("/readiness")
    assert r.status_code == 200
    html = r.text
    assert "Mức sẵn sàng của các địa phương" in html
    assert "Cách tính mức sẵn sàng" in html and "mức trung vị" in html
    assert '<svg class="tilemap"' in html
    assert 'href="/readiness?province=SKHCN.DTH"' in html  # a tile and a row link
    assert html.count("<rect ") == 2  # the two provinces of this world
    r = client.get("/readiness?province=SKHCN.DTH&uncertified=1")
    assert r.status_code == 200
    assert "UBND Xã Bình Thành" in r.text and "UBND Phường Cao Lãnh" in r.text
    assert "UBND Xã An Bình" not in r.text  # certified in đo lường
    assert "2 đơn vị khớp bộ lọc" in r.text
    # htmx asks for the results only
    hx = client.get(
        "/readiness?province=SKHCN.DTH&level=ready&field=cl", headers={"HX-Request": "true"}
    )
    assert hx.status_code == 200 and "<html" not in hx.text
    assert hx.text.lstrip().startswith('<section id="results"')
    assert "UBND Phường Cao Lãnh" in hx.text and "UBND Xã Bình Thành" not in hx.text
    # nonsense filters fall back to the defaults, never a 500
    odd = client.get(
        "/readiness?province=SKHCN.DTH&level=x&field=y&sort=--z&page=abc&uncertified=2"
    )
    assert odd.status_code == 200 and "3 đơn vị khớp bộ lọc" in odd.text


def test_a_department_sees_its_own_province_only(session, registry, client, sign_in, caplog):  # type: ignore[no-untyped-def]
    built = build(session, registry)
    sign_in(built.users["dth.receiver"])
    r = client.get("/readiness")
    assert r.status_code == 200
    assert "Mức sẵn sàng các xã, phường" in r.text and "UBND Xã An Bình" in r.text
    assert '<svg class="tilemap"' not in r.text and "UBND Phường Ba Đình" not in r.text
    with caplog.at_level(logging.INFO, logger="casework.access"):
        other = client.get("/readiness?province=SKHCN.HNI")
        assert other.status_code == 404 and "Ba Đình" not in other.text
        assert client.get("/readiness.csv?province=SKHCN.HNI").status_code == 404
        assert client.get("/readiness?province=HNI.BADINH").status_code == 404  # not a province
    assert any("readiness" in rec.getMessage() for rec in caplog.records)


def test_others_are_refused(session, registry, client, sign_in):  # type: ignore[no-untyped-def]
    built = build(session, registry)
    assert client.get("/readiness", follow_redirects=False).status_code in (302, 303)
    for name in ("a.handler", "b.auditor", "bo.receiver"):  # communes; the ministry's desk
        sign_in(built.users[name])
        r = client.get("/readiness")
        assert r.status_code == 403, name
        assert "Bình Thành" not in r.text
        assert client.get("/readiness.xlsx").status_code == 403


def test_exports_carry_the_filtered_rows(session, registry, client, sign_in):  # type: ignore[no-untyped-def]
    built = build(session, registry)
    sign_in(built.users["bo.mentor"])
    r = client.get("/readiness.csv?province=SKHCN.DTH&sort=-officers")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = _csv(r.content)
    header, body = rows[0], rows[1:]
    assert header[:6] == ["Mã xã", "Mã đơn vị", "Xã, phường", "Loại", "Tỉnh, thành phố", "Cán bộ"]
    assert [row[1] for row in body] == ["DTH.ANBINH", "DTH.CAOLANH", "DTH.BINHTHANH"]
    a = dict(zip(header, body[0], strict=True))
    assert a["Cán bộ có chứng chỉ — Đo lường"] == "2"
    assert a["Kiểm tra xong (90 ngày)"] == "2" and a["Đúng hạn (%)"] == "50"
    assert a["Mức — Đo lường"] == "Đang thực hiện"
    assert a["Mức — Chất lượng hàng hóa"] == "Chưa sẵn sàng"

    x = client.get("/readiness.xlsx?uncertified=1&field=cl")
    assert x.status_code == 200
    sheet = load_workbook(io.BytesIO(x.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    head = next(i for i, row in enumerate(values) if row[0] == "Mã tỉnh")
    assert any("Chỉ nơi chưa có cán bộ nào có chứng chỉ" in str(row[0]) for row in values[:head])
    data = [dict(zip(values[head], row, strict=True)) for row in values[head + 1 :]]
    assert [d["Tỉnh, thành phố"] for d in data] == ["HNI"]  # Đồng Tháp has one in quality
    assert data[0]["Số xã, phường"] == 1
    assert client.get("/readiness.pdf").status_code == 404


def test_every_commune_of_the_country_filtered_and_exported(session, registry, client, sign_in):  # type: ignore[no-untyped-def]
    built = build(session, registry)
    sign_in(built.users["bo.auditor"])
    r = client.get("/readiness?communes=1&uncertified=1")
    assert r.status_code == 200
    assert "Mức sẵn sàng các xã, phường — toàn quốc" in r.text
    assert '<svg class="tilemap"' not in r.text
    assert "3 đơn vị khớp bộ lọc" in r.text  # Bình Thành, Cao Lãnh (Đồng Tháp), Ba Đình
    assert "UBND Phường Ba Đình" in r.text and "UBND Xã An Bình" not in r.text
    assert 'name="communes" value="1"' in r.text  # the filter form keeps the listing
    rows = _csv(client.get("/readiness.csv?communes=1&sort=-officers").content)
    assert rows[0][4] == "Tỉnh, thành phố"
    assert [row[1] for row in rows[1:]] == [  # 2, 2, 1, 1 officers; ties by name
        "DTH.ANBINH", "DTH.CAOLANH", "HNI.BADINH", "DTH.BINHTHANH",
    ]  # fmt: skip
    # a department asking for the whole country still gets its own province
    sign_in(built.users["dth.auditor"])
    own = client.get("/readiness?communes=1")
    assert own.status_code == 200 and "Ba Đình" not in own.text and "An Bình" in own.text
