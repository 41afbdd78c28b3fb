"""Property tests (hypothesis) for the procedure loader: whatever is in a procedure file — random
text, random bytes, a valid file with a key dropped, a value of the wrong type, random nesting —
the loader either loads it or raises :class:`ProcedureErrors` whose every error names the file.
Never another exception type (that would be a crash of ``casework workflows check``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.errors import ProcedureErrors
from casework.procedures import load_directory, load_parts, load_procedure_file
from tests.procedures.support import BASE, WORKFLOWS, write_workdir

PARTS = load_parts(WORKFLOWS / "common")
SHIPPED = sorted(WORKFLOWS.glob("*.yaml"))
EXAMPLES = settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.dates(),
    st.sampled_from(
        ["", "received", "done", "working_days", "hours", "days", "T.001", "-1", "1e9"]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=12), st.integers(-5, 5)), inner, max_size=4),
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile-procedures")


def check(path: Path, content: str | bytes) -> None:
    """Load `content` from `path`: either a procedure or ProcedureErrors naming `path`."""
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    try:
        load_procedure_file(path, PARTS)
    except ProcedureErrors as exc:
        errors = exc.errors
    else:
        return
    assert errors, "ProcedureErrors without errors"
    for err in errors:
        assert err.file == str(path), err.message
        assert err.problem.strip(), err.message
        assert str(path) in err.message


def base_data(source: str) -> dict[str, Any]:
    data = yaml.safe_load(source)
    assert isinstance(data, dict)
    return data


BASES = [base_data(BASE), *(base_data(p.read_text(encoding="utf-8")) for p in SHIPPED[:4])]


def paths_of(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (dict key / list index) inside a parsed YAML document."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(paths_of(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(paths_of(v, (*prefix, i)))
    return out


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid procedure with 1–3 mutations: drop a key, replace a value, wrap it in a list/dict."""
    import copy

    data = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = paths_of(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        node: Any = data
        for step in path[:-1]:
            node = node[step]
        key = path[-1]
        how = draw(st.sampled_from(["drop", "replace", "wrap_list", "wrap_dict", "rename"]))
        if how == "drop":
            del node[key]
        elif how == "replace":
            node[key] = draw(values)
        elif how == "rename":
            new_key = draw(st.one_of(st.text(max_size=12), st.integers(-3, 3)))
            if isinstance(node, dict):
                node[new_key] = node.pop(key)
            else:
                node[key] = {new_key: node[key]}
        elif how == "wrap_list":
            node[key] = [node[key]]
        else:
            node[key] = {draw(st.text(max_size=8)): node[key]}
    return dump(data)


@st.composite
def text_edits(draw: st.DrawFn) -> str:
    """The raw text of a valid procedure with a line dropped or random characters spliced in."""
    lines = BASE.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        how = draw(st.sampled_from(["drop", "splice", "indent", "dup"]))
        if how == "drop":
            del lines[i]
        elif how == "dup":
            lines.insert(i, lines[i])
        elif how == "indent":
            lines[i] = " " * draw(st.integers(1, 5)) + lines[i]
        else:
            at = draw(st.integers(0, len(lines[i])))
            bit = draw(
                st.text(alphabet=st.sampled_from(list(":-[]{}&*!|>'\"%@`#,? \tx0\n")), max_size=5)
            )
            lines[i] = lines[i][:at] + bit + lines[i][at:]
        if not lines:
            break
    return "".join(lines)


@EXAMPLES
@given(st.text(max_size=400))
def test_any_text(workdir: Path, content: str) -> None:
    check(workdir / "random.yaml", content)


@EXAMPLES
@given(st.binary(max_size=300))
def test_any_bytes(workdir: Path, content: bytes) -> None:
    check(workdir / "random.yaml", content)


@EXAMPLES
@given(values)
def test_any_yaml_document(workdir: Path, data: Any) -> None:
    check(workdir / "doc.yaml", dump(data))


@EXAMPLES
@given(mutated())
def test_mutated_valid_procedure(workdir: Path, content: str) -> None:
    check(workdir / "mutated.yaml", content)


@EXAMPLES
@given(text_edits())
def test_edited_text(workdir: Path, content: str) -> None:
    check(workdir / "edited.yaml", content)


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated(), text_edits(), st.text(max_size=200)))
def test_directory_check(tmp_path_factory: pytest.TempPathFactory, content: str) -> None:
    """What `casework workflows check` runs: load_directory with the shipped parts."""
    d = write_workdir(tmp_path_factory.mktemp("wf"), {"a.yaml": BASE, "b.yaml": content})
    try:
        load_directory(d)
    except ProcedureErrors as exc:
        errors = exc.errors
    else:
        return
    assert errors
    for err in errors:
        assert err.file in {str(d / "b.yaml"), str(d / "a.yaml")}, err.message
        assert err.problem.strip()


def test_the_bases_load(workdir: Path) -> None:
    for data in BASES:
        path = workdir / "base.yaml"
        path.write_text(dump(data), encoding="utf-8")
        load_procedure_file(path, PARTS)


@pytest.mark.parametrize("content", ["\x03", "code: T\x00\n", "a: 1\nb: \x1b[31m\n", "\ufffe"])
def test_control_characters_are_a_named_error(workdir: Path, content: str) -> None:
    """Found by test_any_text: PyYAML's reader refused these before the loader's own handling."""
    path = workdir / "control.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ProcedureErrors, match="ký tự điều khiển") as info:
        load_procedure_file(path, PARTS)
    assert info.value.errors[0].file == str(path)
