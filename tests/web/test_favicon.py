"""Browsers ask for /favicon.ico on every first visit: it answers with an icon, not a 404, and
every page links the icon (SVG, with the ICO for older browsers)."""

from __future__ import annotations

import re
from io import BytesIO

from PIL import Image


def test_favicon_ico_is_an_icon(client):
    r = client.get("/favicon.ico")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/x-icon"
    assert "max-age=" in r.headers["cache-control"]
    assert r.content[:4] == b"\x00\x00\x01\x00"  # the ICO signature
    assert Image.open(BytesIO(r.content)).format == "ICO"


def test_pages_link_an_icon_that_is_served(client):
    page = client.get("/procedures").text
    links = re.findall(r'<link rel="icon" href="([^"]+)"', page)
    assert "/favicon.ico" in links and "/static/favicon.svg" in links
    for href in links:
        r = client.get(href)
        assert r.status_code == 200, href
        assert r.headers["content-type"].startswith("image/"), href
