"""Without Graphviz (`dot` not on PATH) the handbook says why there is no diagram and lists the
steps instead of an empty «Sơ đồ các bước»; the dossier page leaves the diagram out; the SVG
route answers 503 with the install hint, never 500."""

from __future__ import annotations

import re

import pytest

from casework.procedures import diagrams
from tests.factories import open_xray


@pytest.fixture
def no_dot(monkeypatch: pytest.MonkeyPatch, tmp_path):  # type: ignore[no-untyped-def]
    """A PATH on which there is no `dot` (an empty folder), and no SVG drawn earlier in this
    process: the renderer's cache would otherwise answer from a drawing made while `dot` was there."""
    monkeypatch.setenv("PATH", str(tmp_path))
    diagrams._render.cache_clear()
    yield
    diagrams._render.cache_clear()


def test_handbook_without_graphviz_explains_and_lists_the_steps(no_dot, client, xray):
    r = client.get("/procedures/2.002131")
    assert r.status_code == 200, r.text
    html = r.text
    assert "diagram.svg" not in html  # no image that cannot load
    assert "máy chủ chưa cài Graphviz" in html
    section = html.split("<h2>Sơ đồ các bước</h2>", 1)[1].split("<h2>", 1)[0]
    steps = re.findall(r'<li><a href="#step-(\w+)">', section)
    assert steps == list(xray.states)  # every step, in order, linked to its guidance below
    assert all(f'id="step-{sid}"' in html for sid in steps)


def test_handbook_with_graphviz_shows_the_diagram(client):
    html = client.get("/procedures/2.002131").text
    assert 'src="/procedures/2.002131/diagram.svg"' in html
    assert "máy chủ chưa cài Graphviz" not in html


def test_the_svg_without_graphviz_is_503_with_the_hint(no_dot, client):
    r = client.get("/procedures/2.002131/diagram.svg")
    assert r.status_code == 503
    assert "apt-get install -y graphviz" in r.text


def test_the_dossier_page_without_graphviz_has_no_diagram(
    no_dot, session, world, xray, client, sign_in
):
    d = open_xray(session, xray, world["hni.receiver"])
    sign_in(world["hni.receiver"])
    page = client.get(f"/dossiers/{d.code}")
    assert page.status_code == 200
    assert "diagram.svg" not in page.text
