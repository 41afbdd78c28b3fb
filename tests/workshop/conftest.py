"""Workshop fixtures: two ministry catalogue editors on top of the test world, and the shipped
catalogue published (as at start-up on an empty database)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from casework.accounts import service as accounts
from casework.accounts.models import User
from casework.workshop import service
from casework.workshop.publish import publish_draft
from casework.workshop.startup import sync_repository

XRAY = "2.002131"


@pytest.fixture
def editors(session: Session, world) -> tuple[User, User]:  # type: ignore[no-untyped-def]
    return tuple(  # type: ignore[return-value]
        accounts.create_user(
            session, username=f"bo.editor{i}", full_name=f"Biên tập viên {i}",
            unit=world.ministry, roles=["catalogue_editor"],
        )
        for i in (1, 2)
    )  # fmt: skip


@pytest.fixture
def published(session: Session, registry, workflows_dir: Path):  # type: ignore[no-untyped-def]
    """The shipped files published into the empty catalogue (the bootstrap)."""
    assert sync_repository(session, registry.all(), workflows_dir) == []
    return registry


def changed_xray(text: str, *, days: int = 7) -> str:
    """The X-ray file with another time limit and one more document."""
    out = text.replace(
        "limit: {value: 5, unit: working_days}", f"limit: {{value: {days}, unit: working_days}}"
    )
    assert out != text
    return out.replace(
        "documents:\n",
        "documents:\n  - key: giay_uy_quyen\n    name: Giấy ủy quyền (nếu có)\n"
        "    required: false\n",
        1,
    )


def publish_changed_xray(session: Session, editors, registry, workflows_dir: Path, **publish):  # type: ignore[no-untyped-def]
    """The first editor drafts `changed_xray`, saves and submits it, the second approves and
    publishes it (`publish`: effective_from, reason, source_note). Returns (draft, version row)."""
    author, reviewer = editors
    draft = service.open_draft(session, actor=author, code=XRAY, workflows_dir=workflows_dir)
    draft = service.save_draft(
        session, actor=author, draft_id=draft.id, yaml_text=changed_xray(draft.yaml_text),
        revision=draft.revision,
    )  # fmt: skip
    service.submit_draft(
        session, actor=author, draft_id=draft.id, revision=draft.revision,
        workflows_dir=workflows_dir, registry=registry,
    )  # fmt: skip
    service.approve_draft(session, actor=reviewer, draft_id=draft.id)
    row = publish_draft(
        session, actor=reviewer, draft_id=draft.id, workflows_dir=workflows_dir,
        registry=registry, **publish,
    )  # fmt: skip
    return draft, row
