"""/progress at scale on both databases: the figures of a built world by hand (counts and
percentages per unit and per province), who reads which units (the ministry, a department, a
mentor's assigned units, a commune's admin; trainees sent to their own page), the filters
("no activity", name or code), sorting, paging, htmx, and the CSV/XLSX files."""

from __future__ import annotations

import csv
import io
import logging
import re

import pytest
from openpyxl import load_workbook

from casework.db import utcnow
from casework.progress import figures, tables
from tests.progress.national import FORMULA_NAME, build


@pytest.fixture
def national(session, registry):  # type: ignore[no-untyped-def]
    return build(session, registry, utcnow())


def _csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _units(html: str) -> list[str]:
    """The unit codes of the table's rows, in order."""
    return re.findall(r'<tr data-unit="([^"]+)">', html)


# ---- the figures ------------------------------------------------------------------------------


def test_figures_of_every_unit_and_province(session, national):  # type: ignore[no-untyped-def]
    scope = figures.reader_scope(session, national.users["bo.auditor"])
    data = figures.figures(session, scope=scope, now=national.now)
    got = {
        f.unit.code: (f.trainees, f.active, f.runs, f.passed, f.signed, f.sign_offs)
        for f in data.units.values()
    }
    assert got == {
        "DTH.ANBINH": (2, 2, 3, 2, 1, 2),
        "DTH.BINHTHANH": (2, 0, 0, 0, 0, 0),
        "DTH.CAOLANH": (1, 0, 0, 0, 1, 1),
        "DTH.CONGTHUC": (0, 0, 0, 0, 0, 0),
        "SKHCN.DTH": (1, 1, 0, 0, 0, 0),
        "HNI.BADINH": (1, 1, 0, 0, 1, 1),
        "SKHCN.HNI": (0, 0, 0, 0, 0, 0),
    }
    assert all(f.path_levels == {} for f in data.units.values())  # the learning-path hook
    provinces = {r.unit.code: r for r in tables.province_rows(data)}
    dth, hni = provinces["SKHCN.DTH"], provinces["SKHCN.HNI"]
    assert (dth.units, dth.inactive_units, dth.trainees, dth.active, dth.runs, dth.passed,
            dth.signed, dth.sign_offs) == (5, 3, 6, 3, 3, 2, 2, 3)  # fmt: skip
    assert (dth.inactive_share, dth.active_share) == (0.6, 0.5)
    assert dth.signed_share == pytest.approx(1 / 3)
    assert (hni.units, hni.inactive_units, hni.active_share, hni.signed_share) == (2, 1, 1.0, 1.0)
    total = tables.total(provinces.values(), dth.unit)
    assert (total.units, total.inactive_units, total.trainees, total.active, total.sign_offs) == (
        7, 4, 7, 4, 4,
    )  # fmt: skip
    # a unit with no trainee has no share, and sorts last whichever the direction
    rows = tables.unit_rows(data, dth.unit.id)
    for desc in (False, True):
        f = tables.Filters(sort="active_share", desc=desc)
        assert [r.unit.code for r in tables.apply(rows, f)][-1] == "DTH.CONGTHUC"


def test_the_window_moves_with_now(session, national):  # type: ignore[no-untyped-def]
    scope = figures.reader_scope(session, national.users["bo.auditor"])
    later = figures.figures(session, scope=scope, now=national.now + figures.timedelta(days=2))
    assert {c: f.active for c, f in ((f.unit.code, f) for f in later.units.values())} == {
        "DTH.ANBINH": 2, "DTH.BINHTHANH": 0, "DTH.CAOLANH": 0, "DTH.CONGTHUC": 0,
        "SKHCN.DTH": 0, "HNI.BADINH": 1, "SKHCN.HNI": 0,
    }  # fmt: skip


# ---- the pages: who reads what ----------------------------------------------------------------


