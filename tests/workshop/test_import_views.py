"""The workshop's import page (/workshop/import), on both databases."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from casework.accounts import service as accounts
from casework.workshop import service
from casework.workshop.models import DraftAction

FIXTURES = Path(__file__).parent / "fixtures"
HTML = "text/html"


def _editor(session: Session, world):  # type: ignore[no-untyped-def]
    return accounts.create_user(
        session, username="bo.editor", full_name="Biên tập viên", unit=world.ministry,
        roles=["catalogue_editor"],
    )  # fmt: skip


def _post(client, csrf: str, name: str, **fields: str):  # type: ignore[no-untyped-def]
    data = (FIXTURES / name).read_bytes()
    return client.post(
        "/workshop/import", data={"csrf_token": csrf, **fields},
        files={"file": (name, data, HTML)}, follow_redirects=False,
    )  # fmt: skip


def test_a_saved_page_becomes_a_draft_and_opens_in_the_editor(
    client, sign_in, session: Session, world
) -> None:  # type: ignore[no-untyped-def]
    csrf = sign_in(_editor(session, world))
    page = client.get("/workshop/import")
    assert page.status_code == 200
    assert "Nhập thủ tục từ Cổng Dịch vụ công" in page.text
    r = _post(client, csrf, "csdl_mirror_1.009844_cap_lai_giay_phep_buc_xa.html")
    assert r.status_code == 303, r.text
    draft_id = int(r.headers["location"].rsplit("/", 1)[1])
    draft = service.get_draft(session, draft_id)
    assert draft.code == "1.009844"
    assert "# Trình tự thực hiện theo trang nguồn" in draft.yaml_text
    actions = [e.action for e in service.draft_events(session, draft_id)]
    assert actions == [DraftAction.created, DraftAction.imported]
    editor = client.get(
        r.headers["location"]
    )  # the workshop's editor opens it (it does not validate yet)
    assert editor.status_code == 200
    assert "1.009844" in editor.text


def test_a_page_without_a_code_keeps_what_was_typed_and_says_what_was_read(
    client, sign_in, session: Session, world
) -> None:  # type: ignore[no-untyped-def]
    csrf = sign_in(_editor(session, world))
    url = "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=263341"
    r = _post(client, csrf, "dichvucong_263341_gia_han_x_quang.html", url=url)
    assert r.status_code == 422
    assert "Trang nguồn không ghi mã thủ tục" in r.text
    assert 'id="err-code"' in r.text and f'value="{url}"' in r.text
    assert "Mau 6_Don gia han GP.doc" in r.text  # the forms, listed
    r = _post(client, csrf, "dichvucong_263341_gia_han_x_quang.html", code="KHCN-BX-GH-THU")
    assert r.status_code == 303


def test_no_file_and_a_binary_word_file_are_refused_at_the_file_field(
    client, sign_in, session: Session, world
) -> None:  # type: ignore[no-untyped-def]
    csrf = sign_in(_editor(session, world))
    r = client.post("/workshop/import", data={"csrf_token": csrf, "code": "X-1"},
                    files={"file": ("", b"", HTML)}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 422 and 'id="err-file"' in r.text and 'value="X-1"' in r.text
    word = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
    r = client.post("/workshop/import", data={"csrf_token": csrf},
                    files={"file": ("tt.doc", word, "application/msword")},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 422 and "Trang web (.htm)" in r.text
    r = _post(client, csrf, "dichvucong_263341_gia_han_x_quang.html", url="dichvucong.gov.vn")
    assert (
        r.status_code == 422 and 'id="err-url"' in r.text and 'value="dichvucong.gov.vn"' in r.text
    )


def test_only_a_catalogue_editor_sees_the_page(client, sign_in, world) -> None:  # type: ignore[no-untyped-def]
    sign_in(world["bo.mentor"])
    assert client.get("/workshop/import").status_code == 403


def test_a_published_procedure_is_compared_instead_of_drafted(
    client, sign_in, session: Session, world, xray
) -> None:  # type: ignore[no-untyped-def]
    from casework.dossiers.catalog import sync_procedures

    sync_procedures(session, [xray])
    csrf = sign_in(_editor(session, world))
    r = _post(client, csrf, "tiengiang_2.002131_khai_bao_x_quang.html")
    assert r.status_code == 409
    assert "đã có trong danh mục" in r.text
    assert 'data-testid="import-differences"' in r.text
    assert "An toàn bức xạ hạt nhân" in r.text and "An toàn bức xạ và hạt nhân" in r.text
    assert service.open_draft_for(session, "2.002131") is None


def test_hostile_typed_fields_are_refused_at_their_field_and_nothing_is_stored(
    client, sign_in, session: Session, world
) -> None:  # type: ignore[no-untyped-def]
    csrf = sign_in(_editor(session, world))
    page = "dichvucong_263341_gia_han_x_quang.html"
    for fields, field in (
        ({"url": "https://dichvucong.gov.vn/\x00", "code": "KHCN-A"}, "url"),
        ({"code": "KHCN\u202eA"}, "code"),
        ({"code": "x" * 1_000_000}, "code"),
        ({"code": "KHCN A"}, "code"),
    ):
        r = _post(client, csrf, page, **fields)
        assert r.status_code == 422, fields
        assert f'id="err-{field}"' in r.text
        assert "x" * 501 not in r.text  # a million characters are not sent back
    assert service.list_drafts(session) == []
