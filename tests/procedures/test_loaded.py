"""The catalogue is parsed once per process for the same files, and again when one changes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from casework.errors import ProcedureErrors
from casework.loaded import load_catalogue
from casework.procedures.yamlsafe import parse_yaml


def test_same_files_same_catalogue_a_changed_file_reads_again(tmp_path: Path, workflows_dir):
    folder = tmp_path / "workflows"
    shutil.copytree(workflows_dir, folder)
    first = load_catalogue(folder)
    again = load_catalogue(folder)
    assert again.scenarios is first.scenarios and again.quizzes is first.quizzes
    assert again.procedures is not first.procedures  # the handbook's caches are per registry
    assert again.procedures.get("2.002131") is first.procedures.get("2.002131")
    assert len(first.procedures) == len(list(folder.glob("*.yaml")))

    target = folder / "x_quang_khai_bao.yaml"
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("name: ", "name: Thử ", 1), encoding="utf-8")
    os.utime(target, ns=(1, 1))  # a different modification time whatever the clock's resolution
    second = load_catalogue(folder)
    assert second.scenarios is not first.scenarios
    assert second.procedures.get("2.002131").name.startswith("Thử ")

    target.write_text("code: [", encoding="utf-8")  # a broken file is refused, not kept
    with pytest.raises(ProcedureErrors):
        load_catalogue(folder)
    with pytest.raises(ProcedureErrors):
        load_catalogue(folder)


def test_control_characters_are_refused_with_their_line_by_the_fast_parser():
    problem = parse_yaml("code: a\nname: b\x0bc\n")
    assert getattr(problem, "line", None) == 2
    assert "#x000b" in getattr(problem, "problem", "")
