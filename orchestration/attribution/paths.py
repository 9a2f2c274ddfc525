"""Aggregated channel paths and the plain `path;total_conversions;total_conversion_value;total_null` file."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

HEADER = ("path", "total_conversions", "total_conversion_value", "total_null")
SEPARATOR = ">"


class PathFileError(ValueError):
    """A path file that cannot be read; the message names the file, line and column."""


@dataclass(frozen=True, slots=True)
class PathAggregate:
    """One distinct channel path with its converting and non-converting journeys."""

    channels: tuple[str, ...]
    conversions: float
    value: float
    nulls: float


def parse_path(text: str) -> tuple[str, ...]:
    """'a > b > c' -> ('a', 'b', 'c'); raises ValueError on an empty path or channel."""
    channels = tuple(part.strip() for part in text.split(SEPARATOR))
    if any(not channel for channel in channels):
        raise ValueError(f"empty channel name in path {text!r}")
    return channels


def _number(text: str) -> float:
    number = float(text)
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{text!r} is not a finite non-negative number")
    return number


def read_path_file(path: str | Path) -> list[PathAggregate]:
    """Read a header line then `a > b > c;conversions;value;nulls` lines (blank lines skipped)."""
    path = Path(path)
    result: list[PathAggregate] = []
    with path.open(encoding="utf-8-sig") as handle:
        header = handle.readline().rstrip("\r\n")
        fields = tuple(field.strip().lower() for field in header.split(";"))
        if fields != HEADER:
            raise PathFileError(
                f"{path}: line 1: expected header {';'.join(HEADER)!r}, found {header!r}"
            )
        for line_number, raw in enumerate(handle, start=2):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            parts = line.split(";")
            if len(parts) != len(HEADER):
                raise PathFileError(
                    f"{path}: line {line_number}: expected {len(HEADER)} ';'-separated fields, "
                    f"found {len(parts)}: {line!r}"
                )
            values: list[float] = []
            for index, part in enumerate(parts):
                try:
                    if index == 0:
                        channels = parse_path(part)
                    else:
                        values.append(_number(part.strip()))
                except ValueError as error:
                    column = sum(len(p) + 1 for p in parts[:index]) + 1
                    raise PathFileError(
                        f"{path}: line {line_number}, column {column} (field {HEADER[index]}): "
                        f"{error}"
                    ) from None
            result.append(PathAggregate(channels, values[0], values[1], values[2]))
    return result
