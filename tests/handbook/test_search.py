"""Full-text search over the handbook: what is indexed, accents, ranking, snippets (pure, on the
real procedure files), then the published answers and the page on both databases."""

from __future__ import annotations

import re

import pytest

from casework.handbook import service
from casework.handbook.index import Index, parse
from casework.handbook.passages import plain, procedure_passages


@pytest.fixture(scope="module")
def index(registry) -> Index:  # type: ignore[no-untyped-def]
    return Index([x for p in registry.all() for x in procedure_passages(p)])


def urls(index: Index, q: str, n: int = 5) -> list[str]:
    return [h.passage.url for h in index.search(q).hits[:n]]


def marked(segments) -> list[str]:  # type: ignore[no-untyped-def]
    return [text for text, hit in segments if hit]


# ---- what is indexed ---------------------------------------------------------------------------


def test_every_part_of_a_procedure_is_a_passage(registry):
    p = registry.get("XA-DL-KTNN")
    passages = procedure_passages(p)
    kinds = {x.kind for x in passages}
    assert kinds >= {"procedure", "legal", "source", "step"}
    steps = {x.url for x in passages if x.kind == "step"}
    assert steps == {f"/procedures/XA-DL-KTNN#step-{sid}" for sid in p.states}
    inspecting = next(x for x in passages if x.url.endswith("#step-inspecting"))
    assert "tem/giấy chứng nhận kiểm định" in inspecting.body  # the guidance, as plain text
    decision = next(x for x in passages if x.url.endswith("#step-decision"))
    assert "Điểm kiểm tra: Quyết định ghi đủ đoàn" in decision.body  # the checklist
    assert "Ký quyết định kiểm tra (ghi: Số văn bản, quyết định)" in decision.body  # actions
    xray = procedure_passages(registry.get("2.002131"))
    docs = [x for x in xray if x.kind == "document"]
    assert docs and all(re.search(r"#doc-\w+$", x.url) for x in docs)


def test_markdown_becomes_plain_text():
    assert plain("**Hay nhầm:** xem [tem](http://x) và `mã`\n\n- một\n- hai") == (
        "Hay nhầm: xem tem và mã\nmột\nhai"
    )
    assert plain("<script>alert(1)</script>") == "<script>alert(1)</script>"  # text, kept as is


# ---- accents, ranking ------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["tem kiem dinh", "TEM KIỂM ĐỊNH", "tem kiểm định", "tem kiem di"])
def test_tem_kiem_dinh_finds_the_verification_stamp_step_first(index, q):
    found = index.search(q)
    assert not found.partial
    first = found.hits[0]
    assert first.passage.url == "/procedures/XA-DL-KTNN#step-inspecting"
    assert first.passage.title == "Kiểm tra tại cơ sở"
    # every hit holds all three words: the stamp is on the measuring instruments' steps
    assert all(h.matched == 3 for h in found.hits)
    index.mark(first, found.expansions)
    assert marked(first.snippet) == ["tem", "kiểm định"]


def test_words_side_by_side_rank_above_the_same_words_apart(index):
    found = index.search("kiem dinh")
    top = found.hits[:6]
    # "kiểm định" itself (documents, steps), before "kiểm tra … quyết định"
    assert all("kiểm định" in (h.passage.title + h.passage.body).lower() for h in top)
    apart = [h for h in found.hits if "kiểm định" not in (h.passage.title + h.passage.body).lower()]
    assert apart and max(h.score for h in apart) < min(h.score for h in top)
    # only the phrase is marked, not the "kiểm" of "kiểm tra" in the step's heading
    step = next(h for h in top if h.passage.url.endswith("#step-handling"))
    index.mark(step, found.expansions)
    assert marked(step.title) == []
    assert "kiểm định" in marked(step.snippet)


def test_a_code_finds_its_procedure_first(index):
    assert urls(index, "2.002131", 1) == ["/procedures/2.002131"]
    assert urls(index, "xa-dl-ktnn", 1) == ["/procedures/XA-DL-KTNN"]


def test_the_procedure_a_step_belongs_to_counts(index):
    """`x quang tiep nhan`: the reception steps of the procedures about X-ray equipment."""
    hits = index.search("x quang tiep nhan").hits[:5]
    assert all(h.passage.kind == "step" and "tiếp nhận" in h.passage.title.lower() for h in hits)
    assert "/procedures/2.002131#step-received" in [h.passage.url for h in hits]


def test_the_name_weighs_more_than_the_text(index):
    hits = index.search("kiem tra do luong").hits
    assert hits[0].passage.kind == "procedure"
    assert hits[0].passage.code in ("XA-DL-KTNN", "XA-DL-HDGS")


def test_the_last_word_may_be_unfinished_the_others_not(index):
    assert urls(index, "tem kiem di", 1) == urls(index, "tem kiem dinh", 1)
    whole = index.search("tem kiem di ")  # a space after it: "di" is a whole word, not there
    assert whole.partial and {h.matched for h in whole.hits} == {2}
    assert parse("tem kiem di").prefix and not parse("tem kiem di ").prefix


def test_when_no_passage_has_every_word_those_missing_one_are_shown(index):
    found = index.search("tem kiem dinh khongcotu")
    assert found.partial
    assert found.hits[0].passage.url == "/procedures/XA-DL-KTNN#step-inspecting"
    assert {h.matched for h in found.hits} == {3}
    assert index.search("tem khongcotu khongcotu2").hits == []  # two words found nowhere
    assert index.search("khongcotu").hits == []


