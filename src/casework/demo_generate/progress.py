"""A one-line progress bar on stderr: dossiers done / total, rate, time left."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def _number(n: float) -> str:
    return f"{n:,.0f}".replace(",", ".")  # Vietnamese digit grouping: 1.000.000


class Progress:
    """Redraws in place on a terminal; elsewhere (logs, tests) prints a line now and then."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 28) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.width = width
        self.done = 0
        self.started = time.monotonic()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_draw = 0.0
        self.closed = False

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        share = self.done / self.total if self.total else 1.0
        filled = int(share * self.width)
        bar = "█" * filled + "░" * (self.width - filled)
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        return (
            f"[{bar}] {_number(self.done)}/{_number(self.total)} hồ sơ "
            f"({share:.0%}) · {_number(rate)} hồ sơ/giây · đã chạy {_clock(elapsed)}"
            f" · còn khoảng {_clock(left)}"
        )

    def advance(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        finished = self.done >= self.total
        if self.tty:
            if finished or now - self._last_draw >= 0.2:
                self.stream.write("\r" + self.line())
                self.stream.flush()
                self._last_draw = now
        elif finished or now - self._last_draw >= 5.0:
            self.stream.write(self.line() + "\n")
            self.stream.flush()
            self._last_draw = now

    def close(self) -> None:
        """End the bar's line (once; later calls do nothing)."""
        if self.tty and not self.closed:
            self.stream.write("\n")
            self.stream.flush()
        self.closed = True
