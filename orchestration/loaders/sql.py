"""Quoting helpers for SQL built from file names and headers."""

from __future__ import annotations

from collections.abc import Iterable


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def quote_list(paths: Iterable[object]) -> str:
    """A SQL list literal of the paths as strings: ['a', 'b'] (DuckDB's multi-file readers)."""
    return "[" + ", ".join(quote_literal(str(p)) for p in paths) + "]"
