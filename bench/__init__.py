"""Benchmarks of the hub (``python -m bench.pipeline``)."""
