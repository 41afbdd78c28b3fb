"""Browser tests: a live uvicorn server on a fresh SQLite file with the demo data, driven by the
Debian Chromium through pytest-playwright.

Run them in their own pytest process (`pytest tests/e2e`): after Playwright's sync fixtures, asyncio
tests in the same session fail (microsoft/playwright-pytest#167).
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from casework.settings import PROJECT_ROOT

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")

#: Headless Chromium as root in a closed network: no GPU, no QUIC, no background traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=vi-VN",  # the browser's own widgets (date fields) in Vietnamese, as in the offices
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in this folder is an `e2e` test."""
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.e2e)


# --- the live server -------------------------------------------------------------------------


class LiveServer:
    """The running app: its base URL and the SQLite database it serves."""

    def __init__(self, url: str, database_url: str) -> None:
        self.url = url
        self.database_url = database_url
        self.backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"

    def token_for(self, username: str) -> str:
        """A fresh personal API token for a demo user, written to the served database."""
        from sqlmodel import select

        from casework.accounts.models import User
        from casework.accounts.service import issue_token
        from casework.db import make_engine

        engine = make_engine(self.database_url)
        try:
            with Session(engine, expire_on_commit=False) as session:
                user = session.exec(select(User).where(User.username == username)).one()
                return issue_token(session, user=user, label="e2e")
        finally:
            engine.dispose()


def _load_demo(url: str, upload_dir: Path) -> None:
    """Exactly what `casework demo load` does, against `url`."""
    from casework import demo
    from casework.db import make_engine
    from casework.dossiers.catalog import sync_procedures
    from casework.procedures import ProcedureRegistry

    registry = ProcedureRegistry.from_directory(PROJECT_ROOT / "workflows")
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            assert demo.is_empty(session)
            sync_procedures(session, registry.all())
            demo.load(session, registry, TZ, upload_dir=upload_dir)
    finally:
        engine.dispose()


def _wait_healthy(base: str, thread: threading.Thread, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the live server thread died during start-up")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.05)
    raise RuntimeError(f"live server at {base} did not answer /healthz in {timeout}s: {last}")


def _start(factory: pytest.TempPathFactory, url: str) -> tuple[LiveServer, Callable[[], None]]:
    """uvicorn in a daemon thread, on a free port, serving `url` migrated with the demo data."""
    import uvicorn

    from casework.main import create_app
    from casework.migrations import upgrade
    from casework.settings import Settings

    tmp = factory.mktemp("e2e")
    upgrade(url)
    _load_demo(url, tmp / "uploads")
    # a short busy timeout, so the fault test's locked database answers in seconds (one browser
    # at a time never waits that long otherwise)
    settings = Settings(env="test", database_url=url, upload_dir=tmp / "uploads", sqlite_timeout=3)
    app = create_app(settings)

    # Bind the socket ourselves: the port is ours before the server starts (no free-port race).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="e2e-uvicorn", daemon=True
    )
    thread.start()
    base = f"http://{host}:{port}"

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()

    try:
        _wait_healthy(base, thread)
    except BaseException:
        stop()
        raise
    return LiveServer(base, url), stop


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The app served on each database in turn, with the demo data: every browser test runs on
    SQLite and on PostgreSQL (pytest groups the tests by database, so each server starts once).
    PostgreSQL is tests/conftest.py's `pg_url`: a fresh database dropped at the end of the run;
    unreachable, it skips — or fails under CI=true."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('e2e-sqlite') / 'casework.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    server, stop = _start(tmp_path_factory, url)
    try:
        yield server
    finally:
        stop()


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """The live server, as Playwright's base URL (`page.goto("/")`).

    Also replaces pytest-playwright 0.10.0's fallback `base_url`, a session fixture defined as an
    instance method, which pytest 9.2 deprecates (PytestRemovedIn10Warning, an error here).
    """
    return live_server.url


# --- Chromium --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """The Debian Chromium (no `playwright install` here). Missing: skip, or fail under CI=true."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: install the Debian package `chromium`"
        if IN_CI:
            pytest.fail(f"Chromium is mandatory under CI=true. {message}")
        pytest.skip(message)
    args = [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS]
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": args}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Vietnamese, as the users are (sends Accept-Language: vi-VN)."""
    return {**browser_context_args, "locale": "vi-VN"}


