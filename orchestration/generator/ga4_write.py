"""Write GA4 rows as daily export files: ``events_YYYYMMDD.json.gz`` (NDJSON, INT64 as JSON strings
like BigQuery's JSON extract) and/or ``events_YYYYMMDD.parquet`` (INT64 as integers).

DuckDB casts every column to the declared GA4 type (BIGINT -> VARCHAR for JSON) and writes one
file per day (one JSON object per line); zlib gzips it. Two days are written at a time, each COPY
single-threaded so output is deterministic.
"""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from orchestration.generator.clock import Clock
from orchestration.generator.ga4_table import Ga4Rows
from orchestration.loaders.formats import GA4_COLUMNS

FORMATS = ("json", "parquet", "both")
WORKERS = 2
GZIP_LEVEL = 3
CHUNK = 8 << 20


def _select(fmt: str) -> str:
    parts = []
    for name, sql_type in GA4_COLUMNS.items():
        target = sql_type.replace("BIGINT", "VARCHAR") if fmt == "json" else sql_type
        parts.append(f'CAST("{name}" AS {target}) AS "{name}"')
    return ", ".join(parts)


def _copy(table: pa.Table, path: Path, fmt: str) -> int:
    con = duckdb.connect()
    tmp = path.with_name(path.name + ".tmp")
    try:
        con.execute("SET threads = 1")
        con.execute("SET preserve_insertion_order = true")
        con.register("day_rows", table)
        options = "FORMAT json, COMPRESSION uncompressed" if fmt == "json" else "FORMAT parquet"
        con.execute(f"COPY (SELECT {_select(fmt)} FROM day_rows) TO '{tmp}' ({options})")
    finally:
        con.close()
    if fmt == "json":
        _gzip(tmp, path)
        tmp.unlink()
    else:
        tmp.replace(path)
    return path.stat().st_size


def _gzip(source: Path, target: Path) -> None:
    """gzip ``source`` into ``target`` (header without name or mtime, so output is reproducible).

    zlib at a low level is ~3x faster than DuckDB's built-in gzip for ~1.7x the size."""
    packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(CHUNK):
            dst.write(packer.compress(chunk))
        dst.write(packer.flush())


def write(
    rows: Ga4Rows,
    clock: Clock,
    out_dir: Path,
    ga4_format: str,
    on_file: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Write every day into ``out_dir/ga4`` and the last day's re-export into
    ``out_dir/redelivery/ga4``. Returns bytes written per file (relative path); ``on_file`` is
    called with (relative path, rows, bytes) as each file is finished, in writing order.

    Each day's Arrow table is built here while the workers write the previous days, with at most
    a few days in memory at a time."""
    if ga4_format not in FORMATS:
        raise ValueError(f"ga4_format must be one of {FORMATS}, not {ga4_format!r}")
    formats = ("json", "parquet") if ga4_format == "both" else (ga4_format,)
    target = out_dir / "ga4"
    redelivery = out_dir / "redelivery" / "ga4"
    target.mkdir(parents=True, exist_ok=True)
    redelivery.mkdir(parents=True, exist_ok=True)
    bounds = np.searchsorted(rows.day, np.arange(clock.days + 1), side="left")
    sizes: dict[str, int] = {}
    pending: deque[tuple[Path, int, Future[int]]] = deque()

    def finish() -> None:
        path, n_rows, future = pending.popleft()
        relative = str(path.relative_to(out_dir))
        sizes[relative] = future.result()
        if on_file is not None:
            on_file(relative, n_rows, sizes[relative])

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for d in range(clock.days):
            lo, hi = int(bounds[d]), int(bounds[d + 1])
            day_rows = rows.table(lo, hi)
            for fmt in formats:
                name = f"events_{clock.day_label(d)}.{'json.gz' if fmt == 'json' else 'parquet'}"
                if d == clock.days - 1:
                    pending.append(
                        (
                            redelivery / name,
                            day_rows.num_rows,
                            pool.submit(_copy, day_rows, redelivery / name, fmt),
                        )
                    )
                    first = day_rows.filter(pa.array(~rows.late[lo:hi]))
                    pending.append(
                        (
                            target / name,
                            first.num_rows,
                            pool.submit(_copy, first, target / name, fmt),
                        )
                    )
                else:
                    pending.append(
                        (
                            target / name,
                            day_rows.num_rows,
                            pool.submit(_copy, day_rows, target / name, fmt),
                        )
                    )
            del day_rows
            while len(pending) > WORKERS:  # a day table is ~1.3 GB at 100M events
                finish()
        while pending:
            finish()
    return dict(sorted(sizes.items()))
