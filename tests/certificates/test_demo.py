"""The demo certificates load through the service, with their evidence files (both databases)."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from casework.accounts import service as accounts
from casework.accounts.models import User
from casework.certificates import demo
from casework.certificates.checks import missing_certificates
from casework.certificates.models import Certificate


def test_demo_certificates(session, world, up):
    for name, unit in (("badinh.leader", world.commune), ("bo.admin", world.ministry),
                       ("kha.handler", None), ("hni.leader", None)):  # fmt: skip
        if name not in world.users:
            accounts.create_user(session, username=name, full_name=f"Cán bộ {name}",
                                 unit=unit or world.hni, roles=["leader"])  # fmt: skip
    assert demo.load_demo(session, upload_dir=up) == 3  # thuannam.handler is not in this world
    assert demo.load_demo(session, upload_dir=up) == 0  # idempotent
    certs = session.exec(select(Certificate)).all()
    assert all((up / c.evidence_key).is_file() for c in certs)
    assert [c.number for c in certs if c.revoked] == ["DEMO-CC-DL-0104"]
    leader = session.exec(select(User).where(User.username == "badinh.leader")).one()
    assert (
        missing_certificates(session, users=[leader], field="Đo lường", on=date(2026, 6, 1)) == {}
    )
