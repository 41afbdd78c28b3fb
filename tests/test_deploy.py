"""The production recipe (Dockerfile, docker-compose.yml, deploy/entrypoint.sh) agrees with the code.

No Docker here: the files are parsed, and the entrypoint runs with a fake `casework` that records
its arguments, which are then checked against the real command tree. Each test names the thing
that, if it drifted, would break a deployment that nobody can build in CI.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import typer
import yaml
from fastapi.testclient import TestClient
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from sqlalchemy.engine import make_url
from typer.core import TyperGroup
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from casework import capabilities, cli
from casework.db import make_engine
from casework.main import create_app
from casework.settings import DEFAULT_SECRET, PROJECT_ROOT, Settings

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
COMPOSE = PROJECT_ROOT / "docker-compose.yml"
ENTRYPOINT = PROJECT_ROOT / "deploy" / "entrypoint.sh"
DOCKERIGNORE = PROJECT_ROOT / ".dockerignore"
PORT = 8000

#: CASEWORK_* names that are not Settings fields, and who reads them.
EXTRA_VARIABLES = {
    "CASEWORK_WORKERS": "deploy/entrypoint.sh (casework serve --workers)",
    "CASEWORK_FORWARDED_ALLOW_IPS": "casework serve --forwarded-allow-ips",
}


# --- small readers --------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, with comments dropped and continuations joined."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, rest = current.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        current = ""
    assert not current, "the Dockerfile ends inside a continued line"
    return instructions


def instructions(keyword: str) -> list[str]:
    return [rest for kw, rest in dockerfile() if kw == keyword]


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for rest in instructions("ENV"):
        for item in shlex.split(rest):
            name, _, value = item.partition("=")
            env[name] = value
    return env


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def app_service() -> dict[str, Any]:
    return compose()["services"]["app"]


def substitute(value: str, **given: str) -> str:
    """Compose/shell `${NAME}`, `${NAME:-default}` and `${NAME:?message}` with `given` values."""

    def one(m: re.Match[str]) -> str:
        name, op, word = m.group(1), m.group(2), m.group(3)
        if name in given:
            return given[name]
        assert op == ":-", f"${{{name}}} has no default and no value was given"
        return word

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", one, value)


def settings_variables() -> set[str]:
    return {f"CASEWORK_{name.upper()}" for name in Settings.model_fields}


def click_app() -> TyperGroup:
    """The click command tree behind `casework` (typer carries its own click)."""
    group = typer.main.get_command(cli.app)
    assert isinstance(group, TyperGroup)
    return group


def resolve(argv: list[str]) -> Any:
    """Parse `casework ARGV` with the real command tree; raises if a command or option is unknown."""
    command: Any = click_app()
    path = ["casework"]
    args = list(argv)
    while isinstance(command, TyperGroup):
        assert args, f"{' '.join(path)} needs a sub-command"
        name = args.pop(0)
        sub = command.commands.get(name)
        assert sub is not None, f"`{' '.join(path)}` has no sub-command {name!r}"
        command, path = sub, [*path, name]
    return command.make_context(" ".join(path), args)


def healthcheck_url(test: list[str] | str) -> tuple[int, str]:
    text = test if isinstance(test, str) else " ".join(test)
    m = re.search(r"http://127\.0\.0\.1:(\d+)(/[\w/-]*)", text)
    assert m, f"no http://127.0.0.1:PORT/PATH in the health check {text!r}"
    return int(m.group(1)), m.group(2)


# --- environment variables ------------------------------------------------------------------


def test_every_casework_variable_is_a_setting_or_a_documented_extra():
    used: dict[str, str] = {}
    for name in dockerfile_env():
        if name.startswith("CASEWORK_"):
            used[name] = "Dockerfile ENV"
    for name, service in compose()["services"].items():
        for var in service.get("environment", {}):
            if var.startswith("CASEWORK_"):
                used[var] = f"docker-compose.yml {name}.environment"
    for text, where in (
        (COMPOSE.read_text(encoding="utf-8"), "docker-compose.yml"),
        (ENTRYPOINT.read_text(encoding="utf-8"), "deploy/entrypoint.sh"),
    ):
        for var in re.findall(r"\$\{?(CASEWORK_\w+)", text):
            used[var] = where
    assert used.keys() >= {"CASEWORK_ENV", "CASEWORK_DATABASE_URL", "CASEWORK_SECRET_KEY"}
    unknown = {
        var: where
        for var, where in used.items()
        if var not in settings_variables() and var not in EXTRA_VARIABLES
    }
    assert not unknown, f"not a field of casework.settings.Settings (a typo?): {unknown}"


def test_the_extra_variables_are_really_read():
    assert "${CASEWORK_WORKERS" in ENTRYPOINT.read_text(encoding="utf-8")
    serve = click_app().commands["serve"]
    envvars = {p.name: p.envvar for p in serve.params}
    assert envvars.get("forwarded_allow_ips") == "CASEWORK_FORWARDED_ALLOW_IPS"
    environment = app_service()["environment"]
    assert set(EXTRA_VARIABLES) <= set(environment), "compose should set every extra explicitly"
    assert int(substitute(environment["CASEWORK_WORKERS"])) >= 2
    # uvicorn quietly treats a malformed address as a host name that never matches: parse them
    trusted = substitute(environment["CASEWORK_FORWARDED_ALLOW_IPS"]).split(",")
    assert all(ipaddress.ip_network(item.strip()) for item in trusted)
    assert "*" not in trusted  # "*" takes the left-most X-Forwarded-For entry, which clients write


def test_behind_the_proxy_the_app_sees_the_real_client_and_scheme():
    """With compose's default, a request relayed by a proxy on the host (it arrives from the
    network's gateway) carries the real client even when the proxy appends to a forged header."""
    trusted = substitute(app_service()["environment"]["CASEWORK_FORWARDED_ALLOW_IPS"])
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(client=scope["client"][0], scheme=scope["scheme"])

    headers = [(b"x-forwarded-for", b"6.6.6.6, 203.0.113.9"), (b"x-forwarded-proto", b"https")]
    for peer in ("172.18.0.1", "192.168.16.1"):  # compose network gateways, default pools
        scope = {"type": "http", "scheme": "http", "client": (peer, 40000), "headers": headers}
        asyncio.run(ProxyHeadersMiddleware(app, trusted_hosts=trusted)(scope, None, None))
        assert seen == {"client": "203.0.113.9", "scheme": "https"}


