"""Selective builds: what the last complete, passing dbt build was built from, and what the next
build may leave out.

Every model is a pure function of its sources' rows, the seeds, the vars and the code (the one that
reads the clock, the CLV fit, is flagged EVERY_RUN and built by every run). So when the code is the same as at the last complete build that passed, a model
that no changed source reaches holds exactly what rebuilding it would give, and the data tests on
it already passed on the same rows. The nightly run then builds and tests only what the night's
new rows reach (issue 8: one new GA4 day leaves CRM, email, spend and the seeds untouched).

A source's state is its row count and latest `_loaded_at`: loaders only insert (a new file, or a
changed file's rows replacing its old ones under a new `_loaded_at`) or delete (forget), so any
change moves one of the two. The state is cleared when a build starts and written only when a
build of the whole project passed, so after a failed, crashed or partial build the next one is
complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import duckdb

from orchestration.config import PROJECT_DIR

STATE_TABLE = "ops.dbt_build_state"
# Files whose content decides what a model holds: the dbt project and the Python the dbt Python
# models import (orchestration/), with the installed versions of what runs them.
_DBT_SUFFIXES = (".sql", ".py", ".yml", ".yaml", ".csv", ".md", ".jinja")
CODE_INPUTS = {
    "models": _DBT_SUFFIXES,
    "macros": _DBT_SUFFIXES,
    "seeds": _DBT_SUFFIXES,
    "tests/data_tests": _DBT_SUFFIXES,
    "dbt_project.yml": _DBT_SUFFIXES,
    "profiles.yml": _DBT_SUFFIXES,
    "orchestration": (".py",),
}
VERSIONED_PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb", "numpy", "scipy", "pyarrow")
_ENV_VAR = re.compile(r"env_var\(\s*['\"]([A-Za-z0-9_]+)['\"]")
# meta flag of a model built by every run, as if a changed source reached it (a model that reads
# the clock, such as the CLV fit's fitted_at)
EVERY_RUN = "journey_build_every_run"
_BUILT = ("model", "seed", "snapshot")
_SELECTED_KINDS = (*_BUILT, "test", "unit_test")


@dataclass(frozen=True)
class BuildInputs:
    code: str  # sha256 over the code inputs, the env vars they read, the dbt args and versions
    sources: dict[str, list[Any] | None]  # source unique_id -> [rows, latest _loaded_at] or None


@dataclass(frozen=True)
class BuildPlan:
    inputs: BuildInputs
    reason: str  # why everything is built, or which sources changed
    skipped: frozenset[str] = frozenset()  # unique_ids of nodes left out

    @property
    def selective(self) -> bool:
        return bool(self.skipped)

    def skipped_relations(self, manifest: dict[str, Any]) -> set[str]:
        """The models, seeds and snapshots left out (the rest of `skipped` are tests)."""
        nodes = manifest.get("nodes", {})
        return {uid for uid in self.skipped if nodes.get(uid, {}).get("resource_type") in _BUILT}

    def record_fields(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """What the run record says about the plan (ops.pipeline_runs)."""
        nodes = manifest.get("nodes", {})
        tests = [uid for uid in self.skipped if nodes.get(uid, {}).get("resource_type") == "test"]
        return {
            "models_unchanged": len(self.skipped_relations(manifest)),
            "tests_unchanged": len(tests),
            "build_plan": self.reason,
        }

    def skipped_in_build_order(self, manifest: dict[str, Any]) -> list[str]:
        """The models, seeds and snapshots left out, each after the ones it depends on."""
        nodes = manifest.get("nodes", {})
        pending = self.skipped_relations(manifest)
        ordered: list[str] = []
        while pending:
            ready = sorted(
                uid
                for uid in pending
                if not set(nodes[uid].get("depends_on", {}).get("nodes", [])) & pending
            )
            ordered += ready
            pending -= set(ready)
        return ordered

    def dbt_args(self, manifest: dict[str, Any]) -> list[str]:
        """`--exclude` for every node left out; with indirect selection `empty`, so a test whose
        parents include a rebuilt model still runs (dbt's default drops a test when any parent
        is excluded)."""
        if not self.skipped:
            return []
        nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
        fqns = sorted("fqn:" + ".".join(nodes[uid]["fqn"]) for uid in self.skipped)
        return ["--indirect-selection", "empty", "--exclude", " ".join(fqns)]


def _code_files(project_dir: Path) -> list[Path]:
    files: list[Path] = []
    for name, suffixes in CODE_INPUTS.items():
        path = project_dir / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += [f for f in path.rglob("*") if f.is_file() and f.suffix in suffixes]
    return sorted(files)


def code_fingerprint(project_dir: Path, dbt_args: list[str]) -> str:
    digest = hashlib.sha256()
    env_names: set[str] = set()
    for path in _code_files(project_dir):
        content = path.read_bytes()
        digest.update(str(path.relative_to(project_dir)).encode() + b"\0" + content + b"\0")
        if path.suffix in (".sql", ".yml", ".yaml", ".jinja"):
            env_names.update(_ENV_VAR.findall(content.decode("utf-8", "replace")))
    for name in sorted(env_names):
        digest.update(f"env {name}={os.environ.get(name)}\0".encode())
    for package in VERSIONED_PACKAGES:
        try:
            installed = version(package)
        except PackageNotFoundError:
            installed = "absent"
        digest.update(f"{package}=={installed}\0".encode())
    digest.update(json.dumps(dbt_args).encode())
    return digest.hexdigest()


def source_snapshot(
    con: duckdb.DuckDBPyConnection, manifest: dict[str, Any]
) -> dict[str, list[Any] | None]:
    """Row count and latest load time of every dbt source table (None when it does not exist)."""
    existing = {
        (schema, name)
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
    }
    snapshot: dict[str, list[Any] | None] = {}
    for uid, source in sorted(manifest.get("sources", {}).items()):
        if (source["schema"], source["identifier"]) not in existing:
            snapshot[uid] = None
            continue
        loaded_at = source.get("loaded_at_field")
        latest = f"cast(max({loaded_at}) as varchar)" if loaded_at else "null"
        table = f'"{source["schema"]}"."{source["identifier"]}"'
        rows, last = con.execute(f"select count(*), {latest} from {table}").fetchall()[0]
        snapshot[uid] = [rows, last]
    return snapshot


def current_inputs(
    con: duckdb.DuckDBPyConnection, manifest: dict[str, Any], dbt_args: list[str]
) -> BuildInputs:
    return BuildInputs(code_fingerprint(PROJECT_DIR, dbt_args), source_snapshot(con, manifest))


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists ops")
    con.execute(
        f"create table if not exists {STATE_TABLE} "
        "(code_fingerprint varchar not null, sources json not null, built_at timestamp not null)"
    )


def previous_inputs(con: duckdb.DuckDBPyConnection) -> BuildInputs | None:
    _ensure(con)
    rows = con.execute(f"select code_fingerprint, sources from {STATE_TABLE}").fetchall()
    return BuildInputs(rows[0][0], json.loads(rows[0][1])) if len(rows) == 1 else None


def clear(con: duckdb.DuckDBPyConnection) -> None:
    _ensure(con)
    con.execute(f"delete from {STATE_TABLE}")


def save(con: duckdb.DuckDBPyConnection, inputs: BuildInputs) -> None:
    _ensure(con)
    con.execute("begin")
    con.execute(f"delete from {STATE_TABLE}")
    con.execute(
        f"insert into {STATE_TABLE} values (?, ?, cast(timezone('UTC', now()) as timestamp))",
        [inputs.code, json.dumps(inputs.sources)],
    )
    con.execute("commit")


def missing_relations(
    con: duckdb.DuckDBPyConnection, manifest: dict[str, Any], unique_ids: frozenset[str]
) -> list[str]:
    """The models and seeds among `unique_ids` whose table or view is not in the warehouse (its
    working file and attached marts file), e.g. a marts file deleted by hand."""
    existing = set(
        con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "union all select schema_name, view_name from duckdb_views()"
        ).fetchall()
    )
    missing = []
    for uid in unique_ids:
        node = manifest.get("nodes", {}).get(uid, {})
        if node.get("resource_type") not in _BUILT:
            continue
        if node.get("config", {}).get("materialized") == "ephemeral":
            continue
        if (node["schema"], node["alias"]) not in existing:
            missing.append(uid)
    return sorted(missing)


def reached_from(manifest: dict[str, Any], starts: set[str]) -> set[str]:
    """Every node downstream of `starts` (child_map), with the unit tests of reached models."""
    children = manifest.get("child_map", {})
    reached: set[str] = set()
    stack = list(starts)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in reached:
                reached.add(child)
                stack.append(child)
    for uid, unit_test in manifest.get("unit_tests", {}).items():
        if set(unit_test.get("depends_on", {}).get("nodes", [])) & reached:
            reached.add(uid)
    return reached


def plan_build(
    previous: BuildInputs | None, current: BuildInputs, manifest: dict[str, Any]
) -> BuildPlan:
    """Build everything unless the code is unchanged since the last complete passing build;
    then leave out every node no changed source (nor a model flagged EVERY_RUN) reaches."""
    if previous is None:
        return BuildPlan(current, "no complete passing build on record")
    if previous.code != current.code:
        return BuildPlan(current, "the code, vars or versions changed since the last build")
    changed = {
        uid
        for uid in set(previous.sources) | set(current.sources)
        if previous.sources.get(uid) != current.sources.get(uid)
    }
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    every_run = {
        uid for uid, node in nodes.items() if node.get("config", {}).get("meta", {}).get(EVERY_RUN)
    }
    reached = reached_from(manifest, changed | every_run) | every_run
    skipped = frozenset(
        uid
        for uid, node in nodes.items()
        if node.get("resource_type") in _SELECTED_KINDS and uid not in reached
    )
    names = ", ".join(sorted(".".join(uid.split(".")[2:]) for uid in changed)) or "none"
    return BuildPlan(current, f"changed sources: {names}", skipped)
