"""Read a plain transaction file: customer id, date and amount per purchase.

Two kinds of file, told apart by content:

- CSV (the first non-blank line contains a comma) with a header naming at least
  `customer_id,date,amount` (any order, case-insensitive, extra columns ignored); dates ISO
  `YYYY-MM-DD`.
- The whitespace-separated CDNOW layouts (Fader, Hardie & Lee 2005 data): master
  `customer_id date(YYYYMMDD) number_of_cds dollar_value` (4 columns) and sample
  `master_id sample_id date cds dollars` (5 columns; the first column is the customer id). An
  optional first line of column names (no numbers in it) is skipped.

Amounts must be finite and non-negative. A bad line raises TransactionFileError (a LoadError, as
every loader raises) naming the file, the 1-based line and the column.
"""

from __future__ import annotations

import csv
import math
import re
from datetime import date
from pathlib import Path
from typing import NoReturn

import numpy as np

from orchestration.loaders.errors import LoadError

CSV_COLUMNS = ("customer_id", "date", "amount")
CDNOW_MASTER = ("customer_id", "date", "number_of_cds", "dollar_value")
CDNOW_SAMPLE = ("customer_id", "sample_id", "date", "number_of_cds", "dollar_value")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_COMPACT_DATE = re.compile(r"\d{8}")

Transactions = tuple[np.ndarray, np.ndarray, np.ndarray]


class TransactionFileError(LoadError):
    """A transaction file that cannot be read; names the file, line (1-based) and column."""

    def __init__(
        self,
        file: str,
        reason: str,
        line: int | None = None,
        column: str | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(file, reason, row=line, column=column, value=value)

    @property
    def line(self) -> int | None:
        return self.row

    def describe(self) -> str:
        where = [f"file {self.file}"]
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = ", ".join(where) + f": {self.reason}"
        if self.value is not None:
            text += f" (value {self.value!r})"
        return text


class _Line:
    """Parses the fields of one line, raising TransactionFileError that names it."""

    def __init__(self, file: str, number: int) -> None:
        self.file, self.number = file, number

    def fail(self, column: str | None, reason: str, value: str | None = None) -> NoReturn:
        raise TransactionFileError(self.file, reason, self.number, column, value)

    def customer(self, text: str, column: str) -> str:
        text = text.strip()
        if not text:
            self.fail(column, "empty customer id")
        return text

    def day(self, text: str, column: str, pattern: re.Pattern[str], layout: str) -> date:
        text = text.strip()
        if not pattern.fullmatch(text):
            self.fail(column, f"expected a date {layout}", text)
        digits = text.replace("-", "")
        try:
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
        except ValueError as error:
            self.fail(column, f"not a valid date: {error}", text)

    def amount(self, text: str, column: str) -> float:
        try:
            value = float(text)
        except ValueError:
            self.fail(column, "not a number", text.strip())
        if not math.isfinite(value) or value < 0:
            self.fail(column, "amount must be a finite number >= 0", text.strip())
        return value

    def count(self, text: str, column: str) -> None:
        if not text.isdigit():
            self.fail(column, "expected a whole number >= 0", text)


def _csv(file: str, lines: list[str], start: int) -> tuple[list[str], list[date], list[float]]:
    reader = csv.reader(lines[start:])
    header = [name.strip().lower() for name in next(reader)]
    missing = [name for name in CSV_COLUMNS if name not in header]
    if missing:
        raise TransactionFileError(
            file, f"header lacks column(s) {', '.join(missing)}", start + 1, value=lines[start]
        )
    where = {name: header.index(name) for name in CSV_COLUMNS}
    ids: list[str] = []
    days: list[date] = []
    amounts: list[float] = []
    for fields in reader:
        line = _Line(file, start + reader.line_num)
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(header):
            line.fail(None, f"expected {len(header)} comma-separated fields, found {len(fields)}")
        ids.append(line.customer(fields[where["customer_id"]], "customer_id"))
        days.append(line.day(fields[where["date"]], "date", _ISO_DATE, "YYYY-MM-DD"))
        amounts.append(line.amount(fields[where["amount"]], "amount"))
    return ids, days, amounts


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _cdnow(file: str, lines: list[str], start: int) -> tuple[list[str], list[date], list[float]]:
    first = lines[start].split()
    if not any(_is_number(token) for token in first):  # a line of column names
        start += 1
    layout = {4: CDNOW_MASTER, 5: CDNOW_SAMPLE}.get(len(first))
    if layout is None:
        raise TransactionFileError(
            file,
            f"expected 4 (CDNOW master) or 5 (CDNOW sample) whitespace-separated columns, or a "
            f"CSV header {','.join(CSV_COLUMNS)}; found {len(first)} fields",
            start + 1,
        )
    ids: list[str] = []
    days: list[date] = []
    amounts: list[float] = []
    for number in range(start, len(lines)):
        tokens = lines[number].split()
        if not tokens:
            continue
        line = _Line(file, number + 1)
        if len(tokens) != len(layout):
            line.fail(
                None, f"expected {len(layout)} whitespace-separated fields, found {len(tokens)}"
            )
        row = dict(zip(layout, tokens, strict=True))
        ids.append(line.customer(row["customer_id"], "customer_id"))
        days.append(line.day(row["date"], "date", _COMPACT_DATE, "YYYYMMDD"))
        line.count(row["number_of_cds"], "number_of_cds")
        amounts.append(line.amount(row["dollar_value"], "dollar_value"))
    return ids, days, amounts


def read_transactions(path: str | Path) -> Transactions:
    """(customer_ids as str objects, dates as datetime64[D], amounts as float64) of a file."""
    file = str(path)
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        lines = handle.read().splitlines()
    start = next((i for i, text in enumerate(lines) if text.strip()), None)
    if start is None:
        raise TransactionFileError(file, "the file is empty")
    reader = _csv if "," in lines[start] else _cdnow
    ids, days, amounts = reader(file, lines, start)
    if not ids:
        raise TransactionFileError(file, "no transactions after the header")
    return (
        np.array(ids, dtype=object),
        np.array(days, dtype="datetime64[D]"),
        np.array(amounts, dtype=float),
    )
