"""Procedures: versioned definitions in ``workflows/*.yaml`` that become strict state machines.

No HTTP and no database here. See ``docs/adding-a-procedure.md`` for the file format.
"""

from casework.procedures.loader import load_directory, load_parts, load_procedure_file
from casework.procedures.registry import ProcedureRegistry
from casework.procedures.schema import (
    ACTING_ROLES,
    ALL_ROLES,
    BUILTIN_FIELDS,
    SLIP_KINDS,
    DocumentDef,
    Fee,
    FieldSpec,
    Limit,
    Part,
    Procedure,
    StateDef,
    TransitionDef,
)

__all__ = [
    "ACTING_ROLES",
    "ALL_ROLES",
    "BUILTIN_FIELDS",
    "SLIP_KINDS",
    "DocumentDef",
    "Fee",
    "FieldSpec",
    "Limit",
    "Part",
    "Procedure",
    "ProcedureRegistry",
    "StateDef",
    "TransitionDef",
    "load_directory",
    "load_parts",
    "load_procedure_file",
]
