"""Two app workers on one database: a publication through one is served by the other without a
restart (the catalogue generation, `workshop.live`)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from casework.db import make_engine
from casework.main import create_app
from casework.settings import Settings
from casework.workshop import live, publish, service
from tests.workshop.conftest import XRAY, changed_xray, publish_changed_xray


def test_a_publication_reaches_the_other_worker(
    engine, session: Session, editors, world, workflows_dir, tmp_path, token_for, monkeypatch
):
    url = engine.url.render_as_string(hide_password=False)
    other_engine = make_engine(url)
    settings = Settings(env="test", database_url="sqlite://", upload_dir=tmp_path / "up")
    first, second = create_app(settings, engine=engine), create_app(settings, engine=other_engine)
    monkeypatch.setattr(live, "CHECK_EVERY", 0.0)  # the once-a-second throttle, for the test
    headers = token_for(world.users["hni.receiver"])
    try:
        with TestClient(first) as one, TestClient(second) as two:
            for client in (one, two):
                got = client.get(f"/api/v1/procedures/{XRAY}", headers=headers)
                assert got.status_code == 200, got.text
                assert got.json()["limit"]["value"] == 5
            a, b = editors
            registry = first.state.registry
            draft = service.open_draft(session, actor=a, code=XRAY, workflows_dir=workflows_dir)
            draft = service.save_draft(
                session, actor=a, draft_id=draft.id, yaml_text=changed_xray(draft.yaml_text),
                revision=draft.revision,
            )  # fmt: skip
            service.submit_draft(
                session, actor=a, draft_id=draft.id, revision=draft.revision,
                workflows_dir=workflows_dir, registry=registry,
            )  # fmt: skip
            service.approve_draft(session, actor=b, draft_id=draft.id)
            publish.publish_draft(
                session, actor=b, draft_id=draft.id, workflows_dir=workflows_dir,
                registry=registry,
            )  # fmt: skip
            got = two.get(f"/api/v1/procedures/{XRAY}", headers=headers)
            assert got.json()["limit"]["value"] == 7
            assert second.state.catalogue_generation == 1
    finally:
        other_engine.dispose()


def test_the_counter_is_read_at_most_once_a_second(engine, tmp_path, monkeypatch):
    settings = Settings(env="test", database_url="sqlite://", upload_dir=tmp_path / "up")
    app = create_app(settings, engine=engine)
    reads = []
    real = live.generation
    monkeypatch.setattr(live, "generation", lambda s: reads.append(1) or real(s))
    with TestClient(app) as client:
        reads.clear()
        for _ in range(5):
            client.get("/healthz")
            live.refresh(app.state, engine)
    assert len(reads) <= 1


def test_a_version_dated_next_month_is_served_from_that_day(
    engine, session: Session, editors, workflows_dir, tmp_path, monkeypatch
):
    from datetime import timedelta

    from casework.db import utcnow

    settings = Settings(env="test", database_url="sqlite://", upload_dir=tmp_path / "up")
    app = create_app(settings, engine=engine)
    monkeypatch.setattr(live, "CHECK_EVERY", 0.0)
    with TestClient(app):
        registry = app.state.registry
        when = utcnow() + timedelta(days=30)
        publish_changed_xray(session, editors, registry, workflows_dir, effective_from=when)
        live.refresh(app.state, engine)
        assert app.state.registry.get(XRAY).limit.value == 5  # published, not yet in force
        assert app.state.catalogue_next_change == when
        later = when + timedelta(minutes=1)
        monkeypatch.setattr(live, "utcnow", lambda: later)
        live.refresh(app.state, engine)
        assert app.state.registry.get(XRAY).limit.value == 7
