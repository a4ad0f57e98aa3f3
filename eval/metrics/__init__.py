"""Eval metrics: ranking metrics and latency percentiles, answer-text metrics (exact match, F1, contains-gold) and the per-question scoring record that full-mode figures are averaged from."""
