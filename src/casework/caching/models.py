"""The one-row table whose token names the current state of the cached tables."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class CacheGeneration(SQLModel, table=True):
    """Row 1's `token` changes (a new random value) in every transaction that writes a unit, a
    calendar day or a procedure version; a process cache is valid for one token."""

    __tablename__ = "cache_generation"

    id: int = Field(default=1, primary_key=True)
    token: str = Field(max_length=32)
