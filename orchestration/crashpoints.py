"""Named stages of a run, for crash tests: announce a stage, optionally pause there to be killed.

Inert unless the environment asks for it (tests only):
- JOURNEY_STAGE_LOG=FILE: every stage reached appends a line `<stage>\\t<detail>` to FILE (flushed
  and fsynced, so a test polling the file knows the run is at least that far).
- JOURNEY_PAUSE_AT=STAGE (and JOURNEY_PAUSE_SECONDS, default 120): sleep at that stage, so a test
  can SIGKILL the run at a known point.

Stages: `load` (first loader step starts), `dbt:freshness`, `dbt:build` (dbt build started; the
detail is the dbt target folder), `publish:start`, `publish:copying` (the temp file holds the marts,
not yet the run records), `publish:replace` (the temp file is complete and fsynced, before os.replace),
`publish:done`.
"""

from __future__ import annotations

import os
import time

STAGE_LOG_ENV = "JOURNEY_STAGE_LOG"
PAUSE_AT_ENV = "JOURNEY_PAUSE_AT"
PAUSE_SECONDS_ENV = "JOURNEY_PAUSE_SECONDS"


def reached(stage: str, detail: str = "") -> None:
    log = os.environ.get(STAGE_LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{stage}\t{detail}\n")
            handle.flush()
            os.fsync(handle.fileno())
    if os.environ.get(PAUSE_AT_ENV) == stage:
        time.sleep(float(os.environ.get(PAUSE_SECONDS_ENV, "120")))
