"""Benchmark programs: ``python -m daemon.bench NAME``. Each prints measured figures and
ratios against a baseline measured in the same run."""
