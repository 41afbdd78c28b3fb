"""The workshop pages' part of the access matrix (`tests/security/test_access_matrix.py`): a draft
for the GET routes, and one builder per POST route for `unsafe_requests.BUILDERS`, each on a draft
of a procedure no other request has opened (editors share one open draft per procedure)."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, col, select

from casework.accounts.models import User
from casework.workshop import service
from casework.workshop.models import OPEN_STATUSES, ProcedureDraft

EDITOR = "bo.editor"


def _free_code(session: Session, procedures: Any, editor: User | None = None) -> str:
    """A procedure without an open draft (each builder gets its own); when every procedure has
    one (the hostile forms send hundreds of requests), the oldest open draft is abandoned."""
    open_drafts = session.exec(
        select(ProcedureDraft)
        .where(col(ProcedureDraft.status).in_(OPEN_STATUSES))
        .order_by(col(ProcedureDraft.id))
    ).all()
    taken = {d.code for d in open_drafts}
    free = next((p.code for p in procedures.all() if p.code not in taken), None)
    if free is not None:
        return free
    oldest = open_drafts[0]
    actor = editor or session.exec(select(User).where(User.username == EDITOR)).one()
    assert oldest.id is not None
    service.abandon_draft(session, actor=actor, draft_id=oldest.id)
    return oldest.code


def _draft(session: Session, editor: User, procedures: Any, workflows_dir: Any) -> ProcedureDraft:
    code = _free_code(session, procedures, editor)
    return service.open_draft(session, actor=editor, code=code, workflows_dir=workflows_dir)


def matrix_draft(session: Session, editor: User, procedures: Any, workflows_dir: Any) -> int:
    """An open draft for the matrix's GET routes (its id)."""
    draft = _draft(session, editor, procedures, workflows_dir)
    assert draft.id is not None
    return draft.id


def _settings_dir(k: Any) -> Any:
    return k.client.app.state.settings.workflows_dir


def open_draft(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    code = _free_code(k.session, k.procedures)

    def stored(db: Session, r: Any) -> str:
        found = db.exec(select(ProcedureDraft).where(ProcedureDraft.code == code)).first()
        return "" if found is not None else f"no draft of {code}"

    return Sent(
        "/workshop/drafts", {"code": code}, location=r"^/workshop/drafts/\d+$", stored=stored
    )


def check_draft(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    draft = _draft(k.session, who, k.procedures, _settings_dir(k))
    form = {"yaml_text": draft.yaml_text.replace("limit:", "limt:", 1)}

    def stored(db: Session, r: Any) -> str:
        return "" if 'data-line="' in r.text and "limt" in r.text else "no problem at its line"

    return Sent(f"/workshop/drafts/{draft.id}/check", form, status=200, stored=stored)


def save_draft(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    draft = _draft(k.session, who, k.procedures, _settings_dir(k))
    form = {"yaml_text": draft.yaml_text + "\n# đã xem\n", "revision": str(draft.revision)}

    def stored(db: Session, r: Any) -> str:
        row = db.get(ProcedureDraft, draft.id)
        return "" if row is not None and row.yaml_text.endswith("# đã xem\n") else "not saved"

    url = f"/workshop/drafts/{draft.id}"
    return Sent(url, form, location=rf"^{re.escape(url)}\?done=saved$", stored=stored)


def review_step(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    draft = _draft(k.session, who, k.procedures, _settings_dir(k))
    url = f"/workshop/drafts/{draft.id}/submit"

    def stored(db: Session, r: Any) -> str:
        row = db.get(ProcedureDraft, draft.id)
        return "" if row is not None and row.status == "submitted" else "not submitted"

    return Sent(
        url, {"revision": str(draft.revision)},
        location=rf"^/workshop/drafts/{draft.id}/review\?done=submitted$", stored=stored,
    )  # fmt: skip


BUILDERS = {
    ("POST", "/workshop/drafts"): open_draft,
    ("POST", "/workshop/drafts/{draft_id}/check"): check_draft,
    ("POST", "/workshop/drafts/{draft_id}"): save_draft,
    ("POST", "/workshop/drafts/{draft_id}/{step}"): review_step,
}


def import_page(k: Any, who: User, mode: str) -> Any:
    """A saved record of the national TTHC database imported as a new draft (its code is not in
    the catalogue; one editor in the matrix, so one import)."""
    from pathlib import Path

    from casework.workshop.import_views import FILE_FIELD
    from tests.security.unsafe_requests import Sent

    page = Path(__file__).parent / "fixtures" / "csdl_mirror_1.009844_cap_lai_giay_phep_buc_xa.html"

    def stored(db: Session, r: Any) -> str:
        draft_id = int(r.headers["location"].rsplit("/", 1)[1])
        return "" if db.get(ProcedureDraft, draft_id) is not None else "no draft"

    return Sent(
        "/workshop/import", {}, files={FILE_FIELD: (page.name, page.read_bytes(), "text/html")},
        location=r"^/workshop/drafts/\d+$", stored=stored,
    )  # fmt: skip


BUILDERS[("POST", "/workshop/import")] = import_page
