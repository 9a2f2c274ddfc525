"""Progress lines of the long CLI steps: `journey generate` per written file, loading per file."""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import duckdb

from orchestration import progress
from orchestration.cli import main as journey
from orchestration.loaders.landing import load_all

GENERATED_LINE = re.compile(r"^\s+[\d.]+s  (\S+): ([\d,]+) (events|rows), [\d.,]+ (kB|MB)$")
LOADED_LINE = re.compile(r"^raw\.(\w+)\s+(\w+)\s+(\S+)  ([\d,]+ rows|-).*  (\d+\.\d\d)s$")


def _csv_rows(path: Path) -> int:
    with open(path, newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def _ndjson_rows(path: Path) -> int:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return sum(1 for line in handle if line.strip())


def test_generate_reports_each_file_as_it_is_written(tmp_path: Path, capsys) -> None:
    out = tmp_path / "landing"
    argv = ["generate", "--out", str(out), "--customers", "60", "--days", "3", "--seed", "5"]
    assert journey(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    reported = {m[1]: int(m[2].replace(",", "")) for m in map(GENERATED_LINE.match, lines) if m}
    ga4 = sorted((out / "ga4").glob("events_*.json.gz"))
    assert len(ga4) == 3
    for path in [*ga4, *(out / "redelivery" / "ga4").glob("*.json.gz")]:
        assert reported[path.relative_to(out).as_posix()] == _ndjson_rows(path)
    for folder in ("crm", "email", "spend", "generic_orders"):
        for path in (out / folder).glob("*.csv"):
            assert reported[path.relative_to(out).as_posix()] == _csv_rows(path)
    assert any("simulated 60 customers" in line for line in lines)
    # The progress comes before the closing summary.
    assert lines.index(next(line for line in lines if line.startswith("wrote "))) > max(
        i for i, line in enumerate(lines) if GENERATED_LINE.match(line)
    )


def test_loading_reports_each_file_with_rows_and_seconds(tmp_path: Path) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    assert (
        journey(
            ["generate", "--out", str(landing), "--customers", "60", "--days", "3", "--seed", "5"]
        )
        == 0
    )
    console = io.StringIO()
    with progress.to_console(console):
        load_all(warehouse, landing, raise_rejected=False)
    lines = [m for m in map(LOADED_LINE.match, console.getvalue().splitlines()) if m]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        manifest = {
            path: (table, status, rows)
            for path, table, status, rows in con.execute(
                "select file_path, source_table, status, row_count from raw.load_manifest"
            ).fetchall()
        }
    finally:
        con.close()
    loaded = {m[3]: m for m in lines}
    assert set(loaded) == set(manifest)  # one line per file the manifest records
    for path, (table, status, rows) in manifest.items():
        line = loaded[path]
        assert (line[1], line[2]) == (table, status)
        if status == "loaded":
            assert line[4] == f"{rows:,} rows"
        assert float(line[5]) >= 0

    again = io.StringIO()
    with progress.to_console(again):
        load_all(warehouse, landing, raise_rejected=False)
    statuses = [m[2] for m in map(LOADED_LINE.match, again.getvalue().splitlines()) if m]
    assert statuses and set(statuses) == {"unchanged"}


def test_nothing_is_printed_without_a_console(tmp_path: Path, capsys) -> None:
    progress.report("not shown")
    assert "not shown" not in capsys.readouterr().out
