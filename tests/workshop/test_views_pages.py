"""The workshop's pages (issue 20), on both databases: who comes in, the list, a draft opened from a
procedure, the structured form and the YAML saved, the checks as the editor types (a fragment that
renders alone), the preview, the impact, the conflict of two editors, the review with four eyes,
and the version history."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlmodel import Session, select

from casework.db import utcnow
from casework.dossiers.catalog import versions_of
from casework.workshop.models import ProcedureDraft
from tests.workshop.conftest import XRAY

HX = {"HX-Request": "true"}


def _open(client, csrf: str, code: str = XRAY) -> int:  # type: ignore[no-untyped-def]
    r = client.post(
        "/workshop/drafts", data={"code": code, "csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303, r.text[:500]
    return int(r.headers["location"].rsplit("/", 1)[1])


def _revision(page: str) -> str:
    found = re.search(r'name="revision" value="(\d+)"', page)
    assert found
    return found.group(1)


def test_only_catalogue_editors_come_in(client, sign_in, world, editors, published) -> None:  # type: ignore[no-untyped-def]
    sign_in(world["bo.mentor"])
    page = client.get("/workshop")
    assert page.status_code == 403
    assert "biên tập viên danh mục thủ tục" in page.text
    assert 'href="/workshop"' not in client.get("/procedures").text
    sign_in(editors[0])
    assert 'href="/workshop"' in client.get("/procedures").text
    page = client.get("/workshop")
    assert page.status_code == 200 and "Mở bản nháp thủ tục" in page.text


def test_edit_preview_impact_review_publish(  # type: ignore[no-untyped-def]
    client, sign_in, session: Session, editors, published
) -> None:
    author, reviewer = editors
    csrf = sign_in(author)
    draft_id = _open(client, csrf)
    assert _open(client, csrf) == draft_id  # the open draft is shared, not a second one
    page = client.get(f"/workshop/drafts/{draft_id}")
    assert page.status_code == 200 and "data-yaml-editor" in page.text
    assert "codemirror-yaml.min.js" in page.text and 'data-testid="valid"' in page.text
    text = session.exec(select(ProcedureDraft.yaml_text).where(ProcedureDraft.id == draft_id)).one()

    # as the editor types: a broken line comes back with its number, as a fragment alone
    broken = text.replace("limit: {value: 5", "limit: {valu: 5", 1)
    line = next(i for i, x in enumerate(broken.splitlines(), 1) if x.startswith("limit:"))
    fragment = client.post(
        f"/workshop/drafts/{draft_id}/check",
        data={"yaml_text": broken},
        headers={**HX, "X-CSRF-Token": csrf},
    )
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="problems"') and "<html" not in fragment.text
    assert f'data-line="{line}"' in fragment.text and "valu" in fragment.text

    # the structured form: a new limit and a new document, written into the YAML in place
    values = {
        "csrf_token": csrf,
        "yaml_text": text,
        "revision": _revision(page.text),
        "apply": "form",
    }
    values |= {"limit_value": "7", "limit_unit": "working_days"}
    # every step's guidance sent back as a browser sends a textarea (CR LF): not a change
    form_page = page.text
    for sid, body in re.findall(
        r'<textarea id="guide-(\w+)"[^>]*>(.*?)</textarea>', form_page, re.S
    ):
        values[f"guide-{sid}"] = html.unescape(body).replace("\n", "\r\n")
    values |= {"new_doc_key": "giay_uy_quyen", "new_doc_name": "Giấy ủy quyền (nếu có)"}
    saved = client.post(f"/workshop/drafts/{draft_id}", data=values, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:800]
    session.commit()  # end the test session's read snapshot
    session.expire_all()
    stored = session.get(ProcedureDraft, draft_id)
    assert stored is not None
    assert "limit: {value: 7, unit: working_days}" in stored.yaml_text
    assert "giay_uy_quyen" in stored.yaml_text
    assert stored.yaml_text.count("#") == text.count("#")  # the comments stay
    revision = stored.revision
    session.commit()  # no read snapshot kept across the app's writes (SQLite)

    # a stale revision: a conflict naming who saved, and the typed text is kept
    stale = dict(values, yaml_text=text + "\n# của tôi\n")
    conflict = client.post(f"/workshop/drafts/{draft_id}", data=stale)
    assert conflict.status_code == 409
    assert author.full_name in conflict.text and "# của tôi" in conflict.text
    assert 'data-testid="conflict"' in conflict.text and "+# của tôi" in conflict.text
    # saving again after the look keeps the typed text over the other save (its newest revision)
    again = dict(stale, revision=_revision(conflict.text), apply="yaml")
    assert again["revision"] == str(revision)
    r = client.post(f"/workshop/drafts/{draft_id}", data=again, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    session.commit()
    text_now = session.exec(
        select(ProcedureDraft.yaml_text).where(ProcedureDraft.id == draft_id)
    ).one()
    assert text_now.endswith("# của tôi\n")
    # back to the changed text for the rest of the walk
    back = {
        "csrf_token": csrf,
        "yaml_text": stored.yaml_text,
        "revision": str(revision + 1),
        "apply": "yaml",
    }
    assert (
        client.post(f"/workshop/drafts/{draft_id}", data=back, follow_redirects=False).status_code
        == 303
    )
    revision += 2
    session.commit()

    preview = client.get(f"/workshop/drafts/{draft_id}/preview")
    assert preview.status_code == 200 and f"/workshop/drafts/{draft_id}/diagram.svg" in preview.text
    handbook = client.get(f"/workshop/drafts/{draft_id}/handbook")
    assert handbook.status_code == 200
    assert (
        "Giấy ủy quyền (nếu có)" in handbook.text
        and 'data-testid="preview-banner"' in handbook.text
    )
    assert f'src="/workshop/drafts/{draft_id}/diagram.svg"' in handbook.text
    impact = client.get(f"/workshop/drafts/{draft_id}/impact")
    assert impact.status_code == 200
    assert "Thời hạn" in impact.text and "giay_uy_quyen" in impact.text
    assert "Hướng dẫn bước" not in impact.text  # the untouched guidance is not a change

    # four eyes: the author submits, cannot approve; the other editor approves and publishes
    page = client.get(f"/workshop/drafts/{draft_id}/review")
    r = client.post(
        f"/workshop/drafts/{draft_id}/submit",
        data={"csrf_token": csrf, "revision": str(revision)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:800]
    own = client.post(
        f"/workshop/drafts/{draft_id}/approve",
        data={"csrf_token": csrf, "effective_date": "", "reason": ""},
    )
    assert own.status_code == 403 and 'data-testid="review-error"' in own.text

    session.commit()  # the test session's read snapshot ends before it writes (SQLite)
    csrf = sign_in(reviewer)
    day = (utcnow() + timedelta(days=40)).date().isoformat()
    r = client.post(
        f"/workshop/drafts/{draft_id}/approve",
        data={"csrf_token": csrf, "effective_date": day, "reason": "Quyết định công bố mới",
              "source_note": "QĐ thử nghiệm"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303, r.text[:800]
    session.commit()
    rows = versions_of(session, XRAY)
    assert rows[0].effective_from is not None and rows[0].reason == "Quyết định công bố mới"
    history = client.get(f"/workshop/history/{XRAY}")
    assert history.status_code == 200
    assert reviewer.full_name in history.text and "QĐ thử nghiệm" in history.text


def test_list_filters_and_bad_input(client, sign_in, editors, published) -> None:  # type: ignore[no-untyped-def]
    csrf = sign_in(editors[0])
    draft_id = _open(client, csrf)
    listed = client.get("/workshop?status=draft")
    assert f"/workshop/drafts/{draft_id}" in listed.text
    assert f"/workshop/drafts/{draft_id}" not in client.get("/workshop?status=published").text
    fragment = client.get(f"/workshop?code={XRAY[:5]}", headers=HX)
    assert fragment.text.lstrip().startswith('<section id="drafts"')
    assert f"/workshop/drafts/{draft_id}" in fragment.text
    page = client.get(f"/workshop/drafts/{draft_id}")
    text = re.search(r"<textarea id=\"yaml_text\"[^>]*>(.*?)</textarea>", page.text, re.S)
    assert text
    bad = {"csrf_token": csrf, "revision": _revision(page.text), "apply": "form"}
    bad |= {"yaml_text": html.unescape(text.group(1)), "limit_value": "năm"}
    r = client.post(f"/workshop/drafts/{draft_id}", data=bad)
    assert r.status_code == 422 and 'id="err-limit_value"' in r.text and "năm" in r.text
    assert client.get("/workshop/drafts/999999").status_code == 404


def test_return_with_a_comment_then_abandon(  # type: ignore[no-untyped-def]
    client, sign_in, session: Session, editors, published
) -> None:
    author, reviewer = editors
    csrf = sign_in(author)
    draft_id = _open(client, csrf)
    page = client.get(f"/workshop/drafts/{draft_id}/review")
    r = client.post(
        f"/workshop/drafts/{draft_id}/submit",
        data={"csrf_token": csrf, "revision": _revision(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    csrf = sign_in(reviewer)
    empty = client.post(
        f"/workshop/drafts/{draft_id}/return", data={"csrf_token": csrf, "comment": " "}
    )
    assert empty.status_code == 422 and 'id="err-comment"' in empty.text
    r = client.post(
        f"/workshop/drafts/{draft_id}/return",
        data={"csrf_token": csrf, "comment": "Ghi nguồn cho thời hạn mới"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(f"/workshop/drafts/{draft_id}")
    assert "Ghi nguồn cho thời hạn mới" in page.text and "Bị trả lại" in page.text
    r = client.post(
        f"/workshop/drafts/{draft_id}/abandon",
        data={"csrf_token": csrf, "note": "Làm lại từ đầu"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("done=abandoned")
    assert "Đã hủy" in client.get(f"/workshop/drafts/{draft_id}/review").text
    assert (
        client.post(f"/workshop/drafts/{draft_id}/nothing", data={"csrf_token": csrf}).status_code
        == 422
    )


def test_the_editor_script_matches_its_sri_hash() -> None:
    """The vendored CodeMirror bundle is the file the page's integrity hash names (a rebuild
    without a new hash would be refused by the browser: README next to it)."""
    import base64
    import hashlib

    from casework.settings import PROJECT_ROOT

    templates = PROJECT_ROOT / "templates"
    found = re.search(
        r'codemirror-6/codemirror-yaml\.min\.js" integrity="sha384-([^"]+)"',
        (templates / "workshop" / "draft.html").read_text(encoding="utf-8"),
    )
    assert found
    bundle = templates / "static" / "vendor" / "codemirror-6" / "codemirror-yaml.min.js"
    digest = base64.b64encode(hashlib.sha384(bundle.read_bytes()).digest()).decode()
    assert digest == found.group(1)
