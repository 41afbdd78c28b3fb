"""The machine class is strict, restorable, and the normalized form round-trips."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from statemachine import StateMachine
from statemachine.exceptions import TransitionNotAllowed

from casework.errors import NotFound
from casework.procedures import (
    Procedure,
    ProcedureRegistry,
    TransitionDef,
    load_directory,
    load_procedure_file,
)
from tests.procedures.support import WORKFLOWS, Dossier

XRAY = "2.002131"


@pytest.fixture(scope="module")
def registry() -> ProcedureRegistry:
    return ProcedureRegistry.from_directory(WORKFLOWS)


def test_machine_is_a_strict_state_machine(registry: ProcedureRegistry) -> None:
    cls = registry.get(XRAY).machine_class()
    assert issubclass(cls, StateMachine)
    assert cls.allow_event_without_transition is False
    dossier = Dossier()
    sm = cls(model=dossier, state_field="state")
    with pytest.raises(TransitionNotAllowed):
        sm.send("sign")  # exists, but not from "received"
    with pytest.raises(TransitionNotAllowed):
        sm.send("no_such_action")
    assert dossier.state == "received"


def test_event_names_are_the_labels(registry: ProcedureRegistry) -> None:
    sm = registry.get(XRAY).machine_class()(model=Dossier(), state_field="state")
    names = {e.id: e.name for e in sm.allowed_events}
    assert names["accept"] == "Tiếp nhận hồ sơ"
    assert names["refuse_reception"] == "Từ chối tiếp nhận"
    assert set(names) == {"accept", "refuse_reception", "withdraw", "stop", "extend"}


def test_machine_restored_over_saved_state_continues(registry: ProcedureRegistry) -> None:
    cls = registry.get(XRAY).machine_class()
    dossier = Dossier()
    sm = cls(model=dossier, state_field="state")
    sm.send("accept")
    sm.send("submit_for_signing")
    saved = dossier.state
    restored_row = Dossier(state=saved)
    again = cls(model=restored_row, state_field="state")
    assert again.current_state_value == "signing"
    with pytest.raises(TransitionNotAllowed):
        again.send("accept")
    again.send("sign")
    assert restored_row.state == "result_ready"


def test_machine_class_is_cached_per_instance(registry: ProcedureRegistry) -> None:
    p = registry.get(XRAY)
    assert p.machine_class() is p.machine_class()


@pytest.mark.parametrize("by_alias", [True, False])
def test_normalized_form_round_trips(registry: ProcedureRegistry, by_alias: bool) -> None:
    for p in registry.all():
        dumped = p.model_dump(mode="json", by_alias=by_alias)
        assert dumped["include"] == []
        key = "from" if by_alias else "source"
        assert all(isinstance(t[key], list) for t in dumped["transitions"])
        again = Procedure.model_validate(dumped)
        assert again == p
        assert again.content_hash == p.content_hash


def test_dump_uses_yaml_spelling(registry: ProcedureRegistry) -> None:
    t = registry.get(XRAY).transitions[0].model_dump(mode="json")
    assert {"from", "to"} <= set(t)
    assert "source" not in t
    assert TransitionDef.model_validate(t).source == ["received"]


def test_content_hash_changes_with_a_shared_part(tmp_path: Path) -> None:
    shutil.copytree(WORKFLOWS, tmp_path / "wf", ignore=shutil.ignore_patterns("scenarios"))
    before = load_procedure_file(tmp_path / "wf" / "x_quang_khai_bao.yaml")
    part = tmp_path / "wf" / "common" / "withdraw.yaml"
    part.write_text(
        part.read_text(encoding="utf-8").replace("Rút hồ sơ theo đề nghị", "Rút hồ sơ"),
        encoding="utf-8",
    )
    after = load_procedure_file(tmp_path / "wf" / "x_quang_khai_bao.yaml")
    assert before.content_hash != after.content_hash
    assert after.transition("reviewing", "withdraw").label == "Rút hồ sơ"  # type: ignore[union-attr]


def test_registry_get_all_and_not_found(registry: ProcedureRegistry) -> None:
    assert [p.code for p in registry.all()] == sorted(p.code for p in load_directory(WORKFLOWS))
    assert registry.get(XRAY).version == 4
    with pytest.raises(NotFound) as info:
        registry.get("0.000000")
    assert "Không tìm thấy thủ tục" in info.value.message


def test_registry_machine_for_stored_versions(registry: ProcedureRegistry) -> None:
    current = registry.get(XRAY)
    stored = current.model_dump(mode="json")
    assert registry.machine_for(stored) is current.machine_class()
    # an older stored version (different content) gets its own class, built once
    old = dict(stored, name="Khai báo thiết bị X-quang (bản cũ)")
    cls = registry.machine_for(old)
    assert cls is not current.machine_class()
    assert registry.machine_for(dict(old)) is cls
    assert registry.procedure_for(old).name.endswith("(bản cũ)")
    sm = cls(model=Dossier(state="awaiting_supplement"), state_field="state")
    sm.send("receive_supplement")
    assert sm.current_state_value == "reviewing"


def test_field_spec_built_in_and_declared(registry: ProcedureRegistry) -> None:
    p = registry.get(XRAY)
    assert p.field_spec("reason").label == "Lý do"
    assert p.field_spec("new_appointment").type == "datetime"
    spec = p.field_spec("ket_qua_tham_dinh")
    assert spec.type == "choice"
    assert spec.choices
    with pytest.raises(KeyError):
        p.field_spec("nope")


def test_queries(registry: ProcedureRegistry) -> None:
    p = registry.get(XRAY)
    assert p.initial_state == "received"
    assert p.final_states == {
        "returned",
        "refusal_returned",
        "refused",
        "withdrawn",
        "stopped",
    }
    assert [t.action for t in p.transitions_from("received")] == [
        "accept",
        "refuse_reception",
        "withdraw",
        "stop",
        "extend",
    ]
    assert p.transition("returned", "withdraw") is None
    assert p.states["awaiting_supplement"].paused
