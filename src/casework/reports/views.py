"""Report pages (to be written)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from casework.web.auth import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
