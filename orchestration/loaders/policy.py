"""The bad-input policy per raw table, from dbt_project.yml var `bad_input_policy`.

reject_file (the default): a file with any bad row is not loaded at all and the run fails, naming
the file, row and column. quarantine_rows: the bad rows go to raw.quarantine and the good rows load.
Problems of the whole file (empty, not UTF-8, wrong delimiter, wrong folder, a required column
missing) reject it under either policy.
"""

from __future__ import annotations

from orchestration.config import project_var

REJECT_FILE = "reject_file"
QUARANTINE_ROWS = "quarantine_rows"
POLICIES = (REJECT_FILE, QUARANTINE_ROWS)
VAR = "bad_input_policy"
DEFAULT_KEY = "default"


def _checked(value: object, where: str) -> str:
    if value not in POLICIES:
        raise ValueError(
            f"dbt_project.yml var {VAR}: {where} is {value!r}; use one of {', '.join(POLICIES)}"
        )
    return str(value)


def policy_for(table: str, tables: list[str]) -> str:
    """The policy of raw.<table>; `tables` are every raw table, to catch misspelt keys."""
    configured = project_var(VAR, None) or {}
    if isinstance(configured, str):
        return _checked(configured, "the value")
    if not isinstance(configured, dict):
        raise ValueError(f"dbt_project.yml var {VAR} must be a mapping (default: and per table)")
    unknown = sorted(set(configured) - {DEFAULT_KEY, *tables})
    if unknown:
        raise ValueError(
            f"dbt_project.yml var {VAR}: unknown raw table(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(tables))}"
        )
    default = _checked(configured.get(DEFAULT_KEY, REJECT_FILE), DEFAULT_KEY)
    return _checked(configured.get(table, default), table)