def test_the_ministry_sees_every_province_then_its_units(client, national, sign_in):  # type: ignore[no-untyped-def]
    sign_in(national.users["bo.auditor"])
    r = client.get("/progress")
    assert r.status_code == 200
    assert "<h1>Tiến độ học viên</h1>" in r.text
    assert _units(r.text) == ["SKHCN.DTH", "SKHCN.HNI"]  # by name: Đồng Tháp, Hà Nội
    assert "2 tỉnh, thành phố khớp bộ lọc" in r.text
    dth = re.search(r'<tr data-unit="SKHCN.DTH">(.*?)</tr>', r.text, re.S)
    assert dth is not None
    cells = re.findall(r"<td>([^<]*)</td>", dth.group(1))
    # units, no activity, %, trainees, active, %, runs, passed, signed, %, sign-offs
    assert cells == ["5", "3", "60%", "6", "3", "50%", "3", "2", "2", "33%", "3"]
    foot = re.search(r"<tr data-total>(.*?)</tr>", r.text, re.S)
    assert foot is not None
    assert re.findall(r"<td>([^<]*)</td>", foot.group(1)) == [
        "7", "4", "57%", "7", "4", "57%", "3", "2", "3", "43%", "4",
    ]  # fmt: skip
    assert 'href="/progress?province=SKHCN.DTH"' in r.text
    assert 'data-hook="learning-path"' not in r.text  # hidden until the hook has data
    units = client.get("/progress?province=SKHCN.DTH")
    assert units.status_code == 200
    assert "Tiến độ học viên — Đồng Tháp" in units.text
    assert _units(units.text) == [  # by name: "=1+1 …" first, then an binh … dong thap
        "DTH.CONGTHUC", "DTH.ANBINH", "DTH.BINHTHANH", "DTH.CAOLANH", "SKHCN.DTH",
    ]  # fmt: skip
    assert "/progress/units/" not in units.text  # an auditor does not open the trainees' pages
    every = client.get("/progress?units=1&q=ba dinh")
    assert _units(every.text) == ["HNI.BADINH"]


def test_a_department_reads_its_own_province(client, national, sign_in, caplog):  # type: ignore[no-untyped-def]
    sign_in(national.users["dth.auditor"])
    r = client.get("/progress")
    assert r.status_code == 200
    assert "Tiến độ học viên — Đồng Tháp" in r.text
    assert "HNI.BADINH" not in r.text and "← Theo tỉnh, thành phố" not in r.text
    assert len(_units(r.text)) == 5
    with caplog.at_level(logging.INFO, logger="casework.access"):
        assert client.get("/progress?province=SKHCN.HNI").status_code == 404
        assert client.get("/progress.csv?province=SKHCN.HNI").status_code == 404
        assert client.get("/progress?province=DTH.ANBINH").status_code == 404  # not a province
    # the whole country, asked for, is still its own province
    assert "Ba Đình" not in client.get("/progress?units=1").text
    sign_in(national.users["dth.admin"])  # its admin opens the units' pages
    assert 'href="/progress/units/DTH.ANBINH"' in client.get("/progress").text


def test_a_mentor_sees_only_the_assigned_units(client, national, sign_in):  # type: ignore[no-untyped-def]
    sign_in(national.users["bo.mentor"])
    r = client.get("/progress")
    assert r.status_code == 200
    assert _units(r.text) == ["DTH.ANBINH", "DTH.BINHTHANH"]
    assert 'href="/progress/units/DTH.ANBINH"' in r.text
    assert "Cao Lãnh" not in r.text
    assert client.get("/progress?province=SKHCN.HNI").status_code == 404
    rows = _csv(client.get("/progress.csv").content)
    assert [row[0] for row in rows[1:]] == ["DTH.ANBINH", "DTH.BINHTHANH"]
    sign_in(national.users["hni.mentor"])
    assert _units(client.get("/progress").text) == ["HNI.BADINH", "SKHCN.HNI"]
    sign_in(national.users["two.mentor"])  # two provinces: both, with only the assigned units
    both = client.get("/progress").text
    assert _units(both) == ["SKHCN.DTH", "SKHCN.HNI"]
    dth = re.search(r'<tr data-unit="SKHCN.DTH">(.*?)</tr>', both, re.S)
    assert dth is not None and re.findall(r"<td>([^<]*)</td>", dth.group(1))[:4] == [
        "1", "0", "0%", "2",
    ]  # fmt: skip
    assert _units(client.get("/progress?province=SKHCN.DTH").text) == ["DTH.ANBINH"]
    assert _units(client.get("/progress?units=1").text) == ["DTH.ANBINH", "HNI.BADINH", "SKHCN.HNI"]
    sign_in(national.users["idle.mentor"])
    idle = client.get("/progress")
    assert idle.status_code == 200 and "Bạn chưa được phân công đơn vị nào." in idle.text
    assert client.get("/progress.xlsx").status_code == 403


