"""Say where a file stops being UTF-8 and which encoding it probably is (only run on failure)."""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path
from typing import BinaryIO

from orchestration.loaders.errors import LoadError

_CHUNK = 1 << 20
# UTF-32 first: its little-endian mark starts with UTF-16's.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "UTF-32 (little-endian)"),
    (codecs.BOM_UTF32_BE, "UTF-32 (big-endian)"),
    (codecs.BOM_UTF16_LE, "UTF-16 (little-endian)"),
    (codecs.BOM_UTF16_BE, "UTF-16 (big-endian)"),
)
_FIX = "re-save (or re-export) the file as UTF-8"


def open_binary(path: Path) -> BinaryIO:
    """The file's bytes, decompressed when it is gzipped."""
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")  # noqa: SIM115


def _guess(line: bytes, position: int) -> str:
    """What the undecodable line most likely is, showing the text around `position`."""
    if line.count(b"\x00") * 4 >= len(line) > 0:
        return "it looks like UTF-16 without a byte-order mark"
    for encoding, name in (("cp1252", "Windows-1252 (cp1252)"), ("latin-1", "Latin-1")):
        try:
            text = line.decode(encoding)  # one byte, one character: positions agree
        except UnicodeDecodeError:
            continue
        start = max(position - 40, 0)
        sample = ("..." if start else "") + text[start : position + 20].strip()
        return f"it decodes as {name}: {sample!r}"
    return "its encoding is unknown"


def not_utf8_error(path: Path, rel: str) -> LoadError | None:
    """The first byte that is not UTF-8, by byte offset and line; None if the file is UTF-8."""
    where = "decompressed byte offset" if path.name.endswith(".gz") else "byte offset"
    with open_binary(path) as handle:
        head = handle.read(4)
        for mark, name in _BYTE_ORDER_MARKS:
            if head.startswith(mark):
                return LoadError(
                    rel,
                    f"not UTF-8: the file starts with a {name} byte-order mark "
                    f"({mark.hex(' ').upper()}); {_FIX}",
                )
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset, lines, previous = 0, 0, b""
        chunk = head
        while chunk:
            pending = decoder.getstate()[0]
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                data = pending + chunk
                start = offset - len(pending) + error.start
                line = lines + data.count(b"\n", 0, error.start) + 1
                line_start = data.rfind(b"\n", 0, error.start) + 1
                line_end = data.find(b"\n", error.start)
                carried = previous[: len(previous) - len(pending)] if line_start == 0 else b""
                text = carried + data[line_start : line_end if line_end >= 0 else len(data)]
                bad = " ".join(f"0x{b:02X}" for b in data[error.start : error.end])
                return LoadError(
                    rel,
                    f"not UTF-8 text: byte {bad} at {where} {start} (line {line}) is not valid "
                    f"UTF-8; {_guess(text, len(carried) + error.start - line_start)}; {_FIX}",
                )
            offset += len(chunk)
            lines += chunk.count(b"\n")
            previous = chunk[chunk.rfind(b"\n") + 1 :]
            chunk = handle.read(_CHUNK)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return LoadError(
                rel, f"not UTF-8 text: the file ends inside a multi-byte character; {_FIX}"
            )
    return None
