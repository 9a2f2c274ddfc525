"""A CSV's header line and the problems of the whole file it shows (the file is then rejected).

Empty file, not UTF-8, wrong delimiter, a required column missing, or another source's export in
this source's place ("looks like a shopify_orders export; move it to orders/").
"""

from __future__ import annotations

import csv
from pathlib import Path

from orchestration.loaders.encoding import not_utf8_error
from orchestration.loaders.errors import EMPTY_FILE, LoadError
from orchestration.loaders.formats import CsvSource
from orchestration.loaders.sources import csv_sources, describe, where_it_goes

_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe", ",": "comma"}


def normalise(name: str) -> str:
    return name.strip().lower()


def read_header(path: Path, rel: str, delimiter: str) -> list[str]:
    """The first record's cells; LoadError if the file is empty or not UTF-8."""
    if path.stat().st_size == 0:
        raise LoadError(rel, EMPTY_FILE)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            first = next(csv.reader(handle, delimiter=delimiter), None)
    except UnicodeDecodeError as error:
        raise not_utf8_error(path, rel) or LoadError(rel, f"not UTF-8: {error}") from error
    except csv.Error as error:
        raise LoadError(rel, f"the header line cannot be read as CSV: {error}") from error
    if not first or not any(cell.strip() for cell in first):
        raise LoadError(rel, "empty file: no header line (the first line is blank)")
    return first


def _check_delimiter(header: list[str], rel: str, delimiter: str) -> None:
    """A one-column header holding another delimiter: the file uses that one instead."""
    if len(header) != 1:
        return
    counts = {d: header[0].count(d) for d in _DELIMITERS if d != delimiter}
    used, times = max(counts.items(), key=lambda item: item[1])
    if times:
        raise LoadError(
            rel,
            f"wrong delimiter: the header is one single column but contains {used!r} {times} "
            f"times; the file seems to be {_DELIMITERS[used]}-delimited, this source expects "
            f"{delimiter!r} ({_DELIMITERS.get(delimiter, 'custom')}); re-export it "
            f"{_DELIMITERS.get(delimiter, repr(delimiter))}-delimited",
        )


def looks_like(header: list[str], other_than: CsvSource | None = None) -> CsvSource | None:
    """The CSV source whose required columns are all in this header (most declared ones wins)."""
    present = {normalise(name) for name in header}
    best, best_score = None, 0
    for source in csv_sources():
        if other_than is not None and source.table == other_than.table:
            continue
        required = {normalise(h) for h in source.required_headers}
        if not required <= present:
            continue
        score = len(present & {normalise(c.header) for c in source.columns})
        if score > best_score:
            best, best_score = source, score
    return best


def misplaced_hint(source: CsvSource, here: str) -> str:
    """'looks like a shopify_orders export (...); move it to orders/ (files named ...)'."""
    action = "rename it to match" if source.folder == here else "move it to"
    target = source.pattern if source.folder == here else where_it_goes(source)
    return f"looks like a {describe(source)}; {action} {target}"


def check_header(header: list[str], rel: str, source: CsvSource) -> None:
    """Reject the file if its header cannot be this source's: wrong delimiter or columns missing."""
    _check_delimiter(header, rel, source.delimiter)
    present = {normalise(name) for name in header}
    missing = [h for h in source.required_headers if normalise(h) not in present]
    if not missing:
        return
    other = looks_like(header, other_than=source)
    if other is not None:
        raise LoadError(rel, f"not a {describe(source)}: {misplaced_hint(other, source.folder)}")
    also = "" if len(missing) == 1 else f" (all missing: {', '.join(map(repr, missing))})"
    raise LoadError(rel, f"required column missing from the header{also}", column=missing[0])
