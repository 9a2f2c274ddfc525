"""Dagster resources: where the landing folder, the working DuckDB and the published DuckDB are."""

from pathlib import Path

import dagster as dg

from orchestration.config import landing_dir, published_path, warehouse_path
from orchestration.recovery import prepare_run, release_run_lock

TRIGGER_TAG = "journey/trigger"


class WarehouseResource(dg.ConfigurableResource):
    """The landing folder the loaders read, the working DuckDB file every writer writes, and the
    published file BI tools read (empty: `published/<working file name>` next to the working file).

    Before the run's first step it prepares the run (recovery.prepare_run): run lock, temp files of
    unfinished publishes removed, working file recovered, run record started.
    """

    landing_dir: str
    warehouse_path: str
    published_path: str = ""

    @property
    def landing(self) -> Path:
        return landing_dir(self.landing_dir)

    @property
    def warehouse(self) -> Path:
        return warehouse_path(self.warehouse_path)

    @property
    def published(self) -> Path:
        return published_path(self.published_path or None, self.warehouse)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run = context.run
        if run is None:  # built outside a run (e.g. a direct asset invocation in a test)
            return
        trigger = run.tags.get(TRIGGER_TAG, "dagster")
        prep = prepare_run(self.warehouse, self.published, run.run_id, trigger)
        for note in prep.notes:
            context.log.warning(note)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if context.run is not None:
            release_run_lock(self.warehouse)
