"""The mentor's queue on both databases: submitted runs by default, filters (unit as text,
procedure, trainee, waiting time on the unit's calendar), paging, cards (trainee, unit, scenario,
score, waiting time), the bulk pass (each run its own verdict or its own reason), the reminders in
the notifications, and the page with htmx."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from casework.accounts import service as accounts
from casework.dossiers import audit
from casework.dossiers.clockwork import CalendarSource
from casework.dossiers.models import CalendarOverride
from casework.errors import PermissionDenied, ValidationFailed
from casework.notifications import service as notifications
from casework.reviews import queue, service, submissions
from casework.reviews.models import MentorAssignment
from casework.scenarios import service as scenarios
from tests.factories import TZ, fire, open_xray
from tests.reviews.test_reviews import events, practice_at_signing
from tests.statements import counted

FRIDAY_1600 = datetime(2026, 11, 27, 16, 0, tzinfo=TZ)
TUESDAY_1600 = datetime(2026, 12, 1, 16, 0, tzinfo=TZ)  # exactly 2 working days later
TUESDAY_1601 = datetime(2026, 12, 1, 16, 1, tzinfo=TZ)


def finished(session, xray, world):
    """A practice x-ray declaration done to the end (returned to the applicant)."""
    d = practice_at_signing(session, xray, world)
    fire(session, world["hni.leader"], d.code, "sign", decision_number="1/GXN")
    fire(session, world["hni.receiver"], d.code, "return_result")
    return d


def codes(session, mentor, now=None, **filters):
    found, _ = queue.review_queue(
        session, user=mentor, filters=queue.Filters(**filters), calendars=CalendarSource(),
        now=now,
    )  # fmt: skip
    return [d.code for d in found.items]


@pytest.fixture
def spread(session, world, registry, xray, assigned):
    """Runs of two units (Hà Nội; Ba Đình below it), two procedures, two trainees, submitted
    Friday 27/11/2026 16:00; and one of Hà Nội never submitted."""
    commune_procedure = next(p for p in registry.all() if p.level == "commune")
    hni = practice_at_signing(session, xray, world)
    badinh = open_xray(session, commune_procedure, world["badinh.receiver"], mode="practice")
    other = open_xray(session, xray, world["hni.receiver2"], mode="practice", name="Cơ sở B")
    quiet = open_xray(session, xray, world["hni.receiver"], mode="practice", name="Chưa nộp")
    for who, d in (("hni.handler", hni), ("badinh.receiver", badinh), ("hni.receiver2", other)):
        submissions.submit(session, actor=world[who], code=d.code, now=FRIDAY_1600)
    return {
        "hni": hni,
        "badinh": badinh,
        "other": other,
        "quiet": quiet,
        "commune": commune_procedure,
    }


def test_submitted_runs_by_default_and_the_filters(session, world, spread):
    mentor = world["bo.mentor"]
    s = spread
    submitted = {s["hni"].code, s["badinh"].code, s["other"].code}
    assert set(codes(session, mentor)) == submitted
    assert set(codes(session, mentor, status="pending")) == submitted | {s["quiet"].code}
    # the unit as text: accents and case ignored, code or name
    assert codes(session, mentor, unit="ba dinh") == [s["badinh"].code]
    assert codes(session, mentor, unit="HNI.BADINH") == [s["badinh"].code]
    # a unit's code (what the unit picker sends): that unit and the units below it
    assert set(codes(session, mentor, unit="skhcn.hni")) == submitted
    assert set(codes(session, mentor, unit="Hà Nội")) == {s["hni"].code, s["other"].code}
    assert codes(session, mentor, unit="Khánh Hòa") == []
    # procedure, trainee (name or user name, of anyone who did the work or submitted)
    assert codes(session, mentor, procedure=s["commune"].code) == [s["badinh"].code]
    assert codes(session, mentor, trainee="receiver2") == [s["other"].code]
    assert set(codes(session, mentor, trainee="hni.receiver")) == {s["hni"].code, s["other"].code}
    assert codes(session, mentor, trainee="CÁN BỘ HNI.HANDLER") == [s["hni"].code]
    both = codes(session, mentor, unit="ha noi", procedure="2.002131", trainee="handler")
    assert both == [s["hni"].code]


def test_waiting_time_counts_working_days_on_the_units_calendar(app, session, world, spread):
    mentor = world["bo.mentor"]
    s = spread
    assert codes(session, mentor, now=TUESDAY_1600, waiting=2) == []  # exactly 2: not more
    assert len(codes(session, mentor, now=TUESDAY_1601, waiting=2)) == 3
    # Hà Nội takes Monday 30/11 off on its own calendar: its runs have waited 1 day there
    session.add(
        CalendarOverride(scope="SKHCN.HNI", day=date(2026, 11, 30), kind="day_off", name="Nghỉ")
    )
    session.commit()
    assert codes(session, mentor, now=TUESDAY_1601, waiting=2) == [s["badinh"].code]
    assert len(codes(session, mentor, now=TUESDAY_1601, waiting=1)) == 3
    cards = queue.cards(
        session, [s["hni"], s["badinh"]], scenarios=app.state.scenarios,
        calendars=CalendarSource(), now=TUESDAY_1601,
    )  # fmt: skip
    assert [(round(c.waited, 1), c.late) for c in cards] == [(1.0, False), (2.0, True)]
    # a verdict ends the wait
    service.give_verdict(session, actor=mentor, code=s["badinh"].code, verdict="pass")
    assert codes(session, mentor, now=TUESDAY_1601, waiting=2) == []


def test_the_queue_pages_oldest_submission_first(session, world, xray, assigned):
    runs = []
    for i in range(5):
        d = open_xray(session, xray, world["hni.receiver"], mode="practice", name=f"Cơ sở {i}")
        submissions.submit(
            session, actor=world["hni.receiver"], code=d.code,
            now=datetime(2026, 11, 20 + i, 9, 0, tzinfo=TZ),
        )  # fmt: skip
        runs.append(d.code)
    mentor = world["bo.mentor"]
    first, f = queue.review_queue(session, user=mentor, per_page=2)
    assert [d.code for d in first.items] == runs[:2] and (first.total, first.pages) == (5, 3)
    last, f = queue.review_queue(session, user=mentor, filters=queue.Filters(page=99), per_page=2)
    assert (f.page, [d.code for d in last.items]) == (3, runs[4:])
    assert f.query(page=2) == "page=2"
    assert queue.Filters.parse({"status": "x", "waiting": "3", "page": "-1"}) == queue.Filters()


def test_cards_name_the_trainee_scenario_and_score(app, session, world, registry, assigned, tz):
    catalogue = app.state.scenarios
    run = scenarios.start(
        session, actor=world["hni.receiver"], scenario=catalogue.get("xquang-thieu-so-seri"),
        procedures=registry, tz=tz,
    )  # fmt: skip
    fire(session, world["hni.receiver"], run.code, "accept")
    submissions.submit(session, actor=world["hni.receiver"], code=run.code)
    found, _ = queue.review_queue(session, user=world["bo.mentor"])
    (card,) = queue.cards(session, found.items, scenarios=catalogue, calendars=CalendarSource())
    assert card.trainees == [world["hni.receiver"]]
    assert card.unit is not None and card.unit.code == "SKHCN.HNI"
    assert card.scored.title == catalogue.get("xquang-thieu-so-seri").title
    assert isinstance(card.scored.score, int) and not card.scored.finished
    assert card.run.waiting and card.waited is not None


def test_mentors_see_only_their_units(session, world, xray, spread):
    other = world["kha.receiver"]
    kha = open_xray(session, xray, other, mode="practice", name="Cơ sở Khánh Hòa")
    submissions.submit(session, actor=other, code=kha.code)
    assert kha.code not in codes(session, world["bo.mentor"], status="all")
    with pytest.raises(PermissionDenied):
        queue.review_queue(session, user=world["hni.receiver"])


# ---- bulk pass --------------------------------------------------------------------------------


def test_bulk_pass_passes_clean_runs_and_names_each_refusal(app, session, world, xray, assigned):
    mentor = world["bo.mentor"]
    clean = finished(session, xray, world)
    unfinished = practice_at_signing(session, xray, world)
    unsubmitted = finished(session, xray, world)
    foreign = open_xray(session, xray, world["kha.receiver"], mode="practice")
    for d in (clean, unfinished):
        submissions.submit(session, actor=world["hni.handler"], code=d.code)
    submissions.submit(session, actor=world["kha.receiver"], code=foreign.code)
    result = queue.bulk_pass(
        session, actor=mentor,
        codes=[clean.code, unfinished.code, unsubmitted.code, foreign.code, clean.code],
        note="Làm đúng quy trình.", scenarios=app.state.scenarios, calendars=CalendarSource(),
    )  # fmt: skip
    assert result.passed == [clean.code]
    why = dict(result.refused)
    assert set(why) == {unfinished.code, unsubmitted.code, foreign.code}
    assert "chưa làm xong" in why[unfinished.code]
    assert "chưa nộp" in why[unsubmitted.code]
    assert "Không tìm thấy" in why[foreign.code]
    (verdict,) = events(session, "review")
    assert verdict.action == "pass" and verdict.payload["note"] == "Làm đúng quy trình."
    assert audit.verify(session).ok
    # once judged, the same run is refused again with the reason (a reload sends it twice)
    again = queue.bulk_pass(
        session, actor=mentor, codes=[clean.code], note="Lần nữa",
        scenarios=app.state.scenarios, calendars=CalendarSource(),
    )  # fmt: skip
    assert again.passed == [] and "đã có nhận xét sau lần nộp cuối" in again.refused[0][1]
    assert len(events(session, "review")) == 1


def test_bulk_pass_needs_a_selection_a_comment_and_a_mentor(app, session, world, xray, assigned):
    clean = finished(session, xray, world)
    submissions.submit(session, actor=world["hni.handler"], code=clean.code)
    kwargs = {"scenarios": app.state.scenarios, "calendars": CalendarSource()}
    with pytest.raises(ValidationFailed) as exc:
        queue.bulk_pass(session, actor=world["bo.mentor"], codes=[], note=" ", **kwargs)
    assert set(exc.value.fields) == {"code", "note"}
    with pytest.raises(PermissionDenied):
        queue.bulk_pass(
            session, actor=world["hni.leader"], codes=[clean.code], note="Đạt", **kwargs
        )
    assert events(session, "review") == []


# ---- reminders --------------------------------------------------------------------------------


def test_mentors_are_reminded_once_of_runs_waiting_too_long(session, world, spread):
    mentor = world["bo.mentor"]
    cals = CalendarSource()

    def collect(user, now):
        return notifications.collect(session, user=user, calendars=cals, now=now)

    assert collect(mentor, TUESDAY_1600).reminders_total == 0
    found = collect(mentor, TUESDAY_1601)
    assert found.reminders_total == 3 and found.reminders_new == 3
    assert {r.dossier.code for r in found.reminders} == {
        spread["hni"].code,
        spread["badinh"].code,
        spread["other"].code,
    }
    assert all(r.new and r.waited > 2 for r in found.reminders)
    assert notifications.badge_count(session, user=mentor, calendars=cals, now=TUESDAY_1601) >= 3
    # seen: still listed while they wait, no longer new; no second reminder for the same run
    notifications.mark_seen(session, user=mentor, at=TUESDAY_1601, now=TUESDAY_1601)
    later = collect(mentor, datetime(2026, 12, 3, 9, 0, tzinfo=TZ))
    assert later.reminders_total == 3 and later.reminders_new == 0
    assert not any(r.new for r in later.reminders)
    # a verdict ends it; other users are not reminded
    service.give_verdict(session, actor=mentor, code=spread["hni"].code, verdict="pass")
    assert collect(mentor, TUESDAY_1601).reminders_total == 2
    for name in ("hni.handler", "hni.receiver2", "bo.auditor"):
        assert collect(world[name], TUESDAY_1601).reminders_total == 0
    elsewhere = accounts.create_user(
        session, username="bo.mentor2", full_name="Hướng dẫn Khánh Hòa", unit=world.ministry,
        roles=["mentor"],
    )  # fmt: skip
    session.add(MentorAssignment(mentor_id=elsewhere.id, unit_id=world.kha.id))
    session.commit()
    assert collect(elsewhere, TUESDAY_1601).reminders_total == 0


def test_the_notifications_page_lists_the_reminders(client, session, world, spread, sign_in):
    sign_in(world["bo.mentor"])
    html = client.get("/notifications").text
    assert "Hồ sơ nộp chờ nhận xét quá 2 ngày làm việc" in html
    assert spread["badinh"].code in html  # submitted on 27/11/2026, long ago by now


# ---- the page ---------------------------------------------------------------------------------


def test_the_queue_page_filters_with_htmx_and_bulk_passes(
    client, session, world, xray, sign_in, assigned
):
    clean = finished(session, xray, world)
    waiting = practice_at_signing(session, xray, world)
    for d in (clean, waiting):
        submissions.submit(session, actor=world["hni.handler"], code=d.code)
    token = sign_in(world["bo.mentor"])
    page = client.get("/reviews")
    assert page.status_code == 200
    assert clean.code in page.text and waiting.code in page.text
    assert "Cán bộ hni.handler" in page.text and "Sở KH&amp;CN Hà Nội" in page.text
    assert 'data-testid="waiting"' in page.text
    assert "data-unit-picker" in page.text  # the unit picker, no <select> of every unit
    # htmx: the results block alone, exactly as on the page
    part = client.get("/reviews?unit=khanh+hoa", headers={"HX-Request": "true"})
    assert part.status_code == 200 and part.text.lstrip().startswith('<section id="results"')
    assert clean.code not in part.text
    full = client.get("/reviews?unit=khanh+hoa").text
    assert part.text.strip() in full
    # the bulk pass: one passed, one refused with its reason, the filters kept
    r = client.post(
        "/reviews/bulk-pass",
        data={"csrf_token": token, "code": [clean.code, waiting.code], "note": "Đạt cả.",
              "unit": "ha noi"},
    )  # fmt: skip
    assert r.status_code == 200
    assert "Đã nhận xét đạt 1 hồ sơ" in r.text and "chưa làm xong" in r.text
    assert 'value="ha noi"' in r.text
    # nothing chosen: the form again, the fields named
    r = client.post("/reviews/bulk-pass", data={"csrf_token": token, "note": ""})
    assert r.status_code == 422 and "Đánh dấu ít nhất một hồ sơ." in r.text
    token = sign_in(world["hni.receiver"])
    assert client.get("/reviews").status_code == 403
    r = client.post("/reviews/bulk-pass", data={"csrf_token": token, "code": clean.code})
    assert r.status_code == 403


def test_cards_read_the_events_once_for_every_scenario_run(
    app, engine, session, world, registry, assigned, tz
):
    """Issue 19: a card's score reuses the events `cards` read for the whole page, so a page of
    scenario runs costs the same statements as one run (was one timeline read per run)."""
    catalogue = app.state.scenarios

    def statements() -> list[str]:
        session.expire_all()
        found, _ = queue.review_queue(session, user=world["bo.mentor"])
        with counted(engine) as seen:
            cards = queue.cards(
                session, found.items, scenarios=catalogue, calendars=CalendarSource()
            )
        assert all(c.scored.score is not None for c in cards)
        return seen

    def start() -> None:
        run = scenarios.start(
            session, actor=world["hni.receiver"], scenario=catalogue.get("xquang-thieu-so-seri"),
            procedures=registry, tz=tz,
        )  # fmt: skip
        submissions.submit(session, actor=world["hni.receiver"], code=run.code)

    start()
    one = statements()
    for _ in range(3):
        start()
    assert len(statements()) == len(one), one
