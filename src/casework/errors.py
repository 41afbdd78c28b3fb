"""Domain errors. Services raise these; `casework.web.handlers` maps them to HTTP in one place.

Every error carries a stable machine `code` and a Vietnamese `message` for the person reading it.
"""

from __future__ import annotations

from typing import Any


class CaseworkError(Exception):
    """Base of every error a user may see."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(CaseworkError):
    code = "not_found"
    status = 404


class NotAuthenticated(CaseworkError):
    code = "not_authenticated"
    status = 401


class PermissionDenied(CaseworkError):
    code = "permission_denied"
    status = 403


class Conflict(CaseworkError):
    """Someone else changed the dossier first; the message says who and what."""

    code = "conflict"
    status = 409


class ActionNotAllowed(CaseworkError):
    """The action does not exist in the dossier's current state."""

    code = "action_not_allowed"
    status = 409


class ValidationFailed(CaseworkError):
    """Input is missing or malformed; `details["fields"]` maps field name to a Vietnamese reason."""

    code = "validation_failed"
    status = 422

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message, details={"fields": fields or {}})
        self.fields = fields or {}


class DraftInvalid(ValidationFailed):
    """A workshop draft that does not pass the checks of `casework workflows check`:
    `problems` (and `details["problems"]`) are its (line, message) pairs, line None for the
    whole file."""

    code = "draft_invalid"

    def __init__(self, message: str, *, problems: list[tuple[int | None, str]]) -> None:
        super().__init__(message, fields={"yaml_text": message})
        self.problems = problems
        self.details["problems"] = [{"line": line, "message": m} for line, m in problems]


class ProcedureFileError(CaseworkError):
    """A procedure (or shared part) file is invalid. Names the file, the field path and the line."""

    code = "invalid_procedure"
    status = 500

    def __init__(self, *, file: str, path: str, line: int | None, problem: str) -> None:
        where = f"{file}:{line}" if line else file
        field = f" [{path}]" if path else ""
        super().__init__(
            f"{where}{field}: {problem}",
            details={"file": file, "path": path, "line": line, "problem": problem},
        )
        self.file = file
        self.path = path
        self.line = line
        self.problem = problem


class ProcedureErrors(CaseworkError):
    """Several invalid procedure files at once (the loader reports all it finds)."""

    code = "invalid_procedures"
    status = 500

    def __init__(self, errors: list[ProcedureFileError]) -> None:
        super().__init__("\n".join(e.message for e in errors))
        self.errors = errors
