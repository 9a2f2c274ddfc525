"""What loading did, per file and per source: what the Dagster assets report as metadata."""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestration.loaders.errors import LoadError

STATUSES = ("loaded", "replaced", "unchanged", "duplicate", "failed", "ignored")


@dataclass
class FileOutcome:
    file_path: str
    status: str  # one of STATUSES
    rows: int = 0  # rows loaded
    quarantined: int = 0  # bad rows kept in raw.quarantine
    drift: list[str] = field(default_factory=list)  # undeclared columns kept in _extra
    notes: list[str] = field(default_factory=list)  # worth a warning (drift, header only, skipped)
    error: LoadError | None = None  # why the file was rejected (status failed)
    seconds: float = 0.0  # wall-clock time spent on the file

    def progress_line(self, table: str) -> str:
        """One concise console line: table, status, file, rows and seconds."""
        rows = f"{self.rows:,} rows" if self.status in ("loaded", "replaced") else "-"
        if self.quarantined:
            rows += f" ({self.quarantined:,} quarantined)"
        return f"raw.{table:<24} {self.status:<9} {self.file_path}  {rows}  {self.seconds:.2f}s"

    @property
    def message(self) -> str:
        return str(self.error) if self.error is not None else "; ".join(self.notes)


@dataclass
class SourceReport:
    table: str
    policy: str
    files: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(f.status == status for f in self.files)

    @property
    def rows_written(self) -> int:
        return sum(f.rows for f in self.files if f.status in ("loaded", "replaced"))

    @property
    def rows_quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)

    @property
    def errors(self) -> list[LoadError]:
        return [f.error for f in self.files if f.error is not None]

    @property
    def drift(self) -> dict[str, list[str]]:
        return {f.file_path: f.drift for f in self.files if f.drift}

    @property
    def warnings(self) -> list[str]:
        return [f"{f.file_path}: {note}" for f in self.files for note in f.notes]

    def summary(self) -> str:
        counts = ", ".join(f"{self.count(s)} {s}" for s in STATUSES if self.count(s))
        return (
            f"raw.{self.table} ({self.policy}): {counts or 'no files'}; "
            f"{self.rows_written} rows written, {self.rows_quarantined} quarantined"
        )
