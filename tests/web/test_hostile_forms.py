"""Oversized, malformed and mis-encoded posts: each gets a 4xx with a clear (Vietnamese) message,
never a 500, and nothing is written (dossiers, events, attachments counted before and after)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, func, select

from casework.dossiers.models import Attachment, Dossier, Event

MB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORM = {
    "procedure": "2.002131",
    "mode": "real",
    "kind": "organisation",
    "applicant_name": "Bệnh viện Đa khoa Hồng Ngọc",
    "applicant_phone": "0243 927 5568",
    "channel": "in_person",
    "received_at": "2026-02-13T16:20",
}
URLENCODED = {"content-type": "application/x-www-form-urlencoded"}


def counts(session: Session) -> tuple[int, int, int]:
    session.rollback()  # a fresh transaction: see what the app committed meanwhile
    return tuple(  # type: ignore[return-value]
        session.exec(select(func.count()).select_from(m)).one()
        for m in (Dossier, Event, Attachment)
    )


def urlencoded(token: str, **fields: str) -> bytes:
    from urllib.parse import urlencode

    return urlencode({"csrf_token": token, **FORM, **fields}).encode()


def assert_refused(r: Any, *words: str) -> None:
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:500])
    for word in words:
        assert word in r.text, r.text[:2000]


@pytest.fixture
def signed_in(client, session, world, sign_in):  # type: ignore[no-untyped-def]
    token = sign_in(world["hni.receiver"])
    before = counts(session)
    yield token
    assert counts(session) == before, "a refused post wrote something"


def test_the_valid_form_still_opens_a_dossier(client, session, world, sign_in):  # type: ignore[no-untyped-def]
    """Control: the same body without the hostile part goes through, and the counting sees it."""
    token = sign_in(world["hni.receiver"])
    before = counts(session)
    r = client.post(
        "/dossiers", content=urlencoded(token), headers=URLENCODED, follow_redirects=False
    )
    assert r.status_code == 303, r.text[:500]
    after = counts(session)
    assert (after[0], after[1]) == (before[0] + 1, before[1] + 1)


def test_a_20_mb_urlencoded_form_is_refused(client, signed_in):  # type: ignore[no-untyped-def]
    body = urlencoded(signed_in, applicant_name="A" * (20 * MB))
    r = client.post("/dossiers", content=body, headers=URLENCODED, follow_redirects=False)
    assert_refused(r, "không đọc được nội dung gửi lên")


def test_a_20_mb_text_field_in_multipart_is_refused(client, signed_in):  # type: ignore[no-untyped-def]
    r = client.post(
        "/dossiers",
        data={"csrf_token": signed_in, **FORM, "applicant_name": "A" * (20 * MB)},
        files={"doc_phieu_khai_bao": ("a.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert_refused(r, "không đọc được nội dung gửi lên")


def test_a_20_mb_upload_is_refused_by_name(client, signed_in):  # type: ignore[no-untyped-def]
    r = client.post(
        "/dossiers",
        data={"csrf_token": signed_in, **FORM},
        files={"doc_phieu_khai_bao": ("to.pdf", PDF + b"0" * (20 * MB), "application/pdf")},
        follow_redirects=False,
    )
    assert_refused(r, "to.pdf", "MB")


@pytest.mark.parametrize("raw", [b"%FF%FE", b"Vi%E1%BB", b"%C3%28", b"%ED%A0%80"])
def test_invalid_utf8_in_an_urlencoded_field_is_refused(client, signed_in, raw):  # type: ignore[no-untyped-def]
    body = urlencoded(signed_in).replace(b"applicant_name=", b"applicant_name=" + raw, 1)
    r = client.post("/dossiers", content=body, headers=URLENCODED, follow_redirects=False)
    assert_refused(r, "UTF-8")
    assert r.status_code == 422


def test_invalid_utf8_in_an_api_json_body_is_refused(client, world, token_for, session):  # type: ignore[no-untyped-def]
    before = counts(session)
    h = {**token_for(world["hni.receiver"]), "content-type": "application/json"}
    r = client.post("/api/v1/dossiers", content=b'{"procedure_code": "\xff\xfe"}', headers=h)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "http_400"
    assert "UTF-8" in r.json()["error"]["message"]
    assert counts(session) == before


def multipart(token: str, tail: bytes, boundary: bytes = b"XYZ") -> bytes:
    return (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + token.encode() + b"\r\n--" + boundary + b'\r\nContent-Disposition: form-data; '
        b'name="procedure"\r\n\r\n2.002131\r\n' + tail
    )  # fmt: skip


@pytest.mark.parametrize(
    ("content_type", "tail"),
    [
        # the closing boundary is another one: the last part never ends
        ("multipart/form-data; boundary=XYZ", b"--ABC\r\nbroken"),
        # no boundary at all in the header
        ("multipart/form-data", b"--XYZ--\r\n"),
        # an empty boundary
        ("multipart/form-data; boundary=", b"--XYZ--\r\n"),
        # a part without headers
        ("multipart/form-data; boundary=XYZ", b"--XYZ\r\n\r\nno headers\r\n--XYZ--\r\n"),
        # a part header that is not a header line
        ("multipart/form-data; boundary=XYZ", b"--XYZ\r\nnot a header\r\n\r\nx\r\n--XYZ--\r\n"),
    ],
    ids=[
        "wrong-closing-boundary",
        "no-boundary",
        "empty-boundary",
        "no-part-headers",
        "bad-header",
    ],
)
def test_a_broken_multipart_body_is_refused(client, signed_in, content_type, tail):  # type: ignore[no-untyped-def]
    body = multipart(signed_in, tail)
    for headers in ({}, {"X-CSRF-Token": signed_in}):  # the form parsed by CSRF, then the page
        r = client.post(
            "/dossiers",
            content=body,
            headers={"content-type": content_type, **headers},
            follow_redirects=False,
        )
        assert_refused(r)
        assert "Lỗi hệ thống" not in r.text


def test_a_multipart_field_with_invalid_utf8_never_crashes(client, signed_in):  # type: ignore[no-untyped-def]
    """Starlette decodes a multipart field that is not UTF-8 as Latin-1 (no U+FFFD to spot), so
    this one is only held to: never a 500. The dossier is refused here for another reason (no
    applicant name), so nothing is written either."""
    tail = (
        b'--XYZ\r\nContent-Disposition: form-data; name="kind"\r\n\r\n\xff\xfe\xc3\r\n'
        b'--XYZ\r\nContent-Disposition: form-data; name="applicant_name"\r\n\r\n\r\n--XYZ--\r\n'
    )
    r = client.post(
        "/dossiers",
        content=multipart(signed_in, tail),
        headers={"content-type": "multipart/form-data; boundary=XYZ"},
        follow_redirects=False,
    )
    assert_refused(r)


@pytest.fixture
def api(client, world, token_for, session):  # type: ignore[no-untyped-def]
    headers = {**token_for(world["hni.receiver"]), "content-type": "application/json"}
    before = counts(session)
    yield lambda body: client.post("/api/v1/dossiers", content=body, headers=headers)
    assert counts(session) == before, "a refused post wrote something"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"null", b"[1, 2", b"\x00\x01", b'{"procedure_code": NaN}', b"{}" * 1000],
)
def test_an_api_body_that_is_not_json_is_refused(api, body):  # type: ignore[no-untyped-def]
    r = api(body)
    assert r.status_code in (400, 422), r.text
    err = r.json()["error"]
    assert err["code"] in {"validation_failed", "http_400"}
    assert err["message"].strip()


@pytest.mark.parametrize("depth", [100, 5_000, 100_000])
def test_deeply_nested_json_is_refused(api, depth):  # type: ignore[no-untyped-def]
    for body in (
        b"[" * depth + b"]" * depth,
        b'{"procedure_code": "2.002131", "applicant": {"name": "x"}, "x": '
        + b'{"a":' * depth
        + b"1"
        + b"}" * depth
        + b"}",
        b'{"procedure_code": "2.002131", "applicant": {"name": '
        + b"[" * depth
        + b"]" * depth
        + b"}}",
    ):
        r = api(body)
        assert r.status_code in (400, 422), r.text[:300]
        assert r.json()["error"]["message"].strip()


def test_a_20_mb_api_body_is_refused(api):  # type: ignore[no-untyped-def]
    r = api(b'{"procedure_code": "2.002131", "applicant": {"name": "' + b"a" * (20 * MB) + b'"}}')
    assert r.status_code == 422, r.text[:300]
    assert r.json()["error"]["details"]["fields"]


def test_extreme_filter_dates_are_not_errors(client, world, sign_in):
    sign_in(world["hni.receiver"])
    for query in (
        "received_to=9999-12-31",
        "received_from=0001-01-01",
        "received_from=0001-01-01&received_to=9999-12-31",
    ):
        assert client.get(f"/dossiers?{query}").status_code == 200


def test_a_nul_character_in_a_filter_is_not_an_error(client, world, sign_in, token_for):
    """Found by schemathesis: PostgreSQL cannot hold NUL in text; that is bad input, not a 500."""
    headers = token_for(world["hni.receiver"])
    assert client.get("/api/v1/dossiers?procedure=%00", headers=headers).status_code in (200, 422)
    sign_in(world["hni.receiver"])
    for query in ("q=%00", "procedure=%00"):
        assert client.get(f"/dossiers?{query}").status_code in (200, 422)
