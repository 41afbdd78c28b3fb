"""The one input layer (`casework.inputs`, issue 17 finding 7) on the forms that have no API twin,
on both databases: the admin's user and unit forms, the question and answer forms, the
certificate form and its revocation. Each refuses a NUL, another control character, a bidi
override and a text past its limit with a 422 naming the field in Vietnamese, keeps what was
typed (but the NUL, which no page may carry) and stores nothing; and the rule itself, over
arbitrary text (hypothesis).
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import func, select

from casework import inputs
from casework.accounts import service as accounts
from casework.accounts.models import Unit, User
from casework.certificates.models import Certificate
from casework.questions import service as questions
from casework.questions.models import Question
from tests.certificates.helpers import admin_of, record, values

HOSTILE = {
    "NUL": ("Nguyễn\x00An", "U+0000"),
    "vertical tab": ("Nguyễn\x0bAn", "U+000B"),
    "right-to-left override": ("Nguyễn \u202eAn", "U+202E"),
    "pop directional isolate": ("Nguyễn \u2069An", "U+2069"),
}


def shown_error(page: str, field: str) -> str | None:
    found = re.search(rf'id="err-{re.escape(field)}"[^>]*>([^<]*)<', page)
    return html.unescape(found.group(1)) if found else None


def count(session, table) -> int:  # type: ignore[no-untyped-def]
    session.rollback()
    return int(session.exec(select(func.count()).select_from(table)).one())


def refused(r: Any, field: str, says: str, typed: str) -> None:
    assert r.status_code == 422, r.text[:400]
    reason = shown_error(r.text, field)
    assert reason is not None and says in reason, (field, reason)
    if "\x00" not in typed:
        assert html.escape(typed, quote=True) in r.text  # the form keeps what was typed


# ---- the admin's forms -----------------------------------------------------------------------


@pytest.fixture
def admin(session, world):  # type: ignore[no-untyped-def]
    return accounts.create_user(
        session, username="hni.admin", full_name="Quản trị Hà Nội", unit=world.hni,
        roles=["admin"],
    )  # fmt: skip


@pytest.mark.parametrize("case", [*HOSTILE, "256 characters"])
def test_the_user_forms_refuse_hostile_names(client, session, world, admin, sign_in, case):
    name, says = HOSTILE.get(case, ("Đ" * 256, "dài quá 255 ký tự"))
    token = sign_in(admin)
    users = count(session, User)
    r = client.post(
        "/admin/users",
        data={"csrf_token": token, "username": "nguoi.moi", "full_name": name,
              "unit_id": "SKHCN.HNI", "roles": ["receiver"], "password": "bat-dau-123"},
    )  # fmt: skip
    refused(r, "full_name", says, name)
    assert count(session, User) == users
    target = world["hni.handler"]
    r = client.post(
        f"/admin/users/{target.id}",
        data={"csrf_token": token, "full_name": name, "unit_id": "SKHCN.HNI",
              "roles": ["handler"]},
    )  # fmt: skip
    refused(r, "full_name", says, name)
    session.expire_all()
    assert session.get(User, target.id).full_name == "Cán bộ hni.handler"


@pytest.mark.parametrize("case", list(HOSTILE))
def test_the_unit_form_refuses_hostile_names(client, session, world, admin, sign_in, case):
    name, says = HOSTILE[case]
    token = sign_in(admin)
    units = count(session, Unit)
    r = client.post(
        "/admin/units",
        data={"csrf_token": token, "parent_id": "SKHCN.HNI", "code": "HNI.MOI",
              "name": name, "kind": "commune", "province": f"Hà {name}"},
    )  # fmt: skip
    refused(r, "name", says, name)
    assert says in (shown_error(r.text, "province") or "")
    assert count(session, Unit) == units


# ---- questions -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", [*HOSTILE, "4001 characters"])
def test_the_question_and_answer_forms_refuse_hostile_texts(
    client, session, world, sign_in, xray, case
):
    text, says = HOSTILE.get(case, ("H" * 4001, "dài quá 4.000 ký tự"))
    token = sign_in(world["hni.receiver"])
    r = client.post("/questions", data={"csrf_token": token, "procedure": xray.code, "text": text})
    refused(r, "text", says, text)
    assert count(session, Question) == 0

    q = questions.ask(session, user=world["hni.receiver"], procedure=xray, values={"text": "Hỏi"})
    token = sign_in(world["bo.mentor"])  # no mentor is assigned: the desk's question
    answer = text if case != "4001 characters" else "T" * 8001
    r = client.post(
        f"/questions/{q.id}/answer",
        data={"csrf_token": token, "answer": answer, "version": str(q.version)},
    )
    refused(r, "answer", says if case != "4001 characters" else "dài quá 8.000 ký tự", answer)
    session.expire_all()
    assert session.get(Question, q.id).answer is None


def test_a_question_of_several_lines_is_taken(client, session, world, sign_in, xray):
    token = sign_in(world["hni.receiver"])
    r = client.post(
        "/questions",
        data={"csrf_token": token, "procedure": xray.code, "text": "Dòng 1\r\n\tDòng 2"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    assert session.exec(select(Question.text)).one() == "Dòng 1\n\tDòng 2"


# ---- certificates ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", [*HOSTILE, "too long"])
def test_the_certificate_forms_refuse_hostile_texts(
    client, session, world, sign_in, tmp_path, case
):
    text, says = HOSTILE.get(case, ("K" * 256, "dài quá 255 ký tự"))
    admin = admin_of(session, world.hni, "hni.cert.admin")
    token = sign_in(admin)
    number = text if case != "too long" else "S" * 65
    form = {**values(number, course=text), "username": "hni.handler", "csrf_token": token}
    r = client.post("/certificates", data=form)
    refused(r, "course", says, text)
    assert (says if case != "too long" else "dài quá 64 ký tự") in (
        shown_error(r.text, "number") or ""
    )
    assert count(session, Certificate) == 0

    uploads = tmp_path / "up"
    uploads.mkdir()
    cert = record(session, admin, world["hni.handler"], uploads)
    reason = text if case != "too long" else "L" * 1001
    r = client.post(
        f"/certificates/{cert.id}/revoke",
        data={"csrf_token": token, "reason": reason, "version": str(cert.version)},
    )
    refused(r, "reason", says if case != "too long" else "dài quá 1.000 ký tự", reason)
    session.expire_all()
    assert not session.get(Certificate, cert.id).revoked


# ---- the rule itself ---------------------------------------------------------------------------

RULES = [
    inputs.Rule("Tên", "name"),
    inputs.Rule("Ghi chú", "field_text", multiline=True),
    inputs.Rule("Số", "phone", required="Cần nhập số."),
]


@given(text=st.text(), which=st.integers(0, len(RULES) - 1))
def test_what_the_rule_takes_is_clean_and_fits(text: str, which: int) -> None:
    rule = RULES[which]
    problem = inputs.check(inputs.normalise(text, rule), rule)
    if problem is not None:
        assert problem.endswith(".")  # a reason, in words
        with pytest.raises(ValueError, match=re.escape(problem)):
            inputs.clean(text, rule)
        return
    cleaned = inputs.clean(text, rule)
    assert len(cleaned) <= rule.max_len and cleaned == cleaned.strip()
    assert not set(cleaned) & inputs.BIDI_CONTROLS
    for ch in cleaned:
        code = ord(ch)
        assert code >= 0x20 or (rule.multiline and ch in "\n\t"), repr(ch)
        assert not (0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF))
    assert "\r" not in cleaned
    if rule.required:
        assert cleaned


@given(st.one_of(st.floats(), st.integers(), st.text(max_size=30)))
def test_a_number_is_finite_and_bounded_or_refused(value: Any) -> None:
    try:
        number = inputs.to_number(value)
    except ValueError:
        return
    assert abs(number) <= inputs.MAX_NUMBER
