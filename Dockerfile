# casework production image: `docker compose up -d` builds it (see docker-compose.yml and the
# "Production with Docker Compose" section of docs/admin-guide.md).
# Debian 12 (bookworm): the same release, and so the same package names, as
# deploy/system-packages.sh installs for `make run`, `make test` and .ci/run.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Run-time system packages, those of `deploy/system-packages.sh --list` (tests/test_deploy.py
# checks): Graphviz (`dot`) for the procedure diagrams; Pango, HarfBuzz-subset
# and fonts with Vietnamese glyphs for the PDF slips (WeasyPrint); the PostgreSQL client for
# `casework backup` / `casework restore` (pg_dump, pg_restore: 15, the server's major version).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        graphviz \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
        fonts-liberation2 \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The package itself (a normal, non-editable install without the dev tools).
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . && rm -rf src build

# Data files the app reads at run time. They are not Python package data, so they live here and
# the settings point at them.
COPY workflows ./workflows
COPY templates ./templates
COPY locales ./locales
COPY deploy/entrypoint.sh ./deploy/entrypoint.sh

ENV CASEWORK_WORKFLOWS_DIR=/app/workflows \
    CASEWORK_TEMPLATES_DIR=/app/templates \
    CASEWORK_LOCALES_DIR=/app/locales \
    CASEWORK_UPLOAD_DIR=/var/lib/casework/uploads

# Fail the build, not the first start, if a procedure or scenario file, a data folder or the
# English catalogue is wrong or missing (create_app() checks them all without touching a database),
# or if Graphviz or WeasyPrint's libraries do not work.
RUN casework workflows check > /dev/null \
    && python -c 'from casework.main import create_app; create_app()' \
    && dot -V \
    && python -c 'import weasyprint; weasyprint.HTML(string="<p>Ti\u1ebfng Vi\u1ec7t</p>").write_pdf()'

# Production from here on: the app refuses the default CASEWORK_SECRET_KEY and the demo data.
ENV CASEWORK_ENV=production

# An unprivileged user. It owns the data folder (uploads inside) and the backup folder; a new
# named volume mounted on either starts with this content and ownership.
RUN useradd --uid 10001 --user-group --create-home --shell /usr/sbin/nologin casework \
    && mkdir -p /var/lib/casework/uploads /var/backups/casework \
    && chown -R casework:casework /var/lib/casework /var/backups/casework
USER casework

EXPOSE 8000

# Liveness: the process answers. docker-compose.yml checks readiness (/readyz) instead.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# No arguments: `casework db upgrade`, then `casework serve` with CASEWORK_WORKERS workers.
ENTRYPOINT ["/bin/sh", "/app/deploy/entrypoint.sh"]
