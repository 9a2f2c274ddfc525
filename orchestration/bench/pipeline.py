"""`journey bench run`: generate a scale, measure the floor, a full build and a nightly run.

Phases (each its own process, see phases.py): generate `history + 1` days; arrange a landing
folder with every export but the last GA4 day; the floor (DuckDB reading those files into tables,
no transformation); the full build (the nightly job on the empty warehouse); the nightly
incremental run after the last GA4 day is added; the peers. Peak memory is sampled over each
phase's process tree (memory.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.bench.memory import PeakSampler, children_maxrss_bytes
from orchestration.bench.scale import Scale
from orchestration.config import duckdb_memory_limit, duckdb_temp_directory
from orchestration.loaders.sources import all_sources

_DAY = re.compile(r"events_(\d{8})\.")
# In the generated folder, written last: the generator's arguments and what generating measured.
GENERATED_RECORD = "bench_generate.json"


@dataclass(frozen=True)
class BenchOptions:
    scale: Scale
    workdir: Path
    ga4_format: str = "json"
    seed: int = 42
    unit_tests: bool = False
    markov_paths: int = 1_000_000
    peers: bool = True
    keep: bool = False
    floor: bool = True
    reuse_generated: bool = False  # `generated/` as an earlier run with the same arguments left it
    # nightly runs, each from a copy of the 90-day warehouse; the median is reported
    nightly_runs: int = 1
    json_path: Path | None = None  # written after every phase, so a long run leaves partial numbers


def run_phase(phase: str, workdir: Path, **options: Any) -> dict[str, Any]:
    """Run one phase in a child process; its JSON plus wall seconds and peak tree memory."""
    result_file = workdir / f"phase_{phase}_{time.time_ns()}.json"
    command = [
        sys.executable,
        "-m",
        "orchestration.bench.phases",
        phase,
        "--result",
        str(result_file),
    ]
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            command.append(flag)
        elif value not in (None, False):
            command += [flag, str(value)]
    log = workdir / f"{phase}.log"
    started = time.perf_counter()
    with log.open("a") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        with PeakSampler(child.pid) as sampler:
            code = child.wait()
    wall = time.perf_counter() - started
    if code != 0 or not result_file.exists():
        raise RuntimeError(f"bench phase {phase} failed (exit {code}); see {log}")
    result = json.loads(result_file.read_text())
    result_file.unlink()
    result["process_seconds"] = wall
    result["peak_rss_bytes"] = sampler.peak
    return result


def split_landing(generated: Path, landing: Path) -> list[Path]:
    """Hard-link every export of `generated` into `landing` but the last GA4 day's files;
    return those (the nightly run's new day)."""
    if landing.exists():
        shutil.rmtree(landing)
    ga4_files = sorted((generated / "ga4").iterdir())
    days = sorted({m.group(1) for f in ga4_files if (m := _DAY.search(f.name))})
    new_day = [f for f in ga4_files if days and _DAY.search(f.name) and days[-1] in f.name]
    for folder in {source.folder for source in all_sources()}:
        if not (generated / folder).is_dir():
            continue
        (landing / folder).mkdir(parents=True)
        for path in sorted((generated / folder).iterdir()):
            if path.is_file() and path not in new_day:
                os.link(path, landing / folder / path.name)
    return new_day


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time (the lower middle of an even count), with every run's seconds
    (`runs_seconds`, in run order) and the highest peak memory of them all: one nightly run
    varies by 10% on a shared machine, more than many changes it should measure."""
    median = sorted(runs, key=lambda run: run["seconds"])[(len(runs) - 1) // 2]
    return median | {
        "runs_seconds": [run["seconds"] for run in runs],
        "peak_rss_bytes": max(run["peak_rss_bytes"] for run in runs),
    }


def reusable_generation(generated: Path, arguments: dict[str, Any]) -> dict[str, Any] | None:
    """The recorded measurements of `generated` when an earlier run generated it with exactly
    these arguments (and finished: the record is written last); None otherwise."""
    record_file = generated / GENERATED_RECORD
    if not record_file.is_file():
        return None
    record = json.loads(record_file.read_text())
    return record["result"] if record.get("arguments") == arguments else None


def _load_average() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def run_bench(options: BenchOptions) -> dict[str, Any]:
    from orchestration.bench.report import derive, write_json

    def measured(phase: str, result: dict[str, Any]) -> None:
        report[phase] = result
        if options.json_path is not None:
            write_json(report | {"finished": False}, options.json_path)

    work = options.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    generated, landing = work / "generated", work / "landing"
    warehouse = work / "warehouse" / "journey.duckdb"
    published = work / "warehouse" / "published" / "journey.duckdb"
    for stale in (warehouse.parent, work / "warehouse_after_full", work / "floor.duckdb"):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    scale = options.scale
    report: dict[str, Any] = {
        "scale": {
            "events_target": scale.events,
            "customers": scale.customers,
            "history_days": scale.history_days,
            "days_generated": scale.days,
        },
        "settings": {
            "ga4_format": options.ga4_format,
            "seed": options.seed,
            "unit_tests": options.unit_tests,
            "duckdb_memory_limit": duckdb_memory_limit(),
            "duckdb_temp_directory": str(duckdb_temp_directory(warehouse)),
            "memory": "sampled /proc VmRSS sum over each phase's process tree every 0.1 s",
        },
        "machine": {"cpus": os.cpu_count(), "load_average_start": _load_average()},
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    arguments = {
        "customers": scale.customers,
        "days": scale.days,
        "seed": options.seed,
        "format": options.ga4_format,
    }
    reused = reusable_generation(generated, arguments) if options.reuse_generated else None
    if reused is None:
        (generated / GENERATED_RECORD).unlink(missing_ok=True)
        generation = run_phase("generate", work, out=generated, **arguments)
        write_json({"arguments": arguments, "result": generation}, generated / GENERATED_RECORD)
    else:
        generation = reused | {"reused": True}
    measured("generate", generation)
    new_day = split_landing(generated, landing)
    if options.floor:
        floor = run_phase("floor", work, landing=landing, database=work / "floor.duckdb")
        measured("floor", floor)
        (work / "floor.duckdb").unlink(missing_ok=True)
    run = {
        "landing": landing,
        "warehouse": warehouse,
        "published": published,
        "unit_tests": options.unit_tests,
    }
    measured("full", run_phase("run", work, **run))
    after_full = work / "warehouse_after_full"
    if options.keep or options.nightly_runs > 1:  # the 90-day warehouse, for more nightly runs
        shutil.copytree(warehouse.parent, after_full, dirs_exist_ok=True)
    for path in new_day:
        os.link(path, landing / "ga4" / path.name)
    nightly_runs = []
    for number in range(options.nightly_runs):
        if number > 0:
            shutil.rmtree(warehouse.parent)
            shutil.copytree(after_full, warehouse.parent)
        nightly_runs.append(run_phase("run", work, **run))
    measured("incremental", median_run(nightly_runs))
    if not options.keep:
        shutil.rmtree(after_full, ignore_errors=True)
    if options.peers:
        peers = run_phase("peers", work, warehouse=warehouse, paths=options.markov_paths)
        measured("peers", peers)
    report["machine"]["load_average_end"] = _load_average()
    report["machine"]["children_maxrss_bytes"] = children_maxrss_bytes()
    report["derived"] = derive(report)
    report["finished"] = True
    if options.json_path is not None:
        write_json(report, options.json_path)
    if not options.keep:
        kept = (generated,) if options.reuse_generated else ()
        for folder in {generated, landing, warehouse.parent}.difference(kept):
            shutil.rmtree(folder, ignore_errors=True)
    return report
