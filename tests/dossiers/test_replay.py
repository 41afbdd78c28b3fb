"""Replay: the dossier as it stood after any event, folded from the log alone."""

from __future__ import annotations

import pytest

from casework.dossiers import queries
from casework.errors import NotFound
from tests.factories import fire, open_xray


def test_replay_each_step(session, world, xray):
    d = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], d, "accept")
    fire(
        session, world["hni.handler"], d, "request_supplement",
        reason="Thiếu số sê-ri", missing_documents=["phieu_khai_bao"],
    )  # fmt: skip
    fire(session, world["hni.receiver"], d, "receive_supplement")
    states = [queries.replay(session, d, k)["state"] for k in range(1, 5)]
    assert states == ["received", "reviewing", "awaiting_supplement", "reviewing"]
    after3 = queries.replay(session, d, 3)
    assert after3["national_status"] == 5
    assert after3["data"] == {"reason": "Thiếu số sê-ri", "missing_documents": ["phieu_khai_bao"]}
    assert after3["applicant"]["name"] == "Bệnh viện Đa khoa Hồng Ngọc"
    assert queries.replay(session, d, 1)["data"] == {}


@pytest.mark.parametrize("seq", [0, 3, 99])
def test_replay_past_the_end_is_not_found(session, world, xray, seq):
    d = open_xray(session, xray, world["hni.receiver"])
    fire(session, world["hni.receiver"], d, "accept")
    with pytest.raises(NotFound):
        queries.replay(session, d, seq)
