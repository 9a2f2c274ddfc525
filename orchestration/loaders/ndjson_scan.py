"""Walk a GA4 NDJSON file line by line in Python: name every bad line, keep the good ones.

The slow path, only run after DuckDB refused the file or found a required field empty. Lines are
counted as DuckDB counts them: blank lines (which GA4 never writes) are skipped and not numbered.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.loaders.encoding import not_utf8_error, open_binary
from orchestration.loaders.errors import LoadError

_KINDS = {"BIGINT": "an INT64", "DOUBLE": "a FLOAT64"}


@dataclass(frozen=True)
class BadLine:
    line: int
    column: str | None
    reason: str
    value: str | None
    raw: str


@dataclass
class Scan:
    lines: int = 0  # non-blank lines
    objects: int = 0  # lines that are JSON objects
    bad: list[BadLine] = field(default_factory=list)
    good: list[int] = field(default_factory=list)  # line numbers written to the good-lines file
    missing: dict[str, int] = field(default_factory=dict)  # required field -> objects without it


def _fits(value: object, sql_type: str) -> bool:
    """Whether a top-level JSON value can be read as the declared type."""
    if sql_type.endswith("[]"):
        return isinstance(value, list)
    if sql_type.startswith("STRUCT"):
        return isinstance(value, dict)
    if sql_type in _KINDS:
        try:
            (int if sql_type == "BIGINT" else float)(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
    return True


def _problem(
    text: str, columns: dict[str, str], required: tuple[str, ...], scan: Scan
) -> tuple[str | None, str, str | None] | None:
    """(column, reason, value) of the line's first problem, or None."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"malformed JSON ({error.msg}, character {error.pos + 1})", None
    if not isinstance(record, dict):
        return None, "line is not a JSON object", None
    scan.objects += 1
    absent = [name for name in required if record.get(name) is None]
    for name in absent:
        scan.missing[name] = scan.missing.get(name, 0) + 1
    for name, sql_type in columns.items():
        value = record.get(name)
        if value is not None and not _fits(value, sql_type):
            kind = _KINDS.get(sql_type, sql_type.split("(")[0].lower())
            return name, f"not {kind}", json.dumps(value) if not isinstance(value, str) else value
    if absent:
        return absent[0], "required field is missing or null", None
    return None


def scan_ndjson(
    path: Path, rel: str, columns: dict[str, str], required: tuple[str, ...], good_out: Path
) -> Scan:
    """Every line's verdict; the good lines are written to `good_out`. LoadError for the whole
    file: truncated or corrupt gzip, not UTF-8."""
    scan = Scan()
    with open_binary(path) as handle, open(good_out, "wb") as out:
        try:
            for raw in handle:
                if not raw.strip():
                    continue
                scan.lines += 1
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    raise not_utf8_error(path, rel) or LoadError(rel, "not UTF-8 text") from error
                text = text.rstrip("\r\n")
                problem = _problem(text, columns, required, scan)
                if problem is None:
                    out.write(raw if raw.endswith(b"\n") else raw + b"\n")
                    scan.good.append(scan.lines)
                else:
                    scan.bad.append(BadLine(scan.lines, *problem, raw=text))
        except (EOFError, OSError, zlib.error) as error:
            raise LoadError(
                rel, f"truncated or corrupt gzip stream after line {scan.lines}: {error}"
            ) from error
    return scan
