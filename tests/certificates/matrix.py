"""The certificates' part of the access matrix (`tests/security/test_access_matrix.py`): a
certificate of the matrix's trainee (with an evidence file) for the GET routes, and one builder
per POST route for `unsafe_requests.BUILDERS`, each on fresh data made through the services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from casework.accounts.models import User
from casework.certificates import importer, service
from casework.certificates.models import Certificate
from casework.dossiers.attachments import Upload
from tests.certificates.helpers import values, xlsx

PDF = b"%PDF-1.4\n% matrix evidence\n"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def matrix_certificate(session: Session, people: dict[str, User], upload_dir: Path) -> int:
    """A certificate of hni.receiver (the matrix's trainee), recorded by the ministry's admin."""
    cert = service.create(
        session, actor=people["bo.admin"], username="hni.receiver", values=values("MATRIX-1"),
        evidence=Upload("evidence", "chung-chi.pdf", PDF), upload_dir=upload_dir,
    )  # fmt: skip
    assert cert.id is not None
    return cert.id


def _number(db: Session, number: str) -> Certificate | None:
    return db.exec(select(Certificate).where(Certificate.number == number)).first()


def _fresh_certificate(k: Any) -> Certificate:
    officer = k.user(k.units["HNI"], ["handler"])
    return service.create(
        k.session, actor=k.people["bo.admin"], username=officer.username,
        values=values(k.fresh("MX-")), upload_dir=k.upload_dir,
    )  # fmt: skip


def create(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    officer = k.user(k.units["HNI"], ["handler"])
    number = k.fresh("MN-")
    form = {**values(number), "username": officer.username}
    files = {"doc_evidence": ("cc.pdf", PDF, "application/pdf")}

    def stored(db: Session, r: Any) -> str:
        c = _number(db, number)
        ok = c is not None and c.user_id == officer.id and c.evidence_name == "cc.pdf"
        return "" if ok else "no such certificate with its evidence"

    return Sent("/certificates", form, files=files, location=r"^/certificates/\d+\?saved=1$",
                stored=stored)  # fmt: skip


def edit(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    cert = _fresh_certificate(k)
    number = k.fresh("ME-")
    url = f"/certificates/{cert.id}"

    def stored(db: Session, r: Any) -> str:
        c = db.get(Certificate, cert.id)
        return "" if c is not None and c.number == number else "the number did not change"

    return Sent(url, {**values(number), "version": str(cert.version)},
                location=rf"^{url}\?saved=1$", stored=stored)  # fmt: skip


def revoke(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    cert = _fresh_certificate(k)
    url = f"/certificates/{cert.id}"

    def stored(db: Session, r: Any) -> str:
        c = db.get(Certificate, cert.id)
        return "" if c is not None and c.revoked and c.revoked_by_id == who.id else "not revoked"

    return Sent(f"{url}/revoke", {"reason": "Cấp nhầm", "version": str(cert.version)},
                location=rf"^{url}\?saved=1$", stored=stored)  # fmt: skip


def _sheet(k: Any) -> tuple[bytes, str]:
    officer = k.user(k.units["HNI"], ["handler"])
    number = k.fresh("MI-")
    row = [officer.full_name, officer.username, "SKHCN.HNI", "Đo lường", "Lớp ma trận",
           "Ủy ban TĐC", number, "15/10/2025", ""]  # fmt: skip
    return xlsx([row]), number


def preview(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    data, number = _sheet(k)

    def stored(db: Session, r: Any) -> str:
        if _number(db, number) is not None:
            return "the preview wrote a certificate"
        return "" if number in r.text and 'name="token"' in r.text else "no preview shown"

    files = {"file": ("lop.xlsx", data, XLSX)}
    return Sent("/certificates/import", files=files, status=200, stored=stored)


def confirm(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    data, number = _sheet(k)
    p = importer.preview(k.session, actor=who, filename="lop.xlsx", data=data,
                         import_dir=Path(k.upload_dir) / "imports")  # fmt: skip
    assert p.bad == 0, [r.problems for r in p.rows]

    def stored(db: Session, r: Any) -> str:
        return "" if _number(db, number) is not None else "the row was not written"

    return Sent("/certificates/import/confirm", {"token": p.token},
                location=r"^/certificates\?imported=1$", stored=stored)  # fmt: skip


BUILDERS = {
    ("POST", "/certificates"): create,
    ("POST", "/certificates/{certificate_id}"): edit,
    ("POST", "/certificates/{certificate_id}/revoke"): revoke,
    ("POST", "/certificates/import"): preview,
    ("POST", "/certificates/import/confirm"): confirm,
}
