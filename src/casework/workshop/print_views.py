"""The print of a draft procedure: `GET /workshop/drafts/{id}/booklet` (the A4 page to print) and
`…/booklet.pdf`, the handbook's print (`handbook.booklet_views`) drawn from the draft's text, with
a mark saying it is a draft. For catalogue editors only, like the rest of the workshop; a draft
that does not validate has no print (404 in Vietnamese, as its handbook preview)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from casework.errors import NotFound
from casework.handbook import booklet as booklets
from casework.handbook.booklet_views import respond, wants_pdf
from casework.ids import IdPath
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import RegistryDep, SessionDep, TzDep
from casework.workshop.service import get_draft, require_editor

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def draft_booklet(
    draft_id: IdPath,
    request: Request,
    session: SessionDep,
    registry: RegistryDep,
    user: PageUser,
    tz: TzDep,
) -> Response:
    from casework.workshop.views import draft_procedure  # the views import this module

    require_editor(user)
    draft = get_draft(session, draft_id)
    procedure, _ = draft_procedure(request, session, draft)
    if procedure is None:
        raise NotFound("Bản nháp chưa hợp lệ nên chưa in được; sửa các lỗi trước.")
    book = dataclasses.replace(
        booklets.of_procedure(session, procedure, datetime.now(tz).date()),
        back_url=f"/workshop/drafts/{draft.id}/handbook",
        pdf_url=f"/workshop/drafts/{draft.id}/booklet.pdf",
        filename=f"ban-nhap-{booklets.slug(draft.code)}-lan-{draft.revision}.pdf",
    )
    # kept per draft and revision: a save is a new PDF, and the published page's is not reused
    key = ("draft", draft.id, draft.revision, procedure.content_hash)
    return respond(
        request, session, registry, user, book, key, wants_pdf(request),
        template="workshop/booklet.html", extra={"draft": draft},
    )  # fmt: skip


for _path in ("/workshop/drafts/{draft_id}/booklet", "/workshop/drafts/{draft_id}/booklet.pdf"):
    router.add_api_route(_path, draft_booklet, methods=["GET"])
