"""The observation window and vectorised conversions between UTC and the property's local time.

All instants are int64 microseconds since the Unix epoch (UTC). Local time is UTC plus the zone's
offset; offsets are tabulated per UTC hour (the zone's transitions fall on whole UTC hours).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

US = 1_000_000
MINUTE = 60 * US
HOUR = 3600 * US
DAY = 86_400 * US
_MARGIN_DAYS = 3


@dataclass(frozen=True)
class Clock:
    start: date
    days: int
    zone: str
    t_start: int  # UTC us of local midnight starting the first day
    t_end: int  # UTC us of local midnight after the last day (exclusive end)
    _hour0: int  # UTC us of the first tabulated hour
    _offsets: np.ndarray  # offset (us) per tabulated UTC hour

    @classmethod
    def build(cls, start: date, days: int, zone: str) -> Clock:
        tz = ZoneInfo(zone)
        first = datetime(start.year, start.month, start.day, tzinfo=tz)
        last = first + timedelta(days=days)
        t_start = int(first.timestamp()) * US
        t_end = int(datetime(last.year, last.month, last.day, tzinfo=tz).timestamp()) * US
        hour0 = t_start - _MARGIN_DAYS * DAY
        hours = (t_end - t_start) // HOUR + 2 * _MARGIN_DAYS * 24 + 1
        base = datetime.fromtimestamp(hour0 // US, tz=UTC)
        offsets = np.array(
            [
                int((base + timedelta(hours=h)).astimezone(tz).utcoffset().total_seconds()) * US
                for h in range(hours)
            ],
            dtype=np.int64,
        )
        return cls(start, days, zone, t_start, t_end, hour0, offsets)

    def offset(self, ts: np.ndarray) -> np.ndarray:
        """UTC offset (us) of the zone at UTC instants ``ts``."""
        idx = np.clip((ts - self._hour0) // HOUR, 0, self._offsets.size - 1)
        return self._offsets[idx]

    def local(self, ts: np.ndarray) -> np.ndarray:
        """Local wall-clock time as us since 1970-01-01 00:00 local."""
        return ts + self.offset(ts)

    def to_utc(self, local_us: np.ndarray) -> np.ndarray:
        """UTC instant of a local wall-clock time (gap/overlap hours resolved approximately)."""
        guess = local_us - self.offset(local_us - HOUR)
        return local_us - self.offset(guess)

    @property
    def local_start(self) -> int:
        """Local midnight of the first day, as local us."""
        return (
            int(datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC).timestamp())
            * US
        )

    def day_index(self, ts: np.ndarray) -> np.ndarray:
        """Local day number relative to the first day (0 = start date)."""
        return (self.local(ts) - self.local_start) // DAY

    def day_label(self, index: int, fmt: str = "%Y%m%d") -> str:
        return (self.start + timedelta(days=index)).strftime(fmt)

    def local_midnight_utc(self, day_index: np.ndarray) -> np.ndarray:
        """UTC instant of the local midnight starting day ``day_index``."""
        return self.to_utc(self.local_start + day_index.astype(np.int64) * DAY)
