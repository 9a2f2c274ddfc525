"""Dagster resources: where the landing folder and the DuckDB warehouse are."""

from pathlib import Path

import dagster as dg

from orchestration.config import landing_dir, warehouse_path


class WarehouseResource(dg.ConfigurableResource):
    """The landing folder the loaders read and the DuckDB file every writer writes."""

    landing_dir: str
    warehouse_path: str

    @property
    def landing(self) -> Path:
        return landing_dir(self.landing_dir)

    @property
    def warehouse(self) -> Path:
        return warehouse_path(self.warehouse_path)
