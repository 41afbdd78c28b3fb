"""A portal import stored as a workshop draft, through the workshop service (both databases)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import Session

from casework.accounts import service as accounts
from casework.accounts.models import User
from casework.dossiers.catalog import sync_procedures
from casework.errors import Conflict, DraftInvalid, PermissionDenied, ValidationFailed
from casework.workshop import service
from casework.workshop.models import DraftAction, DraftStatus
from casework.workshop.portal_import import draft_from_portal
from casework.workshop.portal_store import store_portal_draft

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = dt.date(2026, 12, 5)


def _editor(session: Session, world, name: str = "bo.editor") -> User:  # type: ignore[no-untyped-def]
    return accounts.create_user(
        session,
        username=name,
        full_name=f"Biên tập {name}",
        unit=world.ministry,
        roles=["catalogue_editor"],
    )


def _page(name: str, **kw: object):  # type: ignore[no-untyped-def]
    return draft_from_portal((FIXTURES / name).read_bytes(), today=TODAY, **kw)  # type: ignore[arg-type]


def test_a_new_procedure_becomes_a_draft_with_an_imported_event(
    session: Session, world, workflows_dir: Path, registry
) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(session, world)
    result = _page("csdl_mirror_1.009844_cap_lai_giay_phep_buc_xa.html")
    draft = store_portal_draft(session, actor=editor, result=result, workflows_dir=workflows_dir)
    assert (draft.code, draft.status, draft.base_version_id) == (
        "1.009844",
        DraftStatus.draft,
        None,
    )
    assert draft.yaml_text == result.yaml_text  # comments (steps, unmapped list) kept
    events = service.draft_events(session, draft.id)  # type: ignore[arg-type]
    assert [e.action for e in events] == [DraftAction.created, DraftAction.imported]
    assert events[1].note.startswith("Nhập từ Trang ls1.hethongphapluat.com, «Thủ tục cấp lại")
    assert "Trang nguồn không ghi: Căn cứ pháp lý, Thời hạn giải quyết" in events[1].note
    # the draft does not validate until an editor fills what the page lacks: it cannot be submitted
    with pytest.raises(DraftInvalid) as exc:
        service.submit_draft(
            session,
            actor=editor,
            draft_id=draft.id,  # type: ignore[arg-type]
            revision=draft.revision,
            workflows_dir=workflows_dir,
            registry=registry,
        )
    assert any("limit" in message for _, message in exc.value.problems)


def test_a_page_without_a_code_needs_one(session: Session, world, workflows_dir: Path) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(session, world)
    with pytest.raises(ValidationFailed) as exc:
        store_portal_draft(
            session,
            actor=editor,
            result=_page("dichvucong_263341_gia_han_x_quang.html"),
            workflows_dir=workflows_dir,
        )
    assert exc.value.fields == {"code": "Nhập mã thủ tục."}
    draft = store_portal_draft(
        session,
        actor=editor,
        result=_page("dichvucong_263341_gia_han_x_quang.html", code="KHCN-NHAP-THU"),
        workflows_dir=workflows_dir,
    )
    assert draft.code == "KHCN-NHAP-THU"


def test_a_published_procedure_is_not_replaced_by_a_skeleton(
    session: Session, world, workflows_dir: Path, xray
) -> None:  # type: ignore[no-untyped-def]
    sync_procedures(session, [xray])
    editor = _editor(session, world)
    with pytest.raises(Conflict) as exc:
        store_portal_draft(
            session,
            actor=editor,
            result=_page("tiengiang_2.002131_khai_bao_x_quang.html"),
            workflows_dir=workflows_dir,
        )
    assert "«2.002131» đã có trong danh mục" in exc.value.message
    assert service.open_draft_for(session, "2.002131") is None


def test_a_second_import_of_the_same_code_points_to_the_open_draft(
    session: Session, world, workflows_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(session, world)
    page = _page("dichvucong_2.000169_san_xuat_chat_phong_xa.html")
    first = store_portal_draft(session, actor=editor, result=page, workflows_dir=workflows_dir)
    with pytest.raises(Conflict) as exc:
        store_portal_draft(session, actor=editor, result=page, workflows_dir=workflows_dir)
    assert f"bản nháp số {first.id}" in exc.value.message


def test_only_a_catalogue_editor_imports(session: Session, world, workflows_dir: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        store_portal_draft(
            session,
            actor=world["bo.mentor"],
            result=_page("dichvucong_2.000169_san_xuat_chat_phong_xa.html"),
            workflows_dir=workflows_dir,
        )
