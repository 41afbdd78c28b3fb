"""Handbook pages: list, filters, accent-insensitive search (full page and htmx block), the
procedure page with guidance and diagram, version history, staff buttons. The ranking itself:
test_search.py."""

from __future__ import annotations

import re

import pytest

from casework.handbook.index import Index
from casework.handbook.passages import procedure_passages
from casework.handbook.search import HandbookFilter, search
from casework.text import fold


@pytest.fixture(scope="module")
def index(registry) -> Index:  # type: ignore[no-untyped-def]
    return Index([x for p in registry.all() for x in procedure_passages(p)])


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Kiểm tra Đo lường", "kiem tra do luong"), ("  ĐẮK   LẮK ", "dak lak"), ("Huế", "hue")],
)
def test_fold(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("q", "expected_code"),
    [
        ("kiem tra do luong tai cho", "XA-DL-KTNN"),
        ("KIỂM TRA ĐO LƯỜNG tại chợ", "XA-DL-KTNN"),
        ("x-quang khai bao", "2.002131"),
        ("vo tuyen dien nghiep du chung chi", "KHCN-VTD-ND-CC"),
        ("2.002131", "2.002131"),
    ],
)
def test_search_ignores_diacritics_and_case(index, q, expected_code):
    """The procedure's own passage (its name, code) is among the first."""
    top = [(h.passage.kind, h.passage.code) for h in index.search(q).hits[:5]]
    assert ("procedure", expected_code) in top


def test_filters_by_level_and_field(registry):
    commune = search(registry.all(), HandbookFilter(level="commune"))
    assert commune
    assert {p.level for p in commune} == {"commune"}
    assert all(p.kind == "inspection" for p in commune)
    radiation = search(registry.all(), HandbookFilter(field="An toàn bức xạ và hạt nhân"))
    assert len(radiation) >= 6


def test_list_page_full_and_htmx_block(client):
    page = client.get("/procedures", params={"q": "kiem tra do luong"})
    assert page.status_code == 200
    assert "<h1>Sổ tay thủ tục</h1>" in page.text
    assert "Kiểm tra nhà nước về đo lường tại chợ" in page.text
    assert "Cấp giấy phép tiến hành công việc bức xạ" not in page.text
    block = client.get("/procedures", params={"q": "buc xa"}, headers={"HX-Request": "true"})
    assert block.status_code == 200
    assert block.text.lstrip().startswith('<section id="results"')
    assert "<h1>" not in block.text
    assert "Cấp giấy phép tiến hành công việc bức xạ" in block.text
    empty = client.get("/procedures", params={"q": "khongco thutuc nao nhuthe"})
    assert "Không có đoạn nào khớp" in empty.text


def test_procedure_page_shows_limit_documents_steps_guidance(client):
    r = client.get("/procedures/2.002131")
    assert r.status_code == 200
    html = r.text
    assert "5 ngày làm việc" in html
    assert "Phiếu khai báo thiết bị X-quang chẩn đoán trong y tế" in html
    assert "Luật Năng lượng nguyên tử" in html
    assert "<strong>Kiểm tra:</strong>" in html  # guidance Markdown rendered
    assert 'src="/procedures/2.002131/diagram.svg"' in html
    assert "Cần đối chiếu" in html or "cần đối chiếu lại" in html
    assert "Chưa có câu hỏi nào được trả lời" in html
    assert "Lịch sử phiên bản" in html
    assert re.search(r"<td>\d+ \(đang dùng\)</td>", html)
    assert "Làm thử một hồ sơ" not in html  # not signed in: no staff buttons


def test_unknown_procedure_is_404_in_vietnamese(client):
    r = client.get("/procedures/9.999999")
    assert r.status_code == 404
    assert "Không tìm thấy" in r.text


def test_diagram_renders_svg_with_the_current_step_highlighted(client):
    r = client.get("/procedures/2.002131/diagram.svg", params={"current": "reviewing"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in r.text
    assert "Thẩm định hồ sơ" in r.text
    assert "#ffbf47" in r.text  # the highlighted step
    plain = client.get("/procedures/2.002131/diagram.svg")
    assert "#ffbf47" not in plain.text


def test_markdown_in_guidance_cannot_inject_html():
    from casework.settings import PROJECT_ROOT
    from casework.web.templating import make_templates

    env = make_templates(PROJECT_ROOT / "templates", "Asia/Ho_Chi_Minh").env
    out = env.filters["markdown"]("**đậm** <script>alert(1)</script>")
    assert "<strong>đậm</strong>" in out
    assert "<script>" not in out


def test_words_match_whole_syllables_and_the_last_as_a_prefix(index):
    def codes(q):
        return {h.passage.code for h in index.search(q).hits if h.passage.kind == "procedure"}

    assert "KHCN-BX-CP" not in codes("kiem tra do luong")  # its "chẩn đoán" has no syllable "do"
    assert "XA-DL-KTNN" in codes("kiem tra do lu")  # still typing the last word
    assert codes("buc x") >= {"KHCN-BX-CP", "KHCN-BX-GH", "KHCN-BX-SD"}


@pytest.mark.parametrize("q", ["x quang", "X-QUANG khai bao", "quang khai"])
def test_hyphenated_words_split_into_syllables(index, q):
    assert "2.002131" in {h.passage.code for h in index.search(q).hits}
