"""What a reader hands back besides its temp tables `incoming` (good rows) and `bad_rows`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Staged:
    notes: list[str] = field(default_factory=list)  # for the manifest message and the log
    drift: list[str] = field(default_factory=list)  # undeclared columns kept in _extra
