"""Schemathesis against /api/v1's own OpenAPI, in-process over ASGI with real API tokens.

Every operation gets schema-valid (positive) and schema-breaking (negative) requests; every
response must be below 500 and carry a status the OpenAPI documents for that operation. Path
parameters are sometimes swapped for a real dossier code / action so the deeper branches run too.
At least 1,000 requests in total per backend.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_asgi
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.api.test_api import open_one

PER_OPERATION = 120  # × 2 modes × the operations: well above 1,000 requests
MINIMUM_REQUESTS = 1_000
ACTIONS = ["accept", "refuse_reception", "withdraw", "ask", "resume", "finish", "x", "%00", " "]


def test_api_v1_conforms_to_its_openapi(app: Any, world: Any, token_for: Any) -> None:
    users = ["hni.receiver", "hni.handler", "hni.leader", "badinh.receiver", "bo.auditor"]
    tokens = [token_for(world[u]) for u in users]
    schema = from_asgi("/openapi.json", app)
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        codes = [open_one(c, tokens[0])["code"] for _ in range(2)]
    codes.append("SKHCN.KHA-260213-0001")

    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if result.ok().path.startswith("/api/v1/")
    ]
    assert len(operations) >= 8, [op.label for op in operations]
    sent: dict[str, int] = {}

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz(operation, mode, tokens, codes, sent)
            except Unsatisfiable:
                # nothing to break in an operation without parameters (GET /me)
                assert mode is GenerationMode.NEGATIVE, operation.label

    total = sum(sent.values())
    assert total >= MINIMUM_REQUESTS, f"only {total} requests: {sent}"


def fuzz(
    operation: Any, mode: GenerationMode, tokens: list[Any], codes: list[str], sent: dict[str, int]
) -> None:
    """PER_OPERATION generated requests to one operation, each checked against the schema."""

    @settings(
        max_examples=PER_OPERATION,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case: Any, data: st.DataObject) -> None:
        params = case.path_parameters or {}
        if "code" in params and data.draw(st.booleans(), label="real code"):
            params["code"] = data.draw(st.sampled_from(codes), label="code")
        if "action" in params and data.draw(st.booleans(), label="real action"):
            params["action"] = data.draw(st.sampled_from(ACTIONS), label="action")
        headers = data.draw(st.sampled_from(tokens), label="token")
        sent[operation.label] = sent.get(operation.label, 0) + 1
        case.call_and_validate(
            headers=headers, checks=[not_a_server_error, status_code_conformance]
        )

    run()


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("received_from=2026-01-01T00:00:00", 200),  # no offset: Vietnam time, not a crash
        ("received_to=2026-01-01T00:00:00&received_from=2025-01-01T00:00:00", 200),
        ("received_from=0001-01-01T00:00:19%2B15:01", 422),  # found by schemathesis
        ("received_to=9999-12-31T23:59:59-15:00", 422),
    ],
)
def test_list_filters_at_the_edges_of_time(client, world, token_for, query, status):  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/dossiers?{query}", headers=token_for(world["hni.receiver"]))
    assert r.status_code == status, r.text
    if status == 422:
        assert r.json()["error"]["details"]["fields"]
