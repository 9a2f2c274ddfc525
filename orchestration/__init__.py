"""Customer-journey warehouse: loaders, sample-export generator and Dagster code location."""
