"""The one error type every loader raises for bad input."""

from __future__ import annotations

EMPTY_FILE = "empty file (0 bytes): nothing to load"


class LoadError(Exception):
    """A file that cannot be loaded, with where the problem is.

    The message always names the file and, where it applies, the row (1-based data row; for
    NDJSON the line) and the column, so a data engineer can open the file at the right place;
    `hint` adds what to do about it or how many more rows are bad.
    """

    def __init__(
        self,
        file: str,
        reason: str,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.reason = reason
        self.row = row
        self.column = column
        self.value = value
        self.hint = hint
        super().__init__(self.describe())

    def describe(self) -> str:
        where = [f"file {self.file}"]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = ", ".join(where) + f": {self.reason}"
        if self.value is not None:
            text += f" (value {self.value!r})"
        if self.hint is not None:
            text += f"; {self.hint}"
        return text
