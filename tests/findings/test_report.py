"""The periodic inspection report on both databases: the period, what counts (real, finished,
concluded), the commune's line under its department, handling and fines, the exports, and who
may read it."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from casework.db import utcnow
from casework.errors import ValidationFailed
from casework.findings import report, service
from tests.factories import TZ, fire
from tests.findings.conftest import GOOD, SHORT, open_inspection, to_recording


@pytest.mark.parametrize(
    ("key", "first", "last"),
    [("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
     ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
     ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
     ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31))],
)  # fmt: skip
def test_periods(key, first, last):
    p = report.parse_period(key, date(2026, 12, 5))
    assert (p.first, p.last) == (first, last)


def test_default_period_is_this_quarter_and_bad_ones_are_refused():
    assert report.parse_period(None, date(2026, 5, 2)).key == "2026-Q2"
    for bad in ("2026-13", "2026-Q5", "12/2026", "1999-01"):
        with pytest.raises(ValidationFailed):
            report.parse_period(bad, date(2026, 12, 5))


def _close(session, officer, dossier, *, form, mode_violation):  # type: ignore[no-untyped-def]
    service.add_row(session, actor=officer, code=dossier.code, kind="packaged", form=form, tz=TZ)
    fire(session, officer, dossier, "sign_record")
    if mode_violation:
        service.save_handling(
            session, actor=officer, code=dossier.code,
            form={"decision_number": "05/QĐ-XPHC", "amount": "3.000.000",
                  "follow_up_on": "2027-01-10"},
        )  # fmt: skip
        fire(session, officer, dossier, "handle_violation", bien_phap_xu_ly="Xử phạt")
        fire(session, officer, dossier, "finish_violation_handling", bien_phap_xu_ly="Phạt tiền")
    else:
        fire(session, officer, dossier, "conclude_compliant")
    return fire(session, officer, dossier, "send_report", result_summary="Đã kiểm tra 1 cơ sở")


@pytest.fixture
def done(session, registry, officer):  # type: ignore[no-untyped-def]
    """Two real inspections of the commune finished today (one with a violation, fined) and a
    practice one, and one real still open."""
    a = to_recording(session, officer, open_inspection(session, registry, officer))
    _close(session, officer, a, form=SHORT, mode_violation=True)
    b = to_recording(session, officer, open_inspection(session, registry, officer))
    _close(session, officer, b, form=GOOD, mode_violation=False)
    from casework.dossiers import service as dossiers

    p = dossiers.open_dossier(
        session, actor=officer, procedure=registry.get("XA-DL-HDGS"), mode="practice",
        applicant=dossiers.Applicant(name="Cơ sở luyện tập", kind="organisation"), tz=TZ,
    )  # fmt: skip
    _close(session, officer, to_recording(session, officer, p), form=GOOD, mode_violation=False)
    open_inspection(session, registry, officer)
    return a, b


def test_the_department_sees_its_commune(session, registry, world, done):
    today = utcnow().astimezone(TZ).date()
    key = f"{today:%Y-%m}"
    root = report.report_root(session, world["hni.auditor"], None)
    r = report.build(session, root=root, period=report.parse_period(key, today),
                     registry=registry, tz=TZ)  # fmt: skip
    line = next(ln for ln in r.lines if ln.unit.id == world.commune.id)
    assert line.cells()[1:] == [2, 1, 1, 1, 3_000_000, 1, 0, 0]
    assert r.total.cells()[1:] == line.cells()[1:]
    ministry = report.build(session, root=world.ministry, period=report.parse_period(key, today),
                            registry=registry, tz=TZ)  # fmt: skip
    hni = next(ln for ln in ministry.lines if ln.unit.id == world.hni.id)
    assert hni.done == 2 and hni.fines == 3_000_000
    last_year = report.parse_period(f"{today.year - 1}-Q1", today)
    assert report.build(session, root=root, period=last_year, registry=registry,
                        tz=TZ).total.done == 0  # fmt: skip


def test_pages_and_exports(client, session, sign_in, world, officer, done):
    sign_in(officer)
    page = client.get("/findings/report")
    assert page.status_code == 200
    assert "Báo cáo kết quả kiểm tra" in page.text and world.commune.name in page.text
    assert "3.000.000 đ" in page.text
    assert 'href="/findings/report"' in client.get("/dossiers").text  # the nav link
    today = utcnow().astimezone(TZ).date()
    r = client.get(f"/findings/report.csv?period={today:%Y-%m}")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    commune = next(row for row in rows if row and row[0] == world.commune.name)
    assert commune[1:] == ["2", "1", "1", "1", "3000000", "1", "0", "0"]
    assert client.get("/findings/report.xlsx").status_code == 200
    assert client.get("/findings/report?period=2026-13").status_code == 422
    # a commune officer cannot look at another unit's report
    assert client.get(f"/findings/report?unit={world.hni.id}").status_code == 404
    sign_in(world["bo.mentor"])
    assert client.get("/findings/report").status_code == 403
    sign_in(world["bo.auditor"])
    page = client.get(f"/findings/report?unit={world.hni.id}&period={today:%Y-%m}")
    assert page.status_code == 200 and f"unit={world.commune.id}" in page.text
    assert client.get(f"/findings/report?unit={world.commune.id}").status_code == 200


def test_a_stopped_inspection_counts_as_stopped_not_done(session, registry, world, officer, done):
    """An inspection whose record was signed (with a violation) and which the leader then
    stopped: it is in «Đã dừng kiểm tra», and neither done, nor a violation, nor a fine."""
    stopped = to_recording(session, officer, open_inspection(session, registry, officer))
    service.add_row(session, actor=officer, code=stopped.code, kind="packaged", form=SHORT, tz=TZ)
    fire(session, officer, stopped, "sign_record")
    service.save_handling(session, actor=officer, code=stopped.code,
                          form={"decision_number": "07/QĐ-XPHC", "amount": "2.000.000"})  # fmt: skip
    fire(session, officer, stopped, "cancel_inspection", reason="Cơ sở đã ngừng kinh doanh")
    session.refresh(stopped)
    assert stopped.state == "cancelled" and stopped.data["ket_luan"] == "Có vi phạm"
    today = utcnow().astimezone(TZ).date()
    root = report.report_root(session, world["hni.auditor"], None)
    r = report.build(session, root=root, period=report.parse_period(f"{today:%Y-%m}", today),
                     registry=registry, tz=TZ)  # fmt: skip
    line = next(ln for ln in r.lines if ln.unit.id == world.commune.id)
    assert line.cells()[1:] == [2, 1, 1, 1, 3_000_000, 1, 0, 1]
    assert r.total.cancelled == 1 and r.total.done == 2
    assert report.HEADERS[-1] == "Đã dừng kiểm tra"
