"""Recording, editing and revoking certificates, who may, and the team check (both databases)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from casework.certificates import queries, service
from casework.certificates.checks import missing_certificates
from casework.certificates.models import Certificate, CertificateChange
from casework.dossiers.attachments import Upload
from casework.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.certificates.helpers import FIELD, QUALITY, admin_of, record, values

PDF = b"%PDF-1.4\n% evidence\n"


def test_admin_records_a_certificate_with_its_evidence(session, world, up):
    admin = admin_of(session, world.hni, "hni.admin")
    officer = world["badinh.receiver"]
    cert = service.create(
        session, actor=admin, username=officer.username, values=values(valid_until="2027-12-31"),
        evidence=Upload("evidence", "chung-chi.pdf", PDF), upload_dir=up,
    )  # fmt: skip
    stored = session.get(Certificate, cert.id)
    assert stored is not None and stored.user_id == officer.id and stored.field == FIELD
    assert stored.valid_until == date(2027, 12, 31) and stored.recorded_by_id == admin.id
    assert stored.evidence_name == "chung-chi.pdf" and stored.evidence_type == "application/pdf"
    assert (up / stored.evidence_key).read_bytes() == PDF
    changes = session.exec(select(CertificateChange)).all()
    assert [(c.kind, c.actor_id) for c in changes] == [("created", admin.id)]


def test_every_bad_field_is_named_and_nothing_is_written(session, world, up):
    admin = admin_of(session, world.hni, "hni.admin")
    bad = values(field="Tin học", course="", number="", issued_on="31/02/2025",
                 valid_until="hôm qua")  # fmt: skip
    with pytest.raises(ValidationFailed) as caught:
        service.create(session, actor=admin, username="khong-co", values=bad, upload_dir=up)
    assert set(caught.value.fields) == {
        "username", "field", "course", "number", "issued_on", "valid_until",
    }  # fmt: skip
    assert "Đo lường" in caught.value.fields["field"]
    session.rollback()
    assert session.exec(select(Certificate)).all() == []


def test_end_before_start_and_bad_evidence_are_refused(session, world, up):
    admin = admin_of(session, world.hni, "hni.admin")
    officer = world["hni.handler"]
    with pytest.raises(ValidationFailed) as caught:
        record(session, admin, officer, up, issued_on="15/10/2025", valid_until="01/10/2025")
    assert "sau ngày cấp" in caught.value.fields["valid_until"]
    with pytest.raises(ValidationFailed) as caught:
        service.create(
            session, actor=admin, username=officer.username, values=values(),
            evidence=Upload("evidence", "virus.exe", b"MZ\x90\x00"), upload_dir=up,
        )  # fmt: skip
    assert "doc_evidence" in caught.value.fields
    session.rollback()
    assert session.exec(select(Certificate)).all() == []
    assert not any(p.is_file() for p in up.rglob("*"))


def test_number_is_unique_per_field_and_issuer(session, world, up):
    admin = admin_of(session, world.hni, "hni.admin")
    record(session, admin, world["hni.handler"], up, "DL-7")
    with pytest.raises(ValidationFailed) as caught:
        record(session, admin, world["hni.leader"], up, "DL-7")
    assert "DL-7" in caught.value.fields["number"]
    session.rollback()
    record(session, admin, world["hni.leader"], up, "DL-7", field=QUALITY)  # other field


def test_only_admins_above_the_officer_manage(session, world, up):
    hni_admin = admin_of(session, world.hni, "hni.admin")
    kha_admin = admin_of(session, world.kha, "kha.admin")
    bo_admin = admin_of(session, world.ministry, "bo.admin")
    officer = world["badinh.receiver"]
    with pytest.raises(ValidationFailed) as caught:  # a foreign unit's officer: not found
        record(session, kha_admin, officer, up)
    assert "username" in caught.value.fields
    session.rollback()
    with pytest.raises(PermissionDenied):
        record(session, world["hni.auditor"], officer, up)
    cert = record(session, bo_admin, officer, up)  # the ministry manages everyone
    with pytest.raises(NotFound):
        service.revoke(session, actor=kha_admin, certificate_id=cert.id, values={"reason": "x"})
    session.rollback()
    service.revoke(session, actor=hni_admin, certificate_id=cert.id, values={"reason": "Sai số"})
    assert session.get(Certificate, cert.id).revoked


def test_readers(session, world, up):
    admin = admin_of(session, world.hni, "hni.admin")
    cert = record(session, admin, world["badinh.receiver"], up)
    assert service.get_visible(session, world["badinh.receiver"], cert.id).id == cert.id
    assert service.get_visible(session, world["hni.auditor"], cert.id).id == cert.id
    assert service.get_visible(session, world["bo.auditor"], cert.id).id == cert.id
    for name in ("kha.receiver", "hni.handler", "bo.mentor"):
        with pytest.raises(NotFound):
            service.get_visible(session, world[name], cert.id)


def test_edit_keeps_history_and_refuses_a_stale_form(session, world, up):
    admin = admin_of(session, world.hni, "hni.admin")
    cert = record(session, admin, world["hni.handler"], up)
    changed = service.edit(
        session, actor=admin, certificate_id=cert.id,
        values=values("DL-001A", version=str(cert.version)), upload_dir=up,
    )  # fmt: skip
    assert changed.number == "DL-001A" and changed.version == 2
    with pytest.raises(Conflict):
        service.edit(session, actor=admin, certificate_id=cert.id,
                     values=values("DL-9", version="1"), upload_dir=up)  # fmt: skip
    session.rollback()
    history = queries.history(session, changed)
    assert [h.kind for h, _ in history] == ["created", "edited"]
    assert history[1][0].before["number"] == "DL-001"


def test_revoke_needs_a_reason_and_keeps_the_row(session, world, up):
    admin = admin_of(session, world.hni, "hni.admin")
    cert = record(session, admin, world["hni.handler"], up)
    with pytest.raises(ValidationFailed) as caught:
        service.revoke(session, actor=admin, certificate_id=cert.id, values={"reason": "  "})
    assert "reason" in caught.value.fields
    session.rollback()
    service.revoke(session, actor=admin, certificate_id=cert.id, values={"reason": "Cấp nhầm"})
    with pytest.raises(Conflict):
        service.revoke(session, actor=admin, certificate_id=cert.id, values={"reason": "lần 2"})
    session.rollback()
    with pytest.raises(Conflict):
        service.edit(session, actor=admin, certificate_id=cert.id, values=values(),
                     upload_dir=up)  # fmt: skip
    session.rollback()
    row = session.get(Certificate, cert.id)
    assert row.revoked and row.revoked_reason == "Cấp nhầm" and row.revoked_by_id == admin.id


# ---- the team check --------------------------------------------------------------------------


def test_missing_certificates_names_each_person_and_why(session, world, up):
    admin = admin_of(session, world.hni, "hni.admin")
    valid, expired, none, revoked, later, other = (
        world[n] for n in ("hni.handler", "hni.leader", "hni.receiver", "hni.receiver2",
                           "badinh.receiver", "kha.handler")
    )  # fmt: skip
    valid.full_name, none.full_name = "Trần Thị Bình", "Nguyễn Văn A"
    session.commit()
    record(session, admin, valid, up, "A1", issued_on="2025-01-10", valid_until="2026-03-02")
    record(session, admin, expired, up, "A2", issued_on="2023-01-10", valid_until="2025-12-31")
    record(session, admin, none, up, "A3", field=QUALITY)  # another field does not count
    r = record(session, admin, revoked, up, "A4")
    service.revoke(session, actor=admin, certificate_id=r.id, values={"reason": "Cấp nhầm"})
    record(session, admin, later, up, "A5", issued_on="2026-04-01")
    bo = admin_of(session, world.ministry, "bo.admin")
    record(session, bo, other, up, "A6", valid_until="")  # no end date: valid
    on = date(2026, 3, 2)
    team = [valid, expired, none, revoked, later, other]
    out = missing_certificates(session, users=team, field=FIELD, on=on)
    assert set(out) == {expired.id, none.id, revoked.id, later.id}
    assert out[none.id] == "Nguyễn Văn A chưa có chứng chỉ nghiệp vụ kiểm tra về đo lường"
    assert expired.full_name in out[expired.id] and "hết hạn ngày 31/12/2025" in out[expired.id]
    assert "thu hồi" in out[revoked.id] and "Cấp nhầm" in out[revoked.id]
    assert "01/04/2026" in out[later.id]
    # the last day of validity still counts; the day after does not
    assert valid.id not in out
    after = missing_certificates(session, users=[valid], field=FIELD, on=date(2026, 3, 3))
    assert "hết hạn ngày 02/03/2026" in after[valid.id]
    quality = missing_certificates(session, users=[none, valid], field=QUALITY, on=on)
    assert set(quality) == {valid.id}
    assert "chất lượng sản phẩm, hàng hóa" in quality[valid.id]
    assert missing_certificates(session, users=[], field=FIELD, on=on) == {}


def test_add_in_transaction_leaves_the_commit_to_the_caller(session, world):
    admin = admin_of(session, world.ministry, "bo.admin")
    v = service.check_values(values("LTH0001-001"))
    cert = service.add_in_transaction(session, actor=admin, user_id=world["hni.handler"].id,
                                      values=v, source="class", class_id=7, note="Lớp 7")  # fmt: skip
    assert cert.id is not None and cert.class_id == 7
    session.rollback()  # the caller's transaction failed: nothing stays
    assert session.exec(select(Certificate)).all() == []
    assert session.exec(select(CertificateChange)).all() == []


def test_a_number_recorded_meanwhile_is_a_field_error_not_a_crash(session, world, up, monkeypatch):
    admin = admin_of(session, world.hni, "hni.admin")
    record(session, admin, world["hni.handler"], up, "RACE-1")
    # the friendly check ran before the other admin's commit: the unique key is the backstop
    monkeypatch.setattr(service, "duplicate_of", lambda *a, **k: None)
    with pytest.raises(ValidationFailed) as caught:
        service.create(
            session, actor=admin, username="hni.leader", values=values("RACE-1"),
            evidence=Upload("evidence", "cc.pdf", PDF), upload_dir=up,
        )  # fmt: skip
    assert "RACE-1" in caught.value.fields["number"]
    assert len(session.exec(select(Certificate)).all()) == 1
    assert not [p for p in up.rglob("*") if p.is_file()]  # the evidence file was removed
