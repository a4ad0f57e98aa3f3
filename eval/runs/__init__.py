"""Eval runs: retrieval mode and full mode over a dataset, the resumable per-question progress log, and rejudging a finished run."""
