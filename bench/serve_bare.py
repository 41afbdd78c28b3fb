"""Serve bench/bare_app.py exactly as `casework serve` serves the app: `casework.serving.run`,
whose shared socket for several workers has TCP_NODELAY on (uvicorn#3149). Served by plain
uvicorn instead, the baseline would wait ~40 ms per kept-alive response and flatter the app.

    python bench/serve_bare.py HOST PORT WORKERS
"""

from __future__ import annotations

import sys

from casework import serving

if __name__ == "__main__":  # the workers are spawned: they import this file again
    host, port, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    # this file's folder is on sys.path, and spawned workers inherit it: `bare_app` imports
    serving.run(
        "bare_app:app", workers=workers, reload=False, host=host, port=port, log_level="info"
    )
