"""The auditor's audit log and the integrity checks run from it, on both databases: filters and
scope, keyset paging, exports, a check started from the page (progress, result, its own sealed
record in a chain that `audit verify` checks too), and that a check writes no event."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, text
from sqlmodel import select

from casework.accounts import service as accounts
from casework.db import utcnow
from casework.dossiers import audit
from casework.dossiers.models import Dossier, Event
from casework.reports import audit_log
from casework.reports.models import AuditCheck
from tests.factories import TZ, fire, open_xray


def fresh(session):
    """Forget what the test session holds and end its snapshot: the app wrote meanwhile."""
    session.rollback()
    session.expire_all()


def event_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-event="(\d+)"', html)]


def ids_of(session, *dossiers) -> list[int]:
    """The event ids of the dossiers, newest first (what the log shows)."""
    ids = [d.id for d in dossiers]
    rows = session.exec(select(Event.id).where(Event.dossier_id.in_(ids))).all()  # type: ignore[union-attr]
    return sorted(rows, reverse=True)


def count_events(session) -> int:
    fresh(session)
    return int(session.exec(select(func.count()).select_from(Event)).one())


@pytest.fixture
def history(session, world, registry):  # type: ignore[no-untyped-def]
    """HNI: a real dossier (opened in January, accepted, a supplement requested by the handler)
    and a practice one; its commune: an inspection opened in February; KHA: a real dossier."""
    xray = registry.get("2.002131")
    january = datetime(2026, 1, 5, 9, 0, tzinfo=TZ)
    hni = open_xray(session, xray, world["hni.receiver"], received_at=january, now=january)
    fire(session, world["hni.receiver"], hni, "accept")
    fire(
        session, world["hni.handler"], hni, "request_supplement",
        reason="Thiếu số sê-ri", missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    practice = open_xray(session, xray, world["hni.receiver"], mode="practice")
    february = datetime(2026, 2, 10, 14, 0, tzinfo=TZ)
    commune = open_xray(
        session, registry.get("XA-DL-KTNN"), world["badinh.receiver"],
        received_at=february, now=february, name="Chợ Ba Đình",
    )  # fmt: skip
    kha = open_xray(session, xray, world["kha.receiver"], name="Bệnh viện Khánh Hòa")
    return {"hni": hni, "practice": practice, "commune": commune, "kha": kha}


@pytest.fixture
def kha_auditor(session, world):  # type: ignore[no-untyped-def]
    return accounts.create_user(
        session, username="kha.auditor", full_name="Kiểm tra viên Khánh Hòa", unit=world.kha,
        roles=["auditor"],
    )  # fmt: skip


# ---- the log --------------------------------------------------------------------------------


def test_auditor_sees_the_events_of_the_subtree_newest_first(
    client, session, world, history, sign_in
):
    sign_in(world["hni.auditor"])
    r = client.get("/audit")
    assert r.status_code == 200
    h = history
    assert event_ids(r.text) == ids_of(session, h["hni"], h["commune"])  # real ones by default
    assert h["hni"].code in r.text and h["commune"].code in r.text
    assert h["kha"].code not in r.text and h["practice"].code not in r.text
    assert "Cán bộ hni.handler" in r.text  # the actor's name
    assert "Yêu cầu bổ sung" in r.text  # what happened
    assert f'href="/dossiers/{h["hni"].code}?after=3#ev-3"' in r.text  # to its timeline

    both = client.get("/audit", params={"mode": "all"}).text
    assert event_ids(both) == ids_of(session, h["hni"], h["commune"], h["practice"])
    assert "LÀM THỬ" in both
    only = client.get("/audit", params={"mode": "practice"}).text
    assert event_ids(only) == ids_of(session, h["practice"])


def test_an_auditor_of_one_province_never_sees_another(
    client, session, world, history, kha_auditor, sign_in
):
    sign_in(kha_auditor)
    page = client.get("/audit", params={"mode": "all"}).text
    assert event_ids(page) == ids_of(session, history["kha"])
    assert history["hni"].code not in page
    # the ministry's auditor sees both provinces
    sign_in(world["bo.auditor"])
    page = client.get("/audit").text
    assert set(event_ids(page)) == set(
        ids_of(session, history["hni"], history["commune"], history["kha"])
    )


def test_others_get_403_and_a_foreign_unit_404(client, session, world, history, sign_in):
    token = sign_in(world["hni.receiver"])
    assert client.get("/audit").status_code == 403
    assert client.get("/audit/events.csv").status_code == 403
    assert client.get("/audit/checks").status_code == 403
    r = client.post("/audit/checks", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403
    assert session.exec(select(AuditCheck)).first() is None

    token = sign_in(world["hni.auditor"])
    assert client.get("/audit", params={"unit": world.kha.id}).status_code == 404
    assert client.get("/audit", params={"unit": world.ministry.id}).status_code == 404
    assert client.get("/audit/events.csv", params={"unit": world.kha.id}).status_code == 404
    r = client.post(
        "/audit/checks", data={"csrf_token": token, "unit": world.kha.id}, follow_redirects=False
    )
    assert r.status_code == 404
    # a check of another province is not found either
    other, _ = audit_log.start_check(session, user=world["bo.auditor"], unit=world.kha)
    assert client.get(f"/audit/checks/{other.id}").status_code == 404
    assert f"/audit/checks/{other.id}" not in client.get("/audit/checks").text


def test_each_filter_narrows_the_list(client, session, world, history, sign_in):
    sign_in(world["hni.auditor"])
    h = history

    def shown(**params):  # type: ignore[no-untyped-def]
        r = client.get("/audit", params=params)
        assert r.status_code == 200, r.text
        return event_ids(r.text)

    assert shown(unit=world.commune.id) == ids_of(session, h["commune"])
    assert shown(**{"from": "2026-01-01", "to": "2026-01-31"}) == [
        i for i in ids_of(session, h["hni"]) if session.get(Event, i).seq == 1
    ]
    assert shown(**{"from": "01/02/2026", "to": "28/02/2026"}) == ids_of(session, h["commune"])
    assert shown(code=h["commune"].code) == ids_of(session, h["commune"])  # exact
    assert shown(code="skhcn.hni-") == ids_of(session, h["hni"])  # prefix, any case
    assert shown(code="SKHCN.HNI-", mode="all") == ids_of(session, h["hni"])  # LT-… is not
    handler_only = [
        e.id for e in session.exec(select(Event).where(Event.actor_id == world["hni.handler"].id))
    ]
    assert shown(actor="can bo HNI.HANDLER") == handler_only  # accents and case optional
    assert shown(actor="Cán bộ hni.handler") == handler_only
    assert shown(actor="nobody-at-all") == []
    opened = [i for i in ids_of(session, h["hni"], h["commune"]) if session.get(Event, i).seq == 1]
    assert shown(kind="opened") == opened
    accepted = session.exec(select(Event.id).where(Event.action == "accept")).all()
    assert shown(action="accept") == list(accepted)
    assert shown(kind="comment") == []
    # filters combine, and keep their values in the form
    page = client.get("/audit", params={"unit": world.commune.id, "kind": "action"}).text
    assert event_ids(page) == []
    assert 'name="unit" type="text" value="HNI.BADINH"' in page  # the unit picker, by code
    by_code = client.get("/audit", params={"unit": "hni.badinh", "kind": "action"}).text
    assert event_ids(by_code) == []
    assert '<option value="action" selected>' in page


def test_a_bad_filter_value_is_explained_next_to_its_field(client, world, history, sign_in):
    sign_in(world["hni.auditor"])
    r = client.get("/audit", params={"from": "31/02/2026", "to": "hôm qua"})
    assert r.status_code == 422
    assert re.search(r'id="err-from">«31/02/2026» không phải là ngày hợp lệ', r.text)
    assert re.search(r'id="err-to">«hôm qua» không phải là ngày hợp lệ', r.text)
    assert 'aria-invalid="true"' in r.text
    assert event_ids(r.text) == []
    reversed_ = client.get("/audit", params={"from": "2026-03-01", "to": "2026-02-01"})
    assert reversed_.status_code == 422
    assert "Ngày kết thúc phải bằng hoặc sau ngày bắt đầu" in reversed_.text
    assert client.get("/audit", params={"kind": "xyz"}).status_code == 422
    r = client.get("/audit", params={"unit": "abc"})
    assert r.status_code == 422 and re.search(r'id="err-unit">Không có đơn vị nào mã «abc»', r.text)
    # htmx: only the results, with the field messages swapped out of band
    frag = client.get("/audit", params={"from": "31/02/2026"}, headers={"HX-Request": "true"})
    assert frag.status_code == 422
    assert "<html" not in frag.text and 'id="results"' in frag.text
    assert re.search(r'id="err-from" hx-swap-oob="true">«31/02/2026»', frag.text)
    ok = client.get("/audit", params={"from": "05/01/2026"}, headers={"HX-Request": "true"})
    assert ok.status_code == 200
    assert 'id="err-from" hx-swap-oob="true"></span>' in ok.text  # the old message goes away
    assert "<form" not in ok.text


def test_keyset_paging_over_more_than_one_page(client, session, world, registry, sign_in):
    xray = registry.get("2.002131")
    for i in range(26):
        d = open_xray(session, xray, world["hni.receiver"], name=f"Phòng khám số {i}")
        fire(session, world["hni.receiver"], d, "accept")
    total = ids_of(session, *session.exec(select(Dossier)).all())
    assert len(total) == 52
    sign_in(world["hni.auditor"])
    first = client.get("/audit").text
    assert event_ids(first) == total[:50]
    assert "Về đầu" not in first
    m = re.search(r'href="(/audit\?[^"]*before=(\d+)[^"]*)" hx-get', first)
    assert m, first
    assert int(m.group(2)) == total[49]
    second = client.get(m.group(1).replace("&amp;", "&")).text
    assert event_ids(second) == total[50:]
    assert "Trang sau" not in second and "Về đầu" in second
    # the service pages the same way at any size
    f = audit_log.LogFilter(unit=world.hni)
    seen, before = [], None
    while True:
        page = audit_log.list_events(session, f, tz=TZ, before=before, per_page=7)
        seen += [r.event.id for r in page.rows]
        if page.next_before is None:
            break
        before = page.next_before
    assert seen == total


def test_exports_have_vietnamese_headers_and_the_filtered_real_rows(
    client, session, world, history, sign_in
):
    sign_in(world["hni.auditor"])
    r = client.get("/audit/events.csv", params={"mode": "all"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == audit_log.EXPORT_HEADERS
    assert rows[0][:3] == ["Thời điểm", "Mã hồ sơ", "Mã thủ tục"]
    codes = [row[1] for row in rows[1:]]
    assert history["practice"].code not in codes  # practice never leaves the system
    assert sorted(codes) == sorted([history["hni"].code] * 3 + [history["commune"].code])
    assert rows[-1][1] == history["hni"].code and rows[-1][0] == "05/01/2026 09:00"
    assert client.get("/audit/events.csv", params={"mode": "practice"}).status_code == 422

    x = client.get("/audit/events.xlsx", params={"code": history["commune"].code})
    assert x.status_code == 200
    ws = load_workbook(io.BytesIO(x.content)).active
    values = [list(row) for row in ws.iter_rows(values_only=True)]
    header_at = next(i for i, row in enumerate(values) if row[0] == "Thời điểm")
    assert list(values[header_at]) == audit_log.EXPORT_HEADERS
    data = values[header_at + 1 :]
    assert [row[1] for row in data] == [history["commune"].code]
    assert data[0][0] == datetime(2026, 2, 10, 14, 0)  # local time, as an Excel date-time
    assert data[0][5] == "Cán bộ badinh.receiver"
    notes = " ".join(str(row[0]) for row in values[1:header_at])
    assert "hồ sơ làm thử không bao giờ được xuất" in notes and "50.000" in notes


def every_page(session, f, **kwargs):  # type: ignore[no-untyped-def]
    """Walk all the pages of a filter; (event ids, how many pages were partial)."""
    seen, before, partial = [], None, 0
    while True:
        page = audit_log.list_events(session, f, tz=TZ, before=before, **kwargs)
        seen += [r.event.id for r in page.rows]
        partial += page.partial
        if page.next_before is None:
            return seen, partial
        before = page.next_before


def test_every_plan_finds_the_same_rows(session, world, history, monkeypatch):
    """Sparse filters gather and sort; dense ones walk the ids by windows with a budget; date
    ranges walk the time. Each must list the same rows, whatever the page size."""
    every = [e.id for e in session.exec(select(Event).order_by(Event.id.desc()))]  # type: ignore[union-attr]
    real = ids_of(session, history["hni"], history["commune"], history["kha"])
    cases = [
        (audit_log.LogFilter(unit=world.ministry), real),
        (audit_log.LogFilter(unit=world.ministry, mode="all"), every),
        (audit_log.LogFilter(unit=world.hni), ids_of(session, history["hni"], history["commune"])),
        (audit_log.LogFilter(unit=world.ministry, kind="opened", mode="all"),
         [i for i in every if session.get(Event, i).seq == 1]),
        (audit_log.LogFilter(unit=world.ministry, actor="hni.handler"),
         [e.id for e in session.exec(select(Event).where(Event.actor_id == world["hni.handler"].id))]),
    ]  # fmt: skip
    for f, expected in cases:
        assert every_page(session, f)[0] == expected, f
        assert every_page(session, f, per_page=1)[0] == expected, f
        # a tiny budget: pages come back partial, and resuming still finds every row once
        found, partial = every_page(session, f, per_page=2, scan_window=1, scan_budget=2)
        assert found == expected, f
    monkeypatch.setattr(audit_log, "SPARSE_DOSSIERS", 0)  # never gather: walk instead
    monkeypatch.setattr(audit_log, "SPARSE_EVENTS", 0)
    for f, expected in cases:
        assert every_page(session, f, per_page=1)[0] == expected, f
    partial = every_page(
        session, audit_log.LogFilter(unit=world.ministry, kind="comment"), scan_window=1,
        scan_budget=2,
    )[1]  # fmt: skip
    assert partial > 0  # nothing matches, found out a budget at a time


def test_a_rare_filter_answers_a_bounded_page_and_resumes(
    client, session, world, history, sign_in, monkeypatch
):
    monkeypatch.setattr(audit_log, "SCAN_WINDOW", 1)
    monkeypatch.setattr(audit_log, "SCAN_BUDGET", 2)
    sign_in(world["bo.auditor"])
    r = client.get("/audit", params={"kind": "opened"})
    assert r.status_code == 200
    assert "chưa đủ một trang" in r.text and "Không có dòng nhật ký nào" not in r.text
    opened = [i for i in ids_of(session, history["hni"], history["commune"], history["kha"])
              if session.get(Event, i).seq == 1]  # fmt: skip
    found = event_ids(r.text)
    while "Trang sau" in r.text:
        href = re.search(r'href="(/audit\?[^"]*before=\d+[^"]*)" hx-get', r.text).group(1)
        r = client.get(href.replace("&amp;", "&"))
        found += event_ids(r.text)
    assert found == opened


def test_a_date_range_walks_the_time_newest_first(session, world, history):
    """Ministry-wide with dates: ordered by time (then id), paged below an event."""
    h = history
    f = audit_log.LogFilter(
        unit=world.ministry, mode="all", date_from=datetime(2026, 1, 1).date(),
        date_to=datetime(2026, 12, 31).date(),
    )  # fmt: skip
    events = session.exec(select(Event)).all()
    expected = [e.id for e in sorted(events, key=lambda e: (e.at, e.id), reverse=True)]
    assert every_page(session, f)[0] == expected
    assert every_page(session, f, per_page=1)[0] == expected
    assert expected[-2:] == ids_of(session, h["commune"]) + [
        e.id for e in events if e.dossier_id == h["hni"].id and e.seq == 1
    ]  # February, then January: by time, though their ids are newer
    january = audit_log.LogFilter(
        unit=world.ministry, date_from=datetime(2026, 1, 5).date(),
        date_to=datetime(2026, 1, 5).date(),
    )  # fmt: skip
    assert every_page(session, january)[0] == expected[-1:]


def test_an_export_stops_at_its_cap_and_says_so(session, world, history):
    f = audit_log.LogFilter(unit=world.hni)
    table = audit_log.export_table(session, f, tz=TZ, limit=2)
    assert len(table.rows) == 2
    assert any("ĐÃ CẮT ở 2 dòng" in note for note in table.notes)
    whole = audit_log.export_table(session, f, tz=TZ)
    assert len(whole.rows) == 4 and not any("ĐÃ CẮT" in n for n in whole.notes)


# ---- integrity checks ------------------------------------------------------------------------


def start(client, token, unit_id):  # type: ignore[no-untyped-def]
    r = client.post(
        "/audit/checks", data={"csrf_token": token, "unit": str(unit_id)}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return r.headers["location"]


def test_a_check_from_the_page_finishes_ok_and_writes_no_event(
    client, session, world, history, sign_in
):
    token = sign_in(world["hni.auditor"])
    before = count_events(session)
    versions = {d.code: d.version for d in session.exec(select(Dossier)).all()}
    assert client.post("/audit/checks", data={"unit": world.hni.id}).status_code == 403  # CSRF
    location = start(client, token, world.hni.id)
    assert re.fullmatch(r"/audit/checks/\d+", location)
    page = client.get(location).text
    assert "Toàn vẹn." in page
    assert "Đã kiểm tra 3 hồ sơ, 5 dòng nhật ký" in page  # HNI and its commune, both modes
    assert 'hx-trigger="every 1s"' not in page
    assert count_events(session) == before
    assert {d.code: d.version for d in session.exec(select(Dossier)).all()} == versions
    check = session.get(AuditCheck, int(location.rsplit("/", 1)[1]))
    assert (check.status, check.dossiers_total, check.dossiers_done, check.events) == (
        "ok", 3, 3, 5,
    )  # fmt: skip
    assert check.started_by_id == world["hni.auditor"].id and check.finished_at
    assert check.hash == audit.check_hash(check) and check.prev_hash == ""
    listing = client.get("/audit/checks").text
    assert f'href="/audit/checks/{check.id}"' in listing
    assert "Cán bộ hni.auditor" in listing and "Toàn vẹn" in listing
    # the next check chains to this one, and the whole chain verifies
    second_id = int(start(client, token, world.commune.id).rsplit("/", 1)[1])
    fresh(session)
    second = session.get(AuditCheck, second_id)
    assert second.prev_hash == check.hash and second.dossiers_done == 1
    report = audit.verify(session)
    assert report.ok and report.checks == 2


def test_a_tampered_event_is_reported_with_its_dossier(client, session, world, history, sign_in):
    d = history["hni"]
    cast = "CAST(:p AS jsonb)" if session.get_bind().dialect.name == "postgresql" else ":p"
    for target in (d, history["kha"]):  # an insider edits a row in each province
        session.exec(
            text(f"UPDATE event SET payload = {cast} WHERE dossier_id = :d AND seq = 1").bindparams(
                p='{"label": "Mở hồ sơ"}', d=target.id
            )
        )
    session.commit()
    token = sign_in(world["hni.auditor"])
    page = client.get(start(client, token, world.hni.id)).text
    assert f'<a href="/dossiers/{d.code}">{d.code}</a>' in page
    assert f'href="/dossiers/{d.code}#ev-1"' in page
    assert "bị sửa" in page
    assert history["kha"].code not in page  # another province's problem is not ours
    fresh(session)
    check = session.exec(select(AuditCheck)).one()
    assert check.status == "problems"
    # the broken link, then what the edited opening event no longer says of the dossier row
    assert check.problems[0] == {
        "code": d.code, "seq": 1, "problem": "nội dung đã bị sửa sau khi ghi (mã băm sai)"
    }  # fmt: skip
    applicant = next(p for p in check.problems if p.get("column") == "applicant_name")
    assert applicant["code"] == d.code and applicant["expected"] == "(trống)"
    listed = [p for p in check.problems if "problem" in p]  # not the checkpoint's entry
    assert f"Phát hiện {len(listed)} lỗi toàn vẹn." in page
    assert "<code>applicant_name</code>" in page


def test_a_tampered_check_record_is_caught_by_audit_verify(
    client, session, world, history, sign_in, engine, monkeypatch
):
    token = sign_in(world["hni.auditor"])
    first = int(start(client, token, world.hni.id).rsplit("/", 1)[1])
    second = int(start(client, token, world.commune.id).rsplit("/", 1)[1])
    assert audit.verify(session).ok
    # someone makes the first check look bigger than it was
    session.exec(text("UPDATE audit_check SET events = 99 WHERE id = :i").bindparams(i=first))
    session.commit()
    report = audit.verify(session)
    assert [(p.check_id, p.problem) for p in report.problems] == [  # type: ignore[union-attr]
        (first, "nội dung đã bị sửa sau khi ghi (mã băm sai)")
    ]
    assert str(report.problems[0]).startswith(f"Lần kiểm tra toàn vẹn #{first}:")
    # …and recomputes its hash too: the link from the next check breaks
    session.exec(
        text("UPDATE audit_check SET hash = :h WHERE id = :i").bindparams(h="0" * 64, i=first)
    )
    session.commit()
    report = audit.verify(session)
    assert [p.check_id for p in report.problems] == [first, second]  # type: ignore[union-attr]
    assert "không khớp mã băm của lần kiểm tra trước" in str(report.problems[1])
    # a check of the commune only reports on its own records
    assert audit.verify(session, unit=world.commune).problems[0].check_id == second  # type: ignore[union-attr]
    # the CLI reports it with a non-zero exit
    from typer.testing import CliRunner

    from casework import cli

    monkeypatch.setattr(cli, "_engine", lambda: engine)
    out = CliRunner().invoke(cli.app, ["audit", "verify"])
    assert out.exit_code == 1
    assert f"LỖI Lần kiểm tra toàn vẹn #{first}" in out.output


def test_the_progress_fragment_polls_only_while_running(
    client, session, world, history, sign_in, engine
):
    token = sign_in(world["hni.auditor"])
    check, created = audit_log.start_check(session, user=world["hni.auditor"], unit=world.hni)
    assert created
    htmx = {"HX-Request": "true"}
    running = client.get(f"/audit/checks/{check.id}", headers=htmx).text
    assert "<html" not in running
    assert 'hx-trigger="every 1s"' in running and "<progress" in running
    assert "Đã kiểm tra 0/3 hồ sơ" in running
    # a second click while it runs leads to the same check
    r = client.post(
        "/audit/checks", data={"csrf_token": token, "unit": world.hni.id}, follow_redirects=False
    )
    assert r.headers["location"] == f"/audit/checks/{check.id}?already=1"
    assert "đang có một lần kiểm tra chạy" in client.get(r.headers["location"]).text
    fresh(session)
    assert len(session.exec(select(AuditCheck)).all()) == 1
    audit_log.run_check(engine, check.id)
    done = client.get(f"/audit/checks/{check.id}", headers=htmx).text
    assert 'hx-trigger="every 1s"' not in done and "hx-get" not in done
    assert "Toàn vẹn." in done


def test_a_check_cut_off_is_shown_interrupted_and_closed_by_the_next(
    client, session, world, history, sign_in
):
    token = sign_in(world["hni.auditor"])
    old, _ = audit_log.start_check(
        session, user=world["hni.auditor"], unit=world.hni, now=utcnow() - timedelta(hours=2)
    )
    page = client.get(f"/audit/checks/{old.id}").text
    assert "Bị gián đoạn" in page and 'hx-trigger="every 1s"' not in page
    new_id = int(start(client, token, world.hni.id).rsplit("/", 1)[1])
    assert new_id != old.id
    fresh(session)
    old = session.get(AuditCheck, old.id)
    assert old.status == "failed" and old.hash == audit.check_hash(old)
    assert "Bị gián đoạn" in old.problems[0]["error"]
    assert session.get(AuditCheck, new_id).status == "ok"
    assert audit.verify(session).ok


def test_a_check_that_crashes_is_marked_failed(
    client, session, world, history, sign_in, monkeypatch
):
    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("mất kết nối cơ sở dữ liệu")

    monkeypatch.setattr(audit_log.audit, "verify", boom)
    token = sign_in(world["hni.auditor"])
    location = start(client, token, world.hni.id)
    page = client.get(location)
    assert page.status_code == 200
    assert "Không chạy xong" in page.text and "mất kết nối cơ sở dữ liệu" in page.text
    fresh(session)
    check = session.exec(select(AuditCheck)).one()
    assert check.status == "failed" and check.hash == audit.check_hash(check)


def test_the_pages_render_in_english(client, session, world, history, sign_in):
    token = sign_in(world["hni.auditor"])
    location = start(client, token, world.hni.id)
    client.cookies.set("lang", "en")
    for url, heading in [
        ("/audit", "Dossier log"),
        ("/audit/checks", "Integrity checks"),
        (location, "Integrity check #"),
    ]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:300])
        assert '<html lang="en">' in r.text and heading in r.text, url
        assert "Log out" in r.text
    assert "Intact." in client.get(location).text
