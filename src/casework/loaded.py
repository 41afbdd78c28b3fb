"""The workflows directory parsed once per process for the same files.

Parsing the catalogue (procedures, scenarios, quizzes) and building each procedure's machine class
takes a second or more; a worker does it once, but the test suite builds an app per test. The
parsed registries are kept under a signature of every file below the directory (path, size,
modification time): any added, removed or rewritten file reads the directory again, and the
registries only ever cache more (machine classes of stored versions), never change what was read.
Each call gets a registry object of its own (caches keyed by it follow one app's database).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import NamedTuple

from casework.learning.quizzes import QuizRegistry
from casework.procedures import ProcedureRegistry
from casework.scenarios.schema import ScenarioRegistry


class Catalogue(NamedTuple):
    procedures: ProcedureRegistry
    scenarios: ScenarioRegistry
    quizzes: QuizRegistry


#: A few directories at most (tests build catalogues in temporary folders).
_KEEP = 4
_lock = threading.Lock()
_cache: dict[tuple[str, tuple[tuple[str, int, int], ...]], Catalogue] = {}


def _signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    rows = []
    for path in directory.rglob("*"):
        if path.is_file():
            st = path.stat()
            rows.append((str(path.relative_to(directory)), st.st_size, st.st_mtime_ns))
    return tuple(sorted(rows))


def load_catalogue(directory: Path) -> Catalogue:
    """The procedures, scenarios and quizzes of `directory` (raises `ProcedureErrors` naming the
    file and field if one is invalid; a refused directory is not kept)."""
    key = (str(directory.resolve()), _signature(directory))
    with _lock:
        found = _cache.get(key)
    if found is not None:
        # a registry of its own per app: the handbook keeps its search index and PDFs per
        # registry, and they depend on the app's database (the procedures and their machine
        # classes are shared; building the registry from them costs nothing)
        return found._replace(procedures=ProcedureRegistry(found.procedures.all()))
    procedures = ProcedureRegistry.from_directory(directory)
    catalogue = Catalogue(
        procedures,
        ScenarioRegistry.from_directory(directory / "scenarios", procedures),
        QuizRegistry.from_directory(directory / "quizzes", procedures),
    )
    with _lock:
        while len(_cache) >= _KEEP:
            _cache.pop(next(iter(_cache)))
        _cache[key] = catalogue
    return catalogue
