"""Benchmarks: numbers printed by a script, never asserted by timed tests."""
