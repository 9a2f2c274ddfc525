"""Read many GA4 NDJSON files with one DuckDB call, then hand each file's rows to its own load.

Reading file by file parses one gzip stream at a time on one core and pays DuckDB's per-call cost
90 times for 90 days; one `read_json` over a list of files keeps both cores busy. Only the fast,
clean case is batched: every file of the batch reads strictly against the GA4 schema, has every
required field on every line and no field beyond the schema. A file with anything to report (bad
lines, drift, no lines) is read again on its own by ga4_reader.py, which names the file, line
and column; when the batch read itself fails, every file of the batch is. So batching changes
speed only, never what is loaded, quarantined or reported. The batch's files load together in
one transaction (landing.py), each with its own manifest row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.loaders.drift import NO_EXTRA
from orchestration.loaders.formats import Ga4Source
from orchestration.loaders.ga4_reader import (
    MAX_OBJECT_SIZE,
    ga4_json_columns,
    required_null,
)
from orchestration.loaders.sql import quote_literal

BATCH = "ga4_batch"
DEFAULT_BATCH_MB = 128


def batchable(path: Path) -> bool:
    return path.name.endswith((".json", ".json.gz")) and path.stat().st_size > 0


def batches(paths: list[Path], limit_bytes: int) -> Iterator[list[Path]]:
    """Consecutive runs of paths whose sizes add up to at most `limit_bytes` (a larger file alone)."""
    batch: list[Path] = []
    size = 0
    for path in paths:
        file_size = path.stat().st_size
        if batch and size + file_size > limit_bytes:
            yield batch
            batch, size = [], 0
        batch.append(path)
        size += file_size
    if batch:
        yield batch


def _file_list(paths: list[Path]) -> str:
    return "[" + ", ".join(quote_literal(str(p)) for p in paths) + "]"


@dataclass
class Ga4Batch:
    """The rows of the batch's clean files in temp table ga4_batch, with their file's number."""

    con: duckdb.DuckDBPyConnection
    # str(path) -> its number in the batch table; an integer, so DuckDB's zone maps skip the
    # other files' row groups (string statistics keep only a prefix: all file names share it)
    numbers: dict[str, int]

    def leave_out(self, name: str) -> None:
        """Take a file's rows out of the batch (it will be loaded on its own)."""
        self.con.execute(f"delete from {BATCH} where file_number = ?", [self.numbers.pop(name)])

    def withhold(self, predicate: str) -> Counter[str]:
        """Delete the rows matching `predicate`; how many per file."""
        names = {number: name for name, number in self.numbers.items()}
        deleted = self.con.execute(
            f"delete from {BATCH} where {predicate} returning file_number"
        ).fetchall()
        return Counter(names[number] for (number,) in deleted)

    def rows(self) -> dict[str, int]:
        counts = dict(
            self.con.execute(f"select file_number, count(*) from {BATCH} group by 1").fetchall()
        )
        return {name: counts.get(number, 0) for name, number in self.numbers.items()}

    def insert_into(self, table: str, columns: str, source_files: dict[str, str]) -> None:
        """Insert every row into `table` with its file's `_source_file` and one `_loaded_at`."""
        numbers = [self.numbers[name] for name in source_files]
        self.con.execute(
            f"""
            insert into {table} ({columns}, _source_file, _loaded_at)
            select {columns}, f.source_file, cast(timezone('UTC', now()) as timestamp)
            from {BATCH} b join (
                select unnest(?::bigint[]) as file_number, unnest(?::varchar[]) as source_file
            ) f using (file_number)
            order by b.file_number, b._source_row
            """,
            [numbers, list(source_files.values())],
        )

    def drop(self) -> None:
        self.con.execute(f"drop table if exists {BATCH}")


def read_batch(con: duckdb.DuckDBPyConnection, paths: list[Path], source: Ga4Source) -> Ga4Batch:
    """Read `paths` in one call; the batch holds the files that need no per-file reading."""
    files = _file_list(paths)
    try:
        con.execute(
            f"""
            create or replace temp table {BATCH}_read as
            select * from read_json({files}, format = 'newline_delimited',
                columns = {ga4_json_columns(source)}, maximum_object_size = {MAX_OBJECT_SIZE},
                filename = true)
            """
        )
    except duckdb.Error:
        return Ga4Batch(con, {})
    complete = {
        name
        for name, incomplete in con.execute(
            f"select filename, count(*) filter (where {required_null(source)}) "
            f"from {BATCH}_read group by filename"
        ).fetchall()
        if incomplete == 0
    }
    declared = ", ".join(quote_literal(name) for name in source.columns)
    drifted = {
        row[0]
        for row in con.execute(
            f"""
            select distinct filename from (
                select filename, unnest(json_keys(json)) as field
                from read_ndjson_objects({files}, filename = true,
                    maximum_object_size = {MAX_OBJECT_SIZE})
            ) where field not in ({declared})
            """
        ).fetchall()
    }
    clean = sorted(complete - drifted)
    # rowid follows the file list and each file's line order (insertion order is preserved).
    con.execute(
        f"""
        create or replace temp table {BATCH} as
        select * exclude (k, filename), list_position(?::varchar[], filename) as file_number,
            k - min(k) over (partition by filename) + 1 as _source_row, {NO_EXTRA}
        from (select rowid as k, * from {BATCH}_read)
        where list_contains(?::varchar[], filename)
        order by k
        """,
        [clean, clean],
    )
    con.execute(f"drop table {BATCH}_read")
    return Ga4Batch(con, {name: number for number, name in enumerate(clean, 1)})
