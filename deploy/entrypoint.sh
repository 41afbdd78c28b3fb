#!/bin/sh
# Container start (Dockerfile ENTRYPOINT). Without arguments: bring the database to the latest
# migration, then serve on 0.0.0.0:8000 with CASEWORK_WORKERS uvicorn workers (default 4).
# With arguments, run them instead, e.g. `docker compose run --rm app casework users list`.
set -eu

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

casework db upgrade
exec casework serve --host 0.0.0.0 --port 8000 --workers "${CASEWORK_WORKERS:-4}"
