"""Page breaks of the PDF slips (issue 14, defect 6): Mẫu 01 with up to 8 documents fits one A5
page; a longer list breaks between its rows, and the signature block never stands alone on the
last page. The slip goes through the real route; only its list of documents is lengthened."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from casework.dossiers import slip_views, slips
from casework.dossiers.models import Dossier
from tests.slips.test_slips import SLIP_ACTIONS, act, at, attach, open_full

#: Long document names, as real procedures have them (two lines each on A5).
NAME = "Bản sao giấy chứng nhận đủ điều kiện hoạt động dịch vụ kiểm định thiết bị bức xạ số {n}"


@pytest.fixture
def received(session, world, xray) -> Dossier:
    """An X-ray declaration received and accepted, one document attached."""
    d = open_full(session, world, xray, received_at=at(13, 2, 16, 20), now=at(13, 2, 16, 25))
    attach(session, d, "phieu_khai_bao")
    return act(session, world["hni.receiver"], d, "accept", at(13, 2, 16, 30))


def _lengthen(monkeypatch: pytest.MonkeyPatch, count: int | None) -> None:
    """The next slip built carries `count` documents (None: the procedure's own list)."""
    if count is None:
        return
    real = slips.build

    def build(kind, facts):  # type: ignore[no-untyped-def]
        slip = real(kind, facts)
        docs = [
            slips.DocumentLine(
                number=n, key=f"doc{n}", name=NAME.format(n=n), copies="01 bản chính",
                required=n % 3 != 0, received=n % 2 == 1,
            )
            for n in range(1, count + 1)
        ]  # fmt: skip
        return dataclasses.replace(slip, documents=docs)

    monkeypatch.setattr(slip_views.slips, "build", build)


def _pages(client, monkeypatch, url: str, name: str):  # type: ignore[no-untyped-def]
    """The WeasyPrint pages of the PDF at `url`, laid out from the HTML and CSS the route used."""
    from weasyprint import CSS, HTML

    rendered: list[tuple[str, str]] = []
    real = slip_views.html_to_pdf

    def spy(html: str, css: str) -> bytes:
        rendered.append((html, css))
        return real(html, css)

    monkeypatch.setattr(slip_views, "html_to_pdf", spy)
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"%PDF")
    keep = os.environ.get("CASEWORK_KEEP_PDF")  # a folder: keep the PDFs to look at them
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        (Path(keep) / f"{name}.pdf").write_bytes(r.content)
    html, css = rendered[-1]
    if keep:
        (Path(keep) / f"{name}.html").write_text(html, encoding="utf-8")
    return HTML(string=html).render(stylesheets=[CSS(string=css)]).pages


def _boxes(box):  # type: ignore[no-untyped-def]
    yield box
    for child in getattr(box, "children", []):
        yield from _boxes(child)


def _classes(page) -> set[str]:  # type: ignore[no-untyped-def]
    """The class names of the elements laid out on one page."""
    found: set[str] = set()
    for box in _boxes(page._page_box):
        element = getattr(box, "element", None)
        if element is not None:
            found.update((element.get("class") or "").split())
    return found


def _rows(page) -> int:  # type: ignore[no-untyped-def]
    """Rows of documents (a numbered first cell) laid out on one page."""
    return sum(
        1
        for box in _boxes(page._page_box)
        if type(box).__name__ == "TableRowBox"
        and box.element is not None
        and box.element.find("td[@class='num']") is not None
    )


@pytest.mark.parametrize("count", [None, 1, 8])
def test_a_receipt_of_up_to_8_documents_fits_one_a5_page(
    session, world, received, sign_in, monkeypatch, count
):
    _lengthen(monkeypatch, count)
    client = sign_in("hni.receiver")
    url = f"/dossiers/{received.code}/slips/receipt.pdf"
    pages = _pages(client, monkeypatch, url, f"receipt-{count}")
    assert len(pages) == 1
    assert "signatures" in _classes(pages[0])


@pytest.mark.parametrize("count", [20, 30])
def test_a_long_receipt_breaks_between_rows_never_before_the_signatures_alone(
    session, world, received, sign_in, monkeypatch, count
):
    _lengthen(monkeypatch, count)
    client = sign_in("hni.receiver")
    url = f"/dossiers/{received.code}/slips/receipt.pdf"
    pages = _pages(client, monkeypatch, url, f"receipt-{count}")
    assert len(pages) >= 2
    last = pages[-1]
    assert "signatures" in _classes(last)
    assert _rows(last) >= 1, "the signatures stand alone on the last page"
    assert sum(_rows(p) for p in pages) == count  # every row once: no row split across pages


@pytest.mark.parametrize("kind", [*SLIP_ACTIONS, "refusal"])
def test_every_a5_slip_fits_one_page(session, world, xray, sign_in, monkeypatch, kind):
    d = open_full(session, world, xray, received_at=at(2, 3, 9), now=at(2, 3, 9))
    if kind == "refusal":
        act(session, world["hni.receiver"], d, "refuse_reception", at(2, 3, 10), reason="Sai")
    else:
        act(session, world["hni.receiver"], d, "accept", at(2, 3, 11))
    if SLIP_ACTIONS.get(kind):
        actor, action, data = SLIP_ACTIONS[kind]
        act(session, world[actor], d, action, at(3, 3, 9), **data)
    client = sign_in("hni.handler")
    pages = _pages(client, monkeypatch, f"/dossiers/{d.code}/slips/{kind}.pdf", kind)
    assert len(pages) == 1