# --- screenshots -----------------------------------------------------------------------------


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """screenshot(page, suffix="") -> test-artifacts/e2e/<test name>[-suffix].png (full page)."""

    def take(page: Any, suffix: str = "") -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name) + (f"-{suffix}" if suffix else "")
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="session")
def docs_screenshots() -> Path:
    """Where the README's screenshots live; tests copy into it only after their asserts pass."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# --- the browser guard -----------------------------------------------------------------------

#: htmx's error events, reported to the console where the guard hears them.
HTMX_ERRORS = [
    "htmx:responseError", "htmx:sendError", "htmx:swapError", "htmx:targetError",
    "htmx:syntax:error", "htmx:onLoadError", "htmx:oobErrorNoTarget", "htmx:historyCacheError",
    "htmx:invalidPath",
]  # fmt: skip
HTMX_LISTENER = """
for (const name of %s) {
  document.addEventListener(name, (e) => {
    const d = e.detail || {};
    const xhr = d.xhr || {};
    console.error(`[browser guard] ${name} ${xhr.status || ""} ${d.pathInfo ? d.pathInfo.requestPath : ""} ${d.error || ""}`.trim());
  }, true);
}
"""  # noqa: E501


class BrowserGuard:
    """Everything that went wrong in the browser during one test: console errors, uncaught page
    errors, htmx error events, failed requests, and 4xx/5xx answers the test did not expect.

    A test that provokes a 4xx/5xx on purpose says so first: `guard.expect(409, "/actions/")`;
    status 0 is a request that never got an answer (the network cut).
    """

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.expected: list[tuple[int, re.Pattern[str]]] = []

    def expect(self, status: int, url_part: str) -> None:
        """Answers with `status` for a URL containing `url_part` are part of this test."""
        self.expected.append((status, re.compile(re.escape(url_part))))

    def watch(self, page: Any) -> Any:
        page.add_init_script(HTMX_LISTENER % json.dumps(HTMX_ERRORS))
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("response", self._response)
        page.on("requestfailed", self._failed)
        return page

    def _is_expected(self, status: int, url: str) -> bool:
        return any(s == status and p.search(url) for s, p in self.expected)

    def _console(self, msg: Any) -> None:
        if msg.type != "error":
            return
        text = msg.text
        where = msg.location.get("url", "")
        # Chromium's own line for an answer the response handler already judged
        if text.startswith("Failed to load resource: the server responded with a status of"):
            return
        if self.expected:
            # what the test provoked, as htmx and Chromium report it: "[browser guard]
            # htmx:responseError 503 /path", htmx's "Response Status Error Code 503 from /path",
            # "Failed to load resource: net::…" at the URL, and htmx's generic event lines
            found = re.search(r"(?:Error Code |Error )(\d{3})\b", text)
            status = int(found[1]) if found else 0
            if self._is_expected(status, f"{text} {where}"):
                return
            if re.match(r"^htmx:\w+, \[object \w+\]$", text):
                return
        self.problems.append(f"console error: {text} (at {where})")

    def _response(self, response: Any) -> None:
        status = response.status
        if status >= 400 and not self._is_expected(status, response.url):
            self.problems.append(f"{status} for {response.request.method} {response.url}")

    def _failed(self, request: Any) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" in failure:
            return  # cut off by the browser itself: a download, or a navigation away from the page
        if self._is_expected(0, request.url):
            return
        self.problems.append(f"request failed: {request.method} {request.url} ({failure})")

    def check(self) -> None:
        if self.problems:
            found, self.problems = self.problems, []
            pytest.fail("The browser guard saw:\n" + "\n".join(found), pytrace=False)


@pytest.fixture
def guard() -> BrowserGuard:
    return BrowserGuard()


@pytest.fixture(autouse=True)
def _browser_guard(request: pytest.FixtureRequest, guard: BrowserGuard) -> Iterator[None]:
    """Every browser test is guarded: its page (and any page made with `guarded`) fails the test
    on a console error, page error, htmx error event, failed request or unexpected 4xx/5xx."""
    if "page" in request.fixturenames:
        guard.watch(request.getfixturevalue("page"))
    yield
    guard.check()


@pytest.fixture
def phone(browser: Any, browser_context_args: dict[str, Any], guard: BrowserGuard) -> Iterator[Any]:
    """A guarded page in a 360 × 740 phone-sized window (touch, mobile viewport)."""
    context = browser.new_context(
        **{**browser_context_args, "viewport": {"width": 360, "height": 740}},
        is_mobile=True, has_touch=True,
    )  # fmt: skip
    page = guard.watch(context.new_page())
    yield page
    context.close()


def no_horizontal_scroll(page: Any) -> None:
    """The page itself never scrolls sideways (a wide table scrolls inside its own box)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url}: {width} px wide in a {inner} px window"
