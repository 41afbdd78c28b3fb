"""Demo certificates (call `load_demo` from `casework.demo.load`, after the users; pass the
upload directory so the evidence files exist, e.g. `settings.upload_dir`).

Made-up numbers prefixed DEMO-CC- (not real certificates): a valid one for Ba Đình's leader
(đo lường), one without end date for Hà Nội's leader (chất lượng), one that ended on 31/12/2025
for Thuận Nam's handler, and a revoked one for Khánh Hòa's handler — so the lists, the statuses
and the team check's messages all show. Users missing from the database are skipped.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from casework.accounts.models import User
from casework.certificates import service
from casework.certificates.models import Certificate, CertificateChange
from casework.db import utcnow
from casework.dossiers import attachments

ISSUER = "Ủy ban Tiêu chuẩn Đo lường Chất lượng Quốc gia"
COURSE = {
    "Đo lường": "Bồi dưỡng nghiệp vụ kiểm tra nhà nước về đo lường (2 ngày)",
    "Chất lượng sản phẩm, hàng hóa": "Bồi dưỡng nghiệp vụ kiểm tra nhà nước về chất lượng hàng hóa",
}
#: (username, field, number, issued, valid until, revoked because)
DEMO = [
    ("badinh.leader", "Đo lường", "DEMO-CC-DL-0101", date(2025, 10, 15), date(2028, 10, 14), None),
    ("hni.leader", "Chất lượng sản phẩm, hàng hóa", "DEMO-CC-CL-0102", date(2025, 11, 20), None,
     None),
    ("thuannam.handler", "Đo lường", "DEMO-CC-DL-0103", date(2023, 1, 10), date(2025, 12, 31),
     None),
    ("kha.handler", "Đo lường", "DEMO-CC-DL-0104", date(2025, 10, 15), None,
     "Ghi nhầm người nhận; chứng chỉ thuộc cán bộ khác."),
]  # fmt: skip
#: a one-page PDF standing for the scanned certificate
EVIDENCE = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def load_demo(session: Session, *, upload_dir: Path | None = None) -> int:
    """Record the demo certificates (skipping those already there); returns how many."""
    admin = session.exec(select(User).where(User.username == "bo.admin")).first()
    now = utcnow()
    stored = attachments.Stored()
    count = 0
    try:
        for username, field, number, issued, until, revoked in DEMO:
            user = session.exec(select(User).where(User.username == username)).first()
            taken = session.exec(select(Certificate.id).where(Certificate.number == number)).first()
            if user is None or user.id is None or taken is not None:
                continue
            values = service.Values(field, COURSE[field], ISSUER, number, issued, until)
            cert = service.add_in_transaction(session, actor=admin, user_id=user.id,
                                              values=values, note="Dữ liệu mẫu")  # fmt: skip
            if upload_dir is not None:
                key = attachments.write_file(upload_dir, EVIDENCE, now=now, stored=stored,
                                             field_name="evidence")  # fmt: skip
                cert.evidence_key, cert.evidence_name = key, f"{number}.pdf"
                cert.evidence_type, cert.evidence_size = "application/pdf", len(EVIDENCE)
                cert.evidence_sha256 = hashlib.sha256(EVIDENCE).hexdigest()
            if revoked:
                cert.revoked, cert.revoked_reason = True, revoked
                cert.revoked_by_id, cert.revoked_at = cert.recorded_by_id, now
                assert cert.id is not None
                change = CertificateChange(
                    certificate_id=cert.id,
                    kind="revoked",
                    actor_id=cert.recorded_by_id,
                    note=revoked,
                )
                session.add(change)
            count += 1
        session.commit()
    except BaseException:
        session.rollback()
        stored.discard()
        raise
    return count
