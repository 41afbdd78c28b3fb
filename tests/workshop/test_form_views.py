"""The draft page's structured form on both databases: a document taken out, checklist items
edited, taken out and added, written into the saved YAML (which the YAML editor then shows); a
refusal keeps every mark and text typed; the draft's status in the English interface."""

from __future__ import annotations

import html
import re

import yaml
from sqlmodel import Session

from casework.workshop.models import ProcedureDraft
from tests.workshop.test_views_pages import _open, _revision


def _yaml_of(page: str) -> str:
    found = re.search(r'<textarea id="yaml_text"[^>]*>(.*?)</textarea>', page, re.S)
    assert found
    return html.unescape(found.group(1))


def _form(page: str, csrf: str) -> dict[str, str]:
    """What the browser sends back untouched: the text, the revision, every field as shown."""
    values = {"csrf_token": csrf, "revision": _revision(page), "apply": "form"}
    values["yaml_text"] = _yaml_of(page)
    for name, value in re.findall(r'<input id="[^"]+" name="([^"]+)" value="([^"]*)"', page):
        values[name] = html.unescape(value)
    for name, body in re.findall(r'<textarea id="guide-\w+" name="([^"]+)"[^>]*>(.*?)</textarea>',
                                 page, re.S):  # fmt: skip
        values[name] = html.unescape(body)
    values |= dict.fromkeys(re.findall(r'name="(doc-\d+-required)" checked', page), "on")
    return values


def _opened(client, sign_in, editor) -> tuple[str, int, str]:  # type: ignore[no-untyped-def]
    """(csrf token, draft id, the draft page) of the X-ray draft `editor` opens."""
    csrf = sign_in(editor)
    draft_id = _open(client, csrf)
    return csrf, draft_id, client.get(f"/workshop/drafts/{draft_id}").text


def test_documents_and_checklists_taken_out_edited_and_added(  # type: ignore[no-untyped-def]
    client, sign_in, session: Session, editors, published
) -> None:
    csrf, draft_id, page = _opened(client, sign_in, editors[0])
    assert 'name="docdel-0"' in page and 'name="chkdel-received-1"' in page
    assert 'name="chk-signing-new"' in page and 'data-testid="checklist-reviewing"' in page
    before = yaml.safe_load(_yaml_of(page))
    values = _form(page, csrf)
    values |= {"docdel-0": "on", "new_doc_key": "giay_uy_quyen", "new_doc_name": "Giấy ủy quyền"}
    values |= {"chkdel-received-1": "on", "chk-reviewing-0": "Yêu cầu bổ sung một lần"}
    values |= {"chk-signing-new": "Ký đúng thẩm quyền"}
    saved = client.post(f"/workshop/drafts/{draft_id}", data=values, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:800]

    session.commit()  # end the test session's read snapshot
    stored = session.get(ProcedureDraft, draft_id)
    assert stored is not None
    after = yaml.safe_load(stored.yaml_text)
    assert [d["key"] for d in after["documents"]] == ["giay_uy_quyen"]
    received = before["checklists"]["received"]
    assert after["checklists"]["received"] == [received[0], *received[2:]]
    assert after["checklists"]["reviewing"][0] == "Yêu cầu bổ sung một lần"
    assert after["checklists"]["signing"] == [
        *before["checklists"]["signing"],
        "Ký đúng thẩm quyền",
    ]
    assert after["states"] == before["states"] and after["sources"] == before["sources"]
    session.commit()

    # the YAML editor and the form show the saved text
    page = client.get(f"/workshop/drafts/{draft_id}").text
    assert _yaml_of(page) == stored.yaml_text and "Ký đúng thẩm quyền" in _yaml_of(page)
    assert 'name="docdel-1"' not in page and 'value="Giấy ủy quyền"' in page


def test_a_refusal_keeps_the_marks_and_the_items_typed(  # type: ignore[no-untyped-def]
    client, sign_in, session: Session, editors, published
) -> None:
    csrf, draft_id, page = _opened(client, sign_in, editors[0])
    text = _yaml_of(page)
    values = _form(page, csrf) | {"limit_value": "năm", "docdel-0": "on"}
    values |= {"chkdel-received-0": "on", "chk-reviewing-new": "Điểm mới chưa lưu"}
    refused = client.post(f"/workshop/drafts/{draft_id}", data=values)
    assert refused.status_code == 422 and 'id="err-limit_value"' in refused.text
    assert 'name="docdel-0" data-testid="doc-remove" checked' in refused.text
    assert 'name="chkdel-received-0" checked' in refused.text
    assert 'value="Điểm mới chưa lưu"' in refused.text
    assert '<details open data-testid="checklists">' in refused.text
    session.commit()
    assert session.get(ProcedureDraft, draft_id).yaml_text == text  # type: ignore[union-attr]

    # an emptied item, not marked «xóa»: refused at its field, the rest kept
    values = _form(page, csrf) | {"chk-received-0": " ", "chk-signing-new": "Giữ lại"}
    refused = client.post(f"/workshop/drafts/{draft_id}", data=values)
    assert refused.status_code == 422 and 'id="err-chk-received-0"' in refused.text
    assert 'value="Giữ lại"' in refused.text


def test_draft_statuses_and_events_in_english(client, sign_in, editors, published) -> None:  # type: ignore[no-untyped-def]
    csrf = sign_in(editors[0])
    draft_id = _open(client, csrf)
    listed = client.get("/workshop?lang=en").text
    assert "Being drafted" in listed and "Awaiting review" in listed  # the row, the filter
    assert "Đang soạn" not in listed
    review = client.get(f"/workshop/drafts/{draft_id}/review").text
    assert "Create draft" in review and "Tạo bản nháp" not in review
