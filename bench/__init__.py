"""Benchmarks for `make bench`: a printed table, never assertions on wall-clock time."""
