"""Without Pango (WeasyPrint cannot load its native libraries) a PDF is a 503 with the install
hint, in Vietnamese (JSON when asked), and the printable pages offer «In» with a note instead of
a «Tải PDF» link that would fail. Simulated by making `import weasyprint` fail, as a missing
libpango does."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from casework import capabilities
from tests.factories import fire, open_xray

INSTALL = "apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"


@pytest.fixture
def no_pango(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`import weasyprint` fails (as it does with OSError when libpango is missing)."""
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    capabilities.pdf_problem.cache_clear()
    yield
    capabilities.pdf_problem.cache_clear()


@pytest.fixture
def received(session, world, xray):  # type: ignore[no-untyped-def]
    d = open_xray(session, xray, world["hni.receiver"])
    return fire(session, world["hni.receiver"], d, "accept")


def test_a_pdf_without_pango_is_503_with_the_install_hint(no_pango, received, sign_in):
    client = sign_in("hni.receiver")
    r = client.get(f"/dossiers/{received.code}/slips/receipt.pdf")
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "Máy chủ chưa tạo được PDF" in r.text
    assert INSTALL in r.text
    book = client.get("/units/SKHCN.HNI/book.pdf", headers={"Accept": "application/json"})
    assert book.status_code == 503
    error = book.json()["error"]
    assert error["code"] == "pdf_unavailable"
    assert INSTALL in error["message"]
    assert error["details"]["install"].endswith("fonts-dejavu-core fonts-liberation2")


def test_without_pango_the_slip_pages_offer_print_not_a_pdf_link(no_pango, received, sign_in):
    client = sign_in("hni.receiver")
    for url in (f"/dossiers/{received.code}/slips/receipt", "/units/SKHCN.HNI/book"):
        page = client.get(url)
        assert page.status_code == 200, page.text
        assert "Tải PDF" not in page.text
        assert ".pdf" not in page.text
        assert "Máy chủ chưa tạo được PDF" in page.text
        assert "data-print" in page.text  # the browser's print (and «Save as PDF») still works
    dossier = client.get(f"/dossiers/{received.code}")
    assert dossier.status_code == 200
    assert "Tải PDF" not in dossier.text


def test_with_pango_the_link_is_offered(received, sign_in):
    capabilities.pdf_problem.cache_clear()
    page = sign_in("hni.receiver").get(f"/dossiers/{received.code}/slips/receipt")
    assert f'<a href="/dossiers/{received.code}/slips/receipt.pdf">Tải PDF</a>' in page.text
    assert "Máy chủ chưa tạo được PDF" not in page.text
