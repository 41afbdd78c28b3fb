"""The counts and levels of every unit on a small built world, on both databases."""

from __future__ import annotations

from casework.readiness import queries, tables
from casework.readiness.rules import Level
from tests.readiness.conftest import NOW, TODAY


def _figures(session, registry, built, department=None):  # type: ignore[no-untyped-def]
    return queries.figures(
        session, procedures=registry, department=department, now=NOW, today=TODAY
    )


def test_counts_and_levels_per_unit(session, registry, built):  # type: ignore[no-untyped-def]
    figs = _figures(session, registry, built)
    u = built.units
    assert set(figs) == {u[k].id for k in ("dth", "hni", "a", "b", "c", "h")}
    a, b, c, h = (figs[u[k].id] for k in "abch")
    assert a.officers == 2  # the deactivated one is not counted
    assert a.certified == {"dl": 2} and a.signed_off == {"dl": 2}
    assert (a.inspections, a.dossiers, a.done) == (2, 0, {"dl": 2})  # 91 days ago: out
    assert (a.timed, a.on_time) == (2, 1) and a.on_time_rate == 0.5
    assert a.levels == {"dl": Level.performing, "cl": Level.not_ready}
    assert b.officers == 1  # its auditor is not an officer
    assert b.certified == {} and b.practice == {"dl": 1} and b.open_questions == 1
    assert b.levels == {"dl": Level.learning, "cl": Level.not_ready}
    assert c.certified == {"cl": 1} and c.signed_off == {"cl": 1}  # 2.002131 is no field of it
    assert c.levels == {"dl": Level.not_ready, "cl": Level.ready}
    assert h.levels == {"dl": Level.not_ready, "cl": Level.not_ready}
    dth = figs[u["dth"].id]
    assert (dth.dossiers, dth.timed, dth.on_time) == (2, 1, 1)


def test_one_province_only(session, registry, built):  # type: ignore[no-untyped-def]
    figs = _figures(session, registry, built, built.units["dth"])
    assert set(figs) == {built.units[k].id for k in ("dth", "a", "b", "c")}
    assert figs[built.units["a"].id].certified == {"dl": 2}


def test_province_rows_add_up(session, registry, built):  # type: ignore[no-untyped-def]
    rows = {r.unit.code: r for r in tables.province_rows(_figures(session, registry, built))}
    dth, hni = rows["SKHCN.DTH"], rows["SKHCN.HNI"]
    assert (dth.communes, dth.officers) == (3, 1 + 2 + 1 + 2)
    assert dth.with_certified == {"dl": 1, "cl": 1} and dth.certified == {"dl": 2, "cl": 1}
    assert dth.ready == {"dl": 1, "cl": 1}
    assert (dth.inspections, dth.dossiers, dth.timed, dth.on_time) == (2, 2, 3, 2)
    assert (dth.practice, dth.open_questions) == (1, 1)
    # 1 of 3 communes performing in dl, 1 of 3 ready in cl: the median is below
    assert dth.levels == {"dl": Level.learning, "cl": Level.not_ready}
    assert (hni.communes, hni.levels["dl"]) == (1, Level.not_ready)


def test_filters_sorting_paging(session, registry, built):  # type: ignore[no-untyped-def]
    figs = _figures(session, registry, built, built.units["dth"])
    rows = [tables.commune_row(f) for f in figs.values() if f.unit.kind == "commune"]

    def codes(**kw):  # type: ignore[no-untyped-def]
        return [r.unit.code for r in tables.apply(rows, tables.Filters(**kw))]

    assert codes() == ["DTH.ANBINH", "DTH.BINHTHANH", "DTH.CAOLANH"]
    assert codes(uncertified=True) == ["DTH.BINHTHANH", "DTH.CAOLANH"]  # nobody in đo lường
    assert codes(uncertified=True, field="cl") == ["DTH.ANBINH", "DTH.BINHTHANH"]
    assert codes(level="learning") == ["DTH.BINHTHANH"]
    assert codes(level="ready", field="cl") == ["DTH.CAOLANH"]
    assert codes(q="cao lanh") == ["DTH.CAOLANH"]  # accents optional
    assert codes(sort="level_dl", desc=True) == ["DTH.ANBINH", "DTH.BINHTHANH", "DTH.CAOLANH"]
    # no on-time rate: last whichever the direction
    assert codes(sort="on_time")[-1] == codes(sort="on_time", desc=True)[-1] != "DTH.ANBINH"
    paged = tables.page(rows * 30, 3, per_page=40)
    assert (paged.total, paged.pages, len(paged.items), paged.page) == (90, 3, 10, 3)
    assert tables.page(rows, 99).page == 1
