"""The handbook preview's print links lead to the DRAFT's print (page and PDF), marked as a draft,
not to the published booklet; only editors see it; an invalid draft has none. Both databases."""

from __future__ import annotations

from sqlmodel import Session

from casework import capabilities
from casework.workshop import service
from tests.workshop.conftest import XRAY, changed_xray
from tests.workshop.test_views_pages import _open


def test_the_preview_prints_the_draft(  # type: ignore[no-untyped-def]
    client, sign_in, session: Session, editors, published, world
) -> None:
    csrf = sign_in(editors[0])
    draft_id = _open(client, csrf)
    draft = service.get_draft(session, draft_id)
    service.save_draft(
        session, actor=editors[0], draft_id=draft_id, yaml_text=changed_xray(draft.yaml_text),
        revision=draft.revision,
    )  # fmt: skip
    session.commit()

    preview = client.get(f"/workshop/drafts/{draft_id}/handbook").text
    assert f'href="/workshop/drafts/{draft_id}/booklet"' in preview
    assert f"/procedures/{XRAY}/booklet" not in preview  # not the published booklet
    assert 'data-testid="draft-print"' in preview
    page = client.get(f"/workshop/drafts/{draft_id}/booklet")
    assert page.status_code == 200
    assert 'data-testid="draft-mark"' in page.text and f"BẢN NHÁP #{draft_id}" in page.text
    assert "07 ngày làm việc" in page.text or "7 ngày làm việc" in page.text
    assert "Giấy ủy quyền (nếu có)" in page.text
    assert f'href="/workshop/drafts/{draft_id}/handbook"' in page.text
    published_page = client.get(f"/procedures/{XRAY}/booklet").text
    assert "Giấy ủy quyền (nếu có)" not in published_page and "draft-mark" not in published_page

    if capabilities.pdf_available():
        pdf = client.get(f"/workshop/drafts/{draft_id}/booklet.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert f"ban-nhap-{XRAY.replace('.', '-')}-lan-2.pdf" in pdf.headers["content-disposition"]
        assert f'href="/workshop/drafts/{draft_id}/booklet.pdf"' in preview
        assert pdf.content != client.get(f"/procedures/{XRAY}/booklet.pdf").content

    # not an editor: refused; a draft that does not validate: no print
    broken = service.get_draft(session, draft_id)
    service.save_draft(
        session, actor=editors[0], draft_id=draft_id,
        yaml_text=broken.yaml_text.replace("limit:", "limt:", 1), revision=broken.revision,
    )  # fmt: skip
    session.commit()
    missing = client.get(f"/workshop/drafts/{draft_id}/booklet")
    assert missing.status_code == 404 and "chưa in được" in missing.text
    sign_in(world["bo.mentor"])
    assert client.get(f"/workshop/drafts/{draft_id}/booklet").status_code == 403
