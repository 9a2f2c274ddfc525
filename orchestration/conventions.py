"""Project conventions every model must follow, checked on dbt's manifest (run by `make test`).

An analyst's new model fails CI here, with the file and the fix, when it:
- is named against its layer: models/staging/<source>/stg_<source>__<entities>,
  models/intermediate/**/int_*, models/marts/**/fct_*|dim_*|mart_*;
- is not documented in its folder's `_<folder>__models.yml` (a model description and a description
  for every column listed there, at least one column listed);
- has no data test and no unit test;
- is a mart without an enforced contract (the BI contract: every column declared with its type);
- has a not_null (or journey_not_null) data test on a column its enforced contract declares
  not_null: the table is created with NOT NULL, so the build itself rejects a null and the test
  can never fail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

MART_PREFIXES = ("fct_", "dim_", "mart_")


@dataclass(frozen=True)
class Violation:
    model: str
    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: model {self.model}: {self.problem}"


def _layer_problem(name: str, path: PurePosixPath) -> str | None:
    parts = path.parts  # ('models', layer, ...)
    layer = parts[1] if len(parts) > 2 else ""
    if layer == "staging":
        source = parts[2] if len(parts) > 3 else ""
        if not name.startswith(f"stg_{source}__"):
            return f"staging models in models/staging/{source}/ are named stg_{source}__<entities>"
    elif layer == "intermediate":
        if not name.startswith("int_"):
            return "intermediate models are named int_<area>__<what>"
    elif layer == "marts":
        if not name.startswith(MART_PREFIXES):
            return "mart models are named fct_<events>, dim_<entities> or mart_<topic>"
    else:
        return "models live in models/staging/<source>/, models/intermediate/ or models/marts/"
    return None


def _documentation_problems(node: dict[str, Any], path: PurePosixPath) -> list[str]:
    problems = []
    patch = node.get("patch_path") or ""
    yml = PurePosixPath(patch.split("://", 1)[-1]) if patch else None
    if yml is None:
        problems.append(
            f"not documented: add it to {path.parent}/_{path.parent.name}__models.yml "
            "with a description, its columns and tests"
        )
        return problems
    if yml.parent != path.parent or not (
        yml.name.startswith("_") and yml.name.endswith("__models.yml")
    ):
        problems.append(
            f"documented in {yml}; document it in its own folder's _<folder>__models.yml"
        )
    if not (node.get("description") or "").strip():
        problems.append(f"no description in {yml}")
    columns = node.get("columns") or {}
    if not columns:
        problems.append(f"no columns listed in {yml}")
    undocumented = [name for name, column in columns.items() if not column.get("description")]
    if undocumented:
        problems.append(f"columns without description in {yml}: {', '.join(sorted(undocumented))}")
    return problems


def _constrained_not_null(model: dict[str, Any], column: str | None) -> bool:
    """The model's enforced contract declares `column` not_null (DuckDB then creates it NOT NULL)."""
    if not (model.get("config", {}).get("contract") or {}).get("enforced") or column is None:
        return False
    constraints = (model.get("columns") or {}).get(column, {}).get("constraints") or []
    return any(constraint.get("type") == "not_null" for constraint in constraints)


def _not_null_tested_columns(test: dict[str, Any]) -> list[str]:
    """The columns a `not_null` or `journey_not_null` data test checks (none for other tests)."""
    metadata = test.get("test_metadata") or {}
    kwargs = metadata.get("kwargs") or {}
    if metadata.get("name") == "not_null" and kwargs.get("column_name"):
        return [kwargs["column_name"]]
    if metadata.get("name") == "journey_not_null":
        return list(kwargs.get("columns") or [])
    return []


def check_manifest(manifest: dict[str, Any], project: str = "journey") -> list[Violation]:
    """Every convention violation of the project's models, in path order."""
    tested: set[str] = set()
    unfailable: dict[str, list[str]] = {}
    nodes = manifest.get("nodes", {})
    for node in nodes.values():
        if node.get("resource_type") == "test":
            tested.update(node.get("depends_on", {}).get("nodes", []))
            model = nodes.get(node.get("attached_node") or "")
            if model:
                redundant = [
                    column
                    for column in _not_null_tested_columns(node)
                    if _constrained_not_null(model, column)
                ]
                unfailable.setdefault(node["attached_node"], []).extend(redundant)
    for unit_test in manifest.get("unit_tests", {}).values():
        tested.update(unit_test.get("depends_on", {}).get("nodes", []))

    violations = []
    for unique_id, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") != "model" or node.get("package_name") != project:
            continue
        name = node["name"]
        path = PurePosixPath(node["original_file_path"])
        problems = []
        if layer_problem := _layer_problem(name, path):
            problems.append(layer_problem)
        problems += _documentation_problems(node, path)
        if unique_id not in tested:
            problems.append("no data test or unit test: add tests to its _<folder>__models.yml")
        is_mart = len(path.parts) > 2 and path.parts[1] == "marts"
        if is_mart and not (node.get("config", {}).get("contract") or {}).get("enforced"):
            problems.append(
                "marts are the BI contract: set config: {contract: {enforced: true}} "
                "and a data_type for every column"
            )
        if unfailable.get(unique_id):
            problems.append(
                "not_null tests that cannot fail (the enforced contract's not_null constraint "
                f"already rejects nulls at build): remove them from columns "
                f"{', '.join(sorted(unfailable[unique_id]))}"
            )
        violations += [Violation(name, str(path), problem) for problem in problems]
    return sorted(violations, key=lambda v: (v.path, v.problem))


def check_manifest_file(path: str) -> list[Violation]:
    with open(path, encoding="utf-8") as handle:
        return check_manifest(json.load(handle))
