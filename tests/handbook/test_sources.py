"""The handbook page shows where each fact comes from (issue 18): the «Nguồn» section with every
public source, what it backs, its link and the day it was checked; what is still unconfirmed,
named per value; whether the code is national or local; no team notes."""

from __future__ import annotations

import re
from html import unescape

import pytest


def section(html: str) -> str:
    found = re.search(r'<section id="sources".*?</section>', html, re.S)
    assert found, "no «Nguồn» section"
    return unescape(found.group(0))


def test_sources_with_what_they_back_link_date_and_note(client, registry):
    p = registry.get("2.002379")
    r = client.get("/procedures/2.002379")
    assert r.status_code == 200
    box = section(r.text)
    assert '<h2 id="h-sources">Nguồn</h2>' in box
    assert "Mã 2.002379 là mã thủ tục quốc gia." in box
    assert "Kiểm tra nguồn gần nhất ngày 05/12/2026." in box
    items = re.findall(r'<li data-testid="source">(.*?)</li>', box, re.S)
    assert len(items) == len(p.sources)
    first = items[0]
    assert first.startswith(
        "<strong>Mã thủ tục, Tên thủ tục, Thời hạn giải quyết, Phí, lệ phí:</strong>"
    )
    assert "lệ phí 200.000 đ/chứng chỉ" in first
    assert f'<a href="{p.sources[0].url}" rel="noopener noreferrer">trang nguồn</a>' in first
    assert "(kiểm tra ngày 05/12/2026)" in first
    assert "giữ mã 2.002379 của nguồn mới hơn" in first  # where sources disagree
    # the long address is a link, not text that would widen a 360 px page
    assert "https://" not in re.sub(r'href="[^"]*"', "", box)


def test_unconfirmed_facts_are_named_and_lead_to_the_sources(client):
    html = unescape(client.get("/procedures/KHCN-BX-GH").text)
    note = re.search(r'<div class="note" role="note" data-testid="recheck">.*?</div>', html, re.S)
    assert note
    text = note.group(0)
    assert "<strong>Thời hạn giải quyết:</strong>" in text
    assert "<strong>Phí, lệ phí:</strong>" in text
    assert "2.002381" in text  # the code that could not be confirmed
    assert '<a href="#sources">Xem nguồn của từng thông tin</a>' in text
    assert "Mã KHCN-BX-GH là mã địa phương (chưa có mã thủ tục quốc gia)." in section(html)


@pytest.mark.parametrize(
    "code",
    ["2.002131", "2.002379", "KHCN-BX-SD", "1.014445", "KHCN-VT-GPDV-SD", "KHCN-VTD-ND-CC"],
)
def test_no_team_notes_are_shown_to_officers(client, code):
    html = client.get(f"/procedures/{code}").text
    assert "domain-vn" not in html
    assert "legal-findings" not in html


def test_the_page_reads_the_same_in_english_but_sources_stay_vietnamese(client):
    html = unescape(client.get("/procedures/2.002379", params={"lang": "en"}).text)
    box = section(html)
    assert "2.002379 is the national procedure code." in box
    assert "(checked on 05/12/2026)" in box
    assert ">source page</a>" in box
    assert "Cổng DVC Đà Nẵng" in box  # the citation itself is procedure data


def test_the_old_code_leads_to_the_procedure_that_replaced_it(client):
    r = client.get("/procedures/KHCN-BX-CCNV")
    assert r.status_code == 200
    assert "Mã 2.002379 · phiên bản 4" in r.text
