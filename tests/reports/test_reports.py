"""Report figures against hand-computed expectations (DESIGN §5, docs/reports.md).

One month (March 2026) of the X-ray declaration procedure (2.002131: 5 working days, office hours
08–12 and 13–17, so a working day is 8 hours) at Sở KH&CN Hà Nội, built through the real
services with chosen instants. Every dossier below is received on a working day before the
15:00 cut-off, so counting starts the next working day.

  A  received Mon 02/03 09:00, result Wed 04/03 10:00      due 17:00 Mon 09/03  early   1.25 wd
  B  received Mon 02/03 09:00, result Mon 09/03 10:00      due 17:00 Mon 09/03  on time 4.25
  C  received Mon 02/03 09:00, accepted a day late (Tue 03/03 09:00), result Tue 10/03 10:00
                                                           due 17:00 Mon 09/03  late    5.25
  D  one supplement request: paused Tue 03/03 09:00 → Thu 05/03 09:00 = 16 working hours
     = 2 working days, so due 17:00 Wed 11/03; result Wed 11/03 10:00           on time 4.25
  E  two supplement requests (1 h each), result Wed 04/03 10:00, due 10:00 Tue 10/03: early
     by the clock but late by Decision 766 (more than one request)               late    1.00
  F  apology and extension (new appointment Fri 13/03), result Tue 10/03 10:00: the legal due
     (Mon 09/03) stays for the statistics                                         late    5.25
  G  refused at reception Mon 02/03 10:00: finished, no result (status 3)        early   —
  I  received Mon 02/03, still open: overdue now
  K  received Mon 16/03, supplement requested Tue 17/03: open and paused
  J  received now (not in March): open, on track
  P  a practice dossier finished late in March: counted nowhere
  X  a dossier of Sở KH&CN Khánh Hòa: outside Hà Nội's subtree

March figures for Hà Nội: received 9 (A–G, I, K), finished 7, early 2 (A, G), on time 2 (B, D),
late 3 (C, E, F), on-time rate 4/7 = 57.1 %, resolved 6, average (1.25 + 4.25 + 5.25 + 4.25 +
1.00 + 5.25) / 6 = 3.54 working days, median 4.25 → 4.3 (bins of 0.1, halves up), supplement
requests 1 + 2 + 1 (K, still open, not counted until it finishes) → 3, extensions 1.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from casework.clock import default_calendar
from casework.dossiers import service
from casework.dossiers.attachments import Upload
from casework.dossiers.models import Channel, Dossier
from casework.reports import indicators, queries, stats, step_queries
from casework.reports.models import StatDossier, StatElapsed, StatStep
from casework.reports.queries import Period, Scope
from tests.factories import TZ

PDF = b"%PDF-1.4\n% test\n"
CAL = default_calendar()


def at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=TZ)


class Builder:
    def __init__(self, session: Session, world, procedure, tmp_path) -> None:
        self.session, self.world, self.p, self.tmp = session, world, procedure, tmp_path

    def open(self, received: datetime, *, unit: str = "hni", mode: str = "real",
             channel: str = Channel.in_person, upload: bool = False) -> Dossier:  # fmt: skip
        uploads = [Upload("phieu_khai_bao", "phieu.pdf", PDF)] if upload else []
        return service.open_dossier(
            self.session,
            actor=self.world[f"{unit}.receiver"],
            procedure=self.p,
            applicant=service.Applicant(name="Bệnh viện Thử", kind="organisation"),
            mode=mode,
            channel=channel,
            received_at=received,
            now=received,
            tz=TZ,
            uploads=uploads,
            upload_dir=self.tmp,
        )

    def act(self, d: Dossier, who: str, action: str, when: datetime, **data) -> Dossier:
        return service.fire_action(
            self.session, actor=self.world[who], code=d.code, action=action, data=data,
            tz=TZ, now=when,
        )  # fmt: skip

    def result(self, d: Dossier, when: datetime, rating: str | None = None) -> None:
        self.act(d, "hni.handler", "submit_for_signing", when,
                 ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="01 máy")  # fmt: skip
        self.act(d, "hni.leader", "sign", when, decision_number="1/XN")
        extra = {"satisfaction": rating} if rating else {}
        self.act(d, "hni.receiver", "return_result", when, **extra)


@pytest.fixture
def month(session, world, registry, tmp_path):
    b = Builder(session, world, registry.get("2.002131"), tmp_path)
    ds = {}
    ds["A"] = a = b.open(at(2, 9), channel=Channel.online, upload=True)
    b.act(a, "hni.receiver", "accept", at(2, 9))
    b.result(a, at(4, 10), rating="Hài lòng")
    ds["B"] = d = b.open(at(2, 9), upload=True)
    b.act(d, "hni.receiver", "accept", at(2, 9))
    b.result(d, at(9, 10), rating="Không hài lòng")
    ds["C"] = d = b.open(at(2, 9), channel=Channel.online)
    b.act(d, "hni.receiver", "accept", at(3, 9))
    b.result(d, at(10, 10), rating="Bình thường")
    ds["D"] = d = b.open(at(2, 9))
    b.act(d, "hni.receiver", "accept", at(2, 9))
    b.act(d, "hni.handler", "request_supplement", at(3, 9), reason="Thiếu", missing_documents=["phieu_khai_bao"])  # fmt: skip
    b.act(d, "hni.receiver", "receive_supplement", at(5, 9))
    b.result(d, at(11, 10))
    ds["E"] = d = b.open(at(2, 9))
    b.act(d, "hni.receiver", "accept", at(2, 9))
    for start in (9, 11):
        b.act(d, "hni.handler", "request_supplement", at(3, start), reason="Thiếu", missing_documents=["phieu_khai_bao"])  # fmt: skip
        b.act(d, "hni.receiver", "receive_supplement", at(3, start + 1))
    b.result(d, at(4, 10))
    ds["F"] = d = b.open(at(2, 9))
    b.act(d, "hni.receiver", "accept", at(2, 9))
    b.act(d, "hni.handler", "extend", at(6, 9), reason="Cần xác minh", new_appointment="2026-03-13T17:00")  # fmt: skip
    b.result(d, at(10, 10))
    ds["G"] = d = b.open(at(2, 9))
    b.act(d, "hni.receiver", "refuse_reception", at(2, 10), reason="Không thuộc thẩm quyền")
    ds["I"] = d = b.open(at(2, 9))
    b.act(d, "hni.receiver", "accept", at(2, 9))
    ds["K"] = d = b.open(at(16, 9))
    b.act(d, "hni.receiver", "accept", at(16, 9))
    b.act(d, "hni.handler", "request_supplement", at(17, 9), reason="Thiếu", missing_documents=["phieu_khai_bao"])  # fmt: skip
    ds["J"] = b.open(datetime.now(TZ))
    ds["P"] = d = b.open(at(2, 9), mode="practice")
    b.act(d, "hni.receiver", "accept", at(2, 9))
    b.result(d, at(20, 10))
    ds["X"] = d = b.open(at(2, 9), unit="kha")
    return ds


def scope(world, unit="hni", first=date(2026, 3, 1), last=date(2026, 3, 1)) -> Scope:
    return Scope(getattr(world, unit), Period(first, last))


def test_clock_columns_are_the_hand_computed_ones(session, month):
    # F is "result ready" (status 9), the first of the end statuses (DESIGN §5)
    got = {
        k: (d.result_bucket, d.elapsed, d.end_status) for k, d in month.items() if k in "ABCDEFG"
    }
    assert got == {
        "A": ("early", 1.25, 9),
        "B": ("on_time", 4.25, 9),
        "C": ("late", 5.25, 9),
        "D": ("on_time", 4.25, 9),
        "E": ("late", 1.0, 9),
        "F": ("late", 5.25, 9),
        "G": ("early", None, 3),
    }
    assert month["D"].due_at == at(11, 17)
    assert month["E"].due_at == at(10, 10)
    assert month["F"].due_at == at(9, 17) and month["F"].appointment_at == at(13, 17)
    assert (month["A"].digitised, month["B"].digitised, month["C"].digitised) == (True, True, False)
    assert (month["A"].satisfaction, month["B"].satisfaction, month["C"].satisfaction) == (1, -1, 0)


def test_timeliness_by_procedure(session, world, registry, month):
    rows, total = queries.timeliness(
        session, scope(world), registry, group="procedure", now=datetime.now(TZ), cal=CAL
    )
    assert [r.key for r in rows] == ["2.002131"]
    r = rows[0]
    assert (r.received, r.finished, r.early, r.on_time, r.late, r.resolved) == (9, 7, 2, 2, 3, 6)
    assert round(r.on_time_rate, 1) == 57.1
    assert round(r.average, 2) == 3.54 and r.unit_label == "ngày làm việc" and r.limit == 5
    assert r.median == 4.3
    assert (r.supplement_requests, r.extensions) == (3, 1)
    assert (r.online, r.digitised, r.rated, r.satisfied, r.dissatisfied) == (2, 2, 3, 1, 1)
    # in progress at the end of March: I overdue, K paused (stopped before its due)
    assert (r.carried, r.to_handle, r.in_progress, r.open) == (0, 9, 2, 2)
    assert (r.overdue, r.paused, r.due_soon, r.on_track, r.not_started) == (1, 1, 0, 0, 0)
    assert total.received == 9 and total.late == 3


def test_a_period_reaching_today_counts_the_dossiers_in_progress_now(
    session, world, registry, month
):
    # March to this month: J (received now) is in it too, and in progress now, on track
    now = datetime.now(TZ)
    upto_now = scope(world, last=date(now.year, now.month, 1))
    rows, total = queries.timeliness(
        session, upto_now, registry, group="procedure", now=now, cal=CAL
    )
    assert (total.to_handle, total.finished, total.in_progress) == (10, 7, 3)
    assert (total.overdue, total.paused, total.on_track, total.not_started) == (1, 1, 1, 0)


def test_due_soon_is_one_working_day_or_less(session, world, registry, month):
    # at 10:00 Mon 09/03 dossier I (due 17:00 that day) has 6 working hours left: due soon
    rows, _ = queries.timeliness(
        session, scope(world), registry, group="procedure", now=at(9, 10), cal=CAL
    )
    assert (rows[0].overdue, rows[0].due_soon) == (0, 1)


def test_practice_and_other_provinces_are_not_counted(session, world, registry, month):
    _, total = queries.timeliness(
        session,
        scope(world, "ministry"),
        registry,
        group="procedure",
        now=datetime.now(TZ),
        cal=CAL,
    )
    assert total.received == 10  # the 9 of Hà Nội + X of Khánh Hòa; never P
    assert session.exec(select(StatDossier)).all()  # the counters exist
    march = select(StatDossier).where(StatDossier.month == date(2026, 3, 1))
    assert sum(s.received for s in session.exec(march)) == 10


def test_timeliness_by_unit_rolls_communes_up(session, world, registry, month):
    rows, total = queries.timeliness(
        session, scope(world, "ministry"), registry, group="unit", now=datetime.now(TZ), cal=CAL
    )
    by_code = {r.key: r for r in rows}
    assert by_code["SKHCN.HNI"].received == 9 and by_code["SKHCN.KHA"].received == 1
    assert total.received == 10


def test_a_period_without_march_has_nothing_finished(session, world, registry, month):
    april = scope(world, first=date(2026, 4, 1), last=date(2026, 4, 1))
    rows, total = queries.timeliness(
        session, april, registry, group="procedure", now=datetime.now(TZ), cal=CAL
    )
    assert (total.received, total.finished) == (0, 0)
    # I and K, received in March, are carried over into April and still in progress at its end
    assert (total.carried, total.in_progress, total.open) == (2, 2, 2)


def test_steps_report(session, world, registry, month):
    rows, total = step_queries.steps(session, scope(world), registry, group="step")
    received = next(r for r in rows if r.key == ("2.002131", "received"))
    # every dossier but J left "received" in March: accepted or refused; C a day late
    # (due 14:00 Mon 02/03 after 0.5 working day; left 09:00 Tue 03/03 = 4 working hours late)
    assert (received.n, received.allotted, received.on_time, received.late) == (9, 9, 8, 1)
    # C: 0.5 + 0.5 late; G refused an hour after opening: 0.125, stored as 0.12; the others 0
    assert received.spent_sum == pytest.approx(1.12)
    officers, officer_total = step_queries.steps(session, scope(world), registry, group="officer")
    names = {r.label: r for r in officers}
    assert names["Cán bộ hni.receiver"].late >= 1
    assert officers[0].late == max(r.late for r in officers)  # most late steps first
    assert (officer_total.n, officer_total.late) == (total.n, total.late)
    top, top_total = step_queries.steps(session, scope(world), registry, group="officer", limit=1)
    assert len(top) == 1 and top_total.n == total.n  # the total counts every officer


def test_indicators_show_formula_and_inputs(session, world, registry, month):
    rows, total = queries.timeliness(
        session, scope(world), registry, group="procedure", now=datetime.now(TZ), cal=CAL
    )
    found = {i.code: i for i in indicators.compute(total, rows, current=False)}
    assert found["2.1"].value == 57.1
    assert found["3.3"].value == round(100 * 2 / 9, 1)
    assert found["4.2"].value == round(100 * 2 / 9, 1)
    # 5.4: 100 − (late 3/7 = 42.9 %) − (not satisfied 1/3 = 33.3 %)
    assert found["5.4"].value == round(100 - 42.9 - 33.3, 1)
    assert "2.002131" not in found["2.2"].inputs[0][0]
    assert found["2.2"].inputs[0][1] == "3,5 / hạn 5"
    current = {i.code: i for i in indicators.compute(total, rows, current=True)}
    # the current period adds the dossiers in progress (here at the end of March):
    # (4 + K paused, not overdue) / (7 + I + K)
    assert current["2.1"].value == round(100 * 5 / 9, 1)


def test_counters_equal_a_rebuild(session, month):
    def snapshot():
        return [
            sorted(tuple(r.model_dump().items()) for r in session.exec(select(m)))
            for m in (StatDossier, StatElapsed, StatStep)
        ]

    before = snapshot()
    stats.rebuild(session)
    session.commit()
    assert snapshot() == before


# ---- pages ----------------------------------------------------------------------------------------


def test_auditor_pages_and_exports(client, world, sign_in, month):
    sign_in(world["hni.auditor"])
    page = client.get("/reports/timeliness?from=2026-03&to=2026-03")
    assert page.status_code == 200
    assert "57,1" in page.text and "3,5 ngày làm việc" in page.text and "<svg" in page.text
    drill = client.get("/reports/dossiers?from=2026-03&to=2026-03&kind=late")
    assert all(month[k].code in drill.text for k in "CEF")
    assert month["A"].code not in drill.text and month["P"].code not in drill.text
    xlsx = client.get("/reports/timeliness.xlsx?from=2026-03&to=2026-03")
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(v for v in values if v[0] == "Mã")
    assert "Trễ hạn" in header and "Tỉ lệ trước hạn và đúng hạn (%)" in header
    data = next(v for v in values if v[0] == "2.002131")
    # to handle (carried over + received), finished (early, on time, late)
    assert data[2:9] == [9, 0, 9, 7, 2, 2, 3]
    csv = client.get("/reports/dossiers.csv?from=2026-03&to=2026-03&kind=late").content
    text = csv.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Mã hồ sơ,Thủ tục")
    assert len(text.splitlines()) == 4  # header + C, E, F
    for name in ("steps", "indicators"):
        assert client.get(f"/reports/{name}?from=2026-03&to=2026-03").status_code == 200
        assert client.get(f"/reports/{name}.csv?from=2026-03&to=2026-03").status_code == 200


def test_htmx_gets_only_the_report_block(client, world, sign_in, month):
    sign_in(world["hni.auditor"])
    r = client.get("/reports/steps?from=2026-03&to=2026-03", headers={"HX-Request": "true"})
    assert r.text.lstrip().startswith('<section id="report"')


def test_bad_filters_are_named_and_kept(client, world, sign_in, month):
    sign_in(world["hni.auditor"])
    r = client.get("/reports/timeliness?from=2026-13&to=2026-01&procedure=9.999")
    assert r.status_code == 422
    assert "Tháng bắt đầu phải có dạng" in r.text and "Không có thủ tục mã 9.999" in r.text
    assert 'value="2026-13"' in r.text  # what was typed stays in the field
    r = client.get("/reports/timeliness?from=2026-05&to=2026-03")
    assert "Tháng kết thúc phải bằng hoặc sau tháng bắt đầu" in r.text


def test_only_auditors_and_admins_and_only_their_subtree(client, world, sign_in, month):
    sign_in(world["hni.receiver"])
    assert client.get("/reports/timeliness").status_code == 403
    assert client.get("/reports/timeliness.csv").status_code == 403
    sign_in(world["hni.auditor"])
    assert client.get(f"/reports/timeliness?unit={world.kha.id}").status_code == 404
    assert client.get(f"/reports/dossiers.csv?unit={world.kha.id}").status_code == 404
    listed = client.get("/reports/dossiers?from=2026-03&to=2026-03&kind=received").text
    assert month["X"].code not in listed
    sign_in(world["bo.auditor"])
    listed = client.get(f"/reports/dossiers?unit={world.kha.id}&from=2026-03&to=2026-03").text
    assert month["X"].code in listed


def test_auditors_never_write(client, world, sign_in, month, session):
    token = sign_in(world["hni.auditor"])
    before = month["I"].version
    r = client.post(
        f"/dossiers/{month['I'].code}/actions/request_supplement",
        data={"csrf_token": token, "reason": "x", "missing_documents": "phieu_khai_bao"},
    )
    assert r.status_code in (403, 404)
    session.expire_all()
    assert session.get(Dossier, month["I"].id).version == before


def test_the_hand_over_form_asks_for_the_rating(
    client, world, sign_in, session, registry, tmp_path
):
    b = Builder(session, world, registry.get("2.002131"), tmp_path)
    d = b.open(at(2, 9))
    b.act(d, "hni.receiver", "accept", at(2, 9))
    b.act(d, "hni.handler", "submit_for_signing", at(3, 9),
          ket_qua_tham_dinh="Đủ điều kiện xác nhận khai báo", result_summary="01 máy")  # fmt: skip
    b.act(d, "hni.leader", "sign", at(3, 10), decision_number="1/XN")
    token = sign_in(world["hni.receiver"])
    page = client.get(f"/dossiers/{d.code}").text
    form = page.split('id="action-return_result"', 1)[1].split("</form>", 1)[0]
    assert 'name="satisfaction"' in form and "Không hài lòng" in form
    r = client.post(
        f"/dossiers/{d.code}/actions/return_result",
        data={"csrf_token": token, "satisfaction": "Rất tốt"},
    )
    assert r.status_code == 422 and "phải là một trong" in r.text
    r = client.post(
        f"/dossiers/{d.code}/actions/return_result",
        data={"csrf_token": token, "satisfaction": "Không hài lòng"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    session.expire_all()
    assert session.get(Dossier, d.id).satisfaction == -1
    row = session.exec(select(StatDossier).where(StatDossier.month == date(2026, 3, 1))).one()
    assert (row.rated, row.dissatisfied) == (0, 0)  # returned today, not in March
    today = stats.month_of(datetime.now(TZ))
    row = session.exec(select(StatDossier).where(StatDossier.month == today)).one()
    assert (row.rated, row.dissatisfied) == (1, 1)


def test_procedure_filter_takes_one_or_several(client, world, sign_in, registry, session, month):
    other = next(p.code for p in registry.all() if p.code != "2.002131")
    only_other = Scope(world.hni, Period(date(2026, 3, 1), date(2026, 3, 1)), [other])
    _, total = queries.timeliness(
        session, only_other, registry, group="procedure", now=datetime.now(TZ), cal=CAL
    )
    assert (total.received, total.in_progress, total.open) == (0, 0, 0)
    sign_in(world["hni.auditor"])
    both = client.get(
        f"/reports/timeliness.csv?from=2026-03&to=2026-03&procedure=2.002131&procedure={other}"
    )
    lines = both.content.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("2.002131,") and lines[-1].startswith(",Tổng cộng,9,0,9,7")


def test_odd_numbers_in_the_address_are_not_errors(client, world, sign_in, month):
    sign_in(world["hni.auditor"])
    assert client.get("/reports/timeliness?unit=99999999999999999999").status_code == 200
    assert client.get("/reports/dossiers?page=99999999999999999999").status_code == 200
    assert client.get("/reports/nothing").status_code == 404
    assert client.get("/reports/timeliness.pdf").status_code == 404


def test_exports_are_in_vietnam_time_and_averages_keep_a_decimal(client, world, sign_in, month):
    sign_in(world["hni.auditor"])
    xlsx = client.get("/reports/timeliness.xlsx?from=2026-03&to=2026-03")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    notes = " ".join(str(v[0]) for v in values[:6])
    assert "UTC" not in notes and "giờ Việt Nam" in notes
    made = next(v[0] for v in values if str(v[0]).startswith("Lập lúc"))
    stamp = datetime.strptime(made.split("Lập lúc ")[1][:16], "%d/%m/%Y %H:%M")
    assert abs(stamp - datetime.now(TZ).replace(tzinfo=None)).total_seconds() < 300
    header = next(v for v in values if v[0] == "Mã")
    average, median = header.index("Thời gian trung bình"), header.index("Thời gian trung vị")
    row = next(r for r in sheet.iter_rows() if r[0].value == "2.002131")
    assert row[average].value == 3.54 and row[average].number_format == "0.0"
    assert row[median].value == 4.3 and row[median].number_format == "0.0"
    # the dossiers' instants: local time of Hà Nội (A received 09:00, ended 10:00 on 04/03)
    drill = client.get("/reports/dossiers.xlsx?from=2026-03&to=2026-03&kind=early")
    sheet = load_workbook(io.BytesIO(drill.content)).active
    a = next(r for r in sheet.iter_rows() if r[0].value == month["A"].code)
    assert a[4].value == datetime(2026, 3, 2, 9, 0) and a[4].number_format == "dd/mm/yyyy hh:mm"
    assert a[6].value == datetime(2026, 3, 4, 10, 0)
    csv = client.get("/reports/dossiers.csv?from=2026-03&to=2026-03&kind=early").text
    assert "02/03/2026 09:00" in csv and "(giờ Việt Nam)" in csv


def test_page_averages_have_one_decimal_with_a_comma(client, world, sign_in, month):
    sign_in(world["hni.auditor"])
    page = client.get("/reports/timeliness?from=2026-03&to=2026-03").text
    assert "3,5 ngày làm việc" in page and "4,3 ngày làm việc" in page  # average, median
    assert "57,1" in page and "3.54" not in page


def test_durations_keep_what_would_round_to_nothing():
    from casework.reports.tables import decimal, duration

    assert decimal(2.5) == "2,5" and decimal(None) == ""
    assert duration(2.54, "ngày làm việc") == "2,5 ngày làm việc"
    assert duration(0.02, "ngày làm việc") == "0,0 ngày làm việc (≈ 0,2 giờ làm việc)"
    assert duration(3.25, "giờ làm việc") == "3,2 giờ làm việc"
