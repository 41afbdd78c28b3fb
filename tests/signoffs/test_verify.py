"""The public verification page, on both databases: anyone (signed out too) reads the holder's
name and unit, the procedure, the date and whether it still holds — nothing else about the
person; a revoked number says since when; an unknown or mistyped number is a 404 page in
Vietnamese; numbers are unique and each verifies."""

from __future__ import annotations

import re

from casework.signoffs import service
from casework.signoffs.numbers import normalize
from tests.signoffs.factories import grant, passed_run

XRAY = "2.002131"


def test_anyone_verifies_a_number_and_learns_nothing_more(client, session, assigned, registry, tz):
    world = assigned
    trainee, mentor = world["hni.receiver"], world["bo.mentor"]
    # the test world names people after their user names: real names here
    trainee.full_name, mentor.full_name = "Nguyễn Thị Lan", "Trần Văn Hướng"
    session.add_all([trainee, mentor])
    session.commit()
    run = passed_run(session, trainee=trainee, mentor=mentor, procedure=registry.get(XRAY))
    row = service.sign_off(
        session, mentor=mentor, trainee=trainee, procedure_code=XRAY,
        note="Ghi chú riêng của cán bộ hướng dẫn", procedures=registry, tz=tz,
    )  # fmt: skip
    other = next(p.code for p in registry.all() if p.code != XRAY)
    grant(session, trainee=trainee, mentor=mentor, code=other)
    client.cookies.clear()  # signed out
    r = client.get(f"/verify/{row.number}")
    assert r.status_code == 200
    assert r.headers["x-robots-tag"] == "noindex"
    html = r.text
    facts = re.search(r'data-testid="verify-facts">(.*?)</dl>', html, re.S)
    assert facts is not None
    assert trainee.full_name in facts.group(1)
    assert world.hni.name.replace("&", "&amp;") in facts.group(1)
    assert XRAY in facts.group(1) and registry.get(XRAY).name in facts.group(1)
    assert row.at.astimezone(tz).strftime("%d/%m/%Y") in facts.group(1)
    assert "Còn hiệu lực" in html
    # nothing else about the person: no user name, no other sign-off, no mentor, note, roles,
    # evidence, unit code or account link
    for secret in (
        trainee.username,
        other,
        mentor.full_name,
        mentor.username,
        "Ghi chú riêng",
        run.code,
        world.hni.code,
        "/progress/users/",
        "receiver",
        "Tiếp nhận",
    ):
        assert secret not in html, secret
    assert not re.search(r"[\w.]+@[\w.]+", html)  # no e-mail address
    assert not re.search(r"\b0\d{9}\b", html)  # no phone number
    # typed by hand: any case, without dashes
    number = row.number or ""
    assert client.get(f"/verify/{number.lower().replace('-', '')}").status_code == 200


def test_a_revoked_number_says_since_when(client, session, assigned, registry, tz):
    world = assigned
    row = grant(session, trainee=world["hni.receiver"], mentor=world["bo.mentor"], code=XRAY)
    revoked = service.revoke_sign_off(
        session, mentor=world["bo.mentor"], trainee=world["hni.receiver"], procedure_code=XRAY,
        reason="Lý do không công khai",
    )  # fmt: skip
    client.cookies.clear()
    r = client.get(f"/verify/{row.number}")
    assert r.status_code == 200
    assert f"Đã thu hồi ngày {revoked.at.astimezone(tz):%d/%m/%Y}" in r.text
    assert "Còn hiệu lực" not in r.text
    assert "Lý do không công khai" not in r.text


def test_an_unknown_or_mistyped_number_is_a_404_page_in_vietnamese(client, session, assigned):
    row = grant(session, trainee=assigned["hni.receiver"], mentor=assigned["bo.mentor"], code=XRAY)
    number = row.number or ""
    mistyped = number[:-1] + ("A" if number[-1] != "A" else "B")
    unknown = normalize("XN-2026-0000-0000-0") or next(
        n
        for n in (f"XN-2026-0000-0000-{c}" for c in "0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        if normalize(n)
    )
    client.cookies.clear()
    for bad in (mistyped, unknown, "khong-co-so-nay", "<b>XN-2026"):
        r = client.get(f"/verify/{bad}")
        assert r.status_code == 404, bad
        assert "Không tìm thấy giấy chứng nhận số" in r.text
        assert "Traceback" not in r.text and "<b>" not in r.text
        assert '<html lang="vi">' in r.text


def test_numbers_are_unique_and_each_verifies(session, assigned, registry):
    world = assigned
    trainees = [world[n] for n in ("hni.receiver", "hni.receiver2", "hni.handler", "hni.leader")]
    rows = [
        grant(session, trainee=t, mentor=world["bo.mentor"], code=p.code)
        for t in trainees
        for p in registry.all()[:5]
    ]
    numbers = [r.number for r in rows]
    assert len(set(numbers)) == len(numbers) == 20
    for r in rows:
        found = service.verify(session, r.number or "")
        assert found is not None and found.valid
        assert (found.procedure_code, found.holder) == (
            r.procedure_code,
            next(t.full_name for t in trainees if t.id == r.trainee_id),
        )
