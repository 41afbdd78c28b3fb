"""Web hardening: HEAD wherever GET works, uploads never served as HTML, session cookie flags."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from casework.dossiers.models import Attachment

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def new_dossier(client, token, filename, content):
    return client.post(
        "/dossiers",
        data={
            "csrf_token": token, "procedure": "2.002131", "mode": "real", "kind": "organisation",
            "applicant_name": "Bệnh viện Đa khoa Hồng Ngọc", "applicant_phone": "0243 927 5568",
            "channel": "in_person", "received_at": "2026-02-13T16:20",
        },
        files={"doc_phieu_khai_bao": (filename, content, "application/pdf")},
        follow_redirects=False,
    )  # fmt: skip


@pytest.mark.parametrize("path", ["/login", "/healthz", "/", "/static/css/app.css"])
def test_head_answers_like_get_without_a_body(client, path):
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["x-content-type-options"] == "nosniff"


def test_head_on_a_signed_in_page_redirects_like_get(client):
    r = client.head("/dossiers", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login")


def test_unknown_methods_are_still_refused(client):
    assert client.request("PUT", "/login").status_code == 405


def test_html_disguised_as_pdf_is_refused_and_a_pdf_is_served_as_a_download(
    client, session, world, sign_in
):
    token = sign_in(world["hni.receiver"])
    bad = new_dossier(client, token, "don.pdf", HTML)
    assert bad.status_code == 422
    assert "không phải PDF" in bad.text
    assert session.exec(select(Attachment)).first() is None

    ok = new_dossier(client, token, "<b>don</b>.pdf", PDF)
    assert ok.status_code == 303, ok.text
    session.rollback()  # end the test session's snapshot: the app wrote meanwhile
    row = session.exec(select(Attachment)).one()
    code = ok.headers["location"].split("/")[2].split("?")[0]
    r = client.get(f"/dossiers/{code}/attachments/{row.id}")
    assert r.status_code == 200
    assert r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert "html" not in r.headers["content-type"]
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in r.headers["content-security-policy"]
    head = client.head(f"/dossiers/{code}/attachments/{row.id}")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-disposition"].startswith("attachment;")


def session_cookie(response) -> str:
    cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    found = [c for c in cookies if c.startswith("casework_session=")]
    assert found, cookies
    return found[0]


def test_session_cookie_is_httponly_and_samesite(client):
    cookie = session_cookie(client.get("/login")).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    assert "secure" not in cookie  # plain http on a laptop or in tests


def test_session_cookie_is_secure_in_production(engine, tmp_path):
    from casework.main import create_app
    from casework.settings import Settings

    settings = Settings(
        env="production",
        secret_key="a-long-random-test-secret-0123456789",
        database_url="sqlite://",
        upload_dir=tmp_path / "uploads",
    )
    app = create_app(settings, engine=engine)
    with TestClient(app, base_url="https://testserver") as c:
        r = c.get("/login")
        cookie = session_cookie(r).lower()
        assert re.search(r";\s*secure", cookie)
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert r.headers["strict-transport-security"].startswith("max-age=")
