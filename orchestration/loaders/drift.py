"""Schema drift: columns or fields a file has beyond its declared contract.

They are kept, not dropped: every raw table has a JSON column `_extra` holding, per row, the
values of the file's undeclared columns (CSV: header -> cell text; GA4 NDJSON: top-level field ->
its JSON value; Parquet: column -> value), null keys left out and null when there are none.
The column names are reported in the manifest message and the Dagster asset metadata.
"""

from __future__ import annotations

from orchestration.loaders.sql import quote_literal

EXTRA_COLUMN = "_extra"
EXTRA_TYPE = "JSON"
NO_EXTRA = f"cast(null as {EXTRA_TYPE}) as {EXTRA_COLUMN}"
NOTE_PREFIX = f"new columns kept in {EXTRA_COLUMN}: "


def extra_json(pairs: list[tuple[str, str]]) -> str:
    """SQL for `_extra` from (key, SQL value) pairs: a JSON object of the non-null ones, else null."""
    if not pairs:
        return NO_EXTRA
    arguments = ", ".join(f"{quote_literal(key)}, {value}" for key, value in pairs)
    return (
        f"cast(nullif(json_merge_patch('{{}}', json_object({arguments})), '{{}}') "
        f"as {EXTRA_TYPE}) as {EXTRA_COLUMN}"
    )


def drift_note(names: list[str]) -> str:
    return NOTE_PREFIX + ", ".join(names)
