"""A BI reader for the crash tests (run as a script, not collected by pytest).

    python tests/published_reader.py PUBLISHED OUT.jsonl STOP_FILE

Until STOP_FILE exists: open PUBLISHED read-only, read the run that produced this version (the
latest published run in marts.pipeline_runs) and its recorded row counts, count the rows of every
mart in the same connection, close; append one JSON line per attempt: {run_id, consistent} or
{error}. A version is complete when every mart's row count equals the count recorded for it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb


def observe(path: str) -> dict:
    con = duckdb.connect(path, read_only=True)
    try:
        run_id, rows_json = con.execute(
            "select run_id, rows_per_model from marts.pipeline_runs "
            "where status = 'published' order by finished_at desc nulls last limit 1"
        ).fetchone()
        recorded = {
            name.split(".", 1)[1]: rows
            for name, rows in json.loads(rows_json).items()
            if name.startswith("marts.")
        }
        counted = {
            name: con.execute(f'select count(*) from marts."{name}"').fetchone()[0]
            for name in recorded
        }
        return {"run_id": run_id, "marts": len(recorded), "consistent": counted == recorded}
    finally:
        con.close()


def main(published: str, out: str, stop: str) -> None:
    with open(out, "a", encoding="utf-8") as handle:
        while not Path(stop).exists():
            try:
                line = observe(published)
            except Exception as error:  # every error is an observation the test fails on
                line = {"error": f"{type(error).__name__}: {error}"}
            line["at"] = time.time()
            handle.write(json.dumps(line) + "\n")
            handle.flush()
            time.sleep(0.2)


if __name__ == "__main__":
    main(*sys.argv[1:4])