def test_empty_and_odd_queries(index):
    assert index.search("").hits == []
    assert index.search("  ,.;- ").hits == []
    assert index.search("_%").hits == []
    assert index.search("’“<>&").hits == []


def test_snippet_is_a_window_cut_at_words(index):
    found = index.search("can doi chung")
    hit = found.hits[0]
    index.mark(hit, found.expansions)
    text = "".join(t for t, _ in hit.snippet)
    assert "cân đối chứng" in text
    assert len(text.split()) <= 40
    assert text.startswith("… ") or hit.passage.body.startswith(text[:20])


# ---- published answers, the page (both databases) --------------------------------------------


def test_published_answers_are_searched_private_ones_not(session, registry, publish):
    publish("Cân treo có cần dán tem kiểm định không?", "Có: mọi cân dùng mua bán phải có tem.")
    publish("Câu riêng về tem kiểm định", "Trả lời riêng khongcongkhai", public=False)
    results = service.find(session, registry, q="can treo tem")
    first = results.page.items[0]
    assert first.passage.kind == "faq"
    assert first.passage.url.startswith("/questions/")
    assert "Cân treo" in "".join(t for t, _ in first.title)
    assert service.find(session, registry, q="khongcongkhai").page.total == 0


def test_the_index_follows_an_edited_answer(session, registry, publish, world):
    from casework.clock import default_calendar
    from casework.questions import service as questions

    q = publish("Hỏi về lò xo", "Trả lời cũ chuoicu")
    assert service.find(session, registry, q="chuoicu").page.total == 1
    questions.answer(
        session, user=world["bo.mentor"], question_id=q.id, calendar=default_calendar(),
        values={"answer": "Trả lời mới chuoimoi", "public": "1", "version": str(q.version)},
    )  # fmt: skip
    assert service.find(session, registry, q="chuoicu").page.total == 0
    assert service.find(session, registry, q="chuoimoi").page.total == 1


def test_an_answer_with_html_is_shown_as_text(client, publish):
    publish("Có <b>đậm</b> không? tukhoadoc", "<script>alert('x')</script> <img src=x onerror=1>")
    html = client.get("/procedures", params={"q": "tukhoadoc"}).text
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>đậm" not in html
    assert "&lt;b&gt;đậm&lt;/b&gt;" in html or "&lt;b&gt;" in html
    answer = client.get("/procedures", params={"q": "script alert"}).text
    assert "<mark>script</mark>" in answer  # the mark is ours; the text around it escaped
    unmarked = answer.replace("<mark>", "").replace("</mark>", "")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in unmarked


def test_search_page_full_htmx_and_the_address(client):
    page = client.get("/procedures", params={"q": "tem kiem dinh"})
    assert page.status_code == 200
    html = page.text
    assert "<h1>Sổ tay thủ tục</h1>" in html
    first = re.search(r'<a class="hit-title" href="([^"]+)">', html)
    assert first and first.group(1) == "/procedures/XA-DL-KTNN#step-inspecting"
    assert "<mark>tem</mark>/giấy chứng nhận <mark>kiểm định</mark>" in html
    assert 'data-testid="count">1 đoạn khớp · trong 1 thủ tục' in html
    block = client.get("/procedures", params={"q": "tem kiem dinh"}, headers={"HX-Request": "true"})
    assert block.text.lstrip().startswith('<section id="results"')
    assert "<h1>" not in block.text
    assert block.text.strip() in html  # exactly the part of the page


def test_search_within_a_level_and_a_field(client):
    commune = client.get("/procedures", params={"q": "kiem tra", "level": "commune"}).text
    assert "Cấp tỉnh (Sở KH&amp;CN) ·" not in commune
    assert "Cấp xã ·" in commune
    field = client.get("/procedures", params={"q": "giay phep", "field": "Viễn thông và Internet"})
    metas = re.findall(r'<span class="meta">([^<]*) · mã ', field.text)
    assert metas and all("Viễn thông và Internet" in m for m in metas)


def test_paging_keeps_the_query(client):
    first = client.get("/procedures", params={"q": "ho so"}).text
    assert "trang 1/" in first
    nxt = re.search(r'href="(/procedures\?[^"]*page=2[^"]*)"', first)
    assert nxt and "q=ho+so" in nxt.group(1)
    second = client.get(nxt.group(1).replace("&amp;", "&")).text
    assert "trang 2/" in second
    assert re.findall(r'class="hit-title" href="([^"]+)"', first) != re.findall(
        r'class="hit-title" href="([^"]+)"', second
    )
    beyond = client.get("/procedures", params={"q": "ho so", "page": 999}).text
    assert "Trang này không còn kết quả" in beyond
    assert client.get("/procedures", params={"q": "ho so", "page": 0}).status_code == 422


def test_no_query_lists_procedures_by_field_with_their_booklets(client, registry):
    html = client.get("/procedures").text
    for field in {p.field for p in registry.all()}:
        assert f">{field}</h2>" in html.replace("&amp;", "&")
    assert 'href="/procedures/fields/do-luong/booklet"' in html
    commune = client.get("/procedures", params={"level": "commune"}).text
    assert 'href="/procedures/fields/do-luong/booklet?level=commune"' in commune
