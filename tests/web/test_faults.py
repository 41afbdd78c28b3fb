"""Faults: a write to the upload storage that fails partway (the disk fills up) is reported to
the user, and nothing is left half-written — no dossier, no event, no attachment row, no file.

The fault is real, not a mock: the process's file-size limit (RLIMIT_FSIZE) makes the operating
system refuse the write past 256 KiB, as a full disk would. PostgreSQL only, so the database
itself lives in another process and is not touched by the limit.
"""

from __future__ import annotations

import resource
import signal

import pytest
from sqlalchemy import func
from sqlmodel import select

from casework.dossiers.models import Attachment, Dossier, Event

LIMIT = 256 * 1024
#: Past the limit when our storage writes it; small enough to stay in memory while the request
#: is parsed (Starlette spools an upload to a temporary file only past 1 MiB).
HALF_MIB_PDF = b"%PDF-1.4\n" + b"0" * (512 * 1024)
#: So large that the request itself cannot be spooled: the fault hits before our code runs.
TWO_MIB_PDF = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)


@pytest.fixture
def small_disk():
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, old_limit[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)


def counts(session):
    session.expire_all()
    return tuple(
        session.exec(select(func.count()).select_from(model)).one()
        for model in (Dossier, Event, Attachment)
    )


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    ("pdf", "status", "message"),
    [
        (HALF_MIB_PDF, 422, "ổ đĩa đầy hoặc không ghi được"),
        (TWO_MIB_PDF, 507, "hết chỗ lưu trữ (ổ đĩa đầy)"),
    ],
    ids=["storing-the-file", "receiving-the-request"],
)
def test_a_full_disk_on_upload_is_reported_and_nothing_is_kept(
    client, session, world, sign_in, app, small_disk, pdf, status, message
):
    token = sign_in(world["hni.receiver"])
    upload_dir = app.state.settings.upload_dir
    before = counts(session)
    r = client.post(
        "/dossiers",
        data={
            "csrf_token": token,
            "procedure": "2.002131",
            "mode": "real",
            "kind": "organisation",
            "applicant_name": "Bệnh viện Ổ Đĩa Đầy",
            "channel": "in_person",
        },
        files={"doc_phieu_khai_bao": ("phieu.pdf", pdf, "application/pdf")},
        follow_redirects=False,
    )
    assert r.status_code == status
    assert message in r.text
    if status == 422:  # our code ran: the form is shown again with what was typed
        assert 'value="Bệnh viện Ổ Đĩa Đầy"' in r.text
    assert counts(session) == before
    assert not [p for p in upload_dir.rglob("*") if p.is_file()]
