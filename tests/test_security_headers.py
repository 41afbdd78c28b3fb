"""Security headers: a CSP with no inline script on pages, nosniff, no framing."""

from __future__ import annotations

import re

from casework.settings import PROJECT_ROOT


def test_pages_carry_the_security_headers(client):
    r = client.get("/procedures")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "same-origin"
    api = client.get("/api/v1/procedures")
    assert api.headers["x-content-type-options"] == "nosniff"


def test_pages_are_not_kept_by_the_browser_unless_they_say_so(client, world, sign_in):
    """«Back» after printing a slip showed a dossier as it was first loaded (Chromium reuses a
    cached page on history navigation): a page is `no-store` unless it sets its own policy."""
    sign_in(world["hni.receiver"])
    for path in ("/", "/dossiers", "/login"):
        r = client.get(path)
        assert r.headers["content-type"].startswith("text/html")
        assert r.headers["cache-control"] == "no-store", path
    css = client.get("/static/css/app.css")
    assert css.status_code == 200 and css.headers.get("cache-control") != "no-store"


def test_no_template_has_inline_script():
    for path in (PROJECT_ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\son[a-z]+\s*=", text), f"inline event handler in {path.name}"
        for tag in re.findall(r"<script[^>]*>", text):
            assert "src=" in tag, f"inline <script> in {path.name}"
