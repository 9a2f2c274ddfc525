"""Progress lines for the CLI's long steps (generating sample data, loading exports).

Code reports through the logger ``journey.progress``; ``to_console()`` shows those lines on
stdout while a CLI command runs. Without it (Dagster daemon, library use) nothing is printed.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

LOGGER_NAME = "journey.progress"
log = logging.getLogger(LOGGER_NAME)


def report(message: str) -> None:
    log.info(message)


def size_text(size: int) -> str:
    """Bytes as a short human size: '850 kB', '12.4 MB'."""
    return f"{size / 1e6:,.1f} MB" if size >= 1e6 else f"{size / 1e3:,.0f} kB"


class Stopwatch:
    """Reports lines prefixed with the seconds since it was made: ``  12.3s  message``."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        report(f"{time.perf_counter() - self.started:7.1f}s  {message}")


@contextmanager
def to_console(stream: TextIO | None = None) -> Iterator[None]:
    """Print progress lines (plain, one per report) to ``stream`` (default stdout) meanwhile."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level, propagate = log.level, log.propagate
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False  # not twice when the root logger prints too
    try:
        yield
    finally:
        handler.flush()
        log.removeHandler(handler)
        log.setLevel(level)
        log.propagate = propagate
