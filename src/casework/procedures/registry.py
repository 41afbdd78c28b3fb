"""The procedures the app knows: the current version of each, and old versions on demand."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from statemachine import StateMachine

from casework.errors import NotFound
from casework.procedures.loader import load_directory
from casework.procedures.schema import Procedure, canonical_hash


class ProcedureRegistry:
    """Current procedures by code, plus a cache of machine classes by content hash.

    Dossiers pin the version they started on by storing the procedure's normalized JSON (or its
    hash); :meth:`machine_for` rebuilds the machine class for such a stored version and keeps it.
    """

    def __init__(self, procedures: Iterable[Procedure]) -> None:
        self._by_code: dict[str, Procedure] = {}
        for p in procedures:
            if p.code in self._by_code:
                raise ValueError(f"Mã thủ tục «{p.code}» bị trùng.")
            self._by_code[p.code] = p
        #: An old code → the procedure that replaces it (`replaces:`).
        self._replaced: dict[str, Procedure] = {
            old: p for p in self._by_code.values() for old in p.replaces if old not in self._by_code
        }
        self._lock = threading.Lock()
        self._machines: dict[str, type[StateMachine]] = {}
        self._procedures_by_hash: dict[str, Procedure] = {}
        for p in self._by_code.values():
            self._machines[p.content_hash] = p.machine_class()
            self._procedures_by_hash[p.content_hash] = p

    @classmethod
    def from_directory(cls, directory: str | Path) -> ProcedureRegistry:
        """Load ``directory`` (raises :class:`casework.errors.ProcedureErrors` if invalid)."""
        return cls(load_directory(directory))

    def get(self, code: str) -> Procedure:
        """The current version of procedure ``code`` (or of the procedure that replaced that
        code); :class:`NotFound` if there is none."""
        found = self._by_code.get(code) or self._replaced.get(code)
        if found is None:
            raise NotFound(f"Không tìm thấy thủ tục có mã «{code}».")
        return found

    def all(self) -> list[Procedure]:
        """Every current procedure, sorted by code."""
        return sorted(self._by_code.values(), key=lambda p: p.code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code or code in self._replaced

    def __len__(self) -> int:
        return len(self._by_code)

    def procedure_for(self, stored: Mapping[str, Any]) -> Procedure:
        """A stored normalized procedure (``procedure.model_dump(mode="json")``), validated once."""
        key = canonical_hash(stored)
        with self._lock:
            found = self._procedures_by_hash.get(key)
        if found is not None:
            return found
        proc = Procedure.model_validate(dict(stored))
        with self._lock:
            proc = self._procedures_by_hash.setdefault(proc.content_hash, proc)
            self._procedures_by_hash.setdefault(key, proc)
        return proc

    def machine_for(self, stored: Mapping[str, Any]) -> type[StateMachine]:
        """The machine class of a stored procedure version, cached by content hash."""
        key = canonical_hash(stored)
        with self._lock:
            cls = self._machines.get(key)
        if cls is not None:
            return cls
        proc = self.procedure_for(stored)
        with self._lock:
            cls = self._machines.setdefault(proc.content_hash, proc.machine_class())
            self._machines.setdefault(key, cls)
        return cls