def test_compose_runs_production_on_the_postgres_service():
    services = compose()["services"]
    env = app_service()["environment"]
    assert env["CASEWORK_ENV"] == "production"
    url = make_url(substitute(env["CASEWORK_DATABASE_URL"], POSTGRES_PASSWORD="pw"))
    assert url.drivername == "postgresql+psycopg"  # the driver pyproject installs (psycopg 3)
    postgres = services[url.host]
    assert postgres["image"].split(":")[0] == "postgres"
    assert url.port == 5432
    assert url.username == postgres["environment"]["POSTGRES_USER"]
    assert url.database == postgres["environment"]["POSTGRES_DB"]
    # the app's password is the one the server was initialised with
    assert re.search(r"\$\{POSTGRES_PASSWORD[:}]", env["CASEWORK_DATABASE_URL"])
    assert postgres["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")
    assert app_service()["depends_on"][url.host]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert postgres["image"] == "postgres:15"


def test_secrets_are_required_never_defaulted():
    env = app_service()["environment"]
    postgres_env = compose()["services"]["postgres"]["environment"]
    assert re.fullmatch(r"\$\{CASEWORK_SECRET_KEY:\?[^}]+\}", env["CASEWORK_SECRET_KEY"])
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", postgres_env["POSTGRES_PASSWORD"])
    assert re.search(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", env["CASEWORK_DATABASE_URL"])
    image_env = dockerfile_env()
    assert "CASEWORK_SECRET_KEY" not in image_env, "a secret baked into the image"
    assert image_env.get("CASEWORK_ENV") == "production"  # which refuses the default secret
    with pytest.raises(ValueError, match="CASEWORK_SECRET_KEY"):
        Settings(env="production", secret_key=DEFAULT_SECRET)  # what the line above relies on


# --- ports, commands, health checks ---------------------------------------------------------


def test_the_port_is_the_same_everywhere():
    assert instructions("EXPOSE") == [str(PORT)]
    published = app_service()["ports"]
    assert [str(p).rsplit(":", 1)[-1] for p in published] == [str(PORT)]
    assert str(published[0]).startswith("127.0.0.1:"), "app published beyond the host's loopback"
    assert f"--port {PORT}" in ENTRYPOINT.read_text(encoding="utf-8")
    (docker_check,) = instructions("HEALTHCHECK")
    assert healthcheck_url(docker_check)[0] == PORT
    assert healthcheck_url(app_service()["healthcheck"]["test"])[0] == PORT


@pytest.fixture
def fake_casework(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A `casework` first on PATH that records each call as one line of arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls"
    fake = bin_dir / "casework"
    fake.write_text(
        '#!/bin/sh\nprintf "%s\\n" "$*" >> "$FAKE_LOG"\n'
        '[ "$*" != "db upgrade" ] || exit "${FAKE_UPGRADE_RC:-0}"\n',
        encoding="utf-8",
    )
    fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASEWORK_", "FAKE_"))}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", FAKE_LOG=str(log))
    return env, log


def run_entrypoint(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # the image runs it as `/bin/sh /app/deploy/entrypoint.sh` (Debian's dash, as here)
    return subprocess.run(
        ["/bin/sh", str(ENTRYPOINT), *args], env=env, capture_output=True, text=True, timeout=30
    )


def test_the_entrypoint_migrates_then_serves_with_the_workers_variable(fake_casework):
    env, log = fake_casework
    done = run_entrypoint({**env, "CASEWORK_WORKERS": "7"})
    assert done.returncode == 0, done.stderr
    assert log.read_text().splitlines() == [
        "db upgrade",
        f"serve --host 0.0.0.0 --port {PORT} --workers 7",
    ]
    log.unlink()
    assert run_entrypoint(env).returncode == 0  # CASEWORK_WORKERS unset: the default
    calls = log.read_text().splitlines()
    assert calls == ["db upgrade", f"serve --host 0.0.0.0 --port {PORT} --workers 4"]
    # what the script runs is valid for the real `casework` command tree
    contexts = [resolve(shlex.split(call)) for call in calls]
    assert contexts[0].command.name == "upgrade"
    serve = contexts[1]
    assert serve.command.name == "serve"
    assert (serve.params["host"], serve.params["port"], serve.params["workers"]) == (
        "0.0.0.0",
        PORT,
        4,
    )


def test_the_entrypoint_does_not_serve_when_the_migration_fails(fake_casework):
    env, log = fake_casework
    done = run_entrypoint({**env, "FAKE_UPGRADE_RC": "3"})
    assert done.returncode == 3
    assert log.read_text().splitlines() == ["db upgrade"]


def test_the_entrypoint_runs_a_given_command_instead(fake_casework):
    env, log = fake_casework
    done = run_entrypoint(env, "casework", "users", "list")
    assert done.returncode == 0, done.stderr
    assert log.read_text().splitlines() == ["users list"]  # no migration, no server
    resolve(["users", "list"])


def test_the_image_starts_through_the_entrypoint_and_its_build_checks_are_real_commands():
    (entrypoint,) = instructions("ENTRYPOINT")
    argv = yaml.safe_load(entrypoint)  # JSON (exec) form
    assert argv[0] == "/bin/sh"
    workdir = PurePosixPath(instructions("WORKDIR")[-1])
    copied = {str(workdir / shlex.split(rest)[-1]) for rest in instructions("COPY")}
    assert argv[1] in copied, "the entrypoint script is not copied into the image"
    assert PurePosixPath(argv[1]).relative_to(workdir) == ENTRYPOINT.relative_to(PROJECT_ROOT)
    for run in instructions("RUN"):
        for step in run.split("&&"):
            words = shlex.split(step)
            if words and words[0] == "casework":
                resolve([w for w in words[1:] if w != ">" and not w.startswith("/dev/")])


def test_the_health_checks_ask_real_routes_that_answer(sqlite_template, tmp_path):
    (docker_check,) = instructions("HEALTHCHECK")
    liveness = healthcheck_url(docker_check)[1]
    readiness = healthcheck_url(app_service()["healthcheck"]["test"])[1]
    assert (liveness, readiness) == ("/healthz", "/readyz")
    db = tmp_path / "casework.db"
    shutil.copy(sqlite_template, db)
    engine = make_engine(f"sqlite:///{db}")
    settings = Settings(env="test", database_url=f"sqlite:///{db}", upload_dir=tmp_path / "up")
    app = create_app(settings, engine=engine)
    try:
        with TestClient(app) as client:
            for path in (liveness, readiness):
                answer = client.get(path)
                assert answer.status_code == 200, (path, answer.text)
                assert answer.json()["status"] == "ok"
    finally:
        engine.dispose()


# --- files, volumes, packages, Python --------------------------------------------------------


def test_the_data_folders_are_copied_where_the_settings_point():
    env = dockerfile_env()
    workdir = PurePosixPath(instructions("WORKDIR")[-1])
    copied = {}
    for rest in instructions("COPY"):
        *sources, dest = shlex.split(rest)
        for src in sources:
            copied[src] = workdir / dest
    assert copied["workflows"] == PurePosixPath(env["CASEWORK_WORKFLOWS_DIR"])
    assert copied["templates"] == PurePosixPath(env["CASEWORK_TEMPLATES_DIR"])
    assert copied["locales"] == PurePosixPath(env["CASEWORK_LOCALES_DIR"])
    for src in copied:
        assert (PROJECT_ROOT / src).exists(), f"COPY {src}: not in the repository"
    # pip installs the package, not an editable link to the source
    pip = [r for r in instructions("RUN") if "pip install" in r]
    assert pip and all(" -e " not in f" {r} " and "[dev]" not in r for r in pip)


def test_volumes_are_declared_and_mounted_where_the_uploads_go():
    spec = compose()
    declared = set(spec.get("volumes") or {})
    used: set[str] = set()
    mounts: dict[str, str] = {}
    for service in spec["services"].values():
        for volume in service.get("volumes", []):
            source, target = str(volume).split(":")[:2]
            if not source.startswith((".", "/", "~")):  # a named volume, not a bind mount
                used.add(source)
            mounts[target] = source
    assert used == declared, f"declared {sorted(declared)}, used {sorted(used)}"
    upload_dir = PurePosixPath(app_service()["environment"]["CASEWORK_UPLOAD_DIR"])
    assert upload_dir == PurePosixPath(dockerfile_env()["CASEWORK_UPLOAD_DIR"])
    # On a named volume, but below its mount point: `casework restore` renames the upload folder
    # into place, and renaming (or removing) a mount point fails with EBUSY.
    volume_root = upload_dir.parent
    assert mounts.get(str(volume_root)) in declared, "uploads would be lost with the container"
    assert str(upload_dir) not in mounts
    assert mounts.get("/var/lib/postgresql/data") in declared
    # the unprivileged user owns the folders the volumes start from
    user = instructions("USER")[-1]
    assert user not in ("root", "0")
    (prepare,) = [r for r in instructions("RUN") if "useradd" in r]
    assert f"mkdir -p {upload_dir} " in prepare
    owned = re.search(rf"chown -R {user}:{user} ([^&]+)", prepare)
    assert owned, "the data folders are left to root"
    app_mounts = [str(v).split(":")[1] for v in app_service()["volumes"]]
    assert set(app_mounts) <= set(owned.group(1).split())


SYSTEM_PACKAGES = PROJECT_ROOT / "deploy" / "system-packages.sh"


def system_packages(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path} if path is not None else None
    return subprocess.run(
        ["/bin/bash", str(SYSTEM_PACKAGES), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def script_packages(*args: str) -> list[str]:
    done = system_packages("--list", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_image_installs_the_debian_packages_of_the_shared_script():
    app_packages = set(script_packages())
    assert {"graphviz", "libpangoft2-1.0-0", "libharfbuzz-subset0"} <= app_packages
    assert set(script_packages("--with-browser")) == app_packages | {"chromium"}
    # wrk is for the benchmarks only: never in the image
    assert set(script_packages("--with-bench")) == app_packages | {"wrk"}
    (apt,) = [r for r in instructions("RUN") if "apt-get install" in r]
    installed = set(apt.split("apt-get install", 1)[1].split("&&")[0].split())
    assert app_packages <= installed, f"missing from the image: {app_packages - installed}"
    assert "postgresql-client" in installed  # pg_dump for `casework backup` on PostgreSQL
    # the app's own list of what each missing capability needs is the script's
    assert set(capabilities.DIAGRAM_PACKAGES) | set(capabilities.PDF_PACKAGES) == app_packages
    assert SYSTEM_PACKAGES.relative_to(PROJECT_ROOT).as_posix() == capabilities.SCRIPT


def test_ci_make_run_and_make_test_call_the_shared_script():
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "deploy/system-packages.sh --with-browser\n" in ci
    assert "apt-get install" not in ci and "missing+=" not in ci  # one list, in the script
    assert ci.index("\ndeploy/system-packages.sh") < ci.index("\nmake test\n")
    assert "/usr/bin/chromium --version" in ci and "dot -V" in ci
    if shutil.which("make") is None:
        pytest.skip("no make")

    def planned(*goal: str) -> list[str]:
        done = subprocess.run(
            ["make", "-n", "--no-print-directory", *goal],
            cwd=PROJECT_ROOT,
            env={k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))},
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return done.stdout.splitlines()

    run = planned("run")
    assert run[0].split() == ["deploy/system-packages.sh"]  # first, before anything is served
    assert planned("run", "MISSING_PACKAGES=warn")[0].split()[1:] == ["--warn-only"]
    assert planned("test")[0].split() == ["deploy/system-packages.sh", "--with-browser"]
    for bench in ("bench", "bench-quick"):  # wrk, which bench/harness.py drives
        assert planned(bench)[0].split() == ["deploy/system-packages.sh", "--with-bench"]


@pytest.fixture
def bare_path(tmp_path: Path) -> str:
    """A PATH with the few programs the script needs, and neither `dot` nor `apt-get`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for program in ("id", "grep"):
        found = shutil.which(program)
        assert found
        (bin_dir / program).symlink_to(found)
    return str(bin_dir)


def test_the_script_prints_the_exact_command_when_it_cannot_install(bare_path):
    done = system_packages(path=bare_path)
    assert done.returncode == 1
    assert "graphviz" in done.stderr.split("missing system packages:", 1)[1].splitlines()[0]
    command = done.stderr.strip().splitlines()[-1].strip()
    assert re.fullmatch(
        r"(sudo )?apt-get update && (sudo )?apt-get install -y graphviz( [\w.-]+)*", command
    )
    assert done.stdout == ""
    warned = system_packages("--warn-only", path=bare_path)
    assert warned.returncode == 0  # `make run MISSING_PACKAGES=warn` serves anyway
    assert command in warned.stderr
    assert "continuing without the step diagrams" in warned.stderr
    assert system_packages("--check", path=bare_path).returncode == 1
    assert system_packages("--bogus").returncode == 2


def test_the_image_python_is_the_one_the_project_targets():
    (base,) = instructions("FROM")
    m = re.fullmatch(r"python:(\d+\.\d+)-slim(?:-(\w+))?", base)
    assert m, f"unexpected base image {base!r}"
    version = m.group(1)
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert Version(version) in SpecifierSet(project["project"]["requires-python"])
    assert version == project["tool"]["mypy"]["python_version"]
    assert m.group(2) == "bookworm"  # the Debian release whose package names .ci/run uses


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule, for the plain patterns this file uses (no `!`)."""
    parts = PurePosixPath(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        regex = re.escape(pattern.strip("/")).replace(r"\*\*/", "(?:.*/)?")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        regex = re.sub(r"\\\[(.*?)\\\]", r"[\1]", regex)
        if any(re.fullmatch(regex, p) for p in prefixes):
            return True
    return False


def test_dockerignore_keeps_secrets_and_junk_out_but_not_what_the_image_copies():
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert not any(p.startswith("!") for p in patterns)  # _ignored() does not handle them
    for path in (
        ".git/HEAD",
        ".venv/bin/python",
        "var/casework.db",
        "var/uploads/2026/11/x",
        "uploads/x.pdf",
        ".env",
        ".env.production",
        "src/casework/__pycache__/cli.cpython-311.pyc",
        ".pytest_cache/v/cache",
        "test-artifacts/trace.zip",
        "tests/test_cli.py",
    ):
        assert _ignored(path, patterns), f"{path} would be sent to the image build"
    needed = 0
    for rest in instructions("COPY"):
        for src in shlex.split(rest)[:-1]:
            root = PROJECT_ROOT / src
            files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
            for f in files:
                rel = f.relative_to(PROJECT_ROOT).as_posix()
                if "__pycache__" in rel or ".egg-info/" in rel:
                    continue
                needed += 1
                assert not _ignored(rel, patterns), f"{rel} is copied but .dockerignore drops it"
    assert needed > 100