def test_commune_staff_are_limited(client, national, sign_in):  # type: ignore[no-untyped-def]
    sign_in(national.users["a.handler"])  # a trainee: their own page, no tables, no files
    r = client.get("/progress", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/progress/users/a.handler"
    assert client.get("/progress.csv").status_code == 403
    sign_in(national.users["a.auditor"])  # a commune's auditor: its own commune only
    assert _units(client.get("/progress").text) == ["DTH.ANBINH"]
    sign_in(national.users["a.leader"])  # a commune's admin: the same, and its unit page
    page = client.get("/progress").text
    assert _units(page) == ["DTH.ANBINH"] and 'href="/progress/units/DTH.ANBINH"' in page


# ---- filters, sorting, paging, htmx -----------------------------------------------------------


def test_filters_sorting_and_paging(client, national, sign_in, monkeypatch):  # type: ignore[no-untyped-def]
    sign_in(national.users["bo.admin"])
    base = "/progress?province=SKHCN.DTH"
    inactive = client.get(f"{base}&inactive=1")
    assert _units(inactive.text) == ["DTH.CONGTHUC", "DTH.BINHTHANH", "DTH.CAOLANH"]
    assert "3 đơn vị khớp bộ lọc" in inactive.text
    assert _units(client.get(f"{base}&q=binh thanh").text) == ["DTH.BINHTHANH"]
    assert _units(client.get(f"{base}&q=dth.cao").text) == ["DTH.CAOLANH"]
    assert _units(client.get("/progress?inactive=1").text) == []  # every province has activity
    # sorting: each column, both ways; ties by name
    assert _units(client.get(f"{base}&sort=-trainees").text) == [
        "DTH.ANBINH", "DTH.BINHTHANH", "DTH.CAOLANH", "SKHCN.DTH", "DTH.CONGTHUC",
    ]  # fmt: skip
    # 100%, 100% (by name: the department sorts as "dong thap"), 0%, 0%, no trainees last
    assert _units(client.get(f"{base}&sort=-active_share").text) == [
        "DTH.ANBINH", "SKHCN.DTH", "DTH.BINHTHANH", "DTH.CAOLANH", "DTH.CONGTHUC",
    ]  # fmt: skip
    assert _units(client.get(f"{base}&sort=sign_offs").text) == [
        "DTH.CONGTHUC", "DTH.BINHTHANH", "SKHCN.DTH", "DTH.CAOLANH", "DTH.ANBINH",
    ]  # fmt: skip
    assert _units(client.get(f"{base}&sort=-name").text)[0] == "SKHCN.DTH"
    for key in tables.SORTS:
        assert client.get(f"/progress?sort=-{key}").status_code == 200
    # the headers link to the next sort and say which is on
    page = client.get(f"{base}&sort=-runs").text
    assert 'aria-sort="descending"' in page and "sort=runs" in page
    # paging: 2 a page
    monkeypatch.setattr(tables, "PER_PAGE", 2)
    second = client.get(f"{base}&page=2")
    assert _units(second.text) == ["DTH.BINHTHANH", "DTH.CAOLANH"]
    assert (
        "trang 2/3" in second.text and 'rel="next"' in second.text and 'rel="prev"' in second.text
    )
    assert _units(client.get(f"{base}&page=99").text) == ["SKHCN.DTH"]  # the last page
    # nonsense falls back to the defaults, never a 500
    odd = client.get(f"{base}&sort=--x&page=abc&inactive=2&units=zz")
    assert odd.status_code == 200 and "5 đơn vị khớp bộ lọc" in odd.text


def test_htmx_gets_the_results_only(client, national, sign_in):  # type: ignore[no-untyped-def]
    sign_in(national.users["bo.auditor"])
    hx = client.get("/progress?province=SKHCN.DTH&inactive=1", headers={"HX-Request": "true"})
    assert hx.status_code == 200 and "<html" not in hx.text
    assert hx.text.lstrip().startswith('<section id="results"')
    assert _units(hx.text) == ["DTH.CONGTHUC", "DTH.BINHTHANH", "DTH.CAOLANH"]
    page = client.get("/progress?province=SKHCN.DTH&inactive=1").text
    assert hx.text.strip() in page  # exactly a part of its page
    assert 'hx-push-url="true"' in page and 'id="progress-filters"' in page
    assert 'href="/progress.csv?province=SKHCN.DTH&amp;inactive=1"' in page


# ---- the files --------------------------------------------------------------------------------


def test_csv_and_xlsx(client, national, sign_in):  # type: ignore[no-untyped-def]
    sign_in(national.users["bo.auditor"])
    r = client.get("/progress.csv?sort=-trainees")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "tien-do-hoc-vien-tinh-" in r.headers["content-disposition"]
    rows = _csv(r.content)
    header, body = rows[0], rows[1:]
    assert header[:5] == ["Mã tỉnh", "Tỉnh, thành phố", "Số đơn vị", "Đơn vị chưa có hoạt động",
                          "Đơn vị chưa có hoạt động (%)"]  # fmt: skip
    dth = dict(zip(header, body[0], strict=True))
    assert (dth["Mã tỉnh"], dth["Tỉnh, thành phố"], dth["Số đơn vị"]) == ("82", "Đồng Tháp", "5")
    assert dth["Đơn vị chưa có hoạt động (%)"] == "60"
    assert dth["Hoạt động 30 ngày (%)"] == "50" and dth["Học viên được xác nhận (%)"] == "33.3"
    assert [row[1] for row in body] == ["Đồng Tháp", "Hà Nội"]

    x = client.get("/progress.xlsx?province=SKHCN.DTH&inactive=1&sort=-name")
    assert x.status_code == 200
    sheet = load_workbook(io.BytesIO(x.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    head = next(i for i, row in enumerate(values) if row[0] == "Mã đơn vị")
    notes = [str(row[0]) for row in values[:head]]
    assert any("Chỉ đơn vị chưa có hoạt động" in n for n in notes)
    data = [dict(zip(values[head], row, strict=True)) for row in values[head + 1 :]]
    assert [d["Mã đơn vị"] for d in data] == ["DTH.CAOLANH", "DTH.BINHTHANH", "DTH.CONGTHUC"]
    assert data[2]["Đơn vị"].lstrip("'") == FORMULA_NAME  # text (quoted or typed), no formula
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert data[0]["Học viên"] == 1 and data[0]["Số xác nhận"] == 1
    assert data[0]["Hoạt động 30 ngày (%)"] == 0
    assert data[2]["Hoạt động 30 ngày (%)"] in ("", None)  # no trainees: no share
    assert client.get("/progress.pdf").status_code == 404


def test_path_levels_are_columns_sorted_and_exported(client, national, sign_in, monkeypatch):  # type: ignore[no-untyped-def]
    """The levels per field (from `learning_path_levels`: trainees at each level) show as «from
    this level up» columns of the chosen field, sort by their share, and go into the files."""
    a, b = national.units["a"].id, national.units["b"].id

    def levels(session, within):  # type: ignore[no-untyped-def]
        return {
            a: {("Đo lường", 2): 1, ("Đo lường", 4): 1, ("Chất lượng sản phẩm, hàng hóa", 1): 2},
            b: {("Đo lường", 1): 1},
        }

    monkeypatch.setattr(figures, "learning_path_levels", levels)
    sign_in(national.users["bo.auditor"])
    page = client.get("/progress?province=SKHCN.DTH").text
    assert '<option value="Đo lường" selected>' in page
    assert "Từ «Làm quen»" in page and "Từ «Độc lập»" in page
    row = page[page.index('<tr data-unit="DTH.ANBINH">') :]
    assert '<td data-level="1">2 <span class="meta">(100%)</span>' in row  # 2 of 2 trainees
    assert '<td data-level="3">1 <span class="meta">(50%)</span>' in row
    by_share = _units(client.get("/progress?province=SKHCN.DTH&sort=-lv2").text)
    assert by_share[0] == "DTH.ANBINH"
    other = client.get("/progress?province=SKHCN.DTH&path=Chất lượng sản phẩm, hàng hóa").text
    assert '<option value="Chất lượng sản phẩm, hàng hóa" selected>' in other
    rows = _csv(client.get("/progress.csv").content)
    dth = dict(zip(rows[0], rows[1], strict=True))
    assert dth["Đo lường — từ «Làm quen»"] == "3"
    assert dth["Đo lường — từ «Độc lập»"] == "1"
    assert dth["Chất lượng sản phẩm, hàng hóa — từ «Làm quen»"] == "2"
