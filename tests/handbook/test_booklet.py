"""The printed handbook on both databases: one procedure and a field's booklet as HTML and PDF
(A4, cover, contents with page numbers, every procedure of the field, sources, steps, published
answers), what a missing PDF engine does, the PDFs kept, 404s; and the report of the steps whose
guidance cites no article."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from casework import capabilities
from casework.dossiers import slip_views
from casework.handbook import booklet, booklet_views
from casework.handbook.passages import PROBLEMS, citation_problem, uncited_steps

DO_LUONG = "/procedures/fields/do-luong/booklet"
A4 = (595, 842)  # points


def pdf_text(content: bytes) -> tuple[list[str], list[tuple[int, int]]]:
    reader = PdfReader(io.BytesIO(content))
    pages = [page.extract_text() or "" for page in reader.pages]
    sizes = [
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    ]
    return pages, sizes


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


needs_pdf = pytest.mark.skipif(not capabilities.pdf_available(), reason="WeasyPrint cannot load")


def test_field_slugs(registry):
    assert booklet.slug("An toàn bức xạ và hạt nhân") == "an-toan-buc-xa-va-hat-nhan"
    assert booklet.slug("Tiêu chuẩn, Đo lường, Chất lượng") == "tieu-chuan-do-luong-chat-luong"
    fields = {p.field for p in registry.all()}
    assert len({booklet.slug(f) for f in fields}) == len(fields)  # one address per field
    assert all(booklet.field_of(registry, booklet.slug(f)) == f for f in fields)


def test_field_booklet_html_has_cover_contents_and_every_procedure(client, registry, publish):
    publish("Cân điện tử có phải kiểm định lại không?", "Có, theo chu kỳ.", code="XA-DL-KTNN")
    r = client.get(DO_LUONG)
    assert r.status_code == 200
    html = r.text
    assert "Sổ tay hướng dẫn thủ tục" in html and "Lĩnh vực Đo lường" in html
    assert '<h2 id="toc-title">Mục lục</h2>' in html
    field = [p for p in registry.all() if p.field == "Đo lường"]
    assert field
    for n, p in enumerate(sorted(field, key=lambda p: ({"commune": 0}.get(p.level, 1), p.name)), 1):
        assert f'<a href="#c{n}"><span class="toc-name">{n}. {p.name}</span>' in html
        assert f'<article class="chapter" id="c{n}">' in html
    assert "Cân điện tử có phải kiểm định lại không?" in html  # the published answer
    assert 'href="/static/css/booklet.css"' in html and "data-print" in html
    assert 'href="/procedures/fields/do-luong/booklet.pdf"' in html


def test_procedure_booklet_html_has_every_part(client, registry):
    p = registry.get("XA-DL-KTNN")
    html = client.get("/procedures/XA-DL-KTNN/booklet").text
    assert "Mục lục" not in html  # one procedure: no cover, no contents
    for text in (p.name, "Căn cứ pháp lý", "Nguồn và ngày đối chiếu", "Các bước và hướng dẫn"):
        assert text in html
    for b in p.legal_basis:
        assert b in html
    for s in p.states.values():
        assert f"<h3>{s.label}</h3>" in html
    assert "<strong>Hay nhầm:</strong>" in html  # guidance Markdown rendered
    assert "Điểm kiểm tra:" in html and p.checklists["decision"][0] in html
    checked = getattr(p, "checked_on", None) or p.verified_on
    if checked:
        assert f"Kiểm tra nguồn gần nhất ngày {checked:%d/%m/%Y}" in html
    assert "Chưa có câu hỏi nào được trả lời công khai" in html


def test_an_answer_with_html_in_the_booklet_is_text(client, publish):
    publish("<b>Hỏi</b>?", "<script>alert(1)</script>", code="XA-DL-KTNN")
    html = client.get("/procedures/XA-DL-KTNN/booklet").text
    assert "<script>alert(1)" not in html and "<b>Hỏi" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@needs_pdf
def test_field_booklet_pdf_is_a4_with_contents_and_every_procedure(client, registry):
    r = client.get(f"{DO_LUONG}.pdf")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert 'filename="so-tay-do-luong.pdf"' in r.headers["content-disposition"]
    pages, sizes = pdf_text(r.content)
    assert set(sizes) == {A4}
    assert "SỔ TAY HƯỚNG DẪN THỦ TỤC" in squash(pages[0])
    contents = squash(pages[1])
    assert "Mục lục" in contents
    body = squash(" ".join(pages[2:]))
    for p in (p for p in registry.all() if p.field == "Đo lường"):
        # in the contents with the page its chapter starts on, and in the body
        entry = re.search(re.escape(f"mã {p.code}") + r"\s*\.*\s*(\d+)", contents)
        assert entry, (p.code, contents)
        start = int(entry.group(1))
        assert squash(p.name)[:40] in squash(pages[start - 1]), (p.code, start)
        assert p.code in body
        for s in p.states.values():
            assert s.label in body


@needs_pdf
def test_procedure_pdf_and_the_pdfs_kept(client, registry, monkeypatch):
    made = []
    real = booklet_views.html_to_pdf

    def spy(html: str, css: str) -> bytes:
        made.append(html)
        return real(html, css)

    monkeypatch.setattr(booklet_views, "html_to_pdf", spy)
    first = client.get("/procedures/2.002131/booklet.pdf")
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    assert 'filename="so-tay-2-002131.pdf"' in first.headers["content-disposition"]
    pages, _ = pdf_text(first.content)
    assert squash(registry.get("2.002131").name)[:60] in squash(pages[0])
    again = client.get("/procedures/2.002131/booklet.pdf")
    assert again.content == first.content
    assert len(made) == 1  # kept: made once
    assert "toolbar" not in made[0] and "/static/css" not in made[0]  # the PDF's HTML: no chrome


@needs_pdf
def test_a_new_answer_makes_a_new_pdf(client, publish, monkeypatch):
    made = []
    real = booklet_views.html_to_pdf
    monkeypatch.setattr(
        booklet_views, "html_to_pdf", lambda html, css: made.append(html) or real(html, css)
    )
    client.get("/procedures/XA-DL-KTNN/booklet.pdf")
    publish("Câu hỏi mới về cân?", "Trả lời mới.", code="XA-DL-KTNN")
    client.get("/procedures/XA-DL-KTNN/booklet.pdf")
    assert len(made) == 2 and "Câu hỏi mới về cân?" in made[1]


def test_without_the_pdf_engine_a_503_and_no_pdf_link(client, monkeypatch):
    monkeypatch.setattr(capabilities, "pdf_problem", lambda: "OSError: no pango")
    r = client.get("/procedures/2.002131/booklet.pdf")
    assert r.status_code == 503
    assert "Pango" in r.text
    page = client.get("/procedures/2.002131/booklet").text
    assert slip_views.PDF_NOTE in page and "booklet.pdf" not in page
    assert ".pdf" not in client.get("/procedures/2.002131").text.split("print-links")[1][:400]
    assert "booklet.pdf" not in client.get("/procedures").text


@pytest.mark.parametrize(
    "url",
    [
        "/procedures/9.999999/booklet",
        "/procedures/9.999999/booklet.pdf",
        "/procedures/fields/khong-co/booklet",
        "/procedures/fields/khong-co/booklet.pdf",
        f"{DO_LUONG}?level=ministry",
        f"{DO_LUONG}?level=xyz",
    ],
)
def test_unknown_procedure_field_or_level_is_404_in_vietnamese(client, url):
    r = client.get(url)
    assert r.status_code == 404
    assert "không" in r.text.lower()


def test_level_narrows_the_field_booklet(client, registry):
    html = client.get(f"{DO_LUONG}?level=commune").text
    assert "Lĩnh vực Đo lường — Cấp xã" in html
    for p in registry.all():
        if p.field == "Đo lường":
            assert (p.name in html) == (p.level == "commune")


def test_links_from_the_handbook(client, registry):
    detail = client.get("/procedures/2.002131").text
    assert 'href="/procedures/2.002131/booklet"' in detail
    assert 'href="/procedures/fields/an-toan-buc-xa-va-hat-nhan/booklet"' in detail
    assert 'id="legal-basis"' in detail and 'id="documents"' in detail
    p = registry.get("2.002131")
    assert f'id="doc-{p.documents[0].key}"' in detail


# ---- every step's guidance cites its article --------------------------------------------------


@pytest.mark.parametrize(
    ("guidance", "problem"),
    [
        ("Kiểm tra quyết định (Luật Đo lường, Điều 44).", None),
        ("theo điều 5 Thông tư 28/2013/TT-BKHCN", None),
        ("Theo Nghị định 132/2025/NĐ-CP.", "no_article"),
        ("Ghi số phương tiện đo đã xem.", "no_citation"),
        ("Xem domain-vn.md §6.2, Điều 4", "internal_note"),
        ("  ", "no_guidance"),
    ],
)
def test_citation_problem(guidance, problem):
    assert citation_problem(guidance) == problem


def test_report_the_steps_whose_guidance_cites_no_article(registry):
    """Not a gate: the list for whoever adds the citations (nothing is made up here)."""
    found = uncited_steps(registry.all())
    steps = sum(len(p.states) for p in registry.all())
    # the report is this test's output (pytest -s, or -rP): the one deliberate print
    lines = [f"{len(found)} of {steps} steps: guidance without the article it rests on"]
    lines += [f"  {u.code} #step-{u.state} ({u.label}): {PROBLEMS[u.problem]}" for u in found]
    print("\n" + "\n".join(lines))  # noqa: T201
    assert all(u.problem in PROBLEMS for u in found)
    cited = [
        (p.code, sid)
        for p in registry.all()
        for sid in p.states
        if citation_problem(p.guidance.get(sid, "")) is None
    ]
    assert not {(u.code, u.state) for u in found} & set(cited)
