"""Which sources exist and which landing files belong to each (formats.py declares their layouts)."""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

from orchestration.config import project_var
from orchestration.loaders.formats import (
    CSV_SOURCES,
    GA4,
    GENERIC_ORDER_LINE_FIELDS,
    Column,
    CsvSource,
    Ga4Source,
)

Source = CsvSource | Ga4Source


def generic_order_lines_source() -> CsvSource:
    """The generic order-lines CSV, its headers taken from var generic_order_lines_mapping."""
    mapping: dict[str, str | None] = project_var("generic_order_lines_mapping", {}) or {}
    columns = []
    for canonical in GENERIC_ORDER_LINE_FIELDS:
        header = mapping.get(canonical.name)
        if header is None:
            if canonical.required:
                raise ValueError(
                    f"generic_order_lines_mapping in dbt_project.yml needs a header for "
                    f"'{canonical.name}'"
                )
            continue
        columns.append(
            Column(header, canonical.name, canonical.kind, canonical.required, canonical.not_null)
        )
    return CsvSource(
        table="generic_order_lines",
        folder="generic_orders",
        pattern="*.csv",
        columns=tuple(columns),
        description="generic order-lines CSV (mapped by generic_order_lines_mapping)",
    )


def all_sources() -> list[Source]:
    return [GA4, *CSV_SOURCES, generic_order_lines_source()]


def csv_sources() -> list[CsvSource]:
    return [s for s in all_sources() if isinstance(s, CsvSource)]


def source_for_table(table: str) -> Source:
    return next(s for s in all_sources() if s.table == table)


def patterns_of(source: Source) -> tuple[str, ...]:
    return source.patterns if isinstance(source, Ga4Source) else (source.pattern,)


def claims(source: Source, name: str) -> bool:
    """Whether a file of this name, in the source's folder, is one of its exports."""
    return any(fnmatch(name, pattern) for pattern in patterns_of(source))


def files_of(landing: Path, source: Source) -> list[Path]:
    folder = landing / source.folder
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and claims(source, p.name))


def describe(source: Source) -> str:
    """'shopify_orders export (Shopify orders export)': how messages name a source."""
    what = source.description if isinstance(source, CsvSource) else "GA4 BigQuery export"
    return f"{source.table} export ({what.split(';')[0].split(' (')[0]})"


def where_it_goes(source: Source) -> str:
    """'orders/ (files named orders_export*.csv)'."""
    return f"{source.folder}/ (files named {' or '.join(patterns_of(source))})"
