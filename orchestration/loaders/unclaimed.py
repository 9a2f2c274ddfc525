"""Files in a source folder that no source there claims by name: never silently left behind.

Another source's export dropped in the wrong folder (known by its CSV header, else by its name)
is rejected with where it belongs; anything else is reported as ignored. The first source of a
folder (in all_sources() order) reports its folder's unclaimed files.
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

import duckdb

from orchestration.loaders import manifest
from orchestration.loaders.csv_header import looks_like, misplaced_hint, read_header
from orchestration.loaders.errors import LoadError
from orchestration.loaders.outcome import FileOutcome
from orchestration.loaders.sources import Source, all_sources, claims, patterns_of


def unclaimed_files(landing: Path, source: Source) -> list[Path]:
    here = [s for s in all_sources() if s.folder == source.folder]
    folder = landing / source.folder
    if here[0].table != source.table or not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and not any(claims(s, p.name) for s in here)
    )


def _named_like(source: Source, path: Path) -> bool:
    """Whether the name follows one of the source's patterns that say something (not '*.csv')."""
    return any(fnmatch(path.name, p) for p in patterns_of(source) if not p.startswith("*"))


def misplaced(path: Path, rel: str, folder: str) -> LoadError | None:
    """LoadError saying where the file belongs, if it is another source's export."""
    try:
        header = read_header(path, rel, ",")
    except LoadError:
        header = None
    other = looks_like(header) if header else None
    if other is None:
        other = next(
            (s for s in all_sources() if s.folder != folder and _named_like(s, path)), None
        )
    if other is None:
        return None
    return LoadError(rel, f"in the wrong folder: {misplaced_hint(other, folder)}")


def check_unclaimed(
    con: duckdb.DuckDBPyConnection, landing: Path, path: Path, source: Source
) -> FileOutcome:
    rel = path.relative_to(landing).as_posix()
    print_ = manifest.fingerprint(path)
    error = misplaced(path, rel, source.folder)
    if error is not None:
        manifest.record(con, rel, source.table, print_, "failed", message=str(error))
        return FileOutcome(rel, "failed", error=error)
    patterns = ", ".join(
        p for s in all_sources() if s.folder == source.folder for p in patterns_of(s)
    )
    note = f"matches no file pattern of {source.folder}/ ({patterns}); not loaded"
    previous = manifest.last_ignored(con, rel)
    if previous is None or previous.file_hash != print_.sha256:
        manifest.record(con, rel, source.table, print_, "ignored", message=note)
    return FileOutcome(rel, "ignored", notes=[note])
