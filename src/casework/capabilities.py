"""What the server's system packages allow: procedure diagrams (Graphviz) and PDF slips (Pango).

The app runs without either, in a degraded mode: pages explain what is missing instead of
showing an empty diagram or a PDF link that fails. `log_missing()` writes one line per missing
capability at start-up; `deploy/system-packages.sh` installs what is missing (as root).

The checks are cached. `dot` is looked up per value of PATH (a test may change PATH); WeasyPrint
is tried once per process, in a child process (a test may monkeypatch `pdf_problem`). Callers use
`capabilities.diagrams_available()` / `capabilities.pdf_problem()` through the module, so that
a monkeypatch reaches them.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache

from casework.errors import CaseworkError

#: Debian packages per capability, the same lists `deploy/system-packages.sh` installs.
DIAGRAM_PACKAGES = ("graphviz",)
PDF_PACKAGES = (
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz-subset0",
    "fonts-dejavu-core",
    "fonts-liberation2",
)
SCRIPT = "deploy/system-packages.sh"


def install_command(packages: tuple[str, ...]) -> str:
    return f"sudo apt-get install -y {' '.join(packages)}"


#: What the pages and the 503 say (Vietnamese first; the commands are for the administrator).
DIAGRAM_HINT = (
    "Máy chủ chưa cài Graphviz (lệnh dot) nên chưa vẽ được sơ đồ. "
    f"Quản trị viên cài bằng lệnh: {install_command(DIAGRAM_PACKAGES)}."
)
PDF_HINT = (
    "Máy chủ chưa tạo được PDF vì thiếu thư viện hệ thống Pango của WeasyPrint. "
    f"Quản trị viên cài bằng lệnh: {install_command(PDF_PACKAGES)} "
    f"(hoặc sudo {SCRIPT}). Trong lúc chờ, mở phiếu dạng trang web và dùng nút «In» "
    "(có thể chọn «Lưu dưới dạng PDF» của trình duyệt)."
)


class PdfUnavailable(CaseworkError):
    """WeasyPrint cannot load its native libraries: a PDF cannot be made on this server."""

    code = "pdf_unavailable"
    status = 503


@lru_cache(maxsize=8)
def _which(program: str, path: str) -> str | None:
    return shutil.which(program, path=path)


def dot_path() -> str | None:
    """The Graphviz `dot` program on the current PATH, or None."""
    return _which("dot", os.environ.get("PATH", os.defpath))


def diagrams_available() -> bool:
    return dot_path() is not None


#: What a child process runs to find out whether WeasyPrint loads (see `pdf_problem`).
_PDF_CHECK = "import weasyprint"


@lru_cache(maxsize=1)
def pdf_problem() -> str | None:
    """None if WeasyPrint loads (Pango, HarfBuzz found); else the loader's error, one line.

    Tried in a child process: importing WeasyPrint loads Pango & co. through cffi, ~40 MB of a
    worker's memory that a worker which never makes a PDF need not hold (issue 19: RSS per
    worker). A worker that makes one imports it then (`slip_views`). Already imported, or
    blocked (`sys.modules["weasyprint"] = None`, as the tests simulate a missing Pango), the
    answer is this process's own."""
    if "weasyprint" in sys.modules:
        try:
            import weasyprint  # noqa: F401
        except (OSError, ImportError) as exc:
            return (f"{type(exc).__name__}: {exc}".splitlines() or [""])[0][:300]
        return None
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PDF_CHECK], capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
    if done.returncode == 0:
        return None
    lines = done.stderr.strip().splitlines()  # a traceback: its last line is the error
    return (lines[-1] if lines else f"exit status {done.returncode}")[:300]


def pdf_available() -> bool:
    return pdf_problem() is None


def require_pdf() -> None:
    """Raise `PdfUnavailable` (503, with the install hint) when PDFs cannot be made."""
    problem = pdf_problem()
    if problem is not None:
        raise PdfUnavailable(
            PDF_HINT, details={"install": install_command(PDF_PACKAGES), "problem": problem}
        )


@dataclass(frozen=True)
class Missing:
    name: str
    problem: str
    packages: tuple[str, ...]


def missing() -> list[Missing]:
    """Every capability the server lacks, with why and which packages bring it."""
    found: list[Missing] = []
    if not diagrams_available():
        found.append(Missing("diagrams", "Graphviz `dot` not found on PATH", DIAGRAM_PACKAGES))
    problem = pdf_problem()
    if problem is not None:
        found.append(Missing("pdf", f"WeasyPrint cannot load Pango ({problem})", PDF_PACKAGES))
    return found


def log_missing(logger: logging.Logger | None = None) -> list[Missing]:
    """One warning line per missing capability (at start-up); returns what is missing."""
    logger = logger or logging.getLogger("casework")
    found = missing()
    for m in found:
        logger.warning(
            "capability_missing name=%s problem=%s install=%r (or: sudo %s)",
            m.name,
            m.problem,
            install_command(m.packages),
            SCRIPT,
        )
    return found
