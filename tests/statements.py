"""The SQL statements an engine sends inside a `with` block, for tests that bound them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    """Each statement sent in the block, whitespace folded and cut to 160 characters (enough to
    read in an assertion's message)."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split())[:160])

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Each statement sent in the block, whole, with its parameters (to EXPLAIN it, or to read
    what it writes)."""
    seen: list[tuple[str, Any]] = []

    def note(_conn, _cursor, statement, params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)
