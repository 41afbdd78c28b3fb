"""Missing system packages are named at start-up, one log line per missing capability, with the
command that installs them; with everything installed, nothing is said."""

from __future__ import annotations

import logging
import sys

import pytest
from fastapi.testclient import TestClient

from casework import capabilities


@pytest.fixture
def bare_server(monkeypatch: pytest.MonkeyPatch, tmp_path):  # type: ignore[no-untyped-def]
    """No `dot` on PATH and no loadable WeasyPrint (as without libpango)."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    capabilities.pdf_problem.cache_clear()
    yield
    capabilities.pdf_problem.cache_clear()


def started(app, caplog) -> list[str]:  # type: ignore[no-untyped-def]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="casework"), TestClient(app):
        pass
    return [r.getMessage() for r in caplog.records if r.name == "casework"]


def test_start_logs_one_line_per_missing_capability(bare_server, app, caplog):
    lines = started(app, caplog)
    missing = [line for line in lines if line.startswith("capability_missing")]
    assert len(missing) == 2, lines
    diagrams, pdf = missing
    assert "name=diagrams" in diagrams
    assert "Graphviz `dot` not found" in diagrams
    assert "apt-get install -y graphviz" in diagrams
    assert "name=pdf" in pdf
    assert "WeasyPrint cannot load Pango" in pdf
    assert "apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0" in pdf
    assert all("deploy/system-packages.sh" in line for line in missing)
    levels = {r.levelno for r in caplog.records if r.getMessage() in missing}
    assert levels == {logging.WARNING}


def test_start_with_everything_installed_says_nothing(app, caplog):
    capabilities.pdf_problem.cache_clear()
    assert capabilities.missing() == []  # this machine (and CI) has the packages
    lines = started(app, caplog)
    assert any(line.startswith("app_started") for line in lines)
    assert not [line for line in lines if "capability_missing" in line]


def test_the_pdf_check_leaves_weasyprint_out_of_the_worker():
    """Pango & co. (~40 MB) are loaded by a worker only when it makes a PDF (issue 19)."""
    import subprocess

    code = (
        "import sys; from casework import capabilities; "
        "assert capabilities.pdf_problem() is None; "
        "assert 'weasyprint' not in sys.modules, 'the check imported WeasyPrint'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_child_process_error_is_the_problem(monkeypatch):
    monkeypatch.setattr(capabilities, "_PDF_CHECK", "raise OSError('cannot load library pango')")
    monkeypatch.delitem(sys.modules, "weasyprint", raising=False)
    capabilities.pdf_problem.cache_clear()
    try:
        assert capabilities.pdf_problem() == "OSError: cannot load library pango"
    finally:
        capabilities.pdf_problem.cache_clear()
