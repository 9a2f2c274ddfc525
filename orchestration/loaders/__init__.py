"""Loaders: landing-folder exports -> DuckDB schema raw."""
